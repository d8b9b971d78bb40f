# Apps as httpd's authentication and authorization providers, asked in the
# FastCGI Authorizer role (the access check, PreforkAppAuthorizer, is
# t/90):
#   AuthBasicProvider prefork-app + PreforkAppAuthenticator NAME: the app
#   gets the user and password (REMOTE_USER, REMOTE_PASSWD,
#   FCGI_APACHE_ROLE=AUTHENTICATOR); 200 logs the user in, 404 is "no such
#   user", anything else a wrong password; mod_auth_basic asks again (401).
#   Require prefork-app NAME: the app decides (FCGI_APACHE_ROLE=AUTHORIZER,
#   REMOTE_USER if logged in), within RequireAny/RequireAll.
# A failing app is an error (500), never a pass. The echo app, asked as an
# Authorizer, takes its instructions from the X-Authorizer request header;
# show= returns the variables it got as Variable-SEEN_* headers, which the
# app behind it shows.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny ();
use MIME::Base64 ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 50;

my $echo = app_path('echo');
my $lib = libexecdir();
my $mods = qq{LoadModule authn_core_module "$lib/mod_authn_core.so"
LoadModule auth_basic_module "$lib/mod_auth_basic.so"
LoadModule authz_user_module "$lib/mod_authz_user.so"
LoadModule socache_shmcb_module "$lib/mod_socache_shmcb.so"
LoadModule authn_socache_module "$lib/mod_authn_socache.so"};

my %c = configtest(qq{PreforkApp a "$echo"}, '<Location /x>', '    Require prefork-app nosuch', '</Location>');
ok($c{rc} != 0, 'Require prefork-app naming no app: configtest fails');
like($c{out}, qr{\Q$c{file}\E:@{[$c{first} + 2]}: Require prefork-app nosuch: no PreforkApp named 'nosuch'},
     '... with the file, the line and the name');
%c = configtest(qq{PreforkApp a "$echo"}, '<Location /x>', '    Require prefork-app a b', '</Location>');
ok($c{rc} != 0 && $c{out} =~ /Require prefork-app takes one app name/, 'Require prefork-app with two names: configtest fails')
    or diag($c{out});
%c = configtest(qq{PreforkApp s "$echo --scgi" protocol=scgi}, '<Location /x>', '<RequireAll>', '    Require all granted',
                '    Require not prefork-app s', '</RequireAll>', '</Location>');
ok($c{rc} != 0 && $c{out} =~ /Require not prefork-app s: the app speaks SCGI/, 'Require not prefork-app naming an SCGI app: configtest fails')
    or diag($c{out});
%c = configtest(qq{PreforkApp a "$echo"}, '<Location /x>', '    PreforkAppAuthenticator nosuch', '</Location>');
ok($c{rc} != 0 && $c{out} =~ /:@{[$c{first} + 2]}: PreforkAppAuthenticator nosuch: no PreforkApp named 'nosuch'/,
   'PreforkAppAuthenticator naming no app: configtest fails') or diag($c{out});

my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
$mods
PreforkApp auth "$echo" processes=1
PreforkApp app "$echo" processes=1
<Location /basic>
    AuthType Basic
    AuthName "shop"
    AuthBasicProvider prefork-app
    PreforkAppAuthenticator auth
    Require valid-user
    SetHandler prefork-app:app
</Location>
<Location /both>
    AuthType Basic
    AuthName "shop"
    AuthBasicProvider prefork-app
    PreforkAppAuthenticator auth
    Require prefork-app auth
    SetHandler prefork-app:app
</Location>
<Location /authz>
    Require prefork-app auth
    SetHandler prefork-app:app
</Location>
<Location /either>
    <RequireAny>
        Require ip 192.0.2.1
        Require prefork-app auth
    </RequireAny>
    SetHandler prefork-app:app
</Location>
<Location /remembered>
    AuthType Basic
    AuthName "shop"
    AuthBasicProvider socache prefork-app
    AuthnCacheProvideFor prefork-app
    PreforkAppAuthenticator auth
    Require valid-user
    SetHandler prefork-app:app
