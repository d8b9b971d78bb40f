# A cache zone across graceful restarts (README, "A zone lives as long as
# httpd's parent process"): kept as it is, it keeps its entries; resized, it
# is made anew, empty, and the new generation's workers attach the new one
# (httpd and the app share it again); its PreforkAppCache line removed, it
# is removed, and the app that used it is no longer cached and its workers
# get no zone. No segment is left behind: the parent maps no unlinked one,
# and a removed zone's segment is gone from /dev/shm. A restart without room
# for a zone does not stop httpd.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 47;

my $cachectl = app_path('cachectl');

my %apps = (rz => 'rzapp', gz => 'gzapp');
sub conf {
    my (%zones) = @_;   # zone => size (undef: no such zone)
    my $c = '';
    for my $z (sort keys %apps) {
        $c .= "PreforkAppCache $z $zones{$z}\n" if $zones{$z};
        $c .= qq{PreforkApp $apps{$z} "$cachectl" processes=1}
              . ($zones{$z} ? " cache=$z" : '') . "\n"
              . "<Location /$z>\n    SetHandler prefork-app:$apps{$z}\n</Location>\n";
    }
    return $c;
}

my $h = PATest::Httpd->new(status => 1, conf => conf(rz => '1M', gz => '2M'));
# rewrite($conf, $before): $before goes before our module's LoadModule.
sub rewrite {
    my ($conf, $before) = @_;
    my $base = PATest::base_config($h->dir, $h->port);
    $base =~ s/^(LoadModule prefork_app_module )/$before$1/m if $before;
    open my $cf, '>', $h->{conf_file} or die "$h->{conf_file}: $!";
    print $cf $base, $conf,
        "\n<Location /app-status>\n    SetHandler prefork-app-status\n    Require local\n</Location>\n";
    close $cf;
}

