# Requests that come over HTTP/2 (mod_http2, cleartext h2c here): served
# like any other, bodies both ways; and a GET whose stream the client
# resets (a browser tab closed, the connection kept for the other tabs)
# frees its worker as a hang-up does over HTTP/1.1 (t/36), and one reset
# while it waits in the queue is not sent: the stream has no socket of its
# own to watch, so its connection's aborted flag is. Other streams on the
# connection go on. A private httpd with mod_http2.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PAH2;

plan tests => 54;

my $echo = app_path('echo');
my $lib = libexecdir();
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
LoadModule http2_module "$lib/mod_http2.so"
Protocols h2c http/1.1
PreforkApp h2app "$echo" processes=1 die-timeout=2
<Location /h2app>
    SetHandler prefork-app:h2app
</Location>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);

# ---- served over HTTP/2 ---------------------------------------------------------
my $c = PAH2->connect($h->port);
$c->request(1, 'GET', '/h2app?x=1');
my $data = $c->read_data(1);
like($data // '', qr/^SERVER_PROTOCOL=HTTP\/2\.0$/m, 'a GET over HTTP/2 reaches the app as HTTP/2.0');
like($data // '', qr/^QUERY_STRING=x=1$/m, 'with its query string');
my $body = join '', map { chr(($_ * 7) % 256) } 1 .. 60_000;
$c->request(3, 'POST', '/h2app?echo=body', $body);
$data = $c->read_data(3);
ok(defined $data && $data eq $body, 'a 60 KB binary POST body (4 DATA frames) comes back whole');
$c->request(5, 'POST', '/h2app', substr($body, 0, 5000), 'nolength');
$data = $c->read_data(5);
like($data // '', qr/^CONTENT_LENGTH=5000$/m, 'a POST body without a content-length: the app is told its length');
like($data // '', qr/^body_length=5000$/m, '... and gets all of it');
$c->request(7, 'GET', '/h2app?bytes=3000000');
$data = $c->read_data(7, 60);
is(length($data // ''), 3_000_000, 'a 3 MB response arrives whole');

# ---- HEAD: the headers, no DATA ---------------------------------------------------
# A reply the app sends in many records: the body it sends to HEAD too is
# not passed on, or mod_http2 sends it as DATA, which clients take as a
# protocol error (nghttp2: RST_STREAM PROTOCOL_ERROR).
my $hc = PAH2->connect($h->port);
$hc->request(1, 'HEAD', '/h2app?bytes=300000');
is(length($hc->read_data(1) // 'undef'), 0,
   'HEAD over HTTP/2 of a reply sent in many records: no DATA');
$hc->close;
sub head {
    my @how = @_;
    open my $curl, '-|', 'curl', '-sS', '-I', @how,
                         'http://127.0.0.1:' . $h->port . '/h2app?bytes=300000'
        or die "curl: $!";
    my $out = do { local $/; <$curl> } // '';
    close $curl;
    return $out;
}
like(head('--http2-prior-knowledge'), qr/^content-length: 300000\r?$/mi,
     '... and the length the body has');
like(head(), qr/^Content-Length: 300000\r?$/m, 'the same over HTTP/1.1');

# A 204 or a 304 the app sends with a body (in many records): none of it as
# DATA either (mod_http2 drops a body from the first brigade only).
for my $code (204, 304) {
    my $nc = PAH2->connect($h->port);
    $nc->request(1, 'GET', "/h2app?status=$code&bytes=300000");
    is(length($nc->read_data(1) // 'undef'), 0, "a $code with a body of 300000 bytes over HTTP/2: no DATA");
    $nc->close;
    open my $curl, '-|', 'curl', '-sS', '--http2-prior-knowledge', '-o', '/dev/null',
        '-w', '%{http_code}', 'http://127.0.0.1:' . $h->port . "/h2app?status=$code&bytes=300000"
        or die "curl: $!";
    my $got = do { local $/; <$curl> } // '';
    close $curl;
    is("$got $?", "$code 0", "... curl (nghttp2) takes it whole, no protocol error");
}

# ---- a reset stream frees its worker --------------------------------------------
my ($pid) = $h->pids('h2app');
my $killed = $h->counter('h2app', 'killed_client_gone');
is($killed, 0, 'nothing killed yet');
my $off = error_log_offset($h->log_file);
$c->request(9, 'GET', '/h2app?sleep=30');
ok(wait_for(sub { $h->busy('h2app') == 1 }),
   'a GET the app takes 30 s over: its worker is busy');
$c->reset(9);
# Another stream at once: it waits for the one worker.
$c->request(11, 'GET', '/h2app?whoami=1');
ok(wait_for(sub { my ($p) = $h->pids('h2app'); $p && $p != $pid && !pid_alive($pid) },
            timeout => 20),
   'the client resets the stream: the worker is replaced a second later, not held for 30 s');
ok(wait_for_log(qr/PA00322: h2app: client went away while worker pid $pid was working on its request/,
                $off, file => $h->log_file), 'one line in the log, naming the worker');
is($h->counter('h2app', 'killed_client_gone'), $killed + 1, 'counted as killed_client_gone');
like($c->read_data(11) // '', qr/^pid=\d+ /, 'the stream sent after the reset one is served');

$c->close;

# ---- a POST is left to finish ------------------------------------------------------
# (A new connection: the old one idled past KeepAliveTimeout while the
# killed worker took its die-timeout to go.)
# Requests with ?wait=$go hold the worker until the test creates $go (echo's
# wait=): with a fixed ?sleep=, a slow machine could see the hold end
# before the test's next step (then nothing is left to test).
my $go = $h->dir . '/h2go';
sub release { open_gate($go) }
$c = PAH2->connect($h->port);
($pid) = $h->pids('h2app');
unlink $go;
$c->request(11, 'POST', "/h2app?wait=$go&whoami=1", 'a=1');
ok(wait_for(sub { (($h->app('h2app') || {})->{processes}{busy} // 0) == 1 }),
   'a POST the app holds: busy');
$c->reset(11);
# Longer than the second a GET's worker would get.
select undef, undef, undef, 1.5;
release();
ok(wait_for(sub { (($h->app('h2app') || {})->{processes}{idle} // 0) == 1 }, timeout => 20),
   'its stream is reset: the worker finishes it');
is(join(' ', $h->pids('h2app'), $h->counter('h2app', 'killed_client_gone')),
   "$pid " . ($killed + 1), 'the same worker, nothing killed');
$c->close;

# ---- a stream reset while it waits for a worker is not sent -------------------------
$c = PAH2->connect($h->port);
my $abandoned = $h->counter('h2app', 'abandoned_in_queue');
$off = error_log_offset($h->log_file);
unlink $go;
$c->request(13, 'GET', "/h2app?wait=$go&whoami=1");
ok(wait_for(sub { (($h->app('h2app') || {})->{processes}{busy} // 0) == 1 }),
   'one stream has the worker');
$c->request(15, 'GET', '/h2app?whoami=1');
ok(wait_for(sub { (($h->app('h2app') || {})->{queue}{length} // 0) == 1 }),
   'another waits in the queue');
$c->reset(15);
# The first is let go once the reset one has left the queue (mod_http2 marks
# its stream aborted, which the waiting request looks at): else the reset
# might not have reached the stream yet when the worker is free.
wait_for(sub { (($h->app('h2app') || {})->{queue}{length} // 1) == 0 });
release();
like($c->read_data(13) // '', qr/^pid=$pid /, 'the first is served');
ok(wait_for_log(qr/PA00323: h2app: client went away while its request waited \d+ ms for a worker; not sent/,
                $off, file => $h->log_file), 'the reset one is dropped, not sent');
is($h->counter('h2app', 'abandoned_in_queue'), $abandoned + 1, 'counted as abandoned_in_queue');
$c->close;

# ---- the whole connection goes -----------------------------------------------------
$c = PAH2->connect($h->port);
$c->request(1, 'GET', '/h2app?sleep=30');
ok(wait_for(sub { (($h->app('h2app') || {})->{processes}{busy} // 0) == 1 }),
   'a slow GET on a new connection: busy');
$c->close;
ok(wait_for(sub { my ($p) = $h->pids('h2app'); $p && $p != $pid && !pid_alive($pid) },
            timeout => 20),
   'the client closes the connection: the worker is replaced');

ok($h->stop, 'stopped');

# ---- room in the wait queue for mod_http2's own request threads ---------------------
# Under mod_http2 a request may also run in one of its threads (H2MaxWorkers
# per child), not only in an MPM thread: the queue has room for both, or it
# would send requests away as full while threads wait.
for my $case ([ 'H2MaxWorkers 40', 2 * (32 + 40) ], [ 'H2MaxWorkers "40"', 2 * (32 + 40) ],
              [ '', 2 * (32 + 48) ]) {
    my ($line, $want) = @$case;
    my $q = PATest::Httpd->new(status => 1, conf => <<"EOF2");
LoadModule http2_module "$lib/mod_http2.so"
Protocols h2c http/1.1
ServerLimit 2
ThreadLimit 32
ThreadsPerChild 25
MaxRequestWorkers 50
$line
PreforkApp h2q "$echo" processes=1
EOF2
    ok($q->start, 'private httpd started' . ($line ? " with $line" : '')) or diag($q->error_log);
    is((($q->app('h2q') || {})->{queue} || {})->{capacity}, $want,
       'queue capacity: ServerLimit x (ThreadLimit + '
       . ($line ? 'H2MaxWorkers' : "mod_http2's default, 3/2 ThreadLimit") . ')');
    ok($q->stop, 'stopped');
}

# ---- a slow HTTP/2 reader does not keep the worker (reply-buffer) -----------------
# The client reads nothing: mod_http2 sends 64 KB (its flow-control window),
# takes 64 KB more (H2StreamMaxMemSize), and then waits for the client. What
# the worker has sent past that is held in httpd, as for a slow HTTP/1.1
# client (t/54), and the worker is free once the app has answered.
my $gate = test_dir('pa-h2gate') . '/go';
my $r = PATest::Httpd->new(status => 1, conf => <<"EOF2");
LoadModule http2_module "$lib/mod_http2.so"
Protocols h2c http/1.1
PreforkApp h2buf "$echo" processes=1 queue-timeout=10
PreforkApp h2nobuf "$echo" processes=1 queue-timeout=3 reply-buffer=0
<Location /h2buf>
    SetHandler prefork-app:h2buf
</Location>
<Location /h2nobuf>
    SetHandler prefork-app:h2nobuf
</Location>
EOF2
ok($r->start, 'private httpd with reply-buffer and without started') or diag($r->error_log);
my $s = PAH2->connect($r->port);
$s->request(1, 'GET', '/h2buf?bytes=600000');
ok(wait_for(sub { ($r->counter('h2buf', 'accepted') // 0) >= 1 }), 'a 600 KB reply to an HTTP/2 client that reads none of it');
my $next = $r->get('/h2buf?whoami=1');
is($next->{status}, 200, '... does not keep the only worker: the next request is served');
is(length($s->read_data(1, 60) // ''), 600_000, '... and the reply, read later, comes whole');
$s->request(3, 'GET', '/h2nobuf?bytes=600000');
ok(wait_for(sub { ($r->counter('h2nobuf', 'accepted') // 0) >= 1 }), 'the same with reply-buffer=0');
is($r->get('/h2nobuf?whoami=1')->{status}, 503, '... keeps it: 503 at queue-timeout');
is(length($s->read_data(3, 60) // ''), 600_000, '... and that reply comes whole too');
# What the app sent before it pauses reaches the client at once.
$s->request(5, 'GET', "/h2buf?bytes=200000&after=$gate");
is(length($s->read_data(5, 30, 200_000) // ''), 200_000,
   'a reply the app pauses in: what came before the pause reaches the client then');
open_gate($gate);
is(length($s->read_data(5, 30) // ''), 200_000, '... and it ends when the app goes on');
is(($r->app('h2buf') || {})->{counters}{replies_held}, 0, 'reading ahead for HTTP/2 is not counted as a slow client\'s');
# A reply streamed with no pause of 20 ms is not held to its end: what has
# waited 500 ms (PA_AHEAD_MAX) goes on.
my $dripped = test_dir('pa-h2drip') . '/done';
$s->request(7, 'GET', "/h2buf?drip=1000&dripdone=$dripped");
ok(defined $s->read_data(7, 60, 50_000), 'a reply streamed in 100-byte lines 5 ms apart: half of it reaches the client');
ok(!-e $dripped, '... while the app still streams it (what is held goes on after 500 ms, not at the end)');
is(length($s->read_data(7, 60) // ''), 100_000, '... and it comes whole');
$s->close;
ok($r->stop, 'stopped');
