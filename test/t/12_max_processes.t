# PreforkAppMaxProcesses N: at most N workers of all apps together (as
# mod_fcgid's FcgidMaxProcesses), for a server with many on-demand apps.
# An app with requests waiting does not wait for other apps' idle workers
# to time out: the one idle longest is stopped to make room; busy apps keep
# even shares or take turns. Every pool keeps its minimum; recycling goes
# on at the limit. A private httpd.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use HTTP::Tiny ();
use POSIX ();
use PALoad;
use PADispatch qw(conn_owner bg_request bg_result);
use File::Temp ();

plan tests => 40;

my $echo = app_path('echo');

# ---- configuration ---------------------------------------------------------------
my %ct = configtest(qq{PreforkApp a "$echo" processes=2},
                    qq{PreforkApp b "$echo" processes=1-4},
                    'PreforkAppMaxProcesses 2');
isnt($ct{rc}, 0, 'minimums over PreforkAppMaxProcesses: configtest fails');
like($ct{out}, qr/:\Q@{[$ct{first} + 2]}\E: PreforkAppMaxProcesses 2: the pools' minimums add up to 3/,
     'with file:line and the sum');
%ct = configtest('PreforkAppMaxProcesses none');
like($ct{out}, qr/PreforkAppMaxProcesses none: must be a whole number from 1 to 1000000/,
     'not a number: configtest fails and says so');

my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkAppMaxProcesses 3
PreforkApp fixed "$echo" processes=2 max-requests=3
PreforkApp od1 "$echo" processes=0-3 idle-timeout=300
PreforkApp od2 "$echo" processes=0-3 idle-timeout=300
<Location /fixed>
    SetHandler prefork-app:fixed
</Location>
<Location /od1>
    SetHandler prefork-app:od1
</Location>
<Location /od2>
    SetHandler prefork-app:od2
</Location>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);
my $mgr = $h->manager_pid;
# The app processes under the manager now.
sub nprocs { scalar grep { $_->{ppid} == $mgr && $_->{args} =~ /\Q$echo\E/ } ps_table() }
sub get { HTTP::Tiny->new(timeout => 60)->get($h->url($_[0])) }
my $most = 0;
sub sample { my $n = nprocs(); $most = $n if $n > $most; $n }

ok(wait_for(sub { $h->pids('fixed') == 2 }), 'the static pool has its two');
is((status_json(undef, $h->url) || {})->{manager}{max_processes}, 3, 'status: manager.max_processes');
like(get('/app-status?metrics')->{content} // '', qr/^prefork_app_manager_max_workers 3$/m,
     'metrics: prefork_app_manager_max_workers');

# ---- the third worker goes to whoever asks; then it moves ----------------------
is(get('/od1?x=1')->{status}, 200, 'od1 gets the third worker');
my ($od1) = $h->pids('od1');
my $off = error_log_offset($h->log_file);
is(get('/od2?x=1')->{status}, 200, 'od2 is served too, at the limit');
ok(wait_for_log(qr/PA00130: app od1 slot 0 pid $od1: stopped \(idle\), to make room for app od2 \(PreforkAppMaxProcesses 3 reached\)/,
                $off, file => $h->log_file), "od1's idle worker made room (not after its 300 s idle-timeout)");
# Gone from the status page too: it shows the pid until the manager has
# reaped it, and a zombie is no longer pid_alive().
ok(wait_for(sub { !pid_alive($od1) && !grep { $_ == $od1 } $h->pids('od1') }), 'and is gone');
is(scalar($h->pids('od1')) . ' ' . scalar($h->pids('od2')), '0 1', 'od1 none, od2 one');

# ---- a burst at the limit: queued, served one at a time, never over ---------------
my @kids = map {
    my $pid = fork;
    if (!$pid) {
        POSIX::_exit(get('/od1?sleep=0.5')->{status} == 200 ? 0 : 1);
    }
    $pid;
} 1 .. 4;
my $fails = 0;
for (@kids) {
    while (waitpid($_, POSIX::WNOHANG()) == 0) { sample(); select undef, undef, undef, 0.05; }
    $fails++ if $?;
}
is($fails, 0, 'four slow requests to od1 all served');
ok($most <= 3, "never more than 3 app processes (most seen: $most)");

