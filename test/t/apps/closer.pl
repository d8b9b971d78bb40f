#!/usr/bin/perl
# A FastCGI app (raw protocol) that closes its connection a moment after
# each reply, whatever FCGI_KEEP_CONN asks, as node-fastcgi and ruby-fcgi
# do: their close follows FCGI_END_REQUEST from the event loop. It reads
# nothing more before it closes. Its listen socket is fd 0.
use strict;
use warnings;
use IO::Socket::UNIX;
use Time::HiRes qw(sleep);

my $listen = IO::Handle->new_from_fd(0, 'r') or die "fd 0: $!";
bless $listen, 'IO::Socket::UNIX';

sub get {
    my ($c, $n) = @_;
    my $buf = '';
    while (length($buf) < $n) {
        my $got = sysread($c, $buf, $n - length($buf), length($buf));
        return undef unless $got;
    }
    return $buf;
}

sub record {
    my ($type, $id, $data) = @_;
    return pack('CCnnCC', 1, $type, $id, length($data), 0, 0) . $data;
}

while (my $c = $listen->accept) {
    my ($id, $done) = (0, 0);
    while (!$done) {
        my $h = get($c, 8) or last;
        my (undef, $type, $rid, $len, $pad) = unpack('CCnnC', $h);
        my $body = $len + $pad ? get($c, $len + $pad) : '';
        last unless defined $body;
        $id = $rid if $type == 1;
        $done = $type == 5 && $len == 0;        # the end of FCGI_STDIN
    }
    if ($done) {
        syswrite($c, record(6, $id, "Content-Type: text/plain\r\n\r\nok\n")
                     . record(6, $id, '')
                     . record(3, $id, pack('NCCCC', 0, 0, 0, 0, 0)));
        sleep 0.005;
    }
    close $c;
}
