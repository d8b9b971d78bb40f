# A piped ErrorLog whose program stops reading (rotatelogs on a stuck disk,
# logger on a busy syslog): an app that writes to its own stderr then
# holds up its own output, and in time itself, as it would with the log
# for its stderr (mod_fcgid, mod_cgi); not the process manager, and with
# it every other app (their spawns, kept connections, timeouts). Before,
# the manager blocked writing the app's lines, and an on-demand app asked
# meanwhile never got a worker. A private httpd whose log program reads
# until told to stop, then holds the pipe unread (4 KB of room); the app's
# lines plain, then of Latin-1 bytes, each of which httpd writes as \xHH
# (a line four times as long in the log: before, the manager took the
# first for one that fits); then in a pipe of the default 64 KB, whose
# pages' ends go unused when the next line does not fit there (before,
# its room was taken for its size less its unread bytes).
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use IO::Socket::INET ();
use Fcntl qw(O_WRONLY O_NONBLOCK);

# fill_pipe(PATH): a pipe opened anew for writing (a reader's /proc/PID/fd),
# filled a byte at a time to its last byte (EAGAIN).
sub fill_pipe {
    sysopen(my $w, $_[0], O_WRONLY | O_NONBLOCK) or return 0;
    1 while syswrite($w, 'x', 1);
    my $full = $!{EAGAIN} ? 1 : 0;
    close $w;
    return $full;
}

plan tests => 41;

my $top = test_dir('pa-stalled-log');
my $logger = "$top/logger.pl";
open my $fh, '>', $logger or die "$logger: $!";
print $fh <<'EOF';
#!/usr/bin/perl
# logger.pl LOG DIR [SIZE]: its pipe made SIZE bytes (else left as it is);
# appends its stdin to LOG until DIR/stop exists; then writes its pid to
# DIR/logger.pid, says so (renames stop to DIR/stopped) and holds the pipe
# unread, writing how many bytes wait in it to DIR/inpipe. One that httpd
# started for a configuration pass before it went to the background
# leaves once that process has gone (its pid is not the one to kill).
use strict;
use IO::Select;
my ($log, $dir, $size) = @ARGV;
my $httpd = getppid();
fcntl(STDIN, 1031, $size) if $size;            # F_SETPIPE_SZ
open my $out, '>>', $log or die; $out->autoflush(1);
my $sel = IO::Select->new(\*STDIN);
until (-e "$dir/stop") {
    exit 0 if getppid() != $httpd;
    next unless $sel->can_read(0.05);
    my $n = sysread(STDIN, my $buf, 65536);
    exit 0 unless $n;
    print $out $buf;
}
open my $pf, '>', "$dir/logger.pid.tmp" or die; print $pf $$; close $pf;
rename "$dir/logger.pid.tmp", "$dir/logger.pid" or die;
rename "$dir/stop", "$dir/stopped" or exit 0;
# Gone with its httpd (or its test's directory).
while (getppid() == $httpd && -d $dir) {
    my $q = pack('L', 0);
    ioctl(STDIN, 0x541B, $q);                   # FIONREAD
    open my $f, '>', "$dir/inpipe.tmp" or die; print $f unpack('L', $q); close $f;
    rename "$dir/inpipe.tmp", "$dir/inpipe";
    select(undef, undef, undef, 0.05);
}
EOF
close $fh;
chmod 0755, $logger;

