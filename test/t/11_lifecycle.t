# The manager's life follows httpd's: graceful restart under load loses no
# request and the old generation's manager and workers go away once done;
# a SIGKILLed manager is replaced and takes its workers with it; stop leaves
# no process, socket or pid file behind.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Basename qw(dirname);
use HTTP::Tiny ();
use POSIX ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PALoad;
use PADispatch qw(bg_request bg_result);

plan tests => 100;

my $hello = hello_path();
my $echo = app_path('echo');
# Shared memory segments (APR names them in /dev/shm) that exist before this
# file's httpd: whatever it adds must be gone after its stop.
my %shm_before = map { $_ => 1 } shm_entries();
# The segments some running process has mapped: another httpd on this
# machine (a second test run, a developer's server) may add segments of its
# own meanwhile, as another user or in use; ours are neither, once our
# httpd is gone.
sub shm_mapped {
    my %used;
    for my $maps (glob '/proc/[0-9]*/maps') {
        open my $fh, '<', $maps or next;
        while (<$fh>) { $used{$1} = 1 if m{ /dev/shm/([^/\s]+)} }
    }
    return %used;
}

my $h = PATest::Httpd->new(conf => <<"EOF");
PreforkAppCache lzone 1M
PreforkApp lhello "$hello" processes=2 cache=lzone
PreforkApp lslow "$echo" processes=1 die-timeout=2
PreforkApp lpool "$echo" processes=4 lifetime=1
PreforkApp lzero "$echo" processes=0-2
<Location /lpool>
    SetHandler prefork-app:lpool
</Location>
<Location /lhello>
    SetHandler prefork-app:lhello
</Location>
<Location /lslow>
    SetHandler prefork-app:lslow
</Location>
<Location /app-status>
    SetHandler prefork-app-status
</Location>
EOF
# A pid nobody has (a child that has been reaped).
sub dead_pid { my $p = fork; POSIX::_exit(0) if !$p; waitpid $p, 0; return $p }

# What an httpd SIGKILLed with its manager left: a zone's marker (and its
# segment, whose name APR derives from the marker's path less ".owner").
# An earlier build's marker is empty; this one's has the segment's path
# in it (its own name has other random digits: it does not give the
# segment's away).
my $stale = $h->dir . '/prefork_app-lzone.' . dead_pid() . '.cache.owner';
{ open my $fh, '>', $stale or die "$stale: $!"; }
my $gone_pid = dead_pid();
my $stale2 = $h->dir . "/prefork_app-lzone.0123456789abcdef.$gone_pid.cache.owner";
my $zone2 = $h->dir . "/prefork_app-lzone.fedcba9876543210.$gone_pid.cache";
{ open my $fh, '>', $stale2 or die "$stale2: $!"; print $fh $zone2; }
my $junk = $h->dir . "/prefork_app-lzone.00112233445566ff.$gone_pid.cache.owner";
{ open my $fh, '>', $junk or die "$junk: $!"; print $fh "/etc/passwd\n"; }
ok($h->start, 'private httpd started') or diag($h->error_log);
my $base = $h->url;
my $dir = $h->dir;
(my $zone = $stale) =~ s/\.owner\z//;
ok(!-e $stale && $h->error_log =~ /PA00605: removed the cache zone \Q$zone\E, left by httpd pid \d+, which is gone/,
   'a cache zone left by an httpd that is gone is removed at start (PA00605)');
ok(!-e $stale2 && $h->error_log =~ /PA00605: removed the cache zone \Q$zone2\E, left by httpd pid $gone_pid, which is gone/,
   'the zone a marker names inside is the one removed');
ok(!-e $junk && $h->error_log !~ m{removed the cache zone /etc/passwd},
   'a stale marker that names no zone is removed, and nothing else');

sub all_pids { map { worker_pids($_, $base) } qw(lhello lslow) }

ok(wait_for(sub { all_pids() == 3 }), 'workers up');
my $mgr = $h->manager_pid;
ok(scalar(grep { !$shm_before{$_} } shm_entries()),
   'the cache zone is a named segment while httpd runs');

