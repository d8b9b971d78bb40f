# The status page shows every app's command line and every request in
# flight. Where the admin put it in a section that says nothing of who may
# see it, only local clients get it ("Require local" is added there); a
# Require of the admin's own decides otherwise. Where only an .htaccess
# sets it (a customer's), nobody gets it. A client from elsewhere is stood
# in for by mod_remoteip: X-Forwarded-For from the loopback proxy makes the
# request's client that address, as a real one would be.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use HTTP::Tiny ();

plan tests => 38;

my $hello = hello_path();
my $lib = libexecdir();
my $docs = File::Temp::tempdir('pa-docs-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$docs/$_" or die "mkdir: $!" for qw(dir cust addh typo cadd ctype crw);
chmod 0755, $docs, map { "$docs/$_" } qw(dir cust addh typo cadd ctype crw);
for (['cust/.htaccess', "SetHandler prefork-app-status\n"], ['cust/page', "a customer's page\n"],
     ['addh/x.status', ''], ['addh/.htaccess', "SetHandler prefork-app-status\n"],
     ['typo/.htaccess', "SetHandler prefork_app:guarded\n"],
     ['typo/page.php', "<?php \$password = 'pa-secret'; ?>\n"],
     # Other ways an .htaccess gives a file a handler: AddHandler, a type
     # (httpd takes the content type as the handler when none is set), a
     # RewriteRule [H=] of its own.
     ['cadd/.htaccess', "AddHandler prefork-app-status .txt\n"], ['cadd/page.txt', "a customer's page\n"],
     ['ctype/.htaccess', "ForceType prefork-app-status\n"], ['ctype/page', "a customer's page\n"],
     ['crw/.htaccess', "RewriteEngine On\nRewriteRule ^page\$ - [H=prefork-app-status]\n"],
     ['crw/page', "a customer's page\n"]) {
    open my $fh, '>', "$docs/$_->[0]" or die "$_->[0]: $!";
    print $fh $_->[1];
    close $fh;
    chmod 0644, "$docs/$_->[0]";
}
my $remote = 'X-Forwarded-For: 203.0.113.9';

# The server's top level also names the handler (a RewriteRule [H=], as
# an AddHandler would be), which every directory inherits: the customer's
# .htaccess below must still be refused.
my $h = PATest::Httpd->new(conf => <<"EOF2");
LoadModule remoteip_module "$lib/mod_remoteip.so"
LoadModule rewrite_module "$lib/mod_rewrite.so"
LoadModule authn_core_module "$lib/mod_authn_core.so"
RewriteEngine On
RewriteRule ^/st\$ - [H=prefork-app-status]
AddHandler prefork-app-status .pastatus
<Location /st>
    Require local
</Location>
RemoteIPHeader X-Forwarded-For
RemoteIPInternalProxy 127.0.0.1
DocumentRoot "$docs"
<Directory "$docs">
    AllowOverride FileInfo
    Require all granted
</Directory>
<Directory "$docs/addh">
    AddHandler prefork-app-status .status
    Require local
</Directory>
PreforkApp guarded "$hello" processes=1
<Location /open-by-default>
    SetHandler prefork-app-status
</Location>
<Location /by-ip>
    SetHandler prefork-app-status
    Require ip 203.0.113.9
</Location>
<Location /auth-only>
    SetHandler prefork-app-status
    AuthType Basic
    AuthName status
</Location>
<Location /granted>
    SetHandler prefork-app-status
    Require all granted
</Location>
PreforkAppCache gz 1M
<Location /limit-get>
    SetHandler prefork-app-status
    # (its Require is in the <Limit GET> below)
    PreforkAppStatusCacheDrop On
    <Limit GET>
        Require ip 203.0.113.9
    </Limit>
</Location>
<Directory "$docs/dir">
    SetHandler prefork-app-status
</Directory>
EOF2
ok($h->start, 'private httpd started') or diag($h->error_log);

my $r = $h->get_host('127.0.0.1', '/open-by-default?json');
is($r->{status}, 200, 'no Require of its own: a local client gets the page');
like($r->{content}, qr/"guarded"/, '... with the apps');
$r = $h->get_host('127.0.0.1', '/open-by-default?json', $remote);
is($r->{status}, 403, '... a client from elsewhere gets 403');
unlike($r->{content}, qr/guarded/, '... and nothing of the status');
like($h->error_log, qr/AH01630: client denied by server configuration: .*open-by-default/,
     '... refused by authorization, as a Require local does');

$r = $h->get_host('127.0.0.1', '/dir/?json', $remote);
is($r->{status}, 403, 'in a <Directory> with no Require: 403 from elsewhere');
is($h->get_host('127.0.0.1', '/dir/?json')->{status}, 200, '... 200 locally');

$r = $h->get_host('127.0.0.1', '/by-ip?json', $remote);
is($r->{status}, 200, "Require ip of the admin's: the client it names gets the page");
like($r->{content}, qr/"guarded"/, '... with the apps');
is($h->get_host('127.0.0.1', '/by-ip?json', 'X-Forwarded-For: 203.0.113.10')->{status}, 403,
   '... another does not');
is($h->get_host('127.0.0.1', '/granted?json', $remote)->{status}, 200,
   'Require all granted: open, as written');
# A Require in <Limit GET> says nothing of the DELETE that empties cache
# zones (PreforkAppStatusCacheDrop): that is local only.
my $del = sub { HTTP::Tiny->new(timeout => 60)->request('DELETE', $h->url('/limit-get?cache=gz'),
                                                        { headers => { @_ } })->{status} };
is($h->get_host('127.0.0.1', '/limit-get?json', $remote)->{status}, 200,
   "Require ip in <Limit GET>: the client it names gets the page");
is($del->('X-Forwarded-For' => '203.0.113.9'), 403, '... but its DELETE of a cache zone gets 403');
is($del->('X-Forwarded-For' => '203.0.113.10'), 403, '... as does any other client\'s from elsewhere');
is($del->(), 200, '... a local client\'s DELETE empties the zone');
# AuthType without a Require asks nobody to log in: no guard of its own.
is($h->get_host('127.0.0.1', '/auth-only?json', $remote)->{status}, 403,
   'AuthType alone: 403 from elsewhere (Require local added)');

$r = $h->get_host('127.0.0.1', '/st?json');
is($r->{status}, 200, 'a RewriteRule [H=] at the top level: served');
like($r->{content}, qr/"guarded"/, '... the page');

# An .htaccess of a customer's: refused, to local clients too, one log line
# (though the top level names the handler too).
my $off = PATest::error_log_offset($h->log_file);
$r = $h->get_host('127.0.0.1', '/cust/page?json');
is($r->{status}, 403, 'set by an .htaccess alone: 403, to a local client too');
unlike($r->{content}, qr/guarded/, '... nothing of the status');
like(PATest::error_log_since($off, $h->log_file),
     qr/PA00501: status page refused: its handler is set here by an \.htaccess file/,
     '... PA00501 says why');
# Nor by the other ways an .htaccess has of giving a file a handler.
for my $case ([ 'AddHandler', '/cadd/page.txt' ], [ 'ForceType', '/ctype/page' ],
              [ 'RewriteRule [H=]', '/crw/page' ]) {
    my ($how, $path) = @$case;
    $r = $h->get_host('127.0.0.1', "$path?json");
    isnt($r->{status}, 200, "set by an .htaccess $how alone: not served (status $r->{status})");
    unlike($r->{content}, qr/guarded/, '... nothing of the status');
}
# The top level's own AddHandler and RewriteRule still put the page where
# they say, beside those .htaccess files.
$r = $h->get_host('127.0.0.1', '/cadd/x.pastatus?json');
is($r->{status}, 200, 'an AddHandler at the top level: served where its extension is');
like($r->{content}, qr/"guarded"/, '... the page');
is($h->get_host('127.0.0.1', '/st?json')->{status}, 200, '... and the RewriteRule [H=] still is');
# Below a section of the configuration files that names the handler, an
# .htaccess may set it (the admin already allows *.status pages there).
$r = $h->get_host('127.0.0.1', '/addh/anything?json');
is($r->{status}, 200, 'an .htaccess below an AddHandler of the configuration: served');
like($r->{content}, qr/"guarded"/, '... the page');

# A handler name mistyped in an .htaccess (prefork_app:): not ours, so no
# module would claim it and httpd would send the script's source. The
# configuration files are refused such a name by httpd -t (t/01).
$off = PATest::error_log_offset($h->log_file);
$r = $h->get_host('127.0.0.1', '/typo/page.php');
is($r->{status}, 500, 'an .htaccess naming prefork_app:guarded (a typo): 500');
unlike($r->{content}, qr/pa-secret/, '... not the file as it is');
like(PATest::error_log_since($off, $h->log_file),
     qr/PA00302: handler prefork_app:guarded is not one of mod_prefork_app's/,
     '... PA00302 says why');

my $t = qx{"@{[httpd_bin()]}" -t -f "$h->{conf_file}" 2>&1};
my @lines = $t =~ /PA00015: \Q$h->{conf_file}\E:(\d+): SetHandler prefork-app-status with no Require in its section: only local clients see the status page/g;
open my $fh, '<', $h->{conf_file} or die "$h->{conf_file}: $!";
my @conf = <$fh>;
# The SetHandler lines whose next line is not a Require: the three unguarded.
my @want = grep { $conf[$_ - 1] =~ /SetHandler prefork-app-status/ && $conf[$_] !~ /Require/ }
           1 .. $#conf;
# Setup, not a check of the module: our own configuration has three.
@want == 3 or die "expected three sections without a Require in $h->{conf_file}, found @{[scalar @want]}\n";
is("@lines", "@want", 'httpd -t: PA00015 with the file and line of each such SetHandler, none for the others')
    or diag($t);
ok($h->stop, 'stopped');
