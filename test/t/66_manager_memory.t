# Nothing per request, per worker started or per worker lost grows the
# manager: after thousands of requests, a worker recycled every 50 of them
# and workers killed, its private memory (RssAnon: heap and pools, not the
# shared segments it maps) is what it was once warmed up, within 64 KB (a
# leak of 25 bytes a request or 1 KB a worker exceeds that), and so are its
# open descriptors, give or take a kept connection per worker.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 7;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
PreforkApp mm "$echo" processes=2 max-requests=50 start-delay=0
<Location /mm>
    SetHandler prefork-app:mm
</Location>
EOF2
ok($h->start, 'httpd starts') or diag($h->error_log);
my $mgr = $h->manager_pid;
ok($mgr, 'the manager runs');

sub anon_kb {
    open my $fh, '<', "/proc/$mgr/status" or return undef;
    my ($kb) = join('', <$fh>) =~ /^RssAnon:\s+(\d+) kB/m;
    return $kb;
}
sub fds { opendir my $d, "/proc/$mgr/fd" or return undef; scalar grep { !/^\./ } readdir $d }
sub up { wait_for(sub { ($h->app('mm') || {})->{processes}{idle} == 2 }) }

my $http = HTTP::Tiny->new(timeout => 30);
# A round: 1000 requests (20 workers recycled), then 10 workers killed,
# each replaced.
sub round {
    my $bad = 0;
    for (1 .. 1000) {
        $bad++ if $http->get($h->url("/mm?n=$_"))->{status} != 200;
    }
    for (1 .. 10) {
        my ($pid) = $h->pids('mm');
        kill 'KILL', $pid if $pid;
        wait_for(sub { my @p = $h->pids('mm'); @p == 2 && !grep { $_ == ($pid // 0) } @p });
    }
    up();
    return $bad;
}
is(round(), 0, 'warm-up round: every request served');
my ($anon, $fds) = (anon_kb(), fds());
my $bad = 0;
$bad += round() for 1 .. 3;
is($bad, 0, 'three more rounds: every request served');
my ($anon2, $fds2) = (anon_kb(), fds());
cmp_ok($anon2 - $anon, "<=", 64,
       "the manager's private memory: $anon kB, then $anon2 kB after 3000 requests, 60 recycled and 30 killed workers");
# Give or take one per worker: the kept connection the manager holds for
# a worker is made at its first request, which a fresh one may not have had.
cmp_ok($fds2, '<=', $fds + 2, "its open descriptors: $fds, then $fds2");
ok($h->stop, 'stopped');
