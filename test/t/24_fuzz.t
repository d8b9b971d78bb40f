# Damaged replies (scripts/apps/bad.c mode=fuzz: a correct reply hurt at
# random, the same way for the same seed): FastCGI with its record framing
# damaged, and SCGI (bad --scgi) cut, with noise put in or a stretch
# repeated. Whatever arrives, the client gets the reply, a 502, or a reply
# cut short after its headers went out; never a hang, never a crashed
# httpd child or manager; each 502 is logged with the app's name; the app
# serves on.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(:all);

my $SEEDS = 400;
my @apps = qw(dfuzz dfuzzs);

plan tests => 3 + 6 * @apps;

my $http = http();
my $base = base_url();
my $manager = (status_json() || {})->{manager}{pid};
ok($manager, 'the manager is up');
my $start = error_log_offset();

for my $app (@apps) {
    ok(wait_for(sub { ((app_status($app) || {})->{processes} || {})->{idle} }),
       "$app: a worker is idle");
    my $off = error_log_offset();
    my (%seen, @odd);
    for my $seed (1 .. $SEEDS) {
        my $res = $http->get("$base/$app?mode=fuzz&seed=$seed");
        my $st = $res->{status};
        # HTTP::Tiny says 599 for a response it could not read to its end.
        my $kind = $st == 200 ? 'reply'
                 : $st == 502 ? 'bad gateway'
                 : $st == 599 && $res->{content} !~ /timed out|connect/i ? 'cut short'
                 : 'other';
        $seen{$kind}++;
        push @odd, "seed $seed: $st " . substr($res->{content}, 0, 200) if $kind eq 'other';
    }
    note("$app: " . join ', ', map { "$_ $seen{$_}" } sort keys %seen);
    is(scalar @odd, 0, "$app: every damaged reply ends as the reply, a 502 or a reply cut short")
        or diag(join "\n", @odd[0 .. ($#odd < 9 ? $#odd : 9)]);
    # The seeds do damage both ways (else the test would check nothing).
    ok($seen{'bad gateway'} && $seen{reply}, "$app: some replies survive their damage, some are 502s");
    my $lines = () = error_log_since($off) =~ /PA00[34]\d\d: $app: /g;
    cmp_ok($lines, '>=', $seen{'bad gateway'} || 0, "$app: each 502 is logged with the app name");
    is($http->get("$base/$app?mode=ok")->{status}, 200, "$app: the app still serves");
    ok(wait_for(sub { ((app_status($app) || {})->{processes} || {})->{total} == 2 }),
       "$app: both workers are back");
}
unlike(error_log_since($start), qr/exit signal|seg fault|AddressSanitizer|runtime error/,
       'no httpd child or manager died');
is((status_json() || {})->{manager}{pid}, $manager, 'the same manager is up');
