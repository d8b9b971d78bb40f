# The response cache (cache=ZONE): what the app marks as shareable is
# answered from the zone without reaching a worker; nothing that carries a
# user's identity is ever stored or served; tags set by the app are
# invalidated by the app itself through the apr_shm_cache C API.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET HEAD POST PUT);
use PATest qw(:all);
use IO::Socket::INET ();
use HTTP::Tiny ();

# "page X pid P served N": who answered, and how often that worker had.
sub fetch {
    my ($url, @headers) = @_;
    my $res = GET($url, @headers);
    return ($res, $res->content, $res->header('X-Prefork-App-Cache') // '');
}

# "STATUS CACHE": CACHE is HIT (from the zone), MISS (the app's answer, to
# be stored) or - (the app's answer, not looked up or not to be stored).
sub seen { my $r = shift; $r->code . ' ' . ($r->header('X-Prefork-App-Cache') // '-') }

my ($res, $body, $state) = fetch('/cached/a?page=a&maxage=300&tag=t1');
is($res->code, 200, 'first request of a cacheable page: 200');
is($state, 'MISS', 'first request: a miss, stored');
like($body, qr/^page a pid \d+ served \d+$/m, 'the worker answered');
ok(!defined $res->header('X-Prefork-App-Cache-Tags'),
   'the tags header does not leave httpd');

my ($res2, $body2, $state2) = fetch('/cached/a?page=a&maxage=300&tag=t1');
is($state2, 'HIT', 'second request: a hit');
is($body2, $body, 'a hit returns the stored body byte for byte');
like($res2->header('Cache-Control') // '', qr/max-age=300/,
     'stored headers are replayed');
ok(defined $res2->header('Age'), 'a hit carries Age');

my $h = GET('/cached/a?page=a&maxage=300&tag=t1', 'Authorization' => 'Basic dTpw');
is(seen($h), '200 -', 'a request with Authorization is never answered from the cache');
isnt($h->content, $body, 'it reached a worker');
$h = GET('/cached/a?page=a&maxage=300&tag=t1', 'Cookie' => 'session=1');
is(seen($h), '200 -', 'nor one with a Cookie');
isnt($h->content, $body, 'a request with a Cookie reaches a worker');
ok(!defined $h->header('X-Prefork-App-Cache-Tags'),
   'the tags header does not leave httpd on a request that may not fill the cache');

# Set-Cookie: never stored, so the next anonymous request is answered fresh.
my ($c1, $cb1) = fetch('/cached/c?page=c&maxage=300&cookie=sid%3D42');
like($c1->header('Set-Cookie') // '', qr/sid/, 'the app set a cookie');
my ($c2, $cb2, $cs2) = fetch('/cached/c?page=c&maxage=300&cookie=sid%3D42');
is(seen($c2), '200 -', 'a response with Set-Cookie is not cached');
isnt($cb2, $cb1, 'the second one came from a worker again');

# No freshness information: not cached.
my (undef, $n1) = fetch('/cached/n?page=n');
my ($nr2, $n2) = fetch('/cached/n?page=n');
is(seen($nr2), '200 -', 'a response without max-age/Expires is not cached');
isnt($n2, $n1, 'the second one came from a worker again');

# An app without cache= never caches.
my (undef, $u1) = fetch('/uncached/u?page=u&maxage=300');
my (undef, $u2, $us2) = fetch('/uncached/u?page=u&maxage=300');
isnt($u2, $u1, 'an app without cache= is never cached');
is($us2, '', 'and says nothing about the cache');

# Tags: the app drops its tagged pages through the C API.
my $inv = GET('/cached/x?invalidate=t1');
is($inv->code, 200, 'the app attached the zone by name');
like($inv->content, qr/^removed 1$/m, 'invalidating t1 removed the one tagged page') or diag($inv->content);
my (undef, $b3, $s3) = fetch('/cached/a?page=a&maxage=300&tag=t1');
is($s3, 'MISS', 'after invalidation the page is fetched again');
isnt($b3, $body, 'from a worker');

# The zone is shared by every worker of the app: a counter adds up.
my @n = map { GET('/cached/k?count=hits')->content =~ /^(-?\d+)$/m ? $1 : -1 } 1 .. 6;
is_deeply(\@n, [1 .. 6], 'both workers count in the same zone');

# The status page sees the zone.
my $st = status_json();
my ($z) = grep { $_->{name} eq 'cachezone' } @{ $st->{cache_zones} || [] };
ok($z, 'the zone is on the status page');
ok($z && $z->{stats} && $z->{stats}{hits} >= 1, 'with its hits') or diag(explain($z));

# What is stored is the app's whole reply, nothing else: not one cut off
# (a 10-byte body for a promised 1000, its worker gone), not the framing or
# encoding later filters put on a long reply (it comes in several pieces),
# not a compressed body whose key does not say which encoding; and a
# Cache-Control item is read whole ("x-no-cache-hint" is not "no-cache",
# nor does it hide the "no-cache" after it).
my $cc = 'header=Cache-Control:%20max-age%3D60';
my $long = GET("/cecho?$cc&bytes=200000&n=2");
is($long->header('X-Prefork-App-Cache') // '', 'MISS', 'a 200 KB reply: stored');
my $long2 = GET("/cecho?$cc&bytes=200000&n=2");
is($long2->header('X-Prefork-App-Cache') // '', 'HIT', 'then served from the zone');
ok($long2->content eq $long->content && length($long->content) == 200000,
   'whole, with its framing the answering request\'s own') or diag(length($long2->content));
ok(!defined $long2->header('Client-Transfer-Encoding'), 'not replayed as chunked');
my $ce = "/cecho?$cc&header2=Content-Encoding:%20gzip&whoami=1&n=3";
my $ce1 = GET($ce);
my $ce2 = GET($ce);
is(seen($ce2), '200 -', 'a reply with a Content-Encoding is not shared');
isnt($ce2->content, $ce1->content, 'the second one came from a worker');
my $hint = 'header=Cache-Control:%20max-age%3D60,%20x-no-cache-hint,%20no-cache';
my $hint1 = GET("/cecho?$hint&whoami=1&n=4");
my $hint2 = GET("/cecho?$hint&whoami=1&n=4");
is(seen($hint2), '200 -', 'no-cache after an item that merely contains it: not stored');
isnt($hint2->content, $hint1->content, 'the second one came from a worker');
# Of a stored reply, a hit does not replay what concerned the miss's own
# connection (the fields its Connection names) or a proxy in front of the
# app (RFC 9111 3.1); the rest it does.
my $hop = "/cecho?$cc&header2=Connection:%20X-Secret&header3=X-Secret:%201&n=8";
GET($hop);
my $hop2 = GET($hop);
is(seen($hop2), '200 HIT', 'a reply whose Connection names a field: stored');
ok(!defined $hop2->header('X-Secret'), '... a hit without the field it named');
my $pa = "/cecho?$cc&header2=Proxy-Authenticate:%20Basic&header3=X-Kept:%201&n=9";
GET($pa);
my $pa2 = GET($pa);
ok(!defined $pa2->header('Proxy-Authenticate') && ($pa2->header('X-Kept') // '') eq '1',
   "... nor a proxy's Proxy-Authenticate, the app's other fields kept") or diag($pa2->as_string);
my $xp = 'header=Cache-Control:%20max-age%3D60,%20x-private';
GET("/cecho?$xp&n=5");
is(GET("/cecho?$xp&n=5")->header('X-Prefork-App-Cache') // '', 'HIT',
   'an item that merely contains "private" does not stop it');

# What the app's reply says keeps it out of the zone (README, "Response
# cache"): a page for one user (private, a cookie set), Vary: * (it varies
# on more than headers), no-store, and s-maxage=0, which wins over max-age
# for a shared cache. Asked twice, the second answer is a worker's,
# not looked up to be stored; the same page without that header is a hit.
for my $case (['Cache-Control: private', 'header=Cache-Control:%20private,%20max-age%3D60'],
              ['Cache-Control: no-store', 'header=Cache-Control:%20no-store,%20max-age%3D60'],
              ['Vary: *', "$cc&header2=Vary:%20*"],
              ['Vary: Cookie, *', "$cc&header2=Vary:%20Cookie,%20*"],
              ['s-maxage=0 beside max-age=60', 'header=Cache-Control:%20s-maxage%3D0,%20max-age%3D60'],
              ['Set-Cookie', "$cc&header2=Set-Cookie:%20sid%3D42"],
              ['Set-Cookie2', "$cc&header2=Set-Cookie2:%20sid%3D42"]) {
    my ($what, $q) = @$case;
    my $r1 = GET("/cecho?$q&whoami=1&n=30");
    my $r2 = GET("/cecho?$q&whoami=1&n=30");
    is(seen($r2), '200 -', "a reply with $what: not stored, the second request is a miss");
    ok($r2->content =~ /^pid=\d+ served=\d+/ && $r2->content ne $r1->content,
       "a reply with $what: the second answered by a worker") or diag($r2->content);
}
# Vary on headers: each variant stored apart (t/87); a Cookie is never in
# a request that reads the zone, so Vary: Cookie keeps one page, the
# anonymous one.
for my $case (['Vary: Accept-Encoding', "$cc&header2=Vary:%20Accept-Encoding"],
              ['Vary: Cookie', "$cc&header2=Vary:%20Cookie"],
              ['Vary: Accept-Encoding, Cookie', "$cc&header2=Vary:%20Accept-Encoding,%20Cookie"],
              ['s-maxage=60 alone', 'header=Cache-Control:%20s-maxage%3D60']) {
    my ($what, $q) = @$case;
    my $r1 = GET("/cecho?$q&whoami=1&n=31");
    my $r2 = GET("/cecho?$q&whoami=1&n=31");
    is(seen($r2) . ' ' . ($r2->content eq $r1->content ? 'same' : 'other'), '200 HIT same',
       "a reply with $what: stored");
}

# A request with a Cookie or Authorization does not fill the zone either:
# its answer to a page nobody asked for yet is not what the next anonymous
# request gets.
for my $cred (['Cookie' => 'session=1'], ['Authorization' => 'Basic dTpw']) {
    my $url = "/cecho?$cc&whoami=1&n=32&by=$cred->[0]";
    my $r1 = GET($url, @$cred);
    is(seen($r1), '200 -', "a fresh page asked with $cred->[0]: the app's answer");
    my $r2 = GET($url);
    is(seen($r2), '200 MISS', "the anonymous request after it: a miss, not its answer");
    ok($r2->content =~ /^pid=\d+ served=\d+/ && $r2->content ne $r1->content,
       "the anonymous request after $cred->[0]: answered by a worker") or diag($r2->content);
}

# An ErrorDocument answered by the cached app keeps the error's status,
# also when its page is in the zone (the 404 is the URL's, the page is not).
GET("/cecho?$cc&n=7");
is(GET("/cecho?$cc&n=7")->header('X-Prefork-App-Cache') // '', 'HIT',
   'the error page, asked for directly: stored');
my $nf = GET('/cmissing/nothing');
is($nf->code, 404, 'a missing page whose ErrorDocument is in the zone: still 404')
    or diag($nf->as_string);

# The client's own directives, read as mod_cache reads them (RFC 9111
# 5.2.1, 5.4): max-age=0 and Pragma: no-cache (without Cache-Control) are
# answered by a worker; max-age=N takes an entry younger than N; no-store
# is not stored.
my $rq = "/cecho?$cc&whoami=1&n=8";
GET($rq);
is(GET($rq)->header('X-Prefork-App-Cache') // '', 'HIT', 'a page to ask again: stored');
for my $hdr (['Cache-Control' => 'max-age=0'], ['Pragma' => 'no-cache'],
             ['Cache-Control' => 'no-cache']) {
    is(seen(GET($rq, @$hdr)), '200 MISS',
       "a request with $hdr->[0]: $hdr->[1] is not answered from the zone");
}
is(GET($rq, 'Cache-Control' => 'max-age=3600')->header('X-Prefork-App-Cache') // '',
   'HIT', 'one with max-age=3600 is');
is(GET($rq, 'Pragma' => 'no-cache', 'Cache-Control' => 'max-age=3600')
       ->header('X-Prefork-App-Cache') // '', 'HIT',
   'Pragma is ignored beside a Cache-Control');
my $ns = "/cecho?$cc&whoami=1&n=9";
is(seen(GET($ns, 'Cache-Control' => 'no-store')), '200 -',
   'a request with no-store: the app\'s answer');
is(seen(GET($ns)), '200 MISS', 'which was not stored: the next one is a miss');

# only-if-cached (RFC 9111 5.2.1.7): a stored answer or a 504, never the
# app; min-fresh=N: only an entry that stays fresh N seconds more.
sub accepted { ((app_status('cacheecho') || {})->{counters} || {})->{accepted} // -1 }
my $oc = "/cecho?$cc&whoami=1&n=20";
my $before = accepted();
my $ocr = GET($oc, 'Cache-Control' => 'only-if-cached');
is($ocr->code, 504, 'only-if-cached with nothing stored: 504');
is(accepted(), $before, 'and the app was not asked');
is(GET($oc)->header('X-Prefork-App-Cache') // '', 'MISS', 'nor was anything stored');
my $ochit = GET($oc, 'Cache-Control' => 'only-if-cached');
is($ochit->code . ' ' . ($ochit->header('X-Prefork-App-Cache') // ''), '200 HIT',
   'only-if-cached once stored: the stored answer');
is(GET($oc, 'Cache-Control' => 'only-if-cached, max-age=0')->code, 504,
   'only-if-cached with max-age=0: 504, the zone cannot answer');
$before = accepted();
is(GET($oc, 'Cache-Control' => 'min-fresh=3600')->header('X-Prefork-App-Cache') // '',
   'MISS', 'min-fresh=3600 beyond the 60 s lifetime: fetched from the app');
is(accepted(), $before + 1, 'by a worker');
is(GET($oc, 'Cache-Control' => 'min-fresh=5')->header('X-Prefork-App-Cache') // '',
   'HIT', 'min-fresh=5 within it: from the zone');
is(GET($oc, 'Cache-Control' => 'max-stale=600')->header('X-Prefork-App-Cache') // '',
   'HIT', 'max-stale on a fresh entry: from the zone');

# Statuses cacheable by default (RFC 9110 15.1) are stored with their
# explicit lifetime, and served as they were: a 404, a 301 with its
# Location; conditions apply to a 2xx only. A temporary redirect or a 5xx
# is never stored.
my $nf4 = "/cecho?$cc&status=404&etag=%22e4%22&whoami=1&n=21";
my $m4 = GET($nf4);
is($m4->code . ' ' . ($m4->header('X-Prefork-App-Cache') // ''), '404 MISS', 'a 404 with max-age: stored');
$before = accepted();
my $h4 = GET($nf4, 'If-None-Match' => '"e4"');
is($h4->code . ' ' . ($h4->header('X-Prefork-App-Cache') // ''), '404 HIT',
   'then served from the zone, still a 404 despite a matching If-None-Match');
is($h4->content, $m4->content, 'with the body the app gave');
is(accepted(), $before, 'without a worker');
# The app's own reason phrase is the hit's too, but not a 304's.
my $rp = "/cecho?$cc&status=200%20Fine&etag=e5&n=24";
my $rp1 = GET($rp);
is($rp1->code . ' ' . $rp1->message . ' ' . ($rp1->header('X-Prefork-App-Cache') // ''),
   '200 Fine MISS', 'a reason phrase of the app\'s own: stored');
my $rp2 = GET($rp);
is($rp2->code . ' ' . $rp2->message . ' ' . ($rp2->header('X-Prefork-App-Cache') // ''),
   '200 Fine HIT', 'a hit has the reason phrase the app gave');
my $rp3 = GET($rp, 'If-None-Match' => '"e5"');
is($rp3->code . ' ' . $rp3->message, '304 Not Modified',
   'a 304 from the zone has its own');
my $np = "/cecho?$cc&status=404%20No%20Such%20Page&n=25";
GET($np);
my $np2 = GET($np);
is($np2->code . ' ' . $np2->message . ' ' . ($np2->header('X-Prefork-App-Cache') // ''),
   '404 No Such Page HIT', 'so has a stored 404');
my $mv = "/cecho?$cc&status=301&header2=Location:%20http://example.com/moved&n=22";
GET($mv, redirect_ok => 0);
my $h301 = GET($mv, redirect_ok => 0);
is($h301->code . ' ' . ($h301->header('X-Prefork-App-Cache') // '') . ' '
   . ($h301->header('Location') // ''), '301 HIT http://example.com/moved',
   'a 301: served from the zone with its Location');
for my $st (302, 307, 503) {
    my $u = "/cecho?$cc&status=$st&header2=Location:%20http://example.com/t&n=23";
    GET($u, redirect_ok => 0);
    my $again = GET($u, redirect_ok => 0);
    is($again->code . ' ' . ($again->header('X-Prefork-App-Cache') // ''), "$st ",
       "a $st with max-age: never stored");
}

# A successful unsafe request invalidates its target URI (RFC 9111 4.4,
# as mod_cache does): the GET after it is answered by a worker. Also from a
# user with a Cookie (who may not read the cache, but changed the page).
my $pu = "/cecho?$cc&whoami=1&n=10";
for my $how (['POST', sub { POST($pu, content => 'x=1') }],
             ['PUT', sub { PUT($pu, content => 'x=1') }],
             ['POST with a Cookie', sub { POST($pu, 'Cookie' => 's=1', content => 'x=1') }]) {
    GET($pu);
    is(GET($pu)->header('X-Prefork-App-Cache') // '', 'HIT', "before a $how->[0]: stored");
    is($how->[1]->()->code, 200, "$how->[0] to the same URI: 200");
    is(GET($pu)->header('X-Prefork-App-Cache') // '', 'MISS', "after it: fetched again");
}

# A POST answered by a local redirect (Location: /path, no Status), which
# httpd follows as a GET from its protocol filters on: its target is
# invalidated all the same.
my $lr = "/cecho?$cc&whoami=1&n=15&postredirect=/cecho%3Fn%3D16";
GET($lr);
is(GET($lr)->header('X-Prefork-App-Cache') // '', 'HIT', 'before a POST answered by a local redirect: stored');
my $lrp = POST($lr, content => 'x=1');
ok($lrp->code == 200 && $lrp->content =~ /QUERY_STRING=n=16/,
   'the POST: its local redirect followed') or diag($lrp->as_string);
is(GET($lr)->header('X-Prefork-App-Cache') // '', 'MISS', 'after it: fetched again');

# The page a local redirect names is asked for as a GET (mod_cgi's way),
# whatever the client's method: for a POST, that GET's answer is the
# answer to the POST, which no stored page is (the app tells them apart by
# REDIRECT_REQUEST_METHOD; the key holds the client's URI, not its method).
{
    my $target = '/cecho%3Fheader%3DCache-Control:%2520max-age%253D60%26whoami%3D1%26n%3D27';
    my $f = "/cecho?redirect=$target&n=26";
    GET($f);
    is(GET($f)->header('X-Prefork-App-Cache') // '', 'HIT',
       'the page a GET\'s local redirect names: stored');
    my $p = POST($f, content => 'x=1');
    is($p->code . ' ' . ($p->header('X-Prefork-App-Cache') // '-'), '200 -',
       'a POST with the same local redirect: answered by the app, not from the zone')
        or diag($p->as_string);
}

# A URL whose key is too long to store (README: past 1024 bytes) has no
# page to drop: a POST to it is answered without a warning that one could
# not be dropped (PA00608 is for a zone that refuses).
{
    my $lu = "/cecho?$cc&whoami=1&n=25&pad=" . ('p' x 1100);
    GET($lu);
    is(GET($lu)->header('X-Prefork-App-Cache') // '', 'MISS', 'a URL with a key too long: never stored');
    my $off = error_log_offset();
    is(POST($lu, content => 'x=1')->code, 200, 'a POST to it: 200');
    unlike(error_log_since($off), qr/PA00608/, 'and no PA00608: there was no page to drop')
        or diag(error_log_since($off));
}

# A page's age counts from its request (RFC 9111 4.2.3), plus the Age the
# app gives it, not from when its reply ended: max-age=2 with 2.5 s to
# answer is stale once whole; an Age of 90 with max-age=60 already was; an
# Age of 30 is part of the Age of a hit.
my $slow = '/cecho?header=Cache-Control:%20max-age%3D2&sleep=2.5&whoami=1&n=11';
GET($slow);
my $sr = GET($slow);
# Stale once whole, so never stored (PA00606): the second one is the app's
# answer again, as the Age: 90 one below.
is(seen($sr), '200 MISS', 'a slow reply is not served older than its max-age')
    or diag('Age: ' . ($sr->header('Age') // ''));
my $old = "/cecho?$cc&header2=Age:%2090&whoami=1&n=12";
GET($old);
is(seen(GET($old)), '200 MISS', 'a reply older than its max-age (Age: 90) is not stored');
my $aged = "/cecho?$cc&header2=Age:%2030&whoami=1&n=13";
GET($aged);
my $ar = GET($aged);
is($ar->header('X-Prefork-App-Cache') // '', 'HIT', 'one with Age: 30 is');
cmp_ok($ar->header('Age') // 0, '>=', 30, 'and its hit says it is at least 30 s old');

# A hit's age counts from its request's start: one whose header block came
# slowly started before an entry stored meanwhile, and says Age: 0, not a
# negative one (RFC 9111 5.1: a non-negative integer).
my $young = "/cecho?$cc&whoami=1&n=17";
GET($young);
my $slowreq = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(), Timeout => 30)
    or die "connect: $!";
print $slowreq "GET $young HTTP/1.0\r\n";
select(undef, undef, undef, 1.2);
GET($young, 'Cache-Control' => 'no-cache');     # stored anew
select(undef, undef, undef, 1.2);
print $slowreq "Host: " . Apache::TestRequest::hostport() . "\r\n\r\n";
my $yr = do { local $/; <$slowreq> } // '';
close $slowreq;
my ($ystate) = $yr =~ /^X-Prefork-App-Cache: (\w+)/mi;
my ($yage) = $yr =~ /^Age: (\S+)/mi;
ok(($ystate // '') eq 'HIT' && defined $yage && $yage =~ /^\d+$/,
   'a hit for a request older than its entry: a valid Age')
    or diag($yr);

# A HEAD answered from the zone goes through the filters a GET does: behind
# mod_deflate, it says the Content-Encoding, Vary and length of the GET.
my $dz = "/cdeflate?$cc&n=14";
GET($dz, 'Accept-Encoding' => 'gzip');
my $dg = GET($dz, 'Accept-Encoding' => 'gzip');
is(($dg->header('X-Prefork-App-Cache') // '') . ' ' . ($dg->header('Content-Encoding') // ''),
   'HIT gzip', 'behind mod_deflate: a hit, compressed');
my $dh = HEAD($dz, 'Accept-Encoding' => 'gzip');
is(join(' ', map { $dh->header($_) // '-' } qw(X-Prefork-App-Cache Content-Encoding Vary Content-Length)),
   join(' ', map { $dg->header($_) // '-' } qw(X-Prefork-App-Cache Content-Encoding Vary Content-Length)),
   'a HEAD from the zone has the headers of the GET');
is($dh->content, '', 'and no body');

# A reply whose client left halfway: the rest was read and dropped, and
# what went out is not a page to keep.
my $flag = Apache::Test::vars('t_logs') . '/cecho_second';
unlink $flag;
my $sock = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(), Timeout => 30)
    or die "connect: $!";
print $sock "GET /cecho?$cc&slowstream=$flag&n=6 HTTP/1.1\r\nHost: localhost\r\n\r\n";
my $got = '';
while ($got !~ /first\n/ && sysread($sock, my $chunk, 4096)) {
    $got .= $chunk;
}
close $sock;
sleep 1;                        # the module sees its client gone
open my $fh, '>', $flag or die "$flag: $!";
close $fh;
# The app sends the rest, which is dropped (or its worker is replaced):
# that request is over before the page is asked for again, else a store
# that should not happen would come too late to be seen.
ok(wait_for(sub { my $a = app_status('cacheecho') || {};
                  defined $a->{processes}{busy} && $a->{processes}{busy} == 0 }),
   'the request whose client left is over');
my $again = GET("/cecho?$cc&slowstream=$flag&n=6");
like($again->content, qr/first\nsecond\n/, 'a reply whose client left halfway is not stored')
    or diag($again->header('X-Prefork-App-Cache'));
# A stored copy would be a HIT, whatever its body.
is($again->header('X-Prefork-App-Cache') // '', 'MISS', '... the next request is a miss, answered by the app');

# An entry rewritten by something else that can attach the zone (any app
# given it with cache=, so any process running as that user): httpd serves
# only what it could have stored itself. A Set-Cookie added, a status that
# is not 200, a header block cut inside a value: a miss, fetched again.
for my $how (qw(cookie status cut)) {
    my $url = "/cached/t?page=t$how&maxage=300";
    fetch($url);
    is((fetch($url))[2], 'HIT', "$how: stored");
    like(GET("/cached/x?tamper=t$how&how=$how")->content, qr/^tampered 1$/m,
         "$how: the app rewrote the entry");
    my ($tr, $tb, $ts) = fetch($url);
    is("@{[$tr->code]} $ts", '200 MISS', "$how: the rewritten entry is not served");
    unlike($tr->header('Set-Cookie') // '', qr/attacker/, "$how: nothing of it reaches the client");
}

# A future Expires, without max-age, is freshness enough (RFC 9111 4.2.1);
# one in the past is not.
{
    # (Day and month names by hand: strftime's follow the locale.)
    my $http_date = sub {
        my @t = gmtime(shift);
        return sprintf('%s, %02d %s %d %02d:%02d:%02d GMT',
                       (qw(Sun Mon Tue Wed Thu Fri Sat))[$t[6]], $t[3],
                       (qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec))[$t[4]],
                       $t[5] + 1900, $t[2], $t[1], $t[0]);
    };
    my $enc = sub { (my $v = shift) =~ s/([^A-Za-z0-9_.-])/sprintf('%%%02X', ord $1)/ge; $v };
    my $fut = '/cecho?header=' . $enc->('Expires: ' . $http_date->(time + 3600)) . '&whoami=1&n=15';
    is(GET($fut)->header('X-Prefork-App-Cache') // '', 'MISS', 'a future Expires: a miss, stored');
    is(GET($fut)->header('X-Prefork-App-Cache') // '', 'HIT', 'then a hit');
    my $past = '/cecho?header=' . $enc->('Expires: ' . $http_date->(time - 3600)) . '&whoami=1&n=16';
    my $p1 = GET($past);
    my $p2 = GET($past);
    is(seen($p2), '200 -', 'an Expires in the past: not stored');
    isnt($p2->content, $p1->content, 'the second one came from a worker');
}

# A conditional request answered from the zone: the stored ETag is
# compared, 304 (or 412 for If-Match), and no worker is asked.
{
    my $cond = "/cecho?$cc&etag=ce1&whoami=1&n=17";
    GET($cond);
    is(GET($cond)->header('X-Prefork-App-Cache') // '', 'HIT', 'a page with an ETag: stored');
    my $accepted = sub { ((app_status('cacheecho') || {})->{counters} || {})->{accepted} };
    my $before = $accepted->();
    my $nm = GET($cond, 'If-None-Match' => '"ce1"');
    is($nm->code, 304, 'If-None-Match with the stored ETag: 304') or diag($nm->as_string);
    is($nm->content, '', 'without the body');
    is(GET($cond, 'If-Match' => '"other"')->code, 412, 'If-Match with another ETag: 412');
    my $other = GET($cond, 'If-None-Match' => '"other"');
    is("@{[$other->code]} @{[$other->header('X-Prefork-App-Cache') // '']}", '200 HIT',
       'If-None-Match with another ETag: the stored page');
    is($accepted->(), $before, 'all of them answered from the zone, no worker asked');
    # By date: httpd compares the Last-Modified the hit has in headers_out.
    my $lm = "/cecho?$cc&header2=Last-Modified:%20Tue,%2001%20Dec%202026%2010:00:00%20GMT&whoami=1&n=28";
    GET($lm);
    is(GET($lm)->header('X-Prefork-App-Cache') // '', 'HIT', 'a page with a Last-Modified: stored');
    is(GET($lm, 'If-Modified-Since' => 'Tue, 01 Dec 2026 10:00:00 GMT')->code, 304,
       'If-Modified-Since its Last-Modified: 304 from the zone');
    is(GET($lm, 'If-Modified-Since' => 'Mon, 30 Nov 2026 10:00:00 GMT')->code, 200,
       'If-Modified-Since a day before: 200');
}

# The client's max-age=N takes no entry N seconds old or older: the page is
# fetched from a worker (RFC 9111 5.2.1.1).
{
    my $ma = "/cecho?$cc&whoami=1&n=18";
    GET($ma);
    my $hit;
    ok(wait_for(sub { my $r = GET($ma);
                      ($r->header('X-Prefork-App-Cache') // '') eq 'HIT'
                          && ($r->header('Age') // 0) >= 1 ? ($hit = $r) : undef }),
       'an entry a second old') or diag('no hit with an Age of 1 or more');
    my $fresh = GET($ma, 'Cache-Control' => 'max-age=1');
    is($fresh->header('X-Prefork-App-Cache') // '', 'MISS',
       'a request with max-age=1 does not take it');
    isnt($fresh->content, $hit ? $hit->content : '', 'it is answered by a worker');
}

# A reply too big to keep, for the zone's page (16M / 64: 256 KB) or for
# the 1 MiB limit of a body, is passed on whole and not stored.
for my $size (300_000, 1_100_000) {
    my $big = "/cecho?$cc&bytes=$size&n=19";
    my $r1 = GET($big);
    is(length $r1->content, $size, "a $size-byte reply: sent whole");
    my $r2 = GET($big);
    is(seen($r2), '200 MISS', "a $size-byte reply: not stored");
    is(length $r2->content, $size, "a $size-byte reply: sent whole again");
}

# Tags: an entry carries at most 8 (APR_SHM_CACHE_MAX_TAGS). With 8 it is
# stored and any of them drops it; with more it is not stored (invalidating
# a tag left out would miss it), said at debug once per such response
# (PA00604). A tag the app names twice is one tag.
{
    my $eight = join ',', map { "e$_" } 1 .. 8;
    my $p8 = "/cached/t8?page=t8&maxage=300&tag=$eight";
    is(GET($p8)->header('X-Prefork-App-Cache') // '', 'MISS', '8 tags: fetched');
    is(GET($p8)->header('X-Prefork-App-Cache') // '', 'HIT', '8 tags: stored');
    like(GET('/cached/x?invalidate=e8')->content, qr/^removed 1$/m,
         'its eighth tag drops it');
    my $nine = join ',', map { "n$_" } 1 .. 9;
    my $p9 = "/cached/t9?page=t9&maxage=300&tag=$nine";
    my $off = error_log_offset();
    my $r1 = GET($p9);
    is($r1->code, 200, '9 tags: answered');
    ok(!defined $r1->header('X-Prefork-App-Cache-Tags'), 'without the tags header');
    my $r2 = GET($p9);
    is(seen($r2), '200 MISS', '9 tags: not stored');
    isnt($r2->content, $r1->content, 'the second request reached a worker too');
    my $re = qr/PA00604: app cachectl: response not cached: more than 8 tags/;
    wait_for(sub { (() = error_log_since($off) =~ /$re/g) >= 2 });
    my @said = error_log_since($off) =~ /$re/g;
    is(scalar @said, 2, 'PA00604 said once for each of the two responses')
        or diag(error_log_since($off));
    my $twice = "/cached/td?page=td&maxage=300&tag=d1,d2,d1";
    GET($twice);
    is(GET($twice)->header('X-Prefork-App-Cache') // '', 'HIT',
       'a tag named twice: stored all the same');
    like(GET('/cached/x?invalidate=d1')->content, qr/^removed 1$/m,
         'and dropped by that tag');
}

# A GET or HEAD with a body, which the app reads (a search or GraphQL-style
# GET) but the key does not hold, neither fills the zone (the plain GET
# after it is the app's answer to that one) nor is answered from it. An
# empty one (Content-Length: 0) is a plain GET.
{
    my $tiny = HTTP::Tiny->new(timeout => 120, keep_alive => 0);
    my $url = 'http://' . Apache::TestRequest::hostport() . "/cecho?$cc&n=24";
    # "STATUS CACHE body_length" of a request with that body.
    my $with = sub {
        my ($method, $content) = @_;
        my $r = $tiny->request($method, $url, defined $content ? { content => $content } : {});
        my ($len) = ($r->{content} // '') =~ /^body_length=(\d+)$/m;
        return "$r->{status} " . ($r->{headers}{'x-prefork-app-cache'} // '-') . ' ' . ($len // '-');
    };
    is($with->('GET', 'poison'), '200 - 6', 'a GET with a body: the app\'s answer, no cache');
    is($with->('GET'), '200 MISS 0', 'the plain GET after it: a miss, the app\'s answer to it');
    is($with->('GET'), '200 HIT 0', 'which is stored');
    is($with->('GET', 'poison'), '200 - 6', 'a GET with a body on a stored page: the app\'s answer');
    my @parts = ('poi', 'son');
    is($with->('GET', sub { shift @parts }), '200 - 6',
       'one with a chunked body too');
    is($with->('HEAD', 'poison'), '200 - -', 'a HEAD with a body: not from the zone either');
    is($with->('GET', ''), '200 HIT 0', 'a GET with Content-Length: 0: from the zone');
}

# An admin's SetEnv no-cache (mod_cache's variable): the app's shareable
# answer is not stored, each request reaches a worker.
{
    my ($r1, $b1) = fetch('/cached/nostore?page=ns&maxage=300');
    my ($r2, $b2) = fetch('/cached/nostore?page=ns&maxage=300');
    is(seen($r1) . ' / ' . seen($r2), '200 - / 200 -', 'no-cache set: neither answer is from or for the zone');
    isnt($b2, $b1, 'the second request reached a worker');
    my ($r3) = fetch('/cached/nostorex?page=ns&maxage=300');
    my ($r4) = fetch('/cached/nostorex?page=ns&maxage=300');
    is(seen($r3) . ' / ' . seen($r4), '200 MISS / 200 HIT', 'beside it, the same page is stored');
}

# Whether an answer came from the cache is httpd's to say, not the app's.
my $fake = GET('/pa-c?header=X-Prefork-App-Cache:%20HIT');
is($fake->code, 200, 'an app that says X-Prefork-App-Cache itself: 200');
ok(!defined $fake->header('X-Prefork-App-Cache'), 'its header does not reach the client');

done_testing();
