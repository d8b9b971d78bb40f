# The module loads: httpd lists it, and the running test server has it.
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);
use PATest qw(:all);

plan tests => 4;

my $conf = Apache::Test::vars('t_conf_file');
my $modules = qx{"@{[httpd_bin()]}" -t -D DUMP_MODULES -f "$conf" 2>&1};
ok($? == 0, 'httpd -t -D DUMP_MODULES succeeds')
    or diag("httpd -t -D DUMP_MODULES failed:\n$modules");
ok($modules =~ /^\s*prefork_app_module \(shared\)/m, 'DUMP_MODULES lists prefork_app_module')
    or diag("prefork_app_module not listed:\n$modules");

# mod_info's module list of the running server.
my $list = GET('/server-info?list')->content;
ok($list =~ /mod_prefork_app\.c/, 'the running server has mod_prefork_app.c')
    or diag("mod_prefork_app.c not in /server-info?list");

# Startup left no error of ours in the log.
my @errors = grep { /\[prefork_app:(emerg|alert|crit|error)\]/ }
             split /\n/, error_log_since(0);
ok(!@errors, 'no error of ours at startup') or diag("errors logged:\n", join("\n", @errors));
