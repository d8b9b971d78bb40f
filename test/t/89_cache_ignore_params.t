# cache-ignore-params=utm_*,fbclid: query parameters the cache key leaves
# out (campaign tags that every link of a newsletter carries), so that
# /page?id=1&utm_source=mail is the page stored for /page?id=1. The app
# still gets the whole query; the other parameters, and their order, stay
# in the key; an app without the key is as before.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 28;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkAppCache gz 1M
PreforkApp gecho "$echo" processes=1 cache=gz cache-ignore-params=utm_*,fbclid,x-?
<Location /g>
    SetHandler prefork-app:gecho
</Location>
PreforkApp pecho "$echo" processes=1 cache=gz
<Location /p>
    SetHandler prefork-app:pecho
</Location>
EOF
ok($h->start, 'private httpd: an app whose cache key leaves out utm_*, fbclid and x-?')
    or diag($h->error_log);

my $cc = 'header=Cache-Control:max-age%3D60';
sub got {
    my $r = HTTP::Tiny->new(timeout => 60)->request($_[1] // 'GET', $h->url($_[0]));
    return ($r->{status} == 200 ? $r->{headers}{'x-prefork-app-cache'} // '-' : "status $r->{status}", $r);
}
sub state_of { (got(@_))[0] }
sub query_of { $_[0]{content} =~ /^QUERY_STRING=(.*)$/m ? $1 : '?' }

my ($s1, $r1) = got("/g/a?id=1&$cc&utm_source=mail");
is($s1, 'MISS', 'first request, with utm_source: a miss');
is(query_of($r1), "id=1&$cc&utm_source=mail", 'the app got the whole query');
my ($s2, $r2) = got("/g/a?id=1&$cc&utm_source=web&utm_medium=x");
is($s2, 'HIT', 'other utm_ values: the same page');
is($r2->{content}, $r1->{content}, '... the stored one');
is(state_of("/g/a?id=1&$cc"), 'HIT', 'without them: the same page');
is(state_of("/g/a?utm_campaign=z&id=1&fbclid=abc&$cc"), 'HIT', 'fbclid, and one before the others: the same page');
is(state_of("/g/a?id=1&$cc&x-1=a"), 'HIT', 'a name matched by x-?');
is(state_of("/g/a?id=1&$cc&x-12=a"), 'MISS', 'x-12 is not x-?: another page');
is(state_of("/g/a?id=1&$cc&utm=a"), 'MISS', 'utm is not utm_*: another page');
is(state_of("/g/a?id=2&$cc&utm_source=mail"), 'MISS', 'another id: another page');
is(state_of("/g/a?$cc&id=1"), 'MISS', 'the others in another order: another page');

# Rack, CGI.pm and Plack split the query on ';' as well: in
# utm_source=x;id=666 they read id=666, which must not leave the key
# (parameter cloaking: that page would be stored as id=1's).
my ($sc, $rc) = got("/g/a?id=1&$cc&utm_source=x;id=666");
is($sc, 'MISS', "an ignored name with ';' in its pair: another page");
is(query_of($rc), "id=1&$cc&utm_source=x;id=666", '... the app got that query');
isnt(state_of("/g/a?id=1&$cc&utm_source=y;id=666"), 'HIT', "... not the page of another such pair");

# All of the query ignored: the page without a query.
is(state_of('/g/b?utm_source=a'), '-', 'a page that cannot be stored (no max-age), ignored query');
my $plain = "/g/c?$cc";
is(state_of($plain), 'MISS', 'a page stored');
is(state_of("$plain&fbclid=1"), 'HIT', '... found with an ignored parameter added');

# A write drops the page under the same key.
my ($sw) = got("/g/a?id=1&$cc&utm_source=post", 'POST');
is($sw, '-', 'a POST to the page, with a utm_source');
is(state_of("/g/a?id=1&$cc"), 'MISS', 'dropped the page stored without it');

# Another app keeps the whole query in its key.
is(state_of("/p/a?id=1&$cc&utm_source=mail"), 'MISS', 'an app without the key: a miss');
is(state_of("/p/a?id=1&$cc&utm_source=web"), 'MISS', 'another utm_source: another page');

is_deeply((($h->app('gecho') || {})->{cache} || {})->{ignore_params}, ['utm_*', 'fbclid', 'x-?'],
          'the status page lists them (JSON cache.ignore_params)');

# configtest: without cache=, and a name with '='.
my $hello = app_path('hello');
my %r = configtest(qq{PreforkApp a "$hello" cache-ignore-params=utm_*});
# The message alone could be a warning of a configuration httpd takes.
ok($r{rc} != 0, 'cache-ignore-params= without cache=: configtest exits non-zero') or diag($r{out});
like($r{out}, qr/PA00021: \Q$r{file}\E:$r{first}: PreforkApp a: cache-ignore-params=utm_\* without cache=ZONE/,
     'cache-ignore-params= without cache=: configtest fails (PA00021)') or diag($r{out});
%r = configtest(qq{PreforkAppCache z 1M}, qq{PreforkApp a "$hello" cache=z cache-ignore-params=a=1});
ok($r{rc} != 0, 'a name with = : configtest exits non-zero') or diag($r{out});
like($r{out}, qr/cache-ignore-params=a=1: 'a=1' is no parameter name/, 'a name with = : refused')
    or diag($r{out});

ok($h->stop, 'stopped');
