# `httpd -k stop` reads the configuration, and stops nothing if it finds an
# error there. What became of the machine since the start (an app's program
# uninstalled, the socket directory or PreforkAppTempDir cleaned away) must
# not keep the server from stopping; starting from that configuration still
# fails, with the reason.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Copy qw(copy);
use File::Path qw(remove_tree);
use File::Temp ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 9;

my $echo = app_path('echo');
my $bin = File::Temp::tempdir('pa-bin-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $sock = File::Temp::tempdir('pa-sock-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $tmp = File::Temp::tempdir('pa-tmp-XXXXXX', TMPDIR => 1, CLEANUP => 1);
copy($echo, "$bin/app") or die "copy $echo: $!";
chmod 0755, "$bin/app";
chmod 0755, $bin, $sock, $tmp;

my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
PreforkAppSocketDir "$sock"
PreforkAppTempDir "$tmp"
PreforkApp sgone "$bin/app" processes=2
<Location /sgone>
    SetHandler prefork-app:sgone
</Location>
EOF2
ok($h->start, 'private httpd started') or diag($h->error_log);
is($h->get('/sgone?whoami=1')->{status}, 200, 'the app serves');
my @pids = $h->pids("sgone");
is(scalar @pids, 2, 'two workers');

unlink "$bin/app" or die "unlink: $!";
remove_tree($sock, $tmp);
my $t = qx{"@{[httpd_bin()]}" -t -f "$h->{conf_file}" 2>&1};
like($t, qr{command '\Q$bin\E/app' does not exist}, 'httpd -t: the program is gone') or diag($t);

ok($h->stop, 'httpd -k stop stops it all the same') or diag($h->error_log);
ok(wait_for(sub { !grep { pid_alive($_) } @pids }), 'and its workers');
unlike($h->error_log, qr/AH00052|segmentation|exit signal/i, 'no httpd child died');
# The same for graceful-stop, with only the program gone.
copy($echo, "$bin/app") && chmod(0755, "$bin/app") && mkdir($sock) && mkdir($tmp)
    or die "setting up again: $!";
ok($h->start && $h->pid, 'started again') or diag($h->error_log);
unlink "$bin/app";
ok($h->stop('graceful-stop') && !pid_alive($h->{started_pid}), 'httpd -k graceful-stop too')
    or diag($h->error_log);
