# protocol=cgi: a CGI program (scripts/apps/echo --cgi) behind preforked
# launchers: the CGI variables in its environment, the body on its stdin up
# to EOF, its stdout the response, one process per request with the next
# one started ahead; then the failures, as for the other protocols.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use Digest::MD5 qw(md5_hex);
use PATest qw(:all);
use PADispatch qw(:all);
use PALoad;
use IO::Socket::UNIX ();

plan tests => 89;

my $logs = Apache::Test::vars('t_logs');
my $app = 'dcgi';
my $http = http();
my $base = base_url();
my $url = "$base/pa-cgi";

sub st { app_status($app) || { processes => {}, counters => {} } }
# The two launchers waiting and no other process left: every program before
# has been reaped, and counted (the status page counts a worker before it
# stops showing it). Returns that status.
sub settle {
    wait_for(sub { my $s = st();
                   ($s->{processes}{idle} || 0) == 2 && ($s->{processes}{total} || 0) == 2
                   ? $s : undef });
}

ok(settle(), 'two launchers waiting');
{
    # A launcher's slot is idle from its fork on; it sets its title after.
    my @titles;
    ok(wait_for(sub {
           @titles = map { $_->{args} } grep { $_->{args} =~ /cgi launcher/ } ps_table();
           grep({ /^httpd \(mod_prefork_app cgi launcher: dcgi\)/ } @titles) >= 2 }),
       'ps shows the launchers as such') or diag("@titles");
}

# ---- what the program is given ------------------------------------------------
{
    my $res = $http->get("$url/p/i?x=1", { headers => { Proxy => 'http://evil/',
                                                        'X-Custom' => 'foo bar' } });
    is($res->{status}, 200, 'GET: 200');
    my @lines = split /\n/, $res->{content};
    my %env = map { /^([A-Za-z_][\w-]*)=(.*)$/ ? ($1 => $2) : () } @lines;
    is($env{GATEWAY_INTERFACE}, 'CGI/1.1', 'GATEWAY_INTERFACE');
    is_deeply([ @env{qw(PATH_INFO QUERY_STRING SCRIPT_NAME REQUEST_METHOD HTTP_X_CUSTOM)} ],
              [ '/p/i', 'x=1', '/pa-cgi', 'GET', 'foo bar' ], 'the CGI variables');
    ok(!exists $env{HTTP_PROXY}, 'no HTTP_PROXY (httpoxy)');
    ok(!exists $env{SCGI}, 'no SCGI: that is the launcher\'s');
    ok(!exists $env{CONTENT_LENGTH}, 'no CONTENT_LENGTH without a body (RFC 3875 4.1.2)')
        or diag("CONTENT_LENGTH=$env{CONTENT_LENGTH}");
    is($env{CGI_MARK}, 'from-prefork-app-env', 'PreforkAppEnv');
    is(join(',', grep { /^CGI_TWICE=/ } @lines), 'CGI_TWICE=second',
       'PreforkAppEnv set twice: the later value, once');
    is(scalar(grep { /^PATH=/ } @lines), 1, 'one PATH: the app\'s, not httpd\'s');
    is($env{PATH}, '/usr/local/bin:/usr/bin:/bin', 'PATH is the app\'s');
    # As mod_cgi and mod_cgid name them (ap_create_environment()): a shell
    # drops a name with - or . from the environment it passes on.
    ok(grep({ $_ eq 'pa_flag_v1=on' } @lines) && !grep({ /^pa-flag/ } @lines),
       'SetEnv pa-flag.v1: the program gets pa_flag_v1')
        or diag(join("\n", grep { /flag/ } @lines));
    ok(grep({ $_ eq '_lives=yes' } @lines) && !grep({ /^9lives/ } @lines),
       'SetEnv 9lives: the program gets _lives');
}

# A body of no bytes is still a body the client gave a length for.
{
    my $res = $http->post($url, { content => '' });
    like($res->{content}, qr/^CONTENT_LENGTH=0$/m, 'POST with Content-Length: 0: CONTENT_LENGTH=0')
        or diag($res->{content});
}

