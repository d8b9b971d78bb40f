# processes=0-N: a pool that starts with no worker, starts them as requests
# come (php-fpm's pm = ondemand, mod_fcgid's default) and goes back to none
# once each has been idle for idle-timeout. Many rarely used apps then cost
# no memory. A private httpd, so that the pools' sizes are this test's own.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use HTTP::Tiny ();
use POSIX ();

plan tests => 37;

my $echo = app_path('echo');
# An app that dies a second after it starts, having answered nothing.
my $tmp = test_dir('pa-od');
# It exits (without answering) once the test creates $tmp/go: the test must
# first see requests queued for it, however slow the machine.
write_file("$tmp/slowcrash",
           "#!/bin/sh\nwhile [ ! -e '$tmp/go' ]; do sleep 0.05; done\nexit 1\n", 0755);
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkApp od "$echo" processes=0-3 idle-timeout=1
PreforkApp odspare "$echo" processes=0-3 spare=1-1 idle-timeout=1
PreforkApp odcrash "/bin/false" processes=0-2 start-delay=30
PreforkApp odslow "$tmp/slowcrash" processes=0-1 start-delay=30 queue-timeout=60
<Location /odslow>
    SetHandler prefork-app:odslow
</Location>
<Location /od>
    SetHandler prefork-app:od
</Location>
<Location /odspare>
    SetHandler prefork-app:odspare
</Location>
<Location /odcrash>
    SetHandler prefork-app:odcrash
</Location>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);

# GET path on a connection of its own (HTTP::Tiny would keep one).
sub get { HTTP::Tiny->new(timeout => 60)->get($h->url($_[0])) }
# Starts n GETs of path at once, each in a child process; returns a sub
# that waits for them and returns how many did not get a 200.
sub concurrent {
    my ($n, $path) = @_;
    my @kids = map {
        my $pid = fork;
        if (!$pid) {
            POSIX::_exit(get($path)->{status} == 200 ? 0 : 1);
        }
        $pid;
    } 1 .. $n;
    return sub { my $fails = 0; for (@kids) { waitpid $_, 0; $fails++ if $? } $fails };
}

# ---- configuration -----------------------------------------------------------
my $pool = ($h->app('od') || {})->{pool} || {};
is($pool->{min}, 0, 'status: min 0');
is("$pool->{spare_min}-$pool->{spare_max}", '0-0', 'no idle spare by default when MIN is 0');
is(($h->app('odspare') || {})->{pool}{spare_max}, 1, 'an explicit spare= is kept');

# ---- nothing runs until a request comes -------------------------------------------
# odspare keeps one idle worker: once it has it, the manager has looked at
# every pool at least once.
# (Exec'd: until then ps shows it with the manager's title.)
ok(wait_for(sub { my @p = $h->pids('odspare'); @p == 1 && pid_runs($p[0], $echo) }),
   'spare=1-1: one idle worker kept');
is(scalar($h->pids('od')), 0, 'processes=0-3: no worker at start');
is($h->counter('od', 'spawned'), 0, 'none spawned');
is(scalar(grep { $_->{ppid} == $h->manager_pid && $_->{args} =~ /\Q$echo\E/ } ps_table()),
   1, 'ps: the only app process under the manager is the spare one');

# ---- the first request starts a worker ------------------------------------------
# The worker's pid from its reply: idle-timeout=1 may take it away before a
# look at the status page on a slow machine.
my $res = get('/od?x=1&whoami=1');
is($res->{status}, 200, 'the first request is served');
like($res->{content}, qr/^pid=\d+ served=1 /, 'by the app');
my ($first) = $res->{content} =~ /^pid=(\d+)/;
ok($first, 'one worker now');
is($h->counter('od', 'spawned'), 1, 'spawned for that request');

# ---- and goes back to none when idle ------------------------------------------------
ok(wait_for(sub { $h->pids('od') == 0 }, timeout => 30), 'idle for idle-timeout: back to no worker');
ok(wait_for(sub { !pid_alive($first) }), 'its process is gone');
is($h->counter('od', 'recycled_idle'), 1, 'counted as recycled_idle');
is($h->counter('od', 'crashed'), 0, 'not as a crash');

