# The response cache and virtual hosts: the Host header (and, under
# UseCanonicalName Off, its port) is the client's to choose, so a page one
# host stored must not answer a request that another host serves, even when
# it names the first host: their access rules may differ. A Host spelled
# otherwise than as the key has it neither fills nor reads the zone.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::INET ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 13;

my $echo = app_path('echo');
my $port2 = PATest::free_port();
my $h = PATest::Httpd->new(conf => <<"EOF2");
Listen 127.0.0.1:$port2
PreforkAppCache vzone 1M
PreforkApp vcache "$echo" processes=1 cache=vzone
<Location /v>
    SetHandler prefork-app:vcache
</Location>
<VirtualHost 127.0.0.1:$port2>
    ServerName admin.example
    <Location /v>
        SetHandler prefork-app:vcache
    </Location>
</VirtualHost>
EOF2
ok($h->start, 'private httpd with a second port for a virtual host') or diag($h->error_log);

# HTTP/1.0 with a Host header of our choosing; the cache state and body.
sub get_via {
    my ($port, $host, $path) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Timeout => 60)
        or return ('', '');
    print $s "GET $path HTTP/1.0\r\nHost: $host\r\n\r\n";
    my $reply = read_all($s);
    my ($state) = $reply =~ /^X-Prefork-App-Cache: (\w+)/mi;
    my ($body) = $reply =~ /\r\n\r\n(.*)\z/s;
    return ($state // '', $body // '');
}

my $path = '/v?header=Cache-Control:%20max-age%3D60&whoami=1';
my ($s1) = get_via($port2, "admin.example:$port2", $path);
is($s1, 'MISS', 'the virtual host stores its page');
my ($s2) = get_via($port2, "admin.example:$port2", $path);
is($s2, 'HIT', 'and answers it from the zone');
my ($s3) = get_via($h->port, "admin.example:$port2", $path);
isnt($s3, 'HIT', 'the main server, asked with the same Host, does not get that page');
my ($s4, $b4) = get_via($h->port, "admin.example:$port2", $path);
is($s4, 'HIT', 'it has a page of its own');
# The key has httpd's form of the host (lower case, no trailing dot) and
# its port; the app gets the Host header as sent, and may write its links
# from it. A Host spelled otherwise than browsers write that form
# ("admin.example.", "Admin.Example") neither fills the zone nor reads it:
# the page made for it is not admin.example's. One entry per URI, so a
# write through any spelling drops it.
my $hpath = '/v?header=Cache-Control:%20max-age%3D60&x=host';
for my $odd ("admin.example.:$port2", "Admin.Example:$port2") {
    my ($so, $bo) = get_via($port2, $odd, $hpath);
    is($so, '', "Host: $odd: the app answers, nothing stored");
}
my ($sk, $bk) = get_via($port2, "admin.example:$port2", $hpath);
is($sk, 'MISS', 'asked as browsers name the host: a miss, then stored');
like($bk, qr/^HTTP_HOST=admin\.example:$port2$/m, '... made for that Host');
my ($sd) = get_via($port2, "admin.example.:$port2", $hpath);
is($sd, '', 'Host: admin.example. does not get the stored page');
is((get_via($port2, "admin.example:$port2", $hpath))[0], 'HIT', 'the page is stored');
my $w = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port2, Timeout => 60)
    or die "connect: $!";
print $w "POST $hpath HTTP/1.0\r\nHost: Admin.Example:$port2\r\nContent-Length: 1\r\n\r\nx";
read_all($w);
is((get_via($port2, "admin.example:$port2", $hpath))[0], 'MISS',
   'a POST with the Host spelled otherwise dropped it');
ok($h->stop, 'stopped');
