# A client that leaves while the authorizer (PreforkAppAuthorizer) is
# asked: its answer still counts. The authorizer's "granted" is counted and
# the request goes on to its handler (the app finishes what it may be
# acting on); a change that took the client's leaving for "the module
# failed it" lost the answer (no handler, no count).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use IO::Socket::INET;

plan tests => 7;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
PreforkApp auth "$echo" processes=1
PreforkApp app "$echo" processes=1
<Location /app>
    PreforkAppAuthorizer auth
    SetHandler prefork-app:app
</Location>
EOF2
ok($h->start, 'private httpd started') or diag($h->error_log);
ok(wait_for(sub { ($h->app('auth') || {})->{processes}{idle} }), 'the authorizer is up');

my $gate = gate();
for my $method (qw(POST GET)) {
    my $ran = $h->dir . "/ran-$method";
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port,
                                  Timeout => 30) or die "connect: $!";
    my $body = $method eq 'POST' ? "x=1" : '';
    # The authorizer waits for the gate; the client leaves meanwhile.
    print $c "$method /app/$method?started=$ran HTTP/1.1\r\nHost: localhost\r\n"
        . "X-Authorizer: wait=$gate\r\nContent-Length: " . length($body)
        . "\r\nConnection: close\r\n\r\n$body";
    ok(wait_for(sub { ($h->busy('auth') // 0) == 1 }), "$method: the authorizer is asked");
    close $c;
    select(undef, undef, undef, 0.3);   # noticed, and within the grace of 1 s
    open_gate($gate);
    wait_for(sub { -e $ran }, timeout => 10);
    close_gate($gate);
}
ok(wait_for(sub { ($h->counter('auth', 'authorizer_granted') // 0) == 2 }),
   'both answers counted as granted') or diag(explain($h->app('auth')));
ok(-e $h->dir . '/ran-POST', 'the POST went on to its handler');
ok($h->stop, 'stopped') or diag($h->error_log);
