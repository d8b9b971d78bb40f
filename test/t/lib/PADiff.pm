package PADiff;
# The differential tests (t/21_differential.t FastCGI, t/28_scgi.t SCGI):
# the same requests through mod_prefork_app (/pa-*) and through a mod_proxy
# backend (/px-*) on the same app must give the same status, headers and
# body, once what is expected to differ is left out:
# - Date, Server, Connection, Keep-Alive; Content-Length vs chunked (a reply
#   that arrives whole is passed in one brigade, so httpd can count it);
# - the variables the caller names (another connection's REMOTE_PORT,
#   mod_proxy's SCRIPT_FILENAME "proxy:...", ...);
# - "pa-" and "px-" in the body and headers (same-length prefixes).
#
#   for my $req (PADiff::requests(chunked => 1)) {
#       PADiff::compare($http, $base, 'c', '/pa-c', '/px-c', $req, qw(REMOTE_PORT));
#   }
use strict;
use warnings;

use Test::More;

my $binary = join '', map { chr } (0 .. 255) x 4;
my $seed = 12345;
my $noise = pack 'N*', map { $seed = ($seed * 1103515245 + 12345) % 2**31 } 1 .. 262144;

# A megabyte of deterministic noise (the bodies below use it).
sub noise { $noise }

# [ name, method, path suffix + query, { headers }, body ]; a code ref body
# is sent chunked (HTTP::Tiny does when there is no length), only with
# chunked => 1.
sub requests {
    my (%o) = @_;
    return (
    [ 'GET query',        'GET',    '?a=1&b=two%20three&c=%C3%A9' ],
    [ 'GET PATH_INFO',    'GET',    '/path/info/x%20y?q=1' ],
    [ 'HEAD',             'HEAD',   '?a=1' ],
    [ 'GET headers',      'GET',    '?h=1', { 'X-Custom' => 'foo bar',
                                              'Cookie' => 'a=b; c=d',
                                              'Accept-Language' => 'fr, en;q=0.5',
                                              'Authorization' => 'Basic Zm9vOmJhcg==',
                                              'Proxy' => 'http://evil.example/' } ],
    [ 'POST form',        'POST',   '?f=1', { 'Content-Type' => 'application/x-www-form-urlencoded' },
                                    'a=1&b=%20two' ],
    [ 'POST binary',      'POST',   '?echo=body', { 'Content-Type' => 'application/octet-stream' },
                                    $binary ],
    [ 'POST 1 MB',        'POST',   '?echo=body', { 'Content-Type' => 'application/octet-stream' },
                                    $noise ],
    ($o{chunked} ? (
    [ 'POST chunked',     'POST',   '?echo=body', { 'Content-Type' => 'application/octet-stream' },
                                    sub { my @parts = unpack '(a65000)*', substr($noise, 0, 300000);
                                          return sub { shift @parts } } ],
    ) : ()),
    [ 'PUT',              'PUT',    '?echo=body', { 'Content-Type' => 'text/plain' }, "put body\n" ],
    [ 'DELETE',           'DELETE', '?d=1' ],
    [ 'OPTIONS',          'OPTIONS','?o=1' ],
    [ 'large response',   'GET',    '?bytes=1500000' ],
    [ 'empty response',   'GET',    '?bytes=0' ],
    [ 'Status 404',       'GET',    '?status=404' ],
    [ 'Status 201',       'GET',    '?status=201' ],
    [ 'Status with text', 'GET',    '?status=418%20Short%20and%20Stout' ],
    [ '302 + Location',   'GET',    '?status=302&redirect=%2Fsomewhere' ],
    [ 'conditional GET',  'GET',    '?etag=v1', { 'If-None-Match' => '"v1"' } ],
    );
}

my %skip_header = map { $_ => 1 } qw(date server connection keep-alive
                                      content-length transfer-encoding);

sub fetch {
    my ($http, $url, $req) = @_;
    my ($name, $method, $suffix, $headers, $body) = @$req;
    my %o = (headers => { %{ $headers || {} } });
    if (defined $body) {
        $o{content} = ref $body eq 'CODE' ? $body->() : $body;
    }
    return $http->request($method, "$url$suffix", \%o);
}

sub normalized {
    my ($res, @vars) = @_;
    my %h = map { $_ => $res->{headers}{$_} }
            grep { !$skip_header{$_} } keys %{ $res->{headers} };
    my $body = defined $res->{content} ? $res->{content} : q{};
    if (($res->{headers}{'content-type'} || '') =~ m{^text/}) {
        my $re = join '|', map { quotemeta } @vars;
        $body =~ s/\bpa-/px-/g;
        $body =~ s/^(?:$re)=.*\n//mg if @vars;
    }
    for (values %h) {
        $_ = join "\n", @$_ if ref eq 'ARRAY';
        s/\bpa-/px-/g;
    }
    return ($res->{status}, \%h, $body);
}

# Three tests: status, headers, body of $req through both paths.
sub compare {
    my ($http, $base, $label, $pa, $px, $req, @vars) = @_;
    my $what = "$label: $req->[0]";
    my ($ps, $ph, $pb) = normalized(fetch($http, "$base$pa", $req), @vars);
    my ($xs, $xh, $xb) = normalized(fetch($http, "$base$px", $req), @vars);
    is($ps, $xs, "$what: status") or diag(substr($pb, 0, 2000));
    is_deeply($ph, $xh, "$what: headers");
    ok($pb eq $xb, "$what: body (" . length($pb) . " bytes)")
        or diag("mod_prefork_app:\n" . substr($pb, 0, 3000)
                . "\nthe other:\n" . substr($xb, 0, 3000));
}

1;
