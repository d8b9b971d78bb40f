# A graceful restart of a server that had been idle for a while: the
# retiring manager's "idle for 10 s" rule counts from its retirement, not
# from the last request before it. A request an old child was still reading
# the body of when the restart came is served by the old generation's
# workers, not answered 503 (its manager gone).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::INET ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 5;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(conf => <<"EOF");
PreforkApp gidle "$echo" processes=1
<Location /e>
    SetHandler prefork-app:gidle
</Location>
EOF
ok($h->start, 'private httpd with one app') or diag($h->error_log);
is($h->get('/e')->{status}, 200, 'it serves');

# More than the manager's 10 s of quiet, with no request.
sleep 11;

# A chunked POST whose body is not all there yet when the restart comes.
my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port, Timeout => 60)
    or die "connect: $!";
print $sock "POST /e/p HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
    . "Content-Type: text/plain\r\nConnection: close\r\n\r\n5\r\nfirst\r\n";
my $off = error_log_offset($h->log_file);
ok($h->graceful, 'graceful restart while the body comes in');
ok(wait_for_log(qr/PA00114/, $off, file => $h->log_file), 'the old manager retires');
sleep 1;    # the old manager's next turn (it decided at once without the fix)
print $sock "6\r\nsecond\r\n0\r\n\r\n";
my $reply = read_all($sock);
like($reply, qr{^HTTP/1\.1 200 .*^body_length=11$}ms,
     'the request is served by the old generation: 200, its whole body')
    or diag(substr($reply, 0, 400), error_log_since($off, $h->log_file));
$h->stop;
