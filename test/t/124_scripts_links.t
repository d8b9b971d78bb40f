# PreforkAppScripts: a program with several names in one directory (a
# symlink, a hard link) has one pool: at the start (and each graceful
# restart) the names after the first are mapped to its pool, and a program
# added while httpd runs takes one new-programs= pool whichever of its
# names is asked for. Before, each name had a pool of its own, workers
# twice over for one program, and each new name used up a new-programs=
# pool. A name in another directory (a site's copy, hard linked by a
# dedupe tool) keeps a pool of its own: the program finds its files from
# its path or working directory. A private httpd.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use File::Copy ();

plan tests => 24;

my $top = test_dir('pa-scripts-links');
my $tmp = "$top/s1";
mkdir $tmp or die "$tmp: $!";
mkdir "$top/s2" or die "$top/s2: $!";
File::Copy::copy(app_path('echo'), "$tmp/a.fcgi") or die "copy: $!";
chmod 0755, "$tmp/a.fcgi";
link("$tmp/a.fcgi", "$tmp/b.fcgi") or die "link: $!";
symlink("a.fcgi", "$tmp/c.fcgi") or die "symlink: $!";
link("$tmp/a.fcgi", "$top/s2/site.fcgi") or die "link: $!";
File::Copy::copy(app_path('echo'), "$tmp/other.fcgi") or die "copy: $!";
chmod 0755, "$tmp/other.fcgi";
# s1 by a second path (as /var/www -> /srv/www), which the pattern matches
# first: the same directory.
symlink("s1", "$top/link") or die "symlink: $!";
my $lib = libexecdir();
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
LoadModule alias_module "$lib/mod_alias.so"
PreforkAppScripts cgi "$top/*/*.fcgi" new-programs=2 processes=0-2
Alias /cgi/ "$tmp/"
Alias /s2/ "$top/s2/"
Alias /l/ "$top/link/"
<Directory "$top">
    Require all granted
    SetHandler prefork-app:cgi
</Directory>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);
my $pools = sub { [ sort map { $_->{name} } @{ (status_json('/app-status?json', $h->url) || {})->{apps} || [] } ] };
is_deeply($pools->(), ['cgi:a.fcgi', 'cgi:other.fcgi', 'cgi:site.fcgi'], 'one program, three names in a directory: one pool; its name in another: one more');
like($h->get('/s2/site.fcgi')->{content}, qr{^SCRIPT_FILENAME=\Q$top\E/s2/site\.fcgi$}m, 'that one is served');
is($h->app('cgi:site.fcgi')->{counters}{accepted}, 1, '... by its own pool');
is(join(' ', map { $h->get("/cgi/$_.fcgi")->{status} } qw(a b c)), '200 200 200',
   'each name is served');
is($h->app('cgi:a.fcgi')->{counters}{accepted}, 3, '... by that pool');
is($h->get('/l/a.fcgi')->{status}, 200, 'the program by the linked path to its directory is served');
is($h->app('cgi:a.fcgi')->{counters}{accepted}, 4, '... by that pool too');

# Added while httpd runs: a program, then a symlink and a hard link to it.
File::Copy::copy(app_path('echo'), "$tmp/m.fcgi") or die "copy: $!";
chmod 0755, "$tmp/m.fcgi";
is($h->get('/cgi/m.fcgi')->{status}, 200, 'a new program is served');
symlink("m.fcgi", "$tmp/n.fcgi") or die "symlink: $!";
link("$tmp/m.fcgi", "$tmp/o.fcgi") or die "link: $!";
is(join(' ', map { $h->get("/cgi/$_.fcgi")->{status} } qw(n o)), '200 200',
   'its symlink and hard link are served');
is_deeply($pools->(), ['cgi:a.fcgi', 'cgi:m.fcgi', 'cgi:other.fcgi', 'cgi:site.fcgi'], '... by its new-programs pool, not pools of their own');
is($h->app('cgi:m.fcgi')->{counters}{accepted}, 3, '... which took the three requests');
# A hard link made since the start beside the program (its site copy in
# s2 shares the file): the program's pool, not a new-programs pool.
link("$tmp/a.fcgi", "$tmp/hl.fcgi") or die "link: $!";
my $a_before = $h->app('cgi:a.fcgi')->{counters}{accepted};
is($h->get('/cgi/hl.fcgi')->{status}, 200, 'a hard link made since the start is served');
is($h->app('cgi:a.fcgi')->{counters}{accepted}, $a_before + 1, '... by the pool of its directory\'s program');

# A symlink made since the start: the pool of the program it leads to (not
# the site copy's, which shares its file).
symlink("a.fcgi", "$tmp/late.fcgi") or die "symlink: $!";
my $before = $h->app('cgi:a.fcgi')->{counters}{accepted};
is($h->get('/cgi/late.fcgi')->{status}, 200, 'a symlink made since the start is served');
is($h->app('cgi:a.fcgi')->{counters}{accepted}, $before + 1, '... by the pool of the program it leads to');
# A symlink of the start made to point to another program started: that
# program's pool.
unlink "$tmp/c.fcgi" or die "unlink: $!";
symlink("other.fcgi", "$tmp/c.fcgi") or die "symlink: $!";
is($h->get('/cgi/c.fcgi')->{status}, 200, 'a symlink pointed elsewhere since the start is served');
is($h->app('cgi:other.fcgi')->{counters}{accepted}, 1, '... by the pool of the program it leads to now');
ok($h->stop, 'stopped') or diag($h->error_log);

# A pattern through a symlinked directory (/var/www -> /srv/www): a
# program added while httpd runs, asked for by its resolved path (another
# Alias), is served by a new-programs pool, as one of the start is by its
# own. Before, 403 until a graceful restart.
my $h2 = PATest::Httpd->new(status => 1, conf => <<"EOF");
LoadModule alias_module "$lib/mod_alias.so"
PreforkAppScripts cgi "$top/link/*.fcgi" new-programs=1 processes=0-2
Alias /cgi/ "$tmp/"
Alias /l/ "$top/link/"
<Directory "$top">
    Require all granted
    SetHandler prefork-app:cgi
</Directory>
EOF
ok($h2->start, 'a private httpd, its pattern through a symlinked directory') or diag($h2->error_log);
is($h2->get('/cgi/other.fcgi')->{status}, 200, 'a program of the start by its resolved path is served');
File::Copy::copy(app_path('echo'), "$tmp/late2.fcgi") or die "copy: $!";
chmod 0755, "$tmp/late2.fcgi";
is($h2->get('/cgi/late2.fcgi')->{status}, 200, 'a program added since, by its resolved path, is served')
    or diag($h2->error_log);
is($h2->get('/l/late2.fcgi')->{status}, 200, '... and by the linked path');
is(($h2->app('cgi:late2.fcgi') || {})->{counters}{accepted}, 2, '... both by one new-programs pool');
$h2->stop;
