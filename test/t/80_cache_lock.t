# cache-lock=N: a page the zone does not hold is fetched from the app by
# one request; the misses for it meanwhile wait (N seconds at most) and are
# answered with what that one stored, instead of all going to the app at
# once. A page whose fetch stored nothing is asked of the app by each
# request for a while; a client that wants no stored answer never waits.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(conn_owner);

plan tests => 43;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkAppCache lz 1M
PreforkApp lecho "$echo" processes=4 cache=lz cache-lock=30
<Location /l>
    SetHandler prefork-app:lecho
</Location>
PreforkApp secho "$echo" processes=3 cache=lz cache-lock=1
<Location /s>
    SetHandler prefork-app:secho
</Location>
PreforkApp necho "$echo" processes=3 cache=lz
<Location /n>
    SetHandler prefork-app:necho
</Location>
EOF
ok($h->start, 'private httpd: cached apps with cache-lock=30, cache-lock=1 and none')
    or diag($h->error_log);

my $go = gate();
sub go   { open_gate($go) }
sub stop { close_gate($go) }
sub send_req { $h->send_request(@_) }
sub done     { $h->cache_reply(@_) }

# How many requests went to the app's workers, and how many it answered
# from the zone (its status page counters).
sub answered { $h->counter($_[0], 'accepted') // -1 }
sub hits     { $h->counter($_[0], 'cache_hits') // -1 }
sub waits    { $h->counter($_[0], 'cache_lock_waits') // -1 }

# A page the zone does not hold: the first GET fetches it (held at the
# app until go()); a GET, a HEAD and a conditional GET meanwhile wait, and
# get the copy it stored.
stop();
my $page = "/l/p?header=Cache-Control:%20max-age%3D60&etag=v1&wait=$go&whoami=1";
my ($before, $hits, $waits) = (answered('lecho'), hits('lecho'), waits('lecho'));
my $fetch = send_req($page);
ok(wait_for(sub { $h->busy('lecho') == 1 }), 'a page not in the zone: the first GET goes to the app (held)');
my @waiting = (send_req($page), send_req("HEAD $page"), send_req($page, 'If-None-Match: "v1"'));
sleep 1;
is($h->busy('lecho'), 1, 'a GET, a HEAD and a conditional GET for it meanwhile: none at the app');
go();
my ($fs, $fstate, $fbody) = done($fetch);
is("$fs $fstate", '200 MISS', 'the fetch ends: a miss, stored');
like($fbody, qr/^pid=\d+ served=\d+/, 'with the app\'s answer');
my @w = map { [ done($_) ] } @waiting;
is("$w[0][0] $w[0][1]", '200 HIT', 'the GET that waited: a hit');
is($w[0][2], $fbody, 'of the fetched copy');
is("$w[1][0] $w[1][1] " . length($w[1][2]), '200 HIT 0', 'the HEAD: a hit, no body');
is("$w[2][0] $w[2][1]", '304 HIT', 'the conditional GET: 304 from the zone');
is(answered('lecho') - $before, 1, 'the app was sent one request of the four');
is(hits('lecho') - $hits, 3, 'three answered from the zone');
is(waits('lecho') - $waits, 3, 'the status page counts three waits (cache_lock_waits)');
like($h->error_log, qr/PA00603: app lecho: served from cache zone lz, stored by another request it waited for \(cache-lock\)/,
     'logged at debug (PA00603)');

# A client that takes no stored answer does not wait.
$page = "/l/q?header=Cache-Control:%20max-age%3D60&wait=$go&whoami=1";
stop();
$fetch = send_req($page);
ok(wait_for(sub { $h->busy('lecho') == 1 }), 'another page: its fetch held at the app');
my $nocache = send_req($page, 'Cache-Control: no-cache');
ok(wait_for(sub { $h->busy('lecho') == 2 }), 'a GET with Cache-Control: no-cache meanwhile goes to the app');
go();
is((done($fetch))[1], 'MISS', 'the fetch: a miss');
my ($ns, $nstate, $nbody) = done($nocache);
is("$ns $nstate", '200 MISS', 'the no-cache GET: the app\'s own answer');
isnt($nbody, $fbody, 'not a copy');

# A client that hangs up while its request waits for the fetch: the wait
# ends then, not with the fetch (cache-lock=30).
$page = "/l/g?header=Cache-Control:%20max-age%3D60&wait=$go&whoami=1";
stop();
$fetch = send_req($page);
ok(wait_for(sub { $h->busy('lecho') == 1 }), 'a third page: its fetch held at the app');
my $gone = send_req($page);
ok(wait_for(sub { waits('lecho') - $waits == 4 }), 'a GET for it waits');
close $gone;
ok(wait_for(sub { $h->error_log =~ /PA00616: app lecho: client went away while its request waited \d+ ms for another request's fetch of the page \(cache-lock\); not sent/ },
            timeout => 10),
   'its client hangs up: it stops waiting at once (PA00616)');
go();
is((done($fetch))[1], 'MISS', 'the fetch ends: a miss');

# A page whose answer may not be stored: the GET that waited for its
# fetch goes to the app after it; for a while then, none waits.
my $private = "/l/u?header=Cache-Control:%20private&wait=$go&whoami=1";
stop();
$fetch = send_req($private);
ok(wait_for(sub { $h->busy('lecho') == 1 }), 'a private page: its fetch held at the app');
my $second = send_req($private);
sleep 1;
is($h->busy('lecho'), 1, 'a GET for it meanwhile waits');
go();
my @u = (done($fetch), done($second));
is("$u[0] $u[1] $u[3] $u[4]", '200 - 200 -', 'both answered by the app, neither stored');
isnt($u[5], $u[2], 'each its own answer');
stop();
my @both = (send_req($private), send_req($private));
ok(wait_for(sub { $h->busy('lecho') == 2 }, timeout => 10),
   'then two GETs for it go to the app at once (not one after cache-lock=30)');
go();
is(join(' ', map { (done($_))[0] } @both), '200 200', 'both answered');

# cache-lock=1: a fetch that takes longer is not waited for beyond that.
# One of the two GETs that waited for it fetches the page itself, the
# other waits for that fetch for what is left of its second, then asks the
# app too.
my $slow = "/s/p?header=Cache-Control:%20max-age%3D60&wait=$go&whoami=1";
stop();
$fetch = send_req($slow);
ok(wait_for(sub { $h->busy('secho') == 1 }), 'cache-lock=1: a fetch held at the app');
my @late = (send_req($slow), send_req($slow));
ok(wait_for(sub { $h->busy('secho') == 3 }, timeout => 10),
   'the two GETs that wait for it go to the app after a second');
my $log = $h->error_log;
like($log, qr/PA00614: app secho: the fetch of the page it waited for ended without storing it, or outlasted cache-lock=1 s: fetches it itself/,
     'one fetches the page itself (PA00614)');
like($log, qr/PA00613: app secho: waited cache-lock=1 s for another request to fetch the page: asks the app itself/,
     'the other gives up waiting (PA00613)');
go();
is(join(' ', map { join ' ', (done($_))[0, 1] } $fetch, @late), '200 MISS 200 MISS 200 MISS',
   'all three misses');

# Without cache-lock=, each miss goes to the app.
my $plain = "/n/p?header=Cache-Control:%20max-age%3D60&wait=$go&whoami=1";
stop();
my @n = (send_req($plain), send_req($plain));
ok(wait_for(sub { $h->busy('necho') == 2 }), 'without cache-lock=, two GETs for a page not stored both go to the app');
go();
is(join(' ', map { (done($_))[1] } @n), 'MISS MISS', 'both misses');

ok(!grep({ $_ } map { $h->busy($_) } qw(lecho secho necho)), 'no worker left busy');
unlike($h->error_log, qr/AH00052|segfault|PA00602/, 'no child crashed, nothing failed to be stored');

# The httpd child that fetches a page is killed before its request ends
# (a crash, the OOM killer): the next request for the page takes the
# fetch over at once (the note holds the child's pid), not after
# cache-lock=30 (PA00614).
$page = "/l/k?header=Cache-Control:%20max-age%3D60&wait=$go&whoami=1";
stop();
$fetch = send_req($page);
ok(wait_for(sub { $h->busy('lecho') == 1 }), 'a fourth page: its fetch held at the app');
my $child = conn_owner($h->port, $fetch) // 0;
ok($child && $child != $h->pid, 'the httpd child that serves it') or diag("owner: $child");
kill 'KILL', $child if $child;
ok(wait_for(sub { !pid_alive($child) }), 'that child killed');
go();
my ($ks, $kstate, $kbody) = done(send_req($page));
is("$ks $kstate", '200 MISS', 'a GET for the page then: a miss, fetched by itself');
like($h->error_log, qr/PA00617: app lecho: the process that was fetching the page \(pid $child\) is gone: fetches it itself/,
     'it took the dead child\'s fetch over (PA00617)');
is(join(' ', (done(send_req($page)))[1, 2]), "HIT $kbody", 'and stored it: the next GET is a hit');
