# The status page empties a cache zone, or drops the pages of a tag or of
# an app, when sent DELETE ?cache=ZONE[&tag=TAG|&app=NAME] where
# PreforkAppStatusCacheDrop is On
# (an admin after a deploy): only a zone the page shows, always logged;
# elsewhere DELETE stays a 405. A GET already at the app when the zone is
# emptied does not store what it made before.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 45;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkAppCache dz 1M
PreforkAppCache oz 1M
PreforkApp decho "$echo" processes=1 cache=dz
PreforkApp oecho "$echo" processes=1 cache=oz
<Location /d>
    SetHandler prefork-app:decho
</Location>
<Location /o>
    SetHandler prefork-app:oecho
</Location>
PreforkApp d2echo "$echo" processes=1 cache=dz
<Location /d2>
    SetHandler prefork-app:d2echo
</Location>
<Location /st-drop>
    SetHandler prefork-app-status
    Require local
    PreforkAppStatusCacheDrop On
</Location>
<Location /st-drop-d>
    SetHandler prefork-app-status
    Require local
    PreforkAppStatusCacheDrop On
    PreforkAppStatusApps decho
</Location>
<Location /st-drop-d/off>
    PreforkAppStatusCacheDrop Off
</Location>
EOF
ok($h->start, 'private httpd: two apps, two zones, status pages that may empty them')
    or diag($h->error_log);

my $ua = HTTP::Tiny->new(timeout => 60);
sub del { $ua->request('DELETE', $h->url($_[0])) }
sub esc { my $s = shift; $s =~ s/([^A-Za-z0-9_.-])/sprintf('%%%02X', ord $1)/ge; $s }
sub page { my ($path, $tag) = @_;
           "$path?header=Cache-Control:max-age%3D60&whoami=1"
           . ($tag ? '&header2=X-Prefork-App-Cache-Tags:' . esc($tag) : '') }
