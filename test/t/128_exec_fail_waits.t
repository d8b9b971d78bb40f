# A worker that cannot execute its program (made non-executable since the
# start here; out of processes, EAGAIN, in the field) never read the
# request it was handed: the request waits for a worker that can answer
# rather than spend its one retry on another such fresh worker and get
# 502. Before, of eight GETs that came at once, while the live worker was
# busy and the pool grew, some got 502. A private httpd.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(:all);
use File::Copy ();

plan tests => 7;

my $dir = test_dir('pa-exec-waits');
my $prog = "$dir/app";
File::Copy::copy(app_path('echo'), $prog) or die "copy: $!";
chmod 0755, $prog;
my $h = PATest::Httpd->new(conf => <<"EOF");
PreforkApp ew "$prog" processes=1-10 spare=0
<Location /ew>
    SetHandler prefork-app:ew
</Location>
EOF
ok($h->start, 'private httpd, a pool of 1 to 3') or diag($h->error_log);
is($h->get('/ew')->{status}, 200, 'its worker answers');
my $off = error_log_offset($h->log_file);
chmod 0644, $prog;
my @jobs = map { bg_request("GET", $h->url("/ew?sleep=0.5&n=$_")) } 1 .. 8;
my @st = map { bg_result($_)->{status} } @jobs;
is("@st", join(" ", (200) x 8), 'eight GETs at once while new workers cannot execute: all answered by the one that runs')
    or diag(error_log_since($off, $h->log_file));
# POSTs too: not one reached a program.
chmod 0644, $prog;
@jobs = map { bg_request('POST', $h->url("/ew?sleep=0.5&n=$_"), { content => "x=$_" }) } 1 .. 8;
@st = map { bg_result($_)->{status} } @jobs;
is("@st", join(' ', (200) x 8), 'eight POSTs likewise: all answered')
    or diag(error_log_since($off, $h->log_file));
like(error_log_since($off, $h->log_file), qr/PA00121: app ew pid \d+: cannot execute/,
     '... the new ones could not execute (PA00121)');
like(error_log_since($off, $h->log_file),
     qr/PA00104: app ew slot \d+ pid \d+ exited with status 127 after \d+ requests \(could not execute its program: PA00121 says why\)/,
     '... and their exit says so, not "crashed" (PA00104)');
chmod 0755, $prog;
ok($h->stop, 'stopped');
