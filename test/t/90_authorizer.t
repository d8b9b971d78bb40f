# PreforkAppAuthorizer NAME: before a request here goes on, the FastCGI app
# NAME is asked in the Authorizer role (FastCGI 6.3): the request's
# variables and headers (Authorization too), no body. A 200 lets it go on,
# to whatever serves it (another app, a static file), with the app's
# "Variable-NAME: value" headers as variables and nothing else of its
# reply; any other answer is the client's response (a login redirect, a
# 401 with its challenge). An app that fails refuses (502/504), never
# grants. The echo app, as an Authorizer, takes its instructions from the
# X-Authorizer request header, so that it can be told apart from the app
# behind it.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 79;

my $echo = app_path('echo');

my %c = configtest(qq{PreforkApp a "$echo"},
                   '<Location /x>', '    PreforkAppAuthorizer nosuch', '</Location>');
ok($c{rc} != 0, 'PreforkAppAuthorizer naming no app: configtest fails');
like($c{out}, qr{\Q$c{file}\E:@{[$c{first} + 2]}: PreforkAppAuthorizer nosuch: no PreforkApp named 'nosuch'},
     '... with the file, the line and the name');
%c = configtest(qq{PreforkApp s "$echo --scgi" protocol=scgi},
                '<Location /x>', '    PreforkAppAuthorizer s', '</Location>');
