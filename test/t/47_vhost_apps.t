# Shared hosting: each customer's virtual host has its app, running as the
# customer's user=. An app named only inside virtual hosts' sections serves
# those hosts alone: another host's .htaccess (SetHandler, AllowOverride
# FileInfo) naming it is refused with 403, or that host's scripts would run
# as the other customer (php-cgi runs whatever SCRIPT_FILENAME httpd maps).
# An app named in the main server's sections, or nowhere in the
# configuration files, still serves every host; only a directive that sets
# a handler names an app (SetHandler, AddHandler, RewriteRule's H=), not
# any text that holds "prefork-app:NAME".
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 20;

my $echo = app_path('echo');
my $docs = test_dir('pa-docs');
# In a.example's tree: one directory per app its .htaccess names.
for my $app (qw(va vb vg vn)) {
    mkdir "$docs/a/$app" or mkdir("$docs/a") && mkdir("$docs/a/$app") or die $!;
    write_file("$docs/a/$app/.htaccess", "SetHandler prefork-app:$app\n");
    write_file("$docs/a/$app/f", '');
}
# And one naming an app that does not exist: .htaccess is not read at
# startup, so only the request can find out.
mkdir "$docs/a/vnone" or die $!;
write_file("$docs/a/vnone/.htaccess", "SetHandler prefork-app:nosuch\n");
write_file("$docs/a/vnone/f", '');
# Typos: of a.example's own app (the log says which it may mean), and of
# b.example's (not named: a customer reading their host's log learns no
# other customer's app).
for (['vtypo', 'alhpa'], ['vtypo2', 'bravoo']) {
    my ($dir, $name) = @$_;
    mkdir "$docs/a/$dir" or die $!;
    write_file("$docs/a/$dir/.htaccess", "SetHandler prefork-app:$name\n");
    write_file("$docs/a/$dir/f", '');
}
# A customer's .htaccess from the days of mod_fcgid, which is not loaded
# now: the script must not be sent as a file.
mkdir "$docs/a/vfcgid" or die $!;
write_file("$docs/a/vfcgid/.htaccess", "AddHandler fcgid-script .php\n");
write_file("$docs/a/vfcgid/wp-config.php", "<?php define('DB_PASSWORD', 'hunter2');\n");
mkdir "$docs/b";
my $h = PATest::Httpd->new(conf => <<"EOF2");
PreforkApp va "$echo" processes=0-1
PreforkApp vb "$echo" processes=0-1
PreforkApp vg "$echo" processes=0-1
PreforkApp vn "$echo" processes=0-1
PreforkApp alpha "$echo" processes=0-1
PreforkApp bravo "$echo" processes=0-1
<Location /vg>
    SetHandler prefork-app:vg
</Location>
# The main server's text names vb here, but sets no handler to it: that
# grants no host the app.
<If "%{HANDLER} == 'prefork-app:vb'">
</If>
<VirtualHost *>
    ServerName a.example
    DocumentRoot "$docs/a"
    <Directory "$docs/a">
        AllowOverride FileInfo
        Require all granted
    </Directory>
    <Location /va-own>
        SetHandler prefork-app:va
    </Location>
    <Location /alpha>
        SetHandler prefork-app:alpha
    </Location>
</VirtualHost>
<VirtualHost *>
    ServerName b.example
    DocumentRoot "$docs/b"
    <Location /bravo>
        SetHandler prefork-app:bravo
    </Location>
    <Location /vb>
        SetHandler prefork-app:vb
    </Location>
</VirtualHost>
EOF2
ok($h->start, 'private httpd with two customers\' hosts started') or diag($h->error_log);

is($h->get_host('b.example', '/vb')->{status}, 200, 'b.example uses its own app');
my $offset = error_log_offset($h->log_file);
my $res = $h->get_host('a.example', '/vb/f');
is($res->{status}, 403, 'a.example\'s .htaccess naming b.example\'s app: 403');
unlike($res->{content}, qr/SERVER_NAME=/, 'the app never saw the request');
like(error_log_since($offset, $h->log_file),
     qr/PA00332: vb: refused to virtual host .*\(a\.example\)/,
     'PA00332 names the app and the host');
is($h->get_host('a.example', '/va/f')->{status}, 200,
   'a.example\'s .htaccess naming its own app is served');
is($h->get_host('a.example', '/va-own')->{status}, 200, 'and so is its Location');
is($h->get_host('a.example', '/vg/f')->{status}, 200,
   'an app named in the main server\'s sections serves every host');
is($h->get_host('b.example', '/vg')->{status}, 200, '(also through that Location)');
is($h->get_host('a.example', '/vn/f')->{status}, 200,
   'an app named nowhere in the configuration files serves every host');
$offset = error_log_offset($h->log_file);
$res = $h->get_host('a.example', '/vnone/f');
is($res->{status}, 500, 'a .htaccess naming no PreforkApp: 500');
unlike($res->{content}, qr/SERVER_NAME=/, 'no app saw the request');
like(error_log_since($offset, $h->log_file),
     qr/PA00301: no PreforkApp named 'nosuch' \(handler prefork-app:nosuch\)/,
     'PA00301 names the missing app');
$offset = error_log_offset($h->log_file);
is($h->get_host('a.example', '/vtypo/f')->{status}, 500, 'a .htaccess with a typo in its app\'s name: 500');
like(error_log_since($offset, $h->log_file),
     qr/PA00301: no PreforkApp named 'alhpa' \(did you mean 'alpha'\?\) \(handler prefork-app:alhpa\)/,
     '... and PA00301 says which app of its host it may mean');
$offset = error_log_offset($h->log_file);
is($h->get_host('a.example', '/vtypo2/f')->{status}, 500, 'a typo of another host\'s app: 500');
like(error_log_since($offset, $h->log_file),
     qr/PA00301: no PreforkApp named 'bravoo' \(handler prefork-app:bravoo\)/,
     '... and PA00301 names no app of another host');
$offset = error_log_offset($h->log_file);
$res = $h->get_host('a.example', '/vfcgid/wp-config.php');
is($res->{status}, 500, 'a .htaccess AddHandler fcgid-script without mod_fcgid: 500');
unlike($res->{content}, qr/hunter2/, '... the script\'s source not sent');
like(error_log_since($offset, $h->log_file),
     qr/PA00346: handler fcgid-script is mod_fcgid's, which is not loaded: not sending \S+wp-config\.php as it is/,
     '... and PA00346 says why');
$h->stop;
