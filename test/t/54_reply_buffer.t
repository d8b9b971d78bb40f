# reply-buffer=: a client slower than the app does not hold the worker. A
# client that reads nothing of a 600 KB reply (its receive buffer small, and
# httpd's send buffer fixed small with SendBufferSize, as on a slow link)
# leaves the one worker free for the next request while httpd holds the rest
# for it; then it gets the whole reply. Without it (reply-buffer=0), or past
# it (reply-buffer=128K), the worker waits on the client and the next
# request gets 503 at queue-timeout. With reply-spool= what is past
# reply-buffer goes to a temporary file, and the worker is free again; past
# both (reply-buffer=64K reply-spool=128K) it waits on the client. Nothing
# here reads a clock. An app that flushes every byte (a record each) costs
# httpd about as much memory as the reply's length.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Digest::MD5 qw(md5_hex);
use IO::Select ();
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 56;

my $echo = app_path('echo');
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF");
SendBufferSize 8192
LogLevel warn prefork_app:debug
PreforkApp rbuf "$echo" processes=1 queue-timeout=3
PreforkApp rbufoff "$echo" processes=1 queue-timeout=3 reply-buffer=0
PreforkApp rbufcap "$echo" processes=1 queue-timeout=3 reply-buffer=128K
PreforkApp rspool "$echo" processes=1 queue-timeout=3 reply-buffer=64K reply-spool=4M
PreforkApp rspoolcap "$echo" processes=1 queue-timeout=3 reply-buffer=64K reply-spool=128K
PreforkApp rdisk "$echo" processes=1 queue-timeout=3 reply-buffer=0 reply-spool=1M
<Location /rbuf>
    SetHandler prefork-app:rbuf
</Location>
<Location /rbufoff>
    SetHandler prefork-app:rbufoff
</Location>
<Location /rbufcap>
    SetHandler prefork-app:rbufcap
</Location>
<Location /rspool>
    SetHandler prefork-app:rspool
</Location>
<Location /rspoolcap>
    SetHandler prefork-app:rspoolcap
</Location>
<Location /rdisk>
    SetHandler prefork-app:rdisk
</Location>
EOF
ok($h->start, 'private httpd started') or diag($h->error_log);

my $bytes = 600_000;
my $want = $h->get_host('localhost', "/rbuf?bytes=$bytes")->{content};
is(length $want, $bytes, 'a 600 KB reply to a client that reads it at once');

