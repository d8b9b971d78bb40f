# A client that hangs up while its GET waits for a silent worker (a long
# poll whose tab was closed) frees the worker: if it does not finish within
# a second, it is killed and replaced, not held until request-timeout. Any
# other method is left to finish, as the app may be acting on it. A request
# whose client left while it waited in the queue is not sent at all,
# whatever its method.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use PATest qw(:all);
use PADispatch qw(:all);
use IO::Socket::INET ();

plan tests => 49;

my $app = 'dgone';

# Sends a request on a socket of its own; returns the socket.
sub send_raw {
    my ($head, $body) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(),
                                  Timeout => 30) or die "connect: $!";
    print $s $head, "Host: localhost\r\n",
             defined $body ? ("Content-Length: " . length($body) . "\r\n\r\n", $body)
                           : "\r\n";
    return $s;
}
sub idle { (app_status($app) || {})->{processes}{idle} }

ok(wait_for(sub { idle() }), 'the worker is up');
my ($pid) = worker_pids($app);
my $killed = counter($app, 'killed_client_gone');
ok(defined $killed, 'status: a killed_client_gone counter');

# ---- a GET whose client hangs up: the worker is freed at once ---------------------
my $off = error_log_offset();
my $s = send_raw("GET /$app?sleep=30 HTTP/1.1\r\n");
ok(wait_for(sub { app_busy($app) }), 'a GET the app takes 30 s over: the worker is busy');
close $s;
ok(wait_for(sub { my ($p) = worker_pids($app); $p && $p != $pid && !pid_alive($pid) },
            timeout => 20),
   'the client hangs up: its worker is replaced a second later, not held for 30 s');
ok(wait_for_log(qr/PA00322: $app: client went away while worker pid $pid was working on its request, which it did not finish within 1 s/, $off),
   'one line in the log, naming the worker');
is(counter($app, 'killed_client_gone'), $killed + 1, 'counted');
# Busy in its request, a libfcgi app acts on SIGTERM only at its end: the
# slot is not held for die-timeout (an event stream's closed tab each).
ok(wait_for_log(qr/\[prefork_app:info\][^\n]*PA00111: app $app slot \d+ pid $pid still there 1 s after SIGTERM; sending SIGKILL/, $off),
   'SIGKILLed a second after its SIGTERM (info), not at die-timeout')
    or diag(error_log_since($off));
my $res = http()->get(base_url() . "/$app?whoami=1");
is($res->{status}, 200, 'the app serves again');

# ---- a GET the worker finishes soon after its client left: not killed ------------
# The app answers once the test creates $go (echo's wait=): with a fixed
# ?sleep=, a slow machine could miss the worker busy, or see it only late.
my $go = Apache::Test::vars('t_logs') . '/dgone_go';
sub release { open_gate($go) }
ok(wait_for(sub { idle() }), 'worker idle');
($pid) = worker_pids($app);
unlink $go;
$s = send_raw("GET /$app?wait=$go HTTP/1.1\r\n");
ok(wait_for(sub { app_busy($app) }), 'a GET the app holds: busy');
close $s;
release();
ok(wait_for(sub { idle() }, timeout => 20), 'its client hangs up: the worker finishes');
is(join(' ', worker_pids($app), counter($app, 'killed_client_gone')), "$pid " . ($killed + 1),
   'within a second: the same worker, not killed (its reply is dropped)');
my ($after) = http()->get(base_url() . "/$app?whoami=1")->{content} =~ /pid=(\d+)/;
is($after, $pid, 'and it serves the next request');

# ---- a POST whose client hangs up: the app finishes it ----------------------------
ok(wait_for(sub { idle() }), 'worker idle');
($pid) = worker_pids($app);
unlink $go;
$s = send_raw("POST /$app?wait=$go HTTP/1.1\r\n", 'x=1');
ok(wait_for(sub { app_busy($app) }), 'a POST the app holds: busy');
close $s;
# Longer than the second a GET's worker would get.
select undef, undef, undef, 1.5;
release();
ok(wait_for(sub { idle() }, timeout => 20), 'its client hangs up: the app finishes it');
is(join(' ', worker_pids($app), counter($app, 'killed_client_gone')), "$pid " . ($killed + 1),
   'the same worker, nothing killed');

# ---- a POST whose client leaves mid-reply: the app finishes, the worker stays -------
ok(wait_for(sub { idle() }), 'worker idle for a long reply');
($pid) = worker_pids($app);
$s = send_raw("POST /$app?bytes=20000000 HTTP/1.1\r\n", 'x=1');
read($s, my $first, 1000);
close $s;
ok(wait_for(sub { idle() }, timeout => 30), 'its client leaves mid-reply: the reply is read to its end');
is(join(' ', worker_pids($app)), $pid, 'by the same worker, not replaced');

# ---- a GET whose client leaves mid-reply of a reply without end: replaced -----------
# The worker writes faster than its reply is dropped: the second it gets
# holds all the same (not only while it is silent).
ok(wait_for(sub { idle() }), 'worker idle for an endless reply');
($pid) = worker_pids($app);
$off = error_log_offset();
$s = send_raw("GET /$app?bytes=1000000000000 HTTP/1.1\r\n");
read($s, $first, 1000);
close $s;
ok(wait_for(sub { my ($p) = worker_pids($app); $p && $p != $pid && !pid_alive($pid) },
            timeout => 20),
   'its client leaves: the worker is replaced a second later, not at request-timeout');
ok(wait_for_log(qr/PA00322: $app: client went away while worker pid $pid was working/, $off),
   'one line in the log, naming the worker');
is(counter($app, 'killed_client_gone'), $killed + 2, 'counted');

