# A manager draining an old generation (told by httpd's SIGUSR1 after a
# restart, or by hand) keeps one worker per app and renews none: the
# status page's JSON (manager.retiring) and metrics
# (prefork_app_manager_retiring) say so, as the HTML did alone before.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 7;

my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
PreforkApp ret "@{[hello_path()]}" processes=2
EOF2
ok($h->start, 'private httpd started') or diag($h->error_log);
my $base = $h->url;
my $metrics = sub { $h->get('/app-status?metrics')->{content} // '' };
ok(wait_for(sub { my $d = status_json(undef, $base); $d && $d->{manager}{running} }),
   'the manager runs');
is(status_json(undef, $base)->{manager}{retiring}, JSON::PP::false(), 'JSON: manager.retiring false');
like($metrics->(), qr/^prefork_app_manager_retiring 0$/m, 'metrics: prefork_app_manager_retiring 0');
kill 'USR1', $h->manager_pid;
ok(wait_for(sub { (status_json(undef, $base) || {})->{manager}{retiring} }),
   'told to retire (SIGUSR1): JSON manager.retiring true');
like($metrics->(), qr/^prefork_app_manager_retiring 1$/m, 'metrics: prefork_app_manager_retiring 1');
ok($h->stop, 'stopped') or diag($h->error_log);
