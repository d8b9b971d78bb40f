# A crash loop with no worker up (a graceful restart, or a start, onto a
# program that exits at once): PA00105 said "the workers up serve on
# meanwhile" for an app with touch-reload=, lifetime=, max-requests= or
# max-memory=, while the app answered 503. It says no worker is up now.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";
use Apache::Test qw(-withtestmore);
use PATest qw(:all);

plan tests => 4;

my $dir = test_dir('pa-noneup');
write_file("$dir/broken", "#!/bin/sh\necho 'cannot load its settings' >&2\nexit 1\n", 0755);

my $h = PATest::Httpd->new(conf => <<"EOF");
PreforkApp noneup "$dir/broken" processes=1 touch-reload=$dir/reload lifetime=3600 queue-timeout=120
<Location /n>
    SetHandler prefork-app:noneup
</Location>
EOF
ok($h->start, 'private httpd with an app that exits at start') or diag($h->error_log);
my ($line) = (wait_for_log(qr/PA00105: app noneup[^\n]*/, 0, file => $h->log_file)
              || '') =~ /(PA00105: app noneup[^\n]*)/;
like($line || '', qr/no worker is up/, 'PA00105 says no worker is up')
    or diag($h->error_log);
unlike($line || '', qr/serve on meanwhile/, '... not that workers serve on');
# Meanwhile a request gets 503 at once, with a Retry-After of the backoff's
# end (at most 60 s), not queue-timeout's 120.
my $r = $h->get('/n');
ok($r->{status} == 503 && ($r->{headers}{'retry-after'} // 0) >= 1
   && $r->{headers}{'retry-after'} <= 60,
   '503 during the backoff, Retry-After its end: ' . ($r->{headers}{'retry-after'} // 'none'));
$h->stop;
