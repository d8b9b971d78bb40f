# An httpd child keeps a connection to each worker it has sent a request
# to, shared with the manager, for the next request to that worker. With
# many apps and workers alive it could hold more than its descriptor limit
# allows httpd itself (accept() fails, .htaccess files cannot be opened):
# it holds at most half of its limit, and past that closes those it is not
# using (fetched again when needed). Here, a child whose limit is 48 sends
# requests to 4 apps of 8 workers each (32 workers), 8 at a time.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(:all);

plan tests => 8;

my $echo = app_path('echo');
my @apps = map { "fd$_" } 1 .. 4;
my $conf = "ServerLimit 1\nStartServers 1\nThreadLimit 40\nThreadsPerChild 40\n"
         . "MaxRequestWorkers 40\nMinSpareThreads 1\nMaxSpareThreads 80\n";
$conf .= qq{PreforkApp $_ "$echo" processes=8\n<Location /$_>\n    SetHandler prefork-app:$_\n</Location>\n}
    for @apps;
my $h = PATest::Httpd->new(status => 1, conf => $conf, ulimit => '-Sn 48');
ok($h->start, 'httpd starts with a descriptor limit of 48') or diag($h->error_log);
ok(wait_for(sub { !grep { $h->pids($_) != 8 } @apps }), '32 workers up');

for my $app (@apps) {
    # Eight at once: each takes a worker of its own.
    my @jobs = map { bg_request('GET', $h->url("/$app?sleep=1&n=$_")) } 1 .. 8;
    my @st = map { bg_result($_)->{status} } @jobs;
    is("@st", '200 200 200 200 200 200 200 200', "$app: eight requests at once, all served");
}
unlike($h->error_log, qr/AH02179|Too many open files|PA00318/, 'no descriptor ran out')
    or diag($h->error_log);
ok($h->stop, 'stopped');
