# An app that writes on its stdout without pause (here yes(1), a stand-in for
# a retry loop that logs each failure) neither fills the error log nor keeps
# the manager from its other work: at most 100 of its lines a second are
# logged (PA00121), for all of its workers, the rest are counted (PA00138);
# another app's dead
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
PreforkApp flood "$yes flooding" processes=3
PreforkApp calm "$echo" processes=1
<Location /calm>
    SetHandler prefork-app:calm
</Location>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);

my $log = wait_for_log(qr/PA00138: app flood: \d+ lines of its workers' output not logged \(more than 100 a second\)/,
                       0, file => $h->log_file);
ok($log, 'lines beyond 100 a second are counted, not logged (PA00138)')
    or diag(substr($h->error_log, -2000));

my ($calm) = $h->pids('calm');
is($h->get('/calm?whoami=1')->{status}, 200, 'the other app serves meanwhile');
ok($calm && send_signal('KILL', $calm), "the other app's worker killed");
ok(wait_for(sub { my ($p) = $h->pids('calm'); $p && $p != $calm && pid_runs($p, $echo) }),
   'and replaced: the manager is not stuck reading the flood');
is($h->get('/calm?whoami=1')->{status}, 200, 'the replacement serves');

# From the first PA00138 line of the flood app to the last (one a
# second), at most 100 lines a second of its three workers together (each
# worker's own 100 a second would be 300).
$log = wait_for_log(qr/(?:PA00138: app flood: .*){4}/s, 0, file => $h->log_file) // $h->error_log;
my ($first, $last, $n, $upto) = (undef, undef, 0, 0);
for (split /\n/, $log) {
    my ($t) = /^\[\w+ \w+ \d+ (\d+:\d+:[\d.]+) / or next;
    my ($hh, $mm, $ss) = split /:/, $t;
    $t = $hh * 3600 + $mm * 60 + $ss;
    if (/PA00138: app flood: /) {
        $first //= $t;
        ($last, $upto) = ($t, $n);
    }
    elsif (defined $first && /PA00121: app flood pid \d+: flooding$/) {
        $n++;
    }
}
my $span = defined $first ? $last - $first : 0;
ok($span >= 1 && $upto > 0 && $upto <= 100 * ($span + 1),
   "at most 100 lines of the app logged a second ($upto in ${span} s)");

ok($h->stop, 'httpd stops');
