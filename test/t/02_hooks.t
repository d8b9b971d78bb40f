# The hook order is what the code says: every ap_hook_*() call in
# mod_prefork_app/*.c is read from the source, and mod_info's
# /server-info?hooks of the running server must show mod_prefork_app.c in
# that hook with the same APR_HOOK_* position, after each named predecessor
# and before each named successor.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);
use PATest qw(:all);

my %position = (APR_HOOK_REALLY_FIRST => -10, APR_HOOK_FIRST => 0,
                APR_HOOK_MIDDLE => 10, APR_HOOK_LAST => 20,
                APR_HOOK_REALLY_LAST => 30);

# ap_hook_NAME -> mod_info's title for it.
my %title = (
    pre_config => 'Pre-Config', check_config => 'Check Configuration',
    test_config => 'Test Configuration', post_config => 'Post Configuration',
    open_logs => 'Open Logs', pre_mpm => 'Pre-MPM', drop_privileges => 'Drop Privileges',
    optional_fn_retrieve => 'Retrieve Optional Functions', child_init => 'Child Init',
    pre_connection => 'Pre-Connection', create_connection => 'Create Connection',
    process_connection => 'Process Connection', create_request => 'Create Request',
    post_read_request => 'Post-Read Request', header_parser => 'Header Parse',
    quick_handler => 'Quick Handler', translate_name => 'Translate Name',
    map_to_storage => 'Map to Storage', access_checker => 'Check Access (legacy)',
    check_access => 'Check Access (legacy)',    # ap_hook_check_access(): the same hook
    check_user_id => 'Verify User ID', auth_checker => 'Verify User Access',
    type_checker => 'Check Type', fixups => 'Fixups', insert_filter => 'Insert Filters',
    handler => 'Content Handlers', log_transaction => 'Transaction Logging',
    monitor => 'Monitor', child_status => 'Child Status', end_generation => 'End Generation',
);

# ---- what the code says -----------------------------------------------------
my $src = "$ENV{PA_SRCDIR}/mod_prefork_app";
my $code = '';
for my $file (glob "$src/*.c") {
    open my $fh, '<', $file or die "$file: $!";
    local $/;
    $code .= <$fh>;
}
my %arrays;    # static const char *const NAME[] = { "mod_x.c", NULL };
while ($code =~ /const\s+char\s*\*\s*const\s+(\w+)\s*\[\s*\]\s*=\s*\{([^}]*)\}/g) {
    my ($name, $list) = ($1, $2);
    $arrays{$name} = [ $list =~ /"([^"]+)"/g ];
}
my @hooks;     # [ hook, [predecessors], [successors], position ]
# (The auth hooks take a fifth argument, AP_AUTH_INTERNAL_*.)
while ($code =~ /\bap_hook_(\w+)\s*\(\s*\w+\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*(APR_HOOK_\w+)\s*(?:,\s*\w+\s*)?\)/g) {
    my ($hook, $pred, $succ, $pos) = ($1, $2, $3, $4);
    push @hooks, [ $hook, $arrays{$pred} || [], $arrays{$succ} || [], $position{$pos} ];
}

my $n = 2;
$n += 1 + @{ $_->[1] } + @{ $_->[2] } for @hooks;
plan tests => $n;

ok(scalar @hooks, 'ap_hook_*() calls found in the source') or diag("no ap_hook_*() calls found in $src/*.c");

# ---- what the server does ---------------------------------------------------
my $html = GET('/server-info?hooks')->content;
# The modules loaded (compiled in too): a neighbour must be one of them.
my %loaded = map { $_ => 1 } GET('/server-info?list')->content =~ m{<dd>([^<]+)</dd>}g;
die "/server-info?list lists no modules\n" unless $loaded{'mod_prefork_app.c'};
my %order;     # title -> [ [position, module], ... ] in run order
while ($html =~ m{<dt><strong>([^<]+):</strong>(.*?)</dt>}sg) {
    my ($t, $body) = ($1, $2);
    $order{$t} = [ map { [ $_->[0] + 0, $_->[1] ] }
                   _pairs($body =~ /(-?\d+)\s*<a href="\?[^"]*">([^<]+)<\/a>/g) ];
}

for my $h (@hooks) {
    my ($hook, $preds, $succs, $pos) = @$h;
    my $t = $title{$hook};
  SKIP: {
        skip("ap_hook_$hook: mod_info has no title for it", 1 + @$preds + @$succs)
            unless $t;
        my @list = @{ $order{$t} || [] };
        my ($me) = grep { $list[$_][1] eq 'mod_prefork_app.c' } 0 .. $#list;
        ok(defined $me && $list[$me][0] == $pos, "ap_hook_$hook at position $pos")
            or diag("ap_hook_$hook: expected mod_prefork_app.c at $pos in '$t': "
                    . join(', ', map { "$_->[0] $_->[1]" } @list));
        # A neighbour not loaded checks nothing: t/conf loads them all
        # (extra.conf.in), so one missing fails. One loaded that has no such
        # hook (mod_unixd: no post_config in 2.4) has nothing to be ordered
        # against: skipped, saying so.
        for my $n ((map { [ $_, -1 ] } @$preds), (map { [ $_, 1 ] } @$succs)) {
            my ($m, $side) = @$n;
            my $what = "ap_hook_$hook " . ($side < 0 ? 'after' : 'before') . " $m";
            my ($i) = grep { $list[$_][1] eq $m } 0 .. $#list;
          SKIP: {
                skip("$m is loaded but has no '$t' hook", 1)
                    if !defined $i && $loaded{$m};
                ok(defined $i && defined $me && ($i <=> $me) == $side, $what)
                    or diag(defined $i ? "$what: wrong order in '$t'"
                                       : "$what: $m is not loaded (t/conf/extra.conf.in)");
            }
        }
    }
}

# The module says so itself at startup (LogLevel prefork_app:debug).
ok(error_log_since(0) =~ /PA00903: hook order: /, 'PA00903 hook order logged')
    or diag('no "PA00903: hook order:" debug line in ' . error_log_path());

sub _pairs { my @p; push @p, [ splice @_, 0, 2 ] while @_; @p }
