# php-cgi behind a front controller's rewrite with path info
# (`RewriteRule ^(.*)$ index.php/$1`, CodeIgniter's and many REST set-ups'),
# or an Action: after httpd's internal redirect, php-cgi takes REDIRECT_URL
# with a PATH_INFO for an Action of old (itself the script) and runs the
# file PATH_TRANSLATED names in place of SCRIPT_FILENAME: an uploaded
# image with PHP in it, a file httpd denies, printed or run, and every route
# a 404 ("No input file specified."). The script httpd mapped runs, with
# its PATH_INFO, as under php-fpm; a wrapper named otherwise is known by
# its text. The Action to php-cgi's own wrapper (mod_fastcgi's layout),
# which is what the hack is for, still runs the page; the wrapper's own
# URL is refused (php-cgi would print it).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan skip_all => 'php-cgi not installed' unless -x '/usr/bin/php-cgi';
plan tests => 29;

my $h = PATest::Httpd->new(conf => '');
my $docs = $h->dir . '/docs';
sub put {
    my ($f, $text, $mode) = @_;
    (my $d = "$docs/$f") =~ s{/[^/]*$}{};
    system('mkdir', '-p', $d) == 0 or die "mkdir $d";
    open my $fh, '>', "$docs/$f" or die "$f: $!";
    print $fh $text;
    close $fh;
    chmod $mode, "$docs/$f" if $mode;
}
my $show = '<?php echo "%s script=", $_SERVER["SCRIPT_NAME"], " path_info=", '
         . '$_SERVER["PATH_INFO"] ?? "-", "\n";';
put('ci/index.php', sprintf($show, 'index'));
put('ci/uploads/avatar.gif', "GIF89a<?php echo 'RAN THE UPLOAD'; ?>\n");
put('ci/private/secret.env', "DB_PASSWORD=hunter2\n");
put('act/handler.php', sprintf($show, 'handler'));
put('act/page.act', "<?php echo 'RAN THE PAGE'; ?>\n");
put('w/index.php', sprintf($show, 'wrapped'));
put('ci2/index.php', sprintf($show, 'index2'));
put('ci2/uploads/avatar.gif', "GIF89a<?php echo 'RAN THE UPLOAD'; ?>\n");
put('sp/index.php', "#!/usr/bin/php-cgi\n" . sprintf($show, 'page'), 0755);
put('sp/uploads/avatar.gif', "GIF89a<?php echo 'RAN THE UPLOAD'; ?>\n");
put('dj/app.fcgi', "(mapped to the echo app)\n");
put('shbin/starter', "#!/bin/sh\n# SECRET=hunter2\nexec /usr/bin/php-cgi \"\$@\"\n", 0755);
put('legacy2/t.phtml', '<?php echo "legacy2 ran path_info=", $_SERVER["PATH_INFO"] ?? "-", "\\n";');
put('vbin/var-wrapper', "#!/bin/sh\n# SECRET=hunter2\nPHP_CGI=/usr/bin/php-cgi\nexec \"\$PHP_CGI\"\n", 0755);
put('wp/index.php', '<?php echo "wp script=", $_SERVER["SCRIPT_NAME"], " path_info=", '
    . '$_SERVER["PATH_INFO"] ?? "-", " redirect_url=", $_SERVER["REDIRECT_URL"] ?? "-", "\n";');
