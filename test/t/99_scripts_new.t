# PreforkAppScripts ... new-programs=N: a program added to the directory
# while httpd runs is served at its first request, by one of N pools kept
# for that (mod_fcgid starts a class at its first request), named as its
# own pool would be, until a graceful restart gives it one; once the N are
# taken, 403 with a line saying so. What the pattern does not match, and
# what is no program, stays 403; new-programs=0 keeps the start's programs
# alone. A private httpd.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use File::Copy ();
use HTTP::Tiny ();

plan tests => 51;

my $echo = app_path('echo');
my $tmp = test_dir('pa-scripts-new');
my $fixed = test_dir('pa-scripts-new');
sub program {
    my ($path, $mode) = @_;
    File::Copy::copy($echo, $path) or die "$path: $!";
    chmod $mode // 0755, $path;
}
program("$tmp/a.fcgi");
my $lib = libexecdir();
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
LoadModule alias_module "$lib/mod_alias.so"
PreforkAppCache z 1M
PreforkAppScripts cgi "$tmp/*.fcgi" new-programs=2 processes=0-2 idle-timeout=300 cache=z
PreforkAppEnv cgi GREETING hello
PreforkAppScripts fixed "$fixed/*.fcgi" new-programs=0
Alias /cgi/ "$tmp/"
<Directory "$tmp">
    Require all granted
    SetHandler prefork-app:cgi
</Directory>
<Location /st-drop>
    SetHandler prefork-app-status
    Require local
    PreforkAppStatusCacheDrop On
</Location>
Alias /fixed/ "$fixed/"
<Directory "$fixed">
    Require all granted
    SetHandler prefork-app:fixed
