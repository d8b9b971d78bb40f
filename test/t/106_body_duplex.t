# While a request body is streamed to the app, httpd watches the client and
# the worker at once: what the app answers as the body comes in (progress
# lines) reaches the client while the client pauses, not only with its next
# part; and request-timeout ends a request whose client stalled mid-body on
# time, not once the server's Timeout has passed. An error answered before
# the body's end closes the connection: httpd does not first read the rest
# of the upload (nor wait for a stalled client to send it). Over TLS too
# (mod_ssl reads without blocking as the plain core does).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use PATest qw(:all);
use PADispatch qw(:all);
use IO::Socket::INET ();
use IO::Socket::SSL ();
use Time::HiRes ();

plan tests => 20;

# A POST's head on a socket of its own; with $keep, no "Connection: close"
# (only the server may then end the connection).
sub post_head {
    my ($path, $length, $keep) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(),
                                  Timeout => 30) or die "connect: $!";
    $s->autoflush(1);
    print $s "POST $path HTTP/1.1\r\nHost: localhost\r\n"
        . "Content-Type: application/octet-stream\r\nContent-Length: $length\r\n"
        . ($keep ? '' : "Connection: close\r\n") . "\r\n";
    return $s;
}

# ---- progress while the client pauses -------------------------------------------
# The app sends its headers, waits half a second (the first 128 KiB are
# then all sent: httpd waits for the client), then reads, writing
# "got N" after each 64 KiB it reads (echo's progress=).
my $s = post_head('/dduplex?headfirst=0.5&progress=0', 262144);
print $s 'a' x 131072;
my $got = read_until($s, qr/got 131072\n/, timeout => 20);
like($got, qr{^HTTP/1\.1 200 }, 'the reply begins while the client still owes half its body')
    or diag(substr($got, 0, 300));
like($got, qr/got 65536\n.*got 131072\n/s,
     'and the app\'s lines for all that came reach the client while it pauses');
print $s 'b' x 131072;
my ($rest, $how) = read_all($s, timeout => 30);
$got .= $rest;
like($got, qr/got 262144\n/, 'the rest of the body comes: the app reads all of it');
like($got, qr/pid=\d+ served=\d+.*\r\n0\r\n\r\n\z/s, 'and the reply ends whole');
close $s;

# ---- request-timeout while the client stalls mid-body ---------------------------
# dduptime: request-timeout=2. The client sends half its body and then nothing
# (the server's Timeout is 60 s).
my $off = error_log_offset();
$s = post_head('/dduptime?echo=body', 262144);
print $s 'c' x 131072;
$got = read_until($s, qr{^HTTP/1\.1 \d+}, timeout => 30);
like($got, qr{^HTTP/1\.1 504 }, 'a client stalled mid-body: 504 at request-timeout')
    or diag(substr($got, 0, 300));
ok(wait_for_log(qr/PA00311: dduptime: worker pid \d+ exceeded request-timeout \(2s\)/, $off),
   'one line in the log');
close $s;
ok(wait_for(sub { (app_status('dduptime') || {})->{processes}{idle} }, timeout => 20),
   'the app has an idle worker again');

# ---- the worker dies mid-upload: 502 at once ------------------------------------
# The app reads none of the body and exits; the client has sent a part of
# 100 MB and pauses. Keeping the connection would mean reading the rest
# first.
$off = error_log_offset();
$s = post_head('/dduplex?readmax=0&die=always', 100_000_000, 1);
print $s 'd' x 200_000;
($got, $how) = read_all($s, timeout => 30);
like($got, qr{^HTTP/1\.1 502 }, 'a worker gone mid-upload: 502 while the client pauses')
    or diag(substr($got, 0, 300));
like($got, qr{^Connection: close\r$}mi, 'and the connection closes') or diag($got);
ok(wait_for_log(qr/PA00309: dduplex: worker pid \d+ went away before answering/, $off),
   'one line in the log');
close $s;

# ---- the app refuses an upload before reading it: its answer at once ------------
# (mod_reqtimeout would end the wait for the rest after 20 s.)
$s = post_head('/dduplex?readmax=0&status=403', 100_000_000, 1);
print $s 'e' x 200_000;
($got, $how) = read_all($s, timeout => 15);
like($got, qr{^HTTP/1\.1 403 }, 'the app\'s 403 to an upload it did not read, while the client pauses')
    or diag(substr($got, 0, 300));
is($how, 'eof', 'whole, and the connection closed: httpd reads none of the rest first');
like($got, qr{^Connection: close\r$}mi, '... as its headers say');
close $s;

# ---- over TLS ---------------------------------------------------------------------
my $dir = test_dir('pa-duplex-tls');
openssl($dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
        'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', "$dir/server.key",
        '-out', "$dir/server.pem", '-days', '2', '-subj', '/CN=127.0.0.1');
my ($echo, $lib) = (app_path('echo'), libexecdir());
my ($tls, $tls1) = (PATest::free_port(), PATest::free_port());
# $tls1: Timeout 1, for a client slower than a TLS record a second.
my $h = PATest::Httpd->new(conf => join '', <<"EOF", map { <<"EOF" } $tls, $tls1);
LoadModule socache_shmcb_module "$lib/mod_socache_shmcb.so"
LoadModule ssl_module "$lib/mod_ssl.so"
PreforkApp techo "$echo" processes=1
EOF
Listen 127.0.0.1:$_
<VirtualHost 127.0.0.1:$_>
    SSLEngine on
    SSLCertificateFile "$dir/server.pem"
    SSLCertificateKeyFile "$dir/server.key"
    @{[ $_ == $tls1 ? 'Timeout 1' : '' ]}
    <Location /e>
        SetHandler prefork-app:techo
    </Location>