my $echo = app_path('echo');
for my $mode (['plain', '', 4096], ['Latin-1', '&raw8=1', 4096],
              ['Latin-1 (a 64 KB pipe)', '&raw8=1', 0]) {
    my ($what, $raw8, $size) = @$mode;
    my $dir = test_dir('pa-stalled-log');
    my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
ErrorLog "||$^X $logger $dir/log $dir $size"
LogLevel warn prefork_app:warn
PreforkApp chatty "$echo" processes=1
PreforkApp quiet "$echo" processes=0-1 queue-timeout=5
<Location /chatty>
    SetHandler prefork-app:chatty
</Location>
<Location /quiet>
    SetHandler prefork-app:quiet
</Location>
EOF
    ok($h->start, "$what lines: private httpd, its ErrorLog a program") or diag(`cat $dir/log`);
    is($h->get('/chatty')->{status}, 200, '... the chatty app serves');
    # Its lines of 1000 bytes, each in the log whole or (Latin-1: 4000
    # bytes there) in pieces, each within PIPE_BUF: before, one write of
    # 4150 bytes, which a reader may get torn, and which a stalled pipe of
    # 4 KB never takes (the manager blocked on it).
    is($h->get("/chatty?rawerr=2$raw8")->{status}, 200, '... it writes two long lines');
    my $text = sub {
        open my $f, '<', "$dir/log" or return ('', 0);
        my @l = grep { /PA00121: app chatty pid \d+: / } <$f>;
        my $longest = 0;
        $longest < length($_) and $longest = length($_) for @l;
        return (join('', map { /PA00121: app chatty pid \d+: (.*)$/ ? $1 : '' } @l), $longest);
    };
    my $unit = $raw8 ? qr{\\xe9} : qr{\.};
    ok(wait_for(sub { my ($t) = $text->(); my $n = () = $t =~ /$unit/g; $n == ($raw8 ? 2000 : 160) }),
       '... they reach the log, all of them') or diag(substr(($text->())[0], 0, 300));
    my (undef, $longest) = $text->();
    cmp_ok($longest, '<=', 4096, "... in lines of at most PIPE_BUF bytes ($what: "
           . ($raw8 ? 'in pieces' : 'whole') . ')');
    if ($raw8 && !$size) {
        # So many lines a second are logged (100), the rest counted: a
        # line logged in pieces counts once, logged whole or not at all.
        # (Before, each piece counted: 50 lines logged of 150 and 200 said
        # not logged.)
        my $from = -s "$dir/log";
        is($h->get("/chatty?rawerr=150$raw8")->{status}, 200, '... a flood of 150 lines');
        my ($heads, $escapes, $dropped) = (0, 0, 0);
        ok(wait_for(sub {
            open my $f, '<', "$dir/log" or return;
            seek $f, $from, 0;
            my $t = do { local $/; <$f> } // '';
            $heads = () = $t =~ /PA00121: app chatty pid \d+: rawerr line/g;
            $escapes = () = $t =~ /\\xe9/g;
            $dropped = 0;
            $dropped += $1 while $t =~ /PA00138: app chatty: (\d+) lines/g;
            $heads + $dropped == 150 && $escapes == 1000 * $heads }),
           '... logged whole or counted as not logged (PA00138), line by line')
            or diag("$heads logged, $dropped said not logged, $escapes bytes");
    }

    open my $fh, '>', "$dir/stop" or die; close $fh;
    ok(wait_for(sub { -e "$dir/stopped" }), '... the log program stops reading');
    # The chatty app writes 3000 lines to its stderr while the log is
    # stalled: its request cannot end; sent without waiting for it.
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port)
        or die "connect: $!";
    print $sock "GET /chatty?rawerr=3000$raw8 HTTP/1.0\r\n\r\n";
    ok(wait_for(sub { open my $f, '<', "$dir/inpipe" or return; (<$f> // 0) > 0 }),
       '... its lines reach the log\'s pipe');
    my $res = HTTP::Tiny->new(timeout => 20)->get($h->url('/quiet'));
    is($res->{status}, 200, '... another app, on demand, still gets a worker and answers');

    # Nor do the manager's own lines wait for it: the pipe filled to its
    # last byte (as httpd's children's lines may leave it), a worker's
    # death said then is lost, and the manager goes on. Before, it waited
    # in write() until the log read again, and no app got a worker.
    open my $pf, '<', "$dir/logger.pid" or die; my $lpid = <$pf>; close $pf;
    my ($qpid) = $h->pids('quiet');
    my $full = fill_pipe("/proc/$lpid/fd/0");
    ok($full && $qpid && kill('KILL', $qpid),
       '... its pipe filled to the last byte, the on-demand app\'s worker killed')
        or diag("filled: $full ($!), worker pid: " . ($qpid // 'none'));
    $res = HTTP::Tiny->new(timeout => 20)->get($h->url('/quiet'));
    is($res->{status}, 200, '... the manager goes on: a new worker answers');

    # The log program gone (the pipe closed), everything goes on.
    ok(kill('KILL', $lpid), '... the log program killed');
    # (Its lines lost until httpd starts another, which reads; not the app.)
    is($h->get("/chatty?rawerr=300$raw8")->{status}, 200, '... then the chatty app answers again');
    close $sock;
    ok($h->stop, '... stopped');
}
