# The response cache and a GET in flight across a change: a GET that the
# app is still answering when a POST to the same URL succeeds may bring
# the page from before the change. It is not stored (else it would be
# served for its max-age after the change); the next GET asks the app.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp ();
use IO::Socket::INET ();
use HTTP::Tiny ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 7;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkAppCache dz 1M
PreforkApp decho "$echo" processes=2 cache=dz
<Location /e>
    SetHandler prefork-app:decho
</Location>
EOF
ok($h->start, 'private httpd: a cached app with two workers') or diag($h->error_log);

my $dir = File::Temp::tempdir('pa-drop-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0777, $dir;
my $go = "$dir/go";
# The same URL for the GETs and the POST; only a GET waits for $go.
my $page = "/e/p?header=Cache-Control:%20max-age%3D600&waitget=$go";

# A GET the app holds until $go exists.
my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port, Timeout => 60)
    or die "connect: $!";
print $sock "GET $page HTTP/1.0\r\nHost: 127.0.0.1:" . $h->port . "\r\n\r\n";   # the key holds the host
ok(wait_for(sub { $h->busy('decho') == 1 }), 'a GET in flight, held by the app');

my $post = HTTP::Tiny->new(timeout => 60)->post($h->url($page), {
    content => 'x=1', headers => { 'Content-Type' => 'application/x-www-form-urlencoded' } });
is($post->{status}, 200, 'a POST to the same URL meanwhile: 200');

open my $fh, '>', $go or die "$go: $!";
close $fh;
my $first = read_all($sock);
like($first, qr{^HTTP/1\.[01] 200 .*^X-Prefork-App-Cache: MISS}ms, 'the GET then ends: 200, a miss');

my $next = $h->get($page);
is($next->{status}, 200, 'the next GET: 200');
is($next->{headers}{'x-prefork-app-cache'}, 'MISS', '... from the app, not the page the GET before it stored');
is($h->get($page)->{headers}{'x-prefork-app-cache'}, 'HIT', 'and that one is stored');
$h->stop;
