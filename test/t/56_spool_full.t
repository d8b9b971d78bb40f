# A temporary file that cannot be written (a full disk: here a file size
# limit, `ulimit -f`, on httpd): a reply held for a slow client
# (reply-spool=) goes on to it whole, its worker waiting on the client as
# without reply-spool (PA00352); a chunked request body that cannot be
# spooled gets 500 (PA00325). Nothing else is lost, nothing crashes.
# Then PreforkAppTempDir: both files go there; once it is removed under a
# running httpd (a tmp cleaner), a chunked body gets 500 (PA00324), a reply
# for a slow client goes on whole without its file (PA00352 "creating").
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Digest::MD5 qw(md5_hex);
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 22;

my $echo = app_path('echo');
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

# The reply just read may have been held a moment, and have failed so too:
# the slow client's own failure is the next one.
my $failed = qr/PA00352: sfull: writing a temporary file for the reply to a slow client \(reply-spool\) failed/;
my $failures = () = $h->error_log =~ /$failed/g;
my $s = $h->slow_client("/sfull?bytes=$bytes");
ok(wait_for(sub { (() = $h->error_log =~ /$failed/g) > $failures }),
   'PA00352: writing the temporary file failed');
my $next = $h->get_host('localhost', '/sfull?whoami=1');
is($next->{status}, 503, 'the worker waits on the slow client, as without reply-spool');
my ($status, $body) = $h->read_reply($s);
is($status, 200, 'the slow client gets 200');
ok(length($body) == $bytes && md5_hex($body) eq md5_hex($want),
   '... and the whole reply, byte for byte, nothing lost')
    or diag('got ' . length($body) . ' bytes');

# A chunked body of 600 KB: spooled to a file, which fails past 128 KB.
like($h->chunked_post('/sfull?echo=body', [('x' x 10_000) x 60]), qr{^HTTP/1\.1 500 },
     'a chunked body that cannot be spooled: 500');
like($h->error_log, qr/PA00325: sfull: writing a request body to its temporary file failed after \d+ bytes/,
     'PA00325 says so');
my $after = $h->get_host('localhost', '/sfull?whoami=1');
is($after->{status}, 200, 'the app serves on');
unlike($h->error_log, qr/AH00052|segmentation|exit signal/i, 'no httpd child died');
ok($h->stop, 'stopped');

# PreforkAppTempDir: where both kinds of temporary file go. One httpd
# process (prefork), so that the slow client below holds the one /proc/PID/fd
# to look at.
my $tmp = File::Temp::tempdir('pa-tmpdir-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $g = PATest::Httpd->new(mpm => 'prefork', conf => <<"EOF");
StartServers 1
MinSpareServers 1
MaxSpareServers 1
ServerLimit 1
MaxRequestWorkers 1
SendBufferSize 8192
PreforkAppTempDir "$tmp"
PreforkApp tgone "$echo" processes=1 reply-buffer=0 reply-spool=4M
<Location /tgone>
    SetHandler prefork-app:tgone
</Location>
EOF
ok($g->start, 'private httpd started, with PreforkAppTempDir') or diag($g->error_log);
# Longer than what is read before the worker is claimed: spooled.
my @chunks = map { chr(ord('a') + $_ % 26) x 10_000 } 0 .. 59;
my $spooled = $g->chunked_post('/tgone?echo=body', \@chunks);
ok($spooled =~ /^HTTP\/1\.1 200 .*?\r\n\r\n(.*)\z/s && $1 eq join('', @chunks),
   'a chunked body of 600 KB, spooled, reaches the app whole')
    or diag(substr($spooled, 0, 300));
# The reply's file, open (and unlinked) while the slow client holds it.
sub spool_fds {
    my @in;
    for my $fd (glob '/proc/[0-9]*/fd/*') {
        my $to = readlink($fd) // next;
        push @in, $to if index($to, "$tmp/pa-reply.") == 0;
    }
    return @in;
}
my $held = $g->slow_client("/tgone?bytes=$bytes");
ok(wait_for(sub { spool_fds() }), "a slow client's reply is held in a file in PreforkAppTempDir");
my ($st, $got) = $g->read_reply($held);
ok($st == 200 && length($got) == $bytes && md5_hex($got) eq md5_hex($want),
   '... and reaches the client whole') or diag("status $st, " . length($got) . ' bytes');

# The directory gone under the running httpd (a tmp cleaner): no other is
# taken in its place.
ok(rmdir($tmp), 'PreforkAppTempDir removed') or diag("rmdir $tmp: $!");
like($g->chunked_post('/tgone?echo=body', \@chunks), qr{^HTTP/1\.1 500 },
     'a chunked body with no temporary file to go to: 500');
like($g->error_log, qr/PA00324: tgone: cannot create a temporary file for a request body read whole \(without a length, or body-spool\)/,
     'PA00324 says so');
# The client reads nothing until the module has found no file to go to.
$held = $g->slow_client("/tgone?bytes=$bytes");
ok(wait_for(sub { $g->error_log =~ /PA00352: tgone: creating a temporary file for the reply to a slow client \(reply-spool\) failed/ }),
   'PA00352: creating the file failed');
($st, $got) = $g->read_reply($held);
ok($st == 200 && length($got) == $bytes && md5_hex($got) eq md5_hex($want),
   'a slow client gets the whole reply without the temporary file')
    or diag("status $st, " . length($got) . ' bytes');
unlike($g->error_log, qr/AH00052|segmentation|exit signal/i, 'no httpd child died');
ok($g->stop, 'stopped') or diag($g->error_log);
