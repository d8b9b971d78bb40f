package PALoad;
# A load loop for the manager tests: N forked clients request one URL over
# and over until stopped, and report every response status.
#
#   my $load = PALoad->start($url, clients => 4);
#   ... restart, recycle, ...
#   my %status = $load->stop;       # status code => count
use strict;
use warnings;

use HTTP::Tiny ();
use File::Temp ();
use POSIX ();

sub start {
    my ($class, $url, %o) = @_;
    my $self = bless { url => $url, pids => [], files => [] }, $class;
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
            my $http = HTTP::Tiny->new(timeout => 60, keep_alive => 0);
            while (!$stop) {
                my $status = $http->get($url)->{status};
                last if $stop;      # the signal may have cut this one short
                $count{$status}++;
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

# Stops the clients; returns status => count over all of them.
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