# ---- graceful restart under load ---------------------------------------------
my @old = all_pids();
my ($old_sockdir) = glob("$dir/pa-*");
my $load = PALoad->start("$base/lhello", clients => 4, expect => qr/^Hello/);
sleep 1;
ok($h->graceful, 'graceful restart');
my $mgr2 = wait_for(sub { my $p = $h->manager_pid; $p && $p != $mgr ? $p : undef });
ok($mgr2, 'a new manager for the new generation');
ok($h->graceful, 'a second graceful restart');
my $mgr3 = wait_for(sub { my $p = $h->manager_pid; $p && $p != $mgr2 ? $p : undef });
sleep 1;
my %st = $load->stop;
is_deeply([keys %st], ['200'], 'no failed request across two graceful restarts')
    or diag(PALoad::describe(%st));
ok(wait_for(sub { !pid_alive($mgr) && !pid_alive($mgr2) }),
   'the old generations\' managers exit');
ok(wait_for(sub { !grep { pid_alive($_) } @old }), 'and their workers');
ok(wait_for(sub { !-e $old_sockdir }), 'and their socket directory');
unlike(error_log_since(0, $h->log_file), qr/long lost child/,
       'httpd reaps old managers quietly');

# ---- graceful restart with a request in flight ---------------------------------
my $slow = fork;
if (!$slow) {
    my $res = HTTP::Tiny->new(timeout => 60)->get("$base/lslow?sleep=2");
    POSIX::_exit($res->{status} == 200 ? 0 : 1);
}
# Else the restart below would have nothing in flight.
ok(wait_for(sub { my $a = app_status('lslow', $base);
                  $a && $a->{processes}{busy} == 1 }), 'a slow request on its worker');
my $draining = $h->manager_pid;
ok($h->graceful, 'graceful restart while a slow request runs');
waitpid $slow, 0;
is($?, 0, 'the in-flight request completes with 200');
ok(wait_for(sub { !pid_alive($draining) }), 'then its manager exits');

# ---- a retiring generation keeps only what its requests need ---------------------
# After a graceful restart no new connection reaches the old generation: its
# manager keeps a worker per request still in hand plus one spare per app,
# and renews none for age (lifetime=1 would replace all four every second).
# The request holds its worker until the test creates $pgo (echo's wait=),
# not for a fixed time: the checks below must run while it is in flight.
my $pgo = "$dir/lpool_go";
my $pslow = bg_request('GET', "$base/lpool?wait=$pgo");
ok(wait_for(sub { my $a = app_status('lpool', $base);
                  $a && $a->{processes}{busy} == 1 }), 'a request of lpool on its worker');
my $retiring = $h->manager_pid;
my $roff = error_log_offset($h->log_file);
ok($h->graceful, 'graceful restart, a request of a 4-worker pool in flight');
# lhello 1 spare, lslow 1 spare, lpool the busy one and 1 spare.
# (While the request runs: once it is over, the manager leaves with all.)
ok(wait_for(sub { pid_alive($retiring) && ps_children($retiring) <= 4 }),
   'the retiring manager keeps 4 of its 7 workers') or diag(scalar ps_children($retiring));
my %seen;
for (1 .. 12) {
    $seen{$_->{pid}} = 1 for ps_children($retiring);
    select undef, undef, undef, 0.25;
}
ok(pid_alive($retiring) && keys(%seen) <= 4,
   'and starts none while it drains (no lifetime renewal)')
    or diag(join ' ', sort keys %seen);
unlike(error_log_since($roff, $h->log_file), qr/\[pid $retiring:[^\]]*\][^\n]*PA00108: app lzero/,
       'an app scaled to zero gets no spare started');
ok(wait_for_log(qr/\[pid $retiring:[^\]]*\][^\n]*PA00104: app lhello slot \d+ pid \d+ exited with status 0 after \d+ requests \(shutdown\)/,
                $roff, file => $h->log_file)
   && error_log_since($roff, $h->log_file) !~ /\[pid $retiring:[^\]]*\][^\n]*PA00104: [^\n]*\(surplus idle worker\)/,
   "the workers it lets go leave for its shutdown (PA00104), not as surplus ones") or diag(join "\n", grep { /PA00104|PA00103/ } split /\n/, error_log_since($roff, $h->log_file));
