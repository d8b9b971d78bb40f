# The response cache and apps whose reply ends at end of file (protocol=scgi
# and protocol=cgi): a worker killed mid-reply closes its connection just as
# one that has finished does, so only a reply that said its Content-Length
# (which dispatch holds it to) is known whole and stored.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::INET ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 12;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
PreforkAppCache eofzone 1M
PreforkApp escgi "$echo --scgi" protocol=scgi processes=1 start-delay=0 cache=eofzone
PreforkApp ecgi "$echo --cgi" protocol=cgi processes=1 start-delay=0 cache=eofzone
<Location /escgi>
    SetHandler prefork-app:escgi
</Location>
<Location /ecgi>
    SetHandler prefork-app:ecgi
</Location>
EOF2
ok($h->start, 'private httpd with an SCGI and a CGI app behind a zone') or diag($h->error_log);

# One HTTP/1.0 request: (cache state, body).
sub get {
    my ($path) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port, Timeout => 60)
        or return ('', '');
    print $s "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    my $reply = read_all($s);
    my ($state) = $reply =~ /^X-Prefork-App-Cache: (\w+)/mi;
    my ($body) = $reply =~ /\r\n\r\n(.*)\z/s;
    return ($state // '', $body // '');
}

my $cc = 'header=Cache-Control:%20max-age%3D60';
for my $app (qw(escgi ecgi)) {
    my $flag = "${\$h->dir}/flag-$app";
    my $path = "/$app?$cc&slowstream=$flag";
    ok(wait_for(sub { my @p = $h->pids($app); @p == 1 }, timeout => 60), "$app: its worker is up");
    my ($pid) = $h->pids($app);
    # The reply's first line, then its worker is killed.
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port, Timeout => 60)
        or die "connect: $!";
    print $s "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    my $got = read_until($s, qr/first\n/);
    kill 'KILL', $pid;
    $got .= read_all($s);
    close $s;
    like($got, qr/\r\n\r\nfirst\n\z/, "$app: its worker killed after the first line");
    open my $fh, '>', $flag or die "$flag: $!";
    close $fh;
    my ($state, $body) = get($path);
    is(($state eq 'HIT' ? 'HIT ' : '') . $body, "first\nsecond\n",
       "$app: the cut reply was not stored");

    # A whole reply that says its length is stored; one that does not is not.
    get("/$app?$cc&cl=1&bytes=40");
    is((get("/$app?$cc&cl=1&bytes=40"))[0], 'HIT', "$app: a reply with its Content-Length is stored");
    get("/$app?$cc&bytes=40");
    isnt((get("/$app?$cc&bytes=40"))[0], 'HIT', "$app: one without is not");
}
ok($h->stop, 'stopped');