my $held0 = $h->counter('rbuf', 'replies_held') // 0;
for my $case (['rbuf', 200, 'held for the slow client'],
              ['rbufoff', 503, 'reply-buffer=0: the worker waits on the client'],
              ['rbufcap', 503, 'past reply-buffer=128K: the worker waits on the client'],
              ['rspool', 200, 'past reply-buffer=64K, held in a temporary file'],
              ['rspoolcap', 503, 'past reply-buffer=64K and reply-spool=128K: the worker waits on the client'],
              ['rdisk', 200, 'reply-buffer=0 reply-spool=1M: held in a temporary file']) {
    my ($app, $next, $what) = @$case;
    my $accepted = $h->counter($app, 'accepted') // 0;
    my $s = $h->slow_client("/$app?bytes=$bytes");
    ok(wait_for(sub { ($h->counter($app, 'accepted') // 0) == $accepted + 1 }),
       "$app: the slow client's request has the worker");
    if ($next == 200) {
        ok(wait_for(sub { ($h->app($app) || {})->{processes}{idle} }),
           "$app: the worker is free again while the client has read nothing");
    }
    my $r = $h->get_host('localhost', "/$app?whoami=1");
    is($r->{status}, $next, "$app: the next request gets $next ($what)");
    my ($status, $body) = $h->read_reply($s);
    is($status, 200, "$app: the slow client gets 200");
    ok(length($body) == $bytes && md5_hex($body) eq md5_hex($want),
       "$app: and the whole reply, byte for byte")
        or diag('got ' . length($body) . ' bytes');
}
is($h->counter('rbuf', 'replies_held'), $held0 + 1, 'counted once (replies_held)');
is($h->counter('rbufoff', 'replies_held'), 0, 'none with reply-buffer=0');
is($h->counter('rbuf', 'replies_spooled'), 0, 'none spooled without reply-spool');
is($h->counter('rspool', 'replies_spooled'), 1, 'spooled once (replies_spooled)');
is($h->counter('rdisk', 'replies_spooled'), 1, 'reply-buffer=0: spooled too');
like($h->error_log, qr/PA00353: rspool: more than reply-buffer of the reply held for a slow client: holding up to 4194304 bytes more of it in a temporary file/,
     'PA00353 (debug) says a reply went to a temporary file');
like($h->error_log, qr/PA00351: rbuf: the client takes the reply slower than worker pid \d+ sends it: holding up to 1048576 bytes of it in memory and 0 in a temporary file/,
     'PA00351 (debug) says a reply was held');
like($h->error_log, qr/PA00351: rdisk: .* holding up to 0 bytes of it in memory and 1048576 in a temporary file/,
     '... and where: with reply-buffer=0, in a temporary file alone');

# A client that reads while the reply still goes on (the app ends it only
# when told): what went to the temporary file reaches it slice by slice
# (read back while the worker is still in the reply), in order after what
# was held in memory.
my $end = $h->dir . '/rspool_end';
unlink $end;
my $spooled = $h->counter('rspool', 'replies_spooled');
my $r = $h->slow_client("/rspool?bytes=$bytes&after=$end");
ok(wait_for(sub { ($h->counter('rspool', 'replies_spooled') // 0) == $spooled + 1 }),
   'a reply not yet ended goes to a temporary file too');
my ($got, $sel) = ('', IO::Select->new($r));
while ($sel->can_read(60)) {
    last unless sysread($r, $got, 65536, length $got);
    my $at = index($got, "\r\n\r\n");
    last if $at >= 0 && length($got) - $at - 4 >= $bytes;
}
my ($body) = $got =~ /\r\n\r\n(.*)\z/s;
ok(defined $body && length($body) == $bytes && md5_hex($body) eq md5_hex($want),
   'the client reading gets all of it, byte for byte, while the reply is still going')
    or diag('got ' . length($body // '') . ' bytes');
is($h->app('rspool')->{processes}{busy}, 1, '... its worker still in the reply');
open my $fh, '>', $end or die "$end: $!";
close $fh;
my $rest = do { local $/; <$r> } // '';
close $r;
is($rest, '', 'then the reply ends, nothing more');

# A slow client that leaves while its reply is held: nothing is lost but
# its reply; the worker serves on.
my $s = $h->slow_client("/rbuf?bytes=$bytes");
ok(wait_for(sub { ($h->app('rbuf') || {})->{processes}{idle} }),
   'another held reply: the worker is free');
close $s;
my $after = $h->get_host('localhost', '/rbuf?whoami=1');
is($after->{status}, 200, 'its client left: the next request is served');

# A reply that comes whole in one read goes on in one brigade, as before:
# nothing of it is held.
my $off = error_log_offset($h->log_file);
my $small = $h->slow_client('/rbuf?bytes=1000');
my ($st, $sb) = $h->read_reply($small);
is("$st " . length $sb, '200 1000', 'a small reply to a slow client: whole');
ok(error_log_since($off, $h->log_file) !~ /PA00351/, '... and not held');

# Replies of 300000 one-byte records (an app that flushes every byte):
# httpd's children grow by about the reply's length at most, not by some
# hundred bytes per record (a bucket each), whether the client reads at
# once (httpd's core holds up to 64 KB for it) or nothing (held here).
sub children_kb {
    my ($field) = @_;
    my $kb = 0;
    for my $c (PATest::ps_children($h->pid)) {
        next if $c->{args} =~ /mod_prefork_app/;
        open my $st, '<', "/proc/$c->{pid}/status" or next;
        while (<$st>) { $kb += $1 if /^$field:\s+(\d+)/ }
        close $st;
    }
    return $kb;
}
my $records = 300_000;
is($h->get_host('localhost', '/rbuf?tiny=1000')->{content}, 'x' x 1000,
   'a reply of 1000 one-byte records');
my $peak0 = children_kb('VmHWM');
my $fast = $h->get_host('localhost', "/rbuf?tiny=$records")->{content};
is(length($fast) . ' ' . ($fast =~ tr/x//), "$records $records",
   "a reply of $records one-byte records, read at once");
my $grown = children_kb('VmHWM') - $peak0;
ok($grown < 16 * 1024, "... in less than 16 MB (httpd's children's peak grew by $grown KB)");
my $rss0 = children_kb('VmRSS');
my $tiny = $h->slow_client("/rbuf?tiny=$records");
ok(wait_for(sub { ($h->app('rbuf') || {})->{processes}{idle} }),
   "the same held for a client that reads nothing: the worker is free");
$grown = children_kb('VmRSS') - $rss0;
ok($grown < 16 * 1024, "... held in less than 16 MB (httpd's children grew by $grown KB)");
my ($tst, $tbody) = $h->read_reply($tiny);
is("$tst " . length($tbody) . ' ' . ($tbody =~ tr/x//), "200 $records $records",
   '... then the client gets all of it');
# The same from an app slower than httpd's reads (0.1 ms between its
# pieces of 50 bytes): each piece comes, and is held, on its own.
ok(wait_for(sub { ($h->app('rbuf') || {})->{processes}{idle} }), 'the worker is free');
$rss0 = children_kb('VmRSS');
$tiny = $h->slow_client('/rbuf?tiny=19000&piece=50&gap=100');
ok(wait_for(sub { ($h->app('rbuf') || {})->{processes}{idle} }),
   '19000 pieces of 50 bytes, 0.1 ms apart, held for a client that reads nothing: the worker is free');
$grown = children_kb('VmRSS') - $rss0;
ok($grown < 4 * 1024, "... held in about its length, less than 4 MB (httpd's children grew by $grown KB)");
($tst, $tbody) = $h->read_reply($tiny);
is("$tst " . length($tbody), '200 950000', '... then the client gets all of it');

ok($h->stop, 'stopped');
