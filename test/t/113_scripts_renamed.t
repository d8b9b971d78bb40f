# PreforkAppScripts finds a program reached by another name (a symlink, a
# hard link) by its device and inode: its pool serves it. A program
# renamed while httpd runs (or deleted, and its inode number given to a
# new file) is not that program any more: before, its new name was served
# by the old name's pool, whose workers run the old path (another program
# by then, or none: they could not start, 502s and a crash-loop backoff).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use File::Copy ();
use PATest qw(:all);

plan tests => 6;

my $echo = app_path('echo');
my $tmp = test_dir('pa-scripts-renamed');
File::Copy::copy($echo, "$tmp/a.fcgi") or die "$tmp/a.fcgi: $!";
chmod 0755, "$tmp/a.fcgi";
symlink("$tmp/a.fcgi", "$tmp/link.fcgi") or die "$tmp/link.fcgi: $!";
my $lib = libexecdir();
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
LoadModule alias_module "$lib/mod_alias.so"
PreforkAppScripts s "$tmp/a.fcgi" processes=0-1 new-programs=0
Alias /s/ "$tmp/"
<Directory "$tmp">
    Require all granted
    SetHandler prefork-app:s
</Directory>
EOF
ok($h->start, 'private httpd with one program') or diag($h->error_log);
my $res = $h->get('/s/link.fcgi?whoami=1');
is($res->{status}, 200, 'a symlink to it: served');
my ($w) = $res->{content} =~ /pid=(\d+)/;
is_deeply([$h->pids('s:a.fcgi')], [$w], '... by its pool');

rename "$tmp/a.fcgi", "$tmp/b.fcgi" or die "rename: $!";
my $off = error_log_offset($h->log_file);
is($h->get('/s/b.fcgi?whoami=1')->{status}, 403,
   'renamed: its new name is not one of the programs started (403), not served by the old name\'s pool');
like(error_log_since($off, $h->log_file), qr/PA00338: s: \Q$tmp\E\/b\.fcgi is not one of the programs/,
     '... saying so (PA00338)');
unlike(error_log_since($off, $h->log_file), qr/PA00105|cannot execute/,
       'no worker started for a program that is gone');
$h->stop;
