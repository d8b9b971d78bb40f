# Many on-demand apps: an httpd child keeps a FastCGI connection per worker
# it has talked to, and must not keep those of workers that are gone. Before,
# one was closed only when the child next claimed the same slot, so a child
# held one per slot of every app it had served (1500 for 500 apps of
# processes=0-2) and ran out of descriptors (PA00318, 503) with enough apps.
# One child, 20 apps it talks to once; once their workers have idled out, the
# next connection it takes (for another app) comes with a sweep of the old.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 6;

my $echo = app_path('echo');
my $n = 20;
my $conf = "StartServers 1\nServerLimit 1\nThreadsPerChild 8\n"
         . "MaxRequestWorkers 8\nMinSpareThreads 1\nMaxSpareThreads 8\n"
         . "PreforkApp last \"$echo\" processes=0-1\n"
         . "<Location /last>\n    SetHandler prefork-app:last\n</Location>\n";
for my $i (1 .. $n) {
    $conf .= "PreforkApp od$i \"$echo\" processes=0-1 idle-timeout=1\n"
           . "<Location /od$i>\n    SetHandler prefork-app:od$i\n</Location>\n";
}
my $h = PATest::Httpd->new(conf => $conf, status => 1);
ok($h->start, 'private httpd with one child and 21 on-demand apps started')
    or diag($h->error_log);

# The unix sockets the child holds (kept connections to workers, and
# whatever httpd itself has: counted before, as the base).
sub child_pid {
    my ($c) = grep { $_->{args} !~ /mod_prefork_app/ } ps_children($h->pid);
    return $c ? $c->{pid} : undef;
}
sub unix_fds {
    my $pid = shift or return -1;
    my %unix;
    open my $nu, '<', '/proc/net/unix' or return -1;
    while (<$nu>) {
        my @f = split;
        $unix{$f[6]} = 1 if $f[6] && $f[6] =~ /^\d+$/;
    }
    close $nu;
    my $count = 0;
    opendir my $d, "/proc/$pid/fd" or return -1;
    for my $fd (readdir $d) {
        my $l = readlink("/proc/$pid/fd/$fd") // next;
        $count++ if $l =~ /^socket:\[(\d+)\]$/ && $unix{$1};
    }
    closedir $d;
    return $count;
}

$h->get('/app-status?json');
my $child = child_pid();
my $base = unix_fds($child);
my $ok = 0;
for my $i (1 .. $n) {
    $ok++ if $h->get("/od$i")->{status} == 200;
}
is($ok, $n, "each of the $n apps answered");
my $held = unix_fds($child);
cmp_ok($held, '>=', $base + $n, 'the child holds a kept connection to each')
    or diag("base $base, now $held");
ok(wait_for(sub {
        my $s = status_json('/app-status?json', $h->url) or return 0;
        !grep { $_->{name} =~ /^od/ && $_->{processes}{total} } @{ $s->{apps} };
    }, timeout => 60), 'their workers idled out');
is($h->get('/last')->{status}, 200, 'another app answers');
my $after = unix_fds($child);
cmp_ok($after, '<=', $base + 2,
       'the child let go of the connections to the gone workers')
    or diag("base $base, with $n held $held, now $after (child $child)");
$h->stop;
