# An app found to close its kept connections (PA00127) while another of its
# workers is busy on one: that worker, once its request is over, must not
# be handed to a queued request that connects anew (the worker still reads
# its kept connection: the new one would wait in its listen queue until
# request-timeout, then 504 and the worker killed). The manager hangs the
# kept connection up first; the queued request is answered, the worker
# stays. And a request sent at the hand-off just before the switch (its
# httpd child stopped until after it) still gets its reply, from the kept
# connection the manager still holds.
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
# bad --keep keeps its connection after a correct reply; mode=nothing
# closes it without a byte (a live worker that closed: the app is taken
# for one that closes them).
# prefork: a request's httpd child can be stopped alone.
my $h = PATest::Httpd->new(status => 1, mpm => 'prefork', conf => <<"EOF2");
PreforkApp ko "$apps/bad --keep" processes=2 request-timeout=20
PreforkApp kf "$apps/bad --keep" processes=2 request-timeout=20 start-delay=0
<Location /ko>
    SetHandler prefork-app:ko
</Location>
<Location /kf>
    SetHandler prefork-app:kf
</Location>
EOF2
ok($h->start, 'httpd starts') or diag($h->error_log);
ok(wait_for(sub { $h->pids('ko') == 2 && $h->pids('kf') == 2 }), 'two workers each');

# Warm-up: a worker's second request shows that the app keeps them.
for my $app (qw(ko kf)) {
    my @warm = map { bg_request('GET', $h->url("/$app?warm=$_")) } 1 .. 4;
    bg_result($_) for @warm;
    $h->get("/$app?warm=$_") for 5 .. 6;
}

my $tmp = File::Temp->newdir;
sub touch { open my $fh, '>', $_[0] or die "$_[0]: $!"; close $fh }
# Both workers held: A answers once a exists, B closes without a byte once
# b exists (a POST: not replayed). Three requests queue: two that hold
# whatever worker they get until c exists, then the one that matters.
my $hold_a = bg_request('GET', $h->url("/ko?wait=$tmp/a&n=a"));
ok(wait_for(sub { $h->busy('ko') == 1 }), 'worker A held');
my $hold_b = bg_request('POST', $h->url("/ko?wait=$tmp/b&mode=nothing"), { content => 'x' });
ok(wait_for(sub { $h->busy('ko') == 2 }), 'worker B held');
my @q;
for my $i (1 .. 3) {
    push @q, bg_request('GET', $h->url($i < 3 ? "/ko?wait=$tmp/c&n=q$i" : '/ko?n=q3'));
    wait_for(sub { $h->queued('ko') == $i });
}
ok($h->queued('ko') == 3, 'three requests queued');

# B closes: the app is found to close its connections. B (and the
# replacement the manager may start meanwhile) take queued requests on
# connections of their own; they hold them.
my $mark = -s $h->log_file;
touch("$tmp/b");
is(bg_result($hold_b)->{status}, 502, 'B closed without a reply: 502');
ok(wait_for_log(qr/PA00127: app ko closes its FastCGI connection/, $mark, file => $h->log_file),
   'the app is taken for one that closes its connections (PA00127)');
wait_for(sub { $h->queued('ko') <= 1 });

# A's request ends on its kept connection, with a request queued.
touch("$tmp/a");
is(bg_result($hold_a)->{status}, 200, 'A answers its request');
touch("$tmp/c");
my @st = map { bg_result($_) } @q;
is(join(' ', map { "$_->{status}:" . ($_->{content} // '') } @st), join(' ', ("200:ok\n") x 3),
   'the queued requests are answered') or diag($h->error_log);
is($h->counter('ko', 'killed_timeout') // -1, 0, 'no worker reached request-timeout');

# kf: fresh workers, to which no httpd child holds a connection yet (the
# stopped one must ask the manager for it).
my @old = $h->pids('kf');
kill 'KILL', @old;
ok(wait_for(sub {
    my %was = map { $_ => 1 } @old;
    my @now = $h->pids('kf');
    @now == 2 && !grep { $was{$_} } @now;
}), 'kf: two fresh workers');
# kf: worker A, held, takes a queued request sent at its hand-off and
# answers it while that request's httpd child is stopped; then B closes,
# and the app is found to close its connections; then the child goes on.
$hold_a = bg_request('GET', $h->url("/kf?wait=$tmp/fa&n=a"));
ok(wait_for(sub { $h->busy('kf') == 1 }), 'kf: worker A held');
my $pid_a = do {
    my ($w) = grep { $_->{state} eq 'busy' } @{ $h->app('kf')->{workers} };
    $w && $w->{pid};
};
$hold_b = bg_request('POST', $h->url("/kf?wait=$tmp/fb&mode=nothing"), { content => 'x' });
ok(wait_for(sub { $h->busy('kf') == 2 }), 'kf: worker B held');
my $c = $h->send_raw('GET', '/kf?n=w');
ok(wait_for(sub { $h->queued('kf') == 1 }), 'kf: a request queued');
my $child = conn_owner($h->port, $c);
ok($child, "kf: its httpd child found");
kill 'STOP', $child if $child;
my $sent = $h->counter('kf', 'sent_at_handoff');
touch("$tmp/fa");
is(bg_result($hold_a)->{status}, 200, 'kf: A answers its request');
ok(wait_for(sub { $h->counter('kf', 'sent_at_handoff') == $sent + 1 }),
   'kf: ... and its release sent the queued one to A');
$mark = -s $h->log_file;
touch("$tmp/fb");
is(bg_result($hold_b)->{status}, 502, 'kf: B closed without a reply: 502');
ok(wait_for_log(qr/PA00127: app kf closes/, $mark, file => $h->log_file), 'kf: PA00127');
kill 'CONT', $child if $child;
is(join(' ', $h->read_reply($c)), "200 ok\n", "kf: the sent request gets A's reply");
unlike(error_log_since($mark, $h->log_file), qr/PA00354/, 'kf: its kept connection was had (no PA00354)');
ok(wait_for(sub { !$h->busy('kf') }) && (grep { $_ == $pid_a } $h->pids('kf')),
   'kf: A stays');
ok($h->stop, 'stopped');
