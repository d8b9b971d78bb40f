package PAH2;
# The least of an HTTP/2 client over cleartext (h2c, prior knowledge), to
# drive mod_http2 streams the way a browser does: several streams on one
# connection, one of them reset (RST_STREAM) while the others go on.
# Request headers are sent as HPACK literals (no table, no Huffman); the
# response is read as raw frames: DATA payloads are collected per stream,
# response headers are not decoded.
#
#   my $c = PAH2->connect($port);
#   $c->request(1, 'GET', '/path');
#   $c->request(3, 'POST', '/path', $body);      # up to 64 KB
#   $c->reset(1);
#   my $data = $c->read_data(3);      # the body of stream 3, once it ended
use strict;
use warnings;
use IO::Socket::INET ();
use IO::Select ();
use Time::HiRes ();

sub connect {
    my ($class, $port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 10)
        or die "connect 127.0.0.1:$port: $!";
    binmode $s;
    my $self = bless { s => $s, buf => '', data => {}, ended => {} }, $class;
    $self->_send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" . _frame(4, 0, 0, ''));
    return $self;
}

sub _frame {
    my ($type, $flags, $sid, $payload) = @_;
    return substr(pack('N', length $payload), 1) . pack('CCN', $type, $flags, $sid) . $payload;
}

# A header field as an HPACK literal without indexing, lengths under 127.
sub _literal {
    my ($name, $value) = @_;
    die "header too long for PAH2" if length($name) > 126 || length($value) > 126;
    return pack('CC', 0, length $name) . $name . pack('C', length $value) . $value;
}

sub _send {
    my ($self, $bytes) = @_;
    # A connection the server closed: an error to die on, so that the
    # test's httpd is still stopped (SIGPIPE would kill the test at once).
    local $SIG{PIPE} = 'IGNORE';
    print { $self->{s} } $bytes or die "send: $!";
}

# request($stream_id, $method, $path[, $body[, 'nolength']]): odd stream
# ids, increasing. With 'nolength' the body goes without a content-length
# (HTTP/2 needs none).
sub request {
    my ($self, $sid, $method, $path, $body, $nolength) = @_;
    my $block = _literal(':method', $method) . _literal(':scheme', 'http')
              . _literal(':path', $path) . _literal(':authority', '127.0.0.1');
    $block .= _literal('content-length', length $body) if defined $body && !$nolength;
    # END_HEADERS, and END_STREAM when there is no body.
    $self->_send(_frame(1, defined $body ? 0x4 : 0x5, $sid, $block));
    return unless defined $body;
    # Frames of at most 16 KB, the default maximum; the body must fit the
    # initial flow-control window (64 KB): window updates are not awaited.
    die "body too long for PAH2" if length $body > 65535;
    for (my $at = 0; ; $at += 16384) {
        my $part = substr($body, $at, 16384);
        my $last = $at + 16384 >= length $body;
        $self->_send(_frame(0, $last ? 0x1 : 0, $sid, $part));
        last if $last;
    }
}

# Cancel a stream, as a browser does for a closed tab.
sub reset {
    my ($self, $sid) = @_;
    $self->_send(_frame(3, 0, $sid, pack('N', 8)));     # CANCEL
}

sub close {
    my $self = shift;
    close $self->{s};
}

# Reads frames until stream $sid has ended (END_STREAM, or reset by the
# server) or $timeout seconds passed; returns its DATA, undef on time-out.
# With $bytes, returns once that much of its DATA came (the stream may go
# on: a later call returns all of it). SETTINGS are acknowledged and DATA
# credited back, so long bodies flow.
sub read_data {
    my ($self, $sid, $timeout, $bytes) = @_;
    my $until = Time::HiRes::time() + ($timeout || 30);
    my $sel = IO::Select->new($self->{s});
    while (!$self->{ended}{$sid}
           && !($bytes && length($self->{data}{$sid} // '') >= $bytes)) {
        my $left = $until - Time::HiRes::time();
        return undef if $left <= 0 || !$sel->can_read($left);
        my $got = sysread($self->{s}, my $chunk, 65536);
        return undef unless $got;
        $self->{buf} .= $chunk;
        while (length $self->{buf} >= 9) {
            my ($l1, $l2, $type, $flags, $id) = unpack('CnCCN', $self->{buf});
            my $len = ($l1 << 16) | $l2;
            last if length $self->{buf} < 9 + $len;
            my $payload = substr($self->{buf}, 9, $len);
            substr($self->{buf}, 0, 9 + $len) = '';
            $id &= 0x7fffffff;
            if ($type == 4 && !($flags & 0x1)) {
                $self->_send(_frame(4, 0x1, 0, ''));            # SETTINGS ack
            }
            elsif ($type == 0) {
                if ($flags & 0x8) {                            # PADDED
                    my $pad = unpack('C', $payload);
                    $payload = substr($payload, 1, length($payload) - 1 - $pad);
                }
                $self->{data}{$id} .= $payload;
                if ($len) {
                    my $credit = pack('N', $len);
                    $self->_send(_frame(8, 0, 0, $credit) . _frame(8, 0, $id, $credit));
                }
            }
            $self->{ended}{$id} = 1
                if (($type == 0 || $type == 1) && ($flags & 0x1)) || $type == 3;
        }
    }
    return $self->{data}{$sid} // '';
}

1;
