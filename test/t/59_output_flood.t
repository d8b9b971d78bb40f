# An app that writes on its stdout without pause (here yes(1), a stand-in for
# a retry loop that logs each failure) neither fills the error log nor keeps
# the manager from its other work: at most 100 of its lines a second are
# logged (PA00121), the rest are counted (PA00138); another app's dead
# worker is still replaced, httpd's children still get their answers, and
# httpd stops.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

my $yes = -x '/usr/bin/yes' ? '/usr/bin/yes' : '/bin/yes';
plan skip_all => 'no yes(1)' unless -x $yes;
plan tests => 8;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkApp flood "$yes flooding" processes=1
PreforkApp calm "$echo" processes=1
<Location /calm>
    SetHandler prefork-app:calm
</Location>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);

my $log = wait_for_log(qr/PA00138: app flood pid \d+: \d+ lines of its output not logged \(more than 100 a second\)/,
                       0, file => $h->log_file);
ok($log, 'lines beyond 100 a second are counted, not logged (PA00138)')
    or diag(substr($h->error_log, -2000));

my ($calm) = $h->pids('calm');
is($h->get('/calm?whoami=1')->{status}, 200, 'the other app serves meanwhile');
ok($calm && send_signal('KILL', $calm), "the other app's worker killed");
ok(wait_for(sub { my ($p) = $h->pids('calm'); $p && $p != $calm && pid_runs($p, $echo) }),
   'and replaced: the manager is not stuck reading the flood');
is($h->get('/calm?whoami=1')->{status}, 200, 'the replacement serves');

# Between two PA00138 lines of the flood worker (one a second), at most 100
# of its lines.
$log = wait_for_log(qr/(?:PA00138: app flood .*){3}/s, 0, file => $h->log_file) // $h->error_log;
my ($most, $n) = (0, undef);
for (split /\n/, $log) {
    if (/PA00138: app flood /) {
        $most = $n if defined $n && $n > $most;
        $n = 0;
    }
    elsif (defined $n && /PA00121: app flood pid \d+: flooding$/) {
        $n++;
    }
}
ok($most > 0 && $most <= 100, "at most 100 lines logged a second (most: $most)");

ok($h->stop, 'httpd stops');
