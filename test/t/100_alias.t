# PreforkAppAlias URL-PATH NAME: a URL space that is an app's, with no
# files behind it (mod_proxy's ProxyPass, mod_wsgi's WSGIScriptAlias).
# SCRIPT_NAME is URL-PATH and PATH_INFO the rest; httpd's directory walk
# is skipped (no .htaccess is read), <Location> sections apply, mod_mime
# does not hand the request to another handler, a TRACE is httpd's, an
# Alias or Redirect of mod_alias under it goes first; a
# virtual host's own lines first, then the main server's; an app aliased
# only in a virtual host serves that host alone.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Copy ();
use HTTP::Tiny ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 55;

my $echo = app_path('echo');
my $docs = test_dir('pa-alias-docs');
# A broken .htaccess: any request whose directory walk reads it fails.
mkdir "$docs/broken" or die $!;
write_file("$docs/broken/.htaccess", "ThisIsNoDirective\n");
write_file("$docs/broken/plain.txt", "a file\n");
mkdir "$docs/static" or die $!;
write_file("$docs/static/s.txt", "a static file\n");
mkdir "$docs/other" or die $!;
write_file("$docs/other/.htaccess", "SetHandler prefork-app:vroot\n");
write_file("$docs/other/f", '');
# The program's name has an extension mod_mime gives a handler to, and
# its directory a broken .htaccess and a <Directory> that denies all: none
# of them is the alias's, which has no file.
my $bin = test_dir('pa-alias-bin');
my $cgi = "$bin/echo.cgi";
File::Copy::copy($echo, $cgi) or die "$cgi: $!";
chmod 0755, $cgi;
write_file("$bin/.htaccess", "ThisIsNoDirective\n");
my $lib = libexecdir();
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
LoadModule rewrite_module "$lib/mod_rewrite.so"
LoadModule alias_module "$lib/mod_alias.so"
Alias /api/static "$docs/static"
Redirect /api/gone http://elsewhere.example/
PreforkApp e "$echo" processes=1
PreforkApp ecgi "$cgi" processes=1
PreforkApp vroot "$echo" processes=0-1
PreforkAppAlias /api e
PreforkAppAlias /api/v2/ ecgi
PreforkAppAlias /cgi ecgi
AddHandler cgi-script .cgi
DocumentRoot "$docs"
<Directory "$docs">
    AllowOverride All
</Directory>
<Directory "$bin">
    AllowOverride All
    Require all denied
</Directory>
<Location /api/private>
    Require all denied
</Location>
LoadModule status_module "$lib/mod_status.so"
<Location /api/server-status>
    SetHandler server-status
</Location>
<Location /api/raw>
    SetHandler default-handler
</Location>
<Location /api/guarded>
    PreforkAppAuthorizer ecgi
</Location>
<VirtualHost *>
    ServerName default.example
    DocumentRoot "$docs"
    RewriteEngine On
    RewriteRule ^/old/(.*) /api/new/\$1 [PT]
</VirtualHost>
<VirtualHost *>
    ServerName vh.example
    DocumentRoot "$docs"
    PreforkAppAlias / vroot
</VirtualHost>
<VirtualHost *>
    ServerName vh2.example
    DocumentRoot "$docs"
    PreforkAppAlias /own vroot
</VirtualHost>
EOF
ok($h->start, 'private httpd: PreforkAppAlias lines in the server and a virtual host')
    or diag($h->error_log);

sub var { my ($r, $name) = @_; $r->{content} =~ /^\Q$name\E=(.*)$/m ? $1 : undef }
sub get { $h->get_host('default.example', @_) }

my $r = get('/api');
is($r->{status}, 200, 'GET /api: served by the app');
is(var($r, 'SCRIPT_NAME'), '/api', '... SCRIPT_NAME is the URL path');
ok(!defined var($r, 'PATH_INFO'), '... no PATH_INFO');
is(var($r, 'SCRIPT_FILENAME'), $echo, "... SCRIPT_FILENAME is the app's program");
is(var($r, 'REQUEST_URI'), '/api', '... REQUEST_URI');

$r = get('/api/x/y%20z?q=1');
is($r->{status}, 200, 'GET /api/x/y%20z?q=1: served');
is(var($r, 'SCRIPT_NAME'), '/api', '... SCRIPT_NAME');
is(var($r, 'PATH_INFO'), '/x/y z', '... PATH_INFO is the rest, decoded (AcceptPathInfo has no say)');
is(var($r, 'QUERY_STRING'), 'q=1', '... QUERY_STRING');
ok(!defined var($r, 'PATH_TRANSLATED'), '... no PATH_TRANSLATED: the rest is no file');
is(var($r, 'REQUEST_URI'), '/api/x/y%20z?q=1', '... REQUEST_URI as sent');

is(var(get('/api/'), 'PATH_INFO'), '/', 'GET /api/: PATH_INFO /');
is(get('/apix')->{status}, 404, 'GET /apix: not the alias');
is(get('/broken/plain.txt')->{status}, 500, 'a file under a broken .htaccess: 500 (its directory walk reads it)');

# mod_alias's lines go first, as with mod_wsgi's WSGIScriptAlias: an
# app's static files, a redirect.
$r = get('/api/static/s.txt');
is("$r->{status} $r->{content}", "200 a static file\n", 'an Alias under the alias: the file is served');
$r = $h->get_host('default.example', '/api/gone/x');
is($r->{status}, 302, 'a Redirect under the alias: redirects');

# The first line that covers the path wins, as with Alias.
$r = get('/api/v2/z');
is(var($r, 'SCRIPT_NAME'), '/api', 'GET /api/v2/z: the first line that covers it (/api)');

