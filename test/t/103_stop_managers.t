# httpd's stop tells every process manager at once: the one still draining
# an earlier generation (after a graceful restart) and the current one. A
# draining manager whose worker ignores SIGTERM (SIGKILLed at die-timeout)
# does not hold up the current one's stop by that long. Told in turn, the
# current manager heard of the stop only once the draining one had exited.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 6;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkApp deaf "$echo --linger" processes=1 die-timeout=15
<Location /deaf>
    SetHandler prefork-app:deaf
</Location>
EOF
ok($h->start, 'private httpd: an app whose worker ignores SIGTERM, die-timeout=15')
    or diag($h->error_log);
ok(wait_for(sub { $h->pids('deaf') == 1 }), 'its worker is up');
my $old = $h->manager_pid;
ok($h->graceful && wait_for(sub { my $m = $h->manager_pid; $m && $m != $old && $h->pids('deaf') == 1 }),
   'graceful restart: a new manager and worker');
my $new = $h->manager_pid;
ok(pid_alive($old), 'the old manager still drains (its worker waits for its SIGKILL)');
ok($h->stop, 'httpd stopped');
my $log = $h->error_log;
my $told = index($log, "PA00113: manager pid $new:");
my $left = index($log, "PA00101: manager pid $old of generation");
ok($told >= 0 && $left >= 0 && $told < $left,
   'the current manager was told to stop before the draining one had left')
    or diag("told at $told, old left at $left\n" . $log);
