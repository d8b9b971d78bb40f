# The process manager keeps pools alive: N workers per static app, a killed
# worker replaced in its slot, a crash loop backed off (and logged once)
# without hurting httpd or other apps, recycling by max-requests and
# lifetime without a failed request, dynamic pools growing with demand and
# shrinking when idle. A private httpd, so that kills and crash loops stay
# out of the shared test server.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Basename qw(dirname);
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PALoad;
use HTTP::Tiny ();
use Time::Local ();
use POSIX ();

plan tests => 117;

my $hello = hello_path();
my $echo = app_path('echo');
# A worker that only talks on stderr, then sleeps.
my $tmp = test_dir('pa-mgr');
write_file("$tmp/chatty", "#!/bin/sh\necho \"chatty says FOO=\$FOO\" >&2\n"
           . "printf 'nul\\000 bell\\007 end\\n' >&2\nexec sleep 3600\n", 0755);
# A worker that dies a while after it starts, without serving anything.
write_file("$tmp/slowcrash", "#!/bin/sh\nsleep 2\nexit 1\n", 0755);
# A deploy that can go bad: while the file named by its argument exists, new
# workers exit at once.
write_file("$tmp/deploy", "#!/bin/sh\n[ -e \"\$1\" ] && exit 1\nexec '$echo'\n", 0755);
# One that goes bad once: the first worker to find the file removes it and
# exits at once.
write_file("$tmp/deploy-once", "#!/bin/sh\n[ -e \"\$1\" ] && rm -f \"\$1\" && exit 1\nexec '$echo'\n", 0755);
# php-cgi under a wrapper that limits its requests where the module cannot
# see it.
write_file("$tmp/php-wrapper", "#!/bin/sh\nPHP_FCGI_MAX_REQUESTS=2 exec /usr/bin/php-cgi\n", 0755);
write_file("$tmp/hello.php", "<?php echo 'php ', getmypid(), \"\\n\";\n");
my $lib = libexecdir();
my $h = PATest::Httpd->new(conf => <<"EOF");
LoadModule alias_module "$lib/mod_alias.so"
# php-cgi leaves after PHP_FCGI_MAX_REQUESTS requests, by itself.
PreforkApp mphp "/usr/bin/php-cgi" processes=2
PreforkAppEnv mphp PHP_FCGI_MAX_REQUESTS 2
Alias /mphp/ "$tmp/"
<Directory "$tmp">
    Require all granted
</Directory>
<Location /mphp/>
    SetHandler prefork-app:mphp
</Location>
PreforkApp mwrap "$tmp/php-wrapper" processes=1
Alias /mwrap/ "$tmp/"
<Location /mwrap/>
    SetHandler prefork-app:mwrap
</Location>
PreforkApp mslowcrash "$tmp/slowcrash" processes=1 start-delay=30 request-timeout=60
<Location /mslowcrash>
    SetHandler prefork-app:mslowcrash
</Location>
PreforkApp mkill "$echo" processes=1 start-delay=60
PreforkApp mwait "$tmp/deploy-once $tmp/broken-once" processes=1 start-delay=1
<Location /mwait>
    SetHandler prefork-app:mwait
</Location>
<Location /mkill>
    SetHandler prefork-app:mkill
</Location>
PreforkApp mdeploy "$tmp/deploy $tmp/broken" processes=2 max-requests=3 start-delay=5
<Location /mdeploy>
    SetHandler prefork-app:mdeploy
</Location>
PreforkApp mreload "$hello" processes=2 touch-reload=$tmp/restart.txt
<Location /mreload>
    SetHandler prefork-app:mreload
</Location>
PreforkApp mroll "$tmp/deploy $tmp/broken-roll" processes=3 start-delay=1 touch-reload=$tmp/roll.txt
<Location /mroll>
    SetHandler prefork-app:mroll
</Location>
PreforkApp mstatic "$hello" processes=3
PreforkAppEnv mstatic PA_TEST_VAR hello
PreforkAppEnv mstatic PA_EMPTY ""
PreforkApp mchatty "$tmp/chatty" processes=1
PreforkAppEnv mchatty FOO bar
PreforkApp mcrash "/bin/false" processes=2 start-delay=1
PreforkApp mlongdelay "/bin/false" processes=1 start-delay=90
PreforkApp mrecycle "$hello" processes=2 max-requests=10
PreforkApp mlast "$echo" processes=1 max-requests=2
PreforkApp mlife "$hello" processes=2 lifetime=1
PreforkApp mdyn "$echo --pool=mdyn" processes=1-4 spare=0-1 idle-timeout=1
PreforkApp mnice "$hello" processes=1 sched=normal nice=5
<Location /mstatic>
    SetHandler prefork-app:mstatic
