# A fresh worker that dies under its first request is a crash loop (the app
# backs off) only if no other worker of the app has answered a request
# since it started, and the request was not replayed after another worker
# went away under it (that death is the request's second). If one has, or
# it was, the app starts and serves: that request is the trouble, and the
# worker is replaced at once, with no backoff and no 503s for the app's
# other pages. Answers from workers that run the code from before a
# touch-reload do not count. A deploy that crashes every page, however it
# reached the workers, still backs off rather than forking per request. A
# private httpd (start-delay=30, so that every worker here is young enough
# to count).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(bg_request bg_result);
use PALoad;
use HTTP::Tiny ();

plan tests => 33;

my $echo = app_path('echo');
# A deploy that can go bad: while $tmp/broken exists, new workers start but
# die under every request.
my $tmp = test_dir('pa-cr');
write_file("$tmp/deploy", "#!/bin/sh\n[ -e '$tmp/broken' ] && exec '$echo' --crash\nexec '$echo'\n", 0755);
write_file("$tmp/deploy2", "#!/bin/sh\n[ -e '$tmp/broken2' ] && exec '$echo' --crash\nexec '$echo'\n", 0755);
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
PreforkApp two "$echo" processes=2 start-delay=30
PreforkApp pool "$echo" processes=2 start-delay=30
PreforkApp inplace "$tmp/deploy2" processes=2 start-delay=30
<Location /inplace>
    SetHandler prefork-app:inplace
</Location>
<Location /pool>
    SetHandler prefork-app:pool
</Location>
PreforkApp one "$echo --crash" processes=1 start-delay=30
PreforkApp roll "$tmp/deploy" processes=2 start-delay=30 touch-reload=$tmp/reload
<Location /roll>
    SetHandler prefork-app:roll
</Location>
<Location /two>
    SetHandler prefork-app:two
</Location>
<Location /one>
    SetHandler prefork-app:one
</Location>
EOF2
ok($h->start, 'private httpd started') or diag($h->error_log);

# The worker in each slot, once every slot's worker is idle.
sub idle_slots {
    my $app = shift;
    return PATest::wait_for(sub {
        my $st = $h->app($app) or return undef;
        my @w = grep { $_->{pid} } @{ $st->{workers} };
        return undef unless @w == $st->{processes}{total}
                            && $st->{processes}{idle} == @w && @w;
        return { map { ($_->{slot} => $_->{pid}) } @w };
    });
}
# GET on a connection of its own.
sub get { HTTP::Tiny->new(timeout => 60)->get($h->url($_[0])) }
# A request its worker dies under (exits without answering): a POST, which
# neither the module nor HTTP::Tiny sends again (a GET both would).
sub kill_one { HTTP::Tiny->new(timeout => 60)->post($h->url("$_[0]?die=always")) }

# Two workers, each of which has answered a request. Slot 1's worker dies
# under a request; its fresh replacement is then left unanswered while slot
# 0's worker (busy meanwhile) answers.
# Requests with ?wait=$go hold their worker until the test creates $go: held
# for a fixed time instead, a slow machine could see a hold end before the
# next step (slot 0 free again takes the request meant for slot 1).
my $go = "$tmp/go";
sub release { open_gate($go) }
my $off = PATest::error_log_offset($h->log_file);
my $before = idle_slots('two');
my @warm = map { bg_request('GET', $h->url("/two?wait=$go")) } 1 .. 2;
ok(PATest::wait_for(sub { $h->busy('two') == 2 }), 'two: both workers busy at once');
release();
is(join(' ', map { bg_result($_)->{status} } @warm), '200 200',
   'two: both workers idle, then each answered a request');
unlink $go;
my $slow = bg_request('GET', $h->url("/two?wait=$go"));
ok(PATest::wait_for(sub { $h->busy('two') == 1 }), 'two: slot 0 busy with a slow request');
is(kill_one('/two')->{status}, 502, 'two: the request that kills slot 1 fails: 502');
my %old = reverse %$before;
my $fresh = PATest::wait_for(sub {
    my ($w) = grep { $_->{pid} && !$old{$_->{pid}} && $_->{state} eq 'idle' }
              @{ ($h->app('two') || {})->{workers} || [] };
    $w ? $w->{pid} : undef;
});
ok($fresh, 'two: a fresh worker in its place');
release();
is(bg_result($slow)->{status}, 200, 'two: slot 0 answered its slow request after that');
# Slot 0 busy again, so that the next request goes to the fresh worker.
unlink $go;
$slow = bg_request('GET', $h->url("/two?wait=$go"));
ok(PATest::wait_for(sub { $h->busy('two') == 1 }), 'two: slot 0 busy again');
is(kill_one('/two')->{status}, 502, 'two: the request that kills the fresh worker fails: 502');
release();
bg_result($slow);
my $after = idle_slots('two');
ok($after && keys %$after == 2 && !grep({ $_ == $fresh } values %$after),
   'two: replaced at once') or diag(explain($after));
