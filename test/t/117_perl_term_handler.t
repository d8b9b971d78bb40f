# A Perl app that handles SIGTERM itself (FCGI::ProcManager, plackup, the
# textbook $SIG{TERM} loop) on a kept connection: its first SIGTERM, while
# it waits there for the next request, cuts its read() short; libfcgi takes
# that for a closed connection and waits in accept(), and Perl runs the
# handler only once that returns. So the manager sends SIGTERM again, each
# second, to a worker told to go that is still there: recycled and
# stopped, such workers leave by themselves, not by die-timeout's SIGKILL
# (which left a pool that recycles several at once without a worker).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 7;

my $app = "$FindBin::Bin/apps/term_handler.pl";
my $h = PATest::Httpd->new(conf => <<"EOF");
PreforkApp term "$app" processes=1 max-requests=2 die-timeout=30
<Location /term>
    SetHandler prefork-app:term
</Location>
EOF
ok($h->start, 'private httpd with a Perl app that handles SIGTERM') or diag($h->error_log);

my $log = error_log_offset($h->log_file);
my %pids;
for (1 .. 8) {
    my $res = $h->get('/term');
    $pids{$1}++ if $res->{status} == 200 && $res->{content} =~ /^pid=(\d+)/;
}
is(scalar(keys %pids), 4, '8 requests, max-requests=2: served by 4 workers in turn');
# Each of the 4 has served its 2 and is told to go.
my $exits = qr/(?:PA0010[34]: app term slot \d+ pid \d+ .*){4}/s;
my $text = wait_for_log($exits, $log, file => $h->log_file, timeout => 90) // error_log_since($log, $h->log_file);
my @left = $text =~ /PA00104: app term slot \d+ pid \d+ exited with status 0 after 2 requests \(max-requests reached\)/g;
is(scalar @left, 4, 'the 4 recycled ones left by themselves at SIGTERM') or diag($text);
unlike($text, qr/PA00111/, '... none SIGKILLed after die-timeout');

# Stopped after a request, idle on its kept connection.
is($h->get('/term')->{status}, 200, 'one more request');
$log = error_log_offset($h->log_file);
ok($h->stop, 'httpd stopped');
unlike(error_log_since($log, $h->log_file), qr/PA00111|PA00103/,
       'its worker left at SIGTERM, not SIGKILLed after die-timeout');
