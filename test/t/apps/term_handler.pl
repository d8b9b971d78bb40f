#!/usr/bin/perl
# A Perl FCGI app that handles SIGTERM itself: told to go, it leaves
# between requests (the textbook loop with FAIL_ACCEPT_ON_INTR, so that a
# signal in accept() ends the wait). With a FILE argument it has a graceful
# end of its own: at its first SIGTERM it takes the default action back (a
# second one ends it at once, as many apps have it), spends a while saving
# its state, then says so in FILE.
use strict;
use warnings;
use FCGI;

my $saved = shift;
my $exit = 0;
$SIG{TERM} = sub { $exit = 1; $SIG{TERM} = 'DEFAULT' if $saved };
my %env;
my $req = FCGI::Request(\*STDIN, \*STDOUT, \*STDERR, \%env, 0,
                        FCGI::FAIL_ACCEPT_ON_INTR());
while (!$exit && $req->Accept() >= 0) {
    print "Content-Type: text/plain\r\n\r\npid=$$\n";
    $req->Finish();
}
if ($saved) {
    sleep 3;                    # saving its state
    open my $fh, '>>', $saved or die "$saved: $!";
    print $fh "saved by $$\n";
    close $fh;
}
exit 0;
