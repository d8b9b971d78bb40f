# The manager told to stop by someone other than httpd (an admin's kill, a
# kill of the whole cgroup): httpd's parent starts a new one, and the
# requests that come meanwhile wait for it, as they do when the manager is
# SIGKILLed, rather than getting 503 at once ("its process manager is
# gone", which is for a manager nobody replaces).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Time::HiRes ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 10;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(conf => <<"EOF");
PreforkApp mterm "$echo" processes=1
<Location /e>
    SetHandler prefork-app:mterm
</Location>
EOF
ok($h->start, 'private httpd with one app') or diag($h->error_log);
is($h->get('/e')->{status}, 200, 'it serves');

# Exited, not yet reaped by httpd's parent (it looks once a second).
sub exited {
    open my $st, '<', "/proc/$_[0]/stat" or return 1;
    my ($state) = <$st> =~ /\)\s(\S)/;
    return !$state || $state eq 'Z';
}
my $mgr = $h->manager_pid;
my $off = error_log_offset($h->log_file);
ok($mgr && kill('TERM', $mgr), 'SIGTERM to the manager');
ok(PATest::wait_for(sub { exited($mgr) }, interval => 0.005), '... and it exits');
my $res = $h->get('/e?whoami=1');
is($res->{status}, 200, 'a request right after it exited waits for the next manager: 200')
    or diag(error_log_since($off, $h->log_file));
ok(wait_for_log(qr/PA00119/, $off, file => $h->log_file), 'the parent started a new manager');

# SIGQUIT (php-fpm's graceful stop) does the same, without a core dump:
# the manager says it was told to stop, and stops its workers first.
ok(wait_for(sub { my $m = $h->manager_pid; $m && $m != $mgr && $h->get('/e')->{status} == 200 }),
   'the new manager serves');
$mgr = $h->manager_pid;
$off = error_log_offset($h->log_file);
ok($mgr && kill('QUIT', $mgr), 'SIGQUIT to the manager');
ok(wait_for_log(qr/PA00113: [^\n]*told to stop/, $off, file => $h->log_file),
   'it stops as told (PA00113), not killed by the signal')
    or diag(error_log_since($off, $h->log_file));
ok(wait_for(sub { my $m = $h->manager_pid; $m && $m != $mgr && $h->get('/e')->{status} == 200 }),
   'and a new one serves');
$h->stop;
