#!/usr/bin/perl
# status_app: the FastCGI worker of the status tests (t/3x_status*.t).
# Listens on fd 0, as every worker of mod_prefork_app does.
#
#   usage: status_app.pl HOLD_DIR
#
# A request whose query has hold=NAME stays in flight (its worker busy) until
# the file HOLD_DIR/NAME exists, so a test can look at a busy worker without
# betting on timing. cache=N makes the answer shareable for N seconds
# (Cache-Control: public, max-age=N); status=NNN answers with that status.
# Every answer names the worker's pid.
use strict;
use warnings;
use FCGI;

my $hold_dir = shift or die "usage: $0 HOLD_DIR\n";
my %env;
my $req = FCGI::Request(\*STDIN, \*STDOUT, \*STDERR, \%env);

while ($req->Accept() >= 0) {
    my $query = $env{QUERY_STRING} || '';
    my ($hold) = $query =~ /(?:^|&)hold=(\w+)/;
    my ($ttl) = $query =~ /(?:^|&)cache=(\d+)/;
    my ($status) = $query =~ /(?:^|&)status=(\d{3})(?:&|$)/;
    my ($sleep) = $query =~ /(?:^|&)sleep=([\d.]+)/;
    select(undef, undef, undef, $sleep) if $sleep;
    if ($hold) {
        # Bounded (60 s) so that a failed test cannot leave it stuck.
        for (1 .. 1200) {
            last if -e "$hold_dir/$hold";
            select(undef, undef, undef, 0.05);
        }
    }
    print "Content-Type: text/plain\r\n",
          $status ? "Status: $status\r\n" : '',
          $ttl ? "Cache-Control: public, max-age=$ttl\r\n" : '',
          "\r\nstatus_app pid $$\n";
}
