# Differential test: the same requests to the same FastCGI app through
# mod_prefork_app (/pa-*) and through mod_proxy_fcgi (/px-*, the app started
# by spawn-fcgi) give the same status, headers and body. Three apps: the C
# echo (libfcgi), a Perl FCGI.pm echo and a PHP echo run by php-cgi.
#
# Differences that are expected, and left out of the comparison (PADiff):
# - Date, Server, Connection, Keep-Alive;
# - Content-Length vs Transfer-Encoding: chunked: mod_prefork_app passes a
#   reply that arrives whole (with the end of the request) in one brigade, so
#   httpd can count it; mod_proxy_fcgi passes every record on its own;
# - the variables REMOTE_PORT (another connection), SCRIPT_FILENAME
#   (mod_proxy_fcgi sends "proxy:fcgi://localhost/...", mod_prefork_app the
#   file httpd mapped the URL to) and proxy-nokeepalive (mod_proxy's own);
# - Location with no Status: mod_prefork_app does what mod_cgi does (a local
#   path is served by an internal redirect, a URL becomes a 302);
#   mod_proxy_fcgi sends the Location to the client with status 200.
#   Checked on their own below.
# - a chunked body over 64 KB to PHP: mod_prefork_app spools it and tells
#   the app its CONTENT_LENGTH; mod_proxy_fcgi streams it without one, and
#   php-cgi, which reads no body without a length, sees none. Smaller ones
#   too, unless the whole body is there when mod_proxy_fcgi first reads it
#   (timing). mod_prefork_app never sends HTTP_TRANSFER_ENCODING=chunked
#   beside the length it gives. Checked on its own below.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use HTTP::Tiny ();
use PATest qw(:all);
use PADiff;

my $logs = Apache::Test::vars('t_logs');
my $tdir = Apache::Test::vars('serverroot');
my $apps = $ENV{PA_APPS} or die "PA_APPS is not set (run through t/TEST.PL)\n";
my $base = 'http://' . Apache::TestRequest::hostport();

my %backend = (
    c   => [ "$apps/echo" ],
    pl  => [ "$tdir/apps/echo.pl" ],
    php => [ '/usr/bin/php-cgi' ],
);
my %path = (c => 'c', pl => 'pl', php => 'php/echo.php');

# ---- the mod_proxy_fcgi side: one spawn-fcgi process per app ----------------
my @pidfiles;
for my $name (sort keys %backend) {
    my $sock = "$logs/px_$name.sock";
    my $pidfile = "$logs/px_$name.pid";
    unlink $sock;
    # The workers of mod_prefork_app get no environment but PATH, USER and
    # HOME of the user they run as (httpd's, the tests' here) (and a php*
    # command PHP_FCGI_MAX_REQUESTS=0): the same here, since php-cgi shows
    # its environment in $_SERVER.
    my @pw = getpwuid($>);
    system('env', '-i', 'PATH=/usr/local/bin:/usr/bin:/bin', "USER=$pw[0]", "HOME=$pw[7]",
           ($name eq 'php' ? ('PHP_FCGI_MAX_REQUESTS=0') : ()), 'spawn-fcgi',
           '-s', $sock, '-P', $pidfile, '--', @{ $backend{$name} }) == 0
        or die "spawn-fcgi for $name failed\n";
    push @pidfiles, $pidfile;
}
END {
    for my $pidfile (@pidfiles) {
        open my $fh, '<', $pidfile or next;
        my ($pid) = <$fh> =~ /(\d+)/;
        kill 'TERM', $pid if $pid;
    }
}

my $http = HTTP::Tiny->new(timeout => 60, max_redirect => 0, keep_alive => 0);
my @requests = PADiff::requests(chunked => 1);

plan tests => 3 * 3 * @requests - 3 + 9 + 10 + 7;

for my $app (qw(c pl php)) {
    for my $req (@requests) {
        next if $app eq 'php' && $req->[0] eq 'POST chunked';
        PADiff::compare($http, $base, $app, "/pa-$path{$app}", "/px-$path{$app}", $req,
                        qw(REMOTE_PORT SCRIPT_FILENAME proxy-nokeepalive));
    }
}

# Chunked bodies reach PHP whole, with their length.
{
    my $noise = PADiff::noise();
    my @parts = unpack '(a65000)*', substr($noise, 0, 300000);
    my $res = $http->request('POST', "$base/pa-php/echo.php?echo=body",
                             { content => sub { shift @parts } });
    is($res->{status}, 200, 'php: chunked body over 64 KB: 200');
    ok($res->{content} eq substr($noise, 0, 300000), 'php: chunked body over 64 KB: all of it');
    @parts = unpack '(a1000)*', substr($noise, 0, 5000);
    $res = $http->request('POST', "$base/pa-php/echo.php", { content => sub { shift @parts } });
    is($res->{status}, 200, 'php: small chunked body: 200');
    like($res->{content}, qr/^CONTENT_LENGTH=5000$/m, 'php: small chunked body: CONTENT_LENGTH');
    unlike($res->{content}, qr/^HTTP_TRANSFER_ENCODING=/m,
           'php: small chunked body: no HTTP_TRANSFER_ENCODING beside it');
    like($res->{content}, qr/^body_length=5000$/m, 'php: small chunked body: all of it');
}

