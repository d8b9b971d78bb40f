# A client that stops reading a reply the worker cannot leave with httpd
# (past reply-buffer) holds the worker, and the httpd thread blocked in the
# write to it: until request-timeout, then the reply is cut (PA00311), as
# for any request past it. Before, the write blocked until httpd's Timeout
# (here 300 s), and its end was taken for a client gone: PA00322 and
# killed_client_gone for a worker the manager had killed for request-timeout
# (also counted) long before. But a reply the app has given whole (held
# for the client, reply-buffer=) goes at the client's pace, under Timeout:
# the worker is free, nothing bounds it then.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 11;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
Timeout 300
SendBufferSize 8192
PreforkApp stall "$echo" processes=1 reply-buffer=0 request-timeout=3
<Location /stall>
    SetHandler prefork-app:stall
</Location>
PreforkApp held "$echo" processes=1 request-timeout=3
<Location /held>
    SetHandler prefork-app:held
</Location>
EOF
ok($h->start, 'private httpd: Timeout 300, an app with request-timeout=3') or diag($h->error_log);
ok(wait_for(sub { ($h->pids('stall'))[0] }), 'its worker is up');
my ($pid) = $h->pids('stall');

my $off = PATest::error_log_offset($h->log_file);
my $s = $h->slow_client('/stall?bytes=20000000');
my $log = PATest::wait_for_log(qr/PA00311: stall: [^\n]*\n/, $off, file => $h->log_file, timeout => 60) // '';
like($log, qr/PA00311: stall: worker pid $pid exceeded request-timeout \(3s\)/,
     'the reply to a client that reads nothing ends at request-timeout (PA00311)')
    or diag(PATest::error_log_since($off, $h->log_file));
my ($status, $body) = $h->read_reply($s);
ok($status == 200 && length($body) < 20000000, '... cut: the client has the start of it, then EOF')
    or diag("status $status, " . length($body) . " bytes");
unlike(PATest::error_log_since($off, $h->log_file), qr/PA00322/, 'not taken for a client gone (no PA00322)');
is($h->counter('stall', 'killed_client_gone'), 0, '... nor counted as one');
ok(wait_for(sub { my ($p) = $h->pids('stall'); $p && $p != $pid }), 'the worker is replaced');
is($h->counter('stall', 'killed_timeout'), 1, 'counted once, as killed by request-timeout');

my $served = $h->counter('held', 'accepted');
$s = $h->slow_client('/held?bytes=900000');
ok(wait_for(sub { ($h->counter('held', 'accepted') // 0) > $served && !$h->busy('held') }),
   'a reply held for a client that reads nothing: its worker is free');
sleep 4;                        # past request-timeout, still unread
($status, $body) = $h->read_reply($s);
is("$status " . length($body), '200 900000', '... then read: all of it, past request-timeout');
is($h->counter('held', 'killed_timeout'), 0, '... and no request-timeout counted');
$h->stop;
