# Kept connections (keep-conn=on, the default): a worker is reached over one
# connection that every httpd child shares, so requests served by different
# httpd children arrive on the same connection, in turn. keep-conn=off
# connects per request. A worker blocked on its kept connection still leaves
# at once when it is recycled or httpd stops (no SIGKILL after die-timeout).
# An app that closes its connection although asked to keep it is noticed
# (once), connected to per request from then on, and loses no request. A
# worker killed while idle costs no request either, not even a POST: the
# write to its dead connection fails, so the request never left.
# A private httpd with the prefork MPM and two children: while one child is
# held by a request on a keep-alive client connection, the next request is
# served by the other child.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use HTTP::Tiny ();
use IO::Socket::INET ();
use POSIX ();

plan tests => 60;

my $apps = app_path();
my $echo = "$apps/echo";
my $h = PATest::Httpd->new(mpm => 'prefork', conf => <<"EOF");
StartServers 2
ServerLimit 2
MaxRequestWorkers 2
MinSpareServers 2
MaxSpareServers 2
KeepAlive On
PreforkApp kkeep "$echo" processes=1 die-timeout=60
PreforkApp khold "$echo" processes=1
PreforkApp koff "$echo" processes=1 keep-conn=off
PreforkApp krecycle "$echo" processes=1 max-requests=3 die-timeout=60
# Answers, then closes the connection whatever FCGI_KEEP_CONN says.
PreforkApp kclose "$apps/bad --mode=ok" processes=2
PreforkApp kkill "$echo" processes=2
# Keeps its connection; pads FCGI_END_REQUEST, the padding a moment later.
PreforkApp kpad "$apps/bad --keep --mode=padend" processes=1
# Keeps its connection; mode=late sends a second reply after the first.
PreforkApp klate "$apps/bad --keep" processes=1
# Answer every request with request id 1, as some FastCGI libraries do.
PreforkApp kid1 "$apps/bad --keep --id1" processes=1
PreforkApp kid1off "$apps/bad --id1" processes=1 keep-conn=off
<Location /kid1>
    SetHandler prefork-app:kid1
</Location>
<Location /kid1off>
    SetHandler prefork-app:kid1off
</Location>
<Location /klate>
    SetHandler prefork-app:klate
</Location>
<Location /kpad>
    SetHandler prefork-app:kpad
</Location>
<Location /kkill>
    SetHandler prefork-app:kkill
</Location>
<Location /kclose>
    SetHandler prefork-app:kclose
</Location>
<Location /app-status>
    SetHandler prefork-app-status
</Location>
<Location /kkeep>
    SetHandler prefork-app:kkeep
</Location>
<Location /khold>
    SetHandler prefork-app:khold
</Location>
<Location /koff>
    SetHandler prefork-app:koff
</Location>
<Location /krecycle>
    SetHandler prefork-app:krecycle
</Location>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);

# whoami(HTTP::Tiny, app): status, the worker's pid, requests it served, the
# inode of the connection the request came on, and the httpd child that
# claimed the worker for it (from the PA00306 debug line).
sub whoami {
    my ($ua, $app) = @_;
    my $offset = error_log_offset($h->log_file);
    my $res = $ua->get($h->url("/$app?whoami=1"));
    my %r = (status => $res->{status}, $res->{content} =~ /(\w+)=(\d+)/g);
    my $log = wait_for_log(qr/pid (\d+):tid \d+\].*PA00306: $app:/, $offset,
                           file => $h->log_file, timeout => 30) || '';
    ($r{httpd}) = $log =~ /pid (\d+):tid \d+\].*PA00306: $app:/;
    return \%r;
}

sub post_form {
    my ($client, $path, $body) = @_;
    return $client->request('POST', $h->url($path), { content => $body,
        headers => { 'content-type' => 'application/x-www-form-urlencoded' } });
}

# Not keep-alive, nor any client below longer than it needs to be: each
# idle one holds one of the two httpd children for KeepAliveTimeout, and the
# next connection (the status page's) waited 5 s for it.
my $ua = HTTP::Tiny->new(timeout => 60, keep_alive => 0);
ok(wait_for(sub { $h->get('/kkeep?whoami=1')->{status} == 200
                  && $h->get('/khold?whoami=1')->{status} == 200 }),
   'the apps answer');

