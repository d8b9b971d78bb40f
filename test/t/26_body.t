# Request bodies: LimitRequestBody is honoured for plain and chunked bodies
# (413 before a worker is involved), and a body larger than what is buffered
# is streamed to the app whole.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(:all);

plan tests => 5;

my $http = http();
my $base = base_url();
my $ct = { 'Content-Type' => 'application/octet-stream' };

my $res = $http->post("$base/dlimit?echo=body", { headers => $ct, content => 'x' x 2000 });
is($res->{status}, 413, 'Content-Length over LimitRequestBody: 413');
my @parts = ('y' x 600) x 3;
$res = $http->post("$base/dlimit?echo=body", { headers => $ct, content => sub { shift @parts } });
is($res->{status}, 413, 'chunked body over LimitRequestBody: 413');
$res = $http->post("$base/dlimit?echo=body", { headers => $ct, content => 'z' x 900 });
is($res->{status}, 200, 'under the limit: served');

# 5 MB: far more than the 64 KiB read before a worker is claimed.
my $big = join '', map { pack 'N', $_ } 1 .. 1310720;
$res = $http->post("$base/dretry?echo=body", { headers => $ct, content => $big });
is($res->{status}, 200, '5 MB body: served');
ok($res->{content} eq $big, '5 MB body: the app got all of it');
