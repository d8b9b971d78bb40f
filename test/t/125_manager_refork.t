# A manager that dies when no new one can be forked (httpd's parent out of
# processes: the OOM killer took the manager, a cgroup's pids.max, the
# user's process limit) is forked again once it can be, from httpd's
# monitor hook (every ten seconds), not left dead until httpd restarts:
# 503 meanwhile, then the app answers again. A private httpd, its parent
# held to one process of its user (RLIMIT_NPROC) for a while.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

my $prlimit = (grep { -x } qw(/usr/bin/prlimit /bin/prlimit))[0];
plan skip_all => 'needs prlimit (util-linux), not run as root (whom RLIMIT_NPROC does not hold)'
    unless $prlimit && $> != 0;
plan tests => 16;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(conf => <<"EOF");
PreforkApp mrefork "$echo" processes=1
<Location /e>
    SetHandler prefork-app:mrefork
</Location>
EOF
ok($h->start, 'private httpd with one app') or diag($h->error_log);
is($h->get('/e')->{status}, 200, 'it serves');

my $parent = $h->pid;
chomp(my $soft = `$prlimit --pid $parent --nproc --raw --noheadings -o SOFT`);
my $mgr = $h->manager_pid;
my $off = error_log_offset($h->log_file);
ok(system($prlimit, "--pid=$parent", '--nproc=1:') == 0 && $mgr && kill('KILL', $mgr),
   'httpd\'s parent held to one process; the manager SIGKILLed');
ok(wait_for_log(qr/PA00139/, $off, file => $h->log_file), 'no new manager could be forked: said')
    or diag(error_log_since($off, $h->log_file));
is($h->get('/e')->{status}, 503, 'the app answers 503 meanwhile');
ok(system($prlimit, "--pid=$parent", "--nproc=$soft:") == 0, 'the limit lifted');
ok(wait_for_log(qr/PA00146: forked manager pid \d+/, $off, file => $h->log_file, timeout => 60),
   'a new manager is forked once it can be')
    or diag(error_log_since($off, $h->log_file));
ok(wait_for(sub { $h->get('/e')->{status} == 200 }), 'the app serves again')
    or diag(error_log_since($off, $h->log_file));

# A graceful restart (logrotate's, at night) that cannot fork the new
# generation's manager: httpd goes on, and forks it once it can. Before,
# the restart failed and httpd exited, every site down.
$off = error_log_offset($h->log_file);
ok(system($prlimit, "--pid=$parent", '--nproc=1:') == 0 && kill('USR1', $parent),
   'held again, a graceful restart');
ok(wait_for_log(qr/PA00139/, $off, file => $h->log_file), '... whose manager cannot be forked: said')
    or diag(error_log_since($off, $h->log_file));
ok(system($prlimit, "--pid=$parent", "--nproc=$soft:") == 0 && PATest::pid_alive($parent),
   'httpd still runs; the limit lifted');
ok(wait_for_log(qr/PA00146: forked manager pid \d+/, $off, file => $h->log_file, timeout => 60)
   && wait_for(sub { $h->get('/e')->{status} == 200 }, timeout => 60),
   '... then the manager is forked, and the app serves')
    or diag(error_log_since($off, $h->log_file));

# Stopped while still waiting to fork one: the socket directory the dead
# one used goes with httpd, as it would have with the manager.
my @sockdirs = glob($h->dir . '/pa-*');
$mgr = $h->manager_pid;
$off = error_log_offset($h->log_file);
ok(@sockdirs && system($prlimit, "--pid=$parent", '--nproc=1:') == 0 && $mgr && kill('KILL', $mgr),
   'held again, the new manager SIGKILLed');
ok(wait_for_log(qr/PA00139/, $off, file => $h->log_file), '... none forked')
    or diag(error_log_since($off, $h->log_file));
ok($h->stop, 'stopped') or diag($h->error_log);
ok(!grep({ -e } @sockdirs), '... its socket directory gone') or diag("@sockdirs");
