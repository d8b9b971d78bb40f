# A worker that cannot even exec its app (here a script whose #!
# interpreter is not there) with start-delay=0: the app backs off as in a
# crash loop (PA00105), rather than being forked again at once, hundreds of
# times a second, each time logging why; and the why is whole, however long
# the program's path.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use File::Temp ();

plan tests => 4;

# A path of about 600 bytes: longer than the launcher's message buffer.
my $top = File::Temp->newdir('pa-exec-XXXXXX', TMPDIR => 1);
my $dir = "$top";
$dir .= '/' . ('d' x 100) for 1 .. 5;
system('mkdir', '-p', $dir) == 0 or die "mkdir -p $dir";
system('chmod', '-R', 'a+rx', "$top") == 0 or die "chmod";
my $prog = "$dir/noint";
open my $fh, '>', $prog or die "$prog: $!";
print $fh "#!/nonexistent-pa-interpreter\n";
close $fh;
chmod 0755, $prog;

my $h = PATest::Httpd->new(conf => <<"EOF2");
PreforkApp nx "$prog" processes=1 start-delay=0
<Location /nx>
    SetHandler prefork-app:nx
</Location>
EOF2
ok($h->start, 'httpd starts with an app whose program cannot be executed') or diag($h->error_log);
ok(wait_for_log(qr/PA00105: app nx: workers exit right after they start \(pid \d+ exited with status 127\); backing off/, 0,
                file => $h->log_file),
   'start-delay=0: the app backs off (PA00105)') or diag($h->error_log);
like($h->error_log, qr/PA00121: app nx pid \d+: cannot execute \S+: No such file or directory$/m,
     'the reason is logged whole, after a long path');
ok($h->stop, 'stopped') or diag($h->error_log);