# ---- recycling at the limit: a retiree leaves before its successor starts -------
my $recycled = $h->counter('fixed', 'recycled_max_requests');
my $bad = 0;
for (1 .. 12) { $bad++ if get('/fixed?x=1')->{status} != 200; sample(); }
is($bad, 0, 'twelve requests to the static pool (max-requests=3) all served');
ok(wait_for(sub { $h->counter('fixed', 'recycled_max_requests') >= $recycled + 3 }),
   'its workers were recycled meanwhile');
ok(wait_for(sub { $h->pids('fixed') == 2 }), 'and it is back to its two');
ok($most <= 3, "still never more than 3 (most seen: $most)");

# ---- two busy apps at the limit share it, without taking workers back and forth --
# (od1 and od2 have one worker between them at most now: the static pool
# holds two of the three.)
$off = error_log_offset($h->log_file);
my $t0 = time;
my $l1 = PALoad->start($h->url('/od1?whoami=1'), clients => 3, expect => qr/^pid=/);
my $l2 = PALoad->start($h->url('/od2?whoami=1'), clients => 3, expect => qr/^pid=/);
sleep 4;
my %s1 = $l1->stop;
my %s2 = $l2->stop;
my $secs = time - $t0 + 1;
is_deeply([sort keys %s1, keys %s2], ['200', '200'], 'both loaded apps: only 200s')
    or diag(PALoad::describe(%s1), ' / ', PALoad::describe(%s2));
my @moves = error_log_since($off, $h->log_file) =~ /PA00130/g;
# They take turns of a second or more; taking it whenever it was idle
# between two requests made it move 28 times in 5 s.
ok(@moves >= 1 && @moves <= $secs + 1,
   'the worker they share changes hands about once a second, not between '
   . 'every two requests (' . scalar(@moves) . " moves in $secs s)");

ok($h->stop, 'stopped');

# ---- a worker replaced in place keeps its room ----------------------------------
# A worker that dies under a request is replaced in place, for the request
# holding its slot, whatever the limit. Its room was not counted until
# then, so another app with a request waiting (maintained first: it comes
# first in the configuration) started a worker into it in the same pass:
# three workers under a limit of two, for as long as the new one stayed.
# The request's httpd child is stopped, so that the manager, not its
# release, finds the dead worker's slot held. prefork: the requests are in
# processes of their own.
my $tmp = File::Temp->newdir;
my $h2 = PATest::Httpd->new(status => 1, mpm => 'prefork', conf => <<"EOF2");
PreforkAppMaxProcesses 2
PreforkApp first "$echo" processes=0-1 queue-timeout=60
PreforkApp held "$echo" processes=2 start-delay=0
<Location /first>
    SetHandler prefork-app:first
</Location>
<Location /held>
    SetHandler prefork-app:held
