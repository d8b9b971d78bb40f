# An on-demand pool (processes=0-N, as PreforkAppScripts pools are) whose
# program dies at its start (a script that does not compile, exit 255; a
# CGI script taken for a FastCGI app, which prints its page and exits 0):
# the request that started it fails at once with 502/503, not at
# request-timeout after thousands of forks. Its GET is replayed once; the
# worker started in place for the request holding the slot (the first died
# before taking the connection) counts as any fresh worker's death, and
# one that dies in its turn is not put in place again: that request's
# connection is reset. (Exit 0 is no crash loop: an app of one request per
# process exits so too.)
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PALoad;

plan tests => 9;

my $tmp = test_dir('pa-odstart');
write_file("$tmp/broken", "#!/bin/sh\necho 'syntax error here' >&2\nexit 255\n", 0755);
write_file("$tmp/cgi", "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nhello\\n'\nexit 0\n", 0755);
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
PreforkApp odbroken "$tmp/broken" processes=0-4 request-timeout=60
<Location /odbroken>
    SetHandler prefork-app:odbroken
</Location>
PreforkApp odcgi "$tmp/cgi" processes=0-4 request-timeout=60
<Location /odcgi>
    SetHandler prefork-app:odcgi
</Location>
PreforkApp one "@{[app_path('bad')]} --exit-after=1" processes=1
<Location /one>
    SetHandler prefork-app:one
</Location>
EOF2
ok($h->start, 'private httpd started') or diag($h->error_log);
my $res = $h->get('/odbroken', timeout => 90);
like($res->{status}, qr/^50[23]$/, "the request fails with 502 or 503 ($res->{status}), not 504");
unlike($h->error_log, qr/PA00311: odbroken/, '... not at request-timeout (no PA00311)');
ok(wait_for_log(qr/PA00105: app odbroken/, 0, file => $h->log_file), 'the app backs off (PA00105)');
cmp_ok($h->app('odbroken')->{counters}{spawned}, '<', 20, 'a few workers forked, not thousands');

$res = $h->get('/odcgi', timeout => 90);
like($res->{status}, qr/^50[23]$/, "a program that exits 0 at its start: 502 or 503 ($res->{status}), not 504");
unlike($h->error_log, qr/PA00311: odcgi/, '... not at request-timeout (no PA00311)');
cmp_ok($h->app('odcgi')->{counters}{spawned}, '<', 20, '... a few workers forked, not thousands');

# An app of one request per process (php-cgi with PHP_FCGI_MAX_REQUESTS=1,
# here bad --exit-after=1): its worker put in place for a request answers
# it and leaves, often before the request is released: no crash loop.
my $off = PATest::error_log_offset($h->log_file);
my $load = PALoad->start($h->url('/one'), clients => 4);
sleep 4;
$load->stop;
unlike(PATest::error_log_since($off, $h->log_file), qr/PA00105: app one/,
       'one request per process, under load: no crash-loop backoff');