</Location>
<Location /mcrash>
    SetHandler prefork-app:mcrash
</Location>
<Location /mlast>
    SetHandler prefork-app:mlast
</Location>
<Location /mrecycle>
    SetHandler prefork-app:mrecycle
</Location>
<Location /mlife>
    SetHandler prefork-app:mlife
</Location>
<Location /mdyn>
    SetHandler prefork-app:mdyn
</Location>
<Location /app-status>
    SetHandler prefork-app-status
</Location>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);
my $base = $h->url;
my $dir = $h->dir;

sub app { app_status($_[0], $base) }
sub pids { worker_pids($_[0], $base) }
sub counter { my $a = app($_[0]); $a ? $a->{counters}{$_[1]} : undef }
# touch(PATH[, MTIME]): create PATH if missing; set its mtime if given.
sub touch {
    my ($path, $mtime) = @_;
    open my $f, '>>', $path or die "$path: $!";
    close $f;
    utime time, $mtime, $path if defined $mtime;
}
sub slot_of {
    my ($name, $pid) = @_;
    my ($w) = grep { $_->{pid} == $pid } @{ (app($name) || {})->{workers} || [] };
    return $w ? $w->{slot} : undef;
}

# ---- N workers, children of the manager --------------------------------
# Each one exec'd: before that, /proc shows the manager's command line,
# environment, directory and descriptors in it.
ok(wait_for(sub { my @p = pids('mstatic'); @p == 3 && !grep { !pid_runs($_, $hello) } @p }),
   'processes=3: three workers');
my $mgr = $h->manager_pid;
ok($mgr && pid_alive($mgr), 'manager pid file names a live process');
my %children = map { $_->{pid} => $_ } ps_children($mgr);
my @pids = pids('mstatic');
is(scalar(grep { $children{$_} && $children{$_}{args} =~ /\Q$hello\E/ } @pids), 3,
   'ps: the three workers are children of the manager, running the command');
my ($mrow) = grep { $_->{pid} == $mgr } ps_table();
like($mrow->{args}, qr/mod_prefork_app manager/, 'manager process title');
# What a worker gets: a clean environment, the command's directory, fds 0-2.
open my $env, '<', "/proc/$pids[0]/environ";
my @env = sort split /\0/, do { local $/; <$env> };
my @pw = getpwuid($>);      # (httpd runs as the tests' user: so do its workers)
is_deeply(\@env, ["HOME=$pw[7]", 'PATH=/usr/local/bin:/usr/bin:/bin', 'PA_EMPTY=', 'PA_TEST_VAR=hello',
                  "USER=$pw[0]"],
          'worker environment: PreforkAppEnv (an empty value too), PATH, and the USER and HOME it runs as');
is(readlink("/proc/$pids[0]/cwd"), dirname($hello), 'worker cwd: the command\'s directory');
opendir my $fds, "/proc/$pids[0]/fd";
is_deeply([sort grep { /^\d+$/ } readdir $fds], [0, 1, 2], 'worker inherits fds 0-2 only');
ok(-S "/proc/$pids[0]/fd/0", 'fd 0 is its listen socket');
# Scheduling: SCHED_BATCH by default (policy 3 in /proc/PID/stat), or as
# sched= and nice= say.
sub sched_of {
    open my $st, '<', "/proc/$_[0]/stat" or return ();
    my ($rest) = <$st> =~ /\)\s(.*)/;
    my @f = split ' ', $rest;           # f[0] is field 3 (state)
    return (policy => $f[38], nice => $f[16]);
}
is_deeply({ sched_of($pids[0]) }, { policy => 3, nice => 0 },
          'worker: SCHED_BATCH, nice 0 by default');
ok(wait_for(sub { my @p = pids('mnice'); @p == 1 && pid_runs($p[0], $hello) }), 'mnice: one worker');
my ($nice_pid) = pids('mnice');
is_deeply({ sched_of($nice_pid) }, { policy => 0, nice => 5 },
          'sched=normal nice=5: SCHED_OTHER at nice 5');
