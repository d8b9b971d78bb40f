# A worker that cannot even exec its app (here a script whose #!
# interpreter was removed since the start: the configuration test refuses
# one that is not there) with start-delay=0: the app backs off as in a
# crash loop (PA00105), rather than being forked again at once, hundreds of
# times a second, each time logging why; and the why is whole, however long
# the program's path, and says what is missing: exec() says "No such file
# or directory" of the script itself.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use File::Temp ();

plan tests => 5;

# A path of about 600 bytes: longer than the launcher's message buffer.
my $top = File::Temp->newdir('pa-exec-XXXXXX', TMPDIR => 1);
my $dir = "$top";
$dir .= '/' . ('d' x 100) for 1 .. 5;
system('mkdir', '-p', $dir) == 0 or die "mkdir -p $dir";
system('chmod', '-R', 'a+rx', "$top") == 0 or die "chmod";
# The interpreter: the echo app, which takes the script's path as an
# argument it ignores.
my $interp = "$top/interp";
system('cp', app_path('echo'), $interp) == 0 or die "cp: $?";
chmod 0755, $interp;
my $prog = "$dir/noint";
open my $fh, '>', $prog or die "$prog: $!";
print $fh "#!$interp\n";
close $fh;
chmod 0755, $prog;

my $h = PATest::Httpd->new(conf => <<"EOF2");
PreforkApp nx "$prog" processes=1 start-delay=0
<Location /nx>
    SetHandler prefork-app:nx
</Location>
EOF2
ok($h->start, 'httpd starts with an app run by an interpreter') or diag($h->error_log);
my ($pid) = (wait_for_log(qr/PA00108: app nx slot 0: started worker pid \d+/, 0, file => $h->log_file) || '')
            =~ /started worker pid (\d+)/;
ok($pid, 'its worker started');
unlink $interp or die "$interp: $!";
kill 'KILL', $pid;
ok(wait_for_log(qr/PA00105: app nx: workers exit right after they start \(pid \d+ exited with status 127\); backing off/, 0,
                file => $h->log_file),
   'start-delay=0: the app backs off (PA00105)') or diag($h->error_log);
like($h->error_log, qr/PA00121: app nx pid \d+: cannot execute \S+ \(it is there: the interpreter its #! line names, or its ELF loader, is not\): No such file or directory$/m,
     'the reason is logged whole, after a long path, and says what is missing');
ok($h->stop, 'stopped') or diag($h->error_log);