</Location>
<Location /noapp>
    AuthType Basic
    AuthName "x"
    AuthBasicProvider prefork-app
    Require valid-user
    SetHandler prefork-app:app
</Location>
EOF
ok($h->start, 'private httpd: Basic authentication and Require asking an app') or diag($h->error_log);

my $ua = HTTP::Tiny->new(timeout => 60);
sub ask {
    my ($path, $auth, $user) = @_;
    my %hd;
    $hd{'X-Authorizer'} = $auth if defined $auth;
    $hd{Authorization} = 'Basic ' . MIME::Base64::encode_base64($user, '') if defined $user;
    return $ua->request('GET', $h->url($path), { headers => \%hd });
}
sub var { my ($r, $name) = @_; $r->{content} =~ /^\Q$name\E=(.*)$/m ? $1 : undef }
sub counter { my $a = $h->app($_[0]); $a ? $a->{counters}{$_[1]} // -1 : -1 }
my $show = 'show=REMOTE_USER,REMOTE_PASSWD,FCGI_APACHE_ROLE,FCGI_ROLE,CONTENT_LENGTH';

# Authentication.
my $asked = counter('auth', 'authorizer_granted') + counter('auth', 'authorizer_refused');
my $r = ask('/basic/x', $show);
is($r->{status}, 401, 'no credentials: 401');
is($r->{headers}{'www-authenticate'}, 'Basic realm="shop"', "... with mod_auth_basic's challenge");
is(counter('auth', 'authorizer_granted') + counter('auth', 'authorizer_refused'), $asked,
   '... the app is not asked without a user');

$r = ask('/basic/x', $show, 'bob:s3cret pass');
is($r->{status}, 200, 'the app answers 200: logged in');
is(var($r, 'SEEN_REMOTE_USER'), 'bob', 'the app got the user');
is(var($r, 'SEEN_REMOTE_PASSWD'), 's3cret pass', '... and the password');
is(var($r, 'SEEN_FCGI_APACHE_ROLE'), 'AUTHENTICATOR', '... FCGI_APACHE_ROLE=AUTHENTICATOR');
is(var($r, 'SEEN_FCGI_ROLE'), 'AUTHORIZER', '... in the FastCGI Authorizer role');
is(var($r, 'SEEN_CONTENT_LENGTH'), '(unset)', '... without CONTENT_LENGTH');
is(var($r, 'REMOTE_USER'), 'bob', 'the app behind it has REMOTE_USER');
ok(!defined var($r, 'REMOTE_PASSWD'), '... and never REMOTE_PASSWD');

my $off = PATest::error_log_offset($h->log_file);
$r = ask('/basic/x', 'status=403', 'bob:wrong');
is($r->{status}, 401, 'the app refuses: 401');
is($r->{headers}{'www-authenticate'}, 'Basic realm="shop"', '... asked to log in again');
like(PATest::error_log_since($off, $h->log_file), qr/AH01617: user bob: authentication failure/,
     "... mod_auth_basic logs a wrong password");
$off = PATest::error_log_offset($h->log_file);
$r = ask('/basic/x', 'status=404', 'nobody:x');
is($r->{status}, 401, 'the app answers 404: 401');
like(PATest::error_log_since($off, $h->log_file), qr/AH01618: user nobody not found/,
     '... mod_auth_basic logs an unknown user (the next provider would be asked)');

$r = ask('/basic/x', 'redirect=http://login.example/', 'bob:pw');
is($r->{status}, 401, 'the app answers with a Location and no Status: 401, no login');
$r = ask('/authz/x', 'redirect=/login');
is($r->{status}, 403, 'Require prefork-app, the app answers with a Location and no Status: 403');

$r = ask('/basic/x', 'die=always', 'bob:pw');
is($r->{status}, 500, 'the app fails: 500, not a pass');
$off = PATest::error_log_offset($h->log_file);
$r = ask('/noapp/x', '', 'bob:pw');
is($r->{status}, 500, 'AuthBasicProvider prefork-app without PreforkAppAuthenticator: 500');
like(PATest::error_log_since($off, $h->log_file), qr/PA00335: AuthBasicProvider prefork-app: no PreforkAppAuthenticator/,
     '... and one log line saying why');

# mod_authn_socache (AuthnCacheProvideFor prefork-app) remembers a user
# the app let in: the same password gets in without asking it.
my $before = counter('auth', 'authorizer_granted');
$r = ask('/remembered/x', '', 'cat:meow');
is($r->{status}, 200, 'AuthBasicProvider socache prefork-app: the app lets the user in');
is(counter('auth', 'authorizer_granted'), $before + 1, '... it was asked');
$r = ask('/remembered/x', 'status=403', 'cat:meow');
is($r->{status}, 200, '... the same password again: in, from the cache');
is(counter('auth', 'authorizer_granted'), $before + 1, '... the app not asked')
    or diag(explain($h->app('auth')->{counters}));
my $refused = counter('auth', 'authorizer_refused');
$r = ask('/remembered/x', '', 'cat:other');
is($r->{status}, 401, '... another password is not the remembered one: 401');
is(counter('auth', 'authorizer_granted') + counter('auth', 'authorizer_refused'), $before + 1 + $refused,
   '... (refused by the cache: the app is not asked either)');

# Authorization.
$r = ask('/authz/x', 'show=FCGI_APACHE_ROLE,REMOTE_USER&header=Variable-TEAM:blue');
is($r->{status}, 200, 'Require prefork-app: the app answers 200: granted');
is(var($r, 'SEEN_FCGI_APACHE_ROLE'), 'AUTHORIZER', '... it was asked with FCGI_APACHE_ROLE=AUTHORIZER');
is(var($r, 'SEEN_REMOTE_USER'), '(unset)', '... and no REMOTE_USER (nobody logged in)');
is(var($r, 'TEAM'), 'blue', '... its Variable- headers are variables of the request');
$r = ask('/authz/x', 'status=403&header=X-Why:nope');
is($r->{status}, 403, 'the app refuses: 403');
ok(!defined var($r, 'FCGI_ROLE') && !exists $r->{headers}{'x-why'}, "... httpd's page, nothing of the app's reply");
$r = ask('/authz/x', 'nohead=1');
is($r->{status}, 500, 'the app fails: 500, not a pass');

# httpd asks every Require before any login: an app that wants a user
# refuses one without REMOTE_USER, and where AuthType is set httpd then
# asks for a login and asks the app again, with the user.
$r = ask('/both/x', 'userless=403');
is($r->{status}, 401, 'Require prefork-app refusing a stranger, AuthType set: 401 (log in)');
is($r->{headers}{'www-authenticate'}, 'Basic realm="shop"', '... with the challenge');
$r = ask('/both/x', 'userless=403&show=FCGI_APACHE_ROLE,REMOTE_USER', 'ann:pw');
is($r->{status}, 200, '... logged in: authentication and Require prefork-app both pass');
is(var($r, 'SEEN_REMOTE_USER'), 'ann', '... the authorizer got the logged-in user');
is(var($r, 'SEEN_FCGI_APACHE_ROLE'), 'AUTHORIZER', '... asked as AUTHORIZER after AUTHENTICATOR');
$r = ask('/both/x', '');
is($r->{status}, 200, 'an app that lets strangers in: no login asked (as Require ip)');

$r = ask('/either/x', '');
is($r->{status}, 200, 'RequireAny (an address that is not ours, the app): the app grants');
$r = ask('/either/x', 'status=403');
is($r->{status}, 403, '... the app refuses: nothing grants, 403');

is(join(' ', map { counter('auth', "authorizer_$_") } qw(granted refused)), '7 8',
   'the status page counts what the app let through and refused');

ok($h->stop, 'httpd stops');
