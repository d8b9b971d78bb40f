# A kept connection the manager opened for an httpd child that could not
# take it in (out of descriptors: PA00318, 503) sits unused, and libfcgi
# drops a connection with nothing on it 2 s after its accept. Handed to
# the next child as it was, it looked like an app that closes the
# connections it is asked to keep: PA00127, and the app connected per
# request for the rest of httpd's run. The manager now opens a new one in
# place of one closed. A private httpd of one child whose descriptors are
# used up by held client connections, then freed.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use IO::Socket::INET ();

plan tests => 8;

my $limit = 40;
my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, ulimit => "-Sn $limit", conf => one_child(64)
    . qq{PreforkApp kf "$echo" processes=1\n<Location /kf>\n    SetHandler prefork-app:kf\n</Location>\n});
ok($h->start, "private httpd of one child, its descriptor limit $limit") or diag($h->error_log);
ok(wait_for(sub { $h->pids('kf') == 1 }), 'the worker is up');
my ($worker) = $h->pids('kf');
my $mgr = $h->manager_pid;
my ($child) = map { $_->{pid} } grep { $_->{pid} != $mgr } ps_children($h->pid);
# The descriptors it holds under the limit: one it inherited above the
# limit (a test harness's) leaves no room for another.
sub fds { opendir my $d, "/proc/$child/fd" or return 0; scalar grep { /^\d+$/ && $_ < $limit } readdir $d }

# All its descriptors but two taken by clients that send half a request:
# the next GET's connection takes one, its ask to the manager the other,
# and the worker's kept connection, sent, finds none.
my @held;
while (fds() < $limit - 2 && @held < $limit) {
    my $before = fds();
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port) or last;
    print $c "GET /kf HTTP/1.1\r\n";
    push @held, $c;
    wait_for(sub { fds() > $before }, interval => 0.02, timeout => 5) or last;
}
my $off = error_log_offset($h->log_file);
my $res = HTTP::Tiny->new(timeout => 30)->get($h->url('/kf'));
ok($res->{status} == 503 && wait_for_log(qr/PA00318/, $off, file => $h->log_file),
   'out of descriptors: 503, the kept connection could not be had (PA00318)')
    or diag("status $res->{status}, " . scalar(@held) . ' held, ' . fds() . ' open; ' . error_log_since($off, $h->log_file));
close $_ for @held;
ok(wait_for(sub { fds() < $limit - 10 }), 'the held clients leave');
# libfcgi drops a connection unused 2 s after its accept.
sleep 3;
is(join(' ', map { $h->get('/kf')->{status} } 1 .. 3), '200 200 200', 'then the app serves');
unlike(error_log_since($off, $h->log_file), qr/PA00350|PA00127/,
       '... its worker not taken for one that closes its connection (PA00350, PA00127)');
is_deeply([$h->pids('kf')], [$worker], '... nor replaced');
is(($h->app('kf') || {})->{connections}, 'kept', '... and the app keeps its connections');
$h->stop;
