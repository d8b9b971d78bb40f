# A manager that cannot start workers (here: out of descriptors, httpd
# started under `ulimit -n 64` with 15 worker slots, and the logs of 32
# virtual hosts, which the configuration test does not count, open in
# every process) says which call failed, logs it at error once per 10 s
# per app (the others at info, counted), and backs the app off as for a
# crash loop, so that an app with no worker up answers 503 at once instead
# of at its queue-timeout. (Pools whose workers could never all be up for
# their slots alone fail the configuration test: t/01.)
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 6;

my $apps = app_path();
my $echo = "$apps/echo";
my $conf = join '', map { <<"EOF" } 1 .. 5;
PreforkApp a$_ "$echo" processes=2 queue-timeout=60
<Location /a$_>
    SetHandler prefork-app:a$_
</Location>
EOF
my $logs = test_dir('pa-spawnfail');
$conf .= join '', map { qq{<VirtualHost 192.0.2.$_>\n    ServerName v$_.example\n    ErrorLog "$logs/v$_"\n</VirtualHost>\n} } 1 .. 32;
my $h = PATest::Httpd->new(status => 1, conf => $conf, ulimit => '-n 64');
ok($h->start && wait_for(sub { $h->get('/app-status?json', timeout => 5)->{status} == 200 }),
   'httpd started with 64 descriptors') or diag($h->error_log);

my $log = wait_for_log(qr/PA00107: app (a\d): cannot start a worker: pipe\(\) for its output failed/,
                       0, file => $h->log_file) // '';
my ($app) = $log =~ /PA00107: app (a\d): cannot start/;
ok($app, 'the failing call is named: pipe(), not fork') or diag($log);
$app //= 'a5';

ok(wait_for_log(qr/\[prefork_app:info\].*PA00107: app $app: /, 0,
                file => $h->log_file, timeout => 60),
   'a later failure of the same app is logged at info');
my $errors = () = error_log_since(0, $h->log_file)
                  =~ /\[prefork_app:error\][^\n]*PA00107: app $app: /g;
is($errors, 1, 'one line at error for it, not one per attempt');

# An app with no worker up: 503 at once, not after queue-timeout=60.
my ($empty) = grep {
    my $a = $h->app($_);
    $a && !$a->{processes}{idle} && !$a->{processes}{busy}
} map { "a$_" } reverse 1 .. 5;
SKIP: {
    skip 'every app has a worker up', 1 unless $empty;
    # Its backoff past its first step (a second failure, at info).
    wait_for_log(qr/\[prefork_app:info\].*PA00107: app $empty: /, 0,
                 file => $h->log_file, timeout => 60);
    my $res = $h->get("/$empty", timeout => 30);
    ok($res->{status} == 503
       && error_log_since(0, $h->log_file) =~ /PA00304: $empty: no worker can come/,
       "$empty, with no worker up, gets 503 (no worker can come)");
}

ok($h->stop, 'httpd stopped');
