# Every bad directive fails `httpd -t` with the file, the line and a
# one-line reason; a good configuration gives "Syntax OK".
use strict;
use warnings FATAL => 'all';

use FindBin;
use lib "$FindBin::Bin/lib";

use Apache::Test qw(-withtestmore);
use PATest qw(:all);
use File::Temp ();
use File::Copy ();

my $hello = hello_path();
my $plain = File::Temp->new(SUFFIX => '.txt');   # mode 0600: not executable
print $plain "not a program\n";
close $plain;
# A program whose path has blanks.
my $spaced = test_dir('pa-conf') . '/dir with space';
mkdir $spaced or die "$spaced: $!";
write_file("$spaced/hello app", "#!/bin/sh\n", 0755);
my $app = qq{PreforkApp a "$hello"};
# Scripts the kernel cannot run: an interpreter not installed, a "#!" line
# with a Windows line end (the kernel looks for "/bin/sh\r").
write_file("$spaced/nopython", "#!/nonexistent-pa/python3\nprint(1)\n", 0755);
write_file("$spaced/crlf", "#!/bin/sh\r\necho hi\r\n", 0755);
write_file("$spaced/crlfenv", "#!/usr/bin/env python3\r\nprint(1)\r\n", 0755);
write_file("$spaced/crlfsh", "#!/bin/sh -e\r\necho hi\r\n", 0755);
write_file("$spaced/crlfperlsp", "#!/usr/bin/perl \r\nprint 1;\r\n", 0755);
write_file("$spaced/crlfperltab", "#!/usr/bin/perl -w\t\r\nprint 1;\r\n", 0755);
# An interpreter that is there but no program.
write_file("$spaced/byplain", "#!$plain\n", 0755);
# A directory whose socket paths would not fit in 108 bytes.
my $longdir = File::Temp->newdir('pa-' . ('d' x 80) . 'XXXX', TMPDIR => 1);

# Directories closed to the workers' user, who is httpd's own (Apache::Test
# refuses root): found at configtest, not by a crash loop or a 500 per
# request.
my $me = getpwuid($>);
my $closed = File::Temp->newdir('pa-closedXXXX', TMPDIR => 1);
chmod 0, "$closed";
my $readonly = File::Temp->newdir('pa-roXXXX', TMPDIR => 1);
chmod 0500, "$readonly";

