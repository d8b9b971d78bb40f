# A request that hands its worker to a queued request sends that request on
# the worker's kept connection as it does (docs/dispatch.md, Kept
# connections): every reply is still its own request's (query strings,
# bodies, HEAD), also with an app that answers every request with id 1; a
# body too large for the hand-off (4 KB) and SCGI are sent by their own
# request. A forwarded GET whose worker dies is replayed, a POST gets 502.
# A queued client that leaves costs the worker nothing. Counted as
# sent_at_handoff on the status page.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(:all);
use File::Temp ();
use IO::Socket::INET ();

plan tests => 32;

my $apps = app_path();
my $echo = "$apps/echo";
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkApp hq "$echo" processes=1
PreforkApp hqid1 "$apps/bad --keep --id1" processes=1
PreforkApp hqscgi "$echo --scgi" processes=1 protocol=scgi
# Leaves by itself after its third request (PA00134).
PreforkApp hqexit "$apps/bad --keep --exit-after=3" processes=1
<Location /hqexit>
    SetHandler prefork-app:hqexit
</Location>
<Location /hq>
    SetHandler prefork-app:hq
</Location>
<Location /hqid1>
    SetHandler prefork-app:hqid1
</Location>
<Location /hqscgi>
    SetHandler prefork-app:hqscgi
</Location>
EOF
ok($h->start, 'httpd starts') or diag($h->error_log);
ok(wait_for(sub { $h->pids('hq') == 1 && $h->pids('hqid1') == 1 && $h->pids('hqscgi') == 1 }),
   'one worker each');

my $tmp = File::Temp->newdir;
my $n_hold = 0;

# Holds app's only worker (wait=FILE: echo and bad answer once FILE
# exists), queues @reqs ([method, path, body]) one by one, then lets the
# worker go; the results, the holding request's first.
sub queued_behind_hold {
    my ($app, @reqs) = @_;
    my $file = "$tmp/hold" . ++$n_hold;
    my $hold = bg_request('GET', $h->url("/$app?wait=$file"));
    wait_for(sub { $h->busy($app) == 1 }) or return;
    my @jobs;
    for my $r (@reqs) {
        my ($m, $path, $body) = @$r;
        push @jobs, bg_request($m, $h->url($path),
                               defined $body ? { content => $body } : undef);
        # One by one: the queue keeps their order.
        my $want = @jobs;
        wait_for(sub { $h->queued($app) >= $want }) or return;
    }
    open my $fh, '>', $file or die "$file: $!";
    close $fh;
    return (bg_result($hold), map { bg_result($_) } @jobs);
}

# Warm-up: the app is seen to keep its connections (a worker's second
# request is sent at a hand-off only once that is known), and for hqid1 that
# it answers with id 1.
for my $app (qw(hq hqid1 hqscgi)) {
    $h->get("/$app?warm=$_") for 1 .. 3;
}
my $sent0 = $h->counter('hq', 'sent_at_handoff');
is($sent0, 0, 'no request sent at a hand-off yet');

my @reqs = ((map { ['GET', "/hq?n=$_"] } 1 .. 8),
            (map { ['POST', "/hq?echo=body&p=$_", "body-$_-" . ('x' x (100 * $_))] } 1 .. 3),
            ['HEAD', '/hq?n=head'],
            ['POST', '/hq?echo=body&p=big', 'B' x 6000],
            ['GET', '/hq?n=after-big']);
my ($hold, @res) = queued_behind_hold('hq', @reqs);
is($hold && $hold->{status}, 200, 'the holding request is answered');
my @bad;
for my $i (0 .. $#reqs) {
    my ($m, $path, $body) = @{ $reqs[$i] };
    my $res = $res[$i] || { status => 0, content => "none" };
    $res->{content} //= "";
    my $ok = $res->{status} == 200
        && ($m eq 'HEAD' ? $res->{content} eq ''
            : $m eq 'POST' ? $res->{content} eq $body
            : $res->{content} =~ /^QUERY_STRING=\Q${\ substr($path, 4)}\E$/m);
    push @bad, "$m $path: $res->{status} " . substr($res->{content}, 0, 80) unless $ok;
}
is(scalar @bad, 0, 'each of 14 queued requests got its own reply') or diag(join "\n", @bad);
is($h->counter('hq', 'sent_at_handoff') - $sent0, 13,
   'all but the 6 KB POST were sent by the request before');
ok($h->pids('hq') == 1, 'one worker still');
my ($pid) = $h->pids('hq');
is($h->counter('hq', 'exited'), 0, 'no worker left');

# An app that answers every request with id 1.
my ($hold1, @res1) = queued_behind_hold('hqid1', map { ['GET', "/hqid1?mode=ok&n=$_"] } 1 .. 4);
is(join(' ', map { $_ ? "$_->{status}:$_->{content}" : 'none' } @res1),
   join(' ', ("200:ok\n") x 4), 'id 1 app: four queued requests answered');
