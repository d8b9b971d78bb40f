# A CGI variable longer than one FastCGI record (65535 bytes of name and
# value) cannot be sent: it is left out with a warning (PA00314), and the
# request goes on with the others. A server that allows request header
# fields that long (LimitRequestFieldSize) is the way to get one.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 7;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(conf => <<"EOF");
LimitRequestFieldSize 200000
PreforkApp lvars "$echo" processes=1
<Location /lvars>
    SetHandler prefork-app:lvars
</Location>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);

sub get_with {
    my $res = $h->get_host('127.0.0.1', '/lvars', @_);
    return ($res->{status}, $res->{content});
}

my $off = error_log_offset($h->log_file);
my ($status, $body) = get_with('X-Big: ' . ('b' x 70000), 'X-Small: s');
is($status, 200, 'a request with a 70000-byte header is served');
unlike($body, qr/^HTTP_X_BIG=/m, 'the variable too long for a record is left out');
like($body, qr/^HTTP_X_SMALL=s$/m, 'the others reach the app');
like(error_log_since($off, $h->log_file),
     qr/PA00314: lvars: 1 variable\(s\) longer than a FastCGI record left out/,
     'and it is said (PA00314)');
# Just under the record's limit: sent.
($status, $body) = get_with('X-Big: ' . ('b' x 65000));
my ($got) = $body =~ /^HTTP_X_BIG=(b*)$/m;
ok($status == 200 && defined $got && length($got) == 65000, 'a 65000-byte one is sent whole')
    or diag("status $status, " . length($body) . ' bytes');
ok($h->stop, 'stopped');
