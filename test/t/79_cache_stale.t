# The response cache and stale-while-revalidate (RFC 5861): once a page
# the app lets be served stale has expired, the first GET asks the app
# for a fresh one and the requests meanwhile get the stale copy
# (X-Prefork-App-Cache: STALE), instead of all going to the app at once.
# Without stale-while-revalidate, or with must-revalidate, nothing is
# served stale; a refresh that stores nothing takes the stale copy away.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 80;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkAppCache sz 1M
PreforkApp secho "$echo" processes=3 cache=sz
<Location /e>
    SetHandler prefork-app:secho
</Location>
PreforkAppCache tz 1M
PreforkApp techo "$echo" processes=1 request-timeout=3 queue-timeout=1 cache=tz
<Location /t>
    SetHandler prefork-app:techo
</Location>
PreforkApp aecho "$echo" processes=1 request-timeout=3 queue-timeout=1 cache=tz stale-while-revalidate=60 stale-if-error=60
<Location /a>
    SetHandler prefork-app:aecho
</Location>
EOF
ok($h->start, 'private httpd: a cached app with three workers, one with one and short timeouts')
    or diag($h->error_log);

my $go = gate();
sub go   { open_gate($go) }
sub stop { close_gate($go) }

# (cache state, body, Age) of a GET or HEAD with these request headers.
sub ask {
    my ($path, %hdr) = @_;
    my $method = delete $hdr{method} || 'GET';
    my $r = HTTP::Tiny->new(timeout => 60)->request($method, $h->url($path), { headers => \%hdr });
    return ($r->{headers}{'x-prefork-app-cache'} // '-', $r->{content}, $r->{headers}{age},
            $r->{status});
}
sub entries {
    my $doc = status_json(undef, $h->url) or return -1;
    my ($z) = grep { $_->{name} eq $_[0] } @{ $doc->{cache_zones} || [] };
    return $z ? $z->{stats}{entries} : -1;
}
# Until the page stored at 0 s (max-age=1) is stale.
sub age_out { sleep 2 }
# Has the app answer PATH at once and checks that the next GET is a hit
# (WHAT: stored), then lets the page expire and holds the app's answers
# that wait for $go (until go()). The stored body.
sub stored_then_expired {
    my ($path, $what) = @_;
    go();
    my (undef, $body) = ask($path);
    is((ask($path))[0], 'HIT', "$what: stored");
    age_out();
    stop();
    return $body;
}

# max-age=1, then 60 s more stale while revalidating; the app answers once
# $go exists; whoami=1 tells the copies apart (each answer counts up).
my $page = "/e/p?header=Cache-Control:%20max-age%3D1%2C%20stale-while-revalidate%3D60"
         . "&wait=$go&whoami=1";
go();
my ($s1, $b1) = ask($page);
is($s1, 'MISS', 'a page with stale-while-revalidate: a miss, stored');
my ($s2, $b2) = ask($page);
is($s2, 'HIT', 'then a hit');
is($b2, $b1, 'of the stored copy');

