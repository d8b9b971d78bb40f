# A cache zone's segment shrunk behind httpd's back (ftruncate() on its shm
# object, which any process running as httpd's User may do): the parent,
# which maps each zone again at a graceful restart, must not die of SIGBUS
# there; it makes the zone anew (PA00615) and serves on. And a zone's
# segment is named with a random part, so that nobody can make it first.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 17;

my %before = map { $_ => 1 } shm_entries();

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkAppCache shz 1M
PreforkApp zecho "$echo" processes=1 cache=shz
<Location /z>
    SetHandler prefork-app:zecho
</Location>
EOF
ok($h->start, 'private httpd with a cache zone') or diag($h->error_log);

my @markers = glob($h->dir . '/prefork_app-shz.*.cache.owner');
is(scalar @markers, 1, 'one zone marker');
like($markers[0] // '', qr{/prefork_app-shz\.[0-9a-f]{16}\.\d+\.cache\.owner\z},
     'the marker\'s name has 16 random hex digits before the pid');
my $inside = '';
if (open my $fh, '<', $markers[0] // '') { local $/; $inside = <$fh> // '' }
(my $named = $markers[0] // '') =~ s/\.owner\z//;
ok($inside =~ m{\A\Q@{[$h->dir]}\E/prefork_app-shz\.[0-9a-f]{16}\.\d+\.cache\z} && $inside ne $named,
   'the segment\'s path, with random digits of its own, is inside the marker, not its name')
    or diag("marker $markers[0], inside '$inside'");
is(((stat($markers[0] // '/'))[2] // 0) & 07777, 0600, 'the marker is 0600');

my $page = '/z/p?header=Cache-Control:%20max-age%3D600&whoami=1';
sub state_of { my $r = $h->get($page); ($r->{headers}{'x-prefork-app-cache'} // '-') . " $r->{status}" }
is(state_of(), 'MISS 200', 'a page is stored');
is(state_of(), 'HIT 200', 'and served from the zone');

# Ours: appeared since the start, mapped by our httpd's parent (another
# test's httpd, running meanwhile as the same user, makes zones too: it
# must not be the one shrunk), owned by this user, the zone's size.
my %mapped;
if (open my $maps, '<', '/proc/' . ($h->pid // 0) . '/maps') {
    while (<$maps>) {
        $mapped{$1} = 1 if m{ /dev/shm/(\S+)};
    }
}
my @zone = grep { !$before{$_} && $mapped{$_} && -O "/dev/shm/$_" && (-s _) >= 1024 * 1024 }
           shm_entries();
is(scalar @zone, 1, 'the zone is one shm object') or diag("new: @zone");
my $parent = $h->pid;
# Its first page kept: APR reads the segment's size from there and maps
# all of it, and the pages past the new end raise SIGBUS where touched.
ok($zone[0] && truncate("/dev/shm/$zone[0]", 4096), 'shrunk to one page by a process running as User');

ok($h->graceful, 'a graceful restart') or diag($h->error_log);
ok($parent && kill(0, $parent), 'the parent httpd lives on');
like($h->error_log, qr/PA00615: PreforkAppCache shz: the zone \S+ is no longer whole \(.*\): made anew, empty/,
     'it says the zone was made anew (PA00615)');
note($_) for grep { /PA00615/ } split /\n/, $h->error_log;
ok(!-e "/dev/shm/$zone[0]", 'the shrunk segment is gone');
my @after = glob($h->dir . '/prefork_app-shz.*.cache.owner');
ok(@after == 1 && $after[0] ne $markers[0], 'the new zone has a name of its own');
ok(wait_for(sub { state_of() =~ /^MISS 200/ }), 'the page is asked of the app again (the new zone is empty)');
is(state_of(), 'HIT 200', 'and stored in the new zone');
ok($h->stop, 'httpd stops');
