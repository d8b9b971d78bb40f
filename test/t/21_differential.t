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
my @requests = PADiff::requests(chunked => 1);

plan tests => 3 * 3 * @requests + 9;

for my $app (qw(c pl php)) {
    for my $req (@requests) {
        PADiff::compare($http, $base, $app, "/pa-$path{$app}", "/px-$path{$app}", $req,
                        qw(REMOTE_PORT SCRIPT_FILENAME proxy-nokeepalive));
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