open my $pgofh, '>', $pgo or die "$pgo: $!";
close $pgofh;
is(bg_result($pslow)->{status}, 200, 'the request in flight completes with 200');
ok(wait_for(sub { !pid_alive($retiring) }), 'then that manager exits');

# ---- a retiring manager SIGKILLed: its socket directory goes too ----------------
my $kslow = bg_request('GET', "$base/lslow?sleep=2");
ok(wait_for(sub { my $a = app_status('lslow', $base);
                  $a && $a->{processes}{busy} == 1 }), 'a slow request on its worker again');
my $doomed = $h->manager_pid;
my ($doomed_dir) = error_log_since(0, $h->log_file)
    =~ /PA00116: manager pid $doomed started for generation \d+ \(\d+ apps?, sockets in (\S+)\)/;
ok($doomed_dir && -d $doomed_dir, 'the manager\'s socket directory') or diag($doomed_dir);
# Stopped first, so that it is killed before it reads the restart's signal
# (the race a kill right after a restart may lose): httpd marks its
# generation retired, not only the manager itself.
kill 'STOP', $doomed;
ok($h->graceful, 'graceful restart, a request in flight');
my $koff = error_log_offset($h->log_file);
kill 'KILL', $doomed;
ok(wait_for(sub { !-e $doomed_dir }),
   'its manager SIGKILLed while draining: the socket directory is removed');
# Its workers went with it (PA00150), and nobody starts more for that
# generation: the GET, retried there, is sent away at once, not held to
# its queue-timeout.
is(bg_result($kslow)->{status}, 503, 'the request in flight: 503, no worker of its generation is left');
like(error_log_since($koff, $h->log_file), qr/PA00304: lslow: no worker can come: its process manager is gone after \d+ ms/,
     '... at once, and said so (PA00304), not after queue-timeout');

# ---- the counters carry over a restart, as mod_status' totals do --------------
is(join(' ', map { $h->get('/lhello')->{status} } 1 .. 5), '200 200 200 200 200',
   'five requests');
my $before = status_json(undef, $base) || {};
my ($counted) = map { $_->{counters} } grep { $_->{name} eq 'lhello' } @{ $before->{apps} || [] };
ok($h->graceful, 'graceful restart, idle');
my $after = wait_for(sub { my $d = status_json(undef, $base);
                           $d && $d->{manager}{generation} > $before->{manager}{generation}
                              ? $d : undef });
my ($carried) = map { $_->{counters} } grep { $_->{name} eq 'lhello' } @{ ($after || {})->{apps} || [] };
is(($carried || {})->{accepted}, ($counted || {})->{accepted},
   'the new generation\'s counters go on from the old one\'s (accepted)');
# Its workers are spawned on top of the old count (whether yet or not).
cmp_ok(($carried || {})->{spawned} || 0, '>=', ($counted || {})->{spawned} || 1,
       '... and spawned');
# The cache zone is the parent's, not the generation's: what the apps stored
# stays (the five requests above each looked it up and missed).
my ($zbefore) = map { $_->{stats} } grep { $_->{name} eq 'lzone' } @{ $before->{cache_zones} || [] };
my ($zafter) = map { $_->{stats} } grep { $_->{name} eq 'lzone' } @{ ($after || {})->{cache_zones} || [] };
cmp_ok(($zafter || {})->{misses} || 0, '>=', ($zbefore || {})->{misses} || 1,
       'the cache zone and its counters outlive a graceful restart');

