# Requests queued for an app when its manager dies for good (five deaths in
# a row, each right after its start: PA00124, "applications are
# unavailable") are answered at once with 503 and Retry-After (PA00304,
# "its process manager is gone"), not left waiting for queue-timeout.
#
# To keep them queued while the managers die: the socket directory is made
# read-only, so the replacement managers cannot listen for a worker
# (PA00120) and no worker can take them.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX ();
use JSON::PP ();
use Time::HiRes ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(bg_request bg_result);

plan tests => 14;

my $hello = hello_path();
# queue-timeout=600: longer than any wait below, so a queued request that
# got its answer only at queue-timeout makes the test fail, not pass late.
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkAppSocketDir socks
PreforkApp mgone "$hello" processes=1 queue-timeout=600 keep-conn=off
<Location /mgone>
    SetHandler prefork-app:mgone
</Location>
EOF
mkdir $h->dir . '/socks' or die "socks: $!";
ok($h->start, 'httpd started') or diag($h->error_log);
ok(wait_for(sub { $h->pids('mgone') == 1 }) && $h->get('/mgone')->{status} == 200,
   'the app answers');

my ($sockdir) = glob($h->dir . '/socks/pa-*');
chmod 0500, $sockdir or die "chmod $sockdir: $!";
END { chmod 0700, $sockdir if $sockdir }

# The first replacement: it cannot listen, so no worker comes.
my $off = error_log_offset($h->log_file);
my $mgr = $h->manager_pid;
kill 'KILL', $mgr;
ok(wait_for_log(qr/PA00120: app mgone: cannot listen/, $off, file => $h->log_file),
   'manager killed; its replacement cannot start a worker') or diag(error_log_since($off, $h->log_file));

my @jobs = map { bg_request('GET', $h->url('/mgone')) } 1 .. 2;
ok(wait_for(sub { $h->queued('mgone') == 2 }), 'two requests wait in the queue')
    or diag(explain($h->app('mgone')));

# Kill each new manager as soon as it is there, until httpd gives up.
my %killed = ($mgr => 1);
my $gave_up = wait_for(sub {
    my $p = $h->manager_pid;
    if ($p && !$killed{$p} && pid_alive($p)) {
        $killed{$p} = 1;
        kill 'KILL', $p;
    }
    return error_log_since($off, $h->log_file) =~ /PA00124: manager pid \d+ died/;
}, timeout => 120, interval => 0.02);
ok($gave_up, 'the manager dies for good (PA00124)')
    or diag(error_log_since($off, $h->log_file));

# Their answers come now, not at queue-timeout (the bound is far below it).
my %done;
ok(wait_for(sub {
        for my $j (@jobs) {
            $done{$j->{pid}} = 1 if waitpid($j->{pid}, POSIX::WNOHANG()) != 0;
        }
        return keys(%done) == @jobs;
    }, timeout => 60), 'the queued requests are answered');
my @res = map { bg_result($_) } @jobs;
is(join(' ', map { $_->{status} } @res), '503 503', 'both with 503');
ok(!(grep { !$_->{headers}{'retry-after'} } @res), 'and Retry-After');
# (Each manager tries to start the worker at once, so the app may be found
# crash-looping, PA00120 for every try, before the last manager is gone:
# the requests are refused at that, sooner still.)
like(error_log_since($off, $h->log_file),
     qr/PA00304: mgone: no worker can come: (?:its process manager is gone|the app is crash-looping)/,
     'the log says why (PA00304)');
# The status page's health check says so too.
my $ping = $h->get('/app-status?ping');
is($ping->{status}, 503, '?ping: 503');
like($ping->{content}, qr/^manager: not running$/m, '... saying the manager is not running');
# And the page itself, in each of its forms (it showed the dead pid as the
# running manager).
my $json = eval { JSON::PP->new->decode($h->get('/app-status?json')->{content}) } || {};
is(JSON::PP::is_bool($json->{manager}{running}) && !$json->{manager}{running} ? 'false' : 'not false',
   'false', '?json: manager.running false');
like($h->get('/app-status')->{content}, qr/Process manager: pid \d+ <strong>\(not running/,
     'HTML: "not running"');
like($h->get('/app-status?metrics')->{content}, qr/^prefork_app_manager_up 0$/m, '?metrics: prefork_app_manager_up 0');
chmod 0700, $sockdir;
$h->stop;