kill 'KILL', $nice_pid;
ok(wait_for(sub { my ($p) = pids('mnice'); my %s = sched_of($p || 0);
                  $p && $p != $nice_pid && $s{nice} == 5 }),
   'its replacement too');
ok(wait_for_log(qr/PA00121: app mchatty pid \d+: chatty says FOO=bar/, 0,
                file => $h->log_file), 'stderr lines logged, tagged with app and pid');
ok(wait_for_log(qr/PA00121: app mchatty pid \d+: nul\\\\x00 bell\\x07 end$/m, 0,
                file => $h->log_file), 'a NUL and a control byte in a line: escaped, the line whole');
my ($sockdir) = glob("$dir/pa-*");
ok($sockdir && -d $sockdir && (stat $sockdir)[2] % 01000 == 0700,
   'private socket directory, mode 0700');
ok(-S "$sockdir/mstatic.0.sock" && (stat "$sockdir/mstatic.0.sock")[2] % 01000 == 0600,
   'one socket per slot, mode 0600');

# ---- kill -9 a worker: replaced in its slot -------------------------------
my $victim = $pids[1];
my $slot = slot_of('mstatic', $victim);
my $spawned = counter('mstatic', 'spawned');
my $off = error_log_offset($h->log_file);
kill 'KILL', $victim;
my $new = wait_for(sub {
    my ($w) = grep { $_->{slot} == $slot } @{ app('mstatic')->{workers} };
    return $w && $w->{pid} != $victim ? $w->{pid} : undef;
});
ok($new, "killed worker replaced in slot $slot");
ok(!pid_alive($victim), 'the killed worker is gone (reaped)');
is(counter('mstatic', 'spawned'), $spawned + 1, 'spawned counter +1');
ok(counter('mstatic', 'crashed') >= 1 && counter('mstatic', 'exited') >= 1,
   'exited and crashed counters');
ok(wait_for_log(qr/PA00103: app mstatic slot $slot pid $victim killed by signal 9/,
                $off, file => $h->log_file), 'the death is logged');
is(scalar(pids('mstatic')), 3, 'still three workers');

# ---- a crash loop backs off; nothing else suffers ---------------------------
ok(wait_for(sub { (counter('mcrash', 'crashed') || 0) >= 4 }, timeout => 60),
   'crashing app: its workers are respawned (with backoff)');
my $crash = app('mcrash');
ok($crash->{crash_backoff_level} >= 1, 'backoff level visible in the status');
my $log = error_log_since(0, $h->log_file);
my @entering = $log =~ /PA00105: app mcrash/g;
is(scalar @entering, 1, 'entering the backoff is logged once, not once per crash');
like($log, qr/PA00105: app mcrash: workers exit right after they start \(pid \d+ exited with status 1\); backing off/,
     '... saying how the worker ended (its own line is at info then)');
ok(wait_for_log(qr/PA00105: app mlongdelay: .*next spawn in 90000 ms, growing up to 90 s/,
                0, file => $h->log_file),
   'start-delay=90: the backoff starts there, above the usual 60 s cap');
is($h->get('/mcrash')->{status}, 503, 'a request to the crashing app: 503');
is($h->get('/mstatic')->{status}, 200, 'other apps still serve');
ok(pid_alive($h->pid) && pid_alive($mgr), 'httpd and the manager stay up');

# A request waiting on a worker that then dies, in a crash loop (no
# replacement for now): it fails at once, not at request-timeout (504).
ok(wait_for(sub { pids('mslowcrash') == 1 }), 'slowly crashing app: a worker up');
like($h->get('/mslowcrash')->{status}, qr/^50[23]$/,
     'its request fails with 502/503 when the worker dies, not 504');

# ---- a young worker that has answered is no crash loop ----------------------
# Killed well within start-delay (60 s) after answering, it is replaced at
# once; a backoff would leave the pool short for a minute.
ok(wait_for(sub { pids('mkill') == 1 }), 'mkill: a worker up');
my ($killed) = $h->get('/mkill?whoami=1')->{content} =~ /pid=(\d+)/;
kill 'KILL', $killed;
my $next = wait_for(sub { my @p = pids('mkill'); @p == 1 && $p[0] != $killed },
                    timeout => 15);