# The program reads stdin to EOF: the body arrives whole and ends there.
{
    my $seed = 777;
    my $body = pack 'N*', map { $seed = ($seed * 1103515245 + 12345) % 2**31 } 1 .. 262144;
    my $res = $http->post("$url?echo=body", { content => $body,
                                              headers => { 'Content-Type' => 'application/octet-stream' } });
    is($res->{status}, 200, 'POST 1 MB: 200');
    is(md5_hex($res->{content}), md5_hex($body), 'POST 1 MB: echoed whole (stdin ended after it)');

    my @parts = unpack '(a1000)*', substr($body, 0, 5000);
    $res = $http->request('POST', "$url?c=1", { content => sub { shift @parts } });
    like($res->{content}, qr/^body_length=5000$/m, 'chunked body: all of it on stdin');
    like($res->{content}, qr/^CONTENT_LENGTH=5000$/m, 'chunked body: CONTENT_LENGTH');

    # A program that reads only part of its body and exits: the kernel
    # resets the connection, which is still the end of a complete reply.
    my $off = error_log_offset();
    my $e502 = st()->{counters}{http_502} || 0;
    $res = $http->post("$url?readmax=10&echo=body", { content => substr($body, 0, 300000) });
    is($res->{status}, 200, 'body left mostly unread: 200');
    is($res->{content}, substr($body, 0, 10), 'body left mostly unread: the reply whole');
    is(st()->{counters}{http_502} || 0, $e502, 'body left mostly unread: not a 502');
    unlike(error_log_since($off), qr/PA00405/, 'body left mostly unread: nothing logged');
}

# ---- one process per request -----------------------------------------------------
{
    my %pids;
    # A program that has answered (the one above that left its body
    # unread) is counted once the manager has reaped it, which may come
    # after its client has the reply: the baseline once it has been.
    my $s0 = settle();
    ok($s0, 'launchers waiting, the programs before gone');
    my $c0 = ($s0 || st())->{counters};
    for (1 .. 4) {
        my $res = $http->get("$url?whoami=1");
        $pids{$1}++ if $res->{content} =~ /^pid=(\d+) served=1 /;
    }
    is(scalar(keys %pids), 4, 'four requests, four processes, each serving one');
    # Likewise, and its next launcher may be up before it is reaped.
    my $s = settle();
    ok($s, 'launchers waiting again, the four programs gone');
    my $c = ($s || st())->{counters};
    ok(($c->{crashed} || 0) == 0, 'programs that exit after their request are not crashes');
    # A program usually exits before its reply has all been read: no
    # launcher is started in its place for a request that has one already.
    is(join(' ', map { ($c->{$_} || 0) - ($c0->{$_} || 0) } qw(spawned recycled_max_requests)),
       '4 4', 'one launcher started per request, each program counted once as recycled (max-requests 1)');
}

# ---- the response --------------------------------------------------------------
is($http->get("$url?status=404")->{status}, 404, 'Status: 404');
{
    my $res = $http->get("$url?bytes=1500000");
    is(length($res->{content}), 1500000, 'a 1.5 MB response');
    $res = $http->get("$url?redirect=%2Fpa-cgi%3Ffrom%3Dredirect");
    like($res->{content}, qr/^QUERY_STRING=from=redirect$/m, 'local redirect: served internally');
    is($http->get("$url?etag=v1", { headers => { 'If-None-Match' => '"v1"' } })->{status},
       304, 'conditional GET: 304');
}

# ---- failures --------------------------------------------------------------------
my $marker = "$logs/dcgi_die_get";
unlink $marker;
# A program that ends without a byte of output ran: it is not run again,
# even for a GET, as under mod_cgi (die=FILE dies the first time only: a
# second run would answer).
my $off = error_log_offset();
is($http->get("$url?die=$marker")->{status}, 502,
   'program ended without output: 502, not run again for a GET');
ok(-e $marker, 'the program did run');
ok(wait_for_log(qr/PA00331: dcgi: no output from CGI program pid \d+: it ended without any, or could not be executed/, $off),
   'logged as a program that ended without output');
