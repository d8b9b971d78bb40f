# A graceful restart while a request's body is still coming in (a slow
# upload, a chunked body being spooled: the request has no worker yet):
# the old generation's manager must not take its generation for idle
# after 10 s without a busy worker or a waiting request and stop (the
# upload then got 503, "its process manager is gone"); it waits for the
# request to reach a worker, which answers it.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use IO::Socket::INET ();
use PATest qw(:all);

plan tests => 6;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
PreforkApp up "$echo" processes=1
PreforkAppAlias /up up
EOF2
ok($h->start, 'httpd with an app') or diag($h->error_log);
ok(wait_for(sub { $h->pids('up') == 1 }), 'its worker is up');

my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port, Timeout => 60)
    or die "connect: $!";
print $c "POST /up?echo=body HTTP/1.0\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
printf $c "%x\r\n%s\r\n", 5, 'first';
# (Time for httpd to take the request to the handler, which reads on.)
select undef, undef, undef, 0.5;
my $off = error_log_offset($h->log_file);
ok($h->graceful, 'graceful restart while the body comes in');
ok(wait_for_log(qr/PA00114/, $off, file => $h->log_file), 'the old manager retires');
# Past the 10 s a retired manager waits with nothing busy.
select undef, undef, undef, 11;
printf $c "%x\r\n%s\r\n", 6, ' later';
print $c "0\r\n\r\n";
my $reply = read_all($c);
my ($status) = $reply =~ m{^HTTP/1\.\d (\d+)};
my ($body) = $reply =~ /\r\n\r\n(.*)\z/s;
is($status, 200, 'the upload, done 11 s after the restart: 200');
is($body, 'first later', '... its body through the old generation\'s worker');
$h->stop;
