# A queued request sent at the hand-off (t/67) whose worker goes before the
# request's own httpd child wakes up, and which the manager replaces in
# place (the slot is the request's): the request is not on the fresh
# worker's connection, and is not waited for there. A GET is replayed on
# the fresh worker, a POST gets 502; the fresh worker stays, and the app is
# not taken for one that closes its connections (PA00127). The child is
# stopped (SIGSTOP) from the hand-off until the fresh worker is up: on a
# busy machine it may simply not be scheduled that long.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(:all);
use File::Temp ();

plan tests => 23;

my $apps = app_path();
# prefork: the holding request and the queued one are in two processes.
my $h = PATest::Httpd->new(status => 1, mpm => 'prefork', conf => <<"EOF");
PreforkApp hr "$apps/echo" processes=1
# Leaves by itself after its second request (PA00134).
PreforkApp hx "$apps/bad --keep --exit-after=2" processes=1 request-timeout=20
<Location /hr>
    SetHandler prefork-app:hr
</Location>
<Location /hx>
    SetHandler prefork-app:hx
</Location>
EOF
ok($h->start, 'httpd starts') or diag($h->error_log);
ok(wait_for(sub { $h->pids('hr') == 1 && $h->pids('hx') == 1 }), 'one worker each');

my $tmp = File::Temp->newdir;
my $n = 0;

# Holds app's only worker, queues one raw request behind it, stops the
# httpd child that holds that request, lets the worker go (its release
# sends the queued request), waits for the manager to put a fresh worker
# in place of the one that took the request, and lets the child go on.
# Returns the holding request's result, the queued one's status line and
# body, and the fresh worker's pid.
sub stopped_waiter {
    my ($app, $method, $path, $body) = @_;
    my $file = "$tmp/hold" . ++$n;
    my $hold = bg_request('GET', $h->url("/$app?wait=$file"));
    wait_for(sub { $h->busy($app) == 1 }) or return;
    my $c = $h->send_raw($method, $path, $body);
    wait_for(sub { $h->queued($app) == 1 }) or return;
    my $child = conn_owner($h->port, $c) or return;
    my $mark = -s $h->log_file;
    kill 'STOP', $child;
    open my $fh, '>', $file or die "$file: $!";
    close $fh;
    my $log = wait_for_log(qr/PA00108: app \Q$app\E slot 0: started worker pid (\d+) \(in place/,
                           $mark, file => $h->log_file);
    kill 'CONT', $child;
    my ($fresh) = ($log // '') =~ /started worker pid (\d+) \(in place/;
    return (bg_result($hold), $h->read_reply($c), $fresh);
}

# Warm-up: the app is seen to keep its connections (needed for a worker's
# second request to be sent at a hand-off).
$h->get("/hr?warm=$_") for 1 .. 3;
my $sent = $h->counter('hr', 'sent_at_handoff');
my $exited = $h->counter('hr', 'exited');

my ($hold, $status, $content, $fresh) = stopped_waiter('hr', 'GET', "/hr?die=$tmp/die-get&n=g");
is($hold && $hold->{status}, 200, 'GET: the holding request is answered');
ok($fresh, 'GET: its worker took the sent request and died; a fresh one came in place')
    or diag($h->error_log);
is($status, 200, 'GET: replayed on the fresh worker, 200');
like($content, qr/^QUERY_STRING=die=.*&n=g$/m, '... with its own reply');
is($h->counter('hr', 'sent_at_handoff') - $sent, 1, 'GET: it was sent at the hand-off');
ok(wait_for(sub { !$h->busy('hr') }), 'GET: the worker is idle again');
is(join(' ', $h->pids('hr')), $fresh // '', 'GET: the fresh worker stays');

my $post;
($hold, $status, $content, $post) = stopped_waiter('hr', 'POST', "/hr?die=$tmp/die-post&echo=body",
                                                  'post-body');
ok($post, 'POST: its worker took it and died; a fresh one came in place');
is($status, 502, 'POST: 502 (the worker may have acted on it)');
ok(wait_for(sub { !$h->busy('hr') }), 'POST: the worker is idle again');
is(join(' ', $h->pids('hr')), $post // '', 'POST: the fresh worker stays');
is($h->counter('hr', 'exited') - $exited, 2, 'two workers went: the two that died');
# Nobody connected to the fresh worker for the POST that gave up on it:
# libfcgi drops a connection on which nothing comes within 2 s, which the
# next request would find closed (as of an app that closes them).
sleep 3;
my $after = $h->get('/hr?n=after');
ok($after->{status} == 200 && $after->{content} =~ /^QUERY_STRING=n=after$/m,
   'POST: 3 s later, the fresh worker answers the next request');

# A worker that answers the sent request and leaves by itself (its last
# request), before the request's child wakes up: its reply went with it.
# hx's first worker leaves after two warm-up requests (PA00134): from then
# on only GETs (which can be replayed) are sent at the hand-off.
$h->get("/hx?warm=$_") for 1 .. 2;
ok(wait_for(sub { $h->pids('hx') == 1 && !$h->busy('hx') && $h->counter('hx', 'exited') == 1 }),
   'hx: its first worker left by itself, a fresh one is up');
my $xsent = $h->counter('hx', 'sent_at_handoff');
my $xfresh;
($hold, $status, $content, $xfresh) = stopped_waiter('hx', 'GET', '/hx?n=x');
ok($xfresh, 'hx: the worker answered the sent GET and left; a fresh one came in place');
is($status, 200, 'hx: the GET is replayed on the fresh worker, 200');
is($h->counter('hx', 'sent_at_handoff') - $xsent, 1, 'hx: it was sent at the hand-off');

# Neither was taken for an app that closes its kept connections: a queued
# request is still sent at the hand-off.
unlike($h->error_log, qr/PA00127/, 'no "app closes its FastCGI connection" (PA00127)');
$sent = $h->counter('hr', 'sent_at_handoff');
my $file = "$tmp/hold-last";
my $hold2 = bg_request('GET', $h->url("/hr?wait=$file"));
wait_for(sub { $h->busy('hr') == 1 });
my $next = bg_request('GET', $h->url('/hr?n=next'));
wait_for(sub { $h->queued('hr') == 1 });
open my $fh, '>', $file or die "$file: $!";
close $fh;
bg_result($hold2);
like(bg_result($next)->{content} // '', qr/^QUERY_STRING=n=next$/m, 'a later queued request gets its own reply');
is($h->counter('hr', 'sent_at_handoff') - $sent, 1, '... sent at the hand-off');
ok($h->stop, 'stopped');
