# The access log: %{prefork-app}n, %{prefork-app-worker}n (the pid that
# answered), %{prefork-app-wait}n (microseconds in the wait queue) and
# %{prefork-app-error}n (why the module failed the request: queue-timeout,
# request-timeout, worker-gone, bad-reply, overloaded, ...; "-" when it did
# not).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use IO::Socket::INET ();
use PATest qw(:all);
use PADispatch qw(:all);

plan tests => 31;

my $logs = Apache::Test::vars('t_logs');
my $log = "$logs/pa_notes_log";
my $app = 'dlog';
my $http = http();
my $base = base_url();

# The log line of the request for $path, once written (mod_log_config
# writes it after the client has the reply).
sub line_of {
    my ($path) = @_;
    my $found;
    wait_for(sub {
        open my $fh, '<', $log or return;
        ($found) = grep { index($_, "$path ") == 0 } <$fh>;
        return $found;
    }, timeout => 30);
    chomp $found if defined $found;
    return $found // '';
}
sub fields {
    my %f = $_[0] =~ /(\w+)=(\S+)/g;
    ($f{status}) = $_[0] =~ /^\S+ (\d+) /;
    return \%f;
}

sub up { my $a = shift; wait_for(sub { ((app_status($a) || {})->{processes}{idle} || 0) == 1 }) }
sub release_hold {
    my $h = shift;
    open my $fh, '>', $h or die "$h: $!";
    close $fh;
}
ok(up($_), "$_: its worker is up") for qw(dlog dlogq dlogt);

# ---- served ------------------------------------------------------------------
my $res = $http->get("$base/dlog/ok?whoami=1");
my ($pid) = $res->{content} =~ /pid=(\d+)/;
my $f = fields(line_of('/dlog/ok'));
is($f->{status}, 200, 'served: 200 logged');
is($f->{app}, $app, 'served: the app');
is($f->{worker}, $pid, 'served: the pid of the worker that answered');
like($f->{wait}, qr/^\d+$/, 'served: the wait, in microseconds');
is($f->{error}, '-', 'served: no error');

# ---- queued, then served -----------------------------------------------------
my $hold = "$logs/dlog_hold";
unlink $hold;
my $job = bg_request('GET', "/dlog/held?slowstream=$hold");
ok(wait_for(sub { app_busy($app) == 1 }), 'the worker held');
my $queued = bg_request('GET', '/dlog/queued?whoami=1');
ok(wait_for(sub { app_queued($app) == 1 }), 'a request waits');
release_hold($hold);
bg_result($job);
my $qres = bg_result($queued);
unlink $hold;
my ($qpid) = $qres->{content} =~ /pid=(\d+)/;
$f = fields(line_of('/dlog/queued'));
is($qres->{status} . ' ' . $f->{error}, '200 -', 'the queued request: served, no error');
is($f->{worker}, $qpid, 'the queued request: its worker');
cmp_ok($f->{wait}, '>', 0, 'the queued request: it waited');

# ---- queue-timeout -----------------------------------------------------------
$hold = "$logs/dlogq_hold";
unlink $hold;
$job = bg_request('GET', "/dlogq/held?slowstream=$hold");
ok(wait_for(sub { app_busy('dlogq') == 1 }), 'dlogq: the worker held');
$res = $http->get("$base/dlogq/late?whoami=1");
release_hold($hold);
bg_result($job);
unlink $hold;
$f = fields(line_of('/dlogq/late'));
is($res->{status} . ' ' . $f->{status}, '503 503', 'past queue-timeout: 503');
is($f->{error}, 'queue-timeout', 'queue-timeout: the reason');
is($f->{worker}, '-', 'queue-timeout: no worker');
cmp_ok($f->{wait}, '>', 0, 'queue-timeout: it waited');

# ---- request-timeout ---------------------------------------------------------
$res = $http->get("$base/dlogt/slow?sleep=30");
$f = fields(line_of('/dlogt/slow'));
is($res->{status} . ' ' . $f->{status}, '504 504', 'request-timeout: 504');
is($f->{error}, 'request-timeout', 'request-timeout: the reason');
like($f->{worker}, qr/^\d+$/, 'request-timeout: the worker it was killed in');

# ---- the worker dies before answering a POST ---------------------------------
my $marker = "$logs/dlog_die_post";
unlink $marker;
$res = $http->post_form("$base/dlog/die?die=$marker", { a => 1 });
$f = fields(line_of('/dlog/die'));
is($res->{status} . ' ' . $f->{error}, '502 worker-gone', 'a dead worker: 502, worker-gone');
ok(up($app), 'replaced');

# ---- a reply that is no FastCGI ----------------------------------------------
$res = $http->get("$base/dlogbad?mode=garbage");
$f = fields(line_of('/dlogbad'));
is($res->{status} . ' ' . $f->{error}, '502 bad-reply', 'garbage: 502, bad-reply');
is($f->{app}, 'dbad', 'garbage: the app');
$res = $http->get("$base/dlogbad/full?mode=overloaded");
$f = fields(line_of('/dlogbad/full'));
is($res->{status} . ' ' . $f->{error}, '503 overloaded',
   'FCGI_OVERLOADED: 503, overloaded');

# ---- the client leaves before its body is read: no worker was claimed --------
my $sock = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(), Timeout => 30)
    or die "connect: $!";
print $sock "POST /dlog/cut HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n0123456789";
close $sock;
$f = fields(line_of('/dlog/cut'));
is("$f->{status} $f->{app} $f->{error}", "400 $app client", 'a body cut short: 400, the app, client');
is("$f->{worker} $f->{wait}", '- 0', 'a body cut short: no worker, no wait');

# ---- the client leaves in the middle of a long reply ---------------------------
$sock = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(), Timeout => 30)
    or die "connect: $!";
print $sock "GET /dlog/long?bytes=20000000 HTTP/1.1\r\nHost: localhost\r\n\r\n";
my $got = '';
while (length($got) < 100000) {
    my $n = sysread($sock, $got, 65536, length $got);
    last if !$n;
}
close $sock;
$f = fields(line_of('/dlog/long'));
is("$f->{app} $f->{error}", "$app client", 'a client gone in the middle of the reply: client');

# ---- the app's own 503 is no error of the module's ---------------------------
$res = $http->get("$base/dlog/own?status=503");
$f = fields(line_of('/dlog/own'));
is($res->{status} . ' ' . $f->{status}, '503 503', "the app's own 503");
is($f->{error}, '-', "the app's own 503: no error of the module's");