# ---- the socket directory removed (a cleaner of temporary files) --------------
{
    # (Read after the idle restart: a CI run once found no pid file here,
    # and the test died on it; now a failure that shows the log.)
    my $cur = wait_for(sub { $h->manager_pid }, timeout => 10);
    ok($cur, 'the pid file names the current manager')
        or diag(join "\n", error_log_since(0, $h->log_file) =~ /^(.*PA001(?:0[12]|1[369]|23).*)$/mg);
    $cur //= 0;
    my ($sd) = error_log_since(0, $h->log_file)
        =~ /PA00116: manager pid $cur started for generation \d+ \(\d+ apps?, sockets in (\S+)\)/;
    ok($sd && -d $sd, 'the current socket directory') or diag($sd);
    ok(wait_for(sub { all_pids() == 3 }), 'its workers up');
    my @before = all_pids();
    my $off = error_log_offset($h->log_file);
    system('rm', '-rf', $sd) if $sd;
    ok(wait_for_log(qr/PA00131: socket directory \Q$sd\E was removed or replaced while in use.*making it again/,
                    $off, file => $h->log_file),
       'the manager notices and makes it again (PA00131)');
    ok(wait_for(sub { $h->get('/lhello')->{status} == 200 && $h->get('/lslow')->{status} == 200 }),
       'requests are answered again');
    ok(wait_for(sub { !grep { pid_alive($_) } @before }),
       'by new workers: the old ones listened on sockets nobody could reach');
    # Another directory put in its place (a sticky PreforkAppSocketDir lets
    # anyone) is not taken for it: it goes, and the manager's own comes back.
    ok(wait_for(sub { all_pids() == 3 }), 'the workers up again');
    $off = error_log_offset($h->log_file);
    # Made beside it and renamed into its place: the manager looks every
    # second, and may make its own between a removal and a mkdir (then the
    # impostor file would go into the manager's directory and stay).
    my $fake = "$dir/impostor-dir";
    mkdir $fake or die "$fake: $!";
    { open my $fh, '>', "$fake/impostor" or die "$fake/impostor: $!"; }
    my $placed;
    for (1 .. 10) {
        system('rm', '-rf', $sd) if $sd;
        last if $placed = $sd && rename $fake, $sd;
    }
    ok($placed && wait_for(sub { !-e "$sd/impostor" && -d $sd }), 'a directory put in its place is replaced');
    like(error_log_since($off, $h->log_file), qr/PA00131: socket directory \Q$sd\E was removed or replaced/,
         'and said so (PA00131)');
    ok(wait_for(sub { $h->get('/lhello')->{status} == 200 && $h->get('/lslow')->{status} == 200 }),
       'requests are answered again');
}

# ---- the manager is SIGKILLed ------------------------------------------------
ok(wait_for(sub { all_pids() == 3 }), 'workers of the current generation up');
$mgr = $h->manager_pid;
@old = all_pids();
my $off = error_log_offset($h->log_file);
kill 'KILL', $mgr;
my $new = wait_for(sub { my $p = $h->manager_pid; $p && $p != $mgr && pid_alive($p) ? $p : undef });
ok($new, 'httpd starts a new manager');
ok(wait_for_log(qr/PA00119: manager pid $mgr died/, $off, file => $h->log_file),
   'and says so');
ok(wait_for(sub { !grep { pid_alive($_) } @old }), 'the old manager\'s workers do not linger');
my %was = map { $_ => 1 } @old;
ok(wait_for(sub { my @now = all_pids(); @now == 3 && !grep { $was{$_} } @now }),
   'fresh workers took their slots');
is($h->get('/lhello')->{status}, 200, 'requests are served again');

# ---- restart (SIGHUP) with a request queued: it leaves at once -----------------
# httpd closes every connection of a child it stops at once; a request
# waiting in the queue sees that and goes (PA00327), instead of holding the
# child until a worker is free to take it to nobody.
ok(wait_for(sub { my $a = app_status('lslow', $base);
                  $a && $a->{processes}{idle} == 1 }), 'lslow idle');
# By hand, as below: HTTP::Tiny would send the GET again to the new
# generation and wait the 30 s out.
my $held = $h->slow_client('/lslow?sleep=30');
ok(wait_for(sub { my $a = app_status('lslow', $base);
                  $a && $a->{processes}{busy} == 1 }), 'a slow GET holds its one worker');
my $queued = bg_request('POST', "$base/lslow?whoami=1", { content => 'x=1' });
ok(wait_for(sub { my $a = app_status('lslow', $base);
                  $a && $a->{queue}{length} }), 'a POST waits in the queue');
