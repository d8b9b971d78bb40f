# A child of a generation a graceful restart has retired answers ?metrics
# and ?json with 503 (Retry-After: 0, the connection closed), not with its
# own counters: they went on to the new generation, and the old child's are
# older than the next scrape's, a counter gone down, which rate() takes
# for a reset (a spike of the whole count). The request reaches the old
# child half sent before the restart, the rest after. A private httpd.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use IO::Socket::INET ();

plan tests => 7;

my $hello = app_path('hello');
my $h = PATest::Httpd->new(status => 1, conf => one_child(8)
    . qq{PreforkApp rh "$hello" processes=1\n<Location /rh>\n    SetHandler prefork-app:rh\n</Location>\n});
ok($h->start, 'private httpd of one child') or diag($h->error_log);
is($h->get('/rh')->{status}, 200, 'the app answers');
like($h->get('/app-status?metrics')->{content}, qr/^prefork_app_/m, 'a scrape of the running generation: its metrics');

my @socks;
for my $what (qw(metrics json)) {
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port) or die "connect: $!";
    print $c "GET /app-status?$what HTTP/1.1\r\nHost: localhost\r\n";
    push @socks, $c;
}
# Taken in by the old child before the restart (else the new one would
# answer them): their server ends among its descriptors.
my $mgr = $h->manager_pid;
my ($child) = grep { $_ != $mgr } map { $_->{pid} } ps_children($h->pid);
sub held_by_child {
    my %ports = map { $_->sockport => 1 } @socks;
    my %inodes;
    open my $tcp, '<', '/proc/net/tcp' or return 0;
    while (<$tcp>) {
        my @f = split;
        next unless $f[1] && $f[1] =~ /:([0-9A-F]{4})$/ && hex($1) == $h->port
            && $f[2] =~ /:([0-9A-F]{4})$/ && $ports{hex $1};
        $inodes{"socket:[$f[9]]"} = 1;
    }
    opendir my $d, "/proc/$child/fd" or return 0;
    my $n = grep { $inodes{readlink("/proc/$child/fd/$_") // ''} } readdir $d;
    return $n == @socks;
}
ok(wait_for(\&held_by_child), 'two scrapes half sent, taken in by the child');
ok($h->graceful, 'a graceful restart');
my @got;
for my $c (@socks) {
    print $c "\r\n";
    my $res = read_all($c, timeout => 30);
    push @got, $res =~ m{^HTTP/1\.1 (\d+)} ? $1 : 'none';
}
is("@got", '503 503', 'the retired generation\'s child: ?metrics and ?json 503')
    or diag(error_log_since(0, $h->log_file));
ok($h->stop, 'stopped');
