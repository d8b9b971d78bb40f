# The configuration examples in README.md and docs/*.md are what admins
# paste: every ```apache block that sets this module up passes `httpd -t`
# (with the programs it names that this machine lacks replaced by the
# sample app, a PreforkAppScripts directory it lacks by the sample app's,
# and its LoadModule line left to the test's own). So do the
# blocks of docs/migrating.md that show a peer's setup (mod_fcgid,
# mod_proxy_fcgi), with the peer's modules loaded, where they are installed.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

my $src = $ENV{PA_SRCDIR} or die "PA_SRCDIR is not set (run through t/TEST.PL)\n";
my $hello = hello_path();
my $apps = app_path();
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
            if (grep { /PreforkApp|prefork-app/ } @lines) {
                push @blocks, [ "$file:$start", [ @lines ] ];
            }
            elsif (grep { /^\s*Fcgid|fcgid-script/ } @lines) {
                push @blocks, [ "$file:$start", [ @lines ], [ 'fcgid' ] ];
            }
            elsif (grep { /proxy:unix:.*fcgi:/ } @lines) {
                push @blocks, [ "$file:$start", [ @lines ],
                                [ 'proxy', 'proxy_fcgi' ] ];
            }
        }
        elsif ($in) {
            chomp $l;
            push @lines, $l;
        }
    }
}

plan tests => 2 + @blocks;
ok(@blocks >= 3, 'examples found (README.md, docs/migrating.md, docs/status.md)')
    or diag(scalar @blocks);
ok((grep { $_->[2] } @blocks) >= 2, "the peers' examples found (docs/migrating.md)")
    or diag(scalar @blocks);

my $lib = libexecdir();
for my $b (@blocks) {
    my ($where, $lines, $peers) = @$b;
    my @missing = grep { !-f "$lib/mod_$_.so" } @{ $peers || [] };
    if (@missing) {
        SKIP: { skip("$where: no mod_$missing[0] here", 1) }
        next;
    }
    my @conf = map {
        my $l = $_;
        $l =~ s{^(\s*PreforkApp\s+\S+\s+")(\S+)}{-x $2 ? "$1$2" : "$1$hello"}e;
        $l =~ s{^(\s*FcgidWrapper\s+)(\S+)}{-x $2 ? "$1$2" : "$1$hello"}e;
        $l =~ s{^(\s*PreforkAppScripts\s+\S+\s+")([^"]*)/}{-d $2 ? "$1$2/" : "$1$apps/"}e;
        $l
    } grep { !/^\s*LoadModule\s+prefork_app_module\b/ } @$lines;
    unshift @conf, map { qq{LoadModule ${_}_module "$lib/mod_$_.so"} }
                       @{ $peers || [] };
    my %r = configtest(@conf);
    ok($r{rc} == 0 && $r{out} =~ /Syntax OK/, "$where passes httpd -t")
        or diag("httpd -t said (exit $r{rc}):\n$r{out}\n--- the block as tested:\n" . join("\n", @conf));
}