ok($next, 'a worker killed after answering a request: replaced at once');
is(app('mkill')->{crash_backoff_level}, 0, '... with no backoff');
is($h->get('/mkill?whoami=1')->{status}, 200, '... and the app serves');
# A page that kills every worker it reaches: the GET is retried on the
# replacement, which dies under it too. That second death is the request's,
# not a fresh worker's that shows the app does not start: no backoff, and
# the app's other pages are served at once; so again, with a page answered
# in between (by the fresh worker).
$off = error_log_offset($h->log_file);
is(join(' ', map { ($h->get('/mkill?die=always')->{status}, $h->get('/mkill?whoami=1')->{status}) } 1 .. 2),
   '502 200 502 200', 'a request that kills the worker and its replacement: 502, and the next page is served; twice');
is(app('mkill')->{crash_backoff_level}, 0, '... with no backoff');
unlike(error_log_since($off, $h->log_file), qr/PA00105: app mkill/, '... and no crash loop logged');
like(error_log_since($off, $h->log_file), qr/PA00309: mkill: worker pid \d+ went away before answering \(twice\)/,
     '... but each such request logged');
# Twice in a row, nothing answered in between: the second one's first
# attempt kills a fresh worker that never answered, while no other worker
# answered either: for all the module can tell, a deploy that crashes
# every page (t/13): the app backs off.
is($h->get('/mkill?die=always')->{status}, 502, 'once more: 502');
like($h->get('/mkill?die=always')->{status}, qr/^50[23]$/,
     '... and at once again: 502 (or 503: its replay finds the app backing off)');
ok(wait_for_log(qr/PA00105: app mkill/, $off, file => $h->log_file),
   '... that one, on a fresh worker with nothing answered since, starts the backoff');

# ---- a short backoff is waited out, not answered with 503s ------------------
# A replacement that exits at once (before any request) is a crash loop: the
# backoff of start-delay, 1 s. A request of the app then waits for the
# backoff to end and is served; only a backoff longer than PA_BACKOFF_WAIT
# (2 s) answers 503 at once.
ok(wait_for(sub { pids('mwait') == 1 }), 'mwait: a worker up');
my ($waiting) = $h->get('/mwait?whoami=1')->{content} =~ /pid=(\d+)/;
ok($waiting, 'mwait: it answers');
$off = error_log_offset($h->log_file);
write_file("$tmp/broken-once", '');
kill 'KILL', $waiting;
ok(wait_for_log(qr/PA00105: app mwait: .*next spawn in 1000 ms/, $off, file => $h->log_file),
   'mwait: its replacement exiting at once starts the backoff');
is($h->get('/mwait')->{status}, 200, 'a request during a 1 s backoff waits for it and is served');

# The manager's own time stamp on an error log line (local time, as httpd
# writes it), in seconds; undef if the line has none.
sub log_time {
    my ($line) = @_;
    my %mon; @mon{qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)} = 0 .. 11;
    my ($mon, $day, $hh, $mm, $ss, $frac, $year) = ($line // '')
        =~ /^\[\w+ (\w+) (\d+) (\d+):(\d+):(\d+)\.(\d+) (\d+)\]/ or return undef;
    return Time::Local::timelocal($ss, $mm, $hh, $day, $mon{$mon}, $year) + "0.$frac";
}

# ---- a bad deploy: the workers up serve on through the backoff --------------
# Its replacements exit at once, so the app backs off; recycling by
# max-requests then would drain the pool (503s) for the whole backoff.
# Workers older than start-delay, as in a pool that has been up a while.
ok(wait_for(sub { my @w = @{ (app('mdeploy') || {})->{workers} || [] };
                  @w == 2 && !grep { $_->{age_seconds} < 6 } @w }, timeout => 40),
   'mdeploy: two workers up for longer than start-delay');
touch("$tmp/broken");
$off = error_log_offset($h->log_file);
my @first = map { $h->get('/mdeploy?whoami=1') } 1 .. 3;
is_deeply([map { $_->{status} } @first], [200, 200, 200],
          'the first worker serves its max-requests');
my ($retired) = $first[2]{content} =~ /pid=(\d+)/;
ok(wait_for(sub { app('mdeploy')->{crash_backoff_level} >= 1 }, timeout => 20),
   'its replacement exits at once: the app backs off');
# It waits for its replacement to prove itself, which never happens.
sleep 2;
ok(pid_alive($retired), '... and the worker at max-requests has not left the pool');
my ($backoff_line, $backoff) = (wait_for_log(qr/PA00105: app mdeploy/, $off, file => $h->log_file)
                                || '') =~ /^(.*(PA00105: app mdeploy[^\n]*))$/m;