$off = error_log_offset($h->log_file);
ok($h->_k('restart'), 'restart (SIGHUP)');
ok(wait_for_log(qr/PA00327: lslow: httpd closed the client's connection \(this child is stopping\) while its request waited \d+ ms for a worker; not sent/,
                $off, file => $h->log_file),
   'the queued request leaves the queue, one line (PA00327)');
unlike(error_log_since($off, $h->log_file), qr/PA00323/, 'not taken for a client that left');
close $held;
bg_result($queued);
ok(wait_for(sub { $h->get('/lslow')->{status} == 200 }), 'the new generation serves');

# ---- the httpd child serving a request dies: its worker is not leaked ---------
my $client = fork;
if (!$client) {
    # POST: HTTP::Tiny would retry an idempotent request on a dropped
    # connection, and this one is going to be dropped.
    HTTP::Tiny->new(timeout => 60)->request('POST', "$base/lslow?sleep=30",
                                            { content => '' });
    POSIX::_exit(0);
}
ok(wait_for(sub { my $a = app_status('lslow', $base);
                  $a && $a->{processes}{busy} == 1 }), 'a slow request is running');
my ($busy) = worker_pids('lslow', $base);
$mgr = $h->manager_pid;
$off = error_log_offset($h->log_file);
kill 'KILL', grep { $_ != $mgr } map { $_->{pid} } ps_children($h->pid);
ok(wait_for_log(qr/PA00109: app lslow slot 0: the httpd process \d+ serving/, $off,
                file => $h->log_file), 'the manager notices its claimant died');
ok(wait_for(sub { !pid_alive($busy) }), 'and replaces its worker');
ok(wait_for(sub { my $a = app_status('lslow', $base);
                  $a && $a->{processes}{idle} == 1 && $a->{processes}{busy} == 0 }),
   'the slot is idle again, not leaked as busy');
kill 'KILL', $client;
waitpid $client, 0;

# ---- stop: nothing left ----------------------------------------------------------
# With a GET in flight: httpd closes its connection, and the thread waiting
# for the app sees that (PA00329) rather than holding the child until httpd
# kills it.
ok(wait_for(sub { my $a = app_status('lslow', $base);
                  $a && $a->{processes}{idle} == 1 }), 'lslow idle');
# By hand: HTTP::Tiny sends an idempotent request again when its connection
# closes without an answer, and the other child, not stopped yet, took that
# one (a worker for 30 s: httpd had to kill it).
my $inflight = $h->slow_client('/lslow?sleep=30');
ok(wait_for(sub { my $a = app_status('lslow', $base);
                  $a && $a->{processes}{busy} == 1 }), 'a slow GET is in flight');
$mgr = $h->manager_pid;
@old = all_pids();
$off = error_log_offset($h->log_file);
ok($h->stop, 'httpd stopped');
close $inflight;
like(error_log_since($off, $h->log_file),
     qr/PA00329: lslow: httpd closed the client's connection \(this child is stopping\) while worker pid \d+/,
     'the child gives its request up (PA00329)');
unlike(error_log_since($off, $h->log_file), qr/AH0004[56]/,
       'httpd did not have to kill its child');
ok(wait_for(sub { !pid_alive($mgr) && !grep { pid_alive($_) } @old }),
   'no manager or worker process left');
ok(!glob("$dir/pa-*") && !-e "$dir/prefork_app_manager.pid" && !glob("$dir/prefork_app-*"),
   'no socket directory, manager pid file or cache zone marker left');
# Another run's segment may be neither mapped nor removed yet, for a moment.
my @shm_left;
ok(wait_for(sub {
       my %shm_used = shm_mapped();
       !(@shm_left = grep { !$shm_before{$_} && !$shm_used{$_} && -O "/dev/shm/$_" } shm_entries());
   }, timeout => 5), 'no shared memory segment left') or diag("left: @shm_left");

# ---- the httpd parent is SIGKILLed: the manager takes its workers down -------
my $h2 = PATest::Httpd->new(conf => <<"EOF");
PreforkApp kparent "$hello" processes=2
<Location /app-status>
    SetHandler prefork-app-status
