# An httpd child out of descriptors (many keep-alive clients against its
# ulimit -n) cannot make the socket that reaches a worker of an app that
# does not keep connections (keep-conn=off, SCGI, CGI). That is the
# child's shortage, not the worker's: the client gets 503 at once, PA00345
# says why, and the worker is neither blamed nor replaced (it was taken for
# dead, tried again on the other worker, and both were killed: 502).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use IO::Socket::INET ();
use PATest qw(:all);
use PADispatch qw(conn_owner);

plan tests => 9;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
@{[ one_child(10) ]}
PreforkApp off "$echo" processes=2 keep-conn=off
PreforkAppAlias /off off
EOF2
ok($h->start, 'httpd with one child, an app that keeps no connections')
    or diag($h->error_log);
ok(wait_for(sub { $h->pids('off') == 2 }), 'its two workers are up');
my $before = join ' ', sort { $a <=> $b } $h->pids('off');

sub client {
    IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port, Timeout => 30)
        or die "connect: $!";
}

my $c = client();
is((kept_get($c, '/off?first'))[0], 200, 'a request on a kept-alive client connection');
my $child = conn_owner($h->port, $c);
# No descriptor left for the child: its soft limit at its lowest free one.
my %open = map { m{/(\d+)$} ? ($1 => 1) : () } glob "/proc/$child/fd/*";
my $free = 0;
$free++ while $open{$free};
my ($soft) = map { /^Max open files\s+(\d+)/ ? $1 : () }
             do { open my $l, '<', "/proc/$child/limits" or die $!; <$l> };
ok($child && $soft && system('prlimit', '--pid', $child, "--nofile=$free:") == 0,
   "its child ($child) may open no more descriptors");

my $off = error_log_offset($h->log_file);
is((kept_get($c, '/off?second'))[0], 503, 'the next request there: 503');
my $log = error_log_since($off, $h->log_file);
like($log, qr/PA00345: off: cannot connect to worker pid \d+: this httpd child is out of resources: 503, the worker is left as it was/,
     'PA00345 says why');
unlike($log, qr/PA0030[789]|PA00104/, 'no worker was blamed, tried again or replaced');

system('prlimit', '--pid', $child, "--nofile=$soft:");
is((kept_get(client(), '/off?third'))[0], 200, 'with descriptors again, served');
is(join(' ', sort { $a <=> $b } $h->pids('off')), $before, 'by the same two workers');
close $c;
$h->stop;
