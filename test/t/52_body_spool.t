# A chunked request body over 64 KB is spooled to a temporary file in
# TMPDIR (README, "Chunked request bodies"). When the disk cannot take it
# (PA00325, here a file size limit as a full disk would give): the client
# gets 500, the log says it once, no worker was claimed for it, and the next
# request is served as usual. A read-only TMPDIR is passed over for /tmp.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp ();
use HTTP::Tiny ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 12;

my $echo = app_path('echo');
my $tmp = File::Temp::tempdir('pa-tmpdir-XXXXXX', TMPDIR => 1, CLEANUP => 1);
# One child, so that the worker and counters seen are the only ones;
# files up to 2 MiB (dash counts ulimit -f in 512-byte blocks).
my $h = PATest::Httpd->new(status => 1, env => { TMPDIR => $tmp }, ulimit => '-f 4096',
                           conf => <<"EOF");
StartServers 1
ServerLimit 1
ThreadsPerChild 8
MaxRequestWorkers 8
PreforkApp spool "$echo" processes=1
<Location /spool>
    SetHandler prefork-app:spool
</Location>
EOF
ok($h->start, 'httpd started with TMPDIR and a file size limit') or diag($h->error_log);
my ($limit) = `cat /proc/@{[$h->pid]}/limits` =~ /^Max file size\s+(\d+)/m;
is($limit, 2 * 1024 * 1024, 'httpd runs with files limited to 2 MiB');

sub chunked {
    my ($size) = @_;
    my @parts = unpack '(a65000)*', 'x' x $size;
    return HTTP::Tiny->new(timeout => 60)->post($h->url('/spool?echo=body'),
        { headers => { 'Content-Type' => 'application/octet-stream' },
          content => sub { shift @parts } });
}
sub spool_lines { my $off = shift; () = error_log_since($off, $h->log_file) =~ /PA0032[456]/g }

ok(wait_for(sub { $h->pids('spool') == 1 }), 'the worker is up');
my ($pid) = $h->pids('spool');
my $res = chunked(300_000);
ok($res->{status} == 200 && length($res->{content}) == 300_000,
   'a 300 KB chunked body is spooled and reaches the app whole') or diag($res->{status});
my $accepted = $h->counter('spool', 'accepted');

# ---- the disk cannot take it --------------------------------------------------
my $off = error_log_offset($h->log_file);
$res = chunked(3_000_000);
is($res->{status}, 500, 'a 3 MB chunked body past the file size limit: 500');
like(error_log_since($off, $h->log_file),
     qr/File too large: \[client [^]]+\] PA00325: spool: writing a request body to its temporary file failed after \d+ bytes/,
     'PA00325 says why') or diag(error_log_since($off, $h->log_file));
is(spool_lines($off), 1, 'in one line');
is($h->counter('spool', 'accepted'), $accepted, 'no worker was claimed for it');
is(join(' ', $h->pids('spool')), $pid, 'the worker is the same');
$res = chunked(300_000);
ok($res->{status} == 200 && length($res->{content}) == 300_000, 'the next chunked body is served');

# ---- TMPDIR not writable ---------------------------------------------------------
# APR takes the first writable of TMPDIR, TMP, TEMP, /tmp, ...: a read-only
# TMPDIR is passed over for /tmp (README: "TMPDIR or /tmp"), so PA00324
# needs every one of them unwritable, which a test cannot arrange.
chmod 0500, $tmp or die "chmod $tmp: $!";
$off = error_log_offset($h->log_file);
$res = chunked(300_000);
chmod 0700, $tmp;
ok($res->{status} == 200 && length($res->{content}) == 300_000 && !spool_lines($off),
   'TMPDIR read-only: the body is spooled in /tmp instead') or diag(error_log_since($off, $h->log_file));

ok($h->stop, 'httpd stopped');