</Location>
EOF2
ok($h2->start, 'second private httpd started') or diag($h2->error_log);
ok(wait_for(sub { $h2->pids('held') == 2 }), 'held has its two: the limit');
my $c = $h2->send_raw('GET', "/held?wait=$tmp/never");
my ($victim, $child);
wait_for(sub {
    my ($w) = grep { $_->{state} eq 'busy' } @{($h2->app('held') || {})->{workers} || []};
    $victim = $w && $w->{pid};
});
$child = conn_owner($h2->port, $c) if $victim;
ok($victim && $child, 'a request holds one of held\'s workers');
kill 'STOP', $child if $child;
my $waiter = bg_request('GET', $h2->url('/first?x=1'));
ok(wait_for(sub { $h2->queued('first') == 1 }), 'a request to first waits: no room');
my $off2 = error_log_offset($h2->log_file);
kill 'KILL', $victim if $victim;
my $inplace = wait_for_log(qr/PA00108: app held slot \d+: started worker pid \d+ \(in place/,
                           $off2, file => $h2->log_file);
ok($inplace, 'the dead worker is replaced in place') or diag($h2->error_log);
unlike(error_log_since($off2, $h2->log_file), qr/PA00108: app first /,
       'first started no worker into its room');
kill 'CONT', $child if $child;
kill 'KILL', $waiter->{pid};
waitpid $waiter->{pid}, 0;
close $c;
$h2->stop;

# ---- what is taken leaves its app at its minimum ------------------------------------
# Two apps in need in one pass, and one app above its minimum by one, both
# of its workers busy: the first took one (it leaves after its request),
# and the second, which still counted it as the app's, took the other too,
# leaving the app below its minimum (then it took a worker back). The
# manager is stopped while the two requests queue, so that one pass finds
# both.
my $h3 = PATest::Httpd->new(status => 1, conf => <<"EOF3");
PreforkAppMaxProcesses 2
PreforkApp v "$echo" processes=1-2 spare=0-0 idle-timeout=300
PreforkApp n1 "$echo" processes=0-1 queue-timeout=60
PreforkApp n2 "$echo" processes=0-1 queue-timeout=60
<Location /v>
    SetHandler prefork-app:v
</Location>
<Location /n1>
    SetHandler prefork-app:n1
</Location>
<Location /n2>
    SetHandler prefork-app:n2
</Location>
EOF3
ok($h3->start, 'third private httpd started') or diag($h3->error_log);
my @v = map { bg_request('GET', $h3->url("/v?wait=$tmp/v&n=$_")) } 1 .. 2;
ok(wait_for(sub { $h3->busy('v') == 2 }), 'v: two workers, both busy: the limit');
my $mgr3 = $h3->manager_pid;
kill 'STOP', $mgr3;
my @n = map { bg_request('GET', $h3->url("/$_?x=1")) } qw(n1 n2);
my $queued = wait_for(sub { $h3->queued('n1') == 1 && $h3->queued('n2') == 1 });
my $off3 = error_log_offset($h3->log_file);
kill 'CONT', $mgr3;
ok($queued, 'n1 and n2 each have a request waiting');
ok(wait_for_log(qr/PA00130: app v slot \d+ pid \d+: leaves after its request, to make room for app n1/,
                $off3, file => $h3->log_file), 'a worker of v leaves for n1');
open my $vf, '>', "$tmp/v" or die "$tmp/v: $!";
close $vf;
is(join(' ', map { bg_result($_)->{status} } @v), '200 200', 'v\'s requests are answered');
ok(wait_for_log(qr/PA00108: app n1 /, $off3, file => $h3->log_file), 'n1 gets the room');
unlike(error_log_since($off3, $h3->log_file), qr/PA00130: app v .*room for app n2/,
       'v\'s other worker was not taken too: v keeps its minimum');
kill 'KILL', $_->{pid} for @n;
waitpid $_->{pid}, 0 for @n;
$h3->stop;

# ---- an app backing off takes no room it cannot use ----------------------------------
# A pool below its minimum because its workers crash at start was in need
# all through its backoff (start-delay=60: a minute), though it may start
# none then: at the limit it took a worker from another app every time
# none was leaving, for a room it left empty (and no pool could start a
# spare meanwhile).
my $h4 = PATest::Httpd->new(status => 1, conf => <<"EOF4");
PreforkAppMaxProcesses 3
PreforkApp crash "/bin/false" processes=1 start-delay=60
PreforkApp o "$echo" processes=0-3 idle-timeout=1
<Location /o>
    SetHandler prefork-app:o
</Location>
EOF4
ok($h4->start, 'fourth private httpd started') or diag($h4->error_log);
ok(wait_for_log(qr/PA00105: app crash: /, 0, file => $h4->log_file), 'crash backs off');
my @o = map { bg_request('GET', $h4->url("/o?wait=$tmp/o&n=$_")) } 1 .. 3;
ok(wait_for(sub { $h4->busy('o') == 3 }), 'o: three workers, all busy: the limit');
open my $of, '>', "$tmp/o" or die "$tmp/o: $!";
close $of;
is(join(' ', map { bg_result($_)->{status} } @o), '200 200 200', 'o\'s requests are answered');
ok(wait_for(sub { $h4->pids('o') == 0 }, timeout => 30), 'o goes back to none (idle-timeout)');
unlike(error_log_since(0, $h4->log_file), qr/PA00130: .*room for app crash/,
       'no worker of o was taken for crash while it backs off');
$h4->stop;
