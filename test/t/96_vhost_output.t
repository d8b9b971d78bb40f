# Shared hosting: what an app's workers write on their own stdout/stderr
# (PA00121) goes to the error log of the one virtual host the app serves
# alone, where its customer reads it, as what it sends in FastCGI's
# FCGI_STDERR during a request does already; so does an app of several
# hosts with one ErrorLog (a customer's :80 and :443); an app of hosts with
# logs of their own, or of the main server, logs to the main error log. A
# private httpd.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 11;

my $echo = app_path('echo');
my $tmp = test_dir('pa-vout');
write_file("$tmp/chatty", "#!/bin/sh\necho \"chatty \$1 starts\" >&2\nexec '$echo'\n", 0755);
my $h = PATest::Httpd->new(conf => <<"EOF2");
PreforkApp vout "$tmp/chatty vout" processes=1
PreforkApp vtwo "$tmp/chatty vtwo" processes=1
PreforkApp vmain "$tmp/chatty vmain" processes=1
PreforkApp vpair "$tmp/chatty vpair" processes=1
<Location /vmain>
    SetHandler prefork-app:vmain
</Location>
<VirtualHost *>
    ServerName out.example
    ErrorLog "$tmp/out_error_log"
    <Location /vpair>
        SetHandler prefork-app:vpair
    </Location>
    <Location /vout>
        SetHandler prefork-app:vout
    </Location>
    <Location /vtwo>
        SetHandler prefork-app:vtwo
    </Location>
</VirtualHost>
<VirtualHost *>
    ServerName two.example
    ErrorLog "$tmp/two_error_log"
    <Location /vtwo>
        SetHandler prefork-app:vtwo
    </Location>
</VirtualHost>
<VirtualHost *>
    ServerName out-tls.example
    ErrorLog "$tmp/out_error_log"
    <Location /vpair>
        SetHandler prefork-app:vpair
    </Location>
</VirtualHost>
EOF2
ok($h->start, 'private httpd started') or diag($h->error_log);
my $out = sub { PATest::error_log_since(0, "$tmp/out_error_log") };
my $two = sub { PATest::error_log_since(0, "$tmp/two_error_log") };

ok(wait_for(sub { $out->() =~ /PA00121: app vout pid \d+: chatty vout starts/ }),
   "an app of one virtual host: its workers' output in that host's error log")
    or diag($out->());
ok(wait_for(sub { $h->error_log =~ /PA00121: app vmain pid \d+: chatty vmain starts/ }),
   "an app of the main server's sections: in the main error log");
ok(wait_for(sub { $h->error_log =~ /PA00121: app vtwo pid \d+: chatty vtwo starts/ }),
   'an app of two virtual hosts: in the main error log');
ok(wait_for(sub { $out->() =~ /PA00121: app vpair pid \d+: chatty vpair starts/ }),
   'an app of two virtual hosts with one error log: in that log');
unlike($h->error_log, qr/chatty v(?:out|pair)/, "those hosts' apps' output is not in the main log");
unlike($out->() . $two->(), qr/chatty v(?:two|main)/, "nor the others' in the hosts' logs");

# What it sends during a request (FCGI_STDERR) went there already.
is($h->get_host('out.example', '/vout?stderr=during+the+request')->{status}, 200, 'a request to it');
ok(wait_for(sub { $out->() =~ /during the request/ }), '... its FCGI_STDERR in the same log');

# A worker that dies and is replaced: the new one's output goes there too.
my ($pid) = $out->() =~ /PA00121: app vout pid (\d+)/;
kill 'KILL', $pid if $pid;
ok(wait_for(sub { my @p = $out->() =~ /PA00121: app vout pid (\d+): chatty vout starts/g; @p >= 2 }),
   'its replacement\'s output too');
ok($h->stop, 'stopped');