age_out();
stop();
my $refresh = $h->send_request($page);
ok(wait_for(sub { $h->busy('secho') == 1 }), 'once stale, the first GET goes to the app (held there)');
my ($s3, $b3, $age3) = ask($page);
is($s3, 'STALE', 'a GET meanwhile is answered from the zone: STALE');
is($b3, $b1, 'with the stale copy');
cmp_ok($age3 // 0, '>=', 1, 'whose Age is past its max-age');
my ($s4, undef, undef, $st4) = ask($page, method => 'HEAD');
is("$st4 $s4", '200 STALE', 'a HEAD meanwhile too');
is($h->busy('secho'), 1, 'still one request at the app');
go();
my (undef, $rs, $rb) = $h->cache_reply($refresh);
is($rs, 'MISS', 'the refreshing GET ends: a miss');
isnt($rb, $b1, 'with a fresh answer');
my ($s6, $b6) = ask($page);
is($s6, 'HIT', 'the next GET: a hit');
is($b6, $rb, 'of the fresh copy');

# The refresh's note went with its request: the next time the page is
# stale, the first GET refreshes it again.
age_out();
my ($s7, $b7) = ask($page);
is($s7, 'MISS', 'stale again: the first GET refreshes it');
isnt($b7, $rb, 'from the app');
is((ask($page))[0], 'HIT', 'and stores it');

# A client that takes no stale copy goes to the app.
age_out();
stop();
$refresh = $h->send_request($page);
ok(wait_for(sub { $h->busy('secho') == 1 }), 'stale; a refresh held at the app');
my $nocache = $h->send_request($page, 'Cache-Control: max-age=0');
my $fresh = $h->send_request($page, 'Cache-Control: min-fresh=1');
ok(wait_for(sub { $h->busy('secho') == 3 }),
   'a GET with max-age=0 and one with min-fresh=1 meanwhile go to the app too');
is((ask($page, 'Cache-Control' => 'only-if-cached'))[0], 'STALE',
   'only-if-cached meanwhile gets the stale copy');
go();
is(($h->cache_reply($refresh))[1], 'MISS', 'the refresh: a miss');
is(join(' ', map { ($h->cache_reply($_))[1] } $nocache, $fresh), 'MISS MISS', 'so are the other two');

# A refresh that stores nothing (the app took longer than its
# request-timeout) takes the stale copy away with it, before its client has
# the answer: the app is asked again, not answered for with the stale copy
# until it is long gone (t/101: a client slow to read it).
my $tpage = "/t/p?header=Cache-Control:%20max-age%3D1%2C%20stale-while-revalidate%3D60"
          . "&wait=$go&whoami=1";
stored_then_expired($tpage, 'a page of the app with short timeouts');
is(entries('tz'), 1, 'once stale, it is still in its zone');
$refresh = $h->send_request($tpage);
is(($h->cache_reply($refresh))[0], 504, 'the GET that refreshes it takes too long: 504');
is(entries('tz'), 0, 'nothing stored, and the stale copy went before the 504 did');
go();

# A conditional GET does not refresh a stale page: the app's 304 would
# store nothing, and take the stale copy away.
my $cpage = "/t/c?header=Cache-Control:%20max-age%3D1%2C%20stale-while-revalidate%3D60"
          . "&etag=v1&whoami=1";
stored_then_expired($cpage, 'a page with an ETag');
is((ask($cpage, 'If-None-Match' => '"v1"'))[3], 304, 'once stale, a GET with its ETag: 304 from the app');
is(entries('tz'), 1, 'the stale copy is still there');
is((ask($cpage))[0], 'MISS', 'a plain GET then refreshes it');
is((ask($cpage))[0], 'HIT', 'and stores it');

# stale-if-error: when the app cannot answer (past its request-timeout, or
# no worker within queue-timeout), an expired page that allows it gets its
# stale copy instead of the 504 or 503; with must-revalidate the error
# stands. A refresh that fails so keeps the stale copy.
my $epage = "/t/e?header=Cache-Control:%20max-age%3D1%2C%20stale-if-error%3D60"
          . "&wait=$go&whoami=1";
my $eb = stored_then_expired($epage, 'a page with stale-if-error');
my ($es, $ebody, undef, $est) = ask($epage);
is("$est $es", '200 STALE', 'expired, and the app past its request-timeout: the stale copy, not a 504');
is($ebody, $eb, 'the stored one');
like($h->error_log, qr/PA00611: app techo: answered with a stale copy from cache zone tz instead of a 504/,
     'logged (PA00611)');
my $hold = $h->send_request("/t/hold?wait=$go");
ok(wait_for(sub { $h->busy('techo') == 1 }), "the app's one worker held");
($es, undef, undef, $est) = ask($epage);
is("$est $es", '200 STALE', 'a GET with no worker within queue-timeout: the stale copy, not a 503');
like($h->error_log, qr/PA00611: [^\n]* instead of a 503/, 'logged');
go();
is(($h->cache_reply($hold))[0], 200, 'the held request ends');

my $mpage = "/t/m?header=Cache-Control:%20max-age%3D1%2C%20stale-if-error%3D60%2C%20must-revalidate"
          . "&wait=$go&whoami=1";
stored_then_expired($mpage, 'a page with stale-if-error and must-revalidate');
is((ask($mpage))[3], 504, 'expired, and the app fails: the 504');
go();

my $bpage = "/t/b?header=Cache-Control:%20max-age%3D1%2C%20stale-while-revalidate%3D60"
          . "%2C%20stale-if-error%3D60&wait=$go&whoami=1";
stored_then_expired($bpage, 'a page with both');
($es, undef, undef, $est) = ask($bpage);
is("$est $es", '200 STALE', 'the GET that refreshes it fails: it gets the stale copy too');
$refresh = $h->send_request($bpage);
ok(wait_for(sub { $h->busy('techo') == 1 }), 'the next GET refreshes it (held at the app)');
is((ask($bpage))[0], 'STALE', 'and one meanwhile gets the copy, which stayed in the zone');
go();
is(($h->cache_reply($refresh))[1], 'MISS', 'the refresh ends: a miss');

# Without stale-while-revalidate, or with must-revalidate, an expired page
# is never served: concurrent GETs all go to the app.
for my $cc ('max-age%3D1', 'max-age%3D1%2C%20stale-while-revalidate%3D60%2C%20must-revalidate') {
    my $p = "/e/q?header=Cache-Control:%20$cc&wait=$go&whoami=1";
    stored_then_expired($p, "Cache-Control: $cc");
    my @c = ($h->send_request($p), $h->send_request($p));
    ok(wait_for(sub { $h->busy('secho') == 2 }), "once expired, two GETs both go to the app");
    go();
    is(join(' ', map { ($h->cache_reply($_))[1] } @c), 'MISS MISS', 'both misses');
}

# The app's own error (500, 502, 503, 504) is stood in for too: its reply,
# headers and status line included, is dropped for the stale copy.
my $bad = "$go-bad";
for my $cc ('max-age%3D1%2C%20stale-if-error%3D60', 'max-age%3D1') {
    my $p = "/t/f?header=Cache-Control:%20$cc&failif=$bad&whoami=1";
    unlink $bad;
    my $fb = stored_then_expired($p, "Cache-Control: $cc");
    open my $fh, '>', $bad or die "$bad: $!";
    close $fh;
    my $r = HTTP::Tiny->new(timeout => 60)->get($h->url($p));
    if ($cc =~ /stale-if-error/) {
        is("$r->{status} $r->{reason} " . ($r->{headers}{'x-prefork-app-cache'} // '-'), '200 OK STALE',
           'the app answers 500: the stale copy instead, with its own status line');
        is($r->{content}, $fb, 'the stored body');
        ok(!defined $r->{headers}{'x-app-error'}, "none of the error's headers");
        like($h->error_log, qr/PA00611: [^\n]* instead of a 500/, 'logged');
    }
    else {
        is("$r->{status} $r->{reason} " . ($r->{headers}{'x-app-error'} // '-'), '500 App Broke yes',
           'without stale-if-error, the app\'s own 500 goes out');
    }
}

# The stand-in is decided at the error's headers, for good: a window that
# closes while the app still sends the error's body (its reply dropped
# for the copy) does not leave the client httpd's own 500 page instead.
my $late = "$go-late";
my $lp = "/e/g?header=Cache-Control:%20max-age%3D1%2C%20stale-if-error%3D3"
       . "&failif=$bad&headwait=$late&whoami=1";
unlink $bad;
open_gate($late);
my $lb = stored_then_expired($lp, 'stale-if-error=3');
open_gate($bad);
close_gate($late);
my $lr = $h->send_request($lp);
ok(wait_for(sub { $h->busy('secho') == 1 }), "its app's 500 headers sent, 2 s after storing, the body held");
sleep 3;            # the window closes (3 s past max-age=1)
open_gate($late);
my ($lst, $lcs, $lbody) = $h->cache_reply($lr);
is("$lst $lcs", '200 STALE', 'the window closed before the reply\'s end: still the stale copy');
is($lbody, $lb, '... the stored body');
unlink $bad;
# A page whose reply sends its headers and then stalls past request-timeout
# gets the stale copy too: its headers did not go on their own meanwhile
# (as they would, 50 ms on, where no copy can stand in: t/104).
my $sp = "/t/s?header=Cache-Control:%20max-age%3D1%2C%20stale-if-error%3D60&headwait=$late&whoami=1";
open_gate($late);
my $sb = stored_then_expired($sp, 'a page whose body will stall');
close_gate($late);
my ($ss, $sbody, undef, $sst) = ask($sp);
is("$sst $ss", '200 STALE', 'its headers come, then its body stalls past request-timeout: the stale copy, not a cut reply');
is($sbody, $sb, '... the stored body');
open_gate($late);

# The app's keys stale-while-revalidate= and stale-if-error= stand for
# what a page's Cache-Control does not say; what it says wins, 0 too.
my $apage = "/a/p?header=Cache-Control:%20max-age%3D1&wait=$go&whoami=1";
my $ab = stored_then_expired($apage, 'app with stale keys, a page with max-age only');
$refresh = $h->send_request($apage);
ok(wait_for(sub { $h->busy('aecho') == 1 }), 'once stale, the first GET refreshes it');
my ($as, $abody) = ask($apage);
is("$as $abody", "STALE $ab", 'one meanwhile gets the stale copy (the app\'s stale-while-revalidate=)');
go();
is(($h->cache_reply($refresh))[1], 'MISS', 'the refresh: a miss');
age_out();
stop();
my (undef, undef, undef, $ast) = ask($apage);
my $alog = $h->error_log;
is($ast, 200, "a refresh past the app's request-timeout gets the stale copy (its stale-if-error=)");
like($alog, qr/PA00611: app aecho: [^\n]* instead of a 504/, 'logged');
go();
my $zpage = "/a/z?header=Cache-Control:%20max-age%3D1%2C%20stale-while-revalidate%3D0"
          . "%2C%20stale-if-error%3D0&wait=$go&whoami=1";
stored_then_expired($zpage, 'a page that says stale-while-revalidate=0, stale-if-error=0');
$hold = $h->send_request("/a/hold?wait=$go");
ok(wait_for(sub { $h->busy('aecho') == 1 }), "the app's one worker held");
is((ask($zpage))[3], 503, 'once expired, no worker within queue-timeout: the 503 (the page\'s 0 wins)');
go();
is(($h->cache_reply($hold))[0], 200, 'the held request ends');

# The status page counts what the zones answered with, per app; and the
# failures the stale copies stood in for.
my $sc = $h->app('secho')->{counters};
is(join(' ', map { $sc->{$_} // '-' } qw(cache_hits cache_stale cache_stale_if_error)), '6 3 1',
   'status page: secho answered 6 fresh copies, 3 stale ones, 1 instead of an error');
my $tc = $h->app('techo')->{counters};
is(join(' ', map { $tc->{$_} // '-' } qw(cache_hits cache_stale cache_stale_if_error)), '9 1 5',
   'techo: 9 fresh, 1 stale, 5 stale instead of an error');
is(join(' ', map { $tc->{$_} // '-' } qw(http_503 http_504)), '1 5',
   'whose failures count as well (the 503 and 504 of the module, not the app\'s 500s)');

unlike($h->error_log, qr/\[(crit|alert|emerg)\]|AddressSanitizer|runtime error/,
       'no crit line, no sanitizer report');
$h->stop;