is($h->counter('hqid1', 'sent_at_handoff'), 4, 'id 1 app: all four sent at the hand-off');
is($h->counter('hqid1', 'http_502'), 0, 'id 1 app: no 502');

# SCGI: each request sends its own.
my ($holds, @ress) = queued_behind_hold('hqscgi', map { ['GET', "/hqscgi?n=$_"] } 1 .. 3);
is(join(' ', map { $_ ? $_->{status} : 0 } @ress), '200 200 200', 'SCGI: queued requests answered');
is($h->counter('hqscgi', 'sent_at_handoff'), 0, 'SCGI: none sent at a hand-off');

# A forwarded GET whose worker dies before answering is replayed on its
# replacement; a forwarded POST is not (502).
my $sent1 = $h->counter('hq', 'sent_at_handoff');
# (Each behind a hold of its own: a request after a worker that died is
# handed the replacement by the manager, which sends nothing.)
my (undef, $get) = queued_behind_hold('hq', ['GET', "/hq?die=$tmp/die-get&n=g"]);
my (undef, $post) = queued_behind_hold('hq', ['POST', "/hq?die=$tmp/die-post&echo=body",
                                              'post-body']);
is($get && $get->{status}, 200, 'forwarded GET, its worker died: replayed, 200');
like($get && $get->{content}, qr/^QUERY_STRING=die=.*&n=g$/m, '... with its own reply');
is($post && $post->{status}, 502, 'forwarded POST, its worker died: 502');
is($h->counter('hq', 'sent_at_handoff') - $sent1, 2, 'both were sent at the hand-off');
ok(wait_for(sub { $h->pids('hq') == 1 && !$h->busy('hq') }), 'a fresh worker is up');
my $pid2 = ($h->pids('hq'))[0];
isnt($pid2, $pid, 'the worker was replaced');

# Once a worker has left by itself (PA00134), a request sent at once could
# reach the next one on its way out: only those that can be replayed are
# sent at the hand-off. The second worker's first request holds it; a POST
# and a GET queue behind it (its second and third: it leaves after that).
$h->get("/hqexit?warm=$_") for 1 .. 3;
ok(wait_for_log(qr/PA00134: app hqexit: worker pid \d+ exited by itself after answering (?:3|2 or 3|2) requests/,
                0, file => $h->log_file), 'the first worker left by itself: PA00134');
ok(wait_for(sub { $h->pids('hqexit') == 1 && !$h->busy('hqexit') }), 'its replacement is up');
my (undef, $xpost, $xget) = queued_behind_hold('hqexit', ['POST', '/hqexit?n=p', 'body'],
                                               ['GET', '/hqexit?n=g']);
is(join(' ', map { $_ ? $_->{status} : 0 } $xpost, $xget), '200 200', 'both answered');
is($h->counter('hqexit', 'sent_at_handoff'), 1, 'the GET was sent at the hand-off, the POST was not');

# A queued client that leaves: its request, if sent at the hand-off, is
# read to its end; if the queue saw it leave first (it looks every 500 ms),
# it is not sent. Either way the worker stays and the next reply is right.
my $exited = $h->counter('hq', 'exited');
my $mark = -s $h->log_file;
my $sent2 = $h->counter('hq', 'sent_at_handoff');
my $left2 = $h->counter('hq', 'abandoned_in_queue');
my $file = "$tmp/hold-gone";
my $hold3 = bg_request('GET', $h->url("/hq?wait=$file"));
ok(wait_for(sub { $h->busy('hq') == 1 }), 'worker held');
my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port, Timeout => 10)
    or die "connect: $!";
print $c "GET /hq?n=leaves&bytes=2000 HTTP/1.1\r\nHost: localhost\r\n\r\n";
ok(wait_for(sub { $h->queued('hq') == 1 }), 'a request queued');
close $c;
open my $fh, '>', $file or die "$file: $!";
close $fh;
is(bg_result($hold3)->{status}, 200, 'the holding request is answered');
ok(wait_for(sub { !$h->busy('hq') }), 'the worker is idle again');
is(($h->counter('hq', 'sent_at_handoff') - $sent2) + ($h->counter('hq', 'abandoned_in_queue') - $left2),
   1, 'the gone client\'s request was sent at the hand-off, or left the queue')
    or diag(join '', grep { /\bhq\b/ && /PA00(?:1[0-3]\d|3[0-5]\d)/ }
                      split /^/m, error_log_since($mark, $h->log_file));
my $next = $h->get('/hq?n=next');
ok($next->{status} == 200 && $next->{content} =~ /^QUERY_STRING=n=next$/m,
   'the next request gets its own reply');
is(join(' ', $h->counter('hq', 'exited') - $exited, ($h->pids('hq'))[0]), "0 $pid2",
   'the same worker serves it: nothing was killed');
# (A worker replaced under a request sent at its hand-off once made hq pass
# for such an app: t/68.)
unlike($h->error_log, qr/PA00127/, 'no app was taken for one that closes its connections');
ok($h->stop, 'stopped');
