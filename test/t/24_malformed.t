# Malformed FastCGI output (scripts/apps/bad.c, mode=X): 502 and one log
# line saying what was wrong; the worker is replaced and the app keeps
# serving. FCGI_STDERR lines go to the error log, one line each.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(:all);
use Apache::TestRequest ();
use IO::Socket::INET ();

my @cases = (
    [ version     => qr/PA00401: dbad: bad FastCGI reply from worker pid \d+: bad record version 2/ ],
    [ eof         => qr/PA00401: dbad: .*connection closed in the middle of a record's content/ ],
    [ garbage     => qr/PA00401: dbad: .*bad record version/ ],
    [ badid       => qr/PA00401: dbad: .*record for request id \d+ \(expected \d+\)/ ],
    [ badtype     => qr/PA00401: dbad: .*unexpected record type 10/ ],
    [ hugeheader  => qr/PA00402: dbad: bad CGI headers from worker pid \d+: a header line longer than 8189 bytes/ ],
    [ manyheaders => qr/PA00402: dbad: .*headers longer than 65536 bytes/ ],
    [ badheader   => qr/PA00402: dbad: .*unparsable header block, at "this is no header"/ ],
    [ nulline     => qr/PA00402: dbad: .*a NUL byte in the header block/ ],
    [ statusword  => qr/PA00402: dbad: .*invalid Status abc;/ ],
    [ ctlheader   => qr/PA00402: dbad: .*header X-Bad with a control character in its value/ ],
    [ badstatus   => qr/PA00402: dbad: .*invalid Status 999/ ],
    [ badcl       => qr/PA00402: dbad: .*an invalid Content-Length \(3x\)/ ],
    [ twocl       => qr/PA00402: dbad: .*Content-Length given twice, with different values/ ],
    [ interim     => qr/PA00402: dbad: .*invalid Status 100/ ],
    [ nothing     => qr/PA00309: dbad: worker pid \d+ went away before answering \(twice\)/ ],
);

plan tests => 3 * @cases + 19 + 5 + 8 + 1 + 8 + 3 + 7 + 4 + 3;

my $http = http();
my $base = base_url();
sub idle { ((app_status('dbad') || {})->{processes} || {})->{idle} }

for my $case (@cases) {
    my ($mode, $log) = @$case;
    ok(wait_for(sub { idle() }), "$mode: a worker is idle");
    my $off = error_log_offset();
    my $res = $http->get("$base/dbad?mode=$mode");
    is($res->{status}, 502, "$mode: 502");
    ok(wait_for_log($log, $off), "$mode: logged what was wrong")
        or diag(error_log_since($off));
}

# Bytes after FCGI_END_REQUEST: the reply is whole and served, but the
# worker's stream cannot be trusted for the next one: it is replaced.
ok(wait_for(sub { idle() }), 'trailing: a worker is idle');
my ($before) = worker_pids('dbad');
my $toff = error_log_offset();
my $tres = $http->get("$base/dbad?mode=trailing");
is("$tres->{status} $tres->{content}", "200 ok\n", 'trailing: the reply is served');
ok(wait_for_log(qr/PA00406: dbad: worker pid $before sent 5 bytes after FCGI_END_REQUEST/, $toff),
   'trailing: logged');
ok(wait_for(sub { my ($p) = worker_pids('dbad'); $p && $p != $before && idle() }),
   'trailing: the worker is replaced');

# A Content-Length with blanks after it (not part of the value), or given
# twice as the same number in two spellings: a valid length.
for my $mode (qw(clblank clzeros)) {
    ok(wait_for(sub { idle() }), "$mode: a worker is idle");
    my $res = $http->get("$base/dbad?mode=$mode");
    is("$res->{status} $res->{content} " . ($res->{headers}{'content-length'} // '-'),
       "200 ok\n 3", "$mode: served, with Content-Length 3");
}

# A reply that ends short of its Content-Length: the client must not wait
# for the rest. A 502 if it all came in one read, else a response cut off
# after its headers went out (HTTP::Tiny: 599).
ok(wait_for(sub { idle() }), 'shortcl: a worker is idle');
$toff = error_log_offset();
my $sres = $http->get("$base/dbad?mode=shortcl");
ok($sres->{status} == 502 || $sres->{status} == 599 && $sres->{content} !~ /timed out/i,
   'shortcl: a 502 or a cut-off response, at once') or diag(explain($sres));
ok(wait_for_log(qr/PA00401: dbad: .*the reply ended 97 bytes short of its Content-Length/, $toff),
   'shortcl: logged');

# HTTP/1.0 by hand: what goes over the wire, framing included.
sub raw_get {
    my ($path) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => Apache::TestRequest::hostport(), Timeout => 30)
        or return '';
    print $s "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    return read_all($s);
}

# A body longer than its Content-Length: cut there (the client would read
# the rest as the next response), logged.
ok(wait_for(sub { idle() }), 'longcl: a worker is idle');
$toff = error_log_offset();
my ($head, $body) = split /\r\n\r\n/, raw_get('/dbad?mode=longcl'), 2;
is($body, "ok\n", 'longcl: the body stops at its Content-Length');
ok(wait_for_log(qr/PA00407: dbad: worker pid \d+ sent more body than its Content-Length \(3\); the rest is dropped/, $toff),
   'longcl: logged');

# The framing is httpd's: an app's Transfer-Encoding does not reach the client.
ok(wait_for(sub { idle() }), 'tehdr: a worker is idle');
($head, $body) = split /\r\n\r\n/, raw_get('/dbad?mode=tehdr'), 2;
ok($head =~ m{^HTTP/1\.\d 200} && $head !~ /^Transfer-Encoding/mi && $body eq "ok\n",
   'tehdr: served without the app\'s Transfer-Encoding') or diag($head);

# The error page carries none of the broken reply's headers.
ok(wait_for(sub { idle() }), 'badstatus again: a worker is idle');
my $bs = $http->get("$base/dbad?mode=badstatus");
ok(!exists $bs->{headers}{'set-cookie'},
   'badstatus: the 502 does not set the cookie of the broken reply');
# httpd's scanner notes an invalid Status for the error page, yet says OK.
unlike($bs->{content}, qr/999|Invalid status/i,
       'badstatus: the error page does not show the app\'s Status line');

# What the app sent is not shown to the client on the error page.
ok(wait_for(sub { idle() }), 'badheader again: a worker is idle');
unlike($http->get("$base/dbad?mode=badheader")->{content}, qr/no header|Bad header/,
       'badheader: the error page does not show the app output');

# The reply breaks after its headers went out: the client sees a truncated
# response (HTTP::Tiny: 599), not a complete one.
ok(wait_for(sub { idle() }), 'noend: a worker is idle');
my $off = error_log_offset();
my $res = $http->get("$base/dbad?mode=noend");
is($res->{status}, 599, 'noend: the client sees the response cut short')
    or diag(explain($res));
ok(wait_for_log(qr/PA00401: dbad: .*connection closed before FCGI_END_REQUEST/, $off),
   'noend: logged');

# An app that refuses the request in FCGI_END_REQUEST's protocolStatus:
# FCGI_OVERLOADED asks to be tried later (503, Retry-After), the others
# are a 502. Its stream is fine: the worker stays.
for my $case ([overloaded => 503, 2], [unknownrole => 502, 3]) {
    my ($mode, $code, $ps) = @$case;
    ok(wait_for(sub { idle() }), "$mode: a worker is idle");
    my ($was) = worker_pids('dbad');
    my $roff = error_log_offset();
    my $rres = $http->get("$base/dbad?mode=$mode");
    ok($rres->{status} == $code
       && ($code != 503 || $rres->{headers}{'retry-after'}), "$mode: $code")
        or diag(explain($rres));
    ok(wait_for_log(qr/PA00403: dbad: worker pid $was refused the request \(FastCGI protocol status $ps\)/, $roff),
       "$mode: logged");
    my $okres = $http->get("$base/dbad?mode=ok");
    my ($now) = worker_pids('dbad');
    ok($okres->{status} == 200 && $now == $was,
       "$mode: the same worker serves on") or diag("$okres->{status}: $was, now $now");
}

# A request ended cleanly (FCGI_END_REQUEST, FCGI_REQUEST_COMPLETE) without
# a whole header block: nothing to answer with, a 502 (PA00404). The stream
# itself is fine: the same worker serves on.
for my $mode (qw(nohead halfhead)) {
    ok(wait_for(sub { idle() }), "$mode: a worker is idle");
    my ($was) = worker_pids('dbad');
    my $hoff = error_log_offset();
    my $hres = $http->get("$base/dbad?mode=$mode");
    is($hres->{status}, 502, "$mode: 502") or diag(explain($hres));
    ok(wait_for_log(qr/PA00404: dbad: worker pid $was ended the request without a complete header block/, $hoff),
       "$mode: logged (PA00404)") or diag(error_log_since($hoff));
    my $okres = $http->get("$base/dbad?mode=ok");
    my ($now) = worker_pids('dbad');
    ok($okres->{status} == 200 && $now == $was,
       "$mode: the same worker serves on") or diag("$okres->{status}: $was, now $now");
}

# An app that stays overloaded says so to every request: PA00403 at warn
# at most once per 10 s, as PA00304, the others at info.
{
    my $loff = error_log_offset();
    $http->get("$base/dbad?mode=overloaded") for 1 .. 3;
    wait_for_log(qr/(?s:PA00403: dbad:.*?){3}/, $loff);
    my @levels = error_log_since($loff)
        =~ /\[prefork_app:(\w+)\][^\n]*PA00403: dbad:/g;
    ok(@levels == 3 && (grep { $_ eq 'warn' } @levels) <= 1,
       'overloaded again and again: one warning at most, the others at info')
        or diag("@levels");
}

ok(wait_for(sub { idle() }), 'stderr: a worker is idle');
$off = error_log_offset();
$res = $http->get("$base/dbad?mode=stderr");
is($res->{status}, 200, 'stderr: the reply is served');
my $log = wait_for_log(qr/tab$/m, $off) || '';
my @lines = $log =~ /PA00310: dbad: stderr: (.*)$/mg;
# A NUL does not cut the line short (written \x00, whose backslash httpd
# doubles); httpd writes the other control bytes as \xHH or \t.
is_deeply(\@lines, ['first line', 'second line', 'third line',
                    'nul\\\\x00 esc\\x1b[31m\\ttab'],
          'stderr: one log line per line, tagged with the app, control bytes escaped');
is($http->get("$base/dbad?mode=ok")->{status}, 200, 'the app still serves');

# A stderr line longer than the 3584 bytes kept for one: logged in pieces
# of 3584 (each log line within PIPE_BUF, for a piped ErrorLog), none
# lost, none longer.
ok(wait_for(sub { idle() }), 'longstderr: a worker is idle');
$off = error_log_offset();
is($http->get("$base/dbad?mode=longstderr")->{status}, 200, 'longstderr: the reply is served');
$log = wait_for_log(qr/(?s:PA00310: dbad: stderr: .*){3}/, $off) || '';
my @parts = $log =~ /PA00310: dbad: stderr: ([0-9]+)$/mg;
is_deeply([map { length } @parts], [3584, 3584, 2832],
          'longstderr: 10000 bytes logged as 3584 + 3584 + 2832')
    or diag(error_log_since($off));
# The same for bytes that httpd writes as \xHH: pieces of 3584 bytes as
# logged (896 of the line's), not of the line's 3584 (14336 logged, over
# PIPE_BUF, torn among the other children's lines in a piped ErrorLog).
ok(wait_for(sub { idle() }), 'longstderr8: a worker is idle');
$off = error_log_offset();
is($http->get("$base/dbad?mode=longstderr8")->{status}, 200, 'longstderr8: the reply is served');
$log = wait_for_log(qr/(?s:PA00310: dbad: stderr: .*){4}/, $off) || '';
@parts = $log =~ /PA00310: dbad: stderr: ((?:\\xe9)+)$/mg;
is_deeply([map { length } @parts], [3584, 3584, 3584, 1248],
          'longstderr8: 3000 Latin-1 bytes logged as 3 x 896 + 312 (3584 + 3584 + 3584 + 1248 as \\xHH)')
    or diag(error_log_since($off));

# An app that floods its FCGI_STDERR (5000 lines in one reply): at most 100
# lines a second per app are logged, the rest counted; the count is said
# (PA00344) with the first line logged in a later second (here, of the
# requests that follow: 4 lines each).
ok(wait_for(sub { idle() }), 'stderrflood: a worker is idle');
$off = error_log_offset();
is($http->get("$base/dbad?mode=stderrflood")->{status}, 200, 'stderrflood: the reply is served');
# With no request after it, the manager says, a second on, how many lines
# were not logged (PA00144).
ok(wait_for_log(qr/PA00144: app dbad: \d+ lines of its FCGI_STDERR not logged \(more than 100 a second\)/, $off),
   'stderrflood: with no line after them, the lines not logged are counted all the same (PA00144)');
# A later request's line logged: every line not logged before it has been
# counted in a PA00344 (said before the first line of each second) or a
# PA00144.
ok(wait_for(sub { $http->get("$base/dbad?mode=stderr");
                  error_log_since($off) =~ /PA00310: dbad: stderr: first line/ }),
   'stderrflood: then the lines of later requests are logged again');
like(error_log_since($off), qr/PA00(?:344: dbad|144: app dbad): \d+ lines of its FCGI_STDERR not logged/,
     'stderrflood: PA00344 or PA00144 says how many lines were not logged');
$log = error_log_since($off);
my $flood = () = $log =~ /PA00310: dbad: stderr: flood \d+$/mg;
my $counted = 0;
$counted += $1 while $log =~ /PA00(?:344: dbad|144: app dbad): (\d+) lines of its FCGI_STDERR not logged \(more than 100 a second\)$/mg;
ok($flood > 0 && $flood < 1000,
   "stderrflood: $flood of its 5000 lines logged (at most 100 a second)");
ok($flood + $counted >= 5000,
   "stderrflood: the others counted ($counted, with the other requests' lines not logged)")
    or diag($log);