</Directory>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);
# (httpd answers before its manager has said it started.)
ok(PATest::wait_for_log(qr/PA00116: manager pid \d+ started for generation \d+ \(1 app and 2 pools kept for new programs, sockets in /,
                        0, file => $h->log_file),
   'the manager\'s start counts the pools kept for new programs apart (PA00116)') or diag($h->error_log);

my $st = status_json('/app-status?json', $h->url);
is_deeply([map { $_->{name} } @{ $st->{apps} || [] }], ['cgi:a.fcgi'],
          'the status page shows no pool kept for new programs before one is taken');

# ---- a new program --------------------------------------------------------
program("$tmp/new one.fcgi");
my $off = error_log_offset($h->log_file);
my $res = $h->get('/cgi/new%20one.fcgi/x');
is($res->{status}, 200, 'a program added while httpd runs is served at its first request');
like($res->{content}, qr/^SCRIPT_FILENAME=\Q$tmp\E\/new one\.fcgi$/m, '... as itself');
like($res->{content}, qr/^PATH_INFO=\/x$/m, '... with its path info');
my ($n1) = $h->get('/cgi/new%20one.fcgi?whoami=1')->{content} =~ /pid=(\d+)/;
is_deeply([$h->pids('cgi:new_one.fcgi')], [$n1], '... by a pool named as its own would be (NAME:FILE)');
my $environ = do { local $/; open my $fh, '<', "/proc/$n1/environ" or die $!; <$fh> };
like($environ // '', qr/(?:^|\0)GREETING=hello(?:\0|$)/, '... with the line\'s PreforkAppEnv');
ok(wait_for_log(qr/PA00341: cgi: new program \Q$tmp\E\/new one\.fcgi: served by pool cgi:new_one\.fcgi \(new-programs= pool 1 of 2\) until the next restart/, $off, file => $h->log_file),
   '... logged');
my $app = $h->app('cgi:new_one.fcgi') || {};
is($app->{command} // '', "$tmp/new one.fcgi", '... its command on the status page is the program');
is($app->{scripts} // '', 'cgi', '... of its line');
ok(($app->{new_program} // 0) && !($h->app('cgi:a.fcgi') || {})->{new_program},
   '... said to be new (new_program), the start\'s program not');
is($app->{pool}{cwd} // '', $tmp, '... its directory its cwd');
is($app->{pool}{touch_reload} // '', "$tmp/new one.fcgi", '... and touch-reload= the program');
like($h->get('/app-status?app=cgi:new_one.fcgi')->{content} // '',
     qr{<dt>Command: <code>\Q$tmp\E/new one\.fcgi</code> \(fastcgi\), one of PreforkAppScripts cgi, added since the start \(new-programs=\)</dt>},
     '... as the HTML page says');
$res = $h->get('/cgi/new%20one.fcgi?whoami=1');
ok($res->{status} == 200 && $res->{content} =~ /pid=$n1 /, 'its next request: the same pool and worker')
    or diag("$res->{status} $res->{content}");
my $nlines = () = error_log_since($off, $h->log_file) =~ /PA00341/g;
is($nlines, 1, 'the pool is taken once');
$res = $h->get('/cgi/a.fcgi?whoami=1');
ok($res->{status} == 200 && $res->{content} =~ /pid=(\d+)/ && $1 != $n1, 'the start\'s program keeps its own pool');

program("$tmp/b.fcgi");
$off = error_log_offset($h->log_file);
# Its first requests come at once, to several httpd threads.
my @c = map { $h->send_raw('GET', '/cgi/b.fcgi?whoami=1') } 1 .. 8;
my @replies = map { [$h->read_reply($_)] } @c;
is(join(' ', map { $_->[0] } @replies), join(' ', (200) x 8), 'a second new program, asked for eight times at once: all served');
my $taken = () = error_log_since($off, $h->log_file) =~ /PA00341: cgi: new program \Q$tmp\E\/b\.fcgi/g;
is($taken, 1, '... by one pool taken once');
my %by = map { (/pid=(\d+)/)[0] => 1 } map { $_->[1] } @replies;
my @n2 = sort { $a <=> $b } $h->pids('cgi:b.fcgi');
my %pool = map { $_ => 1 } @n2;
ok(%by && !grep({ !$pool{$_} } keys %by), '... whose workers (processes=0-2) answered them all')
    or diag(join(' ', keys %by) . " / @n2");
my $n2 = $n2[0];
ok($n2 && !grep({ $_ == $n1 } @n2), '... others than the first new program\'s');
is_deeply([sort map { $_->{name} } @{ (status_json('/app-status?json&app=cgi', $h->url) || {})->{apps} || [] }],
          ['cgi:a.fcgi', 'cgi:b.fcgi', 'cgi:new_one.fcgi'], '?app=NAME shows the pools taken with the others');
is_deeply([map { $_->{name} } @{ (status_json('/app-status?json&app=cgi:new_one.fcgi', $h->url) || {})->{apps} || [] }],
          ['cgi:new_one.fcgi'], '?app= the name of a pool taken shows it alone');

# ---- its cached pages are its own -------------------------------------------
sub cache_state { my $r = $h->get("$_[0]?header=Cache-Control:max-age%3D60"); $r->{headers}{'x-prefork-app-cache'} // '-' }
cache_state($_) for '/cgi/new%20one.fcgi', '/cgi/a.fcgi';
is(join(' ', map { cache_state($_) } '/cgi/new%20one.fcgi', '/cgi/a.fcgi'), 'HIT HIT',
   'its answers are cached as the line\'s others');
$res = HTTP::Tiny->new(timeout => 60)->request('DELETE', $h->url('/st-drop?cache=z&app=cgi:new_one.fcgi'));
like("$res->{status} $res->{content}", qr/^200 dropped the pages of app cgi:new_one\.fcgi from cache zone z \(1 entries\)/,
     'DELETE ...&app= its name drops its pages');
is(join(' ', map { cache_state($_) } '/cgi/new%20one.fcgi', '/cgi/a.fcgi'), 'MISS HIT',
   '... and only its');

# ---- editing it replaces its workers, as for the start's programs ----------
my $later = time + 5;
$off = error_log_offset($h->log_file);
utime $later, $later, "$tmp/b.fcgi" or die $!;
ok(wait_for_log(qr/PA00128: app cgi:b\.fcgi: \Q$tmp\E\/b\.fcgi changed; replacing its workers/, $off, file => $h->log_file),
   'b.fcgi touched: its workers are replaced (touch-reload= the program)');
ok(wait_for(sub { !pid_alive($n2) }), '... the old one leaves');

# ---- none left; what is no new program -------------------------------------
my $lines = (status_json('/app-status?json', $h->url) || {})->{scripts} || [];
is_deeply([map { "$_->{name} $_->{programs} $_->{new_programs} $_->{new_programs_taken}" } @$lines],
          ['cgi 1 2 2', 'fixed 0 0 0'], 'the status JSON counts each line\'s pools taken (scripts)');
like($h->get('/app-status?metrics')->{content} // '', qr/^prefork_app_new_programs_free\{line="cgi"\} 0$/m,
     '... and the metrics those left (none)');
like($h->get('/app-status')->{content} // '', qr{<dt>PreforkAppScripts cgi <code>\Q$tmp\E/\*\.fcgi</code>: 1 program from the start, 2 of 2 new-programs= pools taken</dt>},
     '... as the HTML page says');
program("$tmp/c.fcgi");
$off = error_log_offset($h->log_file);
is($h->get('/cgi/c.fcgi')->{status}, 403, 'a third new program with new-programs=2: 403');
ok(wait_for_log(qr/PA00340: cgi: \Q$tmp\E\/c\.fcgi is a program added since httpd \(re\)started, and the 2 new-programs= pools of PreforkAppScripts cgi \(\S+httpd\.conf:\d+\) are all taken/, $off, file => $h->log_file),
   '... logged, with the line');
is($h->get('/cgi/c.fcgi')->{status}, 403, '... and again');
ok(wait_for_log(qr/\[prefork_app:info\] .*PA00340: cgi: \Q$tmp\E\/c\.fcgi /, $off, file => $h->log_file),
   '... logged at info then (once in 10 s at error, as PA00304)');
is($h->get('/cgi/new%20one.fcgi')->{status}, 200, 'the pools taken serve on');
program("$tmp/d.sh");
is($h->get('/cgi/d.sh')->{status}, 403, 'a program the pattern does not match: 403');
program("$tmp/e.fcgi", 0644);
is($h->get('/cgi/e.fcgi')->{status}, 403, 'a file added that is no program: 403');
ok(wait_for_log(qr/PA00338: cgi: \Q$tmp\E\/e\.fcgi is not one of the programs PreforkAppScripts cgi /, $off, file => $h->log_file),
   '... logged');
program("$fixed/f.fcgi");
is($h->get('/fixed/f.fcgi')->{status}, 403, 'new-programs=0: a program added waits for a graceful restart');
ok(wait_for_log(qr/PA00338: fixed: \Q$fixed\E\/f\.fcgi .*\(with new-programs=0, programs added since httpd started wait for a graceful restart\)/, $off, file => $h->log_file),
   '... and says so');

my $counted = $h->counter('cgi:new_one.fcgi', 'accepted');
my $before = error_log_offset($h->log_file);
ok($h->graceful, 'graceful restart');
$res = $h->get('/cgi/c.fcgi?whoami=1');
ok($res->{status} == 200 && $res->{content} =~ /pid=(\d+)/ && grep({ $_ == $1 } $h->pids('cgi:c.fcgi')),
   'after it, the program that found none left has a pool of its own')
    or diag("$res->{status} $res->{content}");
# Counters go on by the name the status page shows: the program's, not
# those of the pool kept for new programs that served it.
ok(wait_for_log(qr/PA00104: app cgi:a\.fcgi slot \d+ pid \d+ exited with status 0 after \d+ requests \(shutdown\)/, $before, file => $h->log_file),
   'the earlier generation\'s idle workers stop for its shutdown (PA00104), not as surplus')
    or diag(error_log_since($before, $h->log_file));
ok($counted && ($h->counter('cgi:new_one.fcgi', 'accepted') // 0) == $counted,
   "a new program's counters go on in the pool of its own it has after the restart ($counted accepted)");
program("$tmp/later.fcgi");
is($h->get('/cgi/later.fcgi')->{status}, 200, 'a program added after the restart takes a pool kept for new programs');
is($h->counter('cgi:later.fcgi', 'accepted'), 1, '... whose counters start from its first request');

# ---- configtest ------------------------------------------------------------
my %t = configtest(qq{PreforkAppScripts cgi "$tmp/*.fcgi" new-programs=65});
like($t{out}, qr/line $t{first} of \Q$t{file}\E:\s+PreforkAppScripts cgi: new-programs=65: must be a whole number up to 64/,
     'new-programs= past 64 fails configtest with file:line');
%t = configtest(qq{PreforkApp app "$echo" new-programs=1});
like($t{out}, qr/PreforkApp app: unknown key 'new-programs'/, 'new-programs= is PreforkAppScripts\' alone');
ok($h->stop, 'stopped');
