# An app drops stored pages by tag with a response header
# (X-Prefork-App-Cache-Invalidate: a, b), on any answer (a POST's, an
# error's), without the C API: every page of those tags leaves the zone,
# other apps' sharing it included, and a GET that was being answered
# meanwhile does not store what it made (it may be the page from before).
# The header never reaches the client.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 30;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkAppCache iz 1M
PreforkApp iecho "$echo" processes=3 cache=iz
<Location /i>
    SetHandler prefork-app:iecho
</Location>
PreforkApp jecho "$echo" processes=1 cache=iz
<Location /j>
    SetHandler prefork-app:jecho
</Location>
EOF
ok($h->start, 'private httpd: two apps caching in one zone')
    or diag($h->error_log);

my $go = gate();
sub go   { open_gate($go) }
sub stop { close_gate($go) }
sub esc  { my $s = shift; $s =~ s/([^A-Za-z0-9_.-])/sprintf('%%%02X', ord $1)/ge; $s }
# A page stored for 60 s with these tags.
sub page { my ($path, $tags) = @_;
           "$path?header=Cache-Control:max-age%3D60&header2=X-Prefork-App-Cache-Tags:" . esc($tags) . "&whoami=1" }
# The cache state of a GET of it.
sub state_of { my $r = $h->get($_[0]); $r->{status} == 200 ? $r->{headers}{'x-prefork-app-cache'} // '-' : "status $r->{status}" }
# An answer of the app that drops these tags (method, extra query).
sub drop {
    my ($tags, $method, $query) = @_;
    my $url = $h->url('/i/drop?header=X-Prefork-App-Cache-Invalidate:' . esc($tags) . ($query // ''));
    return HTTP::Tiny->new(timeout => 60)->request($method // 'GET', $url);
}

my %p = (a => page('/i/a', 't1, t2'), b => page('/i/b', 't2'), c => page('/i/c', 't3'),
         d => page('/j/d', 't1'));
go();
for my $k (sort keys %p) {
    state_of($p{$k});
}
is(join(' ', map { state_of($p{$_}) } sort keys %p), 'HIT HIT HIT HIT',
   'four pages stored: a (t1, t2), b (t2), c (t3), and d (t1) of the other app');

my $log = error_log_offset($h->log_file);
my $r = drop('t1, nosuch');
is($r->{status}, 200, 'an answer with X-Prefork-App-Cache-Invalidate: t1, nosuch');
ok(!exists $r->{headers}{'x-prefork-app-cache-invalidate'}, '... which the client does not see');
is(join(' ', map { state_of($p{$_}) } sort keys %p), 'MISS HIT HIT MISS',
   'the pages of t1 are gone, the other app\'s too; the others stay');
is(state_of($p{a}), 'HIT', 'a page of the tag is stored again at its next GET');
my $said = error_log_since($log, $h->log_file);
like($said, qr/PA00618: app iecho: dropped tag 't1' from cache zone iz \(2 pages\)/,
     'logged at debug (PA00618), with how many pages');
like($said, qr/PA00618: app iecho: dropped tag 'nosuch' from cache zone iz \(0 pages\)/,
     'a tag no page carries: nothing dropped, no error');

# The usual place: the answer to the POST that changed the data.
$r = drop('t2', 'POST');
is($r->{status}, 200, 'a POST answered with the header for t2');
is(join(' ', map { state_of($p{$_}) } qw(a b c)), 'MISS MISS HIT', 'the pages of t2 are gone');

# An error answer: the app's headers go to httpd's error headers.
state_of($p{$_}) for qw(a b);
$r = drop('t2', 'GET', '&status=404');
is($r->{status}, 404, 'a 404 with the header for t2');
ok(!exists $r->{headers}{'x-prefork-app-cache-invalidate'}, '... not shown either');
is(join(' ', map { state_of($p{$_}) } qw(a b c)), 'MISS MISS HIT', 'the pages of t2 are gone again');

# A tag no page can carry (longer than 63 bytes) is refused and said; the
# others of the header are dropped all the same.
my $long = 'x' x 64;
$log = error_log_offset($h->log_file);
$r = drop("$long, t3");
is($r->{status}, 200, 'a header with a tag of 64 bytes and t3: the answer goes out');
is(state_of($p{c}), 'MISS', 't3 is dropped');
like(error_log_since($log, $h->log_file),
     qr/PA00619: app iecho: X-Prefork-App-Cache-Invalidate: tag '$long' not dropped from cache zone iz: /,
     'the long one: a warning (PA00619)');

# A GET being answered while its tag is dropped may bring the page from
# before the change: it is not stored.
my $slow = page('/i/e', 't4') . "&wait=$go";
stop();
my $held = $h->send_request($slow);
ok(wait_for(sub { $h->busy('iecho') == 1 }), 'a GET of a page of t4, held at the app');
$log = error_log_offset($h->log_file);
$r = drop('t4');
is($r->{status}, 200, 'meanwhile an answer drops t4');
go();
my ($hs, $hstate) = $h->cache_reply($held);
is("$hs $hstate", '200 MISS', 'the held GET is answered');
is(state_of($slow), 'MISS', '... but its page was not stored (it was made before the drop)');
is(state_of($slow), 'HIT', 'the next one is');
like(error_log_since($log, $h->log_file),
     qr/PA00609: app iecho: response not cached: the page \(or one of its tags\) was dropped while it was made/,
     'logged at debug (PA00609)');

# Tags of a page and tags to drop in one answer: the page is not stored
# when it carries one of them (its request began before the drop).
my $both = page('/i/f', 't5') . '&header3=X-Prefork-App-Cache-Invalidate:t5';
is(state_of($both), 'MISS', 'a page of t5 whose answer drops t5');
is(state_of($both), 'MISS', '... is not stored');

# Without cache=, the header is the app's own and passes (as the tags
# header): the module has no zone to drop from.
my $h2 = PATest::Httpd->new(conf => <<"EOF");
PreforkApp necho "$echo" processes=1
<Location /n>
    SetHandler prefork-app:necho
</Location>
EOF
ok($h2->start, 'a second httpd: an app without cache=');
$r = $h2->get('/n/x?header=X-Prefork-App-Cache-Invalidate:t1');
is($r->{status}, 200, 'its answer with the header');
is($r->{headers}{'x-prefork-app-cache-invalidate'}, 't1', '... shows it, as the app sent it');
$h2->stop;

unlike($h->error_log, qr/\[(?:crit|alert|emerg)\]|PA00608/, 'no drop failed, nothing worse logged');
ok($h->stop, 'httpd stops');
is(scalar(() = $h->error_log =~ /PA00619/g), 1, 'one warning in all (the long tag)');
