# A step of the wall clock (NTP setting it, an admin's `date -s`, a VM
# resumed) is not time that passed: request-timeout, queue-timeout, the
# manager's ticks and the status page's ages count on the monotonic clock.
# Before, a step forward past request-timeout had the manager kill every
# worker in a request (504s), and a step back held a hung request for as
# long as the step. libfaketime moves the wall clock of httpd, its manager
# and the workers (not their monotonic clock) while requests run.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use IO::Socket::INET ();
use PATest qw(:all);

my ($faketime) = glob '/usr/lib/*/faketime/libfaketime.so.1';
plan skip_all => 'libfaketime is not installed' unless $faketime && -f $faketime;
plan tests => 12;

my %faketime_before = map { $_ => 1 } PATest::shm_entries();
my $dir = test_dir('clock');
my $rc = "$dir/faketime";
# Whole or not at all: libfaketime reads the file at every clock reading.
sub step { write_file("$rc.new", "$_[0]\n"); rename "$rc.new", $rc or die "$rc: $!" }
step('+0');
my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, env => {
        LD_PRELOAD => $faketime, FAKETIME_TIMESTAMP_FILE => $rc,
        FAKETIME_NO_CACHE => 1, FAKETIME_DONT_FAKE_MONOTONIC => 1,
    }, conf => <<"EOF");
PreforkApp fwd "$echo" processes=1 request-timeout=20
PreforkApp back "$echo" processes=1 request-timeout=3
PreforkAppAlias /fwd fwd
PreforkAppAlias /back back
EOF
ok($h->start, 'httpd under libfaketime') or diag($h->error_log);
ok(wait_for(sub { $h->pids('fwd') == 1 && $h->pids('back') == 1 }), 'the workers are up');
my ($fwd_pid) = $h->pids('fwd');

# The request's answer, read to its end.
sub begin {
    my $path = shift;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port,
                                  Timeout => 120) or die "connect: $!";
    print $s "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    return $s;
}
sub status_of { my ($reply) = @_; $reply =~ m{^HTTP/1\.\d (\d+)} ? $1 : 0 }

# ---- forward: 3 hours on, in the middle of a 4 s request ----------------------
my $off = error_log_offset($h->log_file);
my $s = begin('/fwd?sleep=4');
ok(wait_for(sub { $h->busy('fwd') == 1 }), 'a 4 s request is in its worker');
step('+3h');
my $reply = read_all($s);
is(status_of($reply), 200, 'the clock stepped 3 h forward: the request still gets its answer')
    or diag(substr($reply, 0, 200));
unlike(error_log_since($off, $h->log_file), qr/PA00311/,
       'no "exceeded request-timeout"');
is(($h->pids('fwd'))[0], $fwd_pid, 'its worker was not killed');
my $w = ($h->app('fwd')->{workers} || [])->[0] || {};
ok(defined $w->{age_seconds} && $w->{age_seconds} < 3600,
   'the status page gives the worker its real age, not the step')
    or diag("age_seconds $w->{age_seconds}");
my $st = status_json(undef, $h->url(''));
ok($st && $st->{time} > time + 3 * 3600 - 120,
   '... and the time of day as the clock now says');

# ---- back: 3 hours before, while a request hangs past request-timeout --------
step('+0');
$off = error_log_offset($h->log_file);
my ($back_pid) = $h->pids('back');
$s = begin('/back?sleep=30');
ok(wait_for(sub { $h->busy('back') == 1 }), 'a request that hangs is in its worker');
step('-3h');
$reply = read_all($s);
is(status_of($reply), 504, 'the clock stepped 3 h back: request-timeout (3 s) still ends it, 504')
    or diag(substr($reply, 0, 200));
like(error_log_since($off, $h->log_file),
     qr/PA00311: back: worker pid $back_pid exceeded request-timeout \(3s\)/,
     'logged as exceeded request-timeout');
step('+0');
ok($h->stop, 'stopped');

# libfaketime leaves a shared memory segment and a semaphore in /dev/shm
# for each process it started in (its README: to be removed by hand).
opendir my $shm, '/dev/shm' or die "/dev/shm: $!";
for (readdir $shm) {
    next unless /^(?:faketime_shm_|sem\.faketime_sem_)(\d+)$/ && !$faketime_before{$_};
    unlink "/dev/shm/$_" if -O "/dev/shm/$_" && !kill(0, $1);
}
closedir $shm;
