# MergeTrailers On puts a chunked body's trailers into the request's
# headers: a "Content-Length: 2" trailer became the app's CONTENT_LENGTH,
# next to the 15 bytes it was sent (PHP read 2 of them; one of 99 held the
# worker until request-timeout), with HTTP_TRANSFER_ENCODING kept too. The
# app is told the length of the body it gets, as through mod_proxy_fcgi.
# A header and a trailer of one name went to the app as two parameters of
# that name (libfcgi's getenv() reads the first, PHP the last: a header a
# front end vetted and the trailer the app reads could differ): one now,
# the trailer's, as mod_proxy_fcgi sends.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use IO::Socket::INET ();
use PATest qw(:all);

plan tests => 10;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(conf => <<"EOF2");
MergeTrailers On
PreforkApp mt "$echo" processes=1
PreforkAppAlias /mt mt
EOF2
ok($h->start, 'httpd with MergeTrailers On') or diag($h->error_log);
for my $trailer (2, 99) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port,
                                  Timeout => 60) or die "connect: $!";
    print $s "POST /mt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n",
             "Transfer-Encoding: chunked\r\n\r\n",
             "f\r\na=1&b=2&admin=1\r\n0\r\nContent-Length: $trailer\r\n\r\n";
    my $reply = read_all($s);
    like($reply, qr/^CONTENT_LENGTH=15\r?$/m,
         "a Content-Length: $trailer trailer: the app is told the body's 15 bytes");
    unlike($reply, qr/^HTTP_TRANSFER_ENCODING=/m, '... and not that it is chunked');
}

my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port, Timeout => 60)
    or die "connect: $!";
print $s "POST /mt HTTP/1.0\r\nHost: localhost\r\nX-Dup: header\r\nCookie: sid=header\r\n",
         "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n",
         "X-Dup: trailer\r\nCookie: sid=trailer\r\nX-Only: t\r\n\r\n";
my $reply = read_all($s);
my @dup = $reply =~ /^HTTP_X_DUP=(.*?)\r?$/mg;
my @cookie = $reply =~ /^HTTP_COOKIE=(.*?)\r?$/mg;
is(scalar @dup, 1, 'one HTTP_X_DUP, though the header and a trailer both gave X-Dup') or diag($reply);
is($dup[0], 'trailer', "... the trailer's value");
is(scalar @cookie, 1, 'one HTTP_COOKIE') or diag("@cookie");
like($reply, qr/^HTTP_X_ONLY=t\r?$/m, 'a trailer alone is a variable as a header would be');
like($reply, qr/^CONTENT_LENGTH=5\r?$/m, 'the body is 5 bytes');
$h->stop;
