# PreforkAppSetEnvIf EXPR [!]NAME [VALUE] (mod_proxy_fcgi's
# ProxyFCGISetEnvIf): the last word on the variables the app is sent, after
# httpd's own; the enclosing sections' lines first, in order; a regex's
# captures in the value; !NAME unsets; an expression that fails for a
# request fails it (500, PA00336) instead of sending what it was to change.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 16;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
PreforkApp e "$echo" processes=1
PreforkAppSetEnvIf true FOO bar
PreforkAppSetEnvIf false NEVER x
<Location /e>
    SetHandler prefork-app:e
</Location>
<Location /e/sub>
    PreforkAppSetEnvIf "%{REQUEST_URI} =~ m#^/e/sub/(\\w+)#" CAPTURED "got-\$1"
    PreforkAppSetEnvIf true FOO "%{reqenv:FOO}-child"
    PreforkAppSetEnvIf true !HTTP_X_SECRET
    PreforkAppSetEnvIf true SCRIPT_NAME /renamed
</Location>
<Location /e/broken>
    PreforkAppSetEnvIf true BAD "%{file:/nonexistent/pa-setenvif}"
</Location>
EOF
ok($h->start, 'private httpd: an app with PreforkAppSetEnvIf lines at the top and in sections')
    or diag($h->error_log);

my $ua = HTTP::Tiny->new(timeout => 60);
sub get { $ua->request('GET', $h->url($_[0]), { headers => { 'X-Secret' => 's' } }) }
sub var { my ($r, $name) = @_; $r->{content} =~ /^\Q$name\E=(.*)$/m ? $1 : undef }

my $r = get('/e/top');
is($r->{status}, 200, 'a request outside the section');
is(var($r, 'FOO'), 'bar', '... the top-level line sets FOO');
ok(!defined var($r, 'NEVER'), '... a false condition sets nothing');
is(var($r, 'HTTP_X_SECRET'), 's', '... the request header is there');
ok(!defined var($r, 'CAPTURED'), "... the section's lines do not apply");
is(var($r, 'SCRIPT_NAME'), '/e', "... httpd's SCRIPT_NAME");

$r = get('/e/sub/word/more');
is($r->{status}, 200, 'a request in the section');
is(var($r, 'CAPTURED'), 'got-word', "... a regex's capture in the value");
is(var($r, 'FOO'), 'bar-child', "... the enclosing section's line first, then this one's (which sees its result)");
ok(!defined var($r, 'HTTP_X_SECRET'), '... !HTTP_X_SECRET removes the header variable');
is(var($r, 'SCRIPT_NAME'), '/renamed', "... httpd's own variables can be rewritten");

my $off = PATest::error_log_offset($h->log_file);
my $before = $h->counter('e', 'accepted');
$r = get('/e/broken/x');
is($r->{status}, 500, 'a value that cannot be evaluated: 500');
like(PATest::error_log_since($off, $h->log_file), qr/PA00336: PreforkAppSetEnvIf BAD: cannot evaluate it: /,
     '... with one log line naming the variable');
is($h->counter('e', 'accepted'), $before, '... and no worker asked');

ok($h->stop, 'httpd stops');