# ---- a burst: up to MAX workers, the rest queued, nothing refused ---------------
# Held until the test creates $go (echo's wait=), not for a fixed time: the
# three workers must be seen while they are busy.
my $go = "$tmp/od_go";
my $done = concurrent(5, "/od?wait=$go");
ok(wait_for(sub { my $a = $h->app('od') || {};
                  ($a->{processes}{busy} // 0) == 3 && ($a->{queue}{length} // 0) == 2 }),
   'five slow requests at once: three workers (the maximum), two queued');
# Counted by the manager's next pass (every 250 ms) that finds requests
# waiting beyond the maximum: before the test lets the workers go.
ok(wait_for(sub { ($h->counter('od', 'max_processes_reached') // 0) >= 1 }),
   'hitting the maximum is counted');
open my $gofh, '>', $go or die "$go: $!";
close $gofh;
is($done->(), 0, 'all five served (two waited in the queue)');
ok($h->counter('od', 'spawned') <= 1 + 3, 'never more than the maximum started');
ok(wait_for(sub { $h->pids('od') == 0 }, timeout => 30), 'then back to none');

# ---- a spare keeps the pool from emptying -------------------------------------------
is(get('/odspare')->{status}, 200, 'odspare serves');
sleep 3;    # three idle-timeouts
is(scalar($h->pids('odspare')), 1, 'odspare: its one spare stays after idle-timeout');

# ---- an app that cannot start: 503 at once, httpd unharmed ----------------------
my $off = error_log_offset($h->log_file);
$res = get('/odcrash');
is($res->{status}, 503, 'an app that exits at once: 503 for the request that started it');
ok(wait_for_log(qr/PA00105: app odcrash: workers exit right after they start \(pid \d+ [^)]*\); backing off/,
                $off, file => $h->log_file), 'the crash loop is logged');
$res = get('/odcrash');
is($res->{status}, 503, 'the next request: 503 at once, no worker can come during the backoff');
ok($res->{headers}{'retry-after'}, 'with Retry-After');
is(get('/od')->{status}, 200, 'the other pools serve on');

# ---- requests queued when the app turns out not to start: 503 now, not at
# queue-timeout -----------------------------------------------------------------
$off = error_log_offset($h->log_file);
my @st;
my @kids = map {
    pipe(my $r, my $w) or die "pipe: $!";
    my $pid = fork;
    if (!$pid) {
        close $r;
        print $w get("/odslow")->{status};
        close $w;
        POSIX::_exit(0);
    }
    close $w;
    [$pid, $r];
} 1 .. 3;
ok(wait_for(sub { $h->queued('odslow') == 2 }),
   'three requests to an empty pool of one: one has the new worker, two wait');
open my $slowgo, '>', "$tmp/go" or die "$tmp/go: $!";
close $slowgo;
for (@kids) { my ($pid, $r) = @$_; push @st, scalar <$r>; waitpid $pid, 0; }
is("@st", '503 503 503', 'the worker dies without answering: all three get 503');
my @refused = error_log_since($off, $h->log_file)
    =~ /PA00304: odslow: no worker can come: the app is crash-looping with no worker up/g;
is(scalar(@refused), 3, 'each because no worker can come during the backoff');
my @levels = error_log_since($off, $h->log_file)
    =~ /\[prefork_app:(\w+)\][^\n]*PA00304: odslow:/g;
# Which of the three takes the warn is a race; so is the order of the lines.
is(join(' ', sort @levels), 'info info warn',
   'one line at warn, the others at info: a flood of 503s is not a flood of warnings');
unlike(error_log_since($off, $h->log_file), qr/PA00304: odslow: no worker free/,
       'none waited for its queue-timeout');

ok($h->stop, 'stopped');

# ---- a request granted the worker of a crash loop, but run only after it died ------
# The manager resets the connection a claimant left in the slot's backlog
# when no worker will come; a claimant that connects only after that (it
# was granted the slot, then had no CPU until the worker had died and the
# backoff had begun) must not find a fresh backlog that nobody takes from,
# and wait for request-timeout (504). Here the httpd children are stopped
# while the manager starts the worker, which exits at once.
{
    my $hp = PATest::Httpd->new(mpm => 'prefork', status => 1, conf => <<"EOC");
StartServers 2
MinSpareServers 2
MaxSpareServers 2
ServerLimit 2
MaxRequestWorkers 2
PreforkApp odlate "/bin/false" processes=0-1 start-delay=30 request-timeout=10
<Location /odlate>
    SetHandler prefork-app:odlate
</Location>
EOC
    ok($hp->start, 'a private httpd (prefork, two children)') or diag($hp->error_log);
    my $pmgr = $hp->manager_pid;
    my @kids = grep { $_ != $pmgr } map { $_->{pid} } ps_children($hp->pid);
    my $poff = error_log_offset($hp->log_file);
    kill 'STOP', $pmgr;
    my $late = fork;
    if (!$late) {
        my $st = $hp->get('/odlate')->{status} // 0;
        POSIX::_exit($st == 503 ? 3 : $st == 504 ? 4 : 1);
    }
    my $queued = wait_for(sub { $hp->queued('odlate') == 1 });
    kill 'STOP', @kids;
    kill 'CONT', $pmgr;
    my $dead = wait_for_log(qr/PA00104: app odlate slot 0 pid \d+ exited/, $poff,
                            file => $hp->log_file);
    # The manager's next pass (every 250 ms) sees the slot's worker gone
    # for good.
    select undef, undef, undef, 1;
    kill 'CONT', @kids;
    waitpid $late, 0;
    ok($queued && $dead && ($? >> 8) == 3,
       'it gets its 503 at once, not a 504 at request-timeout')
        or diag("queued: " . ($queued ? 1 : 0) . ", exit: " . ($? >> 8) . "\n"
                . error_log_since($poff, $hp->log_file));
    ok($hp->stop, 'stopped');
}
