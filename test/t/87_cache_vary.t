# A page whose answer varies on request headers (Vary: Accept-Language,
# X-A, ...) is stored once per variant: each client gets the variant of
# its own headers, never another's; a write to the page, or a drop of one
# of its tags, takes every variant; Vary: * and a list too long are never
# stored.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 55;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkAppCache vz 1M
PreforkApp vecho "$echo" processes=2 cache=vz
<Location /v>
    SetHandler prefork-app:vecho
</Location>
PreforkApp cecho "$echo" processes=1 cache=vz cache-ignore-params=header3
<Location /c>
    SetHandler prefork-app:cecho
</Location>
PreforkApp lecho "$echo" processes=2 cache=vz cache-lock=20
<Location /l>
    SetHandler prefork-app:lecho
</Location>
EOF
ok($h->start, 'private httpd: an app caching in a zone')
    or diag($h->error_log);

sub esc { my $s = shift; $s =~ s/([^A-Za-z0-9_.-])/sprintf('%%%02X', ord $1)/ge; $s }
# A page stored for max-age s (60 by default) that varies on vary.
sub page {
    my ($path, $vary, $more) = @_;
    "$path?header=Cache-Control:" . esc($more // 'max-age=60') . '&header2=Vary:' . esc($vary);
}
my $ua = HTTP::Tiny->new(timeout => 60);
sub req { my ($method, $url, %hd) = @_; $ua->request($method, $h->url($url), { headers => \%hd }) }
# The cache's word on a GET with these headers (HIT, MISS, STALE, -), and
# the reply.
sub got {
    my ($url, %hd) = @_;
    my $r = req('GET', $url, %hd);
    return ($r->{status} == 200 ? $r->{headers}{'x-prefork-app-cache'} // '-' : "status $r->{status}", $r);
}
sub state_of { (got(@_))[0] }
# The Accept-Language the app was given for the reply (- for none).
sub lang_of { $_[0]{content} =~ /^HTTP_ACCEPT_LANGUAGE=(.*)$/m ? $1 : '-' }

my $p = page('/v/p', 'Accept-Language');
my ($s, $fr) = got($p, 'Accept-Language' => 'fr');
is("$s " . lang_of($fr), 'MISS fr', 'first French request: a miss, the app saw fr');
my ($s2, $fr2) = got($p, 'Accept-Language' => 'fr');
is($s2, 'HIT', 'the second French request: a hit');
is($fr2->{content}, $fr->{content}, '... with the stored French page');
is($fr2->{headers}{vary}, 'Accept-Language', 'the hit says what it varies on');

my ($s3, $de) = got($p, 'Accept-Language' => 'de');
is("$s3 " . lang_of($de), 'MISS de', 'a German request is not answered with the French page');
my ($s4, $de2) = got($p, 'Accept-Language' => 'de');
is("$s4 " . lang_of($de2), 'HIT de', 'the German page is stored beside it');
my ($s5, $fr3) = got($p, 'Accept-Language' => 'fr');
is("$s5 " . lang_of($fr3), 'HIT fr', 'and the French one is still there');
my ($s6, $none) = got($p);
is("$s6 " . lang_of($none), 'MISS -', 'a request without the header: a variant of its own');
is(state_of($p), 'HIT', '... stored too');
is(state_of($p, 'Accept-Language' => 'fr, de'), 'MISS', 'another value: another variant');
my $head = req('HEAD', $p, 'Accept-Language' => 'de');
is(($head->{headers}{'x-prefork-app-cache'} // '-') . ' ' . ($head->{headers}{'content-length'} // '-'),
   'HIT ' . length($de->{content}), 'a HEAD is answered from its variant');

# Names in any order and case name the same variants; each name's value
# counts, and a header sent differs from one not sent.
my $q = page('/v/q', 'X-B, x-a, X-A');
is(state_of($q, 'X-A' => '1', 'X-B' => '2'), 'MISS', 'Vary: X-B, x-a, X-A: the first request a miss');
is(state_of($q, 'x-b' => '2', 'x-a' => '1'), 'HIT', 'the same values: a hit');
is(state_of($q, 'X-A' => '1', 'X-B' => '3'), 'MISS', 'one value differs: a miss');
is(state_of($q, 'X-A' => '1'), 'MISS', 'one header missing: a miss');
is(state_of($q, 'X-A' => '1'), 'HIT', '... then stored');
is(state_of($q, 'X-A' => '1', 'X-B' => '2', 'X-C' => '9'), 'HIT',
   'a header it does not vary on changes nothing');

# Not stored: Vary: * (it varies on more than headers), a name that is not
# a token, more names than the cache keeps apart (8).
for my $case (['Vary: *', '*'], ['Vary: X-A, *', 'X-A, *'], ['a name with a slash', 'X/A'],
              ['nine names', join(', ', map { "X-$_" } 1 .. 9)]) {
    my ($what, $vary) = @$case;
    my $u = page('/v/n' . length($vary), $vary);
    state_of($u);
    is(state_of($u), '-', "$what: not stored");
}
is(state_of(page('/v/e', join(', ', map { "X-$_" } 1 .. 8))) . ' '
   . state_of(page('/v/e', join(', ', map { "X-$_" } 1 .. 8))), 'MISS HIT', 'eight names: stored');

# A write to the page drops every variant; a variant stored before it
# never comes back, not even once the page's list is made again by
# another variant.
my $w = req('POST', $p);
is($w->{status}, 200, 'a POST to the page');
my ($s7, $fr4) = got($p, 'Accept-Language' => 'fr');
is("$s7 " . lang_of($fr4), 'MISS fr', 'the French variant is gone: asked of the app anew');
is(state_of($p, 'Accept-Language' => 'de'), 'MISS',
   'the German one is gone too, though the French one made the list again');
is(state_of($p, 'Accept-Language' => 'de'), 'HIT', '... and is stored anew');

# Tags: every variant carries its page's, and goes with them.
my $t = page('/v/t', 'Accept-Language') . '&header3=X-Prefork-App-Cache-Tags:' . esc('vt');
state_of($t, 'Accept-Language' => $_) for qw(fr de);
is(join(' ', map { state_of($t, 'Accept-Language' => $_) } qw(fr de)), 'HIT HIT', 'two variants of a tagged page');
my $d = req('GET', '/v/drop?header=X-Prefork-App-Cache-Invalidate:vt');
is($d->{status}, 200, 'an answer that drops the tag');
is(join(' ', map { state_of($t, 'Accept-Language' => $_) } qw(fr de)), 'MISS MISS', 'both variants are gone');

# A stale variant is refreshed by itself (stale-while-revalidate): the
# first request that finds it stale asks the app, which stores the fresh
# one; the other variant stays as it was.
my $st = page('/v/s', 'Accept-Language', 'max-age=1, stale-while-revalidate=60');
state_of($st, 'Accept-Language' => $_) for qw(fr de);
is(join(' ', map { state_of($st, 'Accept-Language' => $_) } qw(fr de)), 'HIT HIT', 'two variants of a page fresh for 1 s');
sleep 2;
is(state_of($st, 'Accept-Language' => 'fr'), 'MISS', 'once stale, the first French request asks the app');
is(state_of($st, 'Accept-Language' => 'fr'), 'HIT', '... which stored the fresh French page');
my ($s8, $de3) = got($st, 'Accept-Language' => 'de');
is("$s8 " . lang_of($de3), 'MISS de', 'the German one is refreshed on its own');

# An encoded body (an app that compresses itself) is stored only as a
# variant told apart by Accept-Encoding, whose codings count as a set.
my $gz = page('/v/z', 'Accept-Encoding') . '&header3=Content-Encoding:gzip';
is(state_of($gz, 'Accept-Encoding' => 'gzip, br'), 'MISS', 'Content-Encoding: gzip, Vary: Accept-Encoding: a miss');
my ($sz, $rz) = got($gz, 'Accept-Encoding' => 'br;q=0.9, GZIP');
is("$sz " . ($rz->{headers}{'content-encoding'} // '-'), 'HIT gzip',
   'the same codings in another order and case: a hit, with its Content-Encoding');
is(state_of($gz), 'MISS', 'a client that sends no Accept-Encoding: not that variant');
is(state_of($gz, 'Accept-Encoding' => 'gzip;q=0, br'), 'MISS', 'gzip refused (q=0): another variant');
my $gzx = page('/v/zx', 'X-A') . '&header3=Content-Encoding:gzip';
state_of($gzx, 'Accept-Encoding' => 'gzip');
is(state_of($gzx, 'Accept-Encoding' => 'gzip'), '-', 'an encoded body whose Vary does not name Accept-Encoding: not stored');

# An app that compresses for some clients and not for others (here the
# query parameter that adds the Content-Encoding is out of the key): the
# identity copy becomes a variant beside the encoded one, and each client
# keeps getting its own.
my $cp = page('/c/p', 'Accept-Encoding');
is(state_of("$cp&header3=Content-Encoding:gzip", 'Accept-Encoding' => 'gzip'), 'MISS', 'encoded for a gzip client');
is(state_of($cp), 'MISS', 'identity for a client without Accept-Encoding');
my ($sc1, $rc1) = got("$cp&header3=Content-Encoding:gzip", 'Accept-Encoding' => 'gzip');
is("$sc1 " . ($rc1->{headers}{'content-encoding'} // '-'), 'HIT gzip', 'the gzip client: the encoded copy');
my ($sc2, $rc2) = got($cp);
is("$sc2 " . ($rc2->{headers}{'content-encoding'} // '-'), 'HIT -', 'the other: the identity copy');
my ($sc3, $rc3) = got($cp, 'Accept-Encoding' => 'gzip');
is("$sc3 " . ($rc3->{headers}{'content-encoding'} // '-'), 'HIT gzip',
   'the page asked for without the parameter by a gzip client: the encoded copy');

# cache-lock=: a miss that waited for another request's fetch of the page
# gets its own variant, never the one that fetch stored.
my $go = gate();
my $lp = page('/l/p', 'Accept-Language') . "&wait=$go";
my $c1 = $h->send_request($lp, 'Accept-Language: fr');
ok(wait_for(sub { $h->busy('lecho') == 1 }), 'a French GET held at the app');
my $c2 = $h->send_request($lp, 'Accept-Language: de');
ok(wait_for(sub { ($h->counter('lecho', 'cache_lock_waits') // 0) >= 1 }),
   'a German GET waits for that fetch (cache-lock)');
is($h->busy('lecho'), 1, '... not at the app meanwhile');
open_gate($go);
my ($st1, $cs1, $b1) = $h->cache_reply($c1);
my ($st2, $cs2, $b2) = $h->cache_reply($c2);
is("$st1 $cs1 " . lang_of({ content => $b1 }), '200 MISS fr', 'the French GET: its page, stored');
is("$st2 $cs2 " . lang_of({ content => $b2 }), '200 MISS de',
   'the German one: not the French page, but its own from the app');
is(state_of($lp, 'Accept-Language' => 'de'), 'HIT', '... stored as well');

# A request with a Cookie never reads the zone, Vary or not.
is(state_of($p, 'Accept-Language' => 'de', 'Cookie' => 'a=1'), '-', 'a request with a Cookie: not from the zone');

my $z = (status_json(undef, $h->url) || {})->{cache_zones} || [];
my ($vz) = grep { $_->{name} eq 'vz' } @$z;
ok($vz && ($vz->{stats}{hits} // 0) > 0, 'the zone counts hits') or diag(explain($z));
my $hits = $h->counter('vecho', 'cache_hits');
ok(defined $hits && $hits >= 15, "the app counts its pages served from the zone ($hits)")
    or diag($hits);

ok($h->stop, 'stopped');
unlike($h->error_log, qr/\[(?:error|crit|alert|emerg)\]|AddressSanitizer|runtime error/, 'no error logged');
