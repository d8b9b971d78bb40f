# reply-buffer=: a client slower than the app does not hold the worker. A
# client that reads nothing of a 600 KB reply (its receive buffer small, and
# httpd's send buffer fixed small with SendBufferSize, as on a slow link)
# leaves the one worker free for the next request while httpd holds the rest
# for it; then it gets the whole reply. Without it (reply-buffer=0), or past
# it (reply-buffer=128K), the worker waits on the client and the next
# request gets 503 at queue-timeout. Nothing here reads a clock.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Basename qw(dirname);
use Digest::MD5 qw(md5_hex);
use IO::Socket::INET ();
use Socket qw(SOL_SOCKET SO_RCVBUF);
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 23;

my $echo = ($ENV{PA_APPS} || dirname(hello_path())) . '/echo';
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
SendBufferSize 8192
LogLevel warn prefork_app:debug
PreforkApp rbuf "$echo" processes=1 queue-timeout=3
PreforkApp rbufoff "$echo" processes=1 queue-timeout=3 reply-buffer=0
PreforkApp rbufcap "$echo" processes=1 queue-timeout=3 reply-buffer=128K
<Location /rbuf>
    SetHandler prefork-app:rbuf
</Location>
<Location /rbufoff>
    SetHandler prefork-app:rbufoff
</Location>
<Location /rbufcap>
    SetHandler prefork-app:rbufcap
</Location>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);

my $bytes = 600_000;
my $want = $h->get_host('localhost', "/rbuf?bytes=$bytes")->{content};
is(length $want, $bytes, 'a 600 KB reply to a client that reads it at once');

# A client that sends its request and reads nothing until told to.
sub slow_client {
    my ($path) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port,
                                  Timeout => 60) or die "connect: $!";
    setsockopt($s, SOL_SOCKET, SO_RCVBUF, 4096);
    print $s "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    return $s;
}

# Then all of it: status and body.
sub read_all {
    my ($s) = @_;
    my $reply = do { local $/; <$s> } // '';
    close $s;
    my ($status) = $reply =~ m{^HTTP/1\.\d (\d+)};
    my ($body) = $reply =~ /\r\n\r\n(.*)\z/s;
    return ($status // 0, $body // '');
}

my $held0 = $h->counter('rbuf', 'replies_held') // 0;
for my $case (['rbuf', 200, 'held for the slow client'],
              ['rbufoff', 503, 'reply-buffer=0: the worker waits on the client'],
              ['rbufcap', 503, 'past reply-buffer=128K: the worker waits on the client']) {
    my ($app, $next, $what) = @$case;
    my $accepted = $h->counter($app, 'accepted') // 0;
    my $s = slow_client("/$app?bytes=$bytes");
    ok(wait_for(sub { ($h->counter($app, 'accepted') // 0) == $accepted + 1 }),
       "$app: the slow client's request has the worker");
    if ($next == 200) {
        ok(wait_for(sub { ($h->app($app) || {})->{processes}{idle} }),
           "$app: the worker is free again while the client has read nothing");
    }
    my $r = $h->get_host('localhost', "/$app?whoami=1");
    is($r->{status}, $next, "$app: the next request gets $next ($what)");
    my ($status, $body) = read_all($s);
    is($status, 200, "$app: the slow client gets 200");
    ok(length($body) == $bytes && md5_hex($body) eq md5_hex($want),
       "$app: and the whole reply, byte for byte")
        or diag('got ' . length($body) . ' bytes');
}
is($h->counter('rbuf', 'replies_held'), $held0 + 1, 'counted once (replies_held)');
is($h->counter('rbufoff', 'replies_held'), 0, 'none with reply-buffer=0');
like($h->error_log, qr/PA00351: rbuf: the client takes the reply slower than worker pid \d+ sends it: holding up to 1048576 bytes of it here/,
     'PA00351 (debug) says a reply was held');

# A slow client that leaves while its reply is held: nothing is lost but
# its reply; the worker serves on.
my $s = slow_client("/rbuf?bytes=$bytes");
ok(wait_for(sub { ($h->app('rbuf') || {})->{processes}{idle} }),
   'another held reply: the worker is free');
close $s;
my $after = $h->get_host('localhost', '/rbuf?whoami=1');
is($after->{status}, 200, 'its client left: the next request is served');

# A reply that comes whole in one read goes on in one brigade, as before:
# nothing of it is held.
my $off = error_log_offset($h->log_file);
my $small = slow_client('/rbuf?bytes=1000');
my ($st, $sb) = read_all($small);
is("$st " . length $sb, '200 1000', 'a small reply to a slow client: whole');
ok(error_log_since($off, $h->log_file) !~ /PA00351/, '... and not held');

ok($h->stop, 'stopped');
