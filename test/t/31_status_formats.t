# The three formats of the status page keep their documented contract
# (docs/status.md): the JSON has exactly the documented keys with the right
# types, the metrics are valid Prometheus text 0.0.4 (a strict parser here,
# and `promtool check metrics` when Debian's prometheus is installed), the
# HTML is a self-contained page with an optional, clamped auto-refresh; and
# none of them shows the workers' environment.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);
use JSON::PP ();
use Encode ();
use PATest qw(:all);
use PAStatus qw(:all);

my $APP = 'statusapp';
my $SECRET = 's3cr3t-4f9a1c';     # PreforkAppEnv in t/conf/pa_status.conf.in

# Wait until statusapp is up, so every section has content.
ok(wait_for(sub { my $a = app_status($APP); $a && $a->{processes}{total} == 2 }, timeout => 60),
   "$APP is up");
GET("/$APP/warm") for 1 .. 2;     # something in the last-minute window

# ---- JSON ---------------------------------------------------------------------
my $res = GET('/app-status?json');
is($res->code, 200, 'JSON: 200');
like($res->header('Content-Type'), qr{^application/json\b}, 'JSON: content type');
is($res->header('Cache-Control'), 'no-store', 'JSON: not cached');
my $doc = eval { JSON::PP->new->utf8->decode($res->content) };
ok($doc, 'JSON: parses') or diag($@);
$doc ||= {};

# Exact key sets: [ key => type ], type one of int, num, str, obj, arr,
# num|null, obj|null.
sub check_keys {
    my ($what, $h, @spec) = @_;
    my %want = @spec;
    is(join(',', sort keys %{ $h || {} }), join(',', sort keys %want), "JSON: $what has the documented keys");
    for my $k (sort keys %want) {
        my ($v, $t) = ($h->{$k}, $want{$k});
        my $ok = $t =~ /null/ && !defined $v ? 1
               : !defined $v                 ? 0
               : $t =~ /^int/ ? $v =~ /^-?\d+$/
               : $t =~ /^num/ ? $v =~ /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/
               : $t =~ /^bool/ ? ref $v eq 'JSON::PP::Boolean'
               : $t =~ /^str/ ? !ref $v
               : $t =~ /^obj/ ? ref $v eq 'HASH'
               : $t =~ /^arr/ ? ref $v eq 'ARRAY' : 0;
        ok($ok, "JSON: $what.$k is $t") or diag(explain($v));
    }
}

check_keys('top level', $doc, version => 'int', time => 'num', manager => 'obj',
           apps => 'arr', scripts => 'arr', cache_zones => 'arr');
is($doc->{version}, 1, 'JSON: version 1');
check_keys('manager', $doc->{manager}, pid => 'int', running => 'bool', retiring => 'bool', generation => 'int',
           started => 'num', uptime_seconds => 'num', max_processes => 'int|null');
my ($app) = grep { $_->{name} eq $APP } @{ $doc->{apps} || [] };
ok($app, "JSON: $APP listed") or $app = {};
check_keys('app', $app, name => 'str', protocol => 'str', command => 'str', scripts => 'str|null', new_program => 'bool',
           connections => 'str', error_override => 'str|null', ignore_client_abort => 'bool', aliases => 'arr', cache => 'obj|null', pool => 'obj',
           processes => 'obj', queue => 'obj', crash_backoff_level => 'int',
           last_minute => 'obj', latency => 'obj', counters => 'obj', workers => 'arr');
check_keys('app.pool', $app->{pool}, mode => 'str', sched => 'str', touch_reload => 'str|null',
           cwd => 'str', chroot => 'str|null', x_sendfile => 'arr|null',
           map { $_ => 'int' }
           qw(min max spare_min spare_max max_requests max_requests_max lifetime lifetime_max
              max_memory reply_buffer reply_spool body_spool idle_timeout
              queue_limit
              request_timeout queue_timeout slowlog slots nice));
is("$app->{pool}{sched} $app->{pool}{nice}", 'batch 0', 'JSON: sched=batch, nice 0 by default');
is("$app->{pool}{reply_buffer} $app->{pool}{reply_spool} $app->{pool}{body_spool}", '1048576 0 0',
   'JSON: reply-buffer 1M, reply-spool and body-spool off by default');