# ---- a request whose client left while it was queued: not sent --------------------
ok(wait_for(sub { idle() }), 'worker idle again');
my ($served) = http()->get(base_url() . "/$app?whoami=1")->{content} =~ /served=(\d+)/;
my $abandoned = counter($app, 'abandoned_in_queue');
$off = error_log_offset();
# The worker is held until $go exists, not for a fixed time: a hold that
# ended before the POST below was queued and its client gone (a slow
# machine) would have the POST sent, as it should be.
unlink $go;
my $hold = bg_request('GET', "/$app?wait=$go");
ok(wait_for(sub { app_busy($app) }), 'the worker is held');
$s = send_raw("POST /$app?whoami=1 HTTP/1.1\r\n", 'x=1');
ok(wait_for(sub { (app_status($app) || {})->{queue}{length} }), 'a POST waits in the queue');
close $s;
ok(wait_for_log(qr/PA00323: $app: client went away while its request waited \d+ ms for a worker; not sent/, $off),
   'the queued one: one line, not sent');
release();
is(bg_result($hold)->{status}, 200, 'the held request is answered');
is(counter($app, 'abandoned_in_queue'), $abandoned + 1, 'counted');
# Also: the kept connection still holds the end of the held request's reply,
# which the next request must drop, not take for its own.
my ($now) = http()->get(base_url() . "/$app?whoami=1")->{content} =~ /served=(\d+)/;
is($now, $served + 2, 'the worker served the held request and this one only');

# ---- ... and leaves the queue then, not once a worker is free ----------------------
ok(wait_for(sub { idle() }), 'worker idle');
($pid) = worker_pids($app);
$abandoned = counter($app, 'abandoned_in_queue');
$off = error_log_offset();
my $long = send_raw("GET /$app?sleep=30 HTTP/1.1\r\n");
ok(wait_for(sub { app_busy($app) }), 'the worker is held for 30 s');
$s = send_raw("GET /$app?whoami=1 HTTP/1.1\r\n");
ok(wait_for(sub { (app_status($app) || {})->{queue}{length} }), 'a GET waits in the queue');
close $s;
ok(wait_for(sub { my $a = app_status($app) || {};
                  !$a->{queue}{length} && $a->{processes}{busy} }, timeout => 10),
   'its client hangs up: it leaves the queue while the worker is still held');
ok(wait_for_log(qr/PA00323: $app: client went away while its request waited \d+ ms for a worker; not sent/, $off),
   'one line');
is(counter($app, 'abandoned_in_queue'), $abandoned + 1, 'counted');
close $long;
ok(wait_for(sub { my ($p) = worker_pids($app); $p && $p != $pid && !pid_alive($pid) },
            timeout => 20),
   'the held GET\'s client hangs up too: its worker is replaced');

# ---- a GET whose client only half-closed: no made-up empty response -----------------
# Its reply is dropped once the hang-up is seen; httpd must not then send a
# well-formed empty 200 (a cache in between could keep it).
ok(wait_for(sub { idle() }), 'worker idle once more');
$s = send_raw("GET /$app?sleep=0.3&bytes=20 HTTP/1.1\r\n");
shutdown($s, 1);
my $reply = read_all($s);
unlike($reply, qr{^HTTP/1\.\d 200}, 'the half-closed client gets no empty 200') or diag($reply);

# ---- ignore-client-abort=on: a request runs on when its client leaves ---------------
# (PHP's ignore_user_abort: a job behind a GET, fetched with a short timeout)
my $ig = 'dgonei';
my $tlogs = Apache::Test::vars('t_logs');
ok(wait_for(sub { (app_status($ig) || {})->{processes}{idle} }), "$ig: the worker is up");
is(join(' ', map { app_status($_)->{ignore_client_abort} ? 'true' : 'false' } $app, $ig), 'false true',
   'the status page says which app has it');
my @lines = map { scalar(() = http()->get(base_url() . "/app-status?app=$_")->{content} =~ /ignore-client-abort=on/g) }
            $app, $ig;
is("@lines", '0 1', '... in HTML too, for that app only');
my ($ipid) = worker_pids($ig);
($served) = http()->get(base_url() . "/$ig?whoami=1")->{content} =~ /served=(\d+)/;
my $ikilled = counter($ig, 'killed_client_gone');
$abandoned = counter($ig, 'abandoned_in_queue');
my $started = "$tlogs/dgonei_started";
unlink $go, $started;
$off = error_log_offset();
$s = send_raw("GET /$ig?wait=$go HTTP/1.1\r\n");
ok(wait_for(sub { app_busy($ig) }), 'a GET the app holds: busy');
my $q = send_raw("GET /$ig?started=$started HTTP/1.1\r\n");
ok(wait_for(sub { (app_status($ig) || {})->{queue}{length} }), 'a second GET waits in the queue');
close $s;
close $q;
# Longer than the second a GET's worker gets without the key.
select undef, undef, undef, 2.5;
is(join(' ', worker_pids($ig)), $ipid, 'both clients hung up: the worker still works on the first');
release();
ok(wait_for(sub { -e $started }, timeout => 20), 'the queued GET whose client left is sent all the same');
ok(wait_for(sub { (app_status($ig) || {})->{processes}{idle} }, timeout => 20), 'the worker finishes both');
my ($iserved) = http()->get(base_url() . "/$ig?whoami=1")->{content} =~ /served=(\d+)/;
is(join(' ', $iserved, worker_pids($ig), counter($ig, 'killed_client_gone'),
        counter($ig, 'abandoned_in_queue'), error_log_since($off) =~ /PA0032[23]: $ig/ ? 'logged' : 'quiet'),
   join(' ', $served + 3, $ipid, $ikilled, $abandoned, 'quiet'),
   'the same worker served both and this one: nothing killed, nothing abandoned');
