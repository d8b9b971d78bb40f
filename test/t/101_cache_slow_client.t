# A request that refreshes a stale page (stale-while-revalidate), or that
# fetches one for cache-lock='s waiters, lets go of the page once its answer
# is known not to be stored, not once its client has read all of it. Here
# that answer is the app's 500 of 300 KB to a client that reads nothing
# (httpd's send buffer small, as in t/54): meanwhile the next GET of a
# stale page goes to the app instead of getting the stale copy the refresh
# took away, and a miss asks the app at once instead of waiting out
# cache-lock=60 for the fetch. Nothing here reads a clock.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 16;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
SendBufferSize 8192
PreforkAppCache cz 32M
PreforkApp swr "$echo" processes=1 cache=cz
<Location /s>
    SetHandler prefork-app:swr
</Location>
PreforkApp lock "$echo" processes=1 cache=cz cache-lock=60
<Location /l>
    SetHandler prefork-app:lock
</Location>
EOF
ok($h->start, 'private httpd: two cached apps of one worker, one with cache-lock=60')
    or diag($h->error_log);

my $bytes = 300_000;
my $bad = gate();           # while it exists, the app answers 500
sub fetch {
    my $r = HTTP::Tiny->new(timeout => 90)->get($h->url($_[0]));
    return ($r->{status}, $r->{headers}{'x-prefork-app-cache'} // '-', length $r->{content});
}
# A client that reads nothing asks APP for PATH; once the app's one worker
# is free again, httpd holds the rest of the reply for it.
sub slow_fetch {
    my ($app, $path) = @_;
    my $accepted = $h->counter($app, 'accepted') // 0;
    # (The host of url(), which the page's key holds.)
    my $s = $h->slow_client($path, "127.0.0.1:" . $h->port);
    ok(wait_for(sub { ($h->counter($app, 'accepted') // 0) == $accepted + 1
                      && ($h->app($app) || {})->{processes}{idle} }),
       "$app: a client that reads nothing has its reply held, the worker free");
    return $s;
}

# stale-while-revalidate: the refresh's 500 takes the stale copy away.
my $page = "/s/p?header=Cache-Control:%20max-age%3D1%2C%20stale-while-revalidate%3D60"
         . "&failif=$bad&bytes=$bytes";
close_gate($bad);
is(join(' ', fetch($page)), "200 MISS $bytes", 'a page of 300 KB that may be served stale: stored');
is(join(' ', fetch($page)), "200 HIT $bytes", 'then a hit');
sleep 2;                    # past its max-age
open_gate($bad);
my $s = slow_fetch('swr', $page);
my ($st, $state) = fetch($page);
is("$st $state", '500 -',
   'once its refresh got a 500, the next GET goes to the app, while the refresh\'s client has read nothing');
is($h->counter('swr', 'cache_stale') // 0, 0, 'none was answered with the stale copy');
my ($rs, $rb) = $h->read_reply($s);
is($rs, 500, 'the slow client gets the 500');
is(length $rb, $bytes, 'all of it');

# cache-lock=: a fetch whose 500 stores nothing holds no miss.
my $lpage = "/l/p?header=Cache-Control:%20max-age%3D60&failif=$bad&bytes=$bytes";
my $waits = $h->counter('lock', 'cache_lock_waits') // 0;
$s = slow_fetch('lock', $lpage);
($st, $state) = fetch($lpage);
is("$st $state", '500 -', 'a miss of the page meanwhile: the app\'s 500');
is($h->counter('lock', 'cache_lock_waits') // 0, $waits,
   'at once: it did not wait for the fetch, whose client has read nothing');
unlike($h->error_log, qr/PA00613/, 'no wait ran out (PA00613)');
($rs, $rb) = $h->read_reply($s);
is("$rs " . length $rb, "500 $bytes", 'the slow client gets the whole 500');

# Once the app answers again, the page is stored and served as before.
close_gate($bad);
is((fetch($lpage))[1], 'MISS', 'the app answers 200: stored');
is((fetch($lpage))[1], 'HIT', 'then a hit');

unlike($h->error_log, qr/\[(crit|alert|emerg)\]|AddressSanitizer|runtime error/,
       'no crit line, no sanitizer report');
$h->stop;
