# A reply whose header block comes before its body, with a pause between
# (an event stream, a long poll, PHP's header(); flush(); sleep()): the
# client gets the status line and headers while the app still works, not
# at the body's first byte. Each app here waits for a file this test makes
# only once the headers have come (or the wait ran out: then they had not).
# A reply that comes whole still gets its Content-Length. Without the early headers, this
# test's header reads run out (each waits 20 s) and fail.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 11;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(conf => <<"EOF2");
PreforkApp early "$echo" processes=2
<Location /early>
    SetHandler prefork-app:early
</Location>
EOF2
ok($h->start, 'private httpd') or diag($h->error_log);

my $gate = $h->dir . '/early_gate';
unlink $gate;
my $s = $h->send_raw('GET', "/early?headwait=$gate&header=X-Early:yes");
my $got = read_until($s, qr/\r\n\r\n/, timeout => 20);
open_gate($gate);
like($got, qr{\AHTTP/1\.1 200 OK\r\n.*X-Early: yes\r\n}s,
     'GET: the status line and headers come while the app still waits')
    or diag($got);
like($got, qr{Transfer-Encoding: chunked\r\n}, '... chunked (the length is not known yet)');
my $rest = read_all($s);
like($got . $rest, qr{\r\n\r\n[0-9a-f]+\r\npid=\d+ served=\d+ conn=\d+\n\r\n0\r\n\r\n\z},
     '... then the body, and the reply ends');
close $s;

# A POST's body is sent to the app first (its headers must not go before
# httpd knows the body came whole: a short one is answered with 400).
unlink $gate;
my $body = 'b' x 5000;
$s = $h->send_raw('POST', "/early?headwait=$gate", $body);
$got = read_until($s, qr/\r\n\r\n/, timeout => 20);
open_gate($gate);
like($got, qr{\AHTTP/1\.1 200 OK\r\n}, 'POST: the headers come while the app still waits')
    or diag($got);
$rest = read_all($s);
like($rest, qr{pid=\d+}, '... then the body');
close $s;

# HTTP/1.0: no chunks; the body's end is the connection's.
unlink $gate;
$s = $h->send_request("/early?headwait=$gate");
$got = read_until($s, qr/\r\n\r\n/, timeout => 20);
open_gate($gate);
like($got, qr{\AHTTP/1\.1 200 OK\r\n}, 'HTTP/1.0: the headers come while the app waits')
    or diag($got);
unlike($got, qr{Content-Length|Transfer-Encoding}, '... with no length, no chunks');
$rest = read_all($s);
like($rest, qr{\Apid=\d+ served=\d+ conn=\d+\n\z}, '... then the body, to the close');
close $s;

# A reply that comes whole keeps its Content-Length.
$s = $h->send_request('/early?bytes=5000');
my $whole = read_all($s);
close $s;
my ($cl) = $whole =~ /\r\nContent-Length: (\d+)\r\n/;
my ($wbody) = $whole =~ /\r\n\r\n(.*)\z/s;
is(($cl // 'none') . ' ' . length($wbody // ''), '5000 5000',
   'a reply that comes whole: Content-Length as before');

ok($h->stop, 'stopped');
