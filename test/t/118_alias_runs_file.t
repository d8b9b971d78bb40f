# PreforkAppAlias gives an app its own program as SCRIPT_FILENAME. An app
# that runs the file SCRIPT_FILENAME names (php-cgi, fcgiwrap) would run
# itself: php-cgi compiled its own binary as PHP (a parse error in the log),
# fcgiwrap started itself over and over (hundreds of processes a request
# until request-timeout). Such a request is refused (500, PA00347, no
# worker asked) unless PreforkAppSetEnvIf names a script (a front
# controller), which then runs (t/116: also a URL of the program itself).
# fcgiwrap is known by its name (here the echo app under that name, which
# would answer).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan skip_all => 'php-cgi not installed' unless -x '/usr/bin/php-cgi';
plan tests => 17;

my $h = PATest::Httpd->new(conf => '');
my $wrap = $h->dir . '/fcgiwrap';
symlink(app_path('echo'), $wrap) or die "$wrap: $!";
# Not php-cgi, whatever its comments say: its exec is what counts.
my $other = $h->dir . '/other-app';
open my $ofh, '>', $other or die "$other: $!";
print $ofh "#!/bin/sh\n# It replaces our old php-cgi pool and fcgiwrap.\nexec @{[app_path('echo')]}\n";
close $ofh;
chmod 0755, $other;
# A Perl app whose own text names php-cgi (a string, its documentation):
# only a shell wrapper's lines say what it runs.
my $perl = $h->dir . '/perl-app.pl';
open my $pfh, '<', "$FindBin::Bin/apps/echo.pl" or die "echo.pl: $!";
my $src = do { local $/; <$pfh> };
close $pfh;
$src =~ s/^(use strict;)$/$1\nmy \$note = "replaces our old php-cgi pool, like fcgiwrap";/m or die;
open $pfh, '>', $perl or die "$perl: $!";
print $pfh $src;
close $pfh;
chmod 0755, $perl;
my $docs = $h->dir . '/docs';
mkdir $docs or die "$docs: $!";
open my $fh, '>', "$docs/front.php" or die;
print $fh '<?php echo "front script=", $_SERVER["SCRIPT_NAME"], " path_info=", $_SERVER["PATH_INFO"] ?? "-", "\n";';
close $fh;
open my $cf, '>>', $h->{conf_file} or die "$h->{conf_file}: $!";
print $cf <<"EOF";
PreforkApp php "/usr/bin/php-cgi" processes=1
PreforkApp front "/usr/bin/php-cgi" processes=1
PreforkApp wrap "$wrap" processes=1
PreforkApp other "$other" processes=1
PreforkApp perlapp "$perl" processes=1
PreforkAppAlias /perl perlapp
PreforkApp phpc "/usr/bin/php-cgi" protocol=cgi processes=1
PreforkAppAlias /pc phpc
PreforkAppAlias /bare php
PreforkAppAlias /other other
ErrorDocument 404 /app/errors/404
PreforkAppAlias /wrap wrap
PreforkAppAlias /app front
<Location /app>
    PreforkAppSetEnvIf true SCRIPT_FILENAME "$docs/front.php"
</Location>
EOF
close $cf;
ok($h->start, 'private httpd: php-cgi aliased bare, and as a front controller') or diag($h->error_log);

my $log = error_log_offset($h->log_file);
my $res = $h->get('/bare/x');
is($res->{status}, 500, 'php-cgi aliased with its own program as the script: 500');
unlike($res->{content} // '', qr/\x7fELF/, '... its binary is not sent');
my $text = wait_for_log(qr/PA00347/, $log, file => $h->log_file) // '';
like($text, qr{PA00347: php: not sent: it runs the file SCRIPT_FILENAME names, which is its own program \(/usr/bin/php-cgi, under PreforkAppAlias\); .*; request GET /bare/x},
     '... logged, with what to do');

$log = error_log_offset($h->log_file);
$res = $h->get('/wrap/hello.cgi');
is($res->{status}, 500, 'fcgiwrap aliased with its own program as the script: 500');
unlike($res->{content} // '', qr/SCRIPT_FILENAME/, '... not sent to it');
like(wait_for_log(qr/PA00347/, $log, file => $h->log_file) // '', qr/PA00347: wrap: not sent: /,
     '... logged');

$res = $h->get('/app/users/7');
is($res->{status}, 200, 'with PreforkAppSetEnvIf naming the front controller: 200');
is($res->{content}, "front script=/app path_info=/users/7\n", '... the script runs, with the route');
$res = $h->get('/nonexistent');
is($res->{content}, "front script=/app path_info=/errors/404\n",
   'the front controller as ErrorDocument (an internal redirect): its PATH_INFO kept');

$log = error_log_offset($h->log_file);
$res = $h->get('/pc/x');
is($res->{status}, 500, 'php-cgi as protocol=cgi, aliased: 500');
like(wait_for_log(qr/PA00347/, $log, file => $h->log_file) // '', qr/PA00347: phpc: not sent: /, '... PA00347');

$res = $h->get('/perl/x');
is($res->{status}, 200, 'a Perl app under an alias, its text naming php-cgi: 200');
like($res->{content}, qr/SCRIPT_FILENAME/, '... it answers');

$res = $h->get('/other/x');
is($res->{status}, 200, 'another app under an alias, its wrapper\'s comments naming php-cgi: 200');
like($res->{content}, qr/^SCRIPT_FILENAME=/m, '... it answers');

ok($h->stop, 'stopped');
