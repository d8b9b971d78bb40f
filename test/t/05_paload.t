# The load loop itself (t/lib/PALoad.pm), against a tiny local server, no
# httpd: what it reports after stop() must include the reply of the request
# that was in flight when stop() was called, and a request that never gets
# an answer must end, as a failure, after PALoad's bound.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use File::Temp ();
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes ();
use PALoad;

plan tests => 4;

my $dir = File::Temp->newdir;

# server(MODE): a forked server on a free port. It takes one request and
# writes "$dir/got"; then, MODE 'late', it waits for "$dir/go" and answers
# 503; MODE 'never', it answers nothing. Later connections are refused
# (it listens no more). Returns (pid, port).
sub server {
    my $mode = shift;
    my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 5, ReuseAddr => 1) or die "listen: $!";
    my $port = $l->sockport;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $c = $l->accept or POSIX::_exit(1);
        close $l;
        my $req = '';
        sysread($c, $req, 4096, length $req) while $req !~ /\r\n\r\n/;
        open my $f, '>', "$dir/got"; close $f;
        if ($mode eq 'late') {
            Time::HiRes::sleep(0.05) until -e "$dir/go";
            print $c "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy";
            close $c;
        } else {
            sleep 120;
        }
        POSIX::_exit(0);
    }
    close $l;
    return ($pid, $port);
}

sub wait_file {
    my $f = shift;
    for (1 .. 600) { return 1 if -e $f; Time::HiRes::sleep(0.05) }
    return 0;
}

# 1. A reply that comes after the client was told to stop is counted.
my ($spid, $port) = server('late');
my $load = PALoad->start("http://127.0.0.1:$port/x", clients => 1);
ok(wait_file("$dir/got"), 'the request reached the server');
kill 'TERM', @{ $load->{pids} };    # stop() sends it too; here first, so
Time::HiRes::sleep(0.5);            # that the reply surely comes after it
open my $go, '>', "$dir/go"; close $go;
my %st = eval {
    local $SIG{ALRM} = sub { die "stop() did not return\n" };
    alarm 90;
    my %s = $load->stop;
    alarm 0;
    %s;
};
is_deeply(\%st, { 503 => 1 }, 'the 503 that came after stop() was called is counted')
    or diag('got: ', PALoad::describe(%st), $@ ? " ($@)" : '');
kill 'KILL', $spid; waitpid $spid, 0;

# 2. A request that is never answered ends after the bound, as a failure.
unlink "$dir/got";
($spid, $port) = server('never');
$load = PALoad->start("http://127.0.0.1:$port/x", clients => 1, timeout => 2);
wait_file("$dir/got");
%st = eval {
    local $SIG{ALRM} = sub { die "stop() did not return\n" };
    alarm 60;
    my %s = $load->stop;
    alarm 0;
    %s;
};
ok(!$@, 'stop() returns although the request in flight is never answered')
    or diag($@);
is_deeply(\%st, { 598 => 1 }, 'that request counts as failed (598, no reply within the bound)')
    or diag('got: ', PALoad::describe(%st));
kill 'KILL', $spid; waitpid $spid, 0;
if ($@) { kill 'KILL', @{ $load->{pids} }; $load->{pids} = [] }