</Location>
EOF
# Socket directories that httpds killed together with their managers left
# behind are removed at startup, unless their pid is alive.
my $dir2 = $h2->dir;
my $dead = fork() // die "fork: $!";
POSIX::_exit(0) unless $dead;
waitpid($dead, 0);
for my $d ("$dir2/pa-$dead.3", "$dir2/pa-$$.1") {
    mkdir $d or die "$d: $!";
    open my $fh, '>', "$d/x.0.sock" or die "$d/x.0.sock: $!";
    close $fh;
}
ok($h2->start, 'second private httpd started') or diag($h2->error_log);
ok(!-e "$dir2/pa-$dead.3", 'a gone httpd\'s socket directory removed at startup');
ok(-e "$dir2/pa-$$.1/x.0.sock", 'one whose pid is alive left alone');
ok(wait_for_log(qr/PA00210: removed socket directory \S+pa-$dead\.3, left by httpd pid $dead/, 0,
                file => $h2->log_file), 'removal logged');
unlink "$dir2/pa-$$.1/x.0.sock";
rmdir "$dir2/pa-$$.1";
my @w2;
wait_for(sub { @w2 = worker_pids('kparent', $h2->url); @w2 == 2 });
my $parent2 = $h2->pid;
my $mgr2p = $h2->manager_pid;
my @httpd_children = grep { $_ != $mgr2p } map { $_->{pid} } ps_children($parent2);
kill 'KILL', $parent2;
ok(wait_for(sub { @w2 == 2 && !grep { pid_alive($_) } @w2 }),
   'parent SIGKILLed: the workers are stopped');
ok(wait_for(sub { !pid_alive($mgr2p) && !glob($h2->dir . '/pa-*') }),
   'the manager exits and removes the sockets');
# httpd's own children may outlive a SIGKILLed parent: not ours to test.
kill 'KILL', grep { pid_alive($_) } @httpd_children;

# ---- a graceful restart that removes every app ------------------------------------
# The draining manager is still watched by httpd (no "long lost child"),
# and it takes its workers and sockets away once its generation is done.
my $h3 = PATest::Httpd->new(conf => <<"EOF3");
PreforkApp gone "$hello" processes=2
<Location /app-status>
    SetHandler prefork-app-status
</Location>
EOF3
ok($h3->start, 'third private httpd started') or diag($h3->error_log);
my @w3;
# The workers whose going away is checked below: none would pass vacuously.
ok(wait_for(sub { @w3 = worker_pids('gone', $h3->url); @w3 == 2 }), 'its two workers up');
my $mgr3p = $h3->manager_pid;
my $spawned3 = $h3->counter('gone', 'spawned') || 0;
open my $cf, '<', $h3->{conf_file} or die "$h3->{conf_file}: $!";
my $conf3 = do { local $/; <$cf> };
close $cf;
my $with_gone = $conf3;
$conf3 =~ s/^PreforkApp gone .*\n//m;
open $cf, '>', $h3->{conf_file} or die "$h3->{conf_file}: $!";
print $cf $conf3;
close $cf;
my $off3 = error_log_offset($h3->log_file);
ok($h3->graceful, 'graceful restart without any PreforkApp');
ok(wait_for(sub { !pid_alive($mgr3p) && !grep { pid_alive($_) } @w3 }, timeout => 60),
   'the old manager and its workers are gone');
ok(wait_for(sub { !glob($h3->dir . '/pa-*') }), 'its socket directory is gone');
sleep 1;
unlike(error_log_since($off3, $h3->log_file), qr/long lost child/,
       'httpd reaped the old manager as its own');
# The app back again: its counters start afresh, not from before it left.
open $cf, '>', $h3->{conf_file} or die "$h3->{conf_file}: $!";
print $cf $with_gone;
close $cf;
ok($h3->graceful, 'graceful restart with the app back');
ok(wait_for(sub { worker_pids('gone', $h3->url) == 2 }), 'its workers up again');
cmp_ok($h3->counter('gone', 'spawned') || 0, '<', $spawned3 + 2,
       'an app removed and added back counts from zero')
    or diag("spawned before: $spawned3");
ok($h3->stop, 'third httpd stopped');