is(get('/two')->{status}, 200, 'two: the other pages are served');
is($h->app('two')->{crash_backoff_level}, 0, 'two: no crash-loop backoff');
unlike(PATest::error_log_since($off, $h->log_file), qr/PA00105: app two/,
       'two: no crash loop logged');

# A page that kills every worker it reaches, asked by two clients at once
# of an app of two workers: each GET kills a worker and, replayed, a fresh
# one, so no worker of the app lives to answer anything meanwhile: still
# that page's doing. (At once: both at their workers before either dies;
# one that came after the other had ended would meet a fresh worker first,
# which dies under a request of its own: a crash loop, as it would be.)
ok(idle_slots('pool'), 'pool: two workers up');
is(get('/pool')->{status}, 200, 'pool: the app answers');
$off = PATest::error_log_offset($h->log_file);
my $kill_both = "$tmp/pool-go";
my @poison = map { bg_request('GET', $h->url("/pool?started=$tmp/pool-at$_&wait=$kill_both&die=always")) } 1 .. 2;
ok(PATest::wait_for(sub { -e "$tmp/pool-at1" && -e "$tmp/pool-at2" }), 'pool: both at their workers');
write_file($kill_both, '');
is(join(' ', map { bg_result($_)->{status} } @poison), '502 502',
   'pool: two requests that kill their workers and the replacements: 502 each');
is(get('/pool')->{status}, 200, 'pool: the other pages are served');
is($h->app('pool')->{crash_backoff_level}, 0, 'pool: no crash-loop backoff');
unlike(PATest::error_log_since($off, $h->log_file), qr/PA00105: app pool/,
       'pool: no crash loop logged');

# A deploy that crashes every page, put in place without a touch-reload
# (the files replaced, the workers then killed or recycled): the code
# answered before, but the fresh workers answer nothing. The app backs off
# rather than fork two workers per request.
my $was = idle_slots('inplace');
ok($was && keys %$was == 2, 'inplace: two workers up');
is(get('/inplace')->{status}, 200, 'inplace: the app answers');
$off = PATest::error_log_offset($h->log_file);
write_file("$tmp/broken2", '');
kill 'KILL', values %$was;
ok(PATest::wait_for(sub { my $st = $h->app('inplace') or return 0;
                          !grep { $was->{$_->{slot}} && $_->{pid} == $was->{$_->{slot}} } @{ $st->{workers} } }),
   'inplace: both workers killed');
my $spawned = $h->app('inplace')->{counters}{spawned};
my @codes = map { get('/inplace')->{status} } 1 .. 10;
is(scalar(grep { /^50[23]$/ } @codes), 10, 'inplace: every page fails (502/503)') or diag("@codes");
ok(PATest::wait_for_log(qr/PA00105: app inplace/, $off, file => $h->log_file),
   'inplace: a crash loop');
cmp_ok($h->app('inplace')->{counters}{spawned} - $spawned, '<', 10,
       'inplace: fewer workers forked than pages asked (not two per request)');

# A build that dies under every request (one worker): nothing answers, so
# that is an app that does not work: it backs off.
$off = PATest::error_log_offset($h->log_file);
is(kill_one('/one')->{status}, 502, 'one: the worker dies under its first request: 502');
ok(PATest::wait_for_log(qr/PA00105: app one/, $off, file => $h->log_file),
   'one: with no answer from any worker, a crash loop');

# touch-reload to a build that dies half a second into every request: the
# old workers answering meanwhile (GETs, replayed on them when a new worker
# dies) say nothing of the new code, which backs off.
ok(idle_slots('roll'), 'roll: two workers up');
$off = PATest::error_log_offset($h->log_file);
my $load = PALoad->start($h->url('/roll'), clients => 2, expect => qr/^method=GET/);
write_file("$tmp/broken", '');
write_file("$tmp/reload", '');
ok(PATest::wait_for_log(qr/PA00128: app roll/, $off, file => $h->log_file),
   'roll: the reload began');
ok(PATest::wait_for(sub { ($h->app('roll') || {})->{crash_backoff_level} }, timeout => 20),
   'roll: the new code backs off');
my %st = $load->stop;
ok($st{200}, 'roll: the old workers serve meanwhile') or diag(PALoad::describe(%st));
ok($h->stop, 'stopped');
