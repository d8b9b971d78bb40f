# max-memory=SIZE: a worker whose resident memory grows past SIZE (a leak)
# is replaced, as uWSGI's reload-on-rss: its replacement starts at once and
# it leaves once its request is over, so no request fails. A private httpd.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use HTTP::Tiny ();
use POSIX ();

plan tests => 20;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkApp mem "$echo" processes=2 max-memory=48M
PreforkApp nomem "$echo" processes=1
<Location /mem>
    SetHandler prefork-app:mem
</Location>
<Location /nomem>
    SetHandler prefork-app:nomem
</Location>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);

sub get { HTTP::Tiny->new(timeout => 60)->get($h->url($_[0])) }
sub served_by { (get($_[0])->{content} // '') =~ /^pid=(\d+)/ ? $1 : 0 }

is(($h->app('mem') || {})->{pool}{max_memory}, 48 << 20, 'status: pool.max_memory in bytes');
is(($h->app('nomem') || {})->{pool}{max_memory}, 0, '0 when not set');
is($h->counter('mem', 'recycled_max_memory'), 0, 'status: a recycled_max_memory counter');
ok(wait_for(sub { $h->pids('mem') == 2 }), 'two workers');

# Requests go to the lowest idle slot: one after another, the same worker.
my $pid = served_by('/mem?whoami=1');
ok($pid, "worker $pid answers");

# ---- below the limit: kept -----------------------------------------------------
is(get('/mem?grow=16')->{status}, 200, 'it grows by 16 MiB');
sleep 3;    # the manager reads the workers' memory every second
ok(pid_alive($pid), 'below max-memory: kept');
is(served_by('/mem?whoami=1'), $pid, 'and still the one that answers');

# ---- past it while busy: the request finishes, then the worker is replaced ------
# The request holds its worker until the test creates $go (echo's wait=):
# held for a fixed time instead, a slow machine could see it end before the
# manager's next look at the worker's size.
my $go = $h->dir . '/go';
my $off = error_log_offset($h->log_file);
pipe(my $rd, my $wr) or die "pipe: $!";
my $kid = fork;
if (!$kid) {
    close $rd;
    my $r = get("/mem?grow=64&wait=$go&whoami=1");
    print $wr "$r->{status} $r->{content}";
    close $wr;
    POSIX::_exit(0);
}
close $wr;
# While it sleeps: marked, still busy with the request.
ok(wait_for(sub {
        my ($w) = grep { $_->{pid} == $pid } @{ ($h->app('mem') || {})->{workers} || [] };
        $w && $w->{state} eq 'busy' && ($w->{leaving} // '') eq 'max-memory';
    }), 'status: the worker, busy, is shown leaving for max-memory');
open my $gofh, '>', $go or die "$go: $!";
close $gofh;
my $res = do { local $/; <$rd> } // '';
waitpid $kid, 0;
like($res, qr/^200 /, 'the request that took it past max-memory (and then waited) succeeds');
like($res, qr/^200 pid=$pid /, 'served to the end by the same worker');
ok(wait_for(sub { !pid_alive($pid) }, timeout => 30), 'then that worker is gone');
ok(wait_for_log(qr/PA00129: app mem slot \d+ pid $pid: resident memory \d+ KB is over max-memory \(49152 KB\); replacing it/,
                $off, file => $h->log_file), 'one line in the log, with the sizes');
# Without it: its slot shows its pid until the manager reaps it, and a
# zombie is no longer pid_alive().
ok(wait_for(sub { my @p = $h->pids('mem'); @p == 2 && !grep { $_ == $pid } @p }),
   'the pool is back to two workers');
is($h->counter('mem', 'recycled_max_memory'), 1, 'counted as recycled_max_memory');
is($h->counter('mem', 'crashed'), 0, 'not as a crash');
my $new = served_by('/mem?whoami=1');
ok($new && $new != $pid, 'a fresh worker answers');

# ---- no limit: never replaced for its size ---------------------------------------
my $big = served_by('/nomem?grow=80&whoami=1');
sleep 2;
ok($big && pid_alive($big) && served_by('/nomem?whoami=1') == $big,
   'without max-memory an 80 MiB worker stays');

ok($h->stop, 'stopped');
