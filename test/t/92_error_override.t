# error-override=on|CODE,...: an app's error answers (all 4xx and 5xx, or
# those listed) are replaced by httpd's own: the ErrorDocument, else its
# standard page, as ProxyErrorOverride does for mod_proxy_fcgi. The app's
# body and headers go (its challenge, Retry-After and cookies stay), the
# worker reads on to the end of the reply and stays; an ErrorDocument the
# app itself serves is its answer (no loop); a 503 of the app's own does
# not count as the module's.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 42;

my $echo = app_path('echo');
my $docs = File::Temp->newdir('pa-eoXXXX', TMPDIR => 1);
chmod 0755, "$docs";
{ open my $fh, '>', "$docs/inc.shtml" or die $!; print $fh "before\n<!--#include virtual=\"/all/inc?status=404\" -->after\n"; close $fh }
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
DocumentRoot "$docs"
LoadModule rewrite_module "@{[libexecdir()]}/mod_rewrite.so"
LoadModule include_module "@{[libexecdir()]}/mod_include.so"
<Directory "$docs">
    RewriteEngine On
    RewriteRule ^front/(.*)\$ /all/\$1 [L]
    Options +Includes
    AddOutputFilter INCLUDES .shtml
</Directory>
PreforkApp all "$echo" processes=1 error-override=on
PreforkApp some "$echo" processes=1 error-override=404,503
PreforkApp none "$echo" processes=1
PreforkApp scgi "$echo --scgi" protocol=scgi processes=1 error-override=on
PreforkApp cgi "$echo --cgi" protocol=cgi processes=1 error-override=on
PreforkAppCache ez 1M
PreforkApp cached "$echo" processes=1 error-override=on cache=ez cache-lock=5
PreforkApp plain "$echo" processes=1 cache=ez
ErrorDocument 404 "custom page: not here"
ErrorDocument 500 /all/errpage?status=500&header=X-Page:app
<Location /all>
    SetHandler prefork-app:all
</Location>
<Location /some>
    SetHandler prefork-app:some
</Location>
<Location /none>
    SetHandler prefork-app:none
</Location>
<Location /scgi>
    SetHandler prefork-app:scgi
</Location>
<Location /cgi>
    SetHandler prefork-app:cgi
</Location>
<Location /cached>
    SetHandler prefork-app:cached
</Location>
<Location /plain>
    SetHandler prefork-app:plain
</Location>
EOF
ok($h->start, 'private httpd: apps with error-override=on, =404,503 and without')
    or diag($h->error_log);

