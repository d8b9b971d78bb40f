# A temporary file that cannot be written (a full disk: here a file size
# limit, `ulimit -f`, on httpd): a reply held for a slow client
# (reply-spool=) goes on to it whole, its worker waiting on the client as
# without reply-spool (PA00352); a chunked request body that cannot be
# spooled gets 500 (PA00325). Nothing else is lost, nothing crashes.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Basename qw(dirname);
use Digest::MD5 qw(md5_hex);
use IO::Socket::INET ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 11;

my $echo = ($ENV{PA_APPS} || dirname(hello_path())) . '/echo';
# 256 blocks of 512 bytes (sh's unit): 128 KB per file, error_log included.
my $h = PATest::Httpd->new(status => 1, ulimit => '-f 256', conf => <<"EOF");
SendBufferSize 8192
LogLevel warn
PreforkApp sfull "$echo" processes=1 queue-timeout=2 reply-buffer=0 reply-spool=4M
<Location /sfull>
    SetHandler prefork-app:sfull
</Location>
EOF
ok($h->start, 'private httpd started, under ulimit -f') or diag($h->error_log);

my $bytes = 600_000;
my $want = $h->get_host('localhost', "/sfull?bytes=$bytes")->{content};
is(length $want, $bytes, 'a 600 KB reply to a client that reads it at once');

my $s = $h->slow_client("/sfull?bytes=$bytes");
ok(wait_for(sub { $h->error_log =~ /PA00352: sfull: writing a temporary file for the reply to a slow client \(reply-spool\) failed/ }),
   'PA00352: writing the temporary file failed');
my $next = $h->get_host('localhost', '/sfull?whoami=1');
is($next->{status}, 503, 'the worker waits on the slow client, as without reply-spool');
my ($status, $body) = $h->read_reply($s);
is($status, 200, 'the slow client gets 200');
ok(length($body) == $bytes && md5_hex($body) eq md5_hex($want),
   '... and the whole reply, byte for byte, nothing lost')
    or diag('got ' . length($body) . ' bytes');

# A chunked body of 600 KB: spooled to a file, which fails past 128 KB.
my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port,
                              Timeout => 60) or die "connect: $!";
print $c "POST /sfull?echo=body HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
       . "Transfer-Encoding: chunked\r\n\r\n";
for (1 .. 60) {
    printf $c "%x\r\n%s\r\n", 10_000, 'x' x 10_000;
}
print $c "0\r\n\r\n";
my $post = do { local $/; <$c> } // '';
close $c;
like($post, qr{^HTTP/1\.1 500 }, 'a chunked body that cannot be spooled: 500');
like($h->error_log, qr/PA00325: sfull: writing a request body to its temporary file failed after \d+ bytes/,
     'PA00325 says so');
my $after = $h->get_host('localhost', '/sfull?whoami=1');
is($after->{status}, 200, 'the app serves on');
unlike($h->error_log, qr/AH00052|segmentation|exit signal/i, 'no httpd child died');
ok($h->stop, 'stopped');
