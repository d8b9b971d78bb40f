# protocol=scgi: the C echo app (scripts/apps/echo --scgi) behind
# mod_prefork_app (/pa-s) and behind mod_proxy_scgi (/px-s, started here by
# spawn-fcgi) gives the same status, headers and body; then what only the
# pool does: chunked bodies, retry, malformed and cut-short replies,
# request-timeout, the app's stderr, the status page.
#
# Expected differences, left out of the comparison (PADiff):
# - Date, Server, Connection, Keep-Alive, Content-Length vs chunked;
# - the variables REMOTE_PORT, SCRIPT_FILENAME ("proxy:scgi://..." there),
#   GATEWAY_INTERFACE (mod_proxy_scgi sends none) and proxy-nokeepalive;
# - a chunked body: mod_proxy_scgi answers 411, mod_prefork_app sends it
#   with its length (checked below).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(:all);
use PADiff;

my $logs = Apache::Test::vars('t_logs');
my $apps = $ENV{PA_APPS} or die "PA_APPS is not set (run through t/TEST.PL)\n";
my $app = 'dscgi';
my $http = http();
my $base = base_url();

# ---- the mod_proxy_scgi side ---------------------------------------------------
my $sock = "$logs/px_s.sock";
my $pidfile = "$logs/px_s.pid";
unlink $sock;
system('env', '-i', 'PATH=/usr/local/bin:/usr/bin:/bin', 'spawn-fcgi', '-s', $sock,
       '-P', $pidfile, '--', "$apps/echo", '--scgi') == 0
    or die "spawn-fcgi for the SCGI echo failed\n";
END {
    if (open my $fh, '<', $pidfile) {
        my ($pid) = <$fh> =~ /(\d+)/;
        kill 'TERM', $pid if $pid;
    }
}

my @requests = PADiff::requests();
my $noise = PADiff::noise();

plan tests => 3 * @requests + 34;

sub st { app_status($app) || { processes => {}, counters => {} } }
ok(wait_for(sub { (st()->{processes}{idle} || 0) == 2 }), 'two SCGI workers up');

for my $req (@requests) {
    PADiff::compare($http, $base, 'scgi', '/pa-s', '/px-s', $req,
                    qw(REMOTE_PORT SCRIPT_FILENAME GATEWAY_INTERFACE proxy-nokeepalive));
}

# What the app saw: SCGI=1, CONTENT_LENGTH, the CGI variables, no HTTP_PROXY.
{
    my $res = $http->get("$base/pa-s/p/i?x=1", { headers => { Proxy => 'http://evil/' } });
    my %env = $res->{content} =~ /^([A-Za-z_][\w-]*)=(.*)$/mg;
    is_deeply([ @env{qw(SCGI CONTENT_LENGTH PATH_INFO QUERY_STRING)} ], [ 1, 0, '/p/i', 'x=1' ],
              'SCGI=1, CONTENT_LENGTH, PATH_INFO, QUERY_STRING');
    ok(!exists $env{HTTP_PROXY}, 'no HTTP_PROXY (httpoxy)');
}

# ---- chunked request bodies ----------------------------------------------------------
# SCGI announces the body's length first: a chunked body that fits the
# 64 KB buffer is sent with its length, a longer one is spooled to a
# temporary file first (deleted after the request).
{
    my @parts = unpack '(a1000)*', substr($noise, 0, 5000);
    my $res = $http->request('POST', "$base/pa-s?c=1",
                             { content => sub { shift @parts } });
    is($res->{status}, 200, 'small chunked body: 200');
    like($res->{content}, qr/^CONTENT_LENGTH=5000$/m, 'small chunked body: its length announced');
    like($res->{content}, qr/^body_length=5000$/m, 'small chunked body: all of it arrived');

    my $tmp = $ENV{TMPDIR} || '/tmp';
    my %before = map { $_ => 1 } glob("$tmp/pa-body.*");
    @parts = unpack '(a65000)*', substr($noise, 0, 300000);
    $res = $http->request('POST', "$base/pa-s?c=2", { content => sub { shift @parts } });
    is($res->{status}, 200, 'chunked body over 64 KB: 200');
    like($res->{content}, qr/^CONTENT_LENGTH=300000$/m, 'chunked body over 64 KB: its length announced');
    like($res->{content}, qr/^body_length=300000$/m, 'chunked body over 64 KB: all of it arrived');
    @parts = unpack '(a65000)*', substr($noise, 0, 300000);
    $res = $http->request('POST', "$base/pa-s?echo=body", { content => sub { shift @parts } });
    ok($res->{content} eq substr($noise, 0, 300000), 'chunked body over 64 KB: the same bytes');
    # Another test run's requests may spool theirs meanwhile, for a moment.
    my @left;
    ok(wait_for(sub { !(@left = grep { !$before{$_} } glob("$tmp/pa-body.*")) }, timeout => 5),
       'no temporary body file left') or diag("left: @left");
}
is($http->post("$base/dscgi-limit", { content => 'x' x 5000 })->{status}, 413,
   'LimitRequestBody: 413');

