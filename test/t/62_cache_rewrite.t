# The response cache behind server-level RewriteRules: what the app is
# asked (its path, query and file) may depend on a request header or the
# client's address, not on the request line alone. One client's page must
# not answer another's request, rewritten otherwise; the same request
# rewritten the same way is still a hit. (t/conf/pa_cache_rewrite.conf.in)
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(:all);
use HTTP::Tiny ();

plan tests => 12;

my $base = base_url();
my $cc = 'header=Cache-Control:%20max-age%3D60';

# "STATE VAR": the cache's word and the app's VAR (from a worker's dump, or
# the stored one).
sub asked {
    my ($http, $path, $var, @headers) = @_;
    my $res = $http->get("$base$path", { headers => { @headers } });
    my ($v) = ($res->{content} // '') =~ /^\Q$var\E=(.*)$/m;
    return "$res->{status} " . ($res->{headers}{'x-prefork-app-cache'} // '-')
           . ' ' . ($v // '(none)');
}

# A header in the substitution, into the query ([PT]).
my $lang = "/crw/lang?$cc&n=1";
is(asked(http(), $lang, 'QUERY_STRING', 'X-Lang' => 'a'), "200 MISS lang=a&$cc&n=1",
   'X-Lang a: a miss, the app asked for lang=a');
is(asked(http(), $lang, 'QUERY_STRING', 'X-Lang' => 'b'), "200 MISS lang=b&$cc&n=1",
   'X-Lang b, same request line: a miss, not the page of lang=a');
is(asked(http(), $lang, 'QUERY_STRING', 'X-Lang' => 'a'), "200 HIT lang=a&$cc&n=1",
   'X-Lang a again: its own page, from the zone');
is(asked(http(), $lang, 'QUERY_STRING', 'X-Lang' => 'b'), "200 HIT lang=b&$cc&n=1",
   'X-Lang b again: its own page, from the zone');

# The client's address in a RewriteCond.
my $who = "/crw/who?$cc&n=2";
my $inside = HTTP::Tiny->new(timeout => 120, keep_alive => 0, local_address => '127.0.0.2');
is(asked($inside, $who, 'QUERY_STRING'), "200 MISS who=internal&$cc&n=2",
   'from 127.0.0.2: the internal page, stored');
is(asked(http(), $who, 'QUERY_STRING'), "200 MISS who=public&$cc&n=2",
   'from 127.0.0.1: a miss, the public page, not the internal one');
is(asked(http(), $who, 'QUERY_STRING'), "200 HIT who=public&$cc&n=2",
   'from 127.0.0.1 again: the public page, from the zone');

# A header in the substitution of a rule without [PT]: the URL keeps its
# <Location>, the app is given another file.
my $page = "/crwf/page?$cc&n=3";
my $pa = asked(http(), $page, 'PATH_INFO', 'X-Lang' => 'a');
my $fa = asked(http(), $page, 'SCRIPT_FILENAME', 'X-Lang' => 'a');
like("$pa $fa", qr{^200 MISS \S+ 200 HIT \S*/crwf/?\S*$},
     'X-Lang a: the page rewritten to /crwf/a, stored') or diag("$pa | $fa");
my $pb = asked(http(), $page, 'PATH_INFO', 'X-Lang' => 'b');
like($pb, qr{^200 MISS }, 'X-Lang b: a miss, not the page of /crwf/a') or diag($pb);
isnt((split ' ', $pb)[2], (split ' ', $pa)[2], 'the app was asked for another file or path')
    or diag("$pa | $pb");

# A directory's RewriteCond on a request header puts Vary in headers_out
# (twice: mod_dir's index request and the directory's) before the app
# answers; a reply with no header of its own but Content-Type (in
# r->content_type: err_headers_out empty) then had its Content-Type sent
# twice (the cache's look at the reply's headers sorted headers_out's own
# entries under its index).
for my $proto ('https', 'http') {
    my $res = http()->get("$base/crwv/?n=4", { headers => { 'X-Forwarded-Proto' => $proto } });
    my $ct = $res->{headers}{'content-type'} // '(none)';
    is(ref $ct ? join(' | ', @$ct) : $ct, 'text/plain; charset=utf-8',
       "X-Forwarded-Proto $proto: one Content-Type")
        or diag(join "\n", map { "$_: " . (ref $res->{headers}{$_} ? join(' | ', @{$res->{headers}{$_}}) : $res->{headers}{$_}) } sort keys %{$res->{headers}});
}