# ---- graceful-stop finishes what is in flight and what waits for a worker ------
# httpd's children finish their requests (GracefulShutdownTimeout); the
# manager is stopped only after them, so the worker must serve both.
my $h4 = PATest::Httpd->new(status => 1, conf => <<"EOF4");
GracefulShutdownTimeout 60
PreforkApp gstop "$echo" processes=1 die-timeout=2
PreforkApp gdeaf "$echo --linger" processes=1 die-timeout=1
<Location /gstop>
    SetHandler prefork-app:gstop
</Location>
EOF4
ok($h4->start, 'fourth private httpd started') or diag($h4->error_log);
# Both requests wait for $ggo (echo's wait=), which the test creates once
# httpd is stopping: held for a fixed time instead, the first could be done
# before the test saw one at the worker and one queued, or before the stop.
my $ggo = $h4->dir . '/gstop_go';
my @inflight = map { bg_request('GET', $h4->url("/gstop?wait=$ggo&n=$_")) } 1, 2;
ok(wait_for(sub { my $a = $h4->app('gstop');
                  $a && $a->{processes}{busy} == 1 && $a->{queue}{length} == 1 }),
   'one request at the worker, one waiting for it');
my ($gpid) = $h4->pids('gstop');
my ($deaf) = $h4->pids('gdeaf');
my $mgr4p = $h4->manager_pid;
my $parent4 = $h4->pid;
my $off4 = error_log_offset($h4->log_file);
ok($h4->_k('graceful-stop')
   && wait_for_log(qr/AH00492/, $off4, file => $h4->log_file)
   && do { open my $g, '>', $ggo or die "$ggo: $!"; close $g; 1 }
   && wait_for(sub { !pid_alive($parent4) }, timeout => 60),
   'graceful-stop');
my @rc = map { my $res = bg_result($inflight[$_ - 1]);
                $res->{status} == 200 && $res->{content} =~ /n=$_/ ? 0 : 1 } 1, 2;
is("@rc", '0 0', 'both requests are answered (200, each its own reply)');
ok(wait_for(sub { !pid_alive($mgr4p) && !pid_alive($gpid) }),
   'then the manager and the worker are gone');
ok(!glob($h4->dir . '/pa-*'), 'and the socket directory');
like(error_log_since(0, $h4->log_file),
     qr/PA00111: app gdeaf slot 0 pid $deaf still there 1 s after SIGTERM; sending SIGKILL/,
     'a worker that ignores SIGTERM: SIGKILLed at die-timeout, and said so');

# ---- stop with a request whose httpd child gives it up: the worker leaves cleanly --
# A stopping httpd child stops waiting for its worker (here: a POST the app
# takes 15 s over), and httpd then stops the manager. The worker finishes a
# request nobody waits for and reads its kept connection for the next: it
# is shut down, so the worker sees its SIGTERM, not a SIGKILL after
# die-timeout.
my $h5 = PATest::Httpd->new(status => 1, conf => <<"EOF5");
PreforkApp kstop "$echo" processes=1 die-timeout=60
<Location /kstop>
    SetHandler prefork-app:kstop
</Location>
EOF5
ok($h5->start, 'fifth private httpd started') or diag($h5->error_log);
# A POST: a GET's worker would be killed once its client is seen gone.
my $kid5 = bg_request('POST', $h5->url('/kstop?sleep=15'), { content => 'x=1' });
ok(wait_for(sub { my $a = $h5->app('kstop'); $a && $a->{processes}{busy} == 1 }),
   'a request at the worker');
my ($wpid5) = $h5->pids('kstop');
my $mgr5 = $h5->manager_pid;
ok($h5->stop, 'stop');
bg_result($kid5);
ok(wait_for(sub { !pid_alive($mgr5) }, timeout => 90), 'the manager is gone');
like(error_log_since(0, $h5->log_file),
     qr/PA00104: app kstop slot 0 pid $wpid5 exited with status 0 after 1 requests \((?:shutdown|its request abandoned midway)\)/,
     'the worker exited by itself once its request was over (not SIGKILLed at die-timeout)')
    or diag(join "\n", grep { /PA001|PA003/ } split /\n/, error_log_since(0, $h5->log_file));