put('site-wrapper', "#!/bin/sh\n# SECRET=hunter2\nexec /usr/bin/php-cgi \"\$@\"\n", 0755);
put('fcgi-bin/php-wrapper', "#!/bin/sh\n# SECRET=hunter2\nexec /usr/bin/php-cgi\n", 0755);
put('legacy/t.phtml', '<?php echo "legacy ran script=", $_SERVER["SCRIPT_NAME"], "\\n";');
my $lib = libexecdir();
open my $cf, '>>', $h->{conf_file} or die "$h->{conf_file}: $!";
print $cf <<"EOF2";
LoadModule rewrite_module "$lib/mod_rewrite.so"
LoadModule actions_module "$lib/mod_actions.so"
LoadModule alias_module "$lib/mod_alias.so"
DocumentRoot "$docs"
PreforkApp php "/usr/bin/php-cgi" processes=1
PreforkApp wrapped "$docs/site-wrapper" processes=1
PreforkApp actphp "$docs/fcgi-bin/php-wrapper" processes=1
PreforkApp varphp "$docs/vbin/var-wrapper" processes=1
PreforkApp echo "@{[app_path('echo')]}" processes=1
PreforkApp shphp "/bin/sh $docs/shbin/starter" processes=1
<Directory "$docs/dj">
    RewriteEngine On
    RewriteCond %{REQUEST_FILENAME} !-f
    RewriteRule ^(.*)\$ app.fcgi/\$1 [QSA,L]
    <Files app.fcgi>
        SetHandler prefork-app:echo
    </Files>
</Directory>
Alias /shbin/ "$docs/shbin/"
<Directory "$docs/shbin">
    SetHandler prefork-app:shphp
</Directory>
<Directory "$docs/legacy2">
    Action php-legacy2 /shbin/starter
    AddHandler php-legacy2 .phtml
</Directory>
PreforkAppScripts sp "$docs/sp/*.php" processes=1
Alias /vbin/ "$docs/vbin/"
<Directory "$docs/vbin">
    SetHandler prefork-app:varphp
</Directory>
<Directory "$docs/ci2">
    RewriteEngine On
    RewriteCond %{REQUEST_FILENAME} !-f
    RewriteRule ^(.*)\$ index.php/\$1 [L]
    PreforkAppSetEnvIf true !PATH_INFO
</Directory>
<Directory "$docs/sp">
    <FilesMatch "\\.php\$">
        SetHandler prefork-app:sp
    </FilesMatch>
    RewriteEngine On
    RewriteCond %{REQUEST_FILENAME} !-f
    RewriteRule ^(.*)\$ index.php/\$1 [L]
</Directory>
<FilesMatch "\\.php\$">
    SetHandler prefork-app:php
</FilesMatch>
<Directory "$docs/ci">
    RewriteEngine On
    RewriteCond %{REQUEST_FILENAME} !-f
    RewriteCond %{REQUEST_FILENAME} !-d
    RewriteRule ^(.*)\$ index.php/\$1 [L]
</Directory>
<Directory "$docs/ci/private">
    Require all denied
</Directory>
<Directory "$docs/act">
    Action page-action /act/handler.php
    AddHandler page-action .act
</Directory>
Alias /fcgi-bin/ "$docs/fcgi-bin/"
<Directory "$docs/fcgi-bin">
    SetHandler prefork-app:actphp
</Directory>
<Directory "$docs/legacy">
    Action php-legacy /fcgi-bin/php-wrapper
    AddHandler php-legacy .phtml
</Directory>
<Directory "$docs/wp">
    RewriteEngine On
    RewriteCond %{REQUEST_FILENAME} !-f
    RewriteRule . /wp/index.php [L]
</Directory>
<Directory "$docs/w">
    <FilesMatch "\\.php\$">
        SetHandler prefork-app:wrapped
    </FilesMatch>
    RewriteEngine On
    RewriteCond %{REQUEST_FILENAME} !-f
    RewriteRule ^(.*)\$ index.php/\$1 [L]
</Directory>
EOF2
close $cf;
ok($h->start, 'private httpd with php-cgi behind rewrites started') or diag($h->error_log);

my $res = $h->get('/ci/welcome/index?x=1');
is($res->{status}, 200, 'a route behind the front controller: 200');
is($res->{content}, "index script=/ci/index.php path_info=/welcome/index\n",
   '... index.php ran, with the route as its PATH_INFO');

