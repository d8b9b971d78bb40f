# The socket directory of a running server is held (a shared flock(), seen
# in /proc/locks), so that another httpd's start, in another pid namespace
# with the same pid, never removes it as stale: the parent's hold covers the
# one it made, and a manager holds one it made itself, also when it
# replaces one that was killed and made the directory anew.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan skip_all => 'no /proc/locks' unless -r '/proc/locks';
plan tests => 6;

my $h = PATest::Httpd->new(conf => <<"EOF");
PreforkApp hello "@{[hello_path()]}" processes=1
<Location /hello>
    SetHandler prefork-app:hello
</Location>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);

sub sockdir_of {
    my $pid = shift;
    my $text = wait_for_log(qr/PA00116: manager pid $pid started .*sockets in \S+\)/, 0, file => $h->log_file) // '';
    my ($dir) = $text =~ /PA00116: manager pid $pid started .*sockets in (\S+)\)/;
    return $dir;
}
sub held {
    my $dir = shift;
    my $ino = (stat $dir)[1] or return 0;
    open my $fh, '<', '/proc/locks' or return 0;
    return scalar grep { /\bFLOCK\s+ADVISORY\s+READ\s+\d+\s+[0-9a-f]+:[0-9a-f]+:$ino\b/ } <$fh>;
}

my $mgr = $h->manager_pid;
my $dir = sockdir_of($mgr);
ok($dir && -d $dir, "the socket directory: $dir");
ok(held($dir), '... held');

# The manager killed: httpd's parent starts another, which makes the
# directory anew (the old one removed it as it went).
my $ino = (stat $dir)[1];
kill 'TERM', $mgr;
my $new = wait_for(sub { my $p = $h->manager_pid; $p && $p != $mgr ? $p : undef }, timeout => 60);
ok($new, 'a new manager') or diag($h->error_log);
sockdir_of($new);
is($h->get('/hello')->{status}, 200, '... serves');
ok(held($dir), '... and its socket directory is held: ' . ((stat $dir)[1] == $ino ? 'the same' : 'made anew'));
$h->stop;
