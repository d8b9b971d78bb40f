package PADispatch;
# Helpers for the dispatch tests (t/2x_*.t): requests running in the
# background while the test looks at the server.
#
#   my $job = bg_request('GET', '/dbusy?whoami=1');
#   ...
#   my $res = bg_result($job);    # waits; HTTP::Tiny response hash
use strict;
use warnings;

use Exporter 'import';
use File::Temp ();
use HTTP::Tiny ();
use JSON::PP ();
use Apache::TestRequest ();

our @EXPORT_OK = qw(base_url http bg_request bg_result counter conn_owner);
our %EXPORT_TAGS = (all => \@EXPORT_OK);

sub base_url { 'http://' . Apache::TestRequest::hostport() }

sub http {
    return HTTP::Tiny->new(timeout => 120, max_redirect => 0, keep_alive => 0);
}

# Runs the request in a child process; returns a job for bg_result. The
# path may be a whole URL (a private server's).
sub bg_request {
    my ($method, $path, $opts) = @_;
    my $file = File::Temp->new(TMPDIR => 1);
    my $url = $path =~ m{^http://} ? $path : base_url() . $path;
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        my $res = http()->request($method, $url, $opts || {});
        open my $fh, '>', "$file" or POSIX::_exit(1);
        print $fh JSON::PP->new->canonical->encode({
            status => $res->{status}, headers => $res->{headers},
            content => $res->{content} });
        close $fh;
        require POSIX;
        POSIX::_exit(0);
    }
    return { pid => $pid, file => $file };
}

# Waits for the job; its response hash.
sub bg_result {
    my $job = shift;
    waitpid $job->{pid}, 0;
    open my $fh, '<', "$job->{file}" or return { status => 0, content => 'no result' };
    local $/;
    return JSON::PP::decode_json(scalar <$fh>);
}

# counter('dbusy', 'http_503'): a counter of an app on the status page.
sub counter {
    my ($app, $name) = @_;
    my $st = PATest::app_status($app) or return undef;
    return $st->{counters}{$name};
}

# conn_owner($port, $sock): the pid of the process (other than this one)
# that holds the server side of $sock, our client socket to 127.0.0.1:$port
# (its inode from /proc/net/tcp, then whose descriptor it is); or undef.
sub conn_owner {
    my ($port, $sock) = @_;
    my $want = sprintf '0100007F:%04X 0100007F:%04X', $port, $sock->sockport;
    open my $tcp, '<', '/proc/net/tcp' or return;
    my ($inode) = map { (split ' ')[9] } grep { /^\s*\d+: \Q$want\E / } <$tcp>;
    return unless $inode;
    for my $fd (glob '/proc/[0-9]*/fd/*') {
        my ($pid) = $fd =~ m{^/proc/(\d+)/};
        next if $pid == $$;
        my $to = readlink $fd;
        return $pid if defined $to && $to eq "socket:[$inode]";
    }
    return;
}

1;
