#!/usr/bin/perl
# A Perl FCGI app that handles SIGTERM itself, as FCGI::ProcManager and
# plackup do: told to go, it leaves between requests (the textbook loop
# with FAIL_ACCEPT_ON_INTR, so that a signal in accept() ends the wait).
use strict;
use warnings;
use FCGI;

my $exit = 0;
$SIG{TERM} = sub { $exit = 1 };
my %env;
my $req = FCGI::Request(\*STDIN, \*STDOUT, \*STDERR, \%env, 0,
                        FCGI::FAIL_ACCEPT_ON_INTR());
while (!$exit && $req->Accept() >= 0) {
    print "Content-Type: text/plain\r\n\r\npid=$$\n";
    $req->Finish();
}
exit 0;
