# slowlog=N: a request that takes N seconds or more gets one log line (app,
# method and path without the query string, total time, the part of it spent
# waiting for a worker, the worker's pid, the status) and is counted on the
# status page; a quick one gets neither. One still running past N seconds
# is logged while it runs too (PA00137), once, with its worker's pid. A slow
# upload the client gives up on is logged too, though no worker saw it.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use IO::Socket::INET ();
use PATest qw(:all);
use PADispatch qw(:all);

plan tests => 31;

my $app = 'dslowlog';
my $logs = Apache::Test::vars('t_logs');
my $line = qr/PA00321: dslowlog: slow request (\S+) (\S+): (\d+\.\d{3}) s, of which (\d+\.\d{3}) s waiting for a worker; worker pid (\d+), status (\d+) \(slowlog=1\)/;

ok(wait_for(sub { (app_status($app) || {})->{processes}{idle} }), 'the worker is up');
is((app_status($app) || {})->{pool}{slowlog}, 1, 'status: pool.slowlog');
my $before = counter($app, 'slow_requests');
ok(defined $before, 'status: a slow_requests counter');

# ---- quick requests: nothing --------------------------------------------------
my $off = error_log_offset();
is(join(' ', map { http()->get(base_url() . "/$app?whoami=1")->{status} } 1 .. 5),
   '200 200 200 200 200', 'five quick requests');
is(counter($app, 'slow_requests'), $before, 'quick requests are not counted as slow');

# ---- a slow one: one line ---------------------------------------------------------
my ($pid) = (app_status($app)->{workers}[0] || {})->{pid};
my $res = http()->get(base_url() . "/$app?sleep=1.3&secret=xyzzy");
is($res->{status}, 200, 'a request the app takes 1.3 s over');
my $text = wait_for_log($line, $off);
my @lines = ($text || '') =~ /(PA00321: [^\n]*)/g;
is(scalar @lines, 1, 'one slowlog line, for the slow request only') or diag(join "\n", @lines);
my ($method, $path, $took, $waited, $wpid, $status) = ($lines[0] || '') =~ $line;
is("$method $path $status", "GET /$app 200", 'the line names the request and its status');
ok($took >= 1.3 && $waited < $took, "it took $took s, of which $waited s waiting");
is($wpid, $pid, 'the worker that served it');
unlike($lines[0] || '', qr/xyzzy|sleep/, 'the query string is left out');
ok(wait_for(sub { counter($app, 'slow_requests') == $before + 1 }), 'counted once');

# ---- time in the queue counts, and is shown apart ----------------------------------
my $hold = "$logs/dslowlog_hold";
unlink $hold;
my $ja = bg_request('GET', "/$app?slowstream=$hold");
ok(wait_for(sub { (app_status($app) || {})->{processes}{busy} == 1 }), 'the worker is held');
$off = error_log_offset();
my $jb = bg_request('GET', "/$app?whoami=1");
wait_for(sub { (app_status($app) || {})->{queue}{length} == 1 });
select undef, undef, undef, 1.5;
open my $fh, '>', $hold or die "$hold: $!";
close $fh;
bg_result($_) for $ja, $jb;
# Two lines: the holding request (hardly any wait) and the queued one.
$text = wait_for_log(qr/PA00321(?s:.*)PA00321/, $off) || '';
my @waited = map { ($_ =~ $line)[3] } $text =~ /(PA00321: [^\n]*)/g;
ok((grep { defined && $_ >= 1.5 } @waited),
   'the queued request: its 1.5 s or more in the queue shown as waiting')
    or diag($text);

# ---- a request that gives up in the queue: all its time was waiting ------------
unlink $hold;
$ja = bg_request('GET', "/$app?slowstream=$hold");
ok(wait_for(sub { (app_status($app) || {})->{processes}{busy} == 1 }), 'the worker is held again');
$off = error_log_offset();
is(http()->get(base_url() . "/$app?whoami=1")->{status}, 503, 'queue-timeout=3: 503');
open $fh, '>', $hold or die "$hold: $!";
close $fh;
bg_result($ja);
$text = wait_for_log(qr/PA00321: [^\n]*status 503/, $off) || '';
my ($all, $queued) = $text =~ /PA00321: dslowlog: slow request GET \/dslowlog: (\d+\.\d{3}) s, of which (\d+\.\d{3}) s waiting for a worker; no worker, status 503/;
ok($all && $queued >= 2.9 && $queued <= $all,
   'the 503\'s line: its time in the queue shown as waiting') or diag($text);
unlink $hold;

# ---- a slow upload the client abandons: no worker, still logged ------------------
$off = error_log_offset();
$before = counter($app, 'slow_requests');
my $sock = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(), Timeout => 30)
    or die "connect: $!";
print $sock "POST /$app?secret=xyzzy HTTP/1.1\r\nHost: localhost\r\n"
          . "Content-Length: 100000\r\n\r\n0123456789";