# ---- retry and failures ---------------------------------------------------------------
my $marker = "$logs/dscgi_die_get";
unlink $marker;
is($http->get("$base/pa-s?die=$marker")->{status}, 200, 'worker gone before answering: GET retried');
ok(-e $marker, 'the first worker did die on it');
my $off = error_log_offset();
is($http->post_form("$base/pa-s?die=always", { a => 1 })->{status}, 502, 'POST not replayed: 502');
ok(wait_for_log(qr/PA00309: dscgi: worker pid \d+ went away before answering; the request cannot be replayed/, $off),
   '502 logged');

ok(wait_for(sub { (st()->{processes}{idle} || 0) == 2 }), 'workers replaced');
$off = error_log_offset();
is($http->get("$base/pa-s?header=Bad%20line")->{status}, 502, 'unparsable header: 502');
ok(wait_for_log(qr/PA00402: dscgi: bad CGI headers from worker pid \d+: unparsable header block/, $off),
   'unparsable header logged');
like(error_log_since($off), qr/malformed header from script '[^']*': Bad header: Bad line$/m,
     'httpd names the bad line');
$off = error_log_offset();
is($http->get("$base/pa-s?bigheader=70000")->{status}, 502, 'oversized header line: 502');
ok(wait_for_log(qr/PA00402: dscgi: .*a header line longer than 8189 bytes/, $off),
   'oversized header logged');

# A worker that dies mid-reply looks like the end of an SCGI reply; its own
# Content-Length tells: the client sees a cut connection, not a short body.
$off = error_log_offset();
my $res = $http->get("$base/pa-s?cut=1");
# A 502 if it all came in one read, else a response cut off after its
# headers went out (HTTP::Tiny: 599, not a timeout); a short 200 that ends
# properly would be passed off as complete.
ok($res->{status} == 502 || $res->{status} == 599 && ($res->{content} // '') !~ /timed out/i,
   'reply short of its Content-Length: not passed off as complete') or diag(explain($res));
ok(wait_for_log(qr/PA00405: dscgi: bad SCGI reply from worker pid \d+: the reply ended 990 bytes short of its Content-Length/, $off),
   'short reply logged');

# The crashes above may have put the app in its crash-loop backoff.
ok(wait_for(sub { (st()->{processes}{idle} || 0) == 2 }), 'workers back after the crashes');
# A reply to HEAD may give a Content-Length and no body.
{
    my $res = $http->request('HEAD', "$base/pa-s?bytes=100&cl=1&nobody=1");
    is($res->{status}, 200, 'HEAD: Content-Length without a body is fine');
    is($res->{headers}{'content-length'}, 100, 'HEAD: the Content-Length passed on');
    is($http->get("$base/pa-s?bytes=100&cl=1&nobody=1")->{status}, 502,
       'the same reply to a GET is short of its Content-Length');
}

$off = error_log_offset();
is($http->get("$base/pa-s?sleep=30")->{status}, 504, 'request-timeout: 504');
ok(wait_for_log(qr/PA00311: dscgi: worker pid \d+ exceeded request-timeout/, $off),
   'timeout logged');

# The app's stderr: no FCGI_STDERR here, the manager logs the process's.
$off = error_log_offset();
is($http->get("$base/pa-s?stderr=scgi-one%7Cscgi-two")->{status}, 200, 'stderr: 200');
ok(wait_for_log(qr/app dscgi pid \d+: scgi-one\n(?:.*\n)*?.*app dscgi pid \d+: scgi-two/, $off),
   'stderr lines logged with the app name');

my $st = st();
is($st->{protocol}, 'scgi', 'status: protocol scgi');
is($st->{connections}, 'per_request', 'status: a connection per request');
