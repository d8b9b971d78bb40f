# SIGHUP to the process manager (its pid file: PreforkAppPidFile) reloads
# every app, as FCGI::ProcManager's and uWSGI's do: each app's workers are
# replaced, rolling (one first, the others once it has proven itself, as
# at a touch-reload), with no request lost, and neither httpd nor the
# manager restarted. A private httpd.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PALoad;

plan tests => 14;

my $hello = hello_path();
my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
PreforkApp hup "$hello" processes=3
PreforkApp hupecho "$echo" processes=1
PreforkApp hupnone "$echo" processes=0-2
<Location /hup>
    SetHandler prefork-app:hup
</Location>
<Location /hupecho>
    SetHandler prefork-app:hupecho
</Location>
EOF2
ok($h->start, 'private httpd started') or diag($h->error_log);
ok(wait_for(sub { $h->pids('hup') == 3 && $h->pids('hupecho') == 1 }), 'the workers are up');
my %was = map { $_ => 1 } $h->pids('hup'), $h->pids('hupecho');
my ($httpd, $mgr) = ($h->pid, $h->manager_pid);
ok($mgr, "the manager's pid file names it");

my $off = error_log_offset($h->log_file);
my $load = PALoad->start($h->url('/hup'), clients => 2, expect => qr/^Hello/);
sleep 1;
kill 'HUP', $mgr;
ok(wait_for(sub {
        my @p = ($h->pids('hup'), $h->pids('hupecho'));
        @p == 4 && !grep { $was{$_} } @p;
    }, timeout => 60), 'every worker of every app replaced')
    or diag(join ' ', $h->pids('hup'), $h->pids('hupecho'));
my %st = $load->stop;
is_deeply([ keys %st ], [ '200' ], 'no failed request meanwhile') or diag(PALoad::describe(%st));
ok(wait_for_log(qr/PA00142: manager pid $mgr: told to reload \(SIGHUP\); replacing the workers of every app/,
                $off, file => $h->log_file), 'one line in the log (PA00142)');
is($h->counter('hup', 'recycled_touch_reload'), 3, 'counted as reloads: three');
is($h->counter('hupecho', 'recycled_touch_reload'), 1, '... and one of the other app');
is(scalar $h->pids('hupnone'), 0, 'an on-demand app with none up: none started for it');
is_deeply([ $h->pid, $h->manager_pid ], [ $httpd, $mgr ], 'neither httpd nor the manager restarted');
is($h->get('/hupecho')->{status}, 200, 'the apps serve');

# php-fpm's signal for the same: SIGUSR2 (by default it would end the
# manager).
%was = map { $_ => 1 } $h->pids('hup'), $h->pids('hupecho');
$off = error_log_offset($h->log_file);
kill 'USR2', $mgr;
ok(wait_for(sub {
        my @p = ($h->pids('hup'), $h->pids('hupecho'));
        @p == 4 && !grep { $was{$_} } @p;
    }, timeout => 60), 'SIGUSR2: every worker replaced again');
ok(wait_for_log(qr/PA00142: manager pid $mgr: told to reload \(SIGUSR2\)/, $off, file => $h->log_file),
   '... said so (PA00142)');
is($h->manager_pid, $mgr, '... by the same manager');
