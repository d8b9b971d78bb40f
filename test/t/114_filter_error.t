# An output filter that refuses an app's reply (mod_substitute with a line
# past SubstituteMaxLineLength; mod_security denying a reply in phase 3 or
# 4, which passes its own error first) returns an error other than
# AP_FILTER_ERROR: that was taken for a client gone, the connection marked
# aborted, and the client got no answer at all ("empty reply"; the access
# log said 200). It gets httpd's 500, as through mod_proxy_fcgi, and the
# worker is not replaced.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use HTTP::Tiny ();
use PATest qw(:all);

plan tests => 6;

my $echo = app_path('echo');
my $lib = libexecdir();
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
LoadModule substitute_module "$lib/mod_substitute.so"
PreforkApp sub "$echo" processes=1
<Location /sub>
    SetHandler prefork-app:sub
    SetOutputFilter SUBSTITUTE
    Substitute "s/never-there/x/"
    SubstituteMaxLineLength 1k
</Location>
EOF
ok($h->start, 'httpd with SUBSTITUTE on an app\'s replies') or diag($h->error_log);
ok(wait_for(sub { $h->pids('sub') == 1 }), 'its worker is up');
my ($pid) = $h->pids('sub');
is($h->get('/sub?bytes=100')->{status}, 200, 'a short reply passes the filter');
my $off = error_log_offset($h->log_file);
# The app sends back the body it got: one line of 2000 bytes, which comes
# whole, in the brigade with the headers.
my $res = HTTP::Tiny->new(timeout => 60)->post($h->url('/sub?echo=body'),
                                               { content => 'x' x 2000 });
is($res->{status}, 500, 'a line too long for the filter: 500, not an empty reply');
like(error_log_since($off, $h->log_file), qr/AH01328/, '... mod_substitute said why');
is(($h->pids('sub'))[0], $pid, 'the worker is kept: it answered whole');

$h->stop;
