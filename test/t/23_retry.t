# A worker that goes away before answering: a GET, PUT or DELETE (done twice,
# as done once) is retried once on another worker and succeeds; a POST may
# have been acted upon, so it gets 502. Nothing hangs, no worker stays busy, and
# a client that leaves mid-response frees its worker too.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use IO::Socket::INET ();
use PATest qw(:all);
use PADispatch qw(:all);

plan tests => 23;

my $logs = Apache::Test::vars('t_logs');
my $app = 'dretry';
my $http = http();
my $base = base_url();

sub st { app_status($app) || { processes => {}, counters => {} } }
sub busy_pid {
    my ($uri_re) = @_;
    for my $w (@{ st()->{workers} || [] }) {
        return $w->{pid} if $w->{state} eq 'busy' && $w->{request}
                            && $w->{request}{uri} =~ $uri_re;
    }
    return undef;
}

ok(wait_for(sub { (st()->{processes}{idle} || 0) == 2 }), 'two workers up');

# ---- the app exits before answering, on the first attempt only -------------------
my $marker = "$logs/dretry_die_get";
unlink $marker;
my $retries = st()->{counters}{retries} || 0;
my $off = error_log_offset();
my $start = $off;
my $res = $http->get("$base/dretry?die=$marker");
is($res->{status}, 200, 'GET: retried on another worker, served');
ok(-e $marker, 'the first worker did die on it');
ok(wait_for(sub { (st()->{counters}{retries} || 0) == $retries + 1 }), 'retry counted');
ok(wait_for_log(qr/PA00308: dretry: worker pid \d+ went away before answering; retrying/, $off),
   'retry logged (debug)');

# PUT and DELETE are idempotent too (RFC 9110): done again, no harm.
$marker = "$logs/dretry_die_put";
unlink $marker;
$res = $http->request('PUT', "$base/dretry?die=$marker", { content => 'x=1' });
ok($res->{status} == 200 && -e $marker, 'PUT: the worker died on it, retried, served')
    or diag(explain($res));
# A body read whole before it is sent (up to 64 KiB, the last byte's
# boundary included) is replayed with it.
for my $n (65535, 65536) {
    $marker = "$logs/dretry_die_put$n";
    unlink $marker;
    $res = $http->request('PUT', "$base/dretry?die=$marker", { content => 'b' x $n });
    ok($res->{status} == 200 && -e $marker && $res->{content} =~ /^body_length=$n$/m,
       "PUT of $n bytes: retried with its whole body, served")
        or diag(explain($res));
}
$marker = "$logs/dretry_die_delete";
unlink $marker;
$res = $http->request('DELETE', "$base/dretry?die=$marker");
ok($res->{status} == 200 && -e $marker, 'DELETE: the worker died on it, retried, served')
    or diag(explain($res));

$marker = "$logs/dretry_die_post";
unlink $marker;
$off = error_log_offset();
$res = $http->post_form("$base/dretry?die=$marker", { a => 1 });
is($res->{status}, 502, 'POST: not replayed, 502');
ok(wait_for_log(qr/PA00309: dretry: worker pid \d+ went away before answering; the request cannot be replayed/, $off),
   '502 logged');

# ---- a worker killed while it works on a request ---------------------------------
# ?wait=FILE: the app answers once FILE exists, so the worker is surely
# still working on the request when it is killed.
ok(wait_for(sub { (st()->{processes}{idle} || 0) == 2 }), 'both workers back');
# A worker shows busy once claimed, before the request is sent to it: the
# kill waits until the app has the request (started=), or the request never
# reached it and is replayed, rightly, whatever its method. (kill= first:
# the status page shows a request's first 127 bytes, and t_logs may be long.)
my $go = "$logs/dretry_go_get";
my $started = "$logs/dretry_started";
unlink $go, $started;
my $job = bg_request('GET', "/dretry?kill=get&wait=$go&started=$started");
my $victim = wait_for(sub { -e $started && busy_pid(qr/kill=get/) });
ok($victim && kill('KILL', $victim), 'killed the worker serving a GET');
ok(wait_for(sub { my $p = busy_pid(qr/kill=get/); $p && $p != $victim }),
   'the GET went to another worker');
open my $fh, '>', $go or die "$go: $!";
close $fh;
$res = bg_result($job);
is($res->{status}, 200, 'the GET was retried and served');

ok(wait_for(sub { (st()->{processes}{idle} || 0) == 2 }), 'both workers back again');
$go = "$logs/dretry_go_post";
unlink $go, $started;
$job = bg_request('POST', "/dretry?kill=post&wait=$go&started=$started",
                  { content => 'x=1', headers => { 'Content-Type' => 'application/x-www-form-urlencoded' } });
$victim = wait_for(sub { -e $started && busy_pid(qr/kill=post/) });
ok($victim && kill('KILL', $victim), 'killed the worker serving a POST');
is(bg_result($job)->{status}, 502, 'the POST got 502');
open $fh, '>', $go or die "$go: $!";
close $fh;

# ---- the client leaves in the middle of the response ------------------------------
ok(wait_for(sub { (st()->{processes}{idle} || 0) == 2 }), 'both workers idle');
my $hold = "$logs/dretry_hold";
unlink $hold;
my $sock = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(), Timeout => 30)
    or die "connect: $!";
print $sock "GET /dretry?slowstream=$hold HTTP/1.1\r\nHost: localhost\r\n\r\n";
my $got = read_until($sock, qr/first/);
like($got, qr/first/, 'the first part of the reply arrived');
close $sock;
open $fh, '>', $hold or die "$hold: $!";
close $fh;
ok(wait_for(sub { (st()->{processes}{busy} // 1) == 0 && (st()->{processes}{idle} || 0) == 2 }),
   'no worker left busy');
is($http->get("$base/dretry?whoami=1")->{status}, 200, 'the app still serves');
# Workers that died on requests above closed their kept connections a moment
# before they could be reaped: not to be taken for an app that closes its
# connections by itself (that would switch dretry to a connection per request).
unlike(error_log_since($start), qr/PA00127: app dretry/,
       'dying workers are not taken for an app that closes its connections');
