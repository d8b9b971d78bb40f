# request-timeout: a request that takes longer gets 504, and its worker is
# killed and replaced.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(:all);

plan tests => 7;

my $app = 'dslow';
my $http = http();
my $base = base_url();

ok(wait_for(sub { worker_pids($app) == 1 }), 'worker up');
my ($pid) = worker_pids($app);
my $before = counter($app, 'http_504') || 0;
my $killed = counter($app, 'killed_timeout') || 0;
my $off = error_log_offset();
my $res = $http->get("$base/dslow?sleep=30");
is($res->{status}, 504, 'longer than request-timeout: 504');
ok(wait_for_log(qr/PA00311: dslow: worker pid $pid exceeded request-timeout \(2s\)/, $off),
   'logged');
ok(wait_for(sub { my ($p) = worker_pids($app); $p && $p != $pid && !pid_alive($pid) }),
   'the worker was replaced');
ok(wait_for(sub { (counter($app, 'http_504') || 0) == $before + 1 }), '504 counted');
ok(wait_for(sub { (counter($app, 'killed_timeout') || 0) == $killed + 1 }),
   'counted once as killed by request-timeout');
is($http->get("$base/dslow?whoami=1")->{status}, 200, 'the app serves again');
