# The configuration examples in README.md and docs/*.md are what admins
# paste: every ```apache block that sets this module up passes `httpd -t`
# (with the programs it names that this machine lacks replaced by the
# sample app, and its LoadModule line left to the test's own).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

my $src = $ENV{PA_SRCDIR} or die "PA_SRCDIR is not set (run through t/TEST.PL)\n";
my $hello = hello_path();
my @blocks;
for my $file ("$src/README.md", sort glob("$src/docs/*.md")) {
    open my $fh, '<', $file or die "$file: $!";
    my ($in, $start, @lines);
    while (my $l = <$fh>) {
        if (!$in && $l =~ /^```apache\s*$/) {
            ($in, $start, @lines) = (1, $.);
        }
        elsif ($in && $l =~ /^```\s*$/) {
            $in = 0;
            push @blocks, [ "$file:$start", [ @lines ] ]
                if grep { /PreforkApp|prefork-app/ } @lines;
        }
        elsif ($in) {
            chomp $l;
            push @lines, $l;
        }
    }
}

plan tests => 1 + @blocks;
ok(@blocks >= 3, 'examples found (README.md, docs/migrating.md, docs/status.md)')
    or diag(scalar @blocks);

for my $b (@blocks) {
    my ($where, $lines) = @$b;
    my @conf = map {
        my $l = $_;
        $l =~ s{^(\s*PreforkApp\s+\S+\s+")(\S+)}{-x $2 ? "$1$2" : "$1$hello"}e;
        $l
    } grep { !/^\s*LoadModule\s+prefork_app_module\b/ } @$lines;
    my %r = configtest(@conf);
    ok($r{rc} == 0 && $r{out} =~ /Syntax OK/, "$where passes httpd -t")
        or diag("httpd -t said (exit $r{rc}):\n$r{out}\n--- the block as tested:\n" . join("\n", @conf));
}