$off = error_log_offset();
is($http->post_form("$url?die=always", { a => 1 })->{status}, 502, 'POST: 502');
ok(wait_for_log(qr/PA00331: dcgi: no output from CGI program pid \d+: it ended without any, or could not be executed/, $off),
   '502 logged');

ok(settle(), 'launchers waiting after those');
is(st()->{counters}{crashed} || 0, 0, 'a program\'s exit status is not a crash');
unlike(error_log_since(0), qr/PA00105: app dcgi/, 'no crash-loop backoff');

# A program that answers and exits 127 (a shell script whose last command is
# not found does): that status is the program's, not a launcher's that
# could not exec it, which is what starts a crash-loop backoff.
{
    my $off = error_log_offset();
    my $c0 = st()->{counters}{crashed} || 0;
    my $load = PALoad->start("$url?exit=127&bytes=3", clients => 3);
    sleep 3;
    my %status = $load->stop;
    ok(($status{200} || 0) > 0 && keys %status == 1, 'programs that exit 127, three clients: only 200s')
        or diag(PALoad::describe(%status));
    ok(settle(), 'launchers waiting after them');
    is((st()->{counters}{crashed} || 0) - $c0, 0, 'a program that exits 127 is not a crash');
    unlike(error_log_since($off), qr/PA00105: app dcgi/, 'nor a crash-loop backoff');
}
$off = error_log_offset();
my $res = $http->get("$url?cut=1");
# A 502 if it all came in one read, else a response cut off after its
# headers went out (HTTP::Tiny: 599, not a timeout); a short 200 that ends
# properly would be passed off as complete.
ok($res->{status} == 502 || $res->{status} == 599 && ($res->{content} // '') !~ /timed out/i,
   'died mid-reply: not passed off as complete') or diag(explain($res));
ok(wait_for_log(qr/PA00405: dcgi: bad CGI reply from worker pid \d+: the reply ended 990 bytes short/, $off),
   'short reply logged');

ok(settle(), 'launchers waiting again');
$off = error_log_offset();
is($http->get("$url?sleep=30")->{status}, 504, 'request-timeout: 504');
ok(wait_for_log(qr/PA00311: dcgi: worker pid \d+ exceeded request-timeout/, $off),
   'timeout logged');

$off = error_log_offset();
is($http->get("$url?stderr=cgi-one%7Ccgi-two")->{status}, 200, 'stderr: 200');
ok(wait_for_log(qr/app dcgi pid \d+: cgi-one\n(?:.*\n)*?.*app dcgi pid \d+: cgi-two/, $off),
   'the program\'s stderr logged with the app name');

my $st = st();
is($st->{protocol}, 'cgi', 'status: protocol cgi');
is($st->{connections}, 'per_request', 'status: a connection per request');

# A private httpd whose app NAME (with OPTS) runs a CGI program that
# answers "ok" (shell lines FIRST before, LAST after), up and answering;
# CONF goes before the app.
sub cgi_httpd {
    my ($name, $opts, $conf, $first, $last) = @_;
    my $h = PATest::Httpd->new(status => 1, conf => $conf);
    my $prog = $h->dir . '/prog.sh';
    open my $fh, '>', $prog or die "$prog: $!";
    print $fh "#!/bin/sh\n", $first // '',
              "printf 'Content-Type: text/plain\\r\\n\\r\\nok\\n'\n", $last // '';
    close $fh;
    chmod 0755, $prog;
    open $fh, '>>', $h->dir . '/httpd.conf' or die $!;
    print $fh qq{PreforkApp $name "$prog" protocol=cgi $opts\n},
              qq{<Location /$name>\n    SetHandler prefork-app:$name\n</Location>\n};
    close $fh;
    ok($h->start && $h->get("/$name")->{status} == 200, 'a private httpd: the program answers')
        or diag($h->error_log);
    return ($h, $prog);
}

# A program killed by a signal of its own after its reply (SIGSEGV) is a
# crash, counted and logged as one; not a recycle by max-requests, as the
# manager's SIGTERM once its request was over had made it.
{
    # (The manager's SIGTERM once its reply is in must not end it first.)
    my ($h) = cgi_httpd('cs', 'processes=2', '', "trap '' TERM\n", "kill -SEGV \$\$\n");
    my ($crashed) = (wait_for_log(qr/PA00103: app cs slot \d+ pid \d+ killed by signal 11 after 1 requests \(crashed\)/, 0,
                                  file => $h->log_file) // '')
                    =~ /PA00103: app cs slot \d+ pid (\d+) killed by signal 11 after 1 requests \(crashed\)/;
    ok($crashed, '... logged as a crash') or diag($h->error_log);
    ok(wait_for(sub { ($h->counter('cs', 'crashed') || 0) >= 1 }), '... counted as one')
        or diag(explain(($h->app('cs') || {})->{counters}));
    # (Its line only: every program of the app that exits by itself counts
    # as a recycle by max-requests, and a clean-clone run saw one more,
    # once, whose line the diag shows.)
    my $cpid = $crashed // 0;
    unlike($h->error_log, qr/PA0010[34]: app cs slot \d+ pid $cpid [^\n]*max-requests reached/,
           '... not as a recycle')
        or diag(join "\n", $h->error_log =~ /^.*PA0010[34]: app cs .*$/mg);
    diag(join "\n", 'another program of the app counted as a recycle:',
              $h->error_log =~ /^.*(?:PA0010[34]|PA0030[0-9]|PA0032[0-9]): .*$/mg)
        if $h->counter('cs', 'recycled_max_requests');
    $h->stop;
}

# A launcher that cannot exec its program (made non-executable after the
# start: configtest checked it then) is a launcher failure, unlike a
# program's own exit status: 502 at once, the reason logged, and the app
# backs off as for a crash loop instead of burning a launcher per request.
{
    my ($h, $prog) = cgi_httpd('cx', 'processes=2', '');
    chmod 0644, $prog;
    my @codes = map { $h->get('/cx', timeout => 30)->{status} } 1 .. 6;
    ok(!grep({ $_ == 200 } @codes), 'not executable any more: no 200') or diag("@codes");
    ok(wait_for_log(qr/PA00121: app cx pid \d+: cannot execute \Q$prog\E: Permission denied/, 0,
                    file => $h->log_file), 'the reason logged');
    ok(wait_for_log(qr/PA00105: app cx: workers exit right after they start \(pid \d+ [^)]*\); backing off/, 0,
                    file => $h->log_file), 'the app backs off') or diag($h->error_log);
    ok(($h->counter('cx', 'crashed') || 0) > 0, 'counted as crashes');
    chmod 0755, $prog;                  # for -k stop's configuration check
    $h->stop;
}

# The launcher's socket can be reached by any process running as httpd's
# User: a connection that sends no request of httpd's (garbage, or nothing)
# is dropped and the launcher waits for the next, rather than failing to
# start (a crash loop: 503 for everyone) or waiting on it for ever.
{
    my ($h, $prog) = cgi_httpd('cy', 'processes=1 request-timeout=40', '');
    my ($sockdir) = glob($h->dir . '/pa-*');
    my $sock = "$sockdir/cy.0.sock";
    ok(wait_for(sub { (($h->app('cy') || {})->{processes}{idle} // 0) == 1 }),
       'its next launcher waits');
    my $c = IO::Socket::UNIX->new(Peer => $sock) or die "$sock: $!";
    print $c 'x';
    close $c;
    my @codes = map { $h->get('/cy', timeout => 60)->{status} } 1 .. 3;
    is("@codes", '200 200 200', 'a connection that sent garbage to a launcher: requests still served');
    ok(wait_for_log(qr/PA00121: app cy pid \d+: cgi launcher of cy: dropped a connection that sent no request header of httpd's/,
                    0, file => $h->log_file), 'the launcher says it dropped it');
    is($h->counter('cy', 'crashed') || 0, 0, 'no crash counted');
    ok(wait_for(sub { (($h->app('cy') || {})->{processes}{idle} // 0) == 1 }),
       'its next launcher waits');
    $c = IO::Socket::UNIX->new(Peer => $sock) or die "$sock: $!";
    my $r = $h->get('/cy', timeout => 60);
    is($r->{status}, 200, 'one that holds a connection open and says nothing: the next request is served');
    close $c;
    # A well-formed request of another process's: it would choose the
    # program's variables (REMOTE_USER; SCRIPT_FILENAME for php-cgi),
    # also under user=. Without httpd's key, the program does not run.
    # The socket of cy's waiting launcher: it may be in either slot (a
    # program still running holds the other).
    my $idle_launcher = sub {
        wait_for(sub {
            my ($w) = grep { $_->{state} eq 'idle' }
                          @{ ($h->app('cy') || {})->{workers} || [] };
            $w && "$sockdir/cy.$w->{slot}.sock" });
    };
    my $idle = $idle_launcher->();
    ok($idle, 'its next launcher waits');
    my $vars = join '', map { "$_\0" } CONTENT_LENGTH => '', SCGI => 1,
        GATEWAY_INTERFACE => 'CGI/1.1', REQUEST_METHOD => 'GET',
        SCRIPT_NAME => '/cy', REMOTE_USER => 'admin';
    $c = IO::Socket::UNIX->new(Peer => $idle) or die "$idle: $!";
    print $c length($vars) . ":$vars,";
    my ($forged, $how) = read_all($c, timeout => 20);
    close $c;
    is(length($forged) . " $how", '0 eof', 'a request without httpd\'s key: closed, nothing run')
        or diag($forged);
    ok(wait_for_log(qr/PA00121: app cy pid \d+: cgi launcher of cy: dropped a connection that sent a request without httpd's key/,
                    0, file => $h->log_file), 'the launcher says it dropped it');
    is($h->get('/cy', timeout => 60)->{status}, 200, 'httpd\'s own requests still served');
    # One that trickles a header, a byte every 2 s for 30 s: dropped once
    # the header has taken 10 s, however steadily it comes.
    $idle = $idle_launcher->();
    my $trickler = fork // die "fork: $!";
    if (!$trickler) {
        my $t = IO::Socket::UNIX->new(Peer => $idle) or exit 1;
        $t->autoflush(1);
        print $t '100000:';
        for (1 .. 15) {
            sleep 2;
            print $t 'x' or last;
        }
        exit 0;
    }
    sleep 1;
    is($h->get('/cy', timeout => 25)->{status}, 200,
       'a connection that trickles its header: the next request is served all the same');
    ok(wait_for_log(qr/PA00121: app cy pid \d+: cgi launcher of cy: dropped a connection that sent no request header of httpd's \(Connection timed out\)/,
                    0, file => $h->log_file), 'the launcher says it dropped it');
    kill 'TERM', $trickler;
    waitpid $trickler, 0;
    $h->stop;
}

# A variable of the key's name in another case, set by the configuration:
# the key still goes under its own name (the launcher looks for that).
{
    my $lib = libexecdir();
    my ($h) = cgi_httpd('cz', 'processes=1',
                        qq{LoadModule env_module "$lib/mod_env.so"\n}
                        . "SetEnv prefork_app_cgi_key x\n");
    is($h->get('/cz', timeout => 60)->{status}, 200,
       'SetEnv prefork_app_cgi_key: requests served all the same');
    $h->stop;
}

# A program that signals its process group (kill 0: a shell's way to stop
# its background jobs, as in trap 'kill 0' EXIT) reaches what it started,
# not the manager's group: that took the manager itself (SIGTERM: every
# app's workers stopped, a new manager started), the other apps' idle
# launchers (crashes, a crash-loop backoff) and their programs in the
# middle of a request (502).
{
    my $h = PATest::Httpd->new(status => 1, conf => '');
    my $dir = $h->dir;
    my %prog = (
        'kill.sh' => "#!/bin/sh\ntrap '' TERM\nprintf 'Content-Type: text/plain\\r\\n\\r\\nsent\\n'\nkill -TERM 0\n",
        'wait.sh' => "#!/bin/sh\n: >\"\$0.started\"\ni=0\nwhile [ ! -e \"\$0.go\" ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done\n"
                   . "printf 'Content-Type: text/plain\\r\\n\\r\\ndone\\n'\n",
    );
    for my $name (keys %prog) {
        open my $fh, '>', "$dir/$name" or die "$dir/$name: $!";
        print $fh $prog{$name};
        close $fh;
        chmod 0755, "$dir/$name";
    }
    my $hello = hello_path();
    open my $fh, '>>', "$dir/httpd.conf" or die $!;
    print $fh qq{PreforkApp ck "$dir/kill.sh" protocol=cgi processes=1\n},
              qq{PreforkApp cw "$dir/wait.sh" protocol=cgi processes=2\n},
              qq{PreforkApp cf "$hello" processes=1\n};
    print $fh "<Location /$_>\n    SetHandler prefork-app:$_\n</Location>\n" for qw(ck cw cf);
    close $fh;
    ok($h->start && $h->get('/cf')->{status} == 200, 'a private httpd: a FastCGI app answers')
        or diag($h->error_log);
    my $manager = $h->manager_pid;
    my @fcgi = $h->pids('cf');
    my $busy = $h->send_raw('GET', '/cw');
    ok(wait_for(sub { -e "$dir/wait.sh.started" }), 'a CGI program of another app is at its request');
    my $off = error_log_offset($h->log_file);
    my $res = $h->get('/ck');
    is("$res->{status} $res->{content}", "200 sent\n", 'a program that sent SIGTERM to its process group answers')
        or diag($h->error_log);
    # Its launcher replaced: the manager has seen it leave (and any signal
    # sent before that).
    ok(wait_for(sub { (($h->app('ck') || {})->{processes}{idle} // 0) == 1 })
       && $h->get('/cf')->{status} == 200
       && ($h->manager_pid // 0) == $manager && "@{[ $h->pids('cf') ]}" eq "@fcgi"
       && error_log_since($off, $h->log_file) !~ /PA00113/,
       'the manager and the other apps\' workers did not get it') or diag(error_log_since($off, $h->log_file));
    open my $go, '>', "$dir/wait.sh.go" or die $!;
    close $go;
    my ($status, $body) = $h->read_reply($busy);
    ok($status == 200 && $body =~ /^done$/m, 'nor the other app\'s program in the middle of its request')
        or diag("$status $body");
    is($h->counter('cw', 'crashed') || 0, 0, 'nor its waiting launcher: no crash counted')
        or diag(error_log_since($off, $h->log_file));
    $h->stop;
}

# A request whose variables exec() refuses (E2BIG: one over 128 KiB, a
# header under a raised LimitRequestFieldSize) fails alone, as under
# mod_cgid: the launcher had marked its slot, as for a program it cannot
# exec, so that any client could put the app in crash-loop backoff (503
# for everyone) with one such header.
{
    my ($h, $prog) = cgi_httpd('cz', 'processes=1', "LimitRequestFieldSize 200000\n");
    my $big = HTTP::Tiny->new(timeout => 30);
    my @codes = map { $big->get($h->url('/cz'), { headers => { 'X-Big' => 'x' x 140000 } })->{status} } 1 .. 3;
    is("@codes", '502 502 502', 'a header too long for exec(): 502');
    ok(wait_for_log(qr/PA00121: app cz pid \d+: cannot execute \Q$prog\E for this request, its variables are too long/,
                    0, file => $h->log_file), 'the reason logged') or diag($h->error_log);
    @codes = map { $h->get('/cz', timeout => 30)->{status} } 1 .. 3;
    is("@codes", '200 200 200', 'the requests after it are served');
    is($h->counter('cz', 'crashed') || 0, 0, 'no crash counted');
    ok($h->error_log !~ /PA00105/, 'no backoff') or diag($h->error_log);
    $h->stop;
}
