# MergeTrailers On: a chunked body's trailer fields join the request's
# headers. One read before the app's variables are made (a small body is,
# whole) put a header and a trailer of the same name side by side, and
# both went to the app as two FastCGI parameters of one name: libfcgi's
# getenv() reads the first, PHP the last, so a header a front end vetted
# and a trailer the app reads could differ. One parameter per name now,
# the trailer's value (as mod_proxy_fcgi sends).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::INET ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 7;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(conf => <<"EOF");
MergeTrailers On
PreforkApp e "$echo" processes=1
<Location /e>
    SetHandler prefork-app:e
</Location>
EOF
ok($h->start, 'private httpd with MergeTrailers On') or diag($h->error_log);

my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->{port}, Timeout => 60)
    or die "connect: $!";
print $c "POST /e HTTP/1.0\r\nHost: localhost\r\nX-Dup: header\r\nCookie: sid=header\r\n"
       . "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
       . "X-Dup: trailer\r\nCookie: sid=trailer\r\nX-Only: t\r\n\r\n";
my $reply = PATest::read_all($c);
close $c;
my ($status) = $reply =~ m{^HTTP/1\.\d (\d+)};
is($status, 200, 'a chunked POST with trailers: 200') or diag($reply);
my @dup = $reply =~ /^HTTP_X_DUP=(.*)$/mg;
my @cookie = $reply =~ /^HTTP_COOKIE=(.*)$/mg;
is(scalar @dup, 1, 'one HTTP_X_DUP, though the header and a trailer both gave X-Dup') or diag("@dup");
is($dup[0], 'trailer', "... the trailer's value");
is(scalar @cookie, 1, 'one HTTP_COOKIE') or diag("@cookie");
like($reply, qr/^HTTP_X_ONLY=t$/m, 'a trailer alone is a variable as a header would be');
like($reply, qr/^CONTENT_LENGTH=5$/m, 'the body is 5 bytes');
$h->stop;
