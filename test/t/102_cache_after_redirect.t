# What keeps a request's answer out of the response cache holds also for
# the request an internal redirect makes of it (a front controller's
# rewrite): an Authorizer's variables, which httpd does not ask for again
# under the same configuration and hands on as REDIRECT_NAME, and the
# admin's no-cache variable (mod_cache's), set for the URL the client asked
# for and handed on as REDIRECT_no-cache. One user's page never reaches
# another; the admin's exclusion holds.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 11;

my $echo = app_path('echo');
my $lib = libexecdir();
my $docs = File::Temp::tempdir('pa-docs-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$docs/$_" or die "mkdir: $!" for qw(priv acct open);
for my $d ('', '/priv', '/acct', '/open') {
    open my $fh, '>', "$docs$d/fc.php" or die $!;
    close $fh;
}
chmod 0755, $docs, map { "$docs/$_" } qw(priv acct open);
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
LoadModule rewrite_module "$lib/mod_rewrite.so"
LoadModule setenvif_module "$lib/mod_setenvif.so"
PreforkAppCache rz 1M
PreforkApp capp "$echo" processes=1 cache=rz
PreforkApp auth "$echo" processes=1
SetEnvIf Request_URI ^/acct/ no-cache
DocumentRoot "$docs"
<Directory "$docs">
    Require all granted
    AddHandler prefork-app:capp .php
    RewriteEngine On
    RewriteCond %{REQUEST_FILENAME} !-f
    RewriteRule ^ fc.php [L]
</Directory>
<Directory "$docs/priv">
    PreforkAppAuthorizer auth
</Directory>
EOF
ok($h->start, 'private httpd: a front controller behind an Authorizer, and one beside it')
    or diag($h->error_log);

my $share = 'header=Cache-Control:%20max-age%3D60';
sub ask {
    my ($path, $auth) = @_;
    my $r = HTTP::Tiny->new(timeout => 60)->get($h->url($path),
        { headers => { defined $auth ? ('X-Authorizer' => $auth) : () } });
    my ($role) = $r->{content} =~ /^REDIRECT_AUTH_ROLE=(.*)$/m;
    return "$r->{status} " . ($r->{headers}{'x-prefork-app-cache'} // '-') . ' ' . ($role // 'none');
}

# The app's shareable answer, through the front controller, is stored.
is(ask("/open/p?$share"), '200 MISS none', 'a front controller\'s shareable answer: stored');
is(ask("/open/p?$share"), '200 HIT none', '... and served from the zone');

# Behind the Authorizer, with variables it gives.
is(ask("/priv/p?$share", 'header=Variable-AUTH_ROLE:admin'), '200 - admin',
   'behind an Authorizer that gives variables: the app has them, nothing stored');
is(ask("/priv/p?$share", ''), '200 MISS none',
   '... another user, let in with none: the app\'s answer for it (stored: no variables in it)');
is(ask("/priv/p?$share", ''), '200 HIT none', '... and again: that page, never the first user\'s');
is(ask("/priv/p?$share", 'header=Variable-AUTH_ROLE:admin'), '200 - admin', '... nor is the first one\'s served from the zone');

# The admin's no-cache for /acct/, handed on to the front controller.
is(ask("/acct/p?$share"), '200 - none', 'no-cache set for the URL asked for: not stored');
is(ask("/acct/p?$share"), '200 - none', '... and not served from the zone');
like(HTTP::Tiny->new->get($h->url("/acct/q?$share"))->{content}, qr/^REDIRECT_no-cache=1$/m,
     '... (the app sees it as REDIRECT_no-cache)');

ok($h->stop, 'httpd stops');
