# PreforkAppScripts NAME "PATTERN": a pool of its own for each program the
# pattern matches (mod_fcgid's class per script), named NAME:FILE, and
# "prefork-app:NAME" serves the request's file with its pool. Files the
# workers may not execute are left out (a warning); a file that is not there
# is a 404, one no program a 403, one added since the start is served by a
# new-programs= pool until a graceful restart gives it its own; editing a
# program replaces its workers. Bad lines fail configtest with file:line. A
# private httpd.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use File::Copy ();

plan tests => 58;

my $echo = app_path('echo');
my $tmp = test_dir('pa-scripts');
sub program {
    my ($name, $mode) = @_;
    File::Copy::copy($echo, "$tmp/$name") or die "$tmp/$name: $!";
    chmod $mode // 0755, "$tmp/$name";
}
program('a.fcgi');
program('b.fcgi');
program('big.fcgi');                    # with a line of its own too
# Names cut to fit 32 characters, the same after the cut: -2.
program('a-very-long-program-name-number-1.fcgi');
program('a-very-long-program-name-number-2.fcgi');
program('sp ace.fcgi');
program('c.fcgi', 0644);                # not executable: left out
mkdir "$tmp/dir.fcgi";                  # a directory: not a program
# A cgi-bin's plain CGI script, with a line of protocol=cgi.
write_file("$tmp/hi.cgi", "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nhi %s\\n' \"\$QUERY_STRING\"\n", 0755);
# The same directory reached through a symlink (a DocumentRoot that is a
# link): the same pools, as the files are the same.
my $other = test_dir('pa-scripts');
symlink($tmp, "$other/link") or die "$other/link: $!";
my $lib = libexecdir();
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
LoadModule alias_module "$lib/mod_alias.so"
PreforkAppScripts cgi "$tmp/*.fcgi" processes=0-2 idle-timeout=300
PreforkAppEnv cgi GREETING hello
PreforkAppScripts big "$tmp/big.fcgi" processes=1
PreforkAppScripts sh "$tmp/*.cgi" protocol=cgi
Alias /cgi/ "$tmp/"
<Directory "$tmp">
    Require all granted
    AddHandler prefork-app:cgi .fcgi
    AddHandler prefork-app:sh .cgi
    <Files "big.fcgi">
        SetHandler prefork-app:big
    </Files>
</Directory>
<Location /big-status>
    SetHandler prefork-app-status
    PreforkAppStatusApps big
    Require local
</Location>
<Location /vh-status>
    SetHandler prefork-app-status
    PreforkAppStatusApps \@vhost
    Require local
</Location>
Alias /via-link/ "$other/link/"
<Directory "$other/link">
    Require all granted
    AddHandler prefork-app:cgi .fcgi
</Directory>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);
# (Startup warnings go to httpd's stderr: configtest shows them.)
my %t = configtest(qq{PreforkAppScripts cgi "$tmp/*.fcgi"});
is($t{rc}, 0, 'configtest passes');
like($t{out}, qr/PA00029: \Q$t{file}\E:$t{first}: PreforkAppScripts cgi: left out 1 file its workers \(user \S+\) may not execute: \Q$tmp\E\/c\.fcgi\n/,
     '... saying which file is no program, with file:line');

my $st = status_json('/app-status?json', $h->url);
my %names = map { $_->{name} => $_ } @{ $st->{apps} || [] };
is_deeply([sort keys %names], ['big:big.fcgi', 'cgi:a-very-long-program-name-n-2',
                               'cgi:a-very-long-program-name-num', 'cgi:a.fcgi', 'cgi:b.fcgi',
                               'cgi:big.fcgi', 'cgi:sp_ace.fcgi', 'sh:hi.cgi'],
          'a pool for each program, named NAME:FILE (cut to 32 characters, made unique)');
is($names{'cgi:a-very-long-program-name-n-2'}{command} // '', "$tmp/a-very-long-program-name-number-2.fcgi",
   '... the second of two long names that cut the same is -2');