# [ what, config lines, reason regex, index of the bad line (default: last) ]
my @cases = (
    [ 'unknown key',            [ "$app colour=blue" ],      qr/unknown key 'colour' \(known: protocol, processes, .*, body-spool\)\n/ ],
    [ 'a typo in a key',        [ "$app max-request=5" ],    qr/unknown key 'max-request': did you mean 'max-requests'\? \(known: protocol, / ],
    [ 'a key in capitals',      [ "$app Processes=2" ],      qr/unknown key 'Processes': did you mean 'processes'\? / ],
    # A PreforkAppScripts line's keys: new-programs= besides, no chroot=.
    [ 'a typo in new-programs=', [ qq{PreforkAppScripts cgi "/tmp/pa-none-*.cgi" new-program=4} ],
      qr/PreforkAppScripts cgi: unknown key 'new-program': did you mean 'new-programs'\? \(known: (?!.*chroot).*, body-spool, new-programs\)\n/ ],
    [ 'not key=value',          [ "$app processes" ],        qr/'processes': expected key=value/ ],
    # What an admin most often meant, said.
    [ 'a comment after a directive', [ "$app processes=2 # two" ],
      qr/'#': expected key=value \(httpd takes no comment after a directive: put it on a line of its own\)/ ],
    [ 'the command line not quoted', [ "PreforkApp a $hello -d x=1" ],
      qr/'-d': expected key=value \(the command and its arguments are one quoted argument: "\/usr\/bin\/php-cgi -d x=1"\)/ ],
    [ 'a bare program name',    [ 'PreforkApp a php-cgi' ],
      qr{command '[^']*/php-cgi' does not exist \('php-cgi' is taken from ServerRoot; PATH is not searched: /usr/bin/php-cgi\?\)} ],
    [ 'processes=0',            [ "$app processes=0" ],      qr/processes=0: must be at least 1/ ],
    [ 'processes=0-0',          [ "$app processes=0-0" ],    qr/processes=0-0: must be at least 1 \(processes=0-N starts workers on demand\)/ ],
    [ 'processes=9-3',          [ "$app processes=9-3" ],    qr/processes=9-3: the maximum is below the minimum/ ],
    [ 'processes not a number', [ "$app processes=four" ],   qr/processes=four: not a number/ ],
    [ 'processes=-1',           [ "$app processes=-1" ],     qr/processes=-1: not a number or a MIN-MAX range/ ],
    [ 'max-requests not a number', [ "$app max-requests=lots" ], qr/max-requests=lots: not a number/ ],
    [ 'negative lifetime',      [ "$app lifetime=-5" ],      qr/lifetime=-5: not a number/ ],
    [ 'fractional idle-timeout', [ "$app idle-timeout=1.5" ], qr/idle-timeout=1\.5: must be a whole number/ ],
    [ 'idle-timeout with a unit', [ "$app idle-timeout=60s" ], qr/idle-timeout=60s: a plain number, without a unit \(times are in seconds\)/ ],
    [ 'request-timeout in minutes', [ "$app request-timeout=1m" ], qr/request-timeout=1m: a plain number, without a unit/ ],
    # Counts are no times.
    [ 'max-requests with a unit', [ "$app max-requests=10k" ], qr/max-requests=10k: a plain number, without a unit\n/ ],
    [ 'processes with a unit',  [ "$app processes=4x" ],      qr/processes=4x: a plain number, without a unit\n/ ],
    [ 'fractional reply-buffer', [ "$app reply-buffer=1.5M" ], qr/reply-buffer=1\.5M is not a whole number \(e\.g\. 1536K, not 1\.5M\)/ ],
    [ 'request-timeout=0',      [ "$app request-timeout=0" ], qr/request-timeout=0: must be at least 1/ ],
    [ 'max-memory not a size',  [ "$app max-memory=lots" ],  qr/max-memory=lots is not a number \(e\.g\. 64M\)/ ],
    [ 'max-memory bad unit',    [ "$app max-memory=5T" ],    qr/max-memory=5T has an unknown unit \(use K, M or G\)/ ],
    [ 'max-memory too small',   [ "$app max-memory=100K" ],  qr/max-memory=100K: must be 0 \(off\) or at least 1M/ ],
    [ 'reply-buffer not a size', [ "$app reply-buffer=big" ], qr/reply-buffer=big is not a number \(e\.g\. 64M\)/ ],
    [ 'reply-buffer too large', [ "$app reply-buffer=2G" ],  qr/reply-buffer=2G: at most 1G/ ],
    # (The last H= counts, as in mod_rewrite.)
    [ 'unknown app in RewriteRule [handler=]',
      [ $app, qq{LoadModule rewrite_module "@{[libexecdir()]}/mod_rewrite.so"}, 'RewriteEngine On',
        'RewriteRule ^/x - [H=prefork-app:a,L,handler=prefork-app:rwnosuch,PT]' ],
                                qr/RewriteRule prefork-app:rwnosuch: no PreforkApp named 'rwnosuch'/ ],
    [ 'queue-limit negative',   [ "$app queue-limit=-1" ],   qr/queue-limit=-1: not a number/ ],
    [ 'reply-spool bad unit',   [ "$app reply-spool=5T" ],   qr/reply-spool=5T has an unknown unit \(use K, M or G\)/ ],
    [ 'body-spool not a size',  [ "$app body-spool=lots" ],  qr/body-spool=lots is not a number \(e.g. 64M\)/ ],
    [ 'negative slowlog',       [ "$app slowlog=-1" ],      qr/slowlog=-1: not a number/ ],
    [ 'empty touch-reload',     [ "$app touch-reload=" ],   qr/touch-reload=: not a valid path/ ],
    [ 'spare=5-2',              [ "$app processes=2-8 spare=5-2" ], qr/spare=5-2: the maximum is below the minimum/ ],
    [ 'spare above the pool',   [ "$app processes=1-2 spare=3-4" ],
                                qr/spare=3-4: more idle workers than processes=1-2 allows/ ],
    [ 'a key given twice',      [ "$app processes=2 max-requests=5 processes=3" ],
                                qr/'processes' given twice \(processes=2, processes=3\)/ ],
    [ 'spare in a static pool', [ "$app processes=4 spare=1-2" ], qr/spare= needs a dynamic pool/ ],
    # MIN-MAX with MIN = MAX is a static pool: say so, not "use MIN-MAX".
    [ 'spare with processes=4-4', [ "$app processes=4-4 spare=1-2" ],
                                qr/spare= needs a dynamic pool \(processes=MIN-MAX with MIN below MAX; processes=4-4 is static\)/ ],
    [ 'bad protocol',           [ "$app protocol=gopher" ],  qr/protocol=gopher: must be fastcgi, scgi or cgi/ ],
    [ 'bad keep-conn',          [ "$app keep-conn=maybe" ],  qr/keep-conn=maybe: must be on or off/ ],
    [ 'keep-conn=on with scgi', [ "$app protocol=scgi keep-conn=on" ],
                                qr/PA00004: .*keep-conn=on needs protocol=fastcgi/ ],
    [ 'max-requests with cgi',  [ "$app protocol=cgi max-requests=5" ],
                                qr/PA00003: .*max-requests=5 with protocol=cgi, which serves one request per process/ ],
    [ 'a max-requests range with cgi', [ "$app protocol=cgi max-requests=1-3" ],
                                qr/PA00003: .*max-requests=1-3 with protocol=cgi, which serves one request per process/ ],
    [ 'max-requests=0-100',     [ "$app max-requests=0-100" ],
                                qr/max-requests=0-100: a range starts at 1 \(0 alone means never\)/ ],
    [ 'lifetime=60-30',         [ "$app lifetime=60-30" ],   qr/lifetime=60-30: the maximum is below the minimum/ ],
    [ 'lifetime range in hours', [ "$app lifetime=1h-2h" ],
                                qr/lifetime=1h: a plain number, without a unit \(times are in seconds\) \(in range 1h-2h\)/ ],
    [ 'max-requests=5-',        [ "$app max-requests=5-" ],  qr/max-requests=5-: not a number or a MIN-MAX range/ ],
    [ 'keep-conn=on with cgi',  [ "$app protocol=cgi keep-conn=on" ],
                                qr/PA00004: .*keep-conn=on needs protocol=fastcgi/ ],
    [ 'bad sched',              [ "$app sched=fifo" ],       qr/sched=fifo: must be batch or normal/ ],
    [ 'nice out of range',      [ "$app nice=25" ],          qr/nice=25: must be a whole number from -20 to 19/ ],
    [ 'nice not a number',      [ "$app nice=low" ],         qr/nice=low: must be a whole number from -20 to 19/ ],
    [ 'negative nice unprivileged', [ "$app nice=-5" ],      qr/nice=-5: raising the priority needs httpd started as root/ ],
    [ 'unknown user',           [ "$app user=no-such-user-pa" ], qr/user=no-such-user-pa: no such user/ ],
    [ 'group without user',     [ "$app group=root" ],       qr/group= needs user=/ ],
    [ 'duplicate app name',     [ $app, $app ],              qr/duplicate app name 'a', defined at \S+:\d+ \(/ ],
    [ 'app names differing in case only', [ $app, qq{PreforkApp A "$hello"} ],
                                qr/duplicate app name 'A', defined at \S+:\d+ \(names are told apart without regard to case/ ],
    [ 'mod_fcgid\'s handler, mod_fcgid not loaded', [ 'AddHandler fcgid-script .php' ],
      qr/PA00035: .*AddHandler fcgid-script: mod_fcgid's handler, and mod_fcgid is not loaded: the files there would be sent as they are, scripts' source and all; use prefork-app:NAME/ ],
    # httpd strips only the quotes that open a word.
    [ 'a key value in quotes',  [ qq{$app cwd="/tmp"} ],
      qr{'cwd="/tmp"': a value keeps quotes put inside the word; quote the whole word instead: "cwd=\.\.\."} ],
    [ 'user=root',              [ "$app user=root" ],        qr/user=root: workers may not run as root/ ],
    [ 'bad app name',           [ qq{PreforkApp a/b "$hello"} ], qr{'a/b' is not a valid app name} ],
    [ 'missing command',        [ 'PreforkApp a' ],          qr/usage: PreforkApp NAME/ ],
    [ 'empty command',          [ 'PreforkApp a ""' ],       qr/the command is empty|usage: PreforkApp NAME/ ],
    [ 'a path with blanks, not quoted', [ qq{PreforkApp a "$spaced/hello app"} ],
      qr{command '[^']*/dir' does not exist \(the command line is split on blanks: put a path with blanks in single quotes, "'\Q$spaced\E/hello app'"\)} ],
    [ 'missing executable',     [ 'PreforkApp a "/nonexistent/pa-app --flag"' ],
                                qr{command '/nonexistent/pa-app' does not exist} ],
    [ 'not executable',         [ qq{PreforkApp a "$plain"} ],
                                qr{'\Q$plain\E' is not an executable file} ],
    [ 'directory as command',   [ 'PreforkApp a "/tmp"' ],
                                qr{'/tmp' is not an executable file} ],
    [ 'minimums past PreforkAppMaxProcesses',
      [ 'PreforkAppMaxProcesses 3', qq{PreforkApp a "$hello" processes=2}, qq{PreforkApp b "$hello" processes=2-5} ],
      qr/PA00005: .*PreforkAppMaxProcesses 3: the pools' minimums add up to 4\b/, 0 ],
    [ 'unknown cache name',     [ "$app cache=nosuch" ],     qr/PA00002: .*cache=nosuch: no PreforkAppCache zone of that name/ ],
    [ 'stale-if-error= without cache=', [ "$app stale-if-error=60" ],
      qr/PreforkApp a: stale-if-error=60 without cache=ZONE: it is about stored pages, and the app has none/ ],
    [ 'cache-lock= without cache=', [ "$app cache-lock=5" ],
      qr/PreforkApp a: cache-lock=5 without cache=ZONE: it is about stored pages, and the app has none/ ],
    [ 'rlimit-files=0',         [ "$app rlimit-files=0" ],   qr/rlimit-files=0: must be at least 1/ ],
    [ 'rlimit-files past nr_open', [ "$app rlimit-files=2147483647" ],
      qr/rlimit-files=2147483647: above the system's most \(\d+, sysctl fs\.nr_open\)/ ],
    [ 'cwd= not there',         [ "$app cwd=/nonexistent/pa-dir" ],
      qr{cwd=/nonexistent/pa-dir: No such file or directory} ],
    [ 'cwd= not a directory',   [ "$app cwd=/etc/hostname" ],
      qr{cwd=/etc/hostname: not a directory} ],
    [ 'x-sendfile= not a directory', [ "$app x-sendfile=/tmp,/etc/hostname" ],
      qr{x-sendfile=/etc/hostname: not a directory} ],
    [ 'x-sendfile= closed to httpd', [ "$app x-sendfile=/tmp,$closed" ],
      qr{PA00024: .*PreforkApp a: x-sendfile=\Q$closed\E: httpd's user \Q$me\E cannot enter it, so no file there could be sent} ],
    [ 'x-sendfile= empty',      [ "$app x-sendfile=," ],     qr{x-sendfile=: names no directory} ],
    [ 'chroot= unprivileged',   [ "$app chroot=/var/empty" ],
      qr{PreforkApp a: chroot=/var/empty needs httpd started as root \(only root may change a process's root\)} ],
    [ 'cwd= closed to the workers', [ "$app cwd=$closed" ],
      qr{PA00022: .*PreforkApp a: its workers \(user \Q$me\E\) cannot enter their working directory '\Q$closed\E' \(cwd=\)} ],
    [ 'rlimit-core bad',        [ "$app rlimit-core=lots" ],
      qr/rlimit-core=lots is not a number \(e\.g\. 64M\); or unlimited/ ],
    [ 'cache-lock= bad', [ 'PreforkAppCache main 1M', "$app cache=main cache-lock=-1" ],
      qr/cache-lock=-1/ ],
    [ 'stale-while-revalidate= bad', [ 'PreforkAppCache main 1M', "$app cache=main stale-while-revalidate=1m" ],
      qr/stale-while-revalidate=1m/ ],
    [ 'error-override=399', [ "$app error-override=399" ],
      qr/error-override=399: '399' is not an error status \(400 to 599\); give on, off or a list such as 404,500,503/ ],
    [ 'error-override=5xx', [ "$app error-override=404,5xx" ],
      qr/error-override=404,5xx: '5xx' is not an error status/ ],
    [ 'error-override= empty', [ "$app error-override=" ],
      qr/error-override=: give on, off or a list of statuses/ ],
    [ 'error-override= empty item first', [ "$app error-override=,404" ],
      qr/error-override=,404: give on, off or a list of statuses/ ],
    [ 'error-override= empty item between', [ "$app error-override=404,,500" ],
      qr/error-override=404,,500: give on, off or a list of statuses/ ],
    [ 'an interpreter not installed', [ qq{PreforkApp a "'$spaced/nopython'"} ],
      qr/command '\Q$spaced\E\/nopython': the interpreter its #! line names, \/nonexistent-pa\/python3 is not there/ ],
    [ 'a #! line with a Windows line end', [ qq{PreforkApp a "'$spaced/crlf'"} ],
      qr/command '\Q$spaced\E\/crlf': its #! line \(#!\/bin\/sh\) ends in a carriage return, which the kernel takes as part of its last word: a file with Windows line ends/ ],
    [ 'a #! line through env with a Windows line end', [ qq{PreforkApp a "'$spaced/crlfenv'"} ],
      qr/command '\Q$spaced\E\/crlfenv': its #! line \(#!\/usr\/bin\/env python3\) ends in a carriage return/ ],
    [ 'a #! line with an argument and a Windows line end', [ qq{PreforkApp a "'$spaced/crlfsh'"} ],
      qr/command '\Q$spaced\E\/crlfsh': its #! line \(#!\/bin\/sh -e\) ends in a carriage return/ ],
    [ 'perl and a blank before the Windows line end', [ qq{PreforkApp a "'$spaced/crlfperlsp'"} ],
      qr/command '\Q$spaced\E\/crlfperlsp': its #! line \(#!\/usr\/bin\/perl \) ends in a carriage return/ ],
    [ 'perl, a switch and a tab before the Windows line end', [ qq{PreforkApp a "'$spaced/crlfperltab'"} ],
      qr/command '\Q$spaced\E\/crlfperltab': its #! line \(#!\/usr\/bin\/perl -w(?:\t|\\t)\) ends in a carriage return/ ],
    [ 'an interpreter that is no program', [ qq{PreforkApp a "'$spaced/byplain'"} ],
      qr/command '\Q$spaced\E\/byplain': the interpreter its #! line names, \Q$plain\E is not an executable file/ ],
    [ 'a quote not closed in the command', [ qq{PreforkApp a "$hello 'x y"} ],
      qr/PreforkApp a: command \Q$hello\E 'x y: a quote \(\'\) is not closed/ ],
    [ 'user=#N of no name', [ "$app user=#2147483000" ],
      qr/user=#2147483000: no such user \(no name has that uid in the user database\)/ ],
    [ 'PreforkAppSetEnvIf, bad condition', [ $app, q{PreforkAppSetEnvIf "reqenv('X') =~" FOO bar} ],
      qr/PreforkAppSetEnvIf: cannot parse the condition "reqenv\('X'\) =~": / ],
    [ 'PreforkAppSetEnvIf, a value to unset', [ $app, 'PreforkAppSetEnvIf true !FOO bar' ],
      qr/PreforkAppSetEnvIf: !FOO unsets the variable; no value goes after it/ ],
    [ 'PreforkAppSetEnvIf, not a name', [ $app, 'PreforkAppSetEnvIf true A=B c' ],
      qr/PreforkAppSetEnvIf: 'A=B' is not a variable name/ ],
    [ 'cache= in another case', [ 'PreforkAppCache Main 1M', "$app cache=main" ],
      qr/PA00002: .*cache=main: no PreforkAppCache zone of that name \(zone names are told apart by case: there is 'Main'\)/ ],
    [ 'cache= with a typo',     [ 'PreforkAppCache pages 1M', "$app cache=page" ],
      qr/PA00002: .*cache=page: no PreforkAppCache zone of that name \(did you mean 'pages'\?\)\n/ ],
    [ 'unknown app in SetHandler', [ $app, '<Location /x>', '    SetHandler prefork-app:NOSUCH', '</Location>' ],
                                qr/no PreforkApp named 'NOSUCH' \(defined: a\)\n/, 2 ],
    # The name one or two typos away from the one given, else the names.
    [ 'a typo in SetHandler', [ qq{PreforkApp hello "$hello"}, $app, '<Location /x>', '    SetHandler prefork-app:Helo', '</Location>' ],
                                qr/SetHandler prefork-app:Helo: no PreforkApp named 'Helo' \(did you mean 'hello'\?\)\n/, 3 ],
    [ 'a typo in PreforkAppAlias', [ $app, qq{PreforkApp hello "$hello"}, 'PreforkAppAlias /x helol' ],
                                qr/PreforkAppAlias \/x: no PreforkApp named 'helol' \(did you mean 'hello'\?\)\n/ ],
    [ 'unknown app in AddHandler', [ $app, 'AddHandler prefork-app:other .php' ],
                                qr/no PreforkApp named 'other'/ ],
    # Typos that no module would claim: httpd would serve the files (a PHP
    # script's source) as they are.
    [ 'prefork_app: in SetHandler', [ $app, '<Location /x>', '    SetHandler prefork_app:a', '</Location>' ],
                                qr/PA00017: .*SetHandler prefork_app:a: not a handler of mod_prefork_app \(prefork-app:NAME, prefork-app-status\): the files there would be served as they are/, 2 ],
    [ 'prefork-app without a name in AddHandler', [ $app, 'AddHandler prefork-app .php' ],
                                qr/PA00017: .*AddHandler prefork-app: not a handler of mod_prefork_app/ ],
    [ 'prefork-app-stats', [ $app, '<Location /s>', '    SetHandler prefork-app-stats', '</Location>' ],
                                qr/PA00017: .*SetHandler prefork-app-stats: not a handler of mod_prefork_app/, 2 ],
    [ 'PreforkAppSocketDir missing', [ $app, 'PreforkAppSocketDir /nonexistent-pa-dir' ],
                                qr{PA00006: .*PreforkAppSocketDir /nonexistent-pa-dir: no such directory} ],
    [ 'PreforkAppSocketDir a file', [ $app, "PreforkAppSocketDir $plain" ],
                                qr{PA00006: .*PreforkAppSocketDir \Q$plain\E: not a directory} ],
    [ 'PreforkAppSocketDir too long', [ $app, "PreforkAppSocketDir $longdir" ],
                                qr{PA00007: .*PreforkAppSocketDir \Q$longdir\E: too long for unix socket paths} ],
    [ 'PreforkAppTempDir missing', [ $app, 'PreforkAppTempDir /nonexistent-pa-tmp' ],
                                qr{PA00014: .*PreforkAppTempDir /nonexistent-pa-tmp: No such file or directory} ],
    [ 'PreforkAppTempDir a file', [ $app, "PreforkAppTempDir $plain" ],
                                qr{PA00014: .*PreforkAppTempDir \Q$plain\E: not a directory} ],
    [ 'PreforkAppTempDir not writable', [ $app, "PreforkAppTempDir $readonly" ],
                                qr{PA00014: .*PreforkAppTempDir \Q$readonly\E: httpd's user \Q$me\E cannot write there} ],
    [ 'PreforkAppSocketDir closed', [ $app, "PreforkAppSocketDir $closed" ],
                                qr{PA00012: .*PreforkAppSocketDir \Q$closed\E: httpd's user \Q$me\E cannot enter it} ],
    [ 'PreforkAppEnv for an unknown app', [ 'PreforkAppEnv nosuch FOO bar' ],
                                qr/PreforkAppEnv: no PreforkApp named 'nosuch' \(none is defined\) \(define the app before its environment\)/ ],
    [ 'PreforkAppEnv bad variable name', [ $app, 'PreforkAppEnv a 1FOO bar' ],
                                qr/'1FOO' is not a valid environment variable name/ ],
    [ 'PreforkAppEnv without a value', [ $app, 'PreforkAppEnv a FOO' ],
                                qr/PreforkAppEnv takes three arguments/ ],
    [ 'PreforkAppPidFile in a missing directory', [ $app, 'PreforkAppPidFile /nonexistent-pa-run/pa.pid' ],
                                qr{PA00016: .*PreforkAppPidFile /nonexistent-pa-run/pa\.pid: its directory /nonexistent-pa-run/: No such file or directory} ],
    # httpd's own pid file (relative: under DefaultRuntimeDir, as PidFile):
    # the manager would write its pid in it, and apachectl stop would stop
    # the manager instead of httpd.
    [ "PreforkAppPidFile httpd's own", [ $app, 'PreforkAppPidFile httpd.pid' ],
                                qr{PA00016: .*PreforkAppPidFile \S+/httpd\.pid: httpd's own PidFile: the manager would write its pid there, and apachectl stop would stop the manager, not httpd} ],
    [ 'PreforkAppPidFile a directory', [ $app, "PreforkAppPidFile $readonly" ],
                                qr{PA00016: .*PreforkAppPidFile \Q$readonly\E: a directory: name a file in it} ],
    [ 'PreforkAppPidFile in a directory httpd cannot write', [ $app, "PreforkAppPidFile $readonly/pa.pid" ],
                                qr{PA00016: .*PreforkAppPidFile \Q$readonly\E/pa\.pid: its directory \Q$readonly\E/ cannot be written: Permission denied} ],
    # httpd takes the content type as the handler when none is set.
    [ 'ForceType of an unknown app', [ $app, '<Location /x>', '    ForceType prefork-app:nosuch', '</Location>' ],
                                qr/PA00001: .*ForceType prefork-app:nosuch: no PreforkApp named 'nosuch' \(defined: a\)/, 2 ],
    [ 'AddType of an unknown app', [ $app, 'AddType prefork-app:nosuch .app' ],
                                qr/PA00001: .*AddType prefork-app:nosuch: no PreforkApp named 'nosuch'/ ],
    [ 'AddType of an unknown app, with a parameter', [ $app, 'AddType "prefork-app:nosuch; charset=utf-8" .app' ],
                                qr/PA00001: .*AddType prefork-app:nosuch: no PreforkApp named 'nosuch'/ ],
    [ 'PreforkAppEnv with a word too many', [ $app, 'PreforkAppEnv a FOO "" bar' ],
                                qr/PreforkAppEnv takes three arguments, APP NAME VALUE/ ],
    [ 'PreforkAppCache without a size', [ 'PreforkAppCache main' ],
                                qr/PreforkAppCache takes two arguments/ ],
    [ 'PreforkAppCache bad size', [ 'PreforkAppCache main 12X' ], qr/size '12X' has an unknown unit/ ],
    [ 'PreforkAppCache size not a number', [ 'PreforkAppCache main big' ], qr/size 'big' is not a number/ ],
    [ 'PreforkAppCache too small', [ 'PreforkAppCache main 1K' ], qr/size '1K' must be at least 64K and less than 4G/ ],
    [ 'PreforkAppCache too large', [ 'PreforkAppCache main 4G' ], qr/size '4G' must be at least 64K and less than 4G/ ],
    [ 'PreforkAppCache duplicate zone', [ 'PreforkAppCache main 1M', 'PreforkAppCache main 2M' ],
                                qr/duplicate zone 'main', defined at \S+:\d+\n/ ],
    [ 'PreforkApp inside <Location>', [ '<Location /x>', "    $app", '</Location>' ],
                                qr/not allowed in <Location> context|cannot occur within <Location/, 1 ],
    [ 'PreforkApp inside <VirtualHost>', [ '<VirtualHost *>', "    $app", '</VirtualHost>' ],
                                qr/cannot occur within <VirtualHost> section \(pools are defined at the top level; a <VirtualHost> names its own with SetHandler prefork-app:NAME inside it/, 1 ],
    [ 'app name of 33 characters', [ qq{PreforkApp xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx "$hello"} ],
                                qr/'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is not a valid app name \(letters, digits, '_', '-', '\.'; at most 32\)/ ],
    [ 'bad end of a range',     [ "$app processes=2-x" ],   qr/processes=x: not a number \(in range 2-x\)/ ],
    [ 'a range with two dashes', [ "$app processes=1-2-3" ], qr/processes=1-2-3: not a number or a MIN-MAX range/ ],
    [ 'max-memory past 64 bits', [ "$app max-memory=99999999999999999999" ],
                                qr/max-memory=99999999999999999999 is too large/ ],
    [ 'a key, then the word alone', [ "$app processes=2 processes" ], qr/'processes': expected key=value/ ],
    [ 'max-memory too large',   [ "$app max-memory=99999999999999G" ],
                                qr/max-memory=99999999999999G is too large/ ],
    [ 'cache= bad zone name',   [ "$app cache=a/b" ],       qr{cache=a/b: not a valid zone name \(letters, digits, '_', '-', '\.'; at most 32\)} ],
    [ 'PreforkAppCache bad zone name', [ 'PreforkAppCache a/b 1M' ],
                                qr{PreforkAppCache: 'a/b' is not a valid zone name \(letters, digits, '_', '-', '\.'; at most 32\)} ],
    [ 'zone name of 33 characters', [ 'PreforkAppCache ' . ('z' x 33) . ' 1M' ],
                                qr{PreforkAppCache: 'z{33}' is not a valid zone name \(letters, digits, '_', '-', '\.'; at most 32\)} ],
    # The pools are one per httpd: none of the directives belongs in a
    # virtual host.
    (map { [ "$_->[0] inside <VirtualHost>", [ $app, '<VirtualHost *>', "    @$_", '</VirtualHost>' ],
             qr/$_->[0] cannot occur within <VirtualHost> section/, 2 ] }
         [ 'PreforkAppEnv', 'a FOO bar' ], [ 'PreforkAppCache', 'main 1M' ],
         [ 'PreforkAppPidFile', 'pa.pid' ], [ 'PreforkAppSocketDir', '/tmp' ],
         [ 'PreforkAppMaxProcesses', '8' ], [ 'PreforkAppTempDir', '/tmp' ]),
    [ 'PreforkAppAlias not a URL path', [ $app, 'PreforkAppAlias app a' ],
                                qr/PreforkAppAlias app: the URL path must begin with '\/' and have no query or fragment/ ],
    [ 'PreforkAppAlias with a query', [ $app, 'PreforkAppAlias /app?x=1 a' ],
                                qr/PreforkAppAlias \/app\?x=1: the URL path must begin with '\/'/ ],
    [ 'PreforkAppAlias twice for one path', [ $app, 'PreforkAppAlias /app a', 'PreforkAppAlias /app/ a' ],
                                qr/PreforkAppAlias \/app\/: this host has the URL path already \(.*:\d+\)/ ],
    [ 'PreforkAppAlias unknown app', [ $app, 'PreforkAppAlias /app nosuch' ],
                                qr/PA00001: .*PreforkAppAlias \/app: no PreforkApp named 'nosuch'/ ],
    [ 'PreforkAppAlias unknown app in a virtual host', [ $app, '<VirtualHost *>', '    ServerName vh.example',
                                         '    PreforkAppAlias / vnosuch', '</VirtualHost>' ],
                                qr/PA00001: .*PreforkAppAlias \/: no PreforkApp named 'vnosuch'/, 3 ],
    [ 'PreforkAppAlias of a PreforkAppScripts line', [ qq{PreforkAppScripts cgi "/tmp/pa-none-*.cgi"}, 'PreforkAppAlias /app cgi' ],
                                qr/PA00031: .*PreforkAppAlias \/app cgi: a PreforkAppScripts line serves the files its pattern matches; map them with SetHandler prefork-app:cgi where they are/ ],
    [ 'PreforkAppAlias inside <Location>', [ $app, '<Location /x>', '    PreforkAppAlias /x a', '</Location>' ],
                                qr/PreforkAppAlias not allowed here|not allowed in <Location> context/, 2 ],
    # The module's own mark beside a status page's SetHandler: refused by
    # hand, where it would let an .htaccess below serve the page.
    [ 'PreforkAppStatusPlaced written by hand', [ '<Directory /tmp>', '    PreforkAppStatusPlaced sethandler', '</Directory>' ],
                                qr/PreforkAppStatusPlaced is the module's own mark .*, not a directive to write/, 1 ],
    # Section directives that apply to every method: refused in <Limit>,
    # where they would open (None) or close every method, not the named.
    [ 'PreforkAppAuthorizer in <Limit>', [ $app, '<Location /x>', '    SetHandler prefork-app:a',
                                           '    PreforkAppAuthorizer a', '    <Limit GET>',
                                           '        PreforkAppAuthorizer None', '    </Limit>', '</Location>' ],
                                qr/PreforkAppAuthorizer applies to every method: it cannot be in <Limit> or <LimitExcept>/, 5 ],
    [ 'PreforkAppSetEnvIf in <LimitExcept>', [ $app, '<Location /x>', '    <LimitExcept GET>',
                                               '        PreforkAppSetEnvIf true X 1', '    </LimitExcept>', '</Location>' ],
                                qr/PreforkAppSetEnvIf applies to every method/, 3 ],
    # A Define forgotten: httpd leaves ${APP} as it is (a warning only).
    [ 'SetHandler with an undefined ${VAR}', [ $app, '<Location /x>', '    SetHandler prefork-app:${PA_NO_SUCH_VAR}', '</Location>' ],
                                qr/no PreforkApp named '\$\{PA_NO_SUCH_VAR\}'/, 2 ],
    [ 'unknown app in a virtual host', [ $app, '<VirtualHost *>', '    ServerName vh.example',
                                         '    <Location /x>', '        SetHandler prefork-app:vnosuch',
                                         '    </Location>', '</VirtualHost>' ],
                                qr/no PreforkApp named 'vnosuch'/, 4 ],
);

plan tests => 3 * @cases + 65;

for my $case (@cases) {
    my ($what, $lines, $reason, $bad) = @$case;
    $bad = $#$lines unless defined $bad;
    my %r = configtest(@$lines);
    my $line = $r{first} + $bad;
    my $file = $r{file};
    my $detail = "$what: httpd -t said (exit $r{rc}):\n$r{out}";

    ok($r{rc} != 0, "$what: rejected") or diag($detail);
    # httpd: "Syntax error on line N of FILE:"; checks after parsing: "FILE:N:"
    ok($r{out} =~ /(?:line $line of \Q$file\E|\Q$file\E:$line\b)/, "$what: file and line $line")
        or diag("$what: no $file line $line in the message\n$detail");
    ok($r{out} =~ $reason, "$what: reason") or diag("$what: reason should match $reason\n$detail");
}

# More worker slots than the manager may have descriptors (ulimit -Hn):
# each listens from the start, and each worker up has its output pipe in
# the manager, so that the pools' minimums could not all start; near it,
# a warning.
{
    my %r = configtest({ ulimit => '-n 256' }, qq{PreforkApp big "$hello" processes=0-200});
    ok($r{rc} != 0, 'slots past the descriptor limit: rejected');
    like($r{out}, qr/PA00036: \Q$r{file}\E:$r{first}: PreforkApp big: the pools have 250 worker slots in all .* more than the 256 descriptors it may open \(ulimit -Hn\)/,
         '... PA00036 says how many, and the limit');
    # A static pool: its 120 workers and 150 slots do not fit, though the
    # slots alone would (before, it started one worker, then backed off).
    %r = configtest({ ulimit => '-n 256' }, qq{PreforkApp static "$hello" processes=120});
    ok($r{rc} != 0, 'a static pool whose workers cannot all be up: rejected');
    like($r{out}, qr/PA00036: \Q$r{file}\E:$r{first}: PreforkApp static: the pools have 150 worker slots in all .* and 120 workers at their minimums; the manager listens on a socket for each slot and holds a pipe for each worker up, besides \d+ descriptors of its own: more than the 256 descriptors it may open/,
         '... PA00036 counts the workers too');
    %r = configtest({ ulimit => '-n 256' }, qq{PreforkApp mid "$hello" processes=0-120});
    is($r{rc}, 0, 'slots near it: accepted') or diag($r{out});
    like($r{out}, qr/PA00037: \Q$r{file}\E:$r{first}: PreforkApp mid: the pools have 150 worker slots in all and need up to 240 descriptors for their workers; the manager listens on a socket for each slot and holds a pipe for each worker up and its kept connection/,
         '... with a warning (PA00037)');
    # Static, its workers fit, but not with their kept connections.
    %r = configtest({ ulimit => '-n 256' }, qq{PreforkApp kept "$hello" processes=80});
    is($r{rc}, 0, 'a static pool whose workers fit: accepted') or diag($r{out});
    like($r{out}, qr/PA00037: .*PreforkApp kept: the pools have 100 worker slots in all and need up to 160 descriptors/,
         '... with a warning, for its kept connections');
    %r = configtest({ ulimit => '-n 256' }, qq{PreforkApp small "$hello" processes=0-40});
    unlike($r{out}, qr/PA0003[67]/, 'slots well within it: nothing said');
}

# httpd's own pid file by another way to its directory (a link; /var/run
# and /run), before either file exists (a first start).
{
    my $dir = File::Temp::tempdir('pa-conf-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    symlink($dir, "$dir-link") or die "symlink: $!";
    my $file = "$dir/httpd.conf";
    write_file($file, base_config($dir, 1) . "$app\nPreforkAppPidFile $dir-link/httpd.pid\n");
    my $out = qx{"@{[httpd_bin()]}" -t -f "$file" 2>&1};
    unlink "$dir-link";
    ok($? != 0, "PreforkAppPidFile httpd's own through a link: rejected");
    like($out, qr{PA00016: .*PreforkAppPidFile \Q$dir\E-link/httpd\.pid: httpd's own PidFile},
         '... saying so') or diag($out);
}

# A Windows line end in an argument its interpreter takes (perl's "-w\r"):
# the script runs, and passes.
{
    write_file("$spaced/crlfperl", "#!/usr/bin/perl -w\r\nprint 1;\r\n", 0755);
    my %r = configtest(qq{PreforkApp a "'$spaced/crlfperl'"});
    is($r{rc}, 0, 'a CR after an argument perl takes: accepted') or diag($r{out});
    # ... and through env -S, which splits on it.
    write_file("$spaced/crlfenvs", "#!/usr/bin/env -S sh\r\necho hi\r\n", 0755);
    %r = configtest(qq{PreforkApp a "'$spaced/crlfenvs'"});
    is($r{rc}, 0, 'a CR after env -S: accepted') or diag($r{out});
}

# A type with a parameter names its app as the handler (httpd drops the
# parameter): a known one passes.
{
    my %r = configtest($app, 'AddType "prefork-app:a; charset=utf-8" .app');
    is($r{rc}, 0, 'AddType prefork-app:NAME with a parameter: accepted') or diag($r{out});
}

# A socket directory base httpd cannot write: a warning (a start fails;
# apachectl graceful checks the configuration first, and must not fail).
{
    my %r = configtest($app, "PreforkAppSocketDir $readonly");
    is($r{rc}, 0, 'PreforkAppSocketDir httpd cannot write: accepted') or diag($r{out});
    like($r{out}, qr{PA00039: .*PreforkAppSocketDir \Q$readonly\E: httpd \(uid \d+\) cannot make its socket directory there \(Permission denied\): a start fails, a graceful restart leaves the apps answering 503\n},
         '... with a warning (PA00039)');
}

# A socket directory base other users may write: a warning.
{
    my $sticky = File::Temp->newdir('pa-stickyXXXX', TMPDIR => 1);
    chmod 01777, "$sticky";
    my %r = configtest($app, "PreforkAppSocketDir $sticky");
    is($r{rc}, 0, 'PreforkAppSocketDir others may write: accepted') or diag($r{out});
    like($r{out}, qr{PA00040: .*PreforkAppSocketDir \Q$sticky\E: other users may write there \(mode 1777\): one who makes the next socket directory's name first \(pa-PID\.GENERATION\) keeps the apps at 503},
         '... with a warning (PA00040)');
    %r = configtest($app, "PreforkAppSocketDir $readonly");
    unlike($r{out}, qr/PA00040/, 'none for a directory only httpd\'s user may write');
}

# A dynamic pool, no room above its minimum: a warning.
{
    my %r = configtest('PreforkAppMaxProcesses 2', qq{PreforkApp a "$hello" processes=2},
                       qq{PreforkApp b "$hello" processes=0-2});
    is($r{rc}, 0, 'PreforkAppMaxProcesses taken whole by the minimums, an on-demand pool: accepted')
        or diag($r{out});
    like($r{out}, qr/PA00038: .*PreforkApp b processes=0-2: PreforkAppMaxProcesses 2 is taken whole by the pools' minimums \(\S+:\d+\): it can never have more than 0 workers/,
         '... with a warning (PA00038)');
    %r = configtest('PreforkAppMaxProcesses 3', qq{PreforkApp a "$hello" processes=2},
                       qq{PreforkApp b "$hello" processes=1-3});
    is($r{rc}, 0, 'PreforkAppMaxProcesses taken whole by the minimums, pools with one: accepted')
        or diag($r{out});
    like($r{out}, qr/PA00038: .*PreforkApp b processes=1-3: PreforkAppMaxProcesses 3 is taken whole by the pools' minimums \(\S+:\d+\): it can never have more than 1 worker\n/,
         '... with a warning (PA00038)');
}

# Every directive and key at once, valid (sizes in plain bytes too).
my %r = configtest(
    'PreforkAppCache main 16777216',
    qq{PreforkApp hello "$hello --flag x" processes=2-4 spare=1-2 max-requests=100 }
        . 'lifetime=60 idle-timeout=10 request-timeout=5 queue-timeout=5 '
        . 'die-timeout=2 start-delay=1 slowlog=3 protocol=fastcgi keep-conn=off cache=main '
        . 'touch-reload=restart.txt queue-limit=4 reply-buffer=65536 reply-spool=16M '
        . 'max-memory=536870912 stale-while-revalidate=30 stale-if-error=600 cache-lock=5 '
        . 'rlimit-files=64 rlimit-core=0 cwd=/tmp x-sendfile=/tmp,/var/tmp error-override=404,500',
    qq{PreforkApp two "$hello" processes=1 max-requests=5-10 lifetime=30-60},
    qq{PreforkApp three "$hello" processes=1 protocol=SCGI keep-conn=off},
    qq{PreforkApp four "$hello" processes=1 protocol=cgi max-requests=1},
    'PreforkAppEnv hello APP_ENV test',
    'PreforkAppPidFile pa.pid',
    'PreforkAppSocketDir .',                  # relative: DefaultRuntimeDir itself
    'PreforkAppTempDir /tmp',
    'PreforkAppAlias /api/ two',
    'PreforkAppAlias / three',
    '<VirtualHost *>',
    '    ServerName vh.example',
    '    PreforkAppAlias /api four',
    '</VirtualHost>',
    '<Location /hello>',
    '    SetHandler prefork-app:hello',
    '</Location>',
    '<Location /app-status>',
    '    SetHandler prefork-app-status',
    '    Require local',
    '</Location>',
    # The handler a rewrite sets: a known app, or a name mod_rewrite expands.
    qq{LoadModule rewrite_module "@{[libexecdir()]}/mod_rewrite.so"},
    'RewriteEngine On',
    'RewriteRule ^/h - [H=prefork-app:hello]',
    'RewriteRule ^/v - [H=prefork-app:%{ENV:APP}]',
);
ok($r{rc} == 0, 'a valid config passes') or diag("valid config rejected (exit $r{rc}):\n$r{out}");
ok($r{out} =~ /Syntax OK/, 'Syntax OK') or diag("no 'Syntax OK':\n$r{out}");

# A warning, not an error: a PreforkAppAlias line an earlier one covers
# never maps anything (the first that covers a path wins).
%r = configtest(qq{PreforkApp a "$hello"}, 'PreforkAppAlias /api a', 'PreforkAppAlias /api/v2 a');
ok($r{rc} == 0, 'PreforkAppAlias covered by an earlier line: passes') or diag($r{out});
like($r{out}, qr{PA00032: \Q$r{file}\E:@{[$r{first} + 2]}: PreforkAppAlias /api/v2 will never be used: /api \(\Q$r{file}\E:@{[$r{first} + 1]}\) covers it},
     '... warned, with both lines');
%r = configtest(qq{PreforkApp a "$hello"}, 'PreforkAppAlias /api/v2 a', 'PreforkAppAlias /api a', 'PreforkAppAlias /apix a');
ok($r{rc} == 0 && $r{out} !~ /PA00032/, 'the longer path first, and a path that only begins alike: no warning')
    or diag("exit $r{rc}:\n$r{out}");

# A warning: php-fpm's PHP_VALUE / PHP_ADMIN_VALUE, carried over from a
# ProxyFCGISetEnvIf or an env[] line, mean nothing to php-cgi.
%r = configtest(qq{PreforkApp a "$hello"}, 'PreforkAppEnv a PHP_ADMIN_VALUE "memory_limit=64M"',
                '<Location /a>', '    PreforkAppSetEnvIf true PHP_VALUE "memory_limit=64M"',
                '    PreforkAppSetEnvIf true !PHP_ADMIN_VALUE', '</Location>');
ok($r{rc} == 0, 'PHP_VALUE, PHP_ADMIN_VALUE: passes') or diag($r{out});
like($r{out}, qr{PA00034: \Q$r{file}\E:@{[$r{first} + 1]}: PreforkAppEnv PHP_ADMIN_VALUE: php-fpm reads php.ini values from PHP_ADMIN_VALUE, php-cgi does not .*\n(?s:.*)PA00034: \Q$r{file}\E:@{[$r{first} + 3]}: PreforkAppSetEnvIf PHP_VALUE: },
     '... warned at each line that sets one');
is(() = $r{out} =~ /PA00034/g, 2, '... not where one is unset');
# ... and mod_env's SetEnv or mod_proxy_fcgi's ProxyFCGISetEnvIf kept beside
# the SetHandler that now names an app; not in a section that names none
# (a php-fpm site served on by mod_proxy_fcgi).
%r = configtest(qq{LoadModule env_module "@{[libexecdir()]}/mod_env.so"}, qq{PreforkApp a "$hello"},
                '<FilesMatch "\.php$">', '    SetHandler prefork-app:a', '    SetEnv PHP_VALUE "memory_limit=1G"', '</FilesMatch>',
                '<Location /fpm>', '    SetEnv PHP_ADMIN_VALUE "memory_limit=1G"', '</Location>');
ok($r{rc} == 0, 'SetEnv PHP_VALUE: passes') or diag($r{out});
like($r{out}, qr{PA00034: \Q$r{file}\E:@{[$r{first} + 4]}: SetEnv PHP_VALUE: php-fpm reads php.ini values from PHP_VALUE, php-cgi does not},
     '... warned beside a prefork-app handler');
is(() = $r{out} =~ /PA00034/g, 1, '... not in a section that names no app');

# A warning too: an Alias, Redirect or ProxyPass whose path covers a
# PreforkAppAlias's takes its URLs first (mod_alias and mod_proxy map
# before it): a ProxyPass left from before, a Redirect of everything.
my @mappers = (qq{LoadModule alias_module "@{[libexecdir()]}/mod_alias.so"},
               qq{LoadModule proxy_module "@{[libexecdir()]}/mod_proxy.so"});
%r = configtest(qq{PreforkApp a "$hello"}, @mappers, 'ProxyPass /api http://127.0.0.1:9/',
                'PreforkAppAlias /api/v2 a');
ok($r{rc} == 0, 'PreforkAppAlias under a ProxyPass: passes') or diag($r{out});
like($r{out}, qr{PA00033: \Q$r{file}\E:@{[$r{first} + 4]}: PreforkAppAlias /api/v2 will never be used: ProxyPass /api \(\Q$r{file}\E:@{[$r{first} + 3]}\) covers it, and mod_proxy maps a URL before PreforkAppAlias},
     '... warned, with both lines');
%r = configtest(qq{PreforkApp a "$hello"}, @mappers, 'Redirect permanent / http://example.org/',
                '<VirtualHost 127.0.0.1:80>', 'PreforkAppAlias /app a', '</VirtualHost>');
like($r{out}, qr{PA00033: \Q$r{file}\E:@{[$r{first} + 5]}: PreforkAppAlias /app will never be used: Redirect / \(\Q$r{file}\E:@{[$r{first} + 3]}\) covers it, and mod_alias maps},
     'the main server\'s Redirect of / covers a virtual host\'s PreforkAppAlias');
# Not: an Alias for the app's files under its path (documented use), a
# ProxyPass exclusion, a path that only begins alike, another host's
# Alias, a Redirect inside a section (no path of its own).
%r = configtest(qq{PreforkApp a "$hello"}, @mappers, 'Alias /api/static /tmp', 'ProxyPass /api !',
                'Redirect /apix http://example.org/', '<Location /api>', 'Redirect http://example.org/', '</Location>',
                '<VirtualHost 127.0.0.1:80>', 'Alias /api /tmp', '</VirtualHost>', 'PreforkAppAlias /api a');
ok($r{rc} == 0 && $r{out} !~ /PA00033/, '... and no warning where the alias still gets its URLs')
    or diag("exit $r{rc}:\n$r{out}");

# A warning, not an error: php-cgi told to fork children of its own.
%r = configtest(qq{PreforkApp php "$hello" processes=2},
                'PreforkAppEnv php PHP_FCGI_CHILDREN 4',
                'PreforkAppEnv php PHP_FCGI_MAX_REQUESTS 500');
ok($r{rc} == 0, 'PHP_FCGI_CHILDREN: passes') or diag($r{out});
like($r{out}, qr/PA00011: \Q$r{file}\E:$r{first}: PreforkApp php: PHP_FCGI_CHILDREN=4: php-cgi forks its own children, but each worker gets one request at a time/,
     'PHP_FCGI_CHILDREN: warned, with file and line');
%r = configtest(qq{PreforkApp php "$hello" processes=2}, 'PreforkAppEnv php PHP_FCGI_CHILDREN 0');
# A config that failed for another reason would have no PA00011 either.
ok($r{rc} == 0 && $r{out} !~ /PA00011/, 'PHP_FCGI_CHILDREN=0: passes, with no warning')
    or diag("exit $r{rc}:\n$r{out}");

# PHP's command-line interpreter (php, php8.2: a copy of hello stands in
# for it, as for php-cgi above) speaks no FastCGI: a warning that names it.
my $phpdir = File::Temp->newdir();
for my $name ('php8.2', 'php-cgi8.2') {
    File::Copy::copy($hello, "$phpdir/$name") or die "copy: $!";
    chmod 0755, "$phpdir/$name";
}
symlink "$phpdir/php8.2", "$phpdir/php" or die "symlink: $!";
%r = configtest(qq{PreforkApp cli "$phpdir/php"});
ok($r{rc} == 0, 'PreforkApp naming php (the CLI): passes') or diag($r{out});
like($r{out}, qr/PA00018: \Q$r{file}\E:$r{first}: PreforkApp cli: '\Q$phpdir\E\/php' is PHP's command-line interpreter \(\Q$phpdir\E\/php8\.2\), which does not speak FastCGI: its workers would exit at once \(use php-cgi\)/,
     '... warned that it is PHP\'s command-line interpreter, with file and line');
%r = configtest(qq{PreforkApp cgi "$phpdir/php-cgi8.2"});
ok($r{rc} == 0 && $r{out} !~ /PA00018/, 'php-cgi8.2: no such warning') or diag($r{out});
# A touch-reload file in a directory that is not there: never touched.
%r = configtest(qq{PreforkApp tr "$hello" touch-reload=/nonexistent-pa-dir/restart.txt});
ok($r{rc} == 0, 'touch-reload in a missing directory: passes') or diag($r{out});
like($r{out}, qr{PA00019: \Q$r{file}\E:$r{first}: PreforkApp tr: touch-reload=/nonexistent-pa-dir/restart\.txt: its directory /nonexistent-pa-dir/: No such file or directory \(no reload until it is there\)},
     '... warned, with file and line');

# slowlog= not below request-timeout=: the 504 would come before the line
# that says what the worker waits for.
%r = configtest(qq{PreforkApp sl "$hello" slowlog=30 request-timeout=30});
ok($r{rc} == 0, 'slowlog= not below request-timeout=: passes') or diag($r{out});
like($r{out}, qr/PA00027: \Q$r{file}\E:$r{first}: PreforkApp sl: slowlog=30 is not below request-timeout=30: a slow request is cut off \(504\) before its worker can be logged still running and what it waits for \(PA00137\); set slowlog= lower/,
     '... warned, with file and line');
%r = configtest(qq{PreforkApp sl "$hello" slowlog=5 request-timeout=30});
ok($r{rc} == 0 && $r{out} !~ /PA00027/, 'slowlog=5 request-timeout=30: no such warning') or diag($r{out});

# user= where httpd does not start as root (as here: Apache::Test refuses
# root): the workers run as httpd does, which configtest says.
%r = configtest(qq{PreforkApp other "$hello" user=nobody});
ok($r{rc} == 0, 'user=nobody, httpd not root: passes') or diag($r{out});
like($r{out}, qr/PA00020: \Q$r{file}\E:$r{first}: PreforkApp other: user=nobody is ignored: httpd is not started as root, so its workers run as httpd does \(uid $>, gid \d+\)/,
     '... warned that user= is ignored, with file and line');
%r = configtest(qq{PreforkApp mine "$hello" user=$me});
ok($r{rc} == 0 && $r{out} !~ /PA00020/, 'user= naming httpd\'s own user: no such warning') or diag($r{out});

# The status page where its own section says nothing of who may see it (the
# enclosing sections often let everyone in): local clients only, as if
# "Require local" were there (t/58), said with file and line. Where no
# Require can be added for it (AddHandler: the section holds other files),
# a warning.
%r = configtest('<Location /app-status>', '    SetHandler prefork-app-status', '</Location>');
ok($r{rc} == 0, 'status page without Require: passes') or diag($r{out});
like($r{out}, qr/PA00015: \Q$r{file}\E:@{[$r{first} + 1]}: SetHandler prefork-app-status with no Require in its section: only local clients see the status page/,
     'status page without Require: local only, said with file and line');
unlike($r{out}, qr/PA00013/, '... and not warned of as open');
%r = configtest('<Directory /srv>', '    AddHandler prefork-app-status .status', '</Directory>');
ok($r{rc} == 0, 'status page by AddHandler without Require: passes') or diag($r{out});
like($r{out}, qr/PA00013: \Q$r{file}\E:@{[$r{first} + 1]}: AddHandler prefork-app-status with no Require in its section/,
     '... warned of as open, with file and line');
unlike($r{out}, qr/PA00015/, '... no Require added to the <Directory>');
# Without mod_authz_host no "Require local" can be added: the warning
# says what is missing.
{
    my $dir = File::Temp::tempdir('pa-conf-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    (my $base = base_config($dir, 1)) =~ s/^LoadModule authz_host_module[^\n]*\n//m;
    open my $fh, '>', "$dir/httpd.conf" or die "$dir/httpd.conf: $!";
    print $fh $base, "<Location /app-status>\n    SetHandler prefork-app-status\n</Location>\n";
    close $fh;
    my $out = qx{"@{[httpd_bin()]}" -t -f "$dir/httpd.conf" 2>&1};
    like($out, qr/PA00013: .*SetHandler prefork-app-status with no Require in its section: .*for a monitoring host; it needs mod_authz_host\)/,
         'status page without mod_authz_host: warned of as open, saying that Require local needs it');
}
%r = configtest('<Location /app-status>', '    SetHandler prefork-app-status', '    Require local', '</Location>',
                '<Location /s2>', '    SetHandler prefork-app-status', '    <RequireAny>',
                '        Require ip 192.0.2.1', '    </RequireAny>', '</Location>',
                '<Location /s3>', '    SetHandler prefork-app-status', '    <Limit GET>',
                '        Require ip 192.0.2.1', '    </Limit>', '</Location>');
ok($r{rc} == 0 && $r{out} !~ /PA0001[35]/,
   'status page behind Require, <RequireAny> or <Limit>: passes, no warning, nothing added')
    or diag("exit $r{rc}:\n$r{out}");
# A <Limit> that leaves GET (and so HEAD) out says nothing of who sees the
# page; nor does a <LimitExcept GET>. A <LimitExcept POST> covers GET.
%r = configtest('<Location /s4>', '    SetHandler prefork-app-status', '    <Limit POST PUT>',
                '        Require ip 192.0.2.1', '    </Limit>', '</Location>',
                '<Location /s5>', '    SetHandler prefork-app-status', '    <LimitExcept GET>',
                '        Require ip 192.0.2.1', '    </LimitExcept>', '</Location>',
                '<Location /s6>', '    SetHandler prefork-app-status', '    <LimitExcept POST>',
                '        Require ip 192.0.2.1', '    </LimitExcept>', '</Location>');
ok($r{rc} == 0, 'status page behind <Limit POST PUT>: passes') or diag($r{out});
my @guarded = $r{out} =~ /PA00015: \Q$r{file}\E:(\d+):/g;
is("@guarded", join(' ', $r{first} + 1, $r{first} + 7),
   '<Limit POST PUT> and <LimitExcept GET>: local only (PA00015); <LimitExcept POST>: as written')
    or diag($r{out});
# A <Location> written after the status page's that covers its URL (and
# more) and has a Require of its own replaces the page's (the added Require
# local too): httpd merges sections in their order. Said with both places;
# a section before it, one for another path (/app is not /app-status), one
# that merges (AuthMerging And) or one for the page alone (its Require kept
# apart) is no such thing. A virtual host's sections come after all of the
# main server's.
%r = configtest('<Location /app>', '    Require all granted', '</Location>',
                '<Location />', '    Require all granted', '</Location>',
                '<Location /app-status>', '    SetHandler prefork-app-status', '</Location>',
                '<Location /app>', '    Require all granted', '</Location>',
                '<Location /app-status/>', '    Require ip 192.0.2.1', '</Location>',
                '<LocationMatch "^/app-stat">', '    AuthMerging And', '    Require all granted', '</LocationMatch>',
                '<Location />', '    Require all granted', '</Location>',
                '<VirtualHost *>', '    ServerName vh.example',
                '    <LocationMatch "^/">', '        Require ip 192.0.2.1', '    </LocationMatch>',
                '</VirtualHost>');
ok($r{rc} == 0, 'a later <Location /> with a Require: passes') or diag($r{out});
my $st = $r{first} + 6;
my @later = $r{out} =~ /PA00190: \Q$r{file}\E:(\d+): <Location(?:Match)? [^\n]*> after the status page's section \(\Q$r{file}\E:$st\) covers its URL \/app-status and has a Require of its own, which replaces the page's \(write the page's section after it\)/g;
is("@later", join(' ', $r{first} + 19, $r{first} + 24),
   '... warned of (PA00190) for the later <Location /> and the virtual host\'s <LocationMatch>, with both places')
    or diag($r{out});

# A SetHandler expression (httpd 2.4.19 and later), evaluated per request:
# not taken for an app's name (the ${VAR} check above must not catch it).
{
    my %r = configtest($app, '<LocationMatch "^/x/(?<app>a)/">',
                       '    SetHandler "prefork-app:%{env:MATCH_APP}"', '</LocationMatch>');
    is($r{rc}, 0, 'SetHandler prefork-app:%{...}, an expression: accepted') or diag($r{out});
}
