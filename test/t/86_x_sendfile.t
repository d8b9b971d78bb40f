# x-sendfile=DIR: an app answers with "X-Sendfile: PATH" and httpd sends
# that file as the body, once the worker is free (mod_xsendfile's and
# lighttpd's header): with its length, Last-Modified and ETag, conditional
# requests and ranges as for a static file, never stored by the response
# cache. Only regular files under the key's directories, whatever a link
# or ".." says; anything else gets a status and one log line, and the
# header never reaches the client.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny ();
use POSIX ();
use Cwd qw(abs_path);
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 66;

my $echo = app_path('echo');
my $files = File::Temp->newdir('pa-sfXXXX', TMPDIR => 1);
my $outside = File::Temp->newdir('pa-outXXXX', TMPDIR => 1);
sub put { my ($path, $data) = @_; open my $fh, '>', $path or die "$path: $!"; binmode $fh; print $fh $data; close $fh }
my $small = "the file's own body\n";
my $big = join('', map { chr(($_ * 7) % 256) } 0 .. 1024 * 1024 - 1);
put("$files/a.txt", $small);
put("$files/big.bin", $big);
put("$outside/secret.txt", "not to be sent\n");
mkdir "$files/sub";
put("$files/sub/b.txt", "below\n");
symlink("$outside/secret.txt", "$files/link-out") or die "symlink: $!";
symlink("$files/a.txt", "$files/link-in") or die "symlink: $!";
POSIX::mkfifo("$files/fifo", 0600) or die "mkfifo: $!";
put("$files/closed.txt", "closed\n");
chmod 0, "$files/closed.txt";

# The directories are checked at configtest.
my %c = configtest(qq{PreforkApp a "$echo" x-sendfile=$files,$outside/nosuch});
ok($c{rc} != 0, 'x-sendfile= naming a directory that is not there: configtest fails');
like($c{out}, qr{line $c{first} of \Q$c{file}\E:\s+PreforkApp a: x-sendfile=\Q$outside\E/nosuch: No such file or directory},
     '... with the file, the line and the name');

my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkApp sf "$echo" processes=2 x-sendfile=$files
PreforkApp nosf "$echo" processes=1
PreforkAppCache sz 1M
PreforkApp csf "$echo" processes=1 x-sendfile=$files cache=sz
PreforkApp ssf "$echo --scgi" protocol=scgi processes=1 x-sendfile=$files
PreforkApp gsf "$echo --cgi" protocol=cgi processes=1 x-sendfile=$files
<Location /ssf>
    SetHandler prefork-app:ssf
</Location>
<Location /gsf>
    SetHandler prefork-app:gsf
</Location>
<Location /sf>
    SetHandler prefork-app:sf
</Location>
<Location /nosf>
    SetHandler prefork-app:nosf
</Location>
<Location /csf>
    SetHandler prefork-app:csf
</Location>
EOF
ok($h->start, 'private httpd: an app with x-sendfile=, one without, one with a cache too')
    or diag($h->error_log);
is_deeply(((($h->app('sf') || {})->{pool}) || {})->{x_sendfile}, [abs_path($files)],
          'the status page lists its directory (JSON pool.x_sendfile)');