# The variables a request is known by, as the app saw them (C echo).
{
    my $res = $http->get("$base/pa-c/p/i?x=1", { headers => { Proxy => 'http://evil/' } });
    my %env = $res->{content} =~ /^([A-Za-z_][\w-]*)=(.*)$/mg;
    is($env{PATH_INFO}, '/p/i', 'PATH_INFO');
    is($env{QUERY_STRING}, 'x=1', 'QUERY_STRING');
    ok(!exists $env{HTTP_PROXY}, 'no HTTP_PROXY (httpoxy)');
}

# The Authorization header is not handed to the app, as under mod_cgi and
# mod_proxy_fcgi, unless CGIPassAuth On (PHP's PHP_AUTH_USER needs it).
{
    my %auth = (headers => { Authorization => 'Basic dXNlcjpzZWNyZXQ=' });
    my %env = $http->get("$base/pa-c", \%auth)->{content} =~ /^([A-Za-z_][\w-]*)=(.*)$/mg;
    ok(!exists $env{HTTP_AUTHORIZATION}, 'no HTTP_AUTHORIZATION by default');
    %env = $http->get("$base/pa-auth", \%auth)->{content} =~ /^([A-Za-z_][\w-]*)=(.*)$/mg;
    is($env{HTTP_AUTHORIZATION}, 'Basic dXNlcjpzZWNyZXQ=', 'HTTP_AUTHORIZATION with CGIPassAuth On');
}

# A local redirect is served internally, as a GET, like mod_cgi does.
{
    my $res = $http->post_form("$base/pa-c?redirect=%2Fpa-c%3Ffrom%3Dredirect", { x => 1 });
    is($res->{status}, 200, 'local redirect: 200');
    like($res->{content}, qr/^QUERY_STRING=from=redirect$/m, 'local redirect: served the target');
    like($res->{content}, qr/^method=GET$/m, 'local redirect: as a GET');
}

# A Location that is a URL, with no Status: a 302, as mod_cgi does.
{
    my $res = $http->get("$base/pa-c?redirect=http%3A%2F%2Fexample.com%2Felsewhere");
    is($res->{status}, 302, 'URL in Location: 302');
    is($res->{headers}{location}, 'http://example.com/elsewhere', 'URL in Location: kept');
}

# The app's ETag matches If-None-Match: 304, its body dropped.
is($http->get("$base/pa-c?etag=v1", { headers => { 'If-None-Match' => '"v1"' } })->{status},
   304, 'conditional GET: 304');
# A 304 carries the app's headers: a bad one is the app's bad reply, as
# without the condition.
is($http->get("$base/pa-c?etag=v1&header=Bad%20Name:x",
              { headers => { 'If-None-Match' => '"v1"' } })->{status},
   502, 'conditional GET, bad header field: 502');

# If-Match that the app's ETag does not match: 412 (ap_meets_conditions(),
# as for a static file), the app's body dropped; one it matches: its reply.
# A 412 carries the app's headers like a 304: a bad one is still a 502.
{
    my $res = $http->get("$base/pa-c?etag=v1", { headers => { 'If-Match' => '"v2"' } });
    is($res->{status}, 412, 'If-Match not matching the app\'s ETag: 412');
    unlike($res->{content}, qr/^method=GET$/m, '412: the app\'s body is not sent');
    $res = $http->get("$base/pa-c?etag=v1", { headers => { 'If-Match' => '"v1"' } });
    is($res->{status}, 200, 'If-Match matching the app\'s ETag: 200');
    like($res->{content}, qr/^method=GET$/m, 'and the app\'s reply');
    is($http->get("$base/pa-c?etag=v1&header=Bad%20Name:x",
                  { headers => { 'If-Match' => '"v2"' } })->{status},
       502, 'failed If-Match, bad header field: 502');
}

# A range past the end: httpd's byterange filter answers 416 itself when the
# reply came whole (else the range is not applied: 200), and that answer
# reaches the client.
{
    my $res = $http->get("$base/pa-c?bytes=10", { headers => { Range => 'bytes=500-' } });
    ok($res->{status} == 416 || ($res->{status} == 200 && length $res->{content} == 10),
       'range past the end: 416 (or the whole reply)')
        or diag("$res->{status}: $res->{content}");
    # Range is for GET alone (RFC 9110 14.2).
    $res = $http->request('POST', "$base/pa-c?bytes=10",
                          { headers => { Range => 'bytes=0-1' }, content => 'x' });
    is($res->{status}, 200, 'range on a POST: ignored (200)');
    is(length $res->{content}, 10, 'range on a POST: the whole reply');
}