my $ua = HTTP::Tiny->new(timeout => 60);
sub get { $ua->request($_[1] // 'GET', $h->url($_[0])) }
sub served { $_[0]{content} =~ /served=(\d+)/ ? $1 : -1 }

my $r = get('/all/x?status=404&header=X-From-App:yes');
is($r->{status}, 404, 'error-override=on: the app says 404, the client gets 404');
is($r->{content}, 'custom page: not here', '... with the ErrorDocument, not the app\'s body');
ok(!exists $r->{headers}{'x-from-app'}, "... and none of the app's other headers");

$r = get('/all/x?status=410');
is($r->{status}, 410, 'a status without an ErrorDocument');
like($r->{content}, qr/<title>410 Gone<\/title>/, "... httpd's own page");
unlike($r->{content}, qr/REQUEST_METHOD/, "... not the app's dump");

$r = get('/all/x?status=401&header=WWW-Authenticate:Basic%20realm%3D%22r%22&header2=Set-Cookie:s%3D1');
is($r->{status}, 401, 'a 401');
is($r->{headers}{'www-authenticate'}, 'Basic realm="r"', '... keeps its challenge');
is($r->{headers}{'set-cookie'}, 's=1', '... and its cookie');
$r = get('/all/x?status=503&header=Retry-After:120');
is($r->{status}, 503, 'a 503');
is($r->{headers}{'retry-after'}, '120', '... keeps its Retry-After');
is($h->counter('all', 'http_503'), 0, "... which the status page does not count as the module's 503");

# An ErrorDocument served by the app itself: its answer is the page.
$r = get('/all/x?status=500');
is($r->{status}, 500, 'a 500 whose ErrorDocument is a page of the app');
like($r->{content}, qr/^REDIRECT_STATUS=500$/m, '... served by the app (it says 500 too: not replaced again)');
is($r->{headers}{'x-page'}, 'app', "... with that page's headers");

$r = get('/all/x?header=X-From-App:yes');
is($r->{status}, 200, 'a 200 is the app\'s');
is($r->{headers}{'x-from-app'}, 'yes', '... with its headers');
like($r->{content}, qr/^REQUEST_METHOD=GET$/m, '... and its body');
$r = HTTP::Tiny->new(timeout => 60, max_redirect => 0)
    ->get($h->url('/all/x?status=302&header=Location:http://elsewhere.example/'));
is("$r->{status} " . ($r->{headers}{location} // '-'), '302 http://elsewhere.example/', 'a redirect is not an error');

# Behind a front controller's rewrite (an internal redirect in a
# directory's context, as .htaccess rules are), where ProxyErrorOverride
# does nothing; not in an include.
$r = get('/front/x?status=404');
is($r->{status}, 404, 'through a RewriteRule in a <Directory> (an internal redirect): 404');
is($r->{content}, 'custom page: not here', '... replaced all the same');
$r = get('/inc.shtml');
like($r->{content}, qr/^before\n.*^REQUEST_METHOD=GET\n.*^after$/ms,
     "an include of a 404: the app's own text in the page, not an error page");

# A long error body is read to its end: the worker stays, on its kept
# connection.
my $before = served(get('/all/x?whoami=1'));
$r = get('/all/x?status=404&bytes=300000');
is($r->{content}, 'custom page: not here', 'a 404 with a 300 KB body: replaced');
$r = get('/all/x?whoami=1');
is(served($r), $before + 2, '... and the same worker serves the next request');
$r = get('/all/x?status=404', 'HEAD');
is($r->{status}, 404, 'HEAD: 404');

# Only the listed ones.
$r = get('/some/x?status=404');
is($r->{content}, 'custom page: not here', 'error-override=404,503: a 404 replaced');
$r = get('/some/x?status=403&header=X-From-App:yes');
is($r->{status}, 403, '... a 403 passes');
like($r->{content}, qr/^REQUEST_METHOD=GET$/m, "... with the app's body");
is($r->{headers}{'x-from-app'}, 'yes', "... and headers");
for my $proto (qw(scgi cgi)) {
    $r = get("/$proto/x?status=404&header=X-From-App:yes");
    ok($r->{status} == 404 && $r->{content} eq 'custom page: not here' && !exists $r->{headers}{'x-from-app'},
       "an app speaking \U$proto\E: its 404 replaced too") or diag(explain($r));
}
$r = get('/none/x?status=404');
like($r->{content}, qr/^REQUEST_METHOD=GET$/m, "without error-override: the app's own 404 page");

# With a response cache: httpd's page is never stored in the app's
# place (a cacheable 404 is, without error-override).
my $cc = 'header=Cache-Control:max-age%3D60';
$r = get("/plain/gone?status=404&$cc");
$r = get("/plain/gone?status=404&$cc");
is($r->{headers}{'x-prefork-app-cache'}, 'HIT', 'without error-override a cacheable 404 is stored');
$r = get("/cached/gone?status=404&$cc");
$r = get("/cached/gone?status=404&$cc");
is($r->{content}, 'custom page: not here', 'with it, a cacheable 404 is replaced');
ok(!defined $r->{headers}{'x-prefork-app-cache'}, '... and not stored (each request asks the app)');
is($h->counter('cached', 'accepted'), 2, '... which answered both');

my $doc = status_json(undef, $h->url);
my %eo = map { $_->{name} => $_->{error_override} } @{ $doc->{apps} || [] };
is($eo{all}, 'on', 'status page: error_override "on"');
is($eo{some}, '404,503', '... the list as configured');
ok(exists $eo{none} && !defined $eo{none}, '... null when off');
is($h->counter('all', 'http_502'), 0, 'no 502 among them');

ok($h->stop, 'httpd stops');
