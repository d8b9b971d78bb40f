# user=/group= apply only when httpd starts as root (README). Started as
# another user, httpd runs every worker as itself: an app with cache= and
# user= someone else gets its zone all the same (PREFORK_APP_CACHE), and
# the configuration test does not warn that its workers could not attach
# (PA00010 is for root, whose workers do switch).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan skip_all => 'httpd runs as root here' if $> == 0;
plan tests => 5;

my $cachectl = app_path('cachectl');
my $conf = qq{PreforkAppCache uz 1M\n}
         . qq{PreforkApp uzapp "$cachectl" processes=1 cache=uz user=nobody group=nogroup\n}
         . qq{<Location /uz>\n    SetHandler prefork-app:uzapp\n</Location>\n};

my %t = PATest::configtest(split /\n/, $conf);
is($t{rc}, 0, 'the configuration test passes');
unlike($t{out}, qr/PA00010/, 'without warning that the workers cannot attach to the zone')
    or diag($t{out});

my $h = PATest::Httpd->new(status => 1, conf => $conf);
ok($h->start, 'httpd starts') or diag($h->error_log);
my $res = $h->get('/uz/k?count=c');
is("$res->{status} $res->{content}", "200 1\n",
   'its worker has the zone (a counter kept in it)') or diag(explain($res));
ok($h->stop, 'stopped');
