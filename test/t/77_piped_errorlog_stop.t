# httpd stops with a piped ErrorLog (rotatelogs, logger): httpd destroys
# the pool of the log's program (plog) before pconf, whose cleanups stopped
# the manager, so that all the manager logged while stopping (PA00113,
# PA00101, a PA00111 for a worker that ignores SIGTERM) went to a program
# already told to quit. The manager is now stopped before that.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 4;

sub slurp { open my $f, '<', $_[0] or return ''; local $/; return <$f> // '' }

my $echo = app_path('echo');
my $dir = File::Temp::tempdir('pa-plog-XXXXXX', TMPDIR => 1,
                              CLEANUP => !$ENV{PA_KEEP_TMP});
chmod 0755, $dir;
my $piped = "$dir/piped_log";
# A logger that dies at SIGTERM, as rotatelogs does.
open my $fh, '>', "$dir/logger" or die "$dir/logger: $!";
print $fh "#!/bin/sh\nexec cat >> '$piped'\n";
close $fh;
chmod 0755, "$dir/logger";

my $h = PATest::Httpd->new(conf => <<"EOF");
ErrorLog "|$dir/logger"
PreforkApp plog "$echo" processes=1
<Location /e>
    SetHandler prefork-app:plog
</Location>
EOF
ok($h->start, 'private httpd logging to a program') or diag(slurp($piped));
is($h->get('/e')->{status}, 200, 'it serves');
my $mgr = $h->manager_pid // 'none';
$h->stop;
my $log = '';
wait_for(sub { $log = slurp($piped); $log =~ /PA00101/ }, timeout => 10);
like($log, qr/PA00113: manager pid $mgr: told to stop/,
     'the manager saying it stops reached the piped log');
like($log, qr/PA00101: manager pid $mgr of generation \d+ exiting/,
     'so did its last line');