</VirtualHost>
EOF
ok($h->start, 'private httpd: an app behind TLS') or diag($h->error_log);

# 5 MB streamed through mod_ssl's non-blocking reads, whole and in order.
my $big = join '', map { pack 'N', $_ } 1 .. 1310720;
write_file("$dir/big", $big);
open my $curl, '-|', 'curl', '-sk', '--http1.1', '--max-time', '60',
    '-H', 'Content-Type: application/octet-stream', '--data-binary', "\@$dir/big",
    "https://127.0.0.1:$tls/e?echo=body" or die "curl: $!";
my $echoed = do { local $/; <$curl> } // '';
close $curl;
ok($echoed eq $big, 'TLS: a 5 MB body reaches the app whole')
    or diag(length($echoed) . ' bytes back');

# What came from a TLS socket, until it matches (or 20 s): decrypted bytes
# may wait in the TLS layer, where select() does not see them.
sub tls_read_until {
    my ($sock, $re) = @_;
    my ($data, $until) = ('', time + 20);
    while ($data !~ $re && time < $until) {
        if (!$sock->pending) {
            my $rin = '';
            vec($rin, fileno($sock), 1) = 1;
            next unless select(my $rout = $rin, undef, undef, 1);
        }
        my $n = sysread($sock, $data, 16384, length $data);
        next if !defined $n && ($!{EAGAIN} || $!{EINTR});
        last unless $n;
    }
    return $data;
}
$s = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$tls", SSL_verify_mode => 0,
                          Timeout => 30)
    or die "TLS connect: $IO::Socket::SSL::SSL_ERROR";
$s->blocking(0);
sub tls_send {
    my ($sock, $data) = @_;
    while (length $data) {
        my $n = syswrite($sock, $data);
        if (!defined $n) {
            select(undef, undef, undef, 0.01);
            next;
        }
        substr($data, 0, $n, '');
    }
}
tls_send($s, "POST /e?headfirst=0.5&progress=0 HTTP/1.1\r\nHost: localhost\r\n"
             . "Content-Length: 262144\r\nConnection: close\r\n\r\n" . 'a' x 131072);
$got = tls_read_until($s, qr/got 131072\n/);
like($got, qr{^HTTP/1\.1 200 .*got 65536\n.*got 131072\n}s,
     'TLS: the app\'s lines reach the client while it pauses mid-body')
    or diag(substr($got, 0, 300));
tls_send($s, 'b' x 131072);
$got .= tls_read_until($s, qr/\r\n0\r\n\r\n\z/);
like($got, qr/got 262144\n.*pid=\d+ served=\d+.*\r\n0\r\n\r\n\z/s,
     'TLS: the rest comes, the reply ends whole');
close $s;

# A client that sends its body's TLS records slower than one a second
# (Timeout 1): bytes keep coming, never a whole record within the Timeout.
# A relay lets the first 80000 bytes through at once (the handshake, the
# head, the 64 KiB read before a worker is claimed), then 200 bytes every
# 100 ms.
sub slow_relay {
    my ($to, $fast, $step, $every) = @_;
    my $l = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, ReuseAddr => 1) or die "listen: $!";
    my $pid = fork // die "fork: $!";
    return ($l->sockport, $pid) if $pid;
    my $c = $l->accept or exit 1;
    my $u = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$to") or exit 1;
    my ($up, $eof, $passed, $next) = ('', 0, 0, 0);
    while (1) {
        my $now = Time::HiRes::time();
        my $wait = length $up ? ($next > $now ? $next - $now : 0) : undef;
        my $rin = '';
        vec($rin, fileno($c), 1) = 1 unless $eof;
        vec($rin, fileno($u), 1) = 1;
        select(my $rout = $rin, undef, undef, $wait);
        if (!$eof && vec($rout, fileno($c), 1)) {
            $eof = 1 unless sysread($c, $up, 65536, length $up);
        }
        if (vec($rout, fileno($u), 1)) {
            last unless sysread($u, my $down, 65536);
            syswrite($c, $down);
        }
        $now = Time::HiRes::time();
        if (length $up && $now >= $next) {
            my $k = $passed < $fast ? $fast - $passed : $step;
            my $n = syswrite($u, substr($up, 0, $k)) || 0;
            substr($up, 0, $n, '');
            $passed += $n;
            $next = $now + $every if $passed >= $fast;
        }
    }
    exit 0;
}
my ($relay, $relay_pid) = slow_relay($tls1, 80000, 200, 0.1);
$s = IO::Socket::SSL->new(PeerAddr => "127.0.0.1:$relay", SSL_verify_mode => 0,
                          Timeout => 30)
    or die "TLS connect: $IO::Socket::SSL::SSL_ERROR";
my $body = join '', map { chr(65 + $_ % 26) x 4096 } 0 .. 21;    # 88 KiB
# (HTTP/1.0: the reply comes whole, not chunked.)
print $s "POST /e?echo=body HTTP/1.0\r\nHost: localhost\r\n"
    . "Content-Length: " . length($body) . "\r\n\r\n";
print $s substr($body, $_ * 4096, 4096) for 0 .. 21;    # a record each
$got = '';
while (1) {
    my $n = sysread($s, $got, 65536, length $got);
    last unless $n;
}
close $s;
waitpid $relay_pid, 0;
like($got, qr{^HTTP/1\.1 200 }, 'TLS: a client slower than a record per Timeout, never silent: served')
    or diag(substr($got, 0, 300));
my ($echoed2) = $got =~ /\r\n\r\n(.*)\z/s;
ok(($echoed2 // '') eq $body, '... its body whole') or diag(length($echoed2) . ' bytes back');
ok($h->stop, 'stops');
