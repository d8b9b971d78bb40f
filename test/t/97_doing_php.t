# What a PHP app waits on, as the status page and the slowlog line say it:
# php-cgi reading from a service that does not answer (a database, an
# API) waits in poll() on that connection, which the manager reads from
# the worker's poll() array. A private httpd, the test the "service".
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use PADispatch qw(bg_request bg_result);
use IO::Socket::INET ();

plan tests => 6;

my $tmp = test_dir('pa-doing');
write_file("$tmp/backend.php", <<'PHP');
<?php
$s = fsockopen('127.0.0.1', (int)$_GET['port'], $errno, $errstr, 5);
stream_set_timeout($s, 60);
echo 'got ', strlen((string)fread($s, 100)), "\n";
PHP
my $lib = libexecdir();
my $h = PATest::Httpd->new(status => 1, conf => <<"EOF2");
LoadModule alias_module "$lib/mod_alias.so"
PreforkApp dphp "/usr/bin/php-cgi" processes=1 slowlog=1
Alias /dphp/ "$tmp/"
<Directory "$tmp">
    Require all granted
    SetHandler prefork-app:dphp
</Directory>
EOF2
ok($h->start, 'private httpd started') or diag($h->error_log);

my $service = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0, ReuseAddr => 1)
    or die "listen: $!";
my $port = $service->sockport;
my $off = error_log_offset($h->log_file);
my $job = bg_request('GET', $h->url("/dphp/backend.php?port=$port"));
my $conn = $service->accept;
ok($conn, 'the app connected to its service');
my $waits = qr/waiting in p?poll\(\) on fd \d+ \(TCP 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:$port\)/;
my $seen = wait_for(sub {
    my ($w) = grep { $_->{request} } @{ ($h->app('dphp') || {})->{workers} || [] };
    $w && $w->{request}{doing} ? $w->{request}{doing} : undef;
}, timeout => 30) // '';
like($seen, qr/^$waits$/, "status: php-cgi $seen");
my $log = wait_for_log(qr/PA00137: [^\n]*\n/, $off, file => $h->log_file) // '';
like($log, qr/PA00137: app dphp slot 0 pid \d+: request "GET \/dphp\/backend\.php" still running after \d+ s on this worker \(slowlog=1\), $waits/,
     'the slowlog line says the same') or diag($log);
print $conn "hello\n";
close $conn;
my $res = bg_result($job);
is($res->{status}, 200, 'answered once the service answers');
like($res->{content} // '', qr/^got 6/, 'with what it sent');
