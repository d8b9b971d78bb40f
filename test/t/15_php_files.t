# The PHP set-up docs/migrating.md gives (php-cgi as an app, mapped onto
# .php files with <FilesMatch>, as with mod_fcgid): httpd maps the URL, so
# PATH_INFO and the query string reach the script; a missing script is
# php-cgi's 404; a non-PHP file with ".php" path info is never handed to
# PHP (the "cgi.fix_pathinfo" hole of other set-ups).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan skip_all => 'php-cgi not installed' unless -x '/usr/bin/php-cgi';
plan tests => 14;

my $h = PATest::Httpd->new(conf => '');
my $docs = $h->dir . '/docs';
mkdir $docs or die "$docs: $!";
sub put { my ($f, $text) = @_; open my $fh, '>', "$docs/$f" or die "$f: $!"; print $fh $text; close $fh }
put('info.php', '<?php header("X-From: php"); '
    . 'echo "script=", $_SERVER["SCRIPT_NAME"], " path_info=", $_SERVER["PATH_INFO"] ?? "-", '
    . '" a=", $_GET["a"] ?? "-", "\n";');
put('upload.txt', "<?php echo 'ran as PHP';\n");
open my $cf, '>>', $h->{conf_file} or die "$h->{conf_file}: $!";
print $cf <<"EOF2";
DocumentRoot "$docs"
PreforkApp php "/usr/bin/php-cgi" processes=0-2 idle-timeout=60 max-requests=500
<FilesMatch "\\.php\$">
    SetHandler prefork-app:php
</FilesMatch>
<Directory "$docs/strict">
    AcceptPathInfo Off
</Directory>
EOF2
close $cf;
ok($h->start, 'private httpd with php-cgi on .php files started') or diag($h->error_log);

my $res = $h->get('/info.php?a=1');
is($res->{status}, 200, 'a .php file is run');
is($res->{content}, "script=/info.php path_info=- a=1\n", 'by PHP, with its query string');
is($res->{headers}{'x-from'}, 'php', 'the script\'s header reaches the client');

$res = $h->get('/info.php/extra/path?a=2');
is($res->{status}, 200, 'with path info');
is($res->{content}, "script=/info.php path_info=/extra/path a=2\n",
   'SCRIPT_NAME and PATH_INFO split where httpd found the file');

$res = $h->get('/missing.php');
is($res->{status}, 404, 'a missing script: 404');
like($res->{content}, qr/No input file specified/, 'as php-cgi says it');

$res = $h->get('/upload.txt/x.php');
isnt($res->{content} // '', 'ran as PHP', 'a text file with ".php" path info is not run as PHP');
is($res->{status}, 404, '... it is a 404 (AcceptPathInfo default for a file)');

# AcceptPathInfo Off (a common PHP hardening) holds, as for mod_cgi and
# mod_fcgid: path info after a script is a 404, not a run of the script.
mkdir "$docs/strict" or die "$docs/strict: $!";
put('strict/info.php', '<?php echo "ran\n";');
is($h->get('/strict/info.php')->{content}, "ran\n", 'AcceptPathInfo Off: the script alone runs');
$res = $h->get('/strict/info.php/extra');
is($res->{status}, 404, 'with path info: 404');
isnt($res->{content} // '', "ran\n", '... and the script did not run');

ok($h->stop, 'stopped');