select undef, undef, undef, 1.5;
close $sock;
$text = wait_for_log(qr/PA00321: [^\n]*POST/, $off) || '';
like($text, qr/PA00321: dslowlog: slow request POST \/dslowlog: \d+\.\d{3} s, of which 0\.000 s waiting for a worker; no worker, status 400 \(slowlog=1\)/,
     'an upload cut after 1.5 s: its slowlog line, no worker, 400') or diag($text);
ok(wait_for(sub { counter($app, 'slow_requests') == $before + 1 }), '... and counted');

# ---- still running past slowlog=: a line while it runs -----------------------
$off = error_log_offset();
$ja = bg_request('GET', "/$app?slowstream=$hold&secret=xyzzy");
my $running = qr/PA00137: app dslowlog slot 0 pid (\d+): request "([^"]*)" still running after (\d+) s on this worker \(slowlog=1\)/;
$text = wait_for_log($running, $off) || '';
my ($rpid, $what, $secs) = $text =~ $running;
ok($what eq 'GET /dslowlog' && $secs >= 1, 'a line while the request runs: the request, its time so far') or diag($text);
is($rpid, (app_status($app)->{workers}[0] || {})->{pid}, '... and the worker serving it');
is((app_status($app) || {})->{processes}{busy}, 1, 'the request still runs');
open $fh, '>', $hold or die "$hold: $!";
close $fh;
bg_result($ja);
$text = wait_for_log(qr/PA00321: [^\n]*\(slowlog=1\)/, $off) || '';
my @running = $text =~ /(PA00137: [^\n]*)/g;
is(scalar @running, 1, 'once per request, then the line at its end');
unlike(join("\n", @running), qr/xyzzy|slowstream/, 'the query string is left out');
unlink $hold;

# ---- ... saying what the worker is doing: waiting for its database ----------------
# The app connects to a "database" (a socket here) that does not answer.
my $db = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0, ReuseAddr => 1)
    or die "listen: $!";
my $dbport = $db->sockport;
$off = error_log_offset();
$ja = bg_request('GET', "/$app?connect=$dbport");
my $conn = $db->accept;
$text = wait_for_log(qr/PA00137: [^\n]*\n/, $off) || '';
like($text, qr/PA00137: app dslowlog slot 0 pid \d+: request "GET \/dslowlog" still running after \d+ s on this worker \(slowlog=1\), waiting in (?:read|recvfrom)\(\) on fd \d+ \(TCP 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:$dbport\)\n/,
     'PA00137 says the worker waits reading its connection to 127.0.0.1:' . $dbport) or diag($text);
# The status page shows it too, while the request runs.
my $seen = wait_for(sub {
    my ($w) = grep { $_->{request} } @{ (app_status($app) || {})->{workers} || [] };
    $w && $w->{request}{doing} ? $w->{request}{doing} : undef;
}, timeout => 30) // '';
like($seen, qr/^waiting in (?:read|recvfrom)\(\) on fd \d+ \(TCP 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:$dbport\)$/,
     'status JSON: the busy worker\'s request.doing says the same');
my $html = http()->get(base_url() . '/app-status')->{content} // '';
like($html, qr{GET /dslowlog\?connect=$dbport<br><small>waiting in (?:read|recvfrom)\(\) on fd \d+ \(TCP 127\.0\.0\.1:\d+ -&gt; 127\.0\.0\.1:$dbport\)</small>},
     '... and the HTML page, under the request') or diag($html =~ m{(<tr><td>\d+</td><td>\d+</td><td>busy.*)});
close $conn if $conn;
is(bg_result($ja)->{status}, 200, 'answered once the "database" hangs up');
my ($idle) = @{ (app_status($app) || {})->{workers} || [] };
# Its one worker must be listed: a page with none shows no request either.
ok($idle && !defined $idle->{request}, 'and once it is over, no request (nor doing) shown')
    or diag(explain($idle));
close $db;

# ---- a slow upload: the worker waits on httpd's connection for the rest ---------
{
    my $up = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(), Timeout => 30)
        or die "connect: $!";
    print $up "POST /$app HTTP/1.1\r\nHost: localhost\r\nContent-Length: 300000\r\n\r\n",
              'x' x 100000;
    my $doing = wait_for(sub {
        my ($w) = grep { $_->{request} } @{ (app_status($app) || {})->{workers} || [] };
        $w && ($w->{request}{doing} // '') =~ /httpd's connection/ ? $w->{request}{doing} : undef;
    }, timeout => 30) // '';
    like($doing, qr/^waiting in (?:read|recvfrom|p?poll)\(\) on fd \d+ \(httpd's connection\)$/,
         "a slow upload: the worker is shown $doing");
    close $up;
    ok(wait_for(sub { ((app_status($app) || {})->{processes} || {})->{idle} }, timeout => 30),
       'the pool is back once the client is gone');
}
