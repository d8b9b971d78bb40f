package PAStatus;
# Readers of the status page for t/3x_status*.t: a strict parser of the
# Prometheus text format 0.0.4 (the subset the format allows, no leniency),
# `promtool check metrics` when Debian's prometheus package is installed,
# and small lookups.
#
#   my ($m, @errors) = parse_metrics($text);
#   metric_value($m, 'prefork_app_requests_total', app => 'x')
use strict;
use warnings;

use Exporter 'import';
use File::Temp ();

our @EXPORT_OK = qw(parse_metrics metric_value promtool promtool_check);
our %EXPORT_TAGS = (all => \@EXPORT_OK);

my $NAME  = qr/[a-zA-Z_:][a-zA-Z0-9_:]*/;
my $LNAME = qr/[a-zA-Z_][a-zA-Z0-9_]*/;
my $FLOAT = qr/[+-]?(?:\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Inf|NaN)/;
my %TYPES = map { $_ => 1 } qw(counter gauge summary histogram untyped);

# The family a sample name belongs to, given the declared types.
sub _family_of {
    my ($name, $types) = @_;
    return $name if $types->{$name};
    if ($name =~ /^(.*)_(sum|count)$/) {
        my $f = $1;
        return $f if ($types->{$f} || '') =~ /^(?:summary|histogram)$/;
    }
    if ($name =~ /^(.*)_bucket$/ && ($types->{$1} || '') eq 'histogram') {
        return $1;
    }
    return undef;
}

# Label set "{a="x",b="y"}" (without braces) -> ({ a => 'x', ... }, error).
sub _labels {
    my $s = shift;
    my %l;
    while (length $s) {
        $s =~ s/^($LNAME)="((?:[^"\\\n]|\\[\\"n])*)"// or return (undef, "bad label syntax at '$s'");
        my ($k, $v) = ($1, $2);
        return (undef, "duplicate label $k") if exists $l{$k};
        $v =~ s/\\(.)/$1 eq 'n' ? "\n" : $1/ge;
        $l{$k} = $v;
        last unless length $s;
        $s =~ s/^,// or return (undef, "expected ',' at '$s'");
    }
    return (\%l, undef);
}

# parse_metrics($text) -> ($families, @errors). $families: name =>
# { type, help, samples => [ { name, labels => {..}, value } ] }.
# Errors: anything the 0.0.4 format forbids, plus the lint rules we keep
# (HELP and TYPE for every family; counters end in _total, others do not).
sub parse_metrics {
    my $text = shift;
    my (%fam, %types, %seen_series, @errors, $current, %closed);
    my $n = 0;

    push @errors, 'output does not end with a newline' if length $text && $text !~ /\n\z/;
    for my $line (split /\n/, $text) {
        $n++;
        my $err = sub { push @errors, "line $n: $_[0]: $line" };
        if ($line =~ /^# HELP ($NAME) ((?:[^\\\n]|\\[\\n])*)$/) {
            my $f = $1;
            $err->("second HELP for $f") if defined $fam{$f}{help};
            $err->("HELP after samples of $f") if $fam{$f}{samples} && @{ $fam{$f}{samples} };
            $fam{$f}{help} = $2;
            next;
        }
        if ($line =~ /^# TYPE ($NAME) (\S+)$/) {
            my ($f, $t) = ($1, $2);
            $err->("unknown type $t") unless $TYPES{$t};
            $err->("second TYPE for $f") if $types{$f};
            $err->("TYPE after samples of $f") if $fam{$f}{samples} && @{ $fam{$f}{samples} };
            $types{$f} = $fam{$f}{type} = $t;
            next;
        }
        if ($line =~ /^#/) {
            $err->('comment that is neither HELP nor TYPE');
            next;
        }
        my ($name, $labels, $value, $ts) =
            $line =~ /^($NAME)(?:\{(.*)\})? ($FLOAT)(?: (-?\d+))?$/
            or do { $err->('not a sample line'); next };
        my $f = _family_of($name, \%types);
        unless ($f) {
            $err->("sample of $name before its TYPE");
            next;
        }
        if (!defined $current || $current ne $f) {
            $err->("samples of $f are not contiguous") if $closed{$f};
            $closed{$current} = 1 if defined $current;
            $current = $f;
        }
        my ($l, $lerr) = _labels(defined $labels ? $labels : '');
        if ($lerr) {
            $err->($lerr);
            next;
        }
        my $series = join "\0", $name, map { "$_=$l->{$_}" } sort keys %$l;
        $err->('duplicate series') if $seen_series{$series}++;
        if ($types{$f} eq 'summary' && $name eq $f && !defined $l->{quantile}) {
            $err->('summary sample without quantile label');
        }
        push @{ $fam{$f}{samples} }, { name => $name, labels => $l, value => 0 + $value };
    }
    for my $f (sort keys %fam) {
        push @errors, "family $f has no HELP" unless defined $fam{$f}{help};
        push @errors, "family $f has no TYPE" unless $fam{$f}{type};
        my $t = $fam{$f}{type} || '';
        push @errors, "counter $f does not end in _total" if $t eq 'counter' && $f !~ /_total$/;
        push @errors, "non-counter $f ends in _total" if $t ne 'counter' && $f =~ /_total$/;
    }
    return (\%fam, @errors);
}

# metric_value($families, $name, label => value, ...): the value of the one
# sample of $name with exactly these labels, undef if there is none.
sub metric_value {
    my ($fam, $name, %want) = @_;
    for my $f (values %$fam) {
        for my $s (@{ $f->{samples} || [] }) {
            next unless $s->{name} eq $name;
            next unless keys %{ $s->{labels} } == keys %want;
            next if grep { !defined $s->{labels}{$_} || $s->{labels}{$_} ne $want{$_} } keys %want;
            return $s->{value};
        }
    }
    return undef;
}

# The promtool binary, or undef when prometheus is not installed.
sub promtool {
    for my $dir ((split /:/, $ENV{PATH} || ''), '/usr/bin') {
        return "$dir/promtool" if -x "$dir/promtool";
    }
    return undef;
}

# promtool_check($text) -> (exit status, output) of `promtool check metrics`.
sub promtool_check {
    my $text = shift;
    my $bin = promtool() or return;
    my $tmp = File::Temp->new;
    print $tmp $text;
    close $tmp;
    my $out = qx{"$bin" check metrics < "$tmp" 2>&1};
    return ($? >> 8, $out);
}

1;
