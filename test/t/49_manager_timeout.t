# request-timeout is kept by the manager too: when the httpd process that
# holds a request cannot give it up itself (stopped, stuck), the manager
# kills the worker once the request has run request-timeout plus a
# second's grace (PA00110, counted in killed_timeout). The httpd process,
# once it runs again, finds its worker gone past the deadline and answers
# 504, and the app serves again with a fresh worker.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(bg_request bg_result);

plan tests => 12;

my $echo = app_path('echo');
# request-timeout=10: the test must stop the httpd children before their
# own deadline, 10 s after the request began (they have it checked below).
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkApp mto "$echo" processes=1 request-timeout=10 die-timeout=2
<Location /mto>
    SetHandler prefork-app:mto
</Location>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);
my $base = $h->url;
ok(wait_for(sub { scalar($h->pids('mto')) == 1 }), 'one worker');
my ($w) = $h->pids('mto');

my $off = error_log_offset($h->log_file);
my $job = bg_request('GET', "$base/mto?sleep=60");
ok(wait_for(sub { $h->busy('mto') == 1 }), 'the request is with the worker');

# Every httpd child stopped (the manager, also httpd's child, aside): the
# one waiting for the worker cannot give up at its deadline.
my $mgr = $h->manager_pid;
my @kids = grep { $_ != $mgr } map { $_->{pid} } ps_children($h->pid);
kill 'STOP', @kids;
# Which gave up first: the manager (PA00110) or, on a machine too slow to
# stop the httpd children before their own deadline, the httpd child
# (PA00311: it can log that only while it runs).
my $first = wait_for(sub {
    error_log_since($off, $h->log_file) =~ /(PA00110|PA00311)/ ? $1 : undef
}, timeout => 60) // '';
SKIP: {
    if ($first eq 'PA00311') {
        kill 'CONT', @kids;
        bg_result($job);
        skip 'the httpd child reached its own deadline before it was stopped', 8;
    }
    my $log = wait_for_log(qr/PA00110: app mto slot 0 pid $w: request "GET \/mto" exceeded request-timeout \(10 s\)[,;]/,
                           $off, file => $h->log_file, timeout => 60);
    # Its path only: a query string may carry secrets (sleep=60 here).
    ok($log, 'the manager kills the worker of a request past request-timeout (PA00110), its query left out')
        or diag(error_log_since($off, $h->log_file));
    # And what the worker was doing then: echo's sleep=60.
    like($log // '', qr/PA00110: [^\n]*exceeded request-timeout \(10 s\), waiting in (?:clock_)?nanosleep\(\); killing the worker/,
         '... saying what the worker was doing: waiting in nanosleep()');
    ok(wait_for(sub { !pid_alive($w) }), 'the worker is gone');
    kill 'CONT', @kids;

    my $res = bg_result($job);
    is($res->{status}, 504, 'the client gets 504 once its httpd process runs again')
        or diag(explain($res));
    ok(wait_for(sub { ($h->counter('mto', 'killed_timeout') // 0) == 1 }), 'counted in killed_timeout');
    my $new = wait_for(sub { my ($p) = $h->pids('mto'); $p && $p != $w ? $p : undef });
    ok($new, 'a fresh worker takes the slot');
    is($h->get('/mto')->{status}, 200, 'the app serves again');
    unlike(error_log_since($off, $h->log_file), qr/AH00052|Segmentation/,
           'no httpd child crashed meanwhile');
}
ok($h->stop, 'stopped');