like($backoff || '', qr/the workers up serve on meanwhile, recycling waits/,
     'the log line says the workers up serve on');
my @on = map { $h->get('/mdeploy?whoami=1') } 1 .. 8;
is_deeply([map { $_->{status} } @on], [(200) x 8],
          'during the backoff, requests are served (not 503)');
my %served;
for (@on) {
    my ($pid, $n) = $_->{content} =~ /pid=(\d+) served=(\d+)/;
    $served{$pid} = $n if defined $pid;
}
my ($kept) = keys %served;
ok(keys %served == 1 && $served{$kept} >= 8,
   'by the other worker, past its max-requests of 3')
    or diag(explain(\%served));
# Fixed: once the backoff is over a replacement starts and the worker kept
# past its limit is recycled without anyone asking it for another request.
unlink "$tmp/broken";
ok(wait_for(sub { my @p = pids('mdeploy');
                  @p == 2 && !grep { $_ == $kept } @p }, timeout => 60),
   'after the backoff, the worker kept past max-requests is replaced');
# That worker outlived start-delay, but before the loop began: its answers
# do not end the backoff. The manager's first spawn after PA00105 comes at
# the end it announced ("next spawn in N ms"), by the manager's own time
# stamps (a second's slack for the stamp being taken after the decision).
my ($spawn_line) = error_log_since($off, $h->log_file)
    =~ /PA00105: app mdeploy.*?^([^\n]*PA00108: app mdeploy slot \d+: started worker[^\n]*)/ms;
