# Recycling (max-requests here; lifetime, touch-reload and max-memory alike)
# when the app can no longer start: its program was removed (a deploy half
# done). The worker that reached max-requests waits for its replacement to
# show that the app starts; that one cannot, the backoff begins, and the old
# worker serves on (200s), not leaving a one-worker pool empty (503s for as
# long as the program is missing). Once the program is back, the worker is
# replaced as usual.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Copy ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 9;

my $h = PATest::Httpd->new(status => 1, conf => '');
my $prog = $h->dir . '/app';
File::Copy::copy(app_path('echo'), $prog) or die "copy: $!";
chmod 0755, $prog;
open my $fh, '>>', $h->dir . '/httpd.conf' or die $!;
print $fh qq{PreforkApp rb "$prog" processes=1 max-requests=2\n},
          qq{<Location /rb>\n    SetHandler prefork-app:rb\n</Location>\n};
close $fh;
ok($h->start, 'private httpd, one worker, max-requests=2') or diag($h->error_log);

sub whoami { my $r = $h->get('/rb?whoami=1', timeout => 60); ($r->{status}, ($r->{content} // '') =~ /^pid=(\d+)/) }
my ($st, $pid) = whoami();
is($st, 200, 'its first request: 200');
unlink $prog or die "unlink $prog: $!";
my @seen;
for (1 .. 5) {
    my ($s, $p) = whoami();
    push @seen, $s == 200 ? "200:" . ($p == $pid ? 'same' : 'other') : $s;
    select undef, undef, undef, 0.3;
}
is("@seen", join(' ', ('200:same') x 5),
   'the program removed: its second request (its last) and the ones after are served by it');
ok(wait_for_log(qr/PA00105: app rb: workers exit right after they start \(pid \d+ [^)]*\); backing off/, 0,
                file => $h->log_file), 'the replacement cannot start: the app backs off');
ok(pid_alive($pid), 'the worker is still there');
unlike($h->error_log, qr/PA0040[16]|PA00318/,
       'its kept connection carried on cleanly (no reply of an earlier request found first)');

File::Copy::copy(app_path('echo'), $prog) or die "copy: $!";
chmod 0755, $prog;
my $new;
ok(wait_for(sub { my ($s, $p) = whoami(); $new = $p; $s == 200 && $p && $p != $pid }, timeout => 90),
   'the program back: a new worker serves');
ok(wait_for(sub { !pid_alive($pid) }, timeout => 30), 'and the old one is gone');
ok($h->stop, 'stopped');