check_keys('app.processes', $app->{processes}, map { $_ => 'int' }
           qw(total starting idle busy stopping busy_max));
check_keys('app.queue', $app->{queue}, length => 'int', max => 'int', capacity => 'int');
check_keys('app.last_minute', $app->{last_minute}, requests => 'int', per_second => 'num',
           p50_seconds => 'num|null', p99_seconds => 'num|null');
check_keys('app.latency', $app->{latency}, count => 'int', sum_seconds => 'num', at_most => 'obj');
is(join(' ', sort { $a <=> $b } keys %{ $app->{latency}{at_most} || {} }),
   '0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 30', 'JSON: latency.at_most has the bounds');
check_keys('app.counters', $app->{counters}, map { $_ => 'int' }
           qw(accepted spawned exited crashed recycled_max_requests recycled_lifetime
              recycled_idle recycled_touch_reload recycled_max_memory killed_timeout killed_client_gone max_processes_reached http_502 http_503
              http_504 retries abandoned_in_queue slow_requests replies_held
              replies_spooled sent_at_handoff connections_renewed cache_hits cache_stale cache_stale_if_error
              cache_lock_waits authorizer_granted authorizer_refused));
for my $w (@{ $app->{workers} || [] }) {
    check_keys("worker $w->{slot}", $w, slot => 'int', pid => 'int', state => 'str',
               age_seconds => 'num', requests => 'int', request => 'obj|null',
               max_requests => 'int', lifetime => 'int', rss_bytes => 'int|null', cpu_seconds => 'num|null', leaving => 'str|null');
    like($w->{state}, qr/^(starting|idle|busy|stopping)$/, "JSON: worker $w->{slot} state");
}
is($app->{protocol}, 'fastcgi', 'JSON: protocol');
ok(!defined $app->{cache}, 'JSON: cache null for an app without cache=');
like($app->{pool}{cwd} // '', qr{/apps$}, "JSON: cwd, the program's directory by default");
ok(!defined $app->{pool}{x_sendfile}, 'JSON: x_sendfile null without x-sendfile=');
like($app->{command}, qr{/apps/status_app\.pl }, 'JSON: command as configured');
is($app->{connections}, 'kept', 'JSON: kept connections (the default)');
is_deeply([ @{ $app->{pool} }{qw(mode min max)} ], [ 'static', 2, 2 ], 'JSON: static pool of 2');
is($app->{processes}{total}, scalar @{ $app->{workers} }, 'JSON: total = workers listed');

my ($zone) = grep { $_->{name} eq 'statuszone' } @{ $doc->{cache_zones} || [] };
ok($zone, 'JSON: cache zone listed') or $zone = {};
is($zone->{size_bytes}, 1024 * 1024, 'JSON: zone size');
ok(ref $zone->{stats} eq 'HASH', 'JSON: zone stats (the zone exists from startup)');
check_keys('zone.stats', $zone->{stats}, hit_ratio => 'num', map { $_ => 'int' }
           qw(used_bytes entries hits misses evictions expired));

# ---- metrics ------------------------------------------------------------------
$res = GET('/app-status?metrics');
is($res->code, 200, 'metrics: 200');
like($res->header('Content-Type'), qr{^text/plain; version=0\.0\.4\b}, 'metrics: content type');
my $text = $res->content;
my ($m, @errors) = parse_metrics($text);
ok(!@errors, 'metrics: strict 0.0.4 parse') or diag(join "\n", @errors);
SKIP: {
    my ($rc, $out) = promtool_check($text);
    skip 'promtool not installed (Debian package prometheus)', 1 unless defined $rc;
    is($rc, 0, 'metrics: promtool check metrics') or diag($out);
}
my @names = sort keys %$m;
ok(!grep({ !/^prefork_app_/ } @names), 'metrics: every family is prefork_app_*')
    or diag("@names");
my %labels;
for my $f (values %$m) {
    $labels{$_}++ for map { keys %{ $_->{labels} } } @{ $f->{samples} || [] };
}
is(join(',', grep { !/^(app|state|zone|reason|code|how|answer|quantile|le|protocol|mode)$/ } sort keys %labels),
   '', 'metrics: only the documented labels');
is(metric_value($m, 'prefork_app_info', app => $APP, protocol => 'fastcgi', mode => 'static'), 1,
   'metrics: app info');
is(metric_value($m, 'prefork_app_workers_max', app => $APP), 2, 'metrics: pool max');
is(metric_value($m, 'prefork_app_cache_size_bytes', zone => 'statuszone'), 1024 * 1024,
   'metrics: zone size');
is(($m->{prefork_app_requests_total} || {})->{type}, 'counter', 'metrics: requests are a counter');
is(($m->{prefork_app_workers} || {})->{type}, 'gauge', 'metrics: workers are a gauge');

# ---- the request time histogram (since start) ----------------------------------
sub latency { my $d = eval { JSON::PP->new->utf8->decode(GET("/app-status?json&app=$APP")->content) } || {};
              return ($d->{apps} || [ {} ])->[0]{latency} || {} }
my $l0 = latency();
GET("/$APP/slow?sleep=0.3");
GET("/$APP/fast") for 1 .. 2;
my $l1 = latency();
is($l1->{count} - $l0->{count}, 3, 'JSON: latency.count counts the app\'s requests');
ok($l1->{sum_seconds} - $l0->{sum_seconds} >= 0.3, 'JSON: latency.sum_seconds adds their time')
    or diag("$l0->{sum_seconds} -> $l1->{sum_seconds}");
ok($l1->{at_most}{'0.25'} - $l0->{at_most}{'0.25'} <= 2, 'JSON: the one of 0.3 s is not at most 0.25 s');
is($l1->{at_most}{'30'} - $l0->{at_most}{'30'}, 3, '... all three are at most 30 s');
($m, @errors) = parse_metrics(GET("/app-status?metrics&app=$APP")->content);
ok(!@errors, 'metrics: the histogram parses') or diag(join "\n", @errors);
is(($m->{prefork_app_request_latency_seconds} || {})->{type}, 'histogram', 'metrics: prefork_app_request_latency_seconds is a histogram');
my @buckets = map { $_->{value} } grep { $_->{name} =~ /_bucket$/ }
              @{ ($m->{prefork_app_request_latency_seconds} || {})->{samples} || [] };
is(scalar @buckets, 13, 'metrics: 12 bounds and +Inf');
ok(!grep({ $buckets[$_] < $buckets[$_ - 1] } 1 .. $#buckets), 'metrics: the buckets never decrease');
is(metric_value($m, 'prefork_app_request_latency_seconds_bucket', app => $APP, le => '+Inf'),
   metric_value($m, 'prefork_app_request_latency_seconds_count', app => $APP), 'metrics: le="+Inf" is the count');
is(metric_value($m, 'prefork_app_request_latency_seconds_count', app => $APP), $l1->{count},
   'metrics: the count is the JSON\'s');
is(metric_value($m, 'prefork_app_request_latency_seconds_bucket', app => $APP, le => '0.25'),
   $l1->{at_most}{'0.25'}, 'metrics: le="0.25" is the JSON\'s at_most');

# ---- HTML ---------------------------------------------------------------------
$res = GET('/app-status');
is($res->code, 200, 'HTML: 200');
like($res->header('Content-Type'), qr{^text/html\b}, 'HTML: content type');
my $html = $res->content;
like($html, qr{^<!DOCTYPE}, 'HTML: a document');
like($html, qr{<h2>\Q$APP\E</h2>}, 'HTML: a section per app');
like($html, qr{<td>statuszone</td><td>1\.0 MiB</td>}, 'HTML: the cache zone');
(my $body = $html) =~ s/^<!DOCTYPE[^>]*>//;
ok($body !~ m{<(?:script|link|img|iframe|object)\b|\bsrc=|https?://}i,
   'HTML: no external assets');
ok($html !~ /http-equiv="refresh"/, 'HTML: no refresh unless asked');
for my $case ([ 'refresh=5', 5 ], [ 'refresh=0', 1 ], [ 'refresh=-3', 1 ],
              [ 'refresh=99999', 3600 ], [ 'refresh', 10 ], [ 'refresh=soon', 10 ]) {
    my ($args, $want) = @$case;
    like(GET("/app-status?$args")->content, qr{<meta http-equiv="refresh" content="$want">},
         "HTML: ?$args refreshes every $want s");
}

# ---- app=NAME: only the apps named -------------------------------------------------
sub app_names { map { $_->{name} } @{ (eval { JSON::PP->new->utf8->decode($_[0]->content) } || {})->{apps} || [] } }
my @all = app_names(GET('/app-status?json'));
ok(@all > 2, 'every app without app=') or diag("@all");
is(join(',', app_names(GET("/app-status?json&app=$APP"))), $APP, 'JSON: app=NAME shows that app only');
is(join(',', sort(app_names(GET("/app-status?json&app=statuscached;app=$APP")))),
   "$APP,statuscached", 'JSON: app= twice shows both');
is(join(',', app_names(GET('/app-status?json&app=stat%75sapp'))), $APP, 'JSON: app= is URL-decoded');
is(join(',', app_names(GET('/app-status?json&app=StatusApp'))), $APP,
   'JSON: app= without regard to case, as app names are told apart');
($m, @errors) = parse_metrics(GET("/app-status?metrics&app=$APP")->content);
ok(!@errors, 'metrics: app=NAME, strict 0.0.4 parse') or diag(join "\n", @errors);
my %apps_seen;
for my $fam (values %$m) {
    $apps_seen{$_->{labels}{app}} = 1 for grep { defined $_->{labels}{app} } @{ $fam->{samples} || [] };
}
is(join(',', keys %apps_seen), $APP, 'metrics: app=NAME has samples of that app only');
is(metric_value($m, 'prefork_app_cache_size_bytes', zone => 'statuszone'), 1024 * 1024,
   'metrics: app=NAME still has the cache zones');
$html = GET("/app-status?app=$APP")->content;
is(scalar(() = $html =~ /<h2>/g) - scalar(() = $html =~ /<h2>Cache zones/g), 1, 'HTML: app=NAME has one app section');
like($html, qr{href="\?json&amp;app=\Q$APP\E"}, 'HTML: its links keep app=NAME');
for my $args ('app=nosuchapp', "json&app=$APP&app=nosuchapp", 'metrics&app=%00', 'app=') {
    my $nf = GET("/app-status?$args");
    is($nf->code . ' ' . ($nf->header('Cache-Control') // ''), '404 no-store',
       "?$args: 404 (names no app), not to be stored");
}

# ---- never the environment --------------------------------------------------------
for my $fmt ('', '?json', '?metrics', '?refresh=5') {
    my $out = GET("/app-status$fmt")->content;
    ok(index($out, $SECRET) < 0 && index($out, 'STATUS_SECRET') < 0,
       "page$fmt shows no environment variable");
}

# ---- a touch-reload path that is no UTF-8 ---------------------------------------
# The HTML page is UTF-8: a path's ill-formed byte (a Latin-1 name) is a
# U+FFFD there, as in the JSON, and its markup escaped.
{
    my $h = PATest::Httpd->new(status => 1, conf => '');
    my $dir = $h->dir;
    my $hello = hello_path();
    open my $fh, '>>:raw', "$dir/httpd.conf" or die $!;
    print $fh qq{PreforkApp trl "$hello" processes=1 "touch-reload=$dir/r\xe9<b>.txt"\n};
    close $fh;
    ok($h->start, 'a private httpd: an app whose touch-reload= path has a Latin-1 byte')
        or diag($h->error_log);
    my $res = $h->get('/app-status');
    my $page = $res->{content} // '';
    ok(defined eval { Encode::decode('UTF-8', $page, Encode::FB_CROAK | Encode::LEAVE_SRC) },
       'HTML: strict UTF-8') or diag($@);
    ok(index($page, "touch-reload: $dir/r\xef\xbf\xbd&lt;b&gt;.txt") >= 0,
       'HTML: the byte a U+FFFD, the markup escaped') or diag("$res->{status} $page");
    $h->stop;
}

done_testing();
