# The manager's pid file through a graceful restart: the old manager leaves
# as soon as its generation is idle, removing the file while it names it;
# the new one wrote it only once its sockets were bound, which takes a
# while with many worker slots: for that while there was no file, and
# `kill -HUP $(cat PIDFILE)` or a monitor reading it failed. The new
# manager now writes it first thing.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Time::HiRes ();
use PATest qw(:all);

plan tests => 5;

# Many slots, no workers: on-demand pools of up to 4.
my $hello = app_path('hello');
my $conf = join '', map { qq{PreforkApp od$_ "$hello" processes=0-4\n} } 1 .. 150;
my $h = PATest::Httpd->new(conf => $conf);
ok($h->start, 'httpd with 150 on-demand apps (600 slots)') or diag($h->error_log);
my $old = $h->manager_pid;
ok($old, 'the manager pid file is there');
my $file = $h->dir . '/prefork_app_manager.pid';

ok($h->_k('graceful'), 'graceful restart');
my ($missing, $reads, $new) = (0, 0, undef);
my $until = Time::HiRes::time() + 20;
while (Time::HiRes::time() < $until) {
    my $pid;
    if (open my $fh, '<', $file) {
        ($pid) = (<$fh> // '') =~ /(\d+)/;
    }
    $reads++;
    if (!$pid) {
        $missing++;
    }
    elsif ($pid != $old) {
        $new = $pid;            # (the old one removes only its own)
        last;
    }
    Time::HiRes::sleep(0.0005);
}
ok($new, 'the new manager wrote its pid');
is($missing, 0, "the file was there at each of $reads reads meanwhile");
$h->stop;
