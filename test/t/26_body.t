# Request bodies: LimitRequestBody is honoured for plain and chunked bodies
# (413 before a worker is involved), a body larger than what is buffered
# is streamed to the app whole, and a chunked one reaches it whole with its
# CONTENT_LENGTH.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(:all);
use IO::Socket::INET ();
use IO::Compress::Gzip ();

plan tests => 43;

my $http = http();
my $base = base_url();
my $ct = { 'Content-Type' => 'application/octet-stream' };

my $res = $http->post("$base/dlimit?echo=body", { headers => $ct, content => 'x' x 2000 });
is($res->{status}, 413, 'Content-Length over LimitRequestBody: 413');
my @parts = ('y' x 600) x 3;
$res = $http->post("$base/dlimit?echo=body", { headers => $ct, content => sub { shift @parts } });
is($res->{status}, 413, 'chunked body over LimitRequestBody: 413');
$res = $http->post("$base/dlimit?echo=body", { headers => $ct, content => 'z' x 900 });
is($res->{status}, 200, 'under the limit: served');

# 5 MB: far more than the 64 KiB read before a worker is claimed.
my $big = join '', map { pack 'N', $_ } 1 .. 1310720;
$res = $http->post("$base/dretry?echo=body", { headers => $ct, content => $big });
is($res->{status}, 200, '5 MB body: served');
ok($res->{content} eq $big, '5 MB body: the app got all of it');

# Chunked, over the 64 KiB buffer: spooled, then sent with its length.
@parts = unpack '(a65000)*', substr($big, 0, 300000);
$res = $http->post("$base/dretry?echo=body", { headers => $ct, content => sub { shift @parts } });
is($res->{status}, 200, 'chunked 300 KB body: served');
ok($res->{content} eq substr($big, 0, 300000), 'chunked 300 KB body: the app got all of it');
@parts = unpack '(a65000)*', substr($big, 0, 300000);
$res = $http->post("$base/dretry", { headers => $ct, content => sub { shift @parts } });
like($res->{content}, qr/^CONTENT_LENGTH=300000$/m, 'chunked 300 KB body: CONTENT_LENGTH told');
@parts = unpack '(a65000)*', substr($big, 0, 300000);
$res = $http->post("$base/dlimit-big?echo=body", { headers => $ct, content => sub { shift @parts } });
is($res->{status}, 413, 'chunked body over LimitRequestBody past the buffer: 413');
@parts = unpack '(a65000)*', substr($big, 0, 90000);
$res = $http->post("$base/dlimit-big?echo=body", { headers => $ct, content => sub { shift @parts } });
ok($res->{status} == 200 && $res->{content} eq substr($big, 0, 90000),
   'chunked body past the buffer, under the limit: served whole');

# An input filter that gives more than it was asked for (mod_ext_filter):
# nothing is lost or written past the buffer (the sanitized run would say).
$res = $http->post("$base/dexpand?echo=body", { headers => $ct, content => 'x' x 60000 });
is($res->{status}, 200, 'body through an expanding input filter: served');
ok($res->{content} eq 'x' x 480000, 'body through an expanding input filter: all of it, expanded')
    or diag('got ' . length($res->{content}) . ' bytes');
$res = $http->post("$base/dexpand", { headers => $ct, content => 'x' x 60000 });
like($res->{content}, qr/^CONTENT_LENGTH=480000\r?$/m,
     '... and told its length, not the one the client sent');

# A gzip body that mod_deflate inflates (SetInputFilter DEFLATE): the app
# is told the length it reads (the client's Content-Length is the gzip's,
# and INFLATE unsets it once it starts), and no Content-Encoding; over
# SCGI a body past the 64 KiB read first was announced as 0 bytes and lost.
my $plain = join '', map { "line $_ of a form post\n" } 1 .. 20000;
my $gz;
IO::Compress::Gzip::gzip(\$plain => \$gz) or die 'gzip failed';
for my $case ([ 'dinflate', 'FastCGI' ], [ 'dinflate-s', 'SCGI' ], [ 'dinflate-c', 'CGI' ]) {
    my ($where, $proto) = @$case;
    $res = $http->post("$base/$where",
                       { headers => { %$ct, 'Content-Encoding' => 'gzip' }, content => $gz });
    my $c = $res->{content} // '';
    my $n = length $plain;
    ok($res->{status} == 200 && $c =~ /^CONTENT_LENGTH=$n\r?$/m && $c =~ /^body_length=$n\r?$/m
       && $c !~ /^HTTP_CONTENT_ENCODING=/m,
       "$proto: a gzip body inflated on its way in reaches the app whole, with its length")
        or diag(join "\n", grep { /CONTENT_|body_length|status/ } split /\n/, $c);
}

