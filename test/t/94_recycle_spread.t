# max-requests=LO-HI and lifetime=LO-HI: each worker slot recycles at a
# limit of its own in the range (slot 0 at LO, slot 1 halfway, then the
# quarters...), so that workers started together are not all replaced at
# once (gunicorn's max_requests_jitter, uWSGI's max-requests-delta). The
# status page shows each worker's own limits. php-cgi is told the top of
# the range, so that it never leaves before the manager replaces it. A
# private httpd.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use HTTP::Tiny ();
use POSIX ();

plan tests => 24;

my $hello = hello_path();
my $tmp = test_dir('pa-spread');
write_file("$tmp/env.php", "<?php echo getmypid(), ' ', getenv('PHP_FCGI_MAX_REQUESTS'), \"\\n\";\n");
my $lib = libexecdir();
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
LoadModule alias_module "$lib/mod_alias.so"
PreforkApp sreq "$hello" processes=2 max-requests=4-8
PreforkApp slife "$hello" processes=2 lifetime=5-20
PreforkApp sone "$hello" processes=1 max-requests=5 lifetime=600
PreforkApp sphp "/usr/bin/php-cgi" processes=1 max-requests=2-3
<Location /sreq>
    SetHandler prefork-app:sreq
</Location>
<Location /slife>
    SetHandler prefork-app:slife
</Location>
<Location /sone>
    SetHandler prefork-app:sone
</Location>
Alias /sphp/ "$tmp/"
<Directory "$tmp">
    Require all granted
    SetHandler prefork-app:sphp
</Directory>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);

# slot => worker (status JSON), once the pool has all its workers.
sub by_slot {
    my ($name, $n) = @_;
    my %w;
    wait_for(sub {
        my $a = $h->app($name) or return 0;
        %w = map { $_->{slot} => $_ } grep { $_->{state} eq 'idle' } @{ $a->{workers} || [] };
        keys %w == $n;
    });
    return %w;
}

# ---- lifetime: slot 0 after 5 s, slot 1 after 13 --------------------------------------
# First, while the workers started with httpd are still there.
my %life = by_slot('slife', 2);
is_deeply([ map { $life{$_} && $life{$_}{lifetime} } 0, 1 ], [ 5, 13 ],
          "each worker's own lifetime: 5 and 13 s of lifetime=5-20");
my ($life0, $life1) = map { $life{$_} && $life{$_}{pid} } 0, 1;
ok(wait_for(sub { !pid_alive($life0) }, timeout => 60), "slot 0's worker leaves (lifetime 5)");
ok(pid_alive($life1), "slot 1's, started with it, is still there (lifetime 13)");
ok(wait_for(sub { !pid_alive($life1) }, timeout => 60), '... and leaves later');
ok(wait_for(sub { ($h->counter('slife', 'recycled_lifetime') || 0) >= 2 }),
   'both counted as recycled_lifetime');

# ---- the status page ------------------------------------------------------------
my $pool = (($h->app('sreq') || {})->{pool}) || {};
is_deeply([ @$pool{qw(max_requests max_requests_max lifetime lifetime_max)} ], [ 4, 8, 0, 0 ],
          'status: max-requests=4-8 as max_requests and max_requests_max');
$pool = (($h->app('sone') || {})->{pool}) || {};
is_deeply([ @$pool{qw(max_requests max_requests_max lifetime lifetime_max)} ], [ 5, 5, 600, 600 ],
          'one number: both ends the same');
my %req = by_slot('sreq', 2);
is_deeply([ map { $req{$_} && $req{$_}{max_requests} } 0, 1 ], [ 4, 6 ],
          "each worker's own max_requests: slot 0 at the bottom of the range, slot 1 halfway");
is_deeply([ map { $req{$_} && $req{$_}{lifetime} } 0, 1 ], [ 0, 0 ], '... and lifetime 0 (never)');
my %one = by_slot('sone', 1);
is_deeply([ $one{0} && $one{0}{max_requests}, $one{0} && $one{0}{lifetime} ], [ 5, 600 ],
          'without a range, the limits as given');
like($h->get('/app-status')->{content}, qr/max-requests 4-8, lifetime off/,
     'the HTML page shows the range');

# ---- max-requests: each worker leaves at its own count ----------------------------
# Two clients at a time, so that both slots serve. hello says which worker
# answered and which of its requests that was.
my ($first0, $first1) = map { $req{$_} && $req{$_}{pid} } 0, 1;
pipe(my $rd, my $wr) or die "pipe: $!";
my @kids;
for my $k (1 .. 2) {
    my $kid = fork // die "fork: $!";
    if (!$kid) {
        close $rd;
        my $ua = HTTP::Tiny->new(timeout => 60);
        for (1 .. 40) {
            my $r = $ua->get($h->url('/sreq'));
            my ($pid, $nth) = ($r->{content} // '') =~ /worker pid (\d+), request (\d+) of this worker/;
            syswrite $wr, "$r->{status} " . ($pid // 0) . ' ' . ($nth // 0) . "\n";
        }
        POSIX::_exit(0);
    }
    push @kids, $kid;
}
close $wr;
my @lines = <$rd>;
waitpid $_, 0 for @kids;
my (%statuses, %most);
for (@lines) {
    my ($status, $pid, $nth) = split;
    $statuses{$status}++;
    $most{$pid} = $nth if $pid && (!$most{$pid} || $nth > $most{$pid});
}
is(scalar @lines, 80, 'eighty answers');
is_deeply([ keys %statuses ], [ '200' ], 'all 200: no request lost while workers are replaced');
is($most{$first0}, 4, "slot 0's first worker answered 4 requests");
is($most{$first1}, 6, "slot 1's first worker answered 6");
my @left = grep { !pid_alive($_) } keys %most;
ok(@left >= 8, scalar(@left) . ' workers replaced');
is_deeply([ grep { $most{$_} < 4 || $most{$_} > 8 } @left ], [], 'each after 4 to 8 requests')
    or diag(join ' ', map { "$_=$most{$_}" } @left);
my %counts = map { $most{$_} => 1 } @left;
ok(keys %counts >= 3, 'not all after the same number: ' . join(' ', sort keys %counts));
ok($h->counter('sreq', 'recycled_max_requests') >= 8, 'counted as recycled_max_requests');

# ---- php-cgi: told the top of the range ------------------------------------------------
my @php = map { $h->get('/sphp/env.php')->{content} // '' } 1 .. 8;
is_deeply([ grep { !/^\d+ 3$/ } @php ], [], 'php-cgi gets PHP_FCGI_MAX_REQUESTS=3 (max-requests=2-3)')
    or diag(@php);
my (@runs, $last);
for (@php) {
    my ($pid) = /^(\d+)/ or next;
    push @runs, 0 if !defined $last || $pid ne $last;
    $runs[-1]++;
    $last = $pid;
}
pop @runs;      # the last worker may not be done
ok(@runs >= 2, 'php-cgi workers replaced: ' . join(' ', @runs));
is_deeply([ grep { $_ < 2 || $_ > 3 } @runs ], [], 'each after 2 or 3 requests');
unlike($h->error_log, qr/PA00134/, 'none left by itself before the manager replaced it');
