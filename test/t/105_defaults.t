# The defaults DESIGN.md and README promise for a PreforkApp given no keys,
# as the status page reports the pool it made: 4 workers (static), spare
# 1-4, never recycled by count or age, idle-timeout 60, request-timeout 60,
# queue-timeout 30, FastCGI over kept connections; and a dynamic pool given
# only processes=MIN-MAX keeps spare 1-4.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 7;

my $hello = hello_path();
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
PreforkApp plain "$hello"
PreforkApp dyn "$hello" processes=2-16
EOF2
ok($h->start, 'private httpd: an app with no keys, one with processes=2-16 alone')
    or diag($h->error_log);

my $plain = $h->app('plain') || {};
my $pool = $plain->{pool} || {};
is(join(' ', map { "$_=" . ($pool->{$_} // 'undef') }
             qw(mode min max spare_min spare_max)),
   'mode=static min=4 max=4 spare_min=1 spare_max=4',
   'no keys: a static pool of 4 (spare 1-4)');
is(join(' ', map { "$_=" . ($pool->{$_} // 'undef') }
             qw(max_requests lifetime idle_timeout request_timeout queue_timeout)),
   'max_requests=0 lifetime=0 idle_timeout=60 request_timeout=60 queue_timeout=30',
   'never recycled by count or age; idle-timeout 60, request-timeout 60, queue-timeout 30');
is(($plain->{protocol} // '') . ' ' . ($plain->{connections} // ''), 'fastcgi kept',
   'FastCGI, over kept connections');
ok(wait_for(sub { (($h->app('plain') || {})->{processes} || {})->{total} == 4 }),
   'and 4 workers run');

my $dyn = ($h->app('dyn') || {})->{pool} || {};
is(join(' ', map { "$_=" . ($dyn->{$_} // 'undef') } qw(mode min max spare_min spare_max)),
   'mode=dynamic min=2 max=16 spare_min=1 spare_max=4',
   'processes=2-16 alone: a dynamic pool, spare 1-4');

ok($h->stop, 'stopped');
