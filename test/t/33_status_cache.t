# The status page shows a cache zone's real figures. statuscached
# (t/conf/pa_status.conf.in) stores its shareable answers in statuszone, which
# no other app uses: one cacheable page fetched twice is one miss that fills
# an entry and one hit, and JSON, HTML and metrics all say so.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);
use PATest qw(:all);
use PAStatus qw(:all);

my $ZONE = 'statuszone';

sub zone {
    my $doc = status_json() or return undef;
    my ($z) = grep { $_->{name} eq $ZONE } @{ $doc->{cache_zones} || [] };
    return $z;
}

my $z0 = wait_for(sub { my $z = zone(); $z && $z->{stats} ? $z : undef });
ok($z0, "JSON: $ZONE with statistics") or do {
    diag(explain(status_json()));
    done_testing();
    exit;
};
ok(wait_for(sub { my $a = app_status('statuscached'); $a && $a->{processes}{idle} == 1 }, timeout => 60),
   'statuscached is up');
my %s0 = %{ $z0->{stats} };

my $path = "/statuscached/page$$?cache=300";
my $first = GET($path);
is($first->code, 200, 'first fetch: 200 (from the app)');
my $second = GET($path);
is($second->code, 200, 'second fetch: 200');
is($second->content, $first->content, 'second fetch: the same answer');

my $z1 = wait_for(sub {
    my $z = zone() or return;
    return $z->{stats}{hits} == $s0{hits} + 1 ? $z : undef;
});
ok($z1, 'JSON: hits +1') or diag(explain(zone()));
my %s1 = %{ ($z1 || zone())->{stats} };
is($s1{misses}, $s0{misses} + 1, 'JSON: misses +1');
is($s1{entries}, $s0{entries} + 1, 'JSON: entries +1');
cmp_ok($s1{used_bytes}, '>', $s0{used_bytes}, 'JSON: more bytes used');
my $ratio = ($s1{hits} + $s1{misses}) ? $s1{hits} / ($s1{hits} + $s1{misses}) : 0;
cmp_ok(abs($s1{hit_ratio} - $ratio), '<', 0.0001, 'JSON: hit ratio = hits / lookups');
is($s1{evictions}, $s0{evictions}, 'JSON: no eviction in a nearly empty zone');

my ($m, @errors) = parse_metrics(GET('/app-status?metrics')->content);
ok(!@errors, 'metrics: valid') or diag(join "\n", @errors);
is(metric_value($m, 'prefork_app_cache_hits_total', zone => $ZONE), $s1{hits}, 'metrics: hits');
is(metric_value($m, 'prefork_app_cache_misses_total', zone => $ZONE), $s1{misses}, 'metrics: misses');
is(metric_value($m, 'prefork_app_cache_entries', zone => $ZONE), $s1{entries}, 'metrics: entries');

my $c = (app_status('statuscached') || {})->{cache} || {};
is(join(' ', map { $c->{$_} // '-' } qw(zone stale_while_revalidate stale_if_error lock)),
   "$ZONE 0 0 0", 'JSON: the app\'s cache settings (zone, stale windows, lock)');
ok(exists $c->{ignore_params} && !defined $c->{ignore_params}, 'JSON: no ignored parameters');

my $html = GET('/app-status')->content;
like($html, qr{<dt>Cache: zone \Q$ZONE\E, stale-while-revalidate off, stale-if-error off, cache-lock off, cache-ignore-params none</dt>},
     'HTML: the app\'s cache settings');
my ($row) = $html =~ m{(<tr><td>\Q$ZONE\E</td>.*?</tr>)};
ok($row, 'HTML: a row for the zone');
like($row || '', qr{<td>$s1{entries}</td><td>\Q@{[ sprintf '%.1f%%', 100 * $ratio ]}\E</td>},
     'HTML: entries and hit ratio');

done_testing();
