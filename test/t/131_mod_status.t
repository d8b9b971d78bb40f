# mod_status's server-status page gets a section of the apps (its
# status_hook, as mod_fcgid's process table and mod_proxy's balancers):
# each app the request's host may use, its workers by state, its queue and
# counters, as a table, without tables (?notable), and as ?auto lines
# "PreforkApp[N]Key: value", with the cache zones of the apps shown. An
# app named only in another <VirtualHost> is
# not shown, a host with no app gets no section; a busy worker and a
# queued request are shown.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use IO::Socket::INET;

plan tests => 19;

my $echo = app_path('echo');
my $lib = libexecdir();
my $gate = gate();
my $h = PATest::Httpd->new(conf => <<"EOF2");
LoadModule status_module "$lib/mod_status.so"
PreforkAppCache msz 1M
PreforkApp ms "$echo" processes=1 cache=msz
PreforkApp vh "$echo" processes=1
<Location /server-status>
    SetHandler server-status
    Require local
</Location>
<VirtualHost 127.0.0.1:*>
    ServerName main.test
    <Location /ms>
        SetHandler prefork-app:ms
    </Location>
</VirtualHost>
<VirtualHost 127.0.0.1:*>
    ServerName none.test
</VirtualHost>
<VirtualHost 127.0.0.1:*>
    ServerName other.test
    <Location /vh>
        SetHandler prefork-app:vh
    </Location>
</VirtualHost>
EOF2
ok($h->start, 'private httpd with mod_status started') or diag($h->error_log);

# ?auto as a hash of the app's lines: { Name => ..., BusyWorkers => ... }.
sub auto {
    my ($host) = @_;
    my $r = $h->get_host($host, '/server-status?auto');
    my (%app, %zone);
    while ($r->{content} =~ /^PreforkApp\[(\d+)\](\w+): (.*)$/mg) {
        $app{$1}{$2} = $3;
    }
    while ($r->{content} =~ /^PreforkAppCache\[(\d+)\](\w+): (.*)$/mg) {
        $zone{$1}{$2} = $3;
    }
    my ($running) = $r->{content} =~ /^PreforkAppManagerRunning: (\d)$/m;
    return { running => $running, map({ ($app{$_}{Name} // '?') => $app{$_} } keys %app),
             map({ ('zone:' . ($zone{$_}{Name} // '?')) => $zone{$_} } keys %zone) };
}

ok(wait_for(sub { (auto('main.test')->{ms} || {})->{IdleWorkers} }), 'ms has an idle worker');
my $a = auto('main.test');
is($a->{running}, 1, '?auto: PreforkAppManagerRunning: 1');
ok(!exists $a->{vh}, '?auto on main.test: the app named only in other.test\'s host is not shown');
is_deeply([sort grep { $_ ne 'running' } keys %{ auto('other.test') }], [qw(vh)],
          '?auto on other.test: its own app alone, and no zone of another host\'s app');
is_deeply([@{ $a->{'zone:msz'} || {} }{qw(Size Entries Hits)}], [1048576, 0, 0],
          '?auto: the shown app\'s cache zone, its size, entries and hits');
my $none = $h->get_host('none.test', '/server-status?auto');
ok($none->{status} == 200 && $none->{content} =~ /^BusyWorkers:/m
   && $none->{content} !~ /PreforkApp/, '?auto on a host with no app: no PreforkApp line');
is($a->{ms}{Requests}, 0, 'no request yet');

# One request held in the worker, a second one queued behind it.
my @held = map {
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->port,
                                  Timeout => 60) or die "connect: $!";
    print $c "GET /ms?wait=$gate&n=$_ HTTP/1.0\r\nHost: main.test\r\n\r\n";
    $c } 1 .. 2;
ok(wait_for(sub { my $m = auto('main.test')->{ms} || {};
                  ($m->{BusyWorkers} // 0) == 1 && ($m->{QueuedRequests} // 0) == 1 }),
   'one busy worker, one queued request')
    or diag(explain(auto('main.test')));
my $page = $h->get_host('main.test', '/server-status')->{content};
like($page, qr{<h2>Applications \(mod_prefork_app\)</h2>}, 'HTML: the section');
like($page, qr{<h2>Cache zones</h2>.*<tr><td>msz</td><td>1\.0 MiB</td>}s, 'HTML: the cache zone');
like($page, qr{<tr><td>ms</td><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td>},
     'HTML: ms row, 1 busy, 0 idle, 1 queued');
unlike($page, qr{<td>vh</td>}, 'HTML on main.test: no vh');
like($h->get_host('main.test', '/server-status?notable')->{content},
     qr{<p><b>ms</b>: Busy 1, Idle 0, Starting 0, Stopping 0, Queued 1,.*<p>Cache zone <b>msz</b>: 1\.0 MiB, }s,
     '?notable: ms and its zone as lines');

open_gate($gate);
for my $c (@held) {
    my ($status) = $h->cache_reply($c);
    is($status, 200, 'held request answered');
}
ok(wait_for(sub { my $m = auto('main.test')->{ms} || {};
                  ($m->{IdleWorkers} // 0) == 1 && ($m->{BusyWorkers} // 1) == 0 }),
   'the worker idle again');
is(auto('main.test')->{ms}{Requests}, 2, '?auto: Requests 2');
ok($h->stop, 'stopped') or diag($h->error_log);
