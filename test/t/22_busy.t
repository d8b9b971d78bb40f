# Busy pool: with one worker, concurrent requests wait for it in a FIFO
# queue and are all served, in order, with no 503 while they wait less than
# queue-timeout; past it the client gets 503 with Retry-After.
# The worker is held busy by ?slowstream=FILE (the app waits for FILE).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(:all);

plan tests => 23;

my $logs = Apache::Test::vars('t_logs');
my $app = 'dbusy';

ok(wait_for(sub { (app_status($app) || {})->{processes}{idle} }), 'the worker is up');

# ---- in order, no 503 ----------------------------------------------------------
my $hold = "$logs/dbusy_hold1";
unlink $hold;
my $ja = bg_request('GET', "/dbusy?slowstream=$hold");
ok(wait_for(sub { app_busy($app) == 1 }), 'first request holds the only worker');
my $jb = bg_request('GET', '/dbusy?whoami=1');
ok(wait_for(sub { app_queued($app) == 1 }), 'second request waits');
my $jc = bg_request('GET', '/dbusy?whoami=1');
ok(wait_for(sub { app_queued($app) == 2 }), 'third request waits behind it');
open my $fh, '>', $hold or die "$hold: $!";
close $fh;
my ($ra, $rb, $rc) = map { bg_result($_) } $ja, $jb, $jc;
is(join(' ', map { $_->{status} } $ra, $rb, $rc), '200 200 200', 'all three served');
my ($pb, $nb) = $rb->{content} =~ /pid=(\d+) served=(\d+)/;
my ($pc, $nc) = $rc->{content} =~ /pid=(\d+) served=(\d+)/;
is($pb, $pc, 'by the same worker');
is($nc, $nb + 1, 'in the order they came (FIFO)')
    or diag("second: $rb->{content} third: $rc->{content}");
is($ra->{content}, "first\nsecond\n", 'the held request got its whole reply');

# ---- past queue-timeout: 503 (dbusy2: queue-timeout=2) ---------------------------
$app = 'dbusy2';
ok(wait_for(sub { (app_status($app) || {})->{processes}{idle} }), 'dbusy2 is up');
my $before = counter($app, 'http_503') || 0;
$hold = "$logs/dbusy_hold2";
unlink $hold;
$ja = bg_request('GET', "/dbusy2?slowstream=$hold");
ok(wait_for(sub { app_busy($app) == 1 }), 'its only worker is held');
my $res = http()->get(base_url() . '/dbusy2?whoami=1');
is($res->{status}, 503, 'waiting longer than queue-timeout: 503');
is($res->{headers}{'retry-after'}, '2', 'with Retry-After: queue-timeout');
open $fh, '>', $hold or die "$hold: $!";
close $fh;
is(bg_result($ja)->{status}, 200, 'the holding request still completes');
ok(wait_for(sub { (counter($app, 'http_503') || 0) == $before + 1 }),
   'the 503 is counted');

# ---- queue-limit=1: one request waits, the next is sent away at once -------------
$app = 'dqlimit';
ok(wait_for(sub { (app_status($app) || {})->{processes}{idle} }), 'dqlimit is up');
my $st = app_status($app) || {};
is("$st->{pool}{queue_limit} $st->{queue}{capacity}", '1 1',
   'JSON: queue_limit 1, and the queue has room for 1');
$hold = "$logs/dqlimit_hold";
unlink $hold;
my $off = error_log_offset();
$ja = bg_request('GET', "/dqlimit?slowstream=$hold");
ok(wait_for(sub { app_busy($app) == 1 }), 'its only worker is held');
$jb = bg_request('GET', '/dqlimit?whoami=1');
ok(wait_for(sub { app_queued($app) == 1 }), 'one request waits');
$res = http()->get(base_url() . '/dqlimit?whoami=2');
is("$res->{status} $res->{headers}{'retry-after'}", '503 60',
   'the next one: 503 with Retry-After, not a wait of queue-timeout 60 s');
is(app_queued($app), 1, 'while the first still waits');
my ($line) = (wait_for_log(qr/PA00304: dqlimit: no worker can come: queue-limit requests wait already/, $off) // '')
    =~ /^([^\n]*PA00304: dqlimit[^\n]*)/m;
ok($line, 'PA00304 says why');
unlike($line // '', qr/\(\d+\)[^\[]*\[client/, '... with no system error before it (there is none)');
open $fh, '>', $hold or die "$hold: $!";
close $fh;
bg_result($ja);
is(bg_result($jb)->{status}, 200, 'the waiting request is served');
unlink $hold;