$res = $h->get('/ci/ci/uploads/avatar.gif/x');
unlike($res->{content} // '', qr/RAN THE UPLOAD/, 'an upload named in the path is not run as PHP');
is($res->{content}, "index script=/ci/index.php path_info=/ci/uploads/avatar.gif/x\n",
   '... the front controller is, with it as its route');

$res = $h->get('/ci/private/secret.env');
is($res->{status}, 403, 'the denied file itself: 403');
$res = $h->get('/ci/ci/private/secret.env');
unlike($res->{content} // '', qr/hunter2/, 'the denied file named in the path is not printed');
is($res->{content}, "index script=/ci/index.php path_info=/ci/private/secret.env\n",
   '... the front controller runs');

$res = $h->get('/ci/uploads/avatar.gif');
is($res->{content}, "GIF89a<?php echo 'RAN THE UPLOAD'; ?>\n",
   'the upload itself is served as a file');

$res = $h->get('/act/page.act');
is($res->{status}, 200, 'a file given to an Action: 200');
unlike($res->{content} // '', qr/RAN THE PAGE/, '... the file itself is not run as PHP');
is($res->{content}, "handler script=/act/handler.php path_info=/act/page.act\n",
   '... the Action\'s script is, with the file as its PATH_INFO');

$res = $h->get('/w/route/7');
is($res->{status}, 200, 'php-cgi under a wrapper of another name (its text says): 200');
is($res->{content}, "wrapped script=/w/index.php path_info=/route/7\n",
   '... the front controller runs');

$res = $h->get('/legacy/t.phtml');
is($res->{status}, 200, 'an Action to php-cgi\'s wrapper (mod_fastcgi\'s layout): 200');
like($res->{content}, qr/^legacy ran /, '... the page runs, as php-cgi\'s hack has it');
my $log = error_log_offset($h->log_file);
$res = $h->get('/fcgi-bin/php-wrapper');
is($res->{status}, 500, 'the wrapper\'s own URL: 500');
unlike($res->{content} // '', qr/hunter2/, '... its text is not sent');
like(wait_for_log(qr/PA00347/, $log, file => $h->log_file) // '', qr/PA00347: actphp: not sent: .*its own program/,
     '... logged');

$res = $h->get('/ci2/ci2/uploads/avatar.gif/x');
unlike($res->{content} // '', qr/RAN THE UPLOAD/, 'PATH_INFO taken away by PreforkAppSetEnvIf: the upload is not run either');
$res = $h->get('/sp/sp/uploads/avatar.gif/x');
is($res->{content}, "page script=/sp/index.php path_info=/sp/uploads/avatar.gif/x\n",
   'a PreforkAppScripts page ("#!/usr/bin/php-cgi") behind the rewrite: the page runs, not the upload');
$res = $h->get('/vbin/var-wrapper');
is($res->{status}, 500, 'a wrapper that runs php-cgi from a variable, at its own URL: 500');
unlike($res->{content} // '', qr/hunter2/, '... its text is not sent');

$res = $h->get('/dj/blog/2024/');
like($res->{content}, qr{^REDIRECT_URL=/dj/blog/2024/$}m,
     'another app behind the same rewrite (Django\'s recipe): REDIRECT_URL kept, its URL prefix');
$res = $h->get('/legacy2/t.phtml/more');
is($res->{content}, "legacy2 ran path_info=/more\n", 'an Action to a wrapper run as "/bin/sh WRAPPER": the page runs');
$res = $h->get('/shbin/starter');
is($res->{status}, 500, '... the wrapper\'s own URL: 500');
unlike($res->{content} // '', qr/hunter2/, '... its text is not sent');

# Without path info (WordPress's rewrite), the redirect's URL is the app's.
$res = $h->get('/wp/2024/hello-world/');
is($res->{content}, "wp script=/wp/index.php path_info=- redirect_url=/wp/2024/hello-world/\n",
   'a rewrite without path info: REDIRECT_URL reaches the script');

ok($h->stop, 'stopped');
