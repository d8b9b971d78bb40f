#!/usr/bin/perl
# The Perl (FCGI.pm) twin of scripts/apps/echo.c for the differential test
# (t/21_differential.t). Its listen socket is fd 0. Query parameters:
# status=N, redirect=URL, bytes=N, echo=body; otherwise the body lists the
# method, the variables (sorted) and the request body's length.
use strict;
use warnings;
use FCGI;

my %env;
my $req = FCGI::Request(\*STDIN, \*STDOUT, \*STDERR, \%env);

sub param {
    my ($qs, $key) = @_;
    for my $pair (split /&/, $qs) {
        my ($k, $v) = split /=/, $pair, 2;
        next unless defined $v && $k eq $key;
        $v =~ tr/+/ /;
        $v =~ s/%([0-9A-Fa-f]{2})/chr(hex($1))/ge;
        return $v;
    }
    return undef;
}

while ($req->Accept() >= 0) {
    binmode STDIN;
    binmode STDOUT;
    my $body = '';
    while (read(STDIN, my $chunk, 65536)) {
        $body .= $chunk;
    }
    my $qs = $env{QUERY_STRING} // '';
    my ($v, $head) = (undef, '');
    $head .= "Status: $v\r\n" if defined($v = param($qs, 'status'));
    $head .= "Location: $v\r\n" if defined($v = param($qs, 'redirect'));
    if (defined($v = param($qs, 'echo')) && $v eq 'body') {
        print "Content-Type: application/octet-stream\r\n$head\r\n", $body;
    }
    elsif (defined($v = param($qs, 'bytes'))) {
        my $pattern = "0123456789abcdefghijklmnopqrstuvwxyz\n";
        my $out = $pattern x (int($v / length($pattern)) + 1);
        print "Content-Type: application/octet-stream\r\n$head\r\n", substr($out, 0, $v);
    }
    else {
        print "Content-Type: text/plain; charset=utf-8\r\n$head\r\n";
        print "method=$env{REQUEST_METHOD}\n";
        print "$_=$env{$_}\n" for sort keys %env;
        print "body_length=", length($body), "\n";
    }
    $req->Finish();
}
