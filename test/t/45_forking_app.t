# An app that forks its own children, all accepting on the socket it was
# given (FCGI::ProcManager, fcgiwrap -c N, php-cgi with PHP_FCGI_CHILDREN):
# a worker leads a process group, and what it forked leaves with it, whether
# the worker ends by itself at SIGTERM and leaves its children behind
# (fcgiwrap -c) or waits for them until it is SIGKILLed after die-timeout
# (FCGI::ProcManager). Left behind, they would go on accepting on the slot's
# socket (which outlives its occupants) and answer for their successors, and
# outlive httpd. Nor do they outlive a manager that is SIGKILLed.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 16;

my $forking = "$FindBin::Bin/apps/forking.pl";
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkApp fwrap "$forking 2" processes=1 max-requests=2
PreforkApp fhold "$forking 2 --hold" processes=1 die-timeout=1
PreforkApp fslow "$forking 2" processes=1 slowlog=1
<Location /fslow>
    SetHandler prefork-app:fslow
</Location>
<Location /fwrap>
    SetHandler prefork-app:fwrap
</Location>
<Location /fhold>
    SetHandler prefork-app:fhold
</Location>
EOF
ok($h->start) or diag($h->error_log);

my @seen;       # every child seen, killed at the end whatever happened
sub children_of {
    my $pid = shift;
    my @c = map { $_->{pid} } ps_children($pid);
    push @seen, @c;
    return @c;
}
sub ask {
    my $res = $h->get(shift);
    return $res->{status} == 200 && $res->{content} =~ /pid=(\d+) ppid=(\d+)/
        ? ($1, $2) : ();
}
sub alive { grep { pid_alive($_) } @_ }

# A slow request: its worker waits in wait() for its children, one of
# which serves it; the slow request's line says what that one does.
{
    my $sw = only_worker('fslow');
    my $off = PATest::error_log_offset($h->log_file);
    my $res = $h->get('/fslow?sleep=3');
    my ($server) = $res->{content} =~ /pid=(\d+)/;
    my $log = PATest::wait_for_log(qr/PA00137: [^\n]*\n/, $off, file => $h->log_file) // '';
    ok($server && $log =~ /PA00137: app fslow slot 0 pid $sw: request "GET \/fslow" still running after \d+ s on this worker \(slowlog=1\), a process it forked \(pid $server\) waiting in (?:clock_)?nanosleep\(\)\n/,
       'PA00137 says what the child serving the request does')
        or diag("served by " . ($server // '-') . ": $log");
}

# Recycled by max-requests: its parent leaves at SIGTERM, its children go
# with it.
sub only_worker {
    my $app = shift;
    return wait_for(sub { my @p = $h->pids($app); @p == 1 ? $p[0] : undef });
}
my $w = only_worker('fwrap');
my @kids;
wait_for(sub { @kids = children_of($w); @kids == 2 });
ok(@kids == 2) or diag("children of $w: @kids");
my ($pid, $ppid) = ask('/fwrap');
ok($ppid && $ppid == $w) or diag("answered by $pid (parent $ppid), worker $w");
ask('/fwrap');                                  # its max-requests
ok(wait_for(sub { !pid_alive($w) })) or diag($h->error_log);
ok(wait_for(sub { !alive(@kids) }, timeout => 10))
    or diag("left behind: @{[alive(@kids)]}");

# Every answer after that comes from a child of the current worker, also
# once the recycling has come back to the first slot (and its socket).
my $strays = 0;
for (1 .. 6) {
    my @before = $h->pids('fwrap');
    my ($p, $pp) = ask('/fwrap');
    my @after = $h->pids('fwrap');
    children_of($_) for @before, @after;
    # A child left behind has lost its parent (getppid() is 1 or a
    # subreaper): no worker of the app.
    $strays++ unless $pp && grep { $_ == $pp } @before, @after;
}
ok($strays == 0) or diag("$strays answers from a process no worker forked");

# The manager SIGKILLed: its workers die with it, and what they forked is
# killed when httpd's parent finds it dead.
# The last answer above was fwrap's worker's max-requests: it may be on its
# way out, or its slot empty, as the loop ends. Its successor's, then.
my ($fw, $ohw, @fkids);
wait_for(sub {
    ($fw) = $h->pids('fwrap');
    ($ohw) = $h->pids('fhold');
    @fkids = $fw && $ohw ? (children_of($fw), children_of($ohw)) : ();
    @fkids == 4 });
my $mgr = $h->manager_pid;
my $moff = PATest::error_log_offset($h->log_file);
ok(@fkids == 4 && $mgr && kill('KILL', $mgr))
    or diag("children of " . ($fw // "-") . " and " . ($ohw // "-") . ": @fkids");
ok(PATest::wait_for_log(qr/PA00119/, $moff, file => $h->log_file))
    or diag($h->error_log);
ok(wait_for(sub { !alive(@fkids) }, timeout => 10))
    or diag("left behind: @{[alive(@fkids)]}");
ok(PATest::wait_for_log(qr/PA00150: manager pid $mgr died; killed [1-9]\d* process/, $moff,
                        file => $h->log_file), 'PA00150 says what was killed')
    or diag($h->error_log);
ok(wait_for(sub { my ($p) = ask('/fwrap'); $p }))
    or diag($h->error_log);

# Stopped: a parent that waits for its children until SIGKILL takes them
# with it.
my $hw = only_worker('fhold');
my @hkids;
wait_for(sub { @hkids = children_of($hw); @hkids == 2 });
ok(@hkids == 2) or diag("children of $hw: @hkids");
ok($h->stop);
ok(wait_for(sub { !alive(@hkids, $hw) }, timeout => 10))
    or diag("left behind: @{[alive(@hkids, $hw)]}");
ok(wait_for(sub { !alive(@seen) }, timeout => 10))
    or diag("left behind: @{[alive(@seen)]}");
send_signal('KILL', alive(@seen));
