# A Perl app that handles SIGTERM itself (the textbook $SIG{TERM} loop
# with FAIL_ACCEPT_ON_INTR) on a kept connection: its first SIGTERM, while
# it waits there for the next request, cuts its read() short; libfcgi takes
# that for a closed connection and waits in accept(), and Perl runs the
# handler only once that returns. So the manager sends SIGTERM again, each
# second, to a worker told to go that it finds waiting in accept():
# recycled and stopped, such workers leave by themselves, not by
# die-timeout's SIGKILL (which left a pool that recycles several at once
# without a worker). One busy with a graceful end of its own (its handler
# taken back after the first) gets no second one.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use HTTP::Tiny ();
use POSIX ();

plan tests => 17;

my $app = "$FindBin::Bin/apps/term_handler.pl";

my $h = PATest::Httpd->new(conf => '');
my $saved = $h->dir . '/saved';
my $saved2 = $h->dir . '/saved2';
open my $cf, '>>', $h->{conf_file} or die "$h->{conf_file}: $!";
print $cf <<"EOF";
PreforkApp term "$app" processes=1 max-requests=2 die-timeout=30
PreforkApp once "$app $saved" processes=1 max-requests=1 die-timeout=30 keep-conn=off
PreforkApp early "$app $saved2" processes=1 die-timeout=30
PreforkApp early2 "$app $saved2" processes=1 die-timeout=30
<Location /early2>
    SetHandler prefork-app:early2
</Location>
<Location /early>
    SetHandler prefork-app:early
</Location>
<Location /term>
    SetHandler prefork-app:term
</Location>
<Location /once>
    SetHandler prefork-app:once
</Location>
EOF
close $cf;
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

# An app's own graceful end is not cut short by a second SIGTERM.
$log = error_log_offset($h->log_file);
is($h->get('/once')->{status}, 200, 'an app with a graceful end of its own: served');
$text = wait_for_log(qr/PA0010[34]: app once slot \d+ pid \d+ /, $log, file => $h->log_file, timeout => 90) // '';
like($text, qr/PA00104: app once slot \d+ pid \d+ exited with status 0 after 1 requests/,
     '... recycled, it ended by itself, after its while of saving') or diag($text);
ok(-s $saved, '... its state saved');

# An upload it answers without reading: its kept connection stops inside
# that request, so it is replaced; but its request is over, and its own
# graceful end is not cut short (it was SIGKILLed a second after its
# SIGTERM, as a worker whose request was given up is).
$log = error_log_offset($h->log_file);
my $up = HTTP::Tiny->new(timeout => 60)->request('POST', $h->url('/early'),
                                                  { content => 'x' x 3_000_000 });
like("$up->{status} $up->{content}", qr/^200 pid=\d+/, 'an upload answered unread: 200');
$text = wait_for_log(qr/PA0010[34]: app early slot \d+ pid \d+ /, $log, file => $h->log_file, timeout => 90) // '';
like($text, qr/PA00104: app early slot \d+ pid \d+ exited with status 0 after 1 requests \(it answered before its request's end\)/,
     '... replaced, it ended by itself, after its while of saving') or diag($text);
unlike($text, qr/PA00111/, '... not SIGKILLed');
ok(-s $saved2, '... its state saved');

# But not while such workers take every slot the app has (processes=1:
# two), no idle worker left: then a second after their SIGTERM, as for a
# request given up, so that the app has a worker again.
$log = error_log_offset($h->log_file);
my @kids;
for (1 .. 2) {
    my $kid = fork // die "fork: $!";
    if (!$kid) {
        HTTP::Tiny->new(timeout => 60)->request('POST', $h->url('/early2'),
                                                { content => 'x' x 3_000_000 });
        POSIX::_exit(0);
    }
    push @kids, $kid;
}
waitpid $_, 0 for @kids;
$text = wait_for_log(qr/(?:PA00111: app early2 [^\n]*\n[^\0]*){2}/, $log, file => $h->log_file, timeout => 60) // '';
my @cut = $text =~ /\[prefork_app:info\][^\n]*PA00111: app early2 slot \d+ pid \d+ still there 1 s after SIGTERM/g;
is(scalar @cut, 2, 'two uploads answered unread take both slots: each SIGKILLed a second after its SIGTERM')
    or diag(error_log_since($log, $h->log_file));
unlike($text, qr/PA00111: app early2 [^\n]*still there 30 s/, '... not after die-timeout');
is($h->get('/early2')->{status}, 200, '... and the app serves again');

# Stopped after a request, idle on its kept connection.
is($h->get('/term')->{status}, 200, 'one more request');
$log = error_log_offset($h->log_file);
ok($h->stop, 'httpd stopped');
unlike(error_log_since($log, $h->log_file), qr/PA00111|PA00103/,
       'its worker left at SIGTERM, not SIGKILLed after die-timeout');
