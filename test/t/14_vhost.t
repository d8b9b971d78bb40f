# Name-based virtual hosts: an app declared once (PreforkApp is main-server
# only) serves the hosts whose sections map it, gets each request's own
# SERVER_NAME, and what the app writes to FCGI_STDERR goes to the error log
# of the host that served the request, as httpd's own messages do.
# The app's name has capitals: httpd lowercases SetHandler's argument, and
# the app is found all the same.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 8;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(conf => <<"EOF2");
PreforkApp VApp "$echo" processes=1
<VirtualHost *>
    ServerName a.example
</VirtualHost>
<VirtualHost *>
    ServerName b.example
    ErrorLog "logs-b"
    <Location /vapp>
        SetHandler prefork-app:VApp
    </Location>
</VirtualHost>
EOF2
ok($h->start, 'private httpd with two virtual hosts started') or diag($h->error_log);
my $blog = $h->dir . '/logs-b';

my $res = $h->get_host('b.example', '/vapp?stderr=from-b-app');
is($res->{status}, 200, 'the host that maps the app serves it');
like($res->{content}, qr/^SERVER_NAME=b\.example$/m, 'with that host\'s SERVER_NAME');
is($h->get_host('a.example', '/vapp')->{status}, 404, 'the other host does not');
ok(wait_for(sub { -s $blog && PATest::error_log_since(0, $blog) =~ /from-b-app/ }),
   'the app\'s stderr line is in that host\'s error log');
like(PATest::error_log_since(0, $blog), qr/PA00310: VApp: stderr: from-b-app/,
     'named after the app');
unlike($h->error_log, qr/from-b-app/, 'and not in the main server\'s');
ok($h->stop, 'stopped');
