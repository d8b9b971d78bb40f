# An app that closes its connection a moment after each reply although
# FCGI_KEEP_CONN asks it to keep it (node-fastcgi, ruby-fcgi: the close
# comes from their event loop, after FCGI_END_REQUEST). A request queued for
# its worker is handed the kept connection right at that reply's end and
# would be sent into the close: a POST lost (502, it cannot be sent again).
# The second request on a kept connection of an app not yet known to keep
# them looks for that close first, and goes to another worker, unsent.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use HTTP::Tiny ();
use POSIX ();

my $rounds = 4;
plan tests => 2 + 2 * $rounds;

my $closer = "$FindBin::Bin/apps/closer.pl";
my $h = PATest::Httpd->new(conf => <<"EOF");
PreforkApp closer "$closer" processes=1
<Location /closer>
    SetHandler prefork-app:closer
</Location>
EOF
ok($h->start, 'private httpd with an app that closes kept connections late') or diag($h->error_log);

# n POSTs at once: their statuses.
sub posts {
    my $n = shift;
    my @pids;
    for my $i (1 .. $n) {
        pipe(my $r, my $w) or die "pipe: $!";
        my $pid = fork() // die "fork: $!";
        if (!$pid) {
            close $r;
            my $res = HTTP::Tiny->new(timeout => 30)->post($h->url('/closer'),
                { content => "body $i" });
            print $w $res->{status};
            close $w;
            POSIX::_exit(0);
        }
        close $w;
        push @pids, [$pid, $r];
    }
    my @st;
    for (@pids) {
        my ($pid, $r) = @$_;
        push @st, scalar(<$r>) // 'none';
        waitpid($pid, 0);
    }
    return @st;
}

# Each generation finds out anew.
for my $round (1 .. $rounds) {
    ok($round == 1 || $h->graceful, "round $round: a new generation finds out anew") or diag($h->error_log);
    my @st = posts(4);
    ok(!grep({ $_ ne '200' } @st), "round $round: four POSTs at once, none lost") or diag("round $round: @st");
}
my $log = $h->error_log;
ok($log =~ /PA00127/ && $log !~ /PA00309/, 'the close is found (PA00127), no request went away unanswered (PA00309)') or diag($log);
