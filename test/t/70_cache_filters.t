# The response cache among httpd's other filters and handler paths:
# - a resource filter of the section (SUBSTITUTE here; INCLUDES alike) runs
#   once on a miss and once on a hit: the zone keeps the app's own bytes,
#   not what such a filter made for the client that filled it;
# - an unsafe request answered with a redirect to a URL (a 302 the handler
#   returns, which the cache's filter never sees) still drops the page;
# - the cache's tags header never reaches a client, on a redirect or a 412
#   either;
# - the handler names match in any case, as configtest checks them:
#   mod_rewrite's [H=] passes them on as written;
# - mod_headers' "Header always", which acts on the table httpd keeps an
#   app's headers in (err_headers_out), acts on them on a hit as on a miss.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use HTTP::Tiny ();

plan tests => 18;

my $echo = app_path('echo');
my $lib = libexecdir();
my $h = PATest::Httpd->new(conf => <<"EOF");
LoadModule rewrite_module "$lib/mod_rewrite.so"
LoadModule substitute_module "$lib/mod_substitute.so"
LoadModule headers_module "$lib/mod_headers.so"
PreforkAppCache fz 1M
PreforkApp fecho "$echo" processes=1 cache=fz
<Location /e>
    SetHandler prefork-app:fecho
</Location>
<Location /sub>
    SetHandler prefork-app:fecho
    SetOutputFilter SUBSTITUTE
    Substitute "s|method=|[added]method=|"
</Location>
<Location /hd>
    SetHandler prefork-app:fecho
    Header always unset X-Powered-By
    Header always set X-Frame-Options DENY
</Location>
<Location /quiet>
    SetHandler prefork-app:fecho
    Header unset X-Prefork-App-Cache
</Location>
RewriteEngine On
RewriteRule ^/mixed - [H=Prefork-App:fecho]
RewriteRule ^/mstatus - [H=Prefork-App-Status]
EOF
ok($h->start, 'private httpd: a cached app, SUBSTITUTE, handlers set by RewriteRule') or diag($h->error_log);

my $cc = 'header=Cache-Control:%20max-age%3D600';
my $ua = HTTP::Tiny->new(timeout => 30, max_redirect => 0);
sub fetch {
    my ($method, $path, %o) = @_;
    my $res = $ua->request($method, $h->url($path), \%o);
    return ($res->{status}, $res->{headers}{'x-prefork-app-cache'} // '-',
            $res->{content} // '', $res->{headers});
}

# ---- a resource filter runs once, on a miss and on a hit ---------------------------
my ($s1, $c1, $b1) = fetch(GET => "/sub?$cc");
my ($s2, $c2, $b2) = fetch(GET => "/sub?$cc");
is("$s1 $c1 $s2 $c2", '200 MISS 200 HIT', 'SUBSTITUTE section: a miss, then a hit');
my @n1 = $b1 =~ /\[added\]/g;
my @n2 = $b2 =~ /\[added\]/g;
is(scalar(@n1) . ' ' . scalar(@n2), '1 1', 'the substitution made once in each answer, not twice in the hit')
    or diag("miss:\n$b1\nhit:\n$b2");

# ---- a POST answered with a redirect to a URL drops the page -------------------------
my $page = "/e/p?$cc&postredirect=" . $h->url('/e/p');
my ($g1) = (fetch(GET => $page))[1];
my ($g2) = (fetch(GET => $page))[1];
is("$g1 $g2", 'MISS HIT', 'the page is stored');
my ($ps) = fetch(POST => $page, content => 'x=1',
                 headers => { 'Content-Type' => 'application/x-www-form-urlencoded' });
is($ps, 302, 'a POST to it: 302 to a URL');
my ($g3) = (fetch(GET => $page))[1];
is($g3, 'MISS', 'the page was dropped (RFC 9111 4.4), not served stale');

# ---- the tags header stays inside httpd -----------------------------------------------------
my $tag = 'header=X-Prefork-App-Cache-Tags:%20secret-tag';
my ($rs, undef, undef, $rh) = fetch(GET => "/e/t1?$tag&redirect=http://elsewhere.example/");
is($rs, 302, 'a redirect to a URL with the tags header');
ok(!exists $rh->{'x-prefork-app-cache-tags'}, '... goes out without it')
    or diag("X-Prefork-App-Cache-Tags: $rh->{'x-prefork-app-cache-tags'}");
my ($ts, undef, undef, $th) = fetch(GET => "/e/t2?$tag&etag=a", headers => { 'If-Match' => '"zz"' });
is($ts, 412, 'a 412 (If-Match against the app\'s ETag) with the tags header');
ok(!exists $th->{'x-prefork-app-cache-tags'}, '... goes out without it')
    or diag("X-Prefork-App-Cache-Tags: $th->{'x-prefork-app-cache-tags'}");

# ---- mod_headers' "always" on a hit -------------------------------------------------------
# httpd's docs: an app's headers are in the table of "Header always", so
# that is how an admin unsets or overrides them; a hit must put the stored
# ones there too, not beside it (where X-Powered-By got out, and the app's
# X-Frame-Options went out with the admin's: two values, which browsers
# ignore).
my $hv = sub { my $v = shift; defined $v ? (ref $v ? join(', ', @$v) : $v) : '-' };
my $xh = "/hd/x?$cc&header2=X-Powered-By:%20PHP/8%0D%0AX-Frame-Options:%20SAMEORIGIN";
my (undef, $hc1, undef, $hh1) = fetch(GET => $xh);
my (undef, $hc2, undef, $hh2) = fetch(GET => $xh);
is("$hc1 $hc2", 'MISS HIT', 'Header always: a miss, then a hit');
is($hv->($hh1->{'x-powered-by'}) . ' | ' . $hv->($hh1->{'x-frame-options'}), '- | DENY',
   'the miss: X-Powered-By unset, X-Frame-Options the admin\'s');
is($hv->($hh2->{'x-powered-by'}) . ' | ' . $hv->($hh2->{'x-frame-options'}), '- | DENY',
   'the hit: the same');

# ---- the cache's own header hidden from clients ---------------------------------------------
# As mod_cache's CacheHeader Off: the page is still stored and served (a
# hit carries Age), the clients do not see X-Prefork-App-Cache.
my $qh = "/quiet/x?$cc&whoami=1";
my (undef, $qc1, $qb1, $qh1) = fetch(GET => $qh);
my (undef, $qc2, $qb2, $qh2) = fetch(GET => $qh);
is("$qc1 $qc2", '- -', 'Header unset X-Prefork-App-Cache: neither the miss nor the hit says it');
ok($qb2 eq $qb1 && defined $qh2->{age}, '... the second answer is the stored one all the same (with Age)')
    or diag("$qb1 / $qb2");

# ---- handler names in another case ------------------------------------------------------------
my ($ms, undef, $mb) = fetch(GET => '/mixed');
ok($ms == 200 && $mb =~ /^method=GET$/m, 'RewriteRule [H=Prefork-App:fecho]: served by the app')
    or diag("$ms\n$mb");
my ($ss, undef, $sb) = fetch(GET => '/mstatus?json');
ok($ss == 200 && $sb =~ /"fecho"/, 'RewriteRule [H=Prefork-App-Status]: the status page')
    or diag("$ss\n$sb");

ok($h->stop, 'stopped') or diag($h->error_log);