sub esc { my $s = shift; $s =~ s/([^A-Za-z0-9_.\/-])/sprintf('%%%02X', ord $1)/ge; $s }
# A request whose answer names PATH (extra query, method, request headers).
sub ask {
    my ($base, $path, %o) = @_;
    my $url = $h->url("$base?header=X-Sendfile:" . esc($path) . ($o{query} // ''));
    return HTTP::Tiny->new(timeout => 60)->request($o{method} || 'GET', $url,
                                                   { headers => $o{headers} || {} });
}

my $r = ask('/sf/x', "$files/a.txt");
is($r->{status}, 200, 'X-Sendfile of a file in the directory: 200');
is($r->{content}, $small, 'the body is the file, not the app\'s');
ok(!exists $r->{headers}{'x-sendfile'}, 'the header does not reach the client');
is($r->{headers}{'content-length'}, length $small, 'Content-Length: the file\'s');
like($r->{headers}{'content-type'}, qr{^text/plain}, 'the app\'s Content-Type');
ok($r->{headers}{'last-modified'}, 'Last-Modified, from the file');
ok($r->{headers}{etag}, 'an ETag, from the file');
my ($etag, $lm) = ($r->{headers}{etag}, $r->{headers}{'last-modified'});

$r = ask('/sf/x', "$files/a.txt", headers => { 'If-None-Match' => $etag });
is($r->{status}, 304, 'If-None-Match with its ETag: 304');
is($r->{content} // '', '', '... no body');
$r = ask('/sf/x', "$files/a.txt", headers => { 'If-Modified-Since' => $lm });
is($r->{status}, 304, 'If-Modified-Since its Last-Modified: 304');
$r = ask('/sf/x', "$files/a.txt", headers => { Range => 'bytes=4-7' });
is("$r->{status} $r->{content}", '206 file', 'Range: bytes=4-7: 206 and those bytes');
$r = ask('/sf/x', "$files/a.txt", method => 'HEAD');
is("$r->{status} $r->{headers}{'content-length'} " . length($r->{content} // ''), "200 @{[length $small]} 0",
   'HEAD: the length, no body');
$r = ask('/sf/x', "$files/big.bin");
ok($r->{status} == 200 && $r->{content} eq $big, 'a file of 1 MB, whole') or diag("status $r->{status}, " . length($r->{content}) . ' bytes');
# Big files to clients slow to read them: the core sets the rest of each
# aside and sends it later; once sent, each file is closed (none stays open
# in httpd, a descriptor per download).
# 16 MB, past what a socket's send buffer takes at once (4 MB at most).
{ open my $fh, '>', "$files/huge.bin" or die $!; truncate $fh, 16 << 20 or die $!; close $fh }
my $big_real = abs_path("$files/huge.bin");
sub big_open {
    my $n = 0;
    for my $p (map { $_->{pid} } PATest::ps_children($h->pid)) {
        opendir(my $d, "/proc/$p/fd") or next;
        $n += grep { (readlink("/proc/$p/fd/$_") // '') eq $big_real } readdir $d;
    }
    return $n;
}
my @slow = map { $h->slow_client('/sf/x?header=X-Sendfile:' . esc("$files/huge.bin")) } 1 .. 3;
ok(wait_for(sub { big_open() >= 1 }), 'big files to slow clients: httpd holds them open while it sends');
my @got = map { [ $h->read_reply($_) ] } @slow;
is(join(' ', map { "$_->[0]:" . ($_->[1] eq "\0" x (16 << 20) ? 'whole' : length $_->[1]) } @got),
   '200:whole 200:whole 200:whole', '... each client gets its file whole');
ok(wait_for(sub { big_open() == 0 }), '... and then none is open in httpd any more') or diag(big_open() . ' still open');
$r = ask('/sf/x', "$files/sub/b.txt");
is("$r->{status} $r->{content}", "200 below\n", 'a file in a subdirectory');
$r = ask('/sf/x', "$files/link-in");
is("$r->{status} $r->{content}", "200 $small", 'a link to a file in the directory');
$r = ask('/sf/x', "$files/a.txt", query => '&status=404');
is("$r->{status} $r->{content}", "404 $small", 'the app\'s status stays (a 404 page from a file)');

# SCGI and CGI answers the same.
for my $p ([ '/ssf/x', 'SCGI' ], [ '/gsf/x', 'CGI' ]) {
    $r = ask($p->[0], "$files/a.txt");
    is("$r->{status} $r->{content}", "200 $small", "$p->[1]: the file");
    ok(!exists $r->{headers}{'x-sendfile'}, "$p->[1]: the header does not reach the client");
}

# An answer whose body is dropped may promise the length of the one that
# replaces it and send none (Flask's send_file with use_x_sendfile): that is
# not a reply cut short, whatever the protocol, and its worker stays.
my $len = length $small;
for my $p ([ '/sf/x', 'FastCGI' ], [ '/ssf/x', 'SCGI' ], [ '/gsf/x', 'CGI' ]) {
    $r = ask($p->[0], "$files/a.txt", query => "&header2=Content-Length:$len&nobody=1");
    is("$r->{status} $r->{content}", "200 $small", "$p->[1]: X-Sendfile with the file's Content-Length and no body: the file");
    $r = HTTP::Tiny->new(max_redirect => 0)->get($h->url("$p->[0]?redirect=http://example.org/there&header=Content-Length:5&nobody=1"));
    is("$r->{status} " . ($r->{headers}{location} // ''), '302 http://example.org/there',
       "$p->[1]: a Location URL with a Content-Length and no body: 302");
}
my $pid = ($h->get('/ssf/plain?whoami=1')->{content} =~ /^pid=(\d+)/)[0];
ask('/ssf/x', "$files/a.txt", query => "&header2=Content-Length:$len&nobody=1");
is(($h->get('/ssf/plain?whoami=1')->{content} =~ /^pid=(\d+)/)[0], $pid, 'SCGI: ... its worker is not replaced for it');

# The app's own body beside the header (a large one too) is read and
# dropped: its workers stay clean for the next requests.
my @after = map { ask('/sf/x', "$files/a.txt", query => '&bytes=300000') } 1 .. 3;
is(join(' ', map { "$_->{status}:" . ($_->{content} eq $small ? 'file' : 'other') } @after),
   '200:file 200:file 200:file', 'an app body of 300 KB beside the header: the file, each time');
like($h->get('/sf/plain?whoami=1')->{content}, qr/^pid=\d+ served=\d+/, '... and the next plain request is answered');

# What is not sent: a status, and one line each.
my $log = error_log_offset($h->log_file);
my @bad = (
    [ "$files/nosuch.txt",        404, qr/No such file or directory/ ],
    [ "$outside/secret.txt",      502, qr/not in a directory of x-sendfile=/ ],
    [ "$files/link-out",          502, qr/not in a directory of x-sendfile=/ ],
    [ "$files/../" . (split m{/}, "$outside")[-1] . '/secret.txt', 502, qr/not in a directory of x-sendfile=/ ],
    [ 'a.txt',                    502, qr/not an absolute path/ ],
    [ "$files/sub",               502, qr/not a regular file/ ],
    [ "$files/fifo",              502, qr/not a regular file/ ],
    [ "$files/closed.txt",        403, qr/Permission denied/ ],
);
for my $b (@bad) {
    my ($path, $status, $why) = @$b;
    $r = ask('/sf/x', $path);
    is($r->{status}, $status, "X-Sendfile: $path: $status");
    like(error_log_since($log, $h->log_file), qr/PA00355: sf: X-Sendfile '\Q$path\E' not sent \($status\): $why/,
         '... logged, with why');
}
unlike(join('', map { ask('/sf/x', $_->[0])->{content} } @bad), qr/not to be sent/, 'nothing of the file outside went out');
# httpd's error page in place of the download: without the app's headers
# about the body (saved as "x.pdf" else), with those about the client.
$r = ask('/sf/x', "$files/nosuch.txt",
         query => '&header2=Content-Disposition:%20attachment;%20filename%3D%22x.pdf%22'
                . '&header3=Set-Cookie:%20s%3D1');
ok(!exists $r->{headers}{'content-disposition'}, 'a file not sent: the error page without the app\'s Content-Disposition')
    or diag("Content-Disposition: $r->{headers}{'content-disposition'}");
is($r->{headers}{'set-cookie'}, 's=1', '... with its Set-Cookie');

# The app learns that it may (Rack's and Symfony's X-Sendfile-Type).
$r = HTTP::Tiny->new->get($h->url('/sf/v'), { headers => { 'X-Sendfile-Type' => 'X-Accel-Redirect' } });
like($r->{content}, qr/^HTTP_X_SENDFILE_TYPE=X-Sendfile$/m, 'its workers get HTTP_X_SENDFILE_TYPE=X-Sendfile (a client\'s own replaced)');
$r = HTTP::Tiny->new->get($h->url('/nosf/v'), { headers => { 'X-Sendfile-Type' => 'X-Accel-Redirect' } });
like($r->{content}, qr/^HTTP_X_SENDFILE_TYPE=X-Accel-Redirect$/m, 'without the key, the request\'s header passes as it is (a proxy in front may act on it)');

# Without x-sendfile=, the header is the app's own.
$r = ask('/nosf/x', "$files/a.txt");
is($r->{status}, 200, 'an app without x-sendfile=: 200');
is($r->{headers}{'x-sendfile'}, "$files/a.txt", '... its header passes');
like($r->{content}, qr/^method=GET/, '... with its own body');

# Never stored, whatever the app's Cache-Control says.
my $cached = '&header2=Cache-Control:max-age%3D60';
my @states = map { my $c = ask('/csf/x', "$files/a.txt", query => $cached);
                   ($c->{headers}{'x-prefork-app-cache'} // '-') . " $c->{status}" } 1 .. 2;
ok("@states" =~ /^\S+ 200 \S+ 200$/ && "@states" !~ /HIT|STALE/, 'an app with cache=: the file\'s answer is not stored')
    or diag("@states");
is(ask('/csf/x', "$files/a.txt", query => $cached)->{content}, $small, '... and sent each time');
$r = ask('/csf/x', "$files/a.txt", query => $cached);
ok(!exists $r->{headers}{expires}, '... with the app\'s Cache-Control alone (no Expires added)')
    or diag("Expires: $r->{headers}{expires}");

unlike($h->error_log, qr/\[(?:crit|alert|emerg)\]|PA00(?:118|119|124)/, 'nothing worse logged');
is(scalar(() = error_log_since($log, $h->log_file) =~ /PA00355/g), 2 * @bad + 1, 'one line per file not sent');
ok($h->stop, 'httpd stops');
