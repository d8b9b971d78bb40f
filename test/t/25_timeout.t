# request-timeout: a request that takes longer gets 504, and its worker is
# killed and replaced: SIGTERM, then SIGKILL a second later (a libfcgi app
# acts on SIGTERM only once its request is over), not after die-timeout
# (60 s here).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(:all);
use IO::Socket::INET ();

plan tests => 14;

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
# With what the manager saw the worker do a second before: echo's sleep=30.
like(error_log_since($off), qr/PA00311: dslow: worker pid $pid exceeded request-timeout \(2s\), waiting in (?:clock_)?nanosleep\(\)/,
     '... saying what the worker was doing');
ok(wait_for(sub { my ($p) = worker_pids($app); $p && $p != $pid && !pid_alive($pid) }),
   'the worker was replaced (well before die-timeout)');
like(error_log_since($off), qr/PA00111: app dslow slot \d+ pid $pid still there 1 s after SIGTERM; sending SIGKILL/,
     'SIGKILL a second after its SIGTERM');
ok(wait_for(sub { (counter($app, 'http_504') || 0) == $before + 1 }), '504 counted');
ok(wait_for(sub { (counter($app, 'killed_timeout') || 0) == $killed + 1 }),
   'counted once as killed by request-timeout');
is($http->get("$base/dslow?whoami=1")->{status}, 200, 'the app serves again');

# ---- an upload that trickles past request-timeout --------------------------------
# The time a worker is held counts the upload: 504, not the app's answer to
# the part it got before the manager stopped it.
ok(wait_for(sub { worker_pids($app) == 1 }), 'worker up again');
($pid) = worker_pids($app);
$off = error_log_offset();
{
    local $SIG{PIPE} = 'IGNORE';
    my $total = 300000;
    my $s = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(),
                                  Timeout => 60) or die "connect: $!";
    print $s "POST /$app HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n",
             "Content-Length: $total\r\n\r\n";
    for (1 .. $total / 20000) {
        last unless print $s 'x' x 20000;
        select undef, undef, undef, 0.3;            # 15 x 0.3 s: past 2 s
    }
    my $reply = read_all($s);
    like($reply, qr{^HTTP/1\.1 504 }, 'a POST whose body comes slower than request-timeout: 504')
        or diag(substr($reply, 0, 300));
    unlike($reply, qr/body_length=/, 'the app\'s answer to part of the body is not passed on');
}
ok(wait_for_log(qr/PA00311: $app: worker pid $pid exceeded request-timeout/, $off),
   'logged');
like(error_log_since($off), qr/PA00311: $app: worker pid $pid exceeded request-timeout \(2s\), waiting in read\(\) on fd \d+ \(httpd's connection\)/,
     '... saying the worker waited for the body');
