# Who gets the status page: only where the admin put the handler, only to
# the clients the admin allowed, only by GET or HEAD.
#
# The README puts the page behind "Require local". Every client of this test
# is local, so a non-local client is stood in for by the same handler behind
# "Require ip 192.0.2.1" (t/conf/pa_status.conf.in): both are mod_authz_host
# rules, and the handler must not answer before authorization has said no.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET HEAD POST);
use HTTP::Tiny ();
use PATest qw(:all);

my $base = 'http://' . Apache::TestRequest::hostport();

my $res = GET('/app-status');
is($res->code, 200, 'Require local: a local client gets the page');
like($res->content, qr{<h2>statusapp</h2>}, 'Require local: with the apps');

for my $fmt ('', '?json', '?metrics') {
    my $r = GET("/app-status-remote$fmt");
    is($r->code, 403, "a client the Require does not match: 403 for $fmt");
    ok($r->content !~ /statusapp|prefork_app_/, "... and nothing of the status in the body");
}

# Methods: GET and HEAD only.
$res = POST('/app-status', content => 'x=1');
is($res->code, 405, 'POST: 405');
is($res->header('Cache-Control') // '', 'no-store', 'POST: its 405 is not to be stored either');
like($res->header('Allow') || '', qr/\bGET\b/, 'POST: Allow lists GET');
like($res->header('Allow') || '', qr/\bHEAD\b/, 'POST: Allow lists HEAD');
ok($res->content !~ /statusapp/, 'POST: no status in the body');
for my $method (qw(PUT DELETE)) {
    my $r = HTTP::Tiny->new->request($method, "$base/app-status?json");
    is($r->{status}, 405, "$method: 405");
}
$res = HEAD('/app-status?json');
is($res->code, 200, 'HEAD: 200');
like($res->header('Content-Type') || '', qr{^application/json}, 'HEAD: the content type of GET');
is($res->content, '', 'HEAD: no body');

# Only where placed: the query words mean nothing to other handlers.
$res = GET('/statusapp/x?json');
is($res->code, 200, 'an app URL with ?json');
like($res->content, qr/^status_app pid \d+/, '... is answered by the app, not the status page');
$res = GET('/app-status-nothere?json');
is($res->code, 404, 'no status page outside its <Location>');

done_testing();
