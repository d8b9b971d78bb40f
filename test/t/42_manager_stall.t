# A manager that does not answer (SIGSTOPped, or stuck) cannot hand out the
# kept connection to a worker. A request that needed one gets a 503 with
# Retry-After by its request-timeout, also when the manager's conn.sock
# queue is full (a blocking send would wait there until the manager came
# back); its worker is fine and is left as it was (not retired, not
# retried on: that drained the pool). Once the manager runs again, the asks
# those requests gave up on are refused quietly (PA00135, debug), not
# logged as a stranger's (PA00133). httpd stopped while its manager is
# stopped kills it (PA00117) and removes its pid file for it.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use IO::Socket::INET ();
use Socket qw(PF_UNIX SOCK_DGRAM MSG_DONTWAIT pack_sockaddr_un);
use POSIX ();

plan tests => 22;

my $apps = app_path();
my $echo = "$apps/echo";
my $h = PATest::Httpd->new(mpm => 'prefork', status => 1, conf => <<"EOF");
StartServers 4
ServerLimit 4
MaxRequestWorkers 4
MinSpareServers 4
MaxSpareServers 4
KeepAlive Off
PreforkApp stall "$echo" processes=2 request-timeout=2 queue-timeout=1 die-timeout=1
<Location /stall>
    SetHandler prefork-app:stall
</Location>
EOF
ok($h->start, 'private httpd (prefork, 4 children) started') or diag($h->error_log);
my $mgr = $h->manager_pid;
# Whatever fails below, the manager is not left stopped.
END { kill 'CONT', $mgr if $mgr }

sub idle { (($h->app('stall') || {})->{processes} || {})->{idle} || 0 }
ok(wait_for(sub { idle() == 2 }), 'both workers idle');
my @pids = sort { $a <=> $b } $h->pids('stall');

# Sends a GET on a socket of its own; the reply is read later.
sub send_get {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port,
                                  Timeout => 60) or die "connect: $!";
    print $s "GET /stall HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    return $s;
}
# The reply's head, or '' if none came within 60 s.
sub head_of {
    my $s = shift;
    my $head = '';
    my $rin = '';
    vec($rin, fileno($s), 1) = 1;
    while ($head !~ /\r\n\r\n/ && select(my $r = $rin, undef, undef, 60)) {
        sysread($s, $head, 4096, length $head) or last;
    }
    return $head;
}

# ---- the manager stops: requests that need it get 503, workers stay ------------
my $off = error_log_offset($h->log_file);
kill 'STOP', $mgr;
my @s = map { send_get() } 1 .. 2;
my @heads = map { head_of($_) } @s;
like($heads[$_], qr{^HTTP/1\.1 503 .*\r\nRetry-After: \d+\r\n}s,
     "request " . ($_ + 1) . ": 503 with Retry-After") for 0 .. 1;
my $log = error_log_since($off, $h->log_file);
my $unanswered = () = $log =~ /PA00328: stall: the manager did not answer within \d+ ms/g;
is($unanswered, 2, 'one line per request: the manager did not answer');
unlike($log, qr/PA0030[89]|PA00318/, 'not taken for a dead worker, not retried');

# One of the two httpd children that asked exits meanwhile (httpd's parent
# starts another): its ask is still one given up on, not a stranger's.
my ($gone) = $log =~ /\[pid (\d+)\b[^\]]*\][^\n]*PA00328/;
ok($gone && kill('KILL', $gone) && wait_for(sub { !-e "/proc/$gone" }),
   'an asking child exits (and is reaped: no zombie left of it)');
kill 'CONT', $mgr;
ok(wait_for(sub { my @late = error_log_since($off, $h->log_file) =~ /PA00135: httpd child pid \d+ asked late/g;
                  @late == 2 }),
   'once it runs again, the asks given up on are refused at debug, the gone child\'s too');
unlike(error_log_since($off, $h->log_file), qr/PA00133/,
       'not logged as a stranger asking for a connection');
is($h->get('/stall')->{status}, 200, 'the app serves again');
ok(wait_for(sub { idle() == 2 }), 'both workers idle');
is(join(' ', sort { $a <=> $b } $h->pids('stall')), join(' ', @pids),
   'the same two workers: none was retired');

# ---- its queue full: the ask does not block in send -----------------------------
# A new generation first: its children hold no kept connection yet, so the
# request below must ask (a child that served the one above may hold one).
my $old_mgr = $mgr;
ok($h->graceful, 'graceful restart: no child holds a kept connection yet');
ok(wait_for(sub { my $p = $h->manager_pid; $p && $p != $old_mgr && idle() == 2 }),
   'the new generation\'s workers idle');
$mgr = $h->manager_pid;
$off = error_log_offset($h->log_file);
kill 'STOP', $mgr;
# This manager's own socket: the old generation's directory may still be
# there (its manager drains for a while, and reads its conn.sock meanwhile),
# and sorts first.
my ($sockdir) = (wait_for_log(qr/PA00116: manager pid $mgr started for generation \d+ \(\d+ apps?, sockets in \S+\)/,
                              0, file => $h->log_file) // '')
    =~ /PA00116: manager pid $mgr started for generation \d+ \(\d+ apps?, sockets in (\S+)\)/;
ok($sockdir && -S "$sockdir/conn.sock", "the new manager's conn.sock") or diag($sockdir);
my $svc = "$sockdir/conn.sock";
socket(my $u, PF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
my $queued = 0;
$queued++ while $queued < 1000
                && defined send($u, "\0" x 32, MSG_DONTWAIT, pack_sockaddr_un($svc));
ok($! == POSIX::EAGAIN && $queued > 0, "the manager's queue is full ($queued)");
my $res = $h->get('/stall');
is($res->{status}, 503, 'a request that must ask gets its 503 all the same');
like(error_log_since($off, $h->log_file), qr/PA00328: stall: the manager did not answer/,
     'and says why');
kill 'CONT', $mgr;
is($h->get('/stall')->{status}, 200, 'the manager answers again: served');

# ---- httpd stops while the manager is stopped -------------------------------------
$off = error_log_offset($h->log_file);
kill 'STOP', $mgr;
ok($h->stop, 'httpd stopped');
like(error_log_since($off, $h->log_file), qr/PA00117: manager pid $mgr did not stop; killing it/,
     'the manager was killed');
ok(!-e $h->dir . '/prefork_app_manager.pid', 'and its pid file removed');
$mgr = undef;
