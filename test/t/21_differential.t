# Differential test: the same requests to the same FastCGI app through
# mod_prefork_app (/pa-*) and through mod_proxy_fcgi (/px-*, the app started
# by spawn-fcgi) give the same status, headers and body. Three apps: the C
# echo (libfcgi), a Perl FCGI.pm echo and a PHP echo run by php-cgi.
#
# Differences that are expected, and left out of the comparison:
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
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use HTTP::Tiny ();
use PATest qw(:all);

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
    # The workers of mod_prefork_app get no environment but PATH (and a
    # php* command PHP_FCGI_MAX_REQUESTS=0): the same here, since php-cgi
    # shows its environment in $_SERVER.
    system('env', '-i', 'PATH=/usr/local/bin:/usr/bin:/bin',
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

# Deterministic bodies: every byte value, and a megabyte of noise.
my $binary = join '', map { chr } (0 .. 255) x 4;
my $seed = 12345;
my $noise = pack 'N*', map { $seed = ($seed * 1103515245 + 12345) % 2**31 } 1 .. 262144;

# [ name, method, path suffix + query, { headers }, body ]
# A code ref body is sent chunked (HTTP::Tiny does when there is no length).
my @requests = (
    [ 'GET query',        'GET',    '?a=1&b=two%20three&c=%C3%A9' ],
    [ 'GET PATH_INFO',    'GET',    '/path/info/x%20y?q=1' ],
    [ 'HEAD',             'HEAD',   '?a=1' ],
    [ 'GET headers',      'GET',    '?h=1', { 'X-Custom' => 'foo bar',
                                              'Cookie' => 'a=b; c=d',
                                              'Accept-Language' => 'fr, en;q=0.5',
                                              'Authorization' => 'Basic Zm9vOmJhcg==',
                                              'Proxy' => 'http://evil.example/' } ],
    [ 'POST form',        'POST',   '?f=1', { 'Content-Type' => 'application/x-www-form-urlencoded' },
                                    'a=1&b=%20two' ],
    [ 'POST binary',      'POST',   '?echo=body', { 'Content-Type' => 'application/octet-stream' },
                                    $binary ],
    [ 'POST 1 MB',        'POST',   '?echo=body', { 'Content-Type' => 'application/octet-stream' },
                                    $noise ],
    [ 'POST chunked',     'POST',   '?echo=body', { 'Content-Type' => 'application/octet-stream' },
                                    sub { my @parts = unpack '(a65000)*', substr($noise, 0, 300000);
                                          return sub { shift @parts } } ],
    [ 'PUT',              'PUT',    '?echo=body', { 'Content-Type' => 'text/plain' }, "put body\n" ],
    [ 'DELETE',           'DELETE', '?d=1' ],
    [ 'OPTIONS',          'OPTIONS','?o=1' ],
    [ 'large response',   'GET',    '?bytes=1500000' ],
    [ 'empty response',   'GET',    '?bytes=0' ],
    [ 'Status 404',       'GET',    '?status=404' ],
    [ 'Status 201',       'GET',    '?status=201' ],
    [ 'Status with text', 'GET',    '?status=418%20Short%20and%20Stout' ],
    [ '302 + Location',   'GET',    '?status=302&redirect=%2Fsomewhere' ],
    [ 'conditional GET',  'GET',    '?etag=v1', { 'If-None-Match' => '"v1"' } ],
);

my %skip_header = map { $_ => 1 } qw(date server connection keep-alive
                                      content-length transfer-encoding);

sub fetch {
    my ($side, $app, $req) = @_;
    my ($name, $method, $suffix, $headers, $body) = @$req;
    my $url = "$base/$side-$path{$app}$suffix";
    my %o = (headers => { %{ $headers || {} } });
    if (defined $body) {
        $o{content} = ref $body eq 'CODE' ? $body->() : $body;
    }
    return $http->request($method, $url, \%o);
}

sub normalized {
    my ($res) = @_;
    my %h = map { $_ => $res->{headers}{$_} }
            grep { !$skip_header{$_} } keys %{ $res->{headers} };
    my $body = defined $res->{content} ? $res->{content} : q{};
    if (($res->{headers}{'content-type'} || '') =~ m{^text/}) {
        $body =~ s/\bpa-/px-/g;
        $body =~ s/^(?:REMOTE_PORT|SCRIPT_FILENAME|proxy-nokeepalive)=.*\n//mg;
    }
    for (values %h) {
        $_ = join "\n", @$_ if ref eq 'ARRAY';
        s/\bpa-/px-/g;
    }
    return ($res->{status}, \%h, $body);
}

plan tests => 3 * 3 * @requests + 9;

for my $app (qw(c pl php)) {
    for my $req (@requests) {
        my $what = "$app: $req->[0]";
        my ($ps, $ph, $pb) = normalized(fetch('pa', $app, $req));
        my ($xs, $xh, $xb) = normalized(fetch('px', $app, $req));
        is($ps, $xs, "$what: status") or diag(substr($pb, 0, 2000));
        is_deeply($ph, $xh, "$what: headers");
        ok($pb eq $xb, "$what: body (" . length($pb) . " bytes)")
            or diag("mod_prefork_app:\n" . substr($pb, 0, 3000)
                    . "\nmod_proxy_fcgi:\n" . substr($xb, 0, 3000));
    }
}

# The variables a request is known by, as the app saw them (C echo).
{
    my $res = $http->get("$base/pa-c/p/i?x=1", { headers => { Proxy => 'http://evil/' } });
    my %env = $res->{content} =~ /^([A-Za-z_][\w-]*)=(.*)$/mg;
    is($env{PATH_INFO}, '/p/i', 'PATH_INFO');
    is($env{QUERY_STRING}, 'x=1', 'QUERY_STRING');
    ok(!exists $env{HTTP_PROXY}, 'no HTTP_PROXY (httpoxy)');
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
