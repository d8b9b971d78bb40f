# body-spool=SIZE: a request body with a Content-Length up to SIZE is read
# whole (past 64 KB into a temporary file) before a worker is claimed, so a
# client that trickles its upload holds no worker (nginx's request
# buffering, mod_fcgid's way); the app then gets it whole, as sent. Without
# it (the default) such a body is streamed to the worker as it comes, and
# the worker waits for the client; so does one larger than SIZE.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Select ();
use IO::Socket::INET ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 11;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
PreforkApp bs "$echo" processes=1 body-spool=1M
PreforkApp bn "$echo" processes=1
<Location /bs>
    SetHandler prefork-app:bs
</Location>
<Location /bn>
    SetHandler prefork-app:bn
</Location>
EOF2
ok($h->start, 'httpd starts') or diag($h->error_log);
ok(wait_for(sub { ($h->app('bs') || {})->{processes}{idle} && ($h->app('bn') || {})->{processes}{idle} }),
   'both apps up');
is(($h->app('bs') || {})->{pool}{body_spool}, 1024 * 1024, 'status: pool.body_spool');

# Sends the headers and the first half of a body of $len bytes; the socket.
sub start_upload {
    my ($path, $len) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port, Timeout => 60)
        or die "connect: $!";
    # HTTP/1.0: the reply comes unchunked, to the connection's end.
    print $s "POST $path HTTP/1.0\r\nHost: localhost\r\n"
           . "Content-Type: application/octet-stream\r\nContent-Length: $len\r\n\r\n"
           . ('a' x ($len / 2));
    return $s;
}
sub finish_upload {
    my ($s, $len) = @_;
    print $s 'b' x ($len - $len / 2);
    my $reply = '';
    while (IO::Select->new($s)->can_read(60)) {
        sysread($s, $reply, 65536, length $reply) or last;
    }
    return $reply;
}
my $body = ('a' x 100000) . ('b' x 100000);

# ---- body-spool=1M: the half-sent body holds no worker ------------------------
my $s = start_upload('/bs?echo=body', 200000);
# The upload is with httpd: the app's one worker stays idle meanwhile, and a
# GET is served at once (it would wait for the worker otherwise). A second
# first, for the upload's handler to claim a worker if it were to (without
# body-spool it does within milliseconds, as below).
select undef, undef, undef, 1;
my $get = $h->get('/bs?whoami=1');
is($get->{status}, 200, 'a GET is served while the upload is half sent');
is(($h->app('bs') || {})->{processes}{busy}, 0, 'no worker is busy with the upload');
my $reply = finish_upload($s, 200000);
like($reply, qr{^HTTP/1\.1 200 }, 'the upload, finished, is answered 200');
ok(index($reply, "\r\n\r\n$body") > 0, 'the app got the whole body, as sent');

# ---- a body larger than body-spool, and the default: streamed -------------------
$s = start_upload('/bn?echo=body', 200000);
ok(wait_for(sub { ($h->app('bn') || {})->{processes}{busy} == 1 }),
   'without body-spool: the worker is busy with the half-sent upload');
$reply = finish_upload($s, 200000);
ok(index($reply, "\r\n\r\n$body") > 0, '... and gets the whole body too');
my $big = 2 * 1024 * 1024 + 2;
$s = start_upload('/bs?echo=body', $big);
ok(wait_for(sub { ($h->app('bs') || {})->{processes}{busy} == 1 }),
   'a body over body-spool is streamed: the worker is busy with it');
finish_upload($s, $big);
ok($h->stop, 'stopped');
