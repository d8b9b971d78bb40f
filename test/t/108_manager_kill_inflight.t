# A new manager (the old one was SIGKILLed) takes every slot back and gives
# it out again, while a request of the old one may still read its reply on
# the httpd child's kept connection to the old worker. The next request on
# that slot from the same child must leave that connection to it: it used
# to close it under the reader, whose descriptor number then went to the
# next connection the child made (here a request's to another app), and
# the old request read that one's reply (PA00401 "record for request id",
# a healthy worker replaced; or, mid-record, one client's page in
# another's).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use IO::Socket::INET ();
use Socket qw(PF_INET SOCK_STREAM SOL_SOCKET SO_RCVBUF pack_sockaddr_in inet_aton);
use PATest qw(:all);

plan tests => 11;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
@{[ one_child(16) ]}
PreforkApp e "$echo" processes=1 reply-buffer=0
PreforkApp off "$echo" processes=1 keep-conn=off
PreforkAppAlias /e e
PreforkAppAlias /off off
EOF2
ok($h->start, 'httpd with one child; an app that keeps connections, one that does not')
    or diag($h->error_log);
ok(wait_for(sub { $h->pids('e') == 1 && $h->pids('off') == 1 }), 'their workers are up');
is($h->get('/e?whoami=1')->{status}, 200, 'a first request: the child keeps its connection');

# A client connection made now, used later.
my $d = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port, Timeout => 30)
    or die "connect: $!";
is((kept_get($d, '/app-status?ping'))[0], 200, 'a client connection kept alive');

# A long reply to a client that stops reading (a small receive window):
# its request holds the kept connection, writing to the client, with more
# of the reply waiting in the connection.
socket(my $a, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
setsockopt($a, SOL_SOCKET, SO_RCVBUF, 4096);
connect($a, pack_sockaddr_in($h->port, inet_aton('127.0.0.1'))) or die "connect: $!";
syswrite($a, "GET /e?bytes=30000000 HTTP/1.0\r\nHost: localhost\r\n\r\n");
my $got = '';
sysread($a, $got, 1000);
my ($old) = $h->pids('e');
# Until the worker writes no more: everything between it and the client full.
sub wchar { open my $io, '<', "/proc/$old/io" or return -1; my ($w) = map { /^wchar: (\d+)/ ? $1 : () } <$io>; $w // -1 }
my $last = -2;
ok(wait_for(sub { my $w = wchar(); my $still = $w == $last && $w > 0; $last = $w; $still },
            interval => 0.3),
   'a long reply is under way, its client not reading, its worker held');

my $mgr = $h->manager_pid;
my $off = error_log_offset($h->log_file);
kill 'KILL', $mgr;
my $new;
ok(wait_for(sub { my ($p) = $h->pids('e');
                  $p && $p != $old && pid_alive($p) && $h->app('e')->{processes}{idle} == 1
                  && ($new = $p) }),
   'a new manager, a new worker idle in the slot');
like($h->get('/e?whoami=1')->{content}, qr/^pid=$new served=/, 'a request to it, from the same child');

# A request to the other app on the connection made before: its new
# connection to the worker is made while the old request is read on.
print $d "GET /off?bytes=3000000&sleep=0.5 HTTP/1.0\r\nHost: localhost\r\n\r\n";
my $chunk;
$got .= $chunk while sysread($a, $chunk, 65536);
close $a;
my $reply = PATest::read_all($d);
close $d;
my ($st) = $reply =~ m{^HTTP/1\.\d (\d+)};
my ($body) = $reply =~ /\r\n\r\n(.*)\z/s;
$body //= '';
is($st, 200, 'the other app\'s request: 200');
ok(length $body == 3000000 && $body =~ /\A[0-9a-z\n]*\z/, '... with its own reply, whole');
my ($old_body) = $got =~ /\r\n\r\n(.*)\z/s;
ok(defined $old_body && $old_body =~ /\A[0-9a-z\n]*\z/,
   'the old reply holds its own bytes alone (cut where its worker died)')
    or diag(substr($old_body // $got, 0, 300));
# (The old request's own PA00401, "connection closed before
# FCGI_END_REQUEST", is its worker's death.)
my @bad = grep { /PA00401|PA00315|Bad file descriptor/
                 && !/PA00401: e: .*connection closed before FCGI_END_REQUEST/ }
           split /\n/, error_log_since($off, $h->log_file);
ok(!@bad, 'no reply read by another request, no descriptor closed under one')
    or diag(join "\n", @bad);
$h->stop;
