# PreforkAppStatusApps: a status page that shows some apps only (php-fpm's
# status page per pool), for a customer's or a team's monitoring: the
# other apps (their command lines, the URLs in flight) and the cache zones
# only they use are not on it, in any format; app= cannot reach them.
# @vhost: the apps the request's virtual host may use.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 36;

my $hello = hello_path();
sub page { my $p = shift; "<Location $p>\n    SetHandler prefork-app-status\n    Require local\n" . join('', map { "    $_\n" } @_) . "</Location>\n" }
my $h = PATest::Httpd->new(conf => <<"EOF");
PreforkAppCache z1 1M
PreforkAppCache z2 1M
PreforkApp a1 "$hello" processes=1 cache=z1
PreforkApp a2 "$hello" processes=1 cache=z2
PreforkApp a3 "$hello --secret-flag" processes=1
PreforkApp a4 "$hello" processes=1
PreforkApp a5 "$hello" processes=1
@{[ page('/all') ]}
@{[ page('/vh', 'PreforkAppStatusApps @vhost') ]}
@{[ page('/one', 'PreforkAppStatusApps a1') ]}
@{[ page('/two', 'PreforkAppStatusApps A1 a3') ]}
@{[ page('/lines', 'PreforkAppStatusApps a1', 'PreforkAppStatusApps a4 a5') ]}
<VirtualHost *>
    ServerName 127.0.0.1
    <Location /a4>
        SetHandler prefork-app:a4
    </Location>
</VirtualHost>
<VirtualHost *>
    ServerName other.example
    PreforkAppStatusApps a2
    <Location /a5>
        SetHandler prefork-app:a5
    </Location>
@{[ page('/vs/mine', 'PreforkAppStatusApps @vhost a4') ]}
@{[ page('/vs') ]}
@{[ page('/vs/all', 'PreforkAppStatusApps a1 a2 a3') ]}
</VirtualHost>
EOF
ok($h->start, 'private httpd: three apps, two zones, status pages of some apps')
    or diag($h->error_log);

sub json_at {
    my ($path, $host) = @_;
    my $r = $host ? $h->get_host($host, $path) : $h->get($path);
    my $doc = $r->{status} == 200 ? eval { JSON::PP->new->utf8->decode($r->{content}) } : undef;
    return $doc || {};
}
sub apps_at  { join ' ', map { $_->{name} } @{ json_at(@_)->{apps} || [] } }
sub zones_at { join ' ', map { $_->{name} } @{ json_at(@_)->{cache_zones} || [] } }

is(apps_at('/all?json'), 'a1 a2 a3 a4 a5', 'no PreforkAppStatusApps: every app');
is(zones_at('/all?json'), 'z1 z2', '... and every zone');
is(apps_at('/one?json'), 'a1', 'PreforkAppStatusApps a1: JSON has a1 alone');
is(zones_at('/one?json'), 'z1', '... and its zone alone');
is(apps_at('/two?json'), 'a1 a3', 'PreforkAppStatusApps A1 a3 (names in any case): both');
is(zones_at('/two?json'), 'z1', '... and the one zone they use');
is(apps_at('/lines?json'), 'a1 a4 a5', 'PreforkAppStatusApps on two lines of a section: the apps of both');

# The other formats.
my $m = $h->get('/one?metrics')->{content};
my %apps = map { $_ => 1 } $m =~ /\bapp="([^"]*)"/g;
my %zones = map { $_ => 1 } $m =~ /\bzone="([^"]*)"/g;
is(join(' ', sort keys %apps), 'a1', 'metrics: samples of a1 alone');
is(join(' ', sort keys %zones), 'z1', 'metrics: of its zone alone');
my $html = $h->get('/one')->{content};
like($html, qr/\ba1\b/, 'HTML: shows a1');
unlike($html, qr/\ba[23]\b|\bz2\b/, 'HTML: nothing of a2, a3 or z2');
unlike($h->get('/two')->{content}, qr/\ba2\b|\bz2\b/, 'HTML of a1 and a3: nothing of a2 or z2');
like($h->get('/two')->{content}, qr/--secret-flag/, '... a3\'s command line, as it is in scope');
unlike($h->get('/one')->{content}, qr/--secret-flag/, 'a page of a1 alone: not a3\'s command line');

# app= picks among the page's apps; one outside them is as unknown.
is(apps_at('/two?json&app=a3'), 'a3', 'app=a3 where a1 and a3 are shown: a3');
is($h->get('/one?json&app=a2')->{status}, 404, 'app=a2 where only a1 is: 404');
is($h->get('/one?json&app=a1&app=a3')->{status}, 404, 'app=a1&app=a3 there: 404 as well');
is($h->get('/one?metrics&app=a2')->{status}, 404, 'metrics: app=a2 there: 404');
ok(wait_for(sub { $h->get('/one?ping')->{status} == 200 }), '?ping there answers for a1');
is($h->get('/one?ping&app=a2')->{status}, 404, '?ping&app=a2 there: 404');
is($h->get('/all?json&app=a2')->{status}, 200, 'app=a2 on the page of every app: 200');

# Set at a virtual host's top level: its pages show its apps, unless a
# section says otherwise.
is(apps_at('/vs?json', 'other.example'), 'a2', 'a virtual host with PreforkAppStatusApps a2: its page shows a2');
is(zones_at('/vs?json', 'other.example'), 'z2', '... and z2');
is(apps_at('/vs/all?json', 'other.example'), 'a1 a2 a3', 'a section inside it names all three: all three');
is(apps_at('/one?json', 'other.example'), 'a1', 'the main server\'s section still applies there');

# @vhost: the apps the request's virtual host may use (those named in its
# sections, and those named in no virtual host's alone).
is(apps_at('/vh?json'), 'a1 a2 a3 a4', 'PreforkAppStatusApps @vhost, on a host whose sections name a4: the apps of every host and a4');
is(apps_at('/vh?json', 'other.example'), 'a1 a2 a3 a5', '... on the host that names a5: a5, not a4');
is($h->get('/vh?json&app=a5')->{status}, 404, '... app=a5 on the first: 404');
is(apps_at('/vs/mine?json', 'other.example'), 'a1 a2 a3 a4 a5', '@vhost with a name: both');

# The names are checked at configtest, with file and line.
my %r = configtest(qq{PreforkApp a "$hello"}, '<Location /s>', '    SetHandler prefork-app-status',
                   '    PreforkAppStatusApps a nosuch', '</Location>');
ok($r{rc} != 0, 'PreforkAppStatusApps naming no app: configtest fails') or diag($r{out});
like($r{out}, qr/PA00023: \Q$r{file}\E:@{[$r{first} + 3]}: PreforkAppStatusApps: no PreforkApp named 'nosuch'/,
     '... with file, line and the name');
%r = configtest(qq{PreforkApp a "$hello"}, '<Location /s>', '    SetHandler prefork-app-status',
                '    PreforkAppStatusApps', '</Location>');
ok($r{rc} != 0, 'PreforkAppStatusApps without a name: configtest fails');
like($r{out}, qr/line @{[$r{first} + 3]} of \Q$r{file}\E:\s+PreforkAppStatusApps takes one or more app names/,
     '... saying so, with the line');
%r = configtest(qq{PreforkApp a "$hello"}, 'PreforkAppStatusApps a');
is($r{rc}, 0, 'PreforkAppStatusApps at the top level naming an app: passes') or diag($r{out});

ok($h->stop, 'httpd stops');
