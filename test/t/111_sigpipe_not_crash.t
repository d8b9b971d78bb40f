# A reply httpd gives up on (a header block too big) is closed while the
# worker may still be writing it: the worker dies of SIGPIPE. That is
# httpd's doing, not a crash: before, the close came before the slot was
# marked, the manager could reap the worker first, take a fresh worker's
# death under its first request for a crash loop, and back off: the next
# requests got 503 instead of the 502 of their own bad reply.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use HTTP::Tiny ();
use POSIX ();
use PATest qw(:all);

plan tests => 7;

my $bad = app_path('bad');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkApp pipe "$bad" processes=2 keep-conn=off
PreforkAppAlias /pipe pipe
EOF
ok($h->start, 'httpd with an app whose replies are too big') or diag($h->error_log);
ok(wait_for(sub { $h->pids('pipe') == 2 }), 'its workers are up');
my $off = error_log_offset($h->log_file);

# Four clients side by side, 20 requests each.
my $dir = test_dir('sigpipe');
my @kids;
for my $k (1 .. 4) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $http = HTTP::Tiny->new(timeout => 60);
        open my $out, '>', "$dir/$k" or die "$dir/$k: $!";
        for my $i (1 .. 20) {
            my $mode = $i % 2 ? 'hugeheader' : 'manyheaders';
            print $out $http->get($h->url("/pipe?mode=$mode&n=$k.$i"))->{status}, "\n";
        }
        close $out;
        POSIX::_exit(0);      # not exit: $h's DESTROY would stop httpd
    }
    push @kids, $pid;
}
waitpid $_, 0 for @kids;
my %seen;
for my $k (1 .. 4) {
    open my $in, '<', "$dir/$k" or die "$dir/$k: $!";
    $seen{$_}++ for map { chomp; $_ } <$in>;
}
is_deeply(\%seen, { 502 => 80 }, 'each of the 80 bad replies: 502, none 503')
    or diag(explain(\%seen));
my $log = error_log_since($off, $h->log_file);
unlike($log, qr/PA00105/, 'no crash-loop backoff');
unlike($log, qr/PA00103: app pipe [^\n]*signal 13[^\n]*\(crashed\)/, 'no death by SIGPIPE logged as a crash');
is($h->counter('pipe', 'crashed') // -1, 0, 'none counted as crashed');
# Each line names its request, as the access log has it, without the query.
like($log, qr{PA00402: pipe: bad CGI headers from worker pid \d+: [^\n]*; request GET /pipe$}m,
     'the line about a bad reply names its request, without its query');
$h->stop;