my ($delay_ms) = ($backoff // '') =~ /next spawn in (\d+) ms/;
my ($t_backoff, $t_spawn) = (log_time($backoff_line), log_time($spawn_line));
ok(defined $delay_ms && defined $t_backoff && defined $t_spawn
   && $t_spawn >= $t_backoff + $delay_ms / 1000 - 1,
   'a worker from before the loop does not end the backoff (no spawn before its end)')
    or diag("backoff: $backoff_line\nfirst spawn: " . ($spawn_line // 'none'));
is($h->get('/mdeploy')->{status}, 200, '... and the app serves');

# ---- touch-reload: a rolling replacement, not one request lost ---------------
ok(wait_for(sub { pids('mreload') == 2 }), 'mreload: two workers up');
is(app('mreload')->{pool}{touch_reload}, "$tmp/restart.txt", 'status: pool.touch_reload');
for my $round (1, 2) {
    my @old = pids('mreload');
    my $recycled = counter('mreload', 'recycled_touch_reload');
    $off = error_log_offset($h->log_file);
    my $load = PALoad->start("$base/mreload", clients => 4, expect => qr/^Hello/);
    sleep 1;
    # Created the first time (it was not there), touched the second.
    touch("$tmp/restart.txt", time + $round);
    my $done = wait_for(sub { my @p = pids('mreload');
                              my %old = map { $_ => 1 } @old;
                              @p == 2 && !grep { $old{$_} } @p }, timeout => 30);
    my %st = $load->stop;
    ok($done, "touch-reload ($round): both workers replaced");
    is_deeply([keys %st], ['200'], "touch-reload ($round): no failed request meanwhile")
        or diag(PALoad::describe(%st));
    is(counter('mreload', 'recycled_touch_reload'), $recycled + 2,
       "touch-reload ($round): counted as recycled by touch-reload");
    my @lines = (error_log_since($off, $h->log_file) =~ /(PA00128: app mreload[^\n]*)/g);
    is(scalar @lines, 1, "touch-reload ($round): logged once") or diag(join "\n", @lines);
}
# Replaced by a file of the same mtime (cp -p, rsync -t, tar x): a reload
# too (its change time tells).
{
    my @old = pids('mreload');
    $off = error_log_offset($h->log_file);
    my $mtime = (stat "$tmp/restart.txt")[9];
    write_file("$tmp/restart.new", "deployed\n");
    utime($mtime, $mtime, "$tmp/restart.new") or die "utime: $!";
    rename("$tmp/restart.new", "$tmp/restart.txt") or die "rename: $!";
    ok(wait_for_log(qr/PA00128: app mreload: \S+restart\.txt changed/, $off, file => $h->log_file),
       'touch-reload: replaced by a file of the same mtime, a reload');
    ok(wait_for(sub { my @p = pids('mreload'); my %old = map { $_ => 1 } @old;
                      @p == 2 && !grep { $old{$_} } @p }, timeout => 30),
       '... both workers replaced');
}

# A bad deploy: the first new worker exits at once, and the others stay.
ok(wait_for(sub { pids('mroll') == 3 }), 'mroll: three workers up');
my @before = pids('mroll');
$off = error_log_offset($h->log_file);
touch("$tmp/broken-roll");
touch("$tmp/roll.txt");
ok(wait_for(sub { app('mroll')->{crash_backoff_level} >= 1 }, timeout => 20),
   'touch-reload to a deploy that does not start: the app backs off');
sleep 3;
my %was = map { $_ => 1 } @before;
is(scalar(grep { $was{$_} } pids('mroll')), 3,
   'the old workers stay, the one marked first too (its replacement never proved itself)');
is(join(' ', map { $h->get('/mroll')->{status} } 1 .. 6), '200 200 200 200 200 200',
   'and serve');
unlink "$tmp/broken-roll";
my $roll = PALoad->start("$base/mroll", clients => 2, expect => qr/^method=GET/);
ok(wait_for(sub { my @p = pids('mroll'); @p == 3 && !grep { $was{$_} } @p }, timeout => 60),
   'fixed: the reload goes on, all three replaced');
my %rst = $roll->stop;
is_deeply([keys %rst], ['200'], 'no failed request meanwhile') or diag(PALoad::describe(%rst));

# ---- recycling: max-requests and lifetime, not one request lost -------------
my $load = PALoad->start("$base/mrecycle", clients => 4, expect => qr/^Hello/);
wait_for(sub { (counter('mrecycle', 'recycled_max_requests') || 0) >= 10 }, timeout => 60);
my %st = $load->stop;
ok(counter('mrecycle', 'recycled_max_requests') >= 10, 'max-requests recycles workers');
is_deeply([keys %st], ['200'], 'no failed request while recycling by max-requests')
    or diag(PALoad::describe(%st));
ok(wait_for(sub { pids('mrecycle') == 2 }), 'two workers after the load');

$load = PALoad->start("$base/mlife", clients => 4, expect => qr/^Hello/);
wait_for(sub { (counter('mlife', 'recycled_lifetime') || 0) >= 4 }, timeout => 60);
%st = $load->stop;
ok(counter('mlife', 'recycled_lifetime') >= 4, 'lifetime recycles workers');
is_deeply([keys %st], ['200'], 'no failed request while recycling by lifetime')
    or diag(PALoad::describe(%st));

# php-cgi leaves by itself after PHP_FCGI_MAX_REQUESTS requests: that value
# becomes the app's max-requests, so the manager recycles it first and no
# request is ever sent to a worker on its way out.
$off = error_log_offset($h->log_file);
$load = PALoad->start("$base/mphp/hello.php", clients => 4, expect => qr/^php \d+$/);
wait_for(sub { (counter('mphp', 'exited') || 0) >= 40 }, timeout => 60);
%st = $load->stop;
ok(counter('mphp', 'exited') >= 40, 'php-cgi workers leave by themselves and are replaced');
is_deeply([keys %st], ['200'], 'no failed request meanwhile')
    or diag(PALoad::describe(%st));
is(counter('mphp', 'crashed'), 0, 'leaving after serving requests is not a crash');
# Whether the manager's SIGTERM or php-cgi's own limit came first, each is
# a recycle by max-requests, logged and counted so.
my $mphp_log = error_log_since($off, $h->log_file);
like($mphp_log, qr/PA00104: app mphp slot \d+ pid \d+ exited with status 0 after 2 requests \(max-requests reached\)/,
     'logged as recycled by max-requests');
unlike($mphp_log, qr/PA00104: app mphp [^\n]*\(exited by itself\)/, '... never as exited by itself');
ok(counter('mphp', 'recycled_max_requests') >= 40, '... and counted as recycled by max-requests');

# Under a wrapper the limit is the app's secret: the first worker that
# leaves by itself is worth a warning (once) that says what to set.
$off = error_log_offset($h->log_file);
my @wrapped = map { $h->get('/mwrap/hello.php')->{status} } 1 .. 6;
# The limit, 2, or a range that holds it when a request was in flight as
# the manager saw the worker leave (answered or not: its claimant knows).
ok(wait_for_log(qr/PA00134: app mwrap: worker pid \d+ exited by itself after answering (?:2|1 or 2|2 or 3) requests: .*set max-requests= below that limit/,
                $off, file => $h->log_file),
   'a worker that leaves by itself: PA00134 says to set max-requests') or diag("@wrapped");
ok(wait_for(sub { (counter('mwrap', 'exited') || 0) >= 2 }), 'more than one has left');
my @said = error_log_since($off, $h->log_file) =~ /PA00134/g;
is(scalar @said, 1, 'said once');

# ---- a dynamic pool grows with waiting requests and shrinks when idle -------
ok(wait_for(sub { pids('mdyn') == 1 }), 'dynamic pool starts at its minimum');
my $mdyn_off = error_log_offset($h->log_file);
my @slow = map {
    my $pid = fork;
    if (!$pid) {
        my $res = HTTP::Tiny->new(timeout => 60)->get("$base/mdyn?sleep=2");
        POSIX::_exit($res->{status} == 200 ? 0 : 1);
    }
    $pid;
} 1 .. 6;
# Its processes as ps shows them (the extra argument, which echo ignores,
# tells them from the other echo apps'), sampled all through the load: the
# final counters cannot tell whether a fifth ran for a while.
my ($most, @most) = (0);
sub mdyn_sample {
    my @rows = grep { $_->{args} =~ /\Q$echo\E --pool=mdyn$/ } ps_table();
    ($most, @most) = (scalar @rows, @rows) if @rows > $most;
    return scalar @rows;
}
ok(wait_for(sub { mdyn_sample(); pids('mdyn') == 4 }), 'waiting requests make it spawn, up to its maximum');
my $fails = 0;
for my $pid (@slow) {
    while (waitpid($pid, POSIX::WNOHANG()) == 0) { mdyn_sample(); select undef, undef, undef, 0.05 }
    $fails++ if $?;
}
is($fails, 0, 'the concurrent slow requests all succeed (two of them queued)');
ok(counter('mdyn', 'max_processes_reached') >= 1, 'hitting the maximum is counted');
# 4 and not fewer: else the sampling saw nothing and checks nothing.
is($most, 4, 'never more than 4 at once (and the 4 seen)')
    or diag(join('', map { "$_->{pid} $_->{ppid} $_->{stat} $_->{args}\n" } @most),
            grep { /mdyn/ } split /^/m, error_log_since($mdyn_off, $h->log_file));
ok(wait_for(sub { pids('mdyn') == 1 }, timeout => 60),
   'surplus idle workers are stopped after idle-timeout');
ok(counter('mdyn', 'recycled_idle') >= 2, 'recycled_idle counted');

# A worker that dies under its last request: its successor was already
# starting when it is replaced in place; the static pool goes back to its size.
ok(wait_for(sub { pids('mlast') == 1 }), 'mlast: one worker');
is($h->get('/mlast?a=1')->{status}, 200, 'mlast: first request');
is(HTTP::Tiny->new(timeout => 60)->post_form($h->url('/mlast?die=always'), { a => 1 })->{status},
   502, 'mlast: the worker dies under its last request');
# (Whether it is replaced in place depends on who is first: the manager
# reaping it or the request releasing it. Either way: one worker in the end.)
ok(wait_for(sub { (counter('mlast', 'spawned') || 0) >= 2 && pids('mlast') == 1 }),
   'mlast: back to one worker');

ok($h->stop, 'stopped');

# ---- out of descriptors: the manager says why it cannot start ------------------
# More worker slots than descriptors (75 for processes=60, under a limit of
# 40): configtest sees it, and httpd does not start (PA00036).
{
    my $hn = PATest::Httpd->new(conf => qq{PreforkApp fdmany "$hello" processes=60\n});
    my $out = qx{ulimit -n 40 && "@{[PATest::httpd_bin()]}" -f "$hn->{conf_file}" -k start 2>&1};
    ok($? != 0, 'more worker slots than descriptors: httpd does not start');
    like($out, qr/PA00036: .*PreforkApp fdmany: the pools have 75 worker slots in all/,
         '... and says why (PA00036)') or diag($out);
    ok(!defined $hn->pid, '... and is not running');
}
# Slots that fit, but not with the descriptors httpd's children and the
# manager hold besides (here a log of each of 12 virtual hosts, of
# addresses that are not served): socket() fails in the manager. (An
# on-demand pool: a static one's workers would not fit the configuration
# test either.)
{
    # queue-timeout=600: a request that waited for a worker instead of
    # being refused at once would outlast the client's 60 s.
    my $logs = test_dir('pa-fdlogs');
    my $hf = PATest::Httpd->new(conf => qq{PreforkApp fdhungry "$hello" processes=0-22 queue-timeout=600\n}
                                        . qq{<Location /fdhungry>\n    SetHandler prefork-app:fdhungry\n</Location>\n}
                                        . join('', map { qq{<VirtualHost 192.0.2.$_>\n    ServerName v$_.example\n    ErrorLog "$logs/v$_"\n</VirtualHost>\n} } 1 .. 12));
    system('sh', '-c', 'ulimit -n 40 && exec "$0" -f "$1" -k start',
           PATest::httpd_bin(), $hf->{conf_file});
    ok(wait_for_log(qr/Too many open files: PA00120: app fdhungry: cannot listen on \S+fdhungry\.\d+\.sock/,
                    0, file => $hf->log_file),
       'a worker socket that cannot be made for want of descriptors is named, with the reason')
        or diag($hf->error_log);
    ok(wait_for_log(qr/PA00118: manager pid \d+ could not start/, 0, file => $hf->log_file),
       'and the manager could not start');
    # No manager will come: a request is refused at once, not queued.
    my $moff = error_log_offset($hf->log_file);
    my $res = $hf->get('/fdhungry');
    ok($res->{status} == 503 && $res->{headers}{'retry-after'},
       'a request for its app: 503 with Retry-After') or diag(explain($res));
    ok(wait_for_log(qr/PA00304: fdhungry: no worker can come: its process manager is gone/,
                    $moff, file => $hf->log_file),
       'which says the manager is gone (PA00304)') or diag(error_log_since($moff, $hf->log_file));
    is($hf->get('/fdhungry')->{status}, 503, 'and so is the next one');
    ok($hf->stop, 'that httpd stopped');
}

# ---- a low soft descriptor limit under a higher hard one (systemd's 1024 and
# 524288): the manager raises its own, and its workers get the soft one back.
SKIP: {
    my $hard = `sh -c 'ulimit -Hn'`;
    chomp $hard;
    skip 'the hard descriptor limit is too low here', 3
        unless $hard eq 'unlimited' || $hard > 400;
    my $hs = PATest::Httpd->new(status => 1, conf => qq{PreforkApp fdsoft "$hello" processes=60\n},
                                ulimit => '-Sn 48');
    $hs->start;
    ok(wait_for(sub { scalar($hs->pids('fdsoft')) == 60 }, timeout => 60),
       'soft limit 48, 60 workers: the manager starts them all')
        or diag($hs->error_log);
    my ($w) = $hs->pids('fdsoft');
    my ($soft) = (`cat /proc/$w/limits 2>/dev/null` =~ /^Max open files\s+(\d+)/m);
    is($soft, 48, 'a worker has the soft limit httpd was given');
    ok($hs->stop, 'that httpd stopped');
}

# ---- crashes outside a crash loop: one warn line per 10 s ----------------------
# start-delay=0: no backoff, the app is restarted at once, every time (about
# fifty times a second here). Each crash is logged, but at warn only once per
# 10 s per app (that line counts the others, logged at info).
{
    my $hc = PATest::Httpd->new(conf => qq{PreforkApp mflood "/bin/false" processes=1 start-delay=0\n});
    ok($hc->start, 'an httpd with an app that exits at once, start-delay=0') or diag($hc->error_log);
    # Ten crashes, however slow the machine: then the warn lines must be
    # one per 10 s (the second-granular clock makes that 9 s at least).
    wait_for(sub { (() = $hc->error_log =~ /PA00104: app mflood /g) >= 10 }, timeout => 60);
    my $log = $hc->error_log;
    my $crashes = () = $log =~ /PA00104: app mflood /g;
    my @warn_at = map { my ($h, $m, $sec) = /^\[\w+ \w+ \d+ (\d+):(\d+):([\d.]+)/; $h * 3600 + $m * 60 + $sec }
                  grep { /\[prefork_app:warn\][^\n]*PA00104: app mflood / } split /\n/, $log;
    my $apart = !grep { $warn_at[$_] - $warn_at[$_ - 1] < 9 } 1 .. $#warn_at;
    ok($crashes >= 10 && @warn_at >= 1 && $apart,
       'every crash is logged, at warn once per 10 s') or diag("$crashes crashes, at warn: @warn_at");
    ok($hc->stop, 'that httpd stopped');
}