is($names{'cgi:a.fcgi'}{command} // '', "$tmp/a.fcgi", 'its command is the program');
is($names{'cgi:a.fcgi'}{scripts} // '', 'cgi', '... and its line\'s NAME in the status JSON');
is(scalar @{ $names{'cgi:a.fcgi'}{workers} || [] }, 0, 'started on demand: no worker yet');

# ---- each program its own pool --------------------------------------------
my $res = $h->get('/cgi/a.fcgi/x/y?q=1');
is($res->{status}, 200, 'a program answers');
like($res->{content}, qr/^SCRIPT_FILENAME=\Q$tmp\E\/a\.fcgi$/m, '... as itself (SCRIPT_FILENAME)');
like($res->{content}, qr/^PATH_INFO=\/x\/y$/m, '... with its path info');
like($res->{content}, qr/^SCRIPT_NAME=\/cgi\/a\.fcgi$/m, '... and SCRIPT_NAME');
my ($a_pid) = $h->get('/cgi/a.fcgi?whoami=1')->{content} =~ /pid=(\d+)/;
my ($b_pid) = $h->get('/cgi/b.fcgi?whoami=1')->{content} =~ /pid=(\d+)/;
ok($a_pid && $b_pid && $a_pid != $b_pid, 'two programs, two workers');
is_deeply([$h->pids('cgi:a.fcgi')], [$a_pid], 'a.fcgi\'s worker is in its own pool');
is_deeply([$h->pids('cgi:b.fcgi')], [$b_pid], 'b.fcgi\'s in its own');
$res = $h->get('/via-link/b.fcgi?whoami=1');
ok($res->{status} == 200 && $res->{content} =~ /pid=$b_pid /,
   'the program reached through a symlinked directory: its own pool')
    or diag("$res->{status} $res->{content}");
$res = $h->get('/cgi/hi.cgi?x=1');
is("$res->{status} $res->{content}", "200 hi x=1\n", 'a CGI script with a line of protocol=cgi (mod_cgi\'s cgi-bin)');
my $environ = do { local $/; open my $fh, '<', "/proc/$a_pid/environ" or die $!; <$fh> };
like($environ // '', qr/(?:^|\0)GREETING=hello(?:\0|$)/, 'PreforkAppEnv NAME reaches every program\'s workers');
is($h->get('/cgi/sp%20ace.fcgi')->{status}, 200, 'a file name with a blank');
like($h->get('/app-status?app=cgi')->{content} // '',
     qr{<h2>cgi:a\.fcgi</h2>\s*<dl>\s*<dt>Command: <code>\Q$tmp\E/a\.fcgi</code> \(fastcgi\), one of PreforkAppScripts cgi</dt>},
     'the HTML page names the line of a program\'s pool');
is_deeply([map { $_->{name} } @{ (status_json('/big-status?json', $h->url) || {})->{apps} || [] }],
          ['big:big.fcgi'], 'PreforkAppStatusApps NAME shows the line\'s pools alone');
my $st2 = status_json('/app-status?json&app=cgi', $h->url);
is_deeply([sort map { $_->{name} } @{ $st2->{apps} || [] }],
          ['cgi:a-very-long-program-name-n-2', 'cgi:a-very-long-program-name-num', 'cgi:a.fcgi',
           'cgi:b.fcgi', 'cgi:big.fcgi', 'cgi:sp_ace.fcgi'], '?app=NAME shows the line\'s pools');
my $st3 = status_json('/vh-status?json&app=big', $h->url);
is_deeply([map { $_->{name} } @{ ($st3 || {})->{apps} || [] }], ['big:big.fcgi'],
          '... on a PreforkAppStatusApps @vhost page too');
# A program with settings of its own: a line naming it alone, its handler
# in a <Files> section.
$res = $h->get('/cgi/big.fcgi?whoami=1');
ok($res->{status} == 200 && $res->{content} =~ /pid=(\d+)/ && grep({ $_ == $1 } $h->pids('big:big.fcgi')),
   'a program\'s own line serves it where its <Files> section says')
    or diag("$res->{status} $res->{content}");
is(scalar($h->pids('cgi:big.fcgi')), 0, '... the directory\'s line starts no worker for it');

# ---- what is no started program -------------------------------------------
my $off = error_log_offset($h->log_file);
is($h->get('/cgi/missing.fcgi')->{status}, 404, 'a file that is not there: 404');
ok(wait_for_log(qr/PA00337: cgi: no such program: \Q$tmp\E\/missing\.fcgi/, $off, file => $h->log_file),
   '... logged');
is($h->get('/cgi/c.fcgi')->{status}, 403, 'the file left out: 403');
ok(wait_for_log(qr/PA00338: cgi: \Q$tmp\E\/c\.fcgi is not one of the programs PreforkAppScripts cgi \(\S+httpd\.conf:\d+\) started/, $off, file => $h->log_file),
   '... logged, with the line');
program('d.fcgi');
$res = $h->get('/cgi/d.fcgi?whoami=1');
is($res->{status}, 200, 'a program added since the start is served at once (new-programs=)');
my ($d_pid) = $res->{content} =~ /pid=(\d+)/;
is_deeply([$h->pids('cgi:d.fcgi')], [$d_pid], '... by a pool named as its own would be');
ok(wait_for_log(qr/PA00341: cgi: new program \Q$tmp\E\/d\.fcgi: served by pool cgi:d\.fcgi \(new-programs= pool 1 of 8\)/, $off, file => $h->log_file),
   '... logged once');
# Named as at a start: cut to 32, made unique against the start's pools and
# those taken since.
program('a-very-long-program-name-number-3.fcgi');
program('a-very-long-program-name-number-4.fcgi');
my @long = map { ($h->get("/cgi/a-very-long-program-name-number-$_.fcgi?whoami=1")->{content} // '') =~ /pid=(\d+)/ } 3, 4;
is_deeply([map { [$h->pids("cgi:a-very-long-program-name-n-$_")] } 3, 4], [map { [$_] } @long],
          'new programs whose names cut the same as others\': -3, -4');
chmod 0755, "$tmp/c.fcgi";
is($h->get('/cgi/c.fcgi')->{status}, 200, 'the file left out at the start, made executable since: served');
ok($h->graceful, 'graceful restart');
$res = $h->get('/cgi/d.fcgi?whoami=1');
is($res->{status}, 200, '... and after a graceful restart');
($d_pid) = $res->{content} =~ /pid=(\d+)/;
is_deeply([$h->pids('cgi:d.fcgi')], [$d_pid], '... by a pool of its own');

# ---- editing a program replaces its workers --------------------------------
($a_pid) = $h->get('/cgi/a.fcgi?whoami=1')->{content} =~ /pid=(\d+)/;
($b_pid) = $h->get('/cgi/b.fcgi?whoami=1')->{content} =~ /pid=(\d+)/;
my $later = time + 5;
$off = error_log_offset($h->log_file);
utime $later, $later, "$tmp/a.fcgi" or die $!;
ok(wait_for_log(qr/PA00128: app cgi:a\.fcgi: \Q$tmp\E\/a\.fcgi changed; replacing its workers/, $off, file => $h->log_file),
   'a.fcgi touched: its workers are replaced');
ok(wait_for(sub { !pid_alive($a_pid) }), '... the old one leaves (on demand: the next request starts one)');
is_deeply([$h->pids('cgi:b.fcgi')], [$b_pid], 'b.fcgi\'s worker stays');
($res) = $h->get('/cgi/a.fcgi?whoami=1');
ok($res->{status} == 200 && $res->{content} =~ /pid=(\d+)/ && $1 != $a_pid, 'a.fcgi answers from a new worker');

# ---- configtest ------------------------------------------------------------
%t = configtest(qq{PreforkAppScripts cgi "$tmp/none/*.fcgi"});
isnt($t{rc}, 0, 'a pattern in a directory that is not there fails configtest');
like($t{out}, qr/line $t{first} of \Q$t{file}\E:\s+PreforkAppScripts cgi: directory \Q$tmp\E\/none: No such file or directory/,
     '... saying where and why');
%t = configtest(qq{PreforkAppScripts cgi "$tmp/*.fcgi" chroot=/});
like($t{out}, qr/PreforkAppScripts cgi: chroot= is not for PreforkAppScripts/, 'chroot= refused');
%t = configtest(qq{PreforkAppScripts cgi "$tmp/*.fcgi" processes=x});
like($t{out}, qr/line $t{first} of \Q$t{file}\E:\s+PreforkAppScripts cgi: processes=x: not a number/, 'a bad key, with file:line');
%t = configtest(qq{PreforkApp cgi "$echo"}, qq{PreforkAppScripts CGI "$tmp/*.fcgi"});
like($t{out}, qr/PreforkAppScripts: duplicate app name 'CGI'/, 'a name an app has');
%t = configtest(qq{PreforkAppScripts abcdefghijklmnopq "$tmp/*.fcgi"});
like($t{out}, qr/'abcdefghijklmnopq' is not a valid name .*at most 16/, 'a name too long for its pools\' names');
%t = configtest(qq{PreforkAppScripts cgi "$tmp/*.none"}, '<Location /x>', 'SetHandler prefork-app:cgi', '</Location>');
is($t{rc}, 0, 'a pattern that matches nothing passes');
like($t{out}, qr/PA00030: \Q$t{file}\E:$t{first}: PreforkAppScripts cgi: "\Q$tmp\E\/\*\.none" matches no program/, '... with a warning');

ok($h->stop, 'stopped');

# ---- shared hosting --------------------------------------------------------
# A line named only in b.example's sections serves b.example alone: a.example's
# .htaccess pointing the handler at b's programs (through a symlink) is
# refused, or a.example could run them as b's user=.
my $docs = test_dir('pa-scripts');
mkdir "$docs/$_" or die $! for qw(a b);
File::Copy::copy($echo, "$docs/b/prog.fcgi") or die $!;
chmod 0755, "$docs/b/prog.fcgi";
symlink("$docs/b", "$docs/a/link") or die $!;
write_file("$docs/a/.htaccess", "AddHandler prefork-app:bcgi .fcgi\n");
my $v = PATest::Httpd->new(conf => <<"EOF");
PreforkAppScripts bcgi "$docs/b/*.fcgi"
<VirtualHost *>
    ServerName a.example
    DocumentRoot "$docs/a"
    <Directory "$docs/a">
        AllowOverride FileInfo
        Require all granted
    </Directory>
</VirtualHost>
<VirtualHost *>
    ServerName b.example
    DocumentRoot "$docs/b"
    <Directory "$docs/b">
        Require all granted
        AddHandler prefork-app:bcgi .fcgi
    </Directory>
</VirtualHost>
EOF
ok($v->start, 'private httpd with two hosts started') or diag($v->error_log);
is($v->get_host('b.example', '/prog.fcgi')->{status}, 200, 'b.example runs its program');
$off = error_log_offset($v->log_file);
is($v->get_host('a.example', '/link/prog.fcgi')->{status}, 403,
   'a.example\'s .htaccess naming b.example\'s line: 403');
ok(wait_for_log(qr/PA00332: bcgi:prog\.fcgi: refused to virtual host .*\(a\.example\)/, $off, file => $v->log_file),
   '... PA00332');
# A program added since: refused to a.example before a pool is taken for it.
File::Copy::copy($echo, "$docs/b/new.fcgi") or die $!;
chmod 0755, "$docs/b/new.fcgi";
is($v->get_host('a.example', '/link/new.fcgi')->{status}, 403,
   'a.example asking for b.example\'s program added since: 403');
ok(wait_for_log(qr/PA00343: bcgi: new program \Q$docs\E\/b\/new\.fcgi: refused to virtual host .*\(a\.example\)/, $off, file => $v->log_file),
   '... PA00343');
is($v->get_host('b.example', '/new.fcgi')->{status}, 200, 'b.example runs it');
ok($v->stop, 'stopped');