$r = get('/cgi/run');
is($r->{status}, 200, "GET /cgi/run: served, though the program's directory has a broken .htaccess and Require all denied (no directory walk)");
is(var($r, 'SCRIPT_FILENAME'), $cgi, '... by the app whose program ends in .cgi, not as a CGI (AddHandler cgi-script .cgi)');

my $before = $h->counter('e', 'accepted');
is(get('/api/private/x')->{status}, 403, 'a <Location> under the alias with Require all denied: 403');
is($h->counter('e', 'accepted'), $before, '... the app not asked');

$before = $h->counter('e', 'accepted');
$r = get('/api/server-status');
like("$r->{status} $r->{content}", qr/^200 .*Apache Server Status/s, "a <Location> under the alias with SetHandler server-status: httpd's page");
is($h->counter('e', 'accepted'), $before, '... the app not asked');

# The access checks run as for any URL: an app asked as the authorizer
# (the echo takes its answer from X-Authorizer there).
is($h->get_host('default.example', '/api/guarded/x', 'X-Authorizer: status=403')->{status}, 403,
   'PreforkAppAuthorizer in a <Location> under the alias: its 403 refuses');
is(var($h->get_host('default.example', '/api/guarded/x', 'X-Authorizer: x=1'), 'PATH_INFO'), '/guarded/x',
   '... its 200 lets the request on to the app');

# r->filename is the program, but no file was looked up: httpd's own
# handler never sends the program itself.
$r = get('/api/raw');
is($r->{status}, 404, 'a <Location> under the alias with SetHandler default-handler: 404');
unlike($r->{content}, qr/\x7fELF/, '... not the app\'s program');

$r = get('/old/thing?a=b');
is($r->{status}, 200, 'a server-level RewriteRule [PT] into the alias: served');
is(var($r, 'SCRIPT_NAME'), '/api', '... SCRIPT_NAME');
is(var($r, 'PATH_INFO'), '/new/thing', '... PATH_INFO from the rewritten path');
is(var($r, 'REQUEST_URI'), '/old/thing?a=b', "... REQUEST_URI the client's");

$r = PATest::read_all($h->send_raw('POST', '/api/post', 'hello'));
like($r, qr{^HTTP/1\.1 200 }, 'a POST with a body: served') or diag($r);
like($r, qr/^CONTENT_LENGTH=5$/m, '... its length told');

# TRACE is httpd's own answer (TraceEnable), as everywhere.
$before = $h->counter('e', 'accepted');
$r = PATest::read_all($h->send_raw('TRACE', '/api/t'));
like($r, qr{^HTTP/1\.1 200 .*Content-Type: message/http}s, 'TRACE /api/t: httpd answers it') or diag($r);
is($h->counter('e', 'accepted'), $before, '... the app not asked');

# The virtual host's own line first: "/" covers every path there.
$r = $h->get_host('vh.example', '/api/x');
is($r->{status}, 200, 'vh.example /api/x: served');
is(var($r, 'SCRIPT_FILENAME'), $echo, '... by an app');
is(var($r, 'SCRIPT_NAME'), '', '... its own alias of / (SCRIPT_NAME empty)');
is(var($r, 'PATH_INFO'), '/api/x', '... PATH_INFO the whole path');
ok($h->counter('vroot', 'accepted') >= 1, '... the app vroot');
is(var($h->get_host('vh.example', '/'), 'PATH_INFO'), '/', 'vh.example /: PATH_INFO /');

# A host with lines of its own falls back on the main server's.
is(var($h->get_host('vh2.example', '/own/x'), 'SCRIPT_NAME'), '/own', "vh2.example /own/x: its own alias");
$r = $h->get_host('vh2.example', '/api/x');
is($r->{status}, 200, "vh2.example /api/x: the main server's alias");
is(var($r, 'SCRIPT_NAME'), '/api', '... SCRIPT_NAME /api');

# vroot is named only in the virtual hosts' sections: another host's .htaccess
# may not route its requests to it.
my $offset = error_log_offset($h->log_file);
is(get('/other/f')->{status}, 403, "default.example's .htaccess naming vh.example's aliased app: 403");
like(error_log_since($offset, $h->log_file), qr/PA00332: vroot: refused to virtual host .*\(default\.example\)/,
     '... PA00332');

# The status page says where each app is mapped.
my $ua = HTTP::Tiny->new(timeout => 60, keep_alive => 1);
is(join(' ', @{ ($h->app('e') || {})->{aliases} || [] }), '/api', "status JSON: e's aliases");
is(join(' ', @{ ($h->app('ecgi') || {})->{aliases} || [] }), '/api/v2 /cgi', "... ecgi's, in order (the first line's trailing / dropped)");
is(join(' ', sort @{ ($h->app('vroot') || {})->{aliases} || [] }), 'vh.example/ vh2.example/own', "... vroot's, in its virtual hosts");
like($ua->get($h->url('/app-status'))->{content} // '', qr{URLs \(PreforkAppAlias\): /api/v2 /cgi},
     '... and the HTML page');

# HTTP/1.1 keep-alive: requests through the alias and not, one connection.
is($ua->get($h->url('/api/k1'))->{status}, 200, 'keep-alive: the alias');
is($ua->get($h->url('/broken/plain.txt'))->{status}, 500, '... then a file (its walk reads the .htaccess)');
is(var($ua->get($h->url('/api/k2')), 'PATH_INFO'), '/k2', '... then the alias again');

ok($h->stop, 'httpd stops');