# The /dev/shm segments a process maps: name => 1 if it is unlinked.
sub shm_maps {
    my $pid = shift;
    my %m;
    open my $fh, '<', "/proc/$pid/maps" or return %m;
    while (<$fh>) {
        $m{$1} = /\(deleted\)\s*$/ ? 1 : 0 if m{ /dev/shm/([^/\s]+)};
    }
    return %m;
}
# The segment the parent maps whose size is SIZE (plus APR's small header).
sub segment_of_size {
    my $size = shift;
    my %m = shm_maps($h->pid);
    my @n = grep { !$m{$_} && (-s "/dev/shm/$_" // 0) >= $size
                   && (-s "/dev/shm/$_") < $size + 4096 } keys %m;
    return @n == 1 ? $n[0] : undef;
}
sub zone {
    my $name = shift;
    my $st = status_json(undef, $h->url) or return undef;
    my ($z) = grep { $_->{name} eq $name } @{ $st->{cache_zones} || [] };
    return $z;
}
sub state_of { $_[0]->{headers}{'x-prefork-app-cache'} // '' }

ok($h->start, 'httpd with two cache zones') or diag($h->error_log);
ok(wait_for(sub { $h->pids('rzapp') == 1 && $h->pids('gzapp') == 1 }), 'their apps are up');

my $page = '/rz/p?page=p&maxage=300&tag=tp';
is(state_of($h->get($page)), 'MISS', 'a page stored in zone rz');
is(state_of($h->get($page)), 'HIT', 'and served from it');
is(state_of($h->get('/gz/q?page=q&maxage=300')), 'MISS', 'a page stored in zone gz');
is($h->get('/rz/k?count=c')->{content}, "1\n", 'the app counts in zone rz');
is($h->get('/rz/k?count=c')->{content}, "2\n", '... twice');
my $rz_seg = segment_of_size(1024 * 1024);
my $gz_seg = segment_of_size(2 * 1024 * 1024);
ok($rz_seg && $gz_seg, 'httpd maps a named segment for each zone')
    or diag(explain({ shm_maps($h->pid) }));

# ---- unchanged: kept with what is in it ---------------------------------------
ok($h->graceful, 'graceful restart, zones unchanged');
is(state_of($h->get($page)), 'HIT', 'the stored page is still served from the zone');
is($h->get('/rz/k?count=c')->{content}, "3\n", 'the new workers count on in the same zone');

# ---- rz resized, gz removed (and its app's cache= with it) --------------------
rewrite(conf(rz => '2M'));
my $off = error_log_offset($h->log_file);
ok($h->graceful, 'graceful restart, rz resized to 2M, gz removed');
unlike(error_log_since($off, $h->log_file), qr/PA00601/, 'no zone creation failed');
my $rz = zone('rz');
is(($rz || {})->{size_bytes}, 2 * 1024 * 1024, 'the status page shows rz at its new size');
is((($rz || {})->{stats} || {})->{entries}, 0, 'rz was made anew, empty');
ok(!zone('gz'), 'gz is no longer on the status page');
is(state_of($h->get($page)), 'MISS', 'the page stored before is gone: fetched again');
is(state_of($h->get($page)), 'HIT', 'and stored in the new zone');
ok(wait_for(sub { $h->pids('rzapp') == 1 }), 'rz\'s app has a worker of the new generation');
is($h->get('/rz/k?count=c')->{content}, "1\n",
   'its workers attached the new zone, not the old one (the counter starts afresh)');
like($h->get('/rz/x?invalidate=tp')->{content}, qr/^removed 1$/m,
     'the app drops the page httpd stored in the new zone: they share it');
my $g1 = $h->get('/gz/q?page=q&maxage=300');
ok($g1->{status} == 200 && state_of($g1) eq '', 'gz\'s former app is answered, not cached')
    or diag(explain($g1));
is($h->get('/gz/k?count=c')->{status}, 500, 'and its workers get no zone (no PREFORK_APP_CACHE)');

# The old generation's children leave; then only the parent maps segments.
my $rz_seg2;
ok(wait_for(sub {
        my %m = shm_maps($h->pid);
        $rz_seg2 = segment_of_size(2 * 1024 * 1024);
        return !grep({ $_ } values %m) && $rz_seg2;
    }), 'httpd maps the resized zone, and no segment that was removed')
    or diag(explain({ shm_maps($h->pid) }));
ok($gz_seg && !-e "/dev/shm/$gz_seg",
   'the removed zone\'s segment is gone from /dev/shm');

# ---- the module loaded again at another address -------------------------------
# A graceful restart unloads the module and loads it again; with another
# module loaded before it, elsewhere. Nothing of the old load may be called
# later: not when a zone is dropped, not when httpd exits.
sub module_base {
    open my $fh, '<', "/proc/$_[0]/maps" or return '';
    while (<$fh>) { return $1 if m{^([0-9a-f]+)-\S+ \S+ 0+ .*/mod_prefork_app\.so$} }
    return '';
}
my $base = module_base($h->pid);
rewrite(conf(rz => '2M'), 'LoadModule proxy_module "' . libexecdir() . "/mod_proxy.so\"\n");
ok($h->graceful, 'graceful restart with a module loaded before this one');
isnt(module_base($h->pid), $base, '... which is loaded at another address now');
rewrite(conf(rz => '1M'), 'LoadModule proxy_module "' . libexecdir() . "/mod_proxy.so\"\n");
ok($h->graceful, 'graceful restart, rz resized again: its zone of 2M dropped');
ok(PATest::pid_alive($h->pid) && $h->get('/app-status?json')->{status} == 200, 'httpd lives on and answers');
is(state_of($h->get($page)), 'MISS', 'rz is new and empty');
my $rz_seg3;
ok(wait_for(sub { ($rz_seg3 = segment_of_size(1024 * 1024)) && !-e "/dev/shm/$rz_seg2" }),
   'the 1M zone is mapped, the 2M one gone from /dev/shm');

# ---- no room for a zone at a restart: httpd serves on --------------------------
# A file size limit on httpd's parent (httpd ignores SIGXFSZ) stands in for
# a /dev/shm without room: a 4 MB one takes rz at 1M, not at 8M, nor a new
# zone of 8M. A restart that cannot resize keeps the old zone, entries and
# all; one that cannot make a new zone runs its app uncached.
is(state_of($h->get($page)), 'HIT', 'rz holds the page');
ok(system('prlimit', '--pid', $h->pid, '--fsize=' . 4 * 1024 * 1024) == 0,
   'httpd\'s files limited to 4 MB');
rewrite(conf(rz => '8M') . "PreforkAppCache nz 8M\n"
        . qq{PreforkApp nzapp "$cachectl" processes=1 cache=nz\n}
        . "<Location /nz>\n    SetHandler prefork-app:nzapp\n</Location>\n");
$off = error_log_offset($h->log_file);
ok($h->graceful, 'graceful restart: rz resized to 8M, a zone nz of 8M added');
my $log = error_log_since($off, $h->log_file);
like($log, qr/PA00620: .*: PreforkAppCache rz: cannot make the zone anew at 8388608 bytes \(.+\): kept at its 1048576 bytes, entries and all/,
     'PA00620: rz kept at its size');
like($log, qr/PA00621: .*: PreforkAppCache nz: cannot create the zone \(.+\): .+; its apps serve uncached until a restart can make it/,
     'PA00621: nz not made');
unlike($log, qr/PA00601|AH00020/, 'the restart went on');
ok(PATest::pid_alive($h->pid) && $h->get('/app-status?json')->{status} == 200, 'httpd lives on and answers');
is((zone('rz') || {})->{size_bytes}, 1024 * 1024, 'the status page shows rz at the size it kept');
is(state_of($h->get($page)), 'HIT', 'rz\'s page is still served from it');
ok(wait_for(sub { $h->pids('nzapp') == 1 }), 'nz\'s app has a worker');
my $n1 = $h->get('/nz/q?page=q&maxage=300');
ok($n1->{status} == 200 && state_of($n1) eq '', 'nz\'s app is answered, not cached')
    or diag(explain($n1));
is($h->get('/nz/k?count=c')->{status}, 500, 'and its workers get no zone');
ok(exists((zone('nz') || {})->{stats}) && !defined zone('nz')->{stats},
   'the status page lists nz without stats');

ok($h->stop, 'httpd stopped');
unlike($h->error_log, qr/AH00060|seg fault/, 'without a crash');
ok(wait_for(sub { !-e "/dev/shm/$rz_seg3" && !glob($h->dir . '/prefork_app-*') }),
   'and its zone\'s segment and marker are gone')
    or diag(join ' ', glob($h->dir . '/prefork_app-*'));
