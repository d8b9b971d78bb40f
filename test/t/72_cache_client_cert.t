# The response cache and TLS client certificates: a client known by its
# certificate (the app reads SSL_CLIENT_S_DN) is as identified as one that
# sent a password, so its page may be its own. Such a request neither
# stores its page for others nor is served a page stored for them. An app
# asked as an authorizer, at httpd's access check (before mod_ssl adds its
# variables, at the fixups), is told HTTPS and who the certificate says the
# client is, to decide by it.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 13;

my $dir = test_dir('pa-tls');
# A CA, a server certificate, and a client certificate the CA signed.
my @ec = ('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes');
openssl($dir, 'req', '-x509', @ec, '-keyout', "$dir/ca.key", '-out', "$dir/ca.pem",
        '-days', '2', '-subj', '/CN=pa test CA');
openssl($dir, 'req', '-x509', @ec, '-keyout', "$dir/server.key", '-out', "$dir/server.pem",
        '-days', '2', '-subj', '/CN=127.0.0.1');
openssl($dir, 'req', @ec, '-keyout', "$dir/alice.key", '-out', "$dir/alice.csr",
        '-subj', '/CN=alice');
openssl($dir, 'x509', '-req', '-in', "$dir/alice.csr", '-CA', "$dir/ca.pem",
        '-CAkey', "$dir/ca.key", '-CAcreateserial', '-out', "$dir/alice.pem",
        '-days', '2');

my $echo = app_path('echo');
my $lib = libexecdir();
my $tls = PATest::free_port();
my $h = PATest::Httpd->new(conf => <<"EOF");
LoadModule socache_shmcb_module "$lib/mod_socache_shmcb.so"
LoadModule ssl_module "$lib/mod_ssl.so"
LoadModule http2_module "$lib/mod_http2.so"
PreforkAppCache tz 1M
PreforkApp techo "$echo" processes=1 cache=tz
Listen 127.0.0.1:$tls
<VirtualHost 127.0.0.1:$tls>
    SSLEngine on
    Protocols h2 http/1.1
    SSLCertificateFile "$dir/server.pem"
    SSLCertificateKeyFile "$dir/server.key"
    SSLCACertificateFile "$dir/ca.pem"
    SSLVerifyClient optional
    SSLOptions +StdEnvVars
    <Location /e>
        SetHandler prefork-app:techo
    </Location>
    <Location /az>
        SetHandler prefork-app:techo
        PreforkAppAuthorizer techo
    </Location>
</VirtualHost>
EOF
ok($h->start, 'private httpd: a cached app behind TLS, client certificates optional')
    or diag($h->error_log);

# "status cache-state who" of one GET over TLS, with alice's certificate
# or none; who: the CN the app was given.
sub fetch {
    my ($path, $cert, $h2) = @_;
    my @args = ('-sk', '--max-time', '30', '-D', '-', "https://127.0.0.1:$tls$path");
    unshift @args, $h2 ? '--http2' : '--http1.1';
    unshift @args, '--cert', "$dir/alice.pem", '--key', "$dir/alice.key" if $cert;
    open my $curl, '-|', 'curl', @args or die "curl: $!";
    my $out = do { local $/; <$curl> } // '';
    close $curl;
    my ($status) = $out =~ m{^(HTTP/\S+ \d+)};
    my ($cache) = $out =~ /^X-Prefork-App-Cache: (\S+)/mi;
    my ($cn) = $out =~ /^SSL_CLIENT_S_DN_CN=(.*)$/m;
    return join ' ', $status // 0, $cache // '-', $cn // 'nobody';
}
my $page = '/e/a?header=Cache-Control:%20max-age%3D600';

# alice first: her page is not stored for the next client.
is(fetch($page, 1), 'HTTP/1.1 200 - alice', 'with a certificate: the app sees alice, the cache is not asked');
is(fetch($page, 0), 'HTTP/1.1 200 MISS nobody', 'without: not served alice\'s page');
is(fetch($page, 0), 'HTTP/1.1 200 HIT nobody', 'an anonymous page is stored and served to the anonymous');
# an anonymous page stored: not served to alice, nor replaced by hers.
is(fetch($page, 1), 'HTTP/1.1 200 - alice', 'alice is not served the anonymous page');
is(fetch($page, 0), 'HTTP/1.1 200 HIT nobody', 'her request did not replace it');
# The same over HTTP/2: a stream's certificate is its connection's.
my $page2 = '/e/b?header=Cache-Control:%20max-age%3D600';
is(fetch($page2, 1, 1), 'HTTP/2 200 - alice', 'HTTP/2 with a certificate: not stored');
is(fetch($page2, 0, 1), 'HTTP/2 200 MISS nobody', 'HTTP/2 without: not served alice\'s page');
# (The authorizer's "Variable-SEEN_X" answer: what it was given, as X.)
sub seen_by_authorizer {
    my ($cert, $h2) = @_;
    my @args = ('-sk', '--max-time', '30', $h2 ? '--http2' : '--http1.1', '-H',
                'X-Authorizer: show=HTTPS,SSL_CLIENT_S_DN_CN,SSL_CLIENT_VERIFY',
                "https://127.0.0.1:$tls/az");
    unshift @args, '--cert', "$dir/alice.pem", '--key', "$dir/alice.key" if $cert;
    open my $curl, '-|', 'curl', @args or die "curl: $!";
    my $out = do { local $/; <$curl> } // '';
    close $curl;
    return join ' ', map { $out =~ /^SEEN_$_=(.*)$/m ? $1 : '-' } qw(HTTPS SSL_CLIENT_S_DN_CN SSL_CLIENT_VERIFY);
}
is(seen_by_authorizer(1), 'on alice SUCCESS', 'an authorizer is told HTTPS and the certificate\'s CN');
is(seen_by_authorizer(0), 'on (unset) NONE', '... without a certificate: none');
is(seen_by_authorizer(1, 1), 'on alice SUCCESS', '... over HTTP/2 too (its connection\'s)');
is(seen_by_authorizer(0, 1), 'on (unset) NONE', '... without a certificate: none');
ok($h->stop, 'stops');