# An app that answers before reading its body (as when it refuses an
# upload): its kept connection stops inside the request, so the worker is
# replaced, and the next request on it is served as usual (before, it was
# read as the rest of the upload: a retry, or a 504), without the app being
# taken for one that closes its connections.
my $off = error_log_offset();
for my $round (1 .. 3) {
    $res = $http->post("$base/dslow?readmax=0&whoami=1", { headers => $ct, content => $big });
    my ($early) = ($res->{content} // '') =~ /pid=(\d+)/;
    my $next = $http->get("$base/dslow?whoami=1");
    my ($pid) = ($next->{content} // '') =~ /pid=(\d+)/;
    if ($round == 1) {
        is($res->{status}, 200, 'an early answer to a 5 MB POST: 200');
        is($next->{status}, 200, 'the next request: 200');
    }
    ok($early && $pid && $pid != $early, "round $round: served by the replacement ($early, then $pid)");
}
unlike(error_log_since($off), qr/PA00127/, 'the app is not taken for one that closes its connections');

# ... and so when all of a smaller body was sent but the app left it unread
# in its socket (libfcgi read it as part of the next request, dropped the
# connection with that request in it: the next POST got 502, and the app
# was taken for one that closes its connections). A body read whole, by
# libfcgi or by PHP (which leaves the body's empty STDIN record, and skips
# it before the next request), keeps its worker.
$off = error_log_offset();
# [KB of body, bytes of an extra header]. What counts is the whole request:
# a small body behind large headers (a big cookie) is no more in libfcgi's
# first read; 6 KB alone come whole in it, and that worker may stay.
for my $case ([6, 0], [20, 0], [100, 0], [300, 0], [3, 7000], [4, 7000]) {
    my ($kb, $big) = @$case;
    my $stays = $kb < 8 && !$big;
    my %headers = (%$ct, $big ? ('X-Big' => 'c' x $big) : ());
    $res = $http->post("$base/dslow?readmax=0&whoami=1", { headers => \%headers, content => 'u' x ($kb * 1024) });
    my ($early) = ($res->{content} // '') =~ /pid=(\d+)/;
    my $next = $http->post("$base/dslow?whoami=1", { headers => $ct, content => 'x=1' });
    my ($pid) = ($next->{content} // '') =~ /pid=(\d+)/;
    ok($res->{status} == 200 && $next->{status} == 200 && $early && $pid
       && ($stays || $pid != $early),
       "$kb KB left unread" . ($big ? " behind $big bytes of headers" : '')
       . ': the next POST is served (200)' . ($stays ? '' : ', by the replacement'))
        or diag("$res->{status} $next->{status} " . ($early // '-') . ' ' . ($pid // '-'));
}
unlike(error_log_since($off), qr/PA00127|PA00309/, '... with nothing in the log of a worker gone or a closing app');
# An app that reads a body to its CONTENT_LENGTH (CGI.pm does), not to
# its empty FCGI_STDIN record, leaves that record in its socket whenever it
# came after libfcgi's last read (one upload in a dozen or so); libfcgi
# reads it as it goes for its next request, takes it for a broken stream
# and closes the connection. bad --length does so after every body of
# more than 8 KB, a moment after its reply. The next request went down
# with it (a POST: 502, PA00309; else a retry) and the app was taken for
# one that closes its connections (PA00127).
$off = error_log_offset();
my $renewed = sub { (app_status('dlength') || {})->{counters}{connections_renewed} };
my $renewed0 = $renewed->();
my @got = map {
    ($http->post("$base/dlength", { headers => $ct, content => 'l' x 20480 })->{status},
     $http->post("$base/dlength", { headers => $ct, content => 'x=1' })->{status},
     $http->get("$base/dlength")->{status})
} 1 .. 10;
is("@got", join(' ', (200) x 30),
   'an app that leaves the end of 20 KB bodies: each upload, and the POST and GET after it, served');
my $log = error_log_since($off);
is(join('', $log =~ /^.*(?:PA00127|PA00309|PA00308).*\n/mg), '',
   '... nothing in the log of a closing app, a worker gone or a retry');
is(scalar(() = $log =~ /PA00349: dlength: worker pid \d+ closed its kept connection over the end of the last request's body/g),
   10, '... each closed connection seen before the next request went into it, and renewed');
is($renewed->() - ($renewed0 // 0), 10, '... and counted on the status page (connections_renewed)');
my $body100 = 'r' x (100 * 1024);
my @same;
for (1 .. 3) {
    $res = $http->post("$base/dslow?whoami=1", { headers => $ct, content => $body100 });
    push @same, ($res->{content} // '') =~ /pid=(\d+)/;
}
is(scalar(keys %{{ map { $_ => 1 } @same }}), 1, 'a 100 KB body read whole: the same worker each time') or diag("@same");
my ($php) = worker_pids('dechophp');
my @php = map { $http->post("$base/pa-php/echo.php", { headers => $ct, content => $body100 })->{status} } 1 .. 3;
is(join(' ', @php, worker_pids('dechophp')), "200 200 200 $php", 'PHP: a 100 KB body three times, the same worker');
# A chunked body of exactly 64 KiB: all of it in the part read before a
# worker is claimed, its last chunk read after; it goes whole, with its end
# record. (The end was sent on its own after the body, and when PHP, which
# reads CONTENT_LENGTH bytes, answered before it went, its worker was
# replaced as if left inside a request: a few in a hundred, under load.)
my $ok64 = 0;
for (1 .. 100) {
    my $c = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(), Timeout => 30)
        or die "connect: $!";
    print $c "POST /pa-php/echo.php?echo=body HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        . "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        . sprintf("%x\r\n", 65536) . ('x' x 65536) . "\r\n0\r\n\r\n";
    my $reply = read_all($c);
    close $c;
    $ok64++ if $reply =~ m{^HTTP/1\.1 200 } && ($reply =~ tr/x//) == 65536;
}
is($ok64, 100, "PHP: a chunked body of exactly 64 KiB, 100 times: each echoed whole");
is(join(' ', worker_pids('dechophp')), $php, '... by the same worker');

# A local redirect from an app that left most of a POST body unread: the
# GET it becomes gets none of the rest (as with mod_cgi).
$res = $http->post("$base/dslow?readmax=0&redirect=/dslow", { headers => $ct, content => $big });
is($res->{status}, 200, 'a local redirect answered before the body was read: 200');
ok($res->{content} =~ /^method=GET$/m && $res->{content} =~ /^body_length=0$/m
   && $res->{content} !~ /^CONTENT_LENGTH=/m,
   '... and the GET it became gets no body') or diag(substr($res->{content} // '', 0, 2000));

# The app sends its header block (a cookie among them) before it reads its
# body, and then the client's body ends short: the client gets 400, and
# none of the app's headers (httpd keeps err_headers_out, where a
# Set-Cookie goes, on an error page).
my $sock = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(), Timeout => 30)
    or die "connect: $!";
print $sock "POST /dslow?headfirst=1&header=Set-Cookie:sid%3Dapp HTTP/1.1\r\nHost: localhost\r\n"
    . "Content-Type: application/octet-stream\r\nContent-Length: 5000000\r\n"
    . "Connection: close\r\n\r\n";
print $sock substr($big, 0, 1_000_000);
shutdown($sock, 1);
my $reply = read_all($sock);
like($reply, qr{^HTTP/1\.1 400 }, 'a body that ends short after the app sent its headers: 400')
    or diag(substr($reply, 0, 300));
unlike($reply, qr/sid=app/, '... without the headers of the app (its cookie)');

# The app answers while it reads the body, so the client has the start of
# the reply, and then the body ends short: the reply is cut (no last
# chunk), not ended as if it were whole.
$sock = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(), Timeout => 30)
    or die "connect: $!";
print $sock "POST /dslow?headfirst=0&progress=0.01 HTTP/1.1\r\nHost: localhost\r\n"
    . "Content-Type: application/octet-stream\r\nContent-Length: 5000000\r\n"
    . "Connection: close\r\n\r\n";
# More than the worker's socket holds: httpd reads the reply meanwhile.
print $sock substr($big, 0, 2_000_000);
shutdown($sock, 1);
$reply = read_all($sock);
like($reply, qr{^HTTP/1\.1 200 .*Transfer-Encoding: chunked.*got \d+}s,
     'an app that answers while the body comes in: its lines reach the client')
    or diag(substr($reply, 0, 300));
unlike($reply, qr{\r\n0\r\n\r\n\z}, '... and the body ending short cuts the reply: no last chunk')
    or diag(substr($reply, -300));
