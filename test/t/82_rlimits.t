# rlimit-files= and rlimit-core= (php-fpm's rlimit_files, rlimit_core): the
# workers run with those limits, soft and hard; an app without them has
# httpd's. Above httpd's hard limit, without root: a configuration error.
# cwd= (php-fpm's chdir): the workers' working directory; without it, the
# directory of the app's program.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use File::Basename ();
use PATest qw(:all);

plan tests => 11;

my $hello = hello_path();
my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
PreforkApp limited "$hello" processes=1 rlimit-files=100 rlimit-core=1M
PreforkApp nocore "$hello" processes=1 rlimit-core=0
PreforkApp plain "$hello" processes=1
PreforkApp incwd "$echo" processes=1 cwd=/tmp
<Location /incwd>
    SetHandler prefork-app:incwd
</Location>
PreforkApp echo "$echo" processes=1
<Location /echo>
    SetHandler prefork-app:echo
</Location>
EOF2
ok($h->start, 'private httpd: apps with rlimit-files=, rlimit-core= and without')
    or diag($h->error_log);

# (soft, hard) of a limit of the app's worker, from /proc, once the
# worker runs its program (a pid on the status page may not have got there).
sub limit {
    my ($app, $name) = @_;
    my $pid;
    wait_for(sub {
        ($pid) = $h->pids($app);
        return 0 unless $pid && open my $comm, '<', "/proc/$pid/comm";
        return scalar(<$comm>) =~ /^hello$/;
    }) or return '';
    open my $fh, '<', "/proc/$pid/limits" or return '';
    while (<$fh>) {
        return "$1 $2" if /^\Q$name\E\s+(\S+)\s+(\S+)/;
    }
    return '';
}

is(limit('limited', 'Max open files'), '100 100', 'rlimit-files=100: the worker may open 100 files, soft and hard');
is(limit('limited', 'Max core file size'), '1048576 1048576', 'rlimit-core=1M: cores of at most 1 MiB');
is(limit('nocore', 'Max core file size'), '0 0', 'rlimit-core=0: no core files');
isnt(limit('plain', 'Max open files'), '100 100', 'an app without the keys: httpd\'s limit on files');
# The working directory of an app's worker (the echo app's ?pwd=1).
is($h->get('/incwd?pwd=1')->{content}, "/tmp\n", 'cwd=/tmp: the worker runs in /tmp');
is($h->get('/echo?pwd=1')->{content}, File::Basename::dirname($echo) . "\n",
   'without cwd=: in its program\'s directory');

my ($soft, $hard) = split ' ', limit('plain', 'Max open files');
ok($hard && $hard ne '100', 'and its hard limit') or diag("plain: $soft $hard");

# Above the hard limit of the user httpd runs as (not root here): refused.
SKIP: {
    skip 'httpd runs as root here: it may raise hard limits', 3 if $> == 0;
    skip 'no finite hard limit on files', 3 if !$hard || $hard eq 'unlimited';
    my $over = $hard + 1;
    my %r = configtest(qq{PreforkApp a "$hello" rlimit-files=$over});
    isnt($r{rc}, 0, 'rlimit-files above the hard limit: configtest fails');
    like($r{out}, qr/PreforkApp a: rlimit-files=$over: above httpd's hard limit \($hard\); raising it needs httpd started as root/,
         'and says why');
    like($r{out}, qr/line \Q$r{first}\E/, 'with the line');
}