# ---- one connection, shared by both httpd children -------------------------------
my $tmp = $h->dir;
my $hold = "$tmp/hold";
# (The check above asked khold already: only a claim after this counts.)
my $khold_off = error_log_offset($h->log_file);
pipe my $rd, my $wr or die "pipe: $!";
my $kid = fork // die "fork: $!";
if (!$kid) {
    # One keep-alive client connection: first a request to kkeep, then one
    # that holds the httpd child serving this connection.
    close $rd;
    my $kua = HTTP::Tiny->new(timeout => 60, keep_alive => 1);
    my $r = whoami($kua, 'kkeep');
    print $wr join(' ', map { "$_=" . ($r->{$_} // '') } sort keys %$r), "\n";
    close $wr;
    $kua->get($h->url("/khold?slowstream=$hold"));
    POSIX::_exit(0);
}
close $wr;
my %r1 = <$rd> =~ /(\w+)=(\d*)/g;
close $rd;
my $busy = wait_for_log(qr/PA00306: khold:/, $khold_off, file => $h->log_file);
ok($busy, 'one httpd child is held');
my $r2 = whoami($ua, 'kkeep');
open my $fh, '>', $hold or die "$hold: $!";
close $fh;
waitpid $kid, 0;
my $r3 = whoami($ua, 'kkeep');

is("$r1{status} $r2->{status} $r3->{status}", '200 200 200', 'all answered');
ok($r1{httpd} && $r2->{httpd} && $r1{httpd} != $r2->{httpd},
   'two different httpd children served them')
    or diag("httpd children: $r1{httpd} $r2->{httpd}; hold: "
            . join(' ', ($busy // '') =~ /pid (\d+):tid \d+\].*PA00306: khold:/g));
is($r2->{pid}, $r1{pid}, 'one worker');
ok($r1{conn} && $r1{conn} == $r2->{conn} && $r2->{conn} == $r3->{conn},
   'the worker saw one connection for all of them')
    or diag("connections: $r1{conn} $r2->{conn} $r3->{conn}");
is($r3->{served} - $r1{served}, 2, 'it served each once');

# ---- keep-conn=off: a connection per request -------------------------------------
my $o1 = whoami($ua, 'koff');
my $o2 = whoami($ua, 'koff');
is("$o1->{status} $o2->{status}", '200 200', 'keep-conn=off: answered');
is($o1->{pid}, $o2->{pid}, 'keep-conn=off: one worker');
ok($o1->{conn} && $o2->{conn} && $o1->{conn} != $o2->{conn},
   'keep-conn=off: a new connection for every request');

# ---- recycling a worker that waits on its kept connection ------------------------
my $offset = error_log_offset($h->log_file);
my (%pids, @status);
for (1 .. 7) {
    my $r = whoami($ua, 'krecycle');
    push @status, $r->{status};
    $pids{$r->{pid}}++ if $r->{pid};
}
is_deeply([sort { $a <=> $b } values %pids], [1, 3, 3], 'max-requests=3: workers replaced after 3 requests')
    or diag(join ' ', %pids);
is_deeply(\@status, [(200) x 7], 'no request lost');
my $log = wait_for_log(qr/(?:PA00104: app krecycle .*){2}/s, $offset, file => $h->log_file);
my @left = ($log // '') =~ /PA00104: app krecycle slot \d+ pid \d+ exited with status (\d+) after 3 requests \(max-requests reached\)/g;
is_deeply(\@left, [0, 0], 'recycled workers left by themselves, promptly, status 0')
    or diag($log // 'nothing logged');
unlike($log // '', qr/PA00111: app krecycle/, 'no SIGKILL after die-timeout');

# ---- an app that does not keep connections ----------------------------------------
$offset = error_log_offset($h->log_file);
my @got = map { $ua->get($h->url('/kclose'))->{status} } 1 .. 8;
is_deeply(\@got, [(200) x 8], 'an app that closes kept connections: all answered');
$log = wait_for_log(qr/PA00127: app kclose closes its FastCGI connection/, $offset,
                    file => $h->log_file);
ok($log, 'noticed and logged');
my $kc = app_status('kclose', $h->url) || {};
is($kc->{connections}, 'per_request', 'status: connected per request now');
# No worker died: no retry counted for a request that met a closed
# connection before anything was sent, nor a worker of the static pool
# counted as a dynamic pool's idle surplus.
is(join(' ', map { $kc->{counters}{$_} // '-' } qw(retries recycled_idle crashed)), '0 0 0',
   'counted no retry, recycle or crash');
my $spawned = $kc->{counters}{spawned};
@got = map { $ua->get($h->url('/kclose'))->{status} } 1 .. 10;
push @got, map { post_form($ua, '/kclose', "n=$_")->{status} } 1 .. 5;
is_deeply(\@got, [(200) x 15], 'then GETs and POSTs all answered');
is((app_status('kclose', $h->url) || {})->{counters}{spawned}, $spawned,
   'by the same workers (none recycled)');
my @said = error_log_since($offset, $h->log_file) =~ /PA00127/g;
is(scalar @said, 1, 'logged once');
unlike(error_log_since($offset, $h->log_file), qr/PA00309: kclose/, 'no 502');

# ---- a worker killed while idle ------------------------------------------------------
# One httpd child (a keep-alive client connection stays with it) gets the
# kept connections of both workers; then, the manager stopped so that the
# dead worker is not replaced yet, the held request's worker is killed and a
# POST goes to that child: it finds the connection dead at its first write.
my $ka = HTTP::Tiny->new(timeout => 60, keep_alive => 1);
my $hold2 = "$tmp/hold2";
my $kid2 = fork // die "fork: $!";
if (!$kid2) {
    HTTP::Tiny->new(timeout => 60)->get($h->url("/kkill?slowstream=$hold2"));
    POSIX::_exit(0);
}
ok(wait_for(sub { $h->busy('kkill') }),
   'kkill: a slot held');
my $w1 = whoami($ka, 'kkill');
open $fh, '>', $hold2 or die "$hold2: $!";
close $fh;
waitpid $kid2, 0;
my $w0 = whoami($ka, 'kkill');
ok($w0->{pid} && $w1->{pid} && $w0->{pid} != $w1->{pid} && $w0->{httpd} == $w1->{httpd},
   'one httpd child talked to both workers');
# The slot the held request took: not always slot 0 (the sanitized run
# waited for slot 0's replacement once, in vain).
my ($dead_slot) = map { $_->{slot} } grep { ($_->{pid} // 0) == $w0->{pid} }
                  @{ (app_status('kkill', $h->url) || {})->{workers} || [] };
$dead_slot //= 0;
my $mgr = $h->manager_pid or die "no manager pid file";
$offset = error_log_offset($h->log_file);
kill 'STOP', $mgr;
kill 'KILL', $w0->{pid};
ok(wait_for(sub { !PATest::pid_alive($w0->{pid}) || (do { open my $st, '<', "/proc/$w0->{pid}/stat"; (<$st> // '') =~ /^\d+ \(.*\) Z/ }) }),
   'that worker is dead');
my $post = post_form($ka, '/kkill?whoami=1', 'k=1');
kill 'CONT', $mgr;
is($post->{status}, 200, 'a POST to the dead worker\'s connection: answered by the other');
like($post->{content}, qr/pid=$w1->{pid} /, 'by the live worker');
$log = wait_for_log(qr/PA00108: app kkill slot $dead_slot:/, $offset, file => $h->log_file) // '';
like($log, qr/PA00308: kkill: worker pid $w0->{pid} went away before answering; retrying/,
     'retried (the request never reached the dead one)');
unlike($log, qr/PA00127|PA00309/, 'not taken for an app that closes connections, no 502');
undef $ka;

# ---- the end of a reply stays in the socket until the next request ---------------
# Each reply's last read is left in the kept connection and dropped by the
# next request, which may come from the other httpd child: replies of every
# size (around the 32 KB peek and the 64 KB read buffer too), served in turn
# by both children, must each arrive whole and alone.
# Which child takes a new connection is the kernel's choice (and a
# connection kept from above may still hold one): fresh pairs until the two
# land on both.
my (@ka, @who);
for (1 .. 5) {
    @ka = map { HTTP::Tiny->new(timeout => 60, keep_alive => 1) } 1 .. 2;
    @who = map { whoami($_, 'kkeep') } @ka;
    last if $who[0]{httpd} && $who[1]{httpd} && $who[0]{httpd} != $who[1]{httpd};
}
ok($who[0]{httpd} && $who[1]{httpd} && $who[0]{httpd} != $who[1]{httpd},
   'two keep-alive clients, two httpd children') or diag(explain(\@who));
my $pattern = join '', '0' .. '9', 'a' .. 'z', "\n";
# Each short reply's end stays in the connection until the next request
# drops it: hundreds of them, from both children in turn, with long ones
# (read plainly) among them.
my @sizes = (0, 1, 37, 4095, 32700, 32740, 32768, 32800, 65535, 65536, 65537, 3,
             200000, 1, 1000000, 5, 131072, 0, (map { $_ * 7 % 61 } 1 .. 400),
             2000, 2100, 32700, 5, 32768, 1, (map { $_ % 3 } 1 .. 100), 40000);
my @bad;
for my $i (0 .. $#sizes) {
    my $n = $sizes[$i];
    my $res = $ka[$i % 2]->get($h->url("/kkeep?bytes=$n"));
    my $want = substr($pattern x (int($n / 37) + 1), 0, $n);
    push @bad, "$n: $res->{status}, " . length($res->{content}) . ' bytes'
        unless $res->{status} == 200 && $res->{content} eq $want;
}
is_deeply(\@bad, [], 'every reply whole, from both children in turn');
my @after = map { whoami($_, 'kkeep') } @ka;
ok($after[1]{pid} == $who[0]{pid} && $after[1]{conn} == $who[0]{conn},
   'one worker, one connection throughout');
is($after[1]{served} - $who[1]{served}, @sizes + 2, 'it served each request once');
@ka = ();

# ---- FCGI_END_REQUEST's padding in a read of its own -----------------------------
# The padding belongs to the reply that ended: the next request on the
# connection waits for it and drops it, rather than reading it as its own
# reply's start.
$offset = error_log_offset($h->log_file);
my @pad = map { $ua->get($h->url('/kpad')) } 1 .. 4;
is(join(' ', map { "$_->{status}:$_->{content}" } @pad), join(' ', ("200:ok\n") x 4),
   'END_REQUEST padded late: every request answered');
$log = error_log_since($offset, $h->log_file);
my %padpids = map { $_ => 1 } $log =~ /PA00306: kpad: slot \d+ \(pid (\d+)\)/g;
is(scalar keys %padpids, 1, 'by one worker, never replaced') or diag($log);
unlike($log, qr/PA00127|PA00309|PA0040\d/, 'no error, not taken for an app that closes');

# The client of the next request hangs up while that request still waits
# for the padding (400 ms late): it goes on dropping only what is owed, so
# its own reply is read whole and the worker stays.
$offset = error_log_offset($h->log_file);
is($ua->get($h->url('/kpad?pad=400'))->{content}, "ok\n", 'a reply whose padding comes 400 ms late');
{
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port, Timeout => 10)
        or die "connect: $!";
    print $s "GET /kpad HTTP/1.0\r\nHost: localhost\r\n\r\n";
    select undef, undef, undef, 0.1;
    close $s;                                   # gone while the padding is awaited
}
sleep 1;
is($ua->get($h->url('/kpad'))->{content}, "ok\n", 'the request after it: answered');
$log = error_log_since($offset, $h->log_file);
%padpids = map { $_ => 1 } $log =~ /PA00306: kpad: slot \d+ \(pid (\d+)\)/g;
is(scalar keys %padpids, 1, 'by the same worker: none killed or replaced') or diag($log);

# ---- a reply that comes after its request ended -----------------------------------
# An app that writes again after FCGI_END_REQUEST (a second reply, 50 ms
# later) puts the connection one reply behind. The next request must not
# take that reply for its own (it would be another user's): each request on
# a worker has its own FastCGI request id, the stale reply is seen as such,
# the worker is replaced and a GET is retried on the next one; a POST, which
# the app may have acted on, is a 502.
$offset = error_log_offset($h->log_file);
my $late = $ua->get($h->url('/klate?mode=late'));
is("$late->{status}:$late->{content}", "200:ok\n", 'the reply before the late one');
select undef, undef, undef, 0.3;                # the late reply is there now
my $next = $ua->get($h->url('/klate?mode=ok&who=bob'));
is("$next->{status}:$next->{content}", "200:ok\n", 'the next GET gets its own reply');
ok(!$next->{headers}{'x-late'}, 'with nothing of the late one');
$log = error_log_since($offset, $h->log_file);
like($log, qr/PA00401: klate: .*a reply to an earlier request \(request id \d+, expected \d+\) came first/,
     'the stale reply is logged') or diag($log);
my %latepids = map { $_ => 1 } $log =~ /PA00306: klate: slot \d+ \(pid (\d+)\)/g;
is(scalar keys %latepids, 2, 'the out-of-step worker was replaced, the GET retried') or diag($log);
$ua->get($h->url('/klate?mode=late'));
select undef, undef, undef, 0.3;
my $latepost = $ua->post($h->url("/klate?mode=ok"), { content => "x=1" });
is($latepost->{status}, 502, 'a POST behind a late reply: 502, not the late reply');
# Bytes that are no record at all after a reply's end: the next request
# cannot tell them from a broken reply of its own, but before any record of
# its own on a connection that carried others, they are more likely the
# earlier reply's: a GET is retried as behind a late reply.
$offset = error_log_offset($h->log_file);
$ua->get($h->url('/klate?mode=latejunk'));
select undef, undef, undef, 0.3;
$next = $ua->get($h->url('/klate?mode=ok&who=carol'));
is("$next->{status}:$next->{content}", "200:ok\n", 'a GET behind junk after a reply: retried, 200');
like(error_log_since($offset, $h->log_file), qr/PA00401: klate: .*bad record version 0/,
     'the junk is logged');

# ---- apps that answer every request with request id 1 ------------------------------
# mod_proxy_fcgi and mod_fcgid always send id 1, so some apps never look at
# it. A connection per request is sent id 1. On a kept one the first request
# (id 2) finds out: its reply is taken, the app is sent id 1 from then on,
# and a warning says what protection that costs.
$offset = error_log_offset($h->log_file);
my @id1 = map { $ua->get($h->url('/kid1')) } 1 .. 3;
is(join(' ', map { "$_->{status}:$_->{content}" } @id1), join(' ', ("200:ok\n") x 3),
   'an app that answers with id 1 on a kept connection: served');
$log = error_log_since($offset, $h->log_file);
my @said1 = $log =~ /PA00408: kid1: worker pid \d+ answered request id 2 with id 1/g;
is(scalar @said1, 1, 'found out on the first request, said once') or diag($log);
my %id1pids = map { $_ => 1 } $log =~ /PA00306: kid1: slot \d+ \(pid (\d+)\)/g;
is(scalar keys %id1pids, 1, 'by one worker, never replaced') or diag($log);
is(join(' ', map { $ua->get($h->url('/kid1off'))->{status} } 1 .. 2), '200 200',
   'keep-conn=off: a connection per request is sent id 1');
unlike(error_log_since($offset, $h->log_file), qr/PA00408: kid1off|PA0040[1-7]: kid1/,
       'nothing else logged');

# ---- only the claimant gets a kept connection ------------------------------------
# Anything running as User can write to the manager's service socket: a
# worker asks for the connection of every app and slot, as a hostile app
# could to read other requests' replies. The manager knows the asker's pid
# from the kernel and hands a connection only to the httpd child that
# holds the claim on that worker.
$offset = error_log_offset($h->log_file);
my $steal = $ua->get($h->url('/klate?mode=steal'));
is("$steal->{status}:$steal->{content}", "200:stolen 0\n", 'a worker that asks is handed no connection');
like(error_log_since($offset, $h->log_file), qr/PA00133: pid \d+ asked for the connection to a worker of app \w+ it has not claimed: refused/,
     'the refusal is logged');
is($ua->get($h->url('/kkeep'))->{status}, 200, 'the apps serve on');

# ---- stop: idle workers on kept connections leave at SIGTERM ---------------------
my @workers = map { $_->{pid} } whoami($ua, 'kkeep'), whoami($ua, 'khold');
$offset = error_log_offset($h->log_file);
ok($h->stop, 'httpd stops');
$log = error_log_since($offset, $h->log_file);
ok(!grep({ PATest::pid_alive($_) } @workers), 'its workers are gone');
like($log, qr/PA00104: app kkeep .*exited with status 0/, 'kkeep\'s worker exited by itself');
unlike($log, qr/killed by signal 9/, 'nothing needed SIGKILL');