ok($c{rc} != 0, 'an SCGI app as the authorizer: configtest fails');
like($c{out}, qr{:@{[$c{first} + 2]}: PreforkAppAuthorizer s: the app speaks SCGI; the Authorizer role is FastCGI's},
     '... saying why');
%c = configtest(qq{PreforkApp a "$echo"},
                '<Location /x>', '    PreforkAppAuthorizer a', '</Location>',
                '<Location /x/open>', '    PreforkAppAuthorizer None', '</Location>');
is($c{rc}, 0, 'an app, and None below it: configtest passes') or diag($c{out});

my $docs = File::Temp->newdir('pa-authXXXX', TMPDIR => 1);
chmod 0755, "$docs";
{ open my $fh, '>', "$docs/page.txt" or die $!; print $fh "a static page\n"; close $fh }
{ open my $fh, '>', "$docs/inc.shtml" or die $!; print $fh "before\n<!--#include virtual=\"/app/sub\" -->after\n"; close $fh }
for my $d (qw(ht htbad)) {
    mkdir "$docs/$d" or die $!;
    open my $fh, '>', "$docs/$d/f.txt" or die $!; print $fh "behind .htaccess\n"; close $fh;
}
{ open my $fh, '>', "$docs/ht/.htaccess" or die $!; print $fh "PreforkAppAuthorizer auth\n"; close $fh }
{ open my $fh, '>', "$docs/htbad/.htaccess" or die $!; print $fh "PreforkAppAuthorizer nosuch\n"; close $fh }

my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
DocumentRoot "$docs"
PreforkApp auth "$echo" processes=1 request-timeout=3
PreforkApp app "$echo" processes=1
PreforkAppCache az 1M
PreforkApp capp "$echo" processes=1 cache=az
<Location /capp>
    PreforkAppAuthorizer auth
    SetHandler prefork-app:capp
</Location>
PreforkApp norole "@{[app_path('bad')]} --mode=unknownrole" processes=1
<Location /norole>
    PreforkAppAuthorizer norole
    SetHandler prefork-app:app
</Location>
<Location /app>
    PreforkAppAuthorizer auth
    SetHandler prefork-app:app
</Location>
<Location /app/open>
    PreforkAppAuthorizer None
</Location>
<Location /page.txt>
    PreforkAppAuthorizer auth
</Location>
LoadModule headers_module "@{[libexecdir()]}/mod_headers.so"
<Location /hdr>
    PreforkAppAuthorizer auth
    SetHandler prefork-app:app
    Header always set X-Always yes
    Header set X-Success yes
</Location>
<Location /denied>
    Require all denied
    Header always set X-Always yes
    Header set X-Success yes
</Location>
LoadModule include_module "@{[libexecdir()]}/mod_include.so"
<Directory "$docs">
    AllowOverride AuthConfig
    Options +Includes
    AddOutputFilter INCLUDES .shtml
</Directory>
LoadModule access_compat_module "@{[libexecdir()]}/mod_access_compat.so"
<Location /any>
    PreforkAppAuthorizer auth
    Satisfy Any
    SetHandler prefork-app:app
</Location>
EOF
ok($h->start, 'private httpd: an app behind an authorizer, a static file behind it too')
    or diag($h->error_log);

my $ua = HTTP::Tiny->new(timeout => 60);
sub ask {
    my ($path, $auth, %o) = @_;
    my %hd = (%{ $o{headers} || {} });
    $hd{'X-Authorizer'} = $auth if defined $auth;
    return $ua->request($o{method} || 'GET', $h->url($path),
                        { headers => \%hd, defined $o{body} ? (content => $o{body}) : () });
}
sub var { my ($r, $name) = @_; $r->{content} =~ /^\Q$name\E=(.*)$/m ? $1 : undef }
# Requests handed to one of the app's workers; dies without the counter, so
# that a renamed key cannot make the comparisons below undef == undef.
sub count {
    my $n = $h->counter($_[0], 'accepted');
    defined $n or die "no counters.accepted for $_[0] on the status page\n";
    return $n;
}

my $off;
# Granted.
my $r = ask('/app/x?q=1', 'header=Variable-AUTH_ROLE:admin&header2=X-From-Auth:yes');
is($r->{status}, 200, 'the authorizer answers 200: the request goes on');
is(var($r, 'FCGI_ROLE'), 'RESPONDER', '... to the app behind it, as a responder');
is(var($r, 'AUTH_ROLE'), 'admin', '... which has the Variable-AUTH_ROLE header as a variable');
is(var($r, 'QUERY_STRING'), 'q=1', '... and the request as it came');
ok(!exists $r->{headers}{'x-from-auth'}, "the authorizer's other headers do not reach the client");
ok(!defined var($r, 'FCGI_APACHE_ROLE'), 'the responder has no FCGI_APACHE_ROLE');

# Refused: its answer is the response; the app behind it is not asked.
my $before = count('app');
$r = ask('/app/x', 'status=403&header=X-Why:nope');
is($r->{status}, 403, 'the authorizer answers 403: the client gets 403');
is($r->{headers}{'x-why'}, 'nope', "... with the authorizer's headers");
is(var($r, 'FCGI_ROLE'), 'AUTHORIZER', "... and its body (the authorizer's dump)");
is(var($r, 'FCGI_APACHE_ROLE'), 'ACCESS_CHECKER', "... which has mod_fcgid's FCGI_APACHE_ROLE");
is(count('app'), $before, 'the app behind it was not asked');
like(error_log_since(0, $h->log_file), qr/PA00334: auth: the authorizer refused GET \/app\/x with status 403/,
     'one info line in the error log');

# What the authorizer is given.
$r = ask('/app/x/more?k=v', 'status=401', method => 'POST', body => 'secret body',
         headers => { Authorization => 'Basic Zm9vOmJhcg==' });
is($r->{status}, 401, 'a POST refused with 401');
is(var($r, 'HTTP_AUTHORIZATION'), 'Basic Zm9vOmJhcg==', 'the authorizer gets the Authorization header');
is(var($r, 'body_length'), 0, '... no body');
ok(!defined var($r, 'CONTENT_LENGTH'), '... no CONTENT_LENGTH');
ok(!defined var($r, 'PATH_INFO') && !defined var($r, 'SCRIPT_NAME'), '... no PATH_INFO, no SCRIPT_NAME (FastCGI 6.3)');
is(var($r, 'QUERY_STRING'), 'k=v', '... the query string');
is(var($r, 'REQUEST_METHOD'), 'POST', '... the method');

$r = ask('/app/x', '', method => 'POST', body => 'secret body',
         headers => { Authorization => 'Basic Zm9vOmJhcg==' });
is($r->{status}, 200, 'a POST granted');
is(var($r, 'body_length'), 11, '... the app behind it gets the whole body');
ok(!defined var($r, 'HTTP_AUTHORIZATION'), '... and not the Authorization header (CGIPassAuth Off)');

# A challenge and a login redirect, as the authorizer words them.
$r = ask('/app/x', 'status=401&header=WWW-Authenticate:Basic%20realm%3D%22shop%22');
is($r->{status}, 401, 'a 401');
is($r->{headers}{'www-authenticate'}, 'Basic realm="shop"', '... with its challenge');
$r = HTTP::Tiny->new(timeout => 60, max_redirect => 0)->request('GET', $h->url('/app/x'),
    { headers => { 'X-Authorizer' => 'status=302&header=Location:http://login.example/' } });
is($r->{status}, 302, 'a redirect to a login page');
is($r->{headers}{location}, 'http://login.example/', '... to where it says');
# A CGI redirect (Location and no Status) is a refusal too, never a pass:
# the client is sent where it says.
for my $to ('http://login.example/sso', '/login') {
    $r = HTTP::Tiny->new(timeout => 60, max_redirect => 0)->request('GET', $h->url('/app/x'),
        { headers => { 'X-Authorizer' => "redirect=$to" } });
    is("$r->{status} " . ($r->{headers}{location} // ''), "302 $to", "Location: $to and no Status: refused, a 302 there");
    unlike($r->{content} // '', qr/FCGI_ROLE=RESPONDER/, '... and the app behind it is not asked');
}

# mod_headers: a refusal gets what httpd's own error pages get ("Header
# always": HSTS, CSP), not the handler's "Header set".
$r = ask('/hdr/x', '');
is($r->{status}, 200, 'Header in the section: granted');
ok(($r->{headers}{'x-always'} // '') eq 'yes' && ($r->{headers}{'x-success'} // '') eq 'yes',
   '... the reply has both Header always and Header set');
$r = ask('/denied', '');
is($r->{status}, 403, "httpd's own refusal (Require all denied)");
is($r->{headers}{'x-always'}, 'yes', '... has Header always');
ok(!exists $r->{headers}{'x-success'}, '... not Header set');
$r = ask('/hdr/x', 'status=401&header=WWW-Authenticate:Basic%20realm%3D%22h%22');
is($r->{status}, 401, "the authorizer's refusal as the response");
is($r->{headers}{'x-always'}, 'yes', '... has Header always, as an error page of httpd');
ok(!exists $r->{headers}{'x-success'}, '... not Header set');
is($r->{headers}{'www-authenticate'}, 'Basic realm="h"', "... and the authorizer's own headers");

# A static file behind it.
$r = ask('/page.txt', '');
is($r->{status}, 200, 'a static file, granted');
is($r->{content}, "a static page\n", '... is served as it is');
$r = ask('/page.txt', 'status=403');
is($r->{status}, 403, 'a static file, refused: 403');
unlike($r->{content}, qr/a static page/, '... and not the file');

# Under Satisfy Any, another check can still let the request through after
# a refusal (as after mod_access_compat's Deny): only the refusal's status
# counts, and none of the authorizer's reply is kept. Here nothing else
# asks for a login, so the request goes on.
$r = ask('/any/x', 'header=Variable-AUTH_ROLE:any');
is(var($r, 'AUTH_ROLE'), 'any', 'Satisfy Any: a 200 lets the request go on');
$r = ask('/any/x', 'status=401&header=WWW-Authenticate:Basic%20realm%3D%22any%22&header2=X-Why:nope');
is($r->{status}, 200, 'Satisfy Any, a 401, no Require: the request goes on, with 200');
is(var($r, 'FCGI_ROLE'), 'RESPONDER', "... to the app behind it");
ok(!exists $r->{headers}{'www-authenticate'} && !exists $r->{headers}{'x-why'},
   "... with none of the authorizer's headers");

# A subrequest (an SSI include of a URL behind the authorizer): a refusal
# is its status, never the authorizer's body inside the page.
$r = ask('/inc.shtml', 'header=Variable-AUTH_ROLE:inc');
like($r->{content}, qr/^before\n.*^AUTH_ROLE=inc\n.*^after$/ms, 'an include, granted: the app behind it is in the page');
$r = ask('/inc.shtml', 'status=403');
is($r->{status}, 200, 'an include, refused: the page itself is served');
unlike($r->{content}, qr/FCGI_ROLE/, "... with neither the app's output nor the authorizer's body in it");
like($r->{content}, qr/an error occurred while processing this directive/, "... but mod_include's error text");

# The response cache behind an authorizer: still asked before a hit; a
# request the authorizer gave variables (a user, a role) neither reads nor
# fills the cache, as one with Authorization.
sub cache_state { $_[0]{headers}{'x-prefork-app-cache'} // '-' }
my $cc = '?header=Cache-Control:max-age%3D60';
$r = ask("/capp/p$cc", '');
is(cache_state($r), 'MISS', 'a page behind an authorizer: stored');
$r = ask("/capp/p$cc", '');
is(cache_state($r), 'HIT', '... served from the cache once granted');
$r = ask("/capp/p$cc", 'status=403');
is($r->{status}, 403, '... and refused by the authorizer all the same');
$r = ask("/capp/p$cc", 'header=Variable-AUTH_ROLE:admin');
is(cache_state($r), '-', 'granted with variables: not served from the cache');
is(var($r, 'AUTH_ROLE'), 'admin', "... the app made the page for the user");
$r = ask("/capp/q$cc", 'header=Variable-AUTH_ROLE:admin');
is(cache_state($r), '-', '... nor stored');
$r = ask("/capp/q$cc", '');
is(cache_state($r), 'MISS', "... so another user's request does not get it");

# In an .htaccess (AllowOverride AuthConfig).
$r = ask('/ht/f.txt', 'status=403');
is($r->{status}, 403, 'PreforkAppAuthorizer in an .htaccess: asked, refuses');
$r = ask('/ht/f.txt', '');
is($r->{content}, "behind .htaccess\n", '... and grants');
$off = PATest::error_log_offset($h->log_file);
$r = ask('/htbad/f.txt', '');
is($r->{status}, 500, "an .htaccess naming no app: 500");
like(PATest::error_log_since($off, $h->log_file), qr/PA00301: no PreforkApp named 'nosuch' \(to ask as an authorizer\)/,
     '... and one log line');

# Switched off below.
$r = ask('/app/open/x', 'status=403');
is($r->{status}, 200, 'PreforkAppAuthorizer None: no authorizer asked');

# An authorizer that fails refuses.
$before = count('app');
$r = ask('/app/x', 'die=always');
is($r->{status}, 502, 'an authorizer that dies: 502');
$r = ask('/app/x', 'nohead=1');
is($r->{status}, 502, 'an authorizer that answers nothing: 502');
$r = ask('/app/x', 'sleep=10');
is($r->{status}, 504, 'an authorizer that takes longer than request-timeout: 504');
is(count('app'), $before, '... the app behind it was asked none of them');
$r = ask('/app/x', 'header=Variable-AUTH_ROLE:user');
is(var($r, 'AUTH_ROLE'), 'user', 'the authorizer, replaced, grants again');
$off = PATest::error_log_offset($h->log_file);
$r = ask('/norole/x', '');
is($r->{status}, 502, 'an app that does not take the Authorizer role (FCGI_UNKNOWN_ROLE): 502');
like(PATest::error_log_since($off, $h->log_file), qr/PA00403: norole: worker pid \d+ refused the request \(FastCGI protocol status 3\)/,
     '... and the log line says so');

my $app = $h->app('auth');
is(join(' ', map { $app->{counters}{"authorizer_$_"} // '-' } qw(granted refused)), '13 12',
   'the status page counts the 13 requests the authorizer let through and the 12 it refused (not those it failed)');
is($h->app('app')->{counters}{authorizer_refused}, 0, "... and nothing for the app behind it");
ok($h->stop, 'httpd stops');
