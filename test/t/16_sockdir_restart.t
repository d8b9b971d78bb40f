# Restarts that go wrong. A socket directory that cannot be made at a
# restart (a read-only or full /run at logrotate's graceful) costs the apps
# a 503 until it can, not all of httpd: the rest of the server goes on
# serving, and the manager makes the directory once it can. A reload whose
# configuration fails ends httpd (httpd's own rule) and leaves nothing of
# ours behind, the cache zone's marker included. A second httpd given the
# first one's DefaultRuntimeDir says that the manager pid file there is
# the other's, and leaves it to it.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Copy qw(copy);
use File::Temp ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

if ($> == 0) {
    plan skip_all => 'root can make the directory whatever its mode';
}
plan tests => 25;

my $echo = app_path('echo');
my $top = File::Temp::tempdir('pa-sockdir-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my ($socks, $docs) = ("$top/socks", "$top/htdocs");
mkdir $_ or die "$_: $!" for $socks, $docs;
{ open my $fh, '>', "$docs/index.html" or die $!; print $fh "static\n"; }
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
DocumentRoot "$docs"
PreforkAppSocketDir "$socks"
PreforkApp sdir "$echo" processes=1 queue-timeout=2
<Location /sdir>
    SetHandler prefork-app:sdir
</Location>
EOF
# At first start the same fault stops httpd, as any bad set-up does.
chmod 0555, $socks;
system(PATest::httpd_bin(), '-f', $h->{conf_file}, '-k', 'start');
ok(wait_for_log(qr/PA00204: cannot create socket directory \Q$socks\E/, 0, file => $h->log_file),
   'first start, socket directory not writable: PA00204');
# It has no pid file to wait on; the port it bound is free once it is gone.
ok(wait_for(sub { !$h->listening && (!$h->pid || !pid_alive($h->pid)) }),
   'and httpd does not start')
    or diag($h->error_log);
chmod 0755, $socks;

ok($h->start, 'private httpd started') or diag($h->error_log);
ok(wait_for(sub { $h->get('/sdir?whoami=1')->{status} == 200 }), 'the app serves');
my $parent = $h->pid;

chmod 0555, $socks;
my $off = error_log_offset($h->log_file);
ok($h->graceful, 'graceful restart with the socket directory not writable');
ok(pid_alive($parent), 'httpd is still running');
ok(wait_for_log(qr/PA00211: cannot create socket directory \Q$socks\E\S*; the apps answer 503/,
                $off, file => $h->log_file), 'said so (PA00211)');
unlike(error_log_since($off, $h->log_file), qr/AH00020|Configuration Failed/,
       'not a failed configuration');
is($h->get('/index.html')->{content}, "static\n", 'the rest of the server serves');
my $res = $h->get('/sdir?whoami=1');
is($res->{status}, 503, 'the app answers 503');
ok(wait_for_log(qr/PA00304: sdir: no worker can come: the socket directory cannot be made/,
                $off, file => $h->log_file), 'and says why (PA00304)');

chmod 0755, $socks;
ok(wait_for(sub { $h->get('/sdir?whoami=1')->{status} == 200 }, timeout => 30),
   'once the directory can be made, the app serves again');
my $mgr = $h->manager_pid;
ok($h->stop, 'httpd stopped');
ok(wait_for(sub { !pid_alive($mgr) && !glob("$socks/pa-*") }),
   'no manager or socket directory left');

# ---- a reload whose configuration fails --------------------------------------------
my $app = "$top/app";
copy($echo, $app) or die "copy: $!";
chmod 0755, $app;
my $h2 = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkAppCache rzone 1M
PreforkApp rel "$app" processes=1 cache=rzone
<Location /rel>
    SetHandler prefork-app:rel
</Location>
EOF
ok($h2->start, 'an httpd with a cache zone') or diag($h2->error_log);
my @markers = glob($h2->dir . '/prefork_app-rzone.*.cache.owner');
is(scalar @markers, 1, 'the zone has its marker');
my $parent2 = $h2->pid;
unlink $app;                            # the next configuration fails
kill 'USR1', $parent2;
ok(wait_for(sub { !pid_alive($parent2) }, timeout => 60), 'the reload fails: httpd exits');
ok(!glob($h2->dir . '/prefork_app-rzone.*.cache.owner'), 'and leaves no zone marker');

# ---- two httpds with one DefaultRuntimeDir ----------------------------------------
my $ha = PATest::Httpd->new(conf => qq{PreforkApp two "$echo" processes=1\n});
my $hb = PATest::Httpd->new(conf => 'DefaultRuntimeDir "' . $ha->dir . qq{"\nPreforkApp two "$echo" processes=1\n});
ok($ha->start && $hb->start, 'two httpds, the second with the first one\'s runtime directory')
    or diag($hb->error_log);
my $amgr = $ha->manager_pid;
ok(wait_for_log(qr/PA00136: manager pid file \S+ names pid $amgr, the manager of another httpd \(the same DefaultRuntimeDir\?\): left as it is while that one runs, and this manager has none/,
                0, file => $hb->log_file), 'the second one\'s manager says whose the pid file is, and leaves it');
unlike($ha->error_log, qr/PA00136/, 'the first one has nothing to say');
is($ha->manager_pid, $amgr, 'the first one\'s manager pid file still names its manager (it was taken over)');
ok($ha->stop, 'the first one stopped');
# The file is the second one's once the first one's manager is gone.
ok(wait_for(sub { my $p = $ha->manager_pid; $p && $p != $amgr && pid_alive($p) }, timeout => 30),
   'then the second one\'s manager writes its own there');
ok($hb->stop, 'the second one stopped');
