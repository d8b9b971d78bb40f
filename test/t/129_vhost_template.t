# A virtual host template included once per site, with a Define between
# (Define SITE a, Include site.conf, Define SITE b, Include site.conf): its
# <VirtualHost> line makes one host each time, all with the same file and
# line. Each host's app serves that host alone: before, both sections were
# bound to one of the hosts (the last made), so b.test's own app answered
# it 403 and a.test's .htaccess could run b's app, as b's user. A private
# httpd.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 6;

my $echo = app_path('echo');
my $docs = test_dir('pa-vhost-template');
for (['a', 'b'], ['b', 'a']) {
    my ($site, $other) = @$_;
    mkdir "$docs/$site" or die "$docs/$site: $!";
    # The customer's .htaccess names the other site's app.
    write_file("$docs/$site/.htaccess", "SetHandler prefork-app:$other\n");
    write_file("$docs/$site/x.txt", "x\n");
}
write_file("$docs/site.conf", <<"EOF");
<VirtualHost *>
    ServerName \${SITE}.test
    DocumentRoot "$docs/\${SITE}"
    <Directory "$docs/\${SITE}">
        AllowOverride FileInfo
        Require all granted
    </Directory>
    <Location /app>
        SetHandler prefork-app:\${SITE}
    </Location>
</VirtualHost>
EOF
my $h = PATest::Httpd->new(conf => <<"EOF");
PreforkApp a "$echo" processes=0-1
PreforkApp b "$echo" processes=0-1
Define SITE a
Include "$docs/site.conf"
Define SITE b
Include "$docs/site.conf"
EOF
ok($h->start, 'private httpd, two hosts from one included template') or diag($h->error_log);
is($h->get_host('a.test', '/app')->{status}, 200, 'a.test: its own app answers');
is($h->get_host('b.test', '/app')->{status}, 200, 'b.test: its own app answers');
is($h->get_host('a.test', '/x.txt')->{status}, 403, 'a.test\'s .htaccess naming b\'s app: refused');
is($h->get_host('b.test', '/x.txt')->{status}, 403, 'b.test\'s .htaccess naming a\'s app: refused');
ok($h->stop, 'stopped');
