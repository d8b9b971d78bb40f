package PALoad;
# A load loop for the manager tests: N forked clients request one URL over
# and over until stopped, and report every response status. A plain HTTP/1.0
# client, not HTTP::Tiny: HTTP::Tiny silently retries a GET whose connection
# dropped, which would hide exactly the failures these tests look for.
#
#   my $load = PALoad->start($url, clients => 4, expect => qr/Hello/);
#   ... restart, recycle, ...
#   my %status = $load->stop;       # status code => count
#
# Every request sent is counted, the one in flight when stop() is called
# too: a client finishes it (SIGTERM is blocked while a request runs) and
# stops after it. So a request stuck across a restart, answered 503 or 504
# only later, is seen. Each request is bounded (timeout => 60 seconds by
# default, far beyond any reply the tests expect): one that gets no whole
# reply by then counts as 598, and stop() returns.
use strict;
use warnings;

use File::Temp ();
use IO::Socket::INET ();
use POSIX ();
use PATest ();

# One request; the status code, 599 if the connection failed or the
# response was cut short (Content-Length, or $expect not in the body), 598
# if the server did not end its reply within $timeout seconds.
sub fetch {
    my ($host, $port, $path, $expect, $timeout) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port,
                                     Timeout => $timeout) or return 599;
    print $sock "GET $path HTTP/1.0\r\nHost: $host\r\n\r\n" or return 599;
    my ($response, $how) = PATest::read_all($sock, timeout => $timeout, quiet => 1);
    return 598 if $how eq 'timeout';
    my ($status) = $response =~ m{^HTTP/1\.\d (\d{3}) } or return 599;
    my ($head, $body) = split /\r\n\r\n/, $response, 2;
    my ($length) = $head =~ /^Content-Length:\s*(\d+)/mi;
    return 599 if defined $length && length($body // '') != $length;
    return 599 if $expect && $status == 200 && ($body // '') !~ $expect;
    return $status;
}

sub start {
    my ($class, $url, %o) = @_;
    my $self = bless { url => $url, pids => [], files => [] }, $class;
    my ($host, $port, $path) = $url =~ m{^http://([^:/]+):(\d+)(/.*)$}
        or die "PALoad: cannot parse $url";
    for my $i (1 .. ($o{clients} || 4)) {
        my $fh = File::Temp->new;
        my $file = $fh->filename;
        push @{ $self->{files} }, $fh;
        my $pid = fork;
        die "fork: $!" unless defined $pid;
        if (!$pid) {
            my %count;
            my $stop = 0;
            local $SIG{TERM} = sub { $stop = 1 };
            my $term = POSIX::SigSet->new(POSIX::SIGTERM());
            my $old = POSIX::SigSet->new;
            while (!$stop) {
                # TERM waits while a request runs: a request begun is
                # always finished and counted, whatever stop() does.
                POSIX::sigprocmask(POSIX::SIG_BLOCK(), $term, $old);
                $count{ fetch($host, $port, $path, $o{expect}, $o{timeout} || 60) }++;
                POSIX::sigprocmask(POSIX::SIG_SETMASK(), $old);
            }
            open my $out, '>', $file or POSIX::_exit(1);
            print $out map { "$_ $count{$_}\n" } keys %count;
            close $out;
            POSIX::_exit(0);
        }
        push @{ $self->{pids} }, $pid;
    }
    return $self;
}

# Stops the clients; returns status => count over all of them, the
# requests in flight included (it waits for them, each within its bound).
sub stop {
    my $self = shift;
    kill 'TERM', @{ $self->{pids} };
    waitpid $_, 0 for @{ $self->{pids} };
    my %total;
    for my $fh (@{ $self->{files} }) {
        open my $in, '<', $fh->filename or next;
        while (<$in>) {
            my ($status, $n) = split;
            $total{$status} += $n;
        }
    }
    $self->{pids} = [];
    return %total;
}

# "200 x 512, 503 x 2" for test diagnostics.
sub describe {
    my %total = @_;
    return join ', ', map { "$_ x $total{$_}" } sort keys %total;
}

sub DESTROY {
    my $self = shift;
    $self->stop if @{ $self->{pids} || [] };
}

1;
