# The status page's ?ping (php-fpm's ping.path), for a load balancer's
# health check: "pong" and 200 while the manager runs and each app asked
# about can take a request; else 503 with a line saying what is wrong.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 13;

my $hello = hello_path();
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
PreforkApp up "$hello" processes=1
PreforkApp lazy "$hello" processes=0-2
PreforkApp crashy "/bin/false" processes=1 start-delay=1
EOF2
ok($h->start, 'private httpd: an app up, one on demand, one that cannot start')
    or diag($h->error_log);

sub ping {
    my ($query, $method) = @_;
    my $r = HTTP::Tiny->new(timeout => 30)->request($method || 'GET',
                                                    $h->url("/app-status?ping$query"));
    return ($r->{status}, $r->{content}, $r->{headers});
}

ok(wait_for(sub { (ping('&app=up'))[0] == 200 }), 'an app with a worker up: 200');
my ($st, $body, $hdr) = ping('&app=up');
is($body, "pong\n", 'pong');
like($hdr->{'content-type'}, qr{^text/plain}, 'as text/plain');
is($hdr->{'cache-control'}, 'no-store', 'not to be cached');
is((ping('&app=lazy'))[0], 200, 'an on-demand pool with no worker: 200 (a request starts one)');
ok(wait_for(sub { $h->app('crashy') && $h->app('crashy')->{crash_backoff_level} >= 1 }, timeout => 30),
   'the app that cannot start backs off');
($st, $body, $hdr) = ping('&app=crashy');
is($st, 503, 'an app in a crash-loop backoff with no worker: 503');
is($body, "crashy: no worker up, crash-loop backoff\n", 'saying why');
is($hdr->{'retry-after'}, 1, 'with Retry-After');
is((ping(''))[0], 503, 'every app at once (no app=): 503, as one is down');
is((ping('&app=up', 'HEAD'))[0], 200, 'a HEAD has the same status');
is((ping('&app=crashy', 'HEAD'))[0], 503, 'a HEAD for the app that is down: 503 too');
