#!/usr/bin/perl
# A FastCGI app that forks its own children, which all accept on the
# listen socket it was given (fd 0), as FCGI::ProcManager, fcgiwrap -c N and
# php-cgi with PHP_FCGI_CHILDREN do. Arguments: the number of children
# (default 2); --hold: the parent ignores SIGTERM and waits for its
# children forever (FCGI::ProcManager waiting for children blocked in
# accept), else SIGTERM ends the parent alone (fcgiwrap -c). Each reply
# says "pid=P ppid=Q"; ?sleep=N: after N seconds.
use strict;
use warnings;
use FCGI;
use POSIX ();

my $hold = grep { $_ eq '--hold' } @ARGV;
my ($n) = grep { /^\d+$/ } @ARGV;
$n ||= 2;

for (1 .. $n) {
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    next if $pid;
    my %env;
    my $req = FCGI::Request(\*STDIN, \*STDOUT, \*STDERR, \%env);
    while ($req->Accept() >= 0) {
        sleep $1 if ($env{QUERY_STRING} // '') =~ /\bsleep=(\d+)/;
        print "Content-Type: text/plain\r\n\r\npid=$$ ppid=", getppid(), "\n";
    }
    POSIX::_exit(0);
}
# (Loading FCGI.pm catches SIGTERM: put back what the parent is to do.)
$SIG{TERM} = $hold ? 'IGNORE' : 'DEFAULT';
# The parent serves nothing: it waits for its children (and a signal).
1 while wait() > 0 || $hold && sleep 1;
exit 0;
