# The response cache and internal redirects: a front controller (WordPress,
# Laravel, Symfony) behind a per-directory RewriteRule gets every URL as
# /index.php, and tells its pages apart by REQUEST_URI, the client's own
# request. Each URL's page is stored and served as its own, not one for all
# of them.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 8;

my $echo = app_path('echo');
my $docs = test_dir('pa-docs');
my $h = PATest::Httpd->new(conf => <<"EOF");
LoadModule rewrite_module "@{[libexecdir()]}/mod_rewrite.so"
PreforkAppCache fzone 1M
PreforkApp front "$echo" processes=1 cache=fzone
DocumentRoot "$docs"
<Directory "$docs">
    RewriteEngine On
    RewriteCond %{REQUEST_URI} !^/index\\.php
    RewriteRule . /index.php [L]
</Directory>
<Location /index.php>
    SetHandler prefork-app:front
</Location>
EOF
ok($h->start, 'private httpd with a front controller behind a RewriteRule') or diag($h->error_log);

my $query = '?header=Cache-Control:%20max-age%3D60';
sub page {
    my $res = $h->get(shift);
    my ($uri) = ($res->{content} // '') =~ /^REQUEST_URI=(\S*)/m;
    return ($res->{headers}{'x-prefork-app-cache'} // '', $uri // '');
}
my ($s1, $u1) = page("/one$query");
is("$s1 $u1", "MISS /one$query", 'the first URL: its page, stored');
my ($s2, $u2) = page("/two$query");
is("$s2 $u2", "MISS /two$query", 'another URL rewritten to the same script: its own page, not the first');
my ($s3, $u3) = page("/one$query");
is("$s3 $u3", "HIT /one$query", 'the first again: its page, from the zone');
my ($s4, $u4) = page("/two$query");
is("$s4 $u4", "HIT /two$query", 'the second again: its page, from the zone');
# A POST to one URL drops that URL's page, not the other's.
my $post = HTTP::Tiny->new(timeout => 30)->post($h->url("/one$query"), { content => 'x' });
is($post->{status}, 200, 'a POST to the first URL');
my ($s5) = page("/one$query");
my ($s6) = page("/two$query");
is("$s5 $s6", 'MISS HIT', '... drops its page, and only its page');
ok($h->stop, 'stopped') or diag($h->error_log);
