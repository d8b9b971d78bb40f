# A graceful restart whose configuration httpd cannot take: httpd exits.
# With a bad directive (the restart fails after the module's pre_config),
# it first stops the manager of the generation before (and that manager's
# workers), which it had told to drain: nothing outlives httpd. With a
# file httpd cannot even parse (a section left open: it fails before any
# module runs), that manager stops once httpd is gone (PR_SET_PDEATHSIG).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

# [ what, the line added, whether httpd waits for the manager ]
my @broken = (
    [ 'a bad PreforkApp key',   "PreforkApp broken \"/bin/true\" colour=blue\n", 1 ],
    [ 'a section never closed', "<Location /broken>\n", 0 ],
);
plan tests => 5 * @broken;

my $echo = app_path('echo');
for my $case (@broken) {
    my ($what, $line, $waits) = @$case;
    # A worker that ignores SIGTERM: its manager takes die-timeout to stop.
    my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkApp linger "$echo --linger" processes=1 die-timeout=3
<Location /linger>
    SetHandler prefork-app:linger
</Location>
EOF
    ok($h->start, "$what: private httpd started") or diag($h->error_log);
    my ($worker) = @{ wait_for(sub { my @p = $h->pids('linger'); @p ? \@p : undef }) || [] };
    my ($parent, $manager) = ($h->pid, $h->manager_pid);
    ok($worker && $parent && $manager, "$what: httpd, its manager and a worker up");

    open my $fh, '>>', $h->{conf_file} or die "$h->{conf_file}: $!";
    print $fh $line;
    close $fh;
    # A graceful restart as the parent gets it (httpd -k graceful would
    # check the file first and send nothing).
    kill 'USR1', $parent;
    ok(wait_for(sub { !pid_alive($parent) }, timeout => 60),
       "$what: httpd exits, its configuration unreadable");
    if ($waits) {
        ok(!pid_alive($manager), "$what: the draining manager was stopped before httpd exited")
            or diag($h->error_log);
        ok(!pid_alive($worker), "$what: and its worker");
    }
    else {
        ok(wait_for(sub { !pid_alive($manager) }), "$what: the draining manager stops once httpd is gone")
            or diag($h->error_log);
        ok(wait_for(sub { !pid_alive($worker) }), "$what: and its worker");
    }
}