sub state_of { my $r = $h->get($_[0]); $r->{status} == 200 ? $r->{headers}{'x-prefork-app-cache'} // '-' : "status $r->{status}" }
my %p = (a => page('/d/a', 'ta'), b => page('/d/b', 'tb/1'), c => page('/o/c', 'ta'));
sub states { join ' ', map { state_of($p{$_}) } sort keys %p }

state_of($p{$_}) for sort keys %p;
is(states(), 'HIT HIT HIT', 'three pages stored: a (ta) and b (tb/1) in dz, c (ta) in oz');

my $r = del('/app-status?cache=dz');
is($r->{status}, 405, 'DELETE where PreforkAppStatusCacheDrop is not set: 405');
unlike($r->{headers}{allow} // '', qr/DELETE/, '... whose Allow does not name DELETE');
is(del('/st-drop-d/off?cache=dz')->{status}, 405, 'nor where a section below sets it Off');
$r = $ua->request('POST', $h->url('/st-drop?cache=dz'));
is("$r->{status} " . join(',', sort grep { /^(?:GET|DELETE)$/ } split /,/, $r->{headers}{allow} // ''),
   '405 DELETE,GET', 'a POST where it is On: 405, Allow names GET and DELETE');
is(states(), 'HIT HIT HIT', 'nothing dropped');

# A web page's script (a DNS rebinding makes it same-origin to the
# browser) sends an Origin header: refused, nothing dropped.
my $log = error_log_offset($h->log_file);
$r = $ua->request('DELETE', $h->url('/st-drop?cache=dz'), { headers => { Origin => 'http://rebound.example:8080' } });
is($r->{status}, 403, 'a DELETE with an Origin header (a web page\'s script): 403');
is(states(), 'HIT HIT HIT', '... nothing dropped');
like(error_log_since($log, $h->log_file), qr/PA00504: status page: cache drop refused: sent by a web page \(Origin: http:\/\/rebound\.example:8080\), from 127\.0\.0\.1/,
     '... logged (PA00504)');
$r = del('/st-drop?cache=dz&tag=ta');
is($r->{status}, 200, 'DELETE ?cache=dz&tag=ta: 200');
is($r->{content}, "dropped tag 'ta' from cache zone dz (1 entries)\n", '... says how many pages went');
is(states(), 'MISS HIT HIT', 'the page of ta in dz is gone; the other zone\'s page of ta stays');
$r = del('/st-drop?cache=dz&tag=tb%2F1');
is("$r->{status} $r->{content}", "200 dropped tag 'tb/1' from cache zone dz (1 entries)\n",
   'a tag with a slash, escaped in the query');
is(state_of($p{b}), 'MISS', '... its page is gone');
state_of($p{b});
is(states(), 'HIT HIT HIT', 'stored again');
$r = del('/st-drop?cache=dz');
is($r->{status}, 200, 'DELETE ?cache=dz: 200');
my ($n) = $r->{content} =~ /^emptied cache zone dz \((\d+) entries\)\n\z/;
ok(defined $n && $n >= 2, '... says so, with the entries it held') or diag($r->{content});
is(states(), 'MISS MISS HIT', 'every page of dz is gone, oz\'s stays');
my $said = error_log_since($log, $h->log_file);
like($said, qr/\[[\w:]*notice\] .*PA00503: status page: dropped tag 'ta' from cache zone dz for 127\.0\.0\.1 \(1 entries\)/,
     'a tag dropped: logged at notice (PA00503), with the client');
like($said, qr/PA00503: status page: emptied cache zone dz for 127\.0\.0\.1/, 'the zone emptied: logged');

# One app's pages in a zone that two apps share: the other's stay; a GET
# of the app in flight does not store its page afterwards.
my $e = page('/d2/e');
state_of($_) for ($p{a}, $e, $e);
is(state_of($p{a}) . ' ' . state_of($e), 'HIT HIT', 'a page of decho and one of d2echo, both in dz');
my $go0 = gate();
my $held0 = page('/d2/h') . "&wait=$go0";
my $c0 = $h->send_request($held0);
ok(wait_for(sub { $h->busy('d2echo') == 1 }), 'a GET of d2echo held at the app');
$r = del('/st-drop?cache=dz&app=d2echo');
is("$r->{status} $r->{content}", "200 dropped the pages of app d2echo from cache zone dz (1 entries)\n",
   'DELETE ?cache=dz&app=d2echo: its one page');
open_gate($go0);
is(($h->cache_reply($c0))[0], 200, 'the held GET ends');
is(state_of($e) . ' ' . state_of($p{a}), 'MISS HIT', 'its page is gone, decho\'s stays');
is(state_of($held0), 'MISS', 'what the held GET made was not stored');
like(error_log_since($log, $h->log_file),
     qr/PA00503: status page: dropped the pages of app d2echo from cache zone dz for 127\.0\.0\.1 \(1 entries\)/,
     'logged (PA00503)');
is(del('/st-drop?cache=oz&app=d2echo')->{status}, 404, 'an app that stores nothing in that zone: 404');
is(del('/st-drop?cache=dz&app=nosuch')->{status}, 404, 'an app that does not exist: 404');
is(del('/st-drop-d?cache=dz&app=d2echo')->{status}, 404, 'an app the page does not show: 404');
is(del('/st-drop?cache=dz&app=d2echo&tag=ta')->{status}, 400, 'app= and tag= together: 400');

# Only the zones the page shows (PreforkAppStatusApps), and only zones.
is(del('/st-drop-d?cache=oz')->{status}, 404, 'a zone of an app the page does not show: 404');
is(state_of($p{c}), 'HIT', '... and it stays whole');
is(del('/st-drop-d?cache=dz&tag=ta')->{status}, 200, 'a zone it shows: 200');
is(del('/st-drop?cache=nosuch')->{status}, 404, 'a zone that does not exist: 404');
is(del('/st-drop?tag=ta')->{status}, 400, 'no cache=: 400');
is($h->get('/st-drop?json')->{status}, 200, 'the page still answers GET');

# A GET at the app when the zone is emptied: what it brings may be the
# page from before; it is not stored.
my $go = gate();
my $held = page('/d/h', 'th') . "&wait=$go";
my $c = $h->send_request($held);
ok(wait_for(sub { $h->busy('decho') == 1 }), 'a GET held at the app');
is(del('/st-drop?cache=dz')->{status}, 200, 'the zone emptied meanwhile');
open_gate($go);
is(($h->cache_reply($c))[0], 200, 'the held GET ends');
is(state_of($held), 'MISS', 'what it made was not stored: the next GET asks the app');

ok($h->stop, 'stopped');

# A value that is neither On nor Off fails configtest, with file and line.
my $hello = app_path('hello');
my %r = configtest(qq{PreforkApp a "$hello"}, '<Location /s>', '    SetHandler prefork-app-status',
                   '    PreforkAppStatusCacheDrop yes', '</Location>');
ok($r{rc} != 0, 'PreforkAppStatusCacheDrop yes: configtest fails');
like($r{out}, qr/line @{[$r{first} + 3]} of \Q$r{file}\E:\s+PreforkAppStatusCacheDrop must be On or Off/,
     '... saying so, with the line') or diag($r{out});
