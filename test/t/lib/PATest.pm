package PATest;
# Helpers for the mod_prefork_app Apache::Test suite. Use from a t/*.t file:
#
#   use FindBin; use lib "$FindBin::Bin/lib";
#   use PATest qw(:all);
#
# Everything that waits polls a condition (wait_for) with a generous upper
# bound: the bound is only there so that a broken build fails instead of
# hanging; tests never assert how long something took.
use strict;
use warnings;

use Exporter 'import';
use File::Spec::Functions qw(catfile);
use File::Temp ();
use File::Basename ();
use HTTP::Tiny ();
use IO::Socket::INET ();
use JSON::PP ();
use Socket ();
use Time::HiRes ();
use Apache::Test ();
use Apache::TestRequest ();

our @EXPORT_OK = qw(
    httpd_bin module_path hello_path app_path libexecdir
    wait_for read_all read_until
    error_log_path error_log_offset error_log_since wait_for_log
    status_json app_status app_busy app_queued worker_pids
    ps_table ps_children pid_alive pid_runs send_signal httpd_pid
    base_config configtest free_port gate open_gate close_gate shm_entries
    test_dir write_file openssl kept_get one_child
);
our %EXPORT_TAGS = (all => \@EXPORT_OK);

# ---- files ------------------------------------------------------------------
# test_dir('pa-xyz'): a new temporary directory that every user may enter (a
# private httpd's workers may run as another user), removed at exit unless
# PA_KEEP_TMP is set.
sub test_dir {
    my $dir = File::Temp::tempdir("$_[0]-XXXXXX", TMPDIR => 1,
                                  CLEANUP => !$ENV{PA_KEEP_TMP});
    chmod 0755, $dir;
    return $dir;
}

# write_file($path, $text, $mode): $path holds $text, with $mode (0644 unless
# given: 0755 for a script). Returns $path.
sub write_file {
    my ($path, $text, $mode) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh or die "$path: $!";
    chmod $mode // 0644, $path or die "$path: $!";
    return $path;
}

# openssl($dir, 'req', ...): runs openssl, its chatter into $dir/openssl.log;
# dies if it fails.
sub openssl {
    my ($dir, @args) = @_;
    open my $saved, '>&', \*STDERR or die "dup stderr: $!";
    open STDERR, '>>', "$dir/openssl.log" or die "$dir/openssl.log: $!";
    my $rc = system { 'openssl' } 'openssl', @args;
    open STDERR, '>&', $saved or die "stderr: $!";
    die "openssl @args: exit $? (see $dir/openssl.log)\n" if $rc;
}

# ---- gates ------------------------------------------------------------------
# A file the echo app's answers wait for (wait=FILE): gate() names one in a
# directory of its own that every user may write (the app may run as
# another), removed at exit; open_gate() lets the answers go, close_gate()
# holds the next ones.
sub gate {
    my $dir = File::Temp::tempdir('pa-gate-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    chmod 0777, $dir;
    return "$dir/go";
}
sub open_gate  { open my $fh, '>', $_[0] or die "$_[0]: $!"; close $fh }
sub close_gate { unlink $_[0] }

# The names in /dev/shm (POSIX shared memory objects: cache zones' segments).
sub shm_entries { opendir(my $d, '/dev/shm') or return (); grep { !/^\./ } readdir $d }

# ---- paths ------------------------------------------------------------------
# t/TEST.PL puts them in the environment (PA_MODULE, PA_HELLO, PA_LIBEXECDIR).
sub httpd_bin   { Apache::Test::vars('httpd') }
sub module_path { $ENV{PA_MODULE} or die "PA_MODULE is not set (run through t/TEST.PL)\n" }
sub hello_path  { $ENV{PA_HELLO}  or die "PA_HELLO is not set (run through t/TEST.PL)\n" }
# A program of scripts/apps (echo, cachectl, ...), or without a name their
# directory: where the run put them (PA_APPS), else beside hello.
sub app_path {
    my $dir = $ENV{PA_APPS} || File::Basename::dirname(hello_path());
    return @_ ? "$dir/$_[0]" : $dir;
}
sub libexecdir  { $ENV{PA_LIBEXECDIR} or die "PA_LIBEXECDIR is not set (run through t/TEST.PL)\n" }

# ---- polling ----------------------------------------------------------------
# wait_for(sub { ... }, timeout => 30, interval => 0.1): calls the sub until it
# returns a true value and returns that value; undef if it never did.
sub wait_for {
    my ($cond, %o) = @_;
    my $interval = $o{interval} || 0.1;
    my $tries = int(($o{timeout} || 30) / $interval) + 1;
    while ($tries-- > 0) {
        my $v = $cond->();
        return $v if $v;
        Time::HiRes::sleep($interval);
    }
    return undef;
}

# read_all($sock, timeout => 60): what the peer sends until it closes, read
# with sysread under select, so that a reply that never ends cannot hang the
# test: after timeout seconds (from the call) it returns what it has. In list
# context also how it ended: 'eof', 'timeout' or 'error' (a failed read, $!).
# Only for a handle not read with <$sock> before (PerlIO's buffer is not
# seen by select).
sub read_all {
    my ($sock, %o) = @_;
    my $timeout = $o{timeout} || 60;
    my $until = Time::HiRes::time() + $timeout;
    my ($data, $how) = ('', 'timeout');
    while ((my $left = $until - Time::HiRes::time()) > 0) {
        my $rin = '';
        vec($rin, fileno($sock), 1) = 1;
        my $n = select(my $rout = $rin, undef, undef, $left);
        if ($n < 0) { next if $!{EINTR}; $how = 'error'; last }
        next unless $n;
        my $got = sysread($sock, $data, 65536, length $data);
        if (!defined $got) { next if $!{EINTR} || $!{EAGAIN}; $how = 'error'; last }
        if (!$got) { $how = 'eof'; last }
    }
    warn "# read_all: the reply did not end within $timeout s\n"
        if $how eq 'timeout' && !$o{quiet};
    return wantarray ? ($data, $how) : $data;
}

# one_child($threads): event MPM lines for a server of one child, so that
# a test knows which process serves its requests.
sub one_child {
    my $t = shift;
    return "ServerLimit 1\nStartServers 1\nThreadLimit $t\nThreadsPerChild $t\n"
         . "MaxRequestWorkers $t\nMinSpareThreads 1\nMaxSpareThreads @{[2 * $t]}\n";
}

# kept_get($sock, $path): a GET on a client connection kept alive (HTTP/1.1,
# the reply's Content-Length read): (status, body).
sub kept_get {
    my ($c, $path) = @_;
    print $c "GET $path HTTP/1.1\r\nHost: localhost\r\n\r\n";
    my $head = '';
    while ($head !~ /\r\n\r\n\z/) {
        defined(sysread($c, $head, 1, length $head)) && length $head or return (0, '');
    }
    my ($len) = $head =~ /^Content-Length: (\d+)/mi;
    my $body = '';
    while (length $body < ($len // 0)) {
        sysread($c, $body, $len - length $body, length $body) or last;
    }
    my ($status) = $head =~ m{^HTTP/1\.\d (\d+)};
    return ($status // 0, $body);
}

# read_until($sock, qr/first\n/, timeout => 60): reads (sysread under
# select) until what came matches, the peer closes or the bound runs out;
# returns all it read. Call it with the text read so far in $o{got} to go on.
sub read_until {
    my ($sock, $re, %o) = @_;
    my $until = Time::HiRes::time() + ($o{timeout} || 60);
    my $data = $o{got} // '';
    while ($data !~ $re && (my $left = $until - Time::HiRes::time()) > 0) {
        my $rin = '';
        vec($rin, fileno($sock), 1) = 1;
        my $n = select(my $rout = $rin, undef, undef, $left);
        next if $n < 0 && $!{EINTR};
        last if $n < 0;
        next unless $n;
        my $got = sysread($sock, $data, 4096, length $data);
        next if !defined $got && $!{EINTR};
        last unless $got;
    }
    return $data;
}

# ---- the Apache::Test server's error log ------------------------------------
sub error_log_path { catfile(Apache::Test::vars('t_logs'), 'error_log') }

# Remember error_log_offset() before an action, then look only at what the
# action logged with error_log_since($offset).
sub error_log_offset {
    my $file = shift || error_log_path();
    return -s $file || 0;
}

sub error_log_since {
    my ($offset, $file) = @_;
    $file ||= error_log_path();
    open my $fh, '<', $file or return '';
    seek $fh, $offset || 0, 0;
    local $/;
    my $text = <$fh>;
    return defined $text ? $text : '';
}

# wait_for_log(qr/PA00101/, $offset, timeout => 30, file => $path): the log
# text since $offset once it matches, else undef.
sub wait_for_log {
    my ($re, $offset, %o) = @_;
    return wait_for(sub {
        my $text = error_log_since($offset, $o{file});
        return $text =~ $re ? $text : undef;
    }, %o);
}

# ---- the status page --------------------------------------------------------
# The decoded JSON of /app-status?json ({"apps":[{"name":..,"workers":[..]}]}),
# or undef if the page is not there (yet). A second argument is the base URL
# of a private server (PATest::Httpd->url) instead of the Apache::Test one.
sub status_json {
    my ($path, $base) = @_;
    $path ||= '/app-status?json';
    my ($code, $body);
    if ($base) {
        my $res = HTTP::Tiny->new(timeout => 30)->get("$base$path");
        ($code, $body) = ($res->{status}, $res->{content});
    }
    else {
        my $res = Apache::TestRequest::GET($path);
        ($code, $body) = ($res->code, $res->content);
    }
    return undef unless $code == 200;
    my $data = eval { JSON::PP::decode_json($body) };
    return $data;
}

# app_status('hello'): that app's entry of the status JSON, or undef.
sub app_status {
    my ($name, $base) = @_;
    my $status = status_json(undef, $base) or return undef;
    for my $app (@{ $status->{apps} || [] }) {
        return $app if $app->{name} eq $name;
    }
    return undef;
}

# app_busy('hello') / app_queued('hello'): how many of that app's workers
# are busy, how many requests wait for one; 0 while the status page does not
# show the app.
sub app_busy   { ((app_status(@_) || {})->{processes} || {})->{busy} // 0 }
sub app_queued { ((app_status(@_) || {})->{queue} || {})->{length} // 0 }

# worker_pids('hello'): the pids the status page shows for that app's workers.
sub worker_pids {
    my ($name, $base) = @_;
    my $app = app_status($name, $base) or return ();
    return grep { $_ } map { $_->{pid} } @{ $app->{workers} || [] };
}

# ---- processes --------------------------------------------------------------
# ps_table(): list of { pid, ppid, stat, args } for every process.
sub ps_table {
    my @rows;
    # Callers often run this inside grep/map: keep their $_ (an alias).
    local $_;
    open my $ps, '-|', 'ps', '-eo', 'pid=,ppid=,stat=,args=' or die "ps: $!";
    while (<$ps>) {
        chomp;
        my ($pid, $ppid, $stat, $args) = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/ or next;
        push @rows, { pid => $pid, ppid => $ppid, stat => $stat, args => $args };
    }
    close $ps;
    return @rows;
}

sub ps_children {
    my $ppid = shift;
    return grep { $_->{ppid} == $ppid } ps_table();
}

# True if the process exists and is not a zombie.
sub pid_alive {
    my $pid = shift;
    return 0 unless $pid && kill(0, $pid);
    my ($row) = grep { $_->{pid} == $pid } ps_table();
    return $row && $row->{stat} !~ /^Z/ ? 1 : 0;
}

# pid_runs($pid, $command): true once that process runs $command. The
# status page shows a worker's pid as soon as the manager has forked it,
# before its exec: until then its command line, environment, directory,
# descriptors and scheduling are still the manager's.
sub pid_runs {
    my ($pid, $command) = @_;
    my ($row) = grep { $_->{pid} == $pid } ps_table();
    return $row && $row->{args} =~ /\Q$command\E/ ? 1 : 0;
}

# send_signal('TERM', @pids): number of processes signalled.
sub send_signal {
    my ($sig, @pids) = @_;
    return kill $sig, @pids;
}

# The pid of the Apache::Test server's parent httpd.
sub httpd_pid {
    my $file = Apache::Test::vars('t_pid_file');
    open my $fh, '<', $file or return undef;
    my ($pid) = <$fh> =~ /(\d+)/;
    return $pid;
}

# ---- private configurations -------------------------------------------------
# base_config($dir, $port, $mpm): the lines every private httpd config starts
# with (paths inside $dir, our module loaded). $port defaults to a free one,
# $mpm to event.
sub base_config {
    my ($dir, $port, $mpm) = @_;
    $port ||= free_port();
    $mpm ||= 'event';
    my $lib = libexecdir();
    my $mod = module_path();
    return <<"EOF";
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$dir/httpd.pid"
ErrorLog "$dir/error_log"
LogLevel info prefork_app:debug
DefaultRuntimeDir "$dir"
LoadModule mpm_${mpm}_module "$lib/mod_mpm_${mpm}.so"
LoadModule authz_core_module "$lib/mod_authz_core.so"
LoadModule authz_host_module "$lib/mod_authz_host.so"
LoadModule mime_module "$lib/mod_mime.so"
TypesConfig /dev/null
LoadModule prefork_app_module "$mod"
EOF
}

# configtest(@lines): writes base_config plus @lines to a temporary file and
# runs `httpd -t -f FILE`. Returns a hash: rc (exit status), out (stdout and
# stderr), file, first (line number of $lines[0] in the file).
sub configtest {
    # configtest({ ulimit => '-n 256' }, LINES): under that shell ulimit.
    my $o = ref $_[0] eq 'HASH' ? shift : {};
    my @lines = @_;
    my $dir = File::Temp::tempdir('pa-conf-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $base = base_config($dir, 1);   # -t never binds the port
    my $file = "$dir/httpd.conf";
    open my $fh, '>', $file or die "$file: $!";
    print $fh $base, map { "$_\n" } @lines;
    close $fh;
    my $first = ($base =~ tr/\n//) + 1;
    my $cmd = qq{"@{[httpd_bin()]}" -t -f "$file"};
    $cmd = "ulimit $o->{ulimit} && exec $cmd" if $o->{ulimit};
    my $out = qx{$cmd 2>&1};
    return (rc => $? >> 8, out => $out, file => $file, first => $first);
}

# A TCP port nothing listens on at 127.0.0.1, and none this process was
# given before: a test may take ports for two httpds (or a second Listen)
# before either is bound, and the kernel may hand out a port it has just
# freed again. The kernel picks it, or, with PA_TEST_PORTS=LO-HI (as
# scripts/test sets for runs side by side), one of that range, chosen at
# random: outside the ephemeral range, no client's connection of another
# run can take it before our httpd binds it.
my %given;
sub free_port {
    my ($lo, $hi) = ($ENV{PA_TEST_PORTS} // '') =~ /^(\d+)-(\d+)$/;
    for (1 .. 100) {
        my $want = $lo ? $lo + int(rand($hi - $lo + 1)) : 0;
        my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $want,
                                         Listen => 1, ReuseAddr => 1);
        if (!$sock) {
            next if $want;
            die "no free port: $!";
        }
        my $port = $sock->sockport;
        close $sock;
        return $port unless $given{$port}++;
    }
    die "no free port that this test has not used already\n";
}

# ---- a private httpd --------------------------------------------------------
# For tests that stop, restart or break the server: the shared Apache::Test
# server must stay up for the other test files.
#
#   my $h = PATest::Httpd->new(conf => qq{PreforkApp hello "$hello"\n...},
#                              mpm => 'prefork');   # default: event
#   $h->start or die $h->error_log;
#   my $res = $h->get('/hello');       # HTTP::Tiny response hash
#   $h->graceful; $h->stop;            # both wait until done
#   $h->pid; $h->manager_pid;          # from their pid files
#   new(env => { TMPDIR => $d }, ulimit => '-f 4096')  # httpd's environment, limits
package PATest::Httpd;

sub new {
    my ($class, %o) = @_;
    my $self = bless { %o }, $class;
    $self->{dir} = File::Temp::tempdir('pa-httpd-XXXXXX', TMPDIR => 1,
                                       CLEANUP => !$ENV{PA_KEEP_TMP});
    $self->{port} = PATest::free_port();
    my $file = "$self->{dir}/httpd.conf";
    open my $fh, '>', $file or die "$file: $!";
    print $fh PATest::base_config($self->{dir}, $self->{port}, $o{mpm}),
              $o{conf} || '', "\n";
    # status => 1: the status page at /app-status, for the methods below.
    print $fh "<Location /app-status>\n    SetHandler prefork-app-status\n    Require local\n</Location>\n"
        if $o{status};
    close $fh;
    $self->{conf_file} = $file;
    # scripts/test stops the httpds of a run it had to cut off: it finds
    # them by their configuration file, listed here.
    if ($ENV{PA_HTTPD_LIST} && open my $list, '>>', $ENV{PA_HTTPD_LIST}) {
        print $list "$file\n";
        close $list;
    }
    $self->{has_apps} = ($o{conf} || '') =~ /^\s*PreforkApp(?:Scripts)?\s/m;
    return $self;
}

sub dir      { $_[0]{dir} }
sub port     { $_[0]{port} }
sub url      { my ($self, $path) = @_; "http://127.0.0.1:$self->{port}" . ($path || '') }

# A GET with the Host header of our choosing (name-based virtual hosts),
# and any other header lines given: HTTP::Tiny will not send such, so
# HTTP/1.0 by hand. { status, content }.
sub get_host {
    my ($self, $host, $path, @headers) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
                                  Timeout => 60) or return { status => 599 };
    print $s "GET $path HTTP/1.0\r\nHost: $host\r\n", (map { "$_\r\n" } @headers), "\r\n";
    my $reply = PATest::read_all($s);
    my ($status) = $reply =~ m{^HTTP/1\.\d (\d+)};
    my ($content) = $reply =~ /\r\n\r\n(.*)\z/s;
    return { status => $status || 599, content => $content // '' };
}
# True while something accepts connections on our port: an httpd that
# failed at start holds it until its last process is gone.
sub listening {
    my $self = shift;
    return IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
                                 Timeout => 5) ? 1 : 0;
}
sub log_file { "$_[0]{dir}/error_log" }
sub error_log { PATest::error_log_since(0, $_[0]->log_file) }

# The pid in one of the server's pid files, or undef.
sub _pidfile {
    my ($self, $name) = @_;
    open my $fh, '<', "$self->{dir}/$name" or return undef;
    my ($pid) = (<$fh> // '') =~ /(\d+)/;
    return $pid;
}
sub pid         { $_[0]->_pidfile('httpd.pid') }
sub manager_pid { $_[0]->_pidfile('prefork_app_manager.pid') }

# new(env => { TMPDIR => ... }): httpd (and so its children, manager and
# workers) runs with these variables set; new(ulimit => '-f 2048'): under
# that shell ulimit (e.g. a file size limit, as a full disk would be).
sub _k {
    my ($self, $what) = @_;
    my %env = %{ $self->{env} || {} };
    local @ENV{keys %env} = values %env;
    my @cmd = (PATest::httpd_bin(), '-f', $self->{conf_file}, '-k', $what);
    @cmd = ('sh', '-c', "ulimit $self->{ulimit} && exec \"\$@\"", 'sh', @cmd)
        if $self->{ulimit};
    system(@cmd);
    return $? == 0;
}

# Starts the server; true once it answers HTTP.
sub start {
    my $self = shift;
    $self->_k('start') or return 0;
    my $up = PATest::wait_for(sub {
        my $res = HTTP::Tiny->new(timeout => 5)->get($self->url('/'));
        return $res->{status} != 599;   # 599: HTTP::Tiny could not connect
    });
    $self->{started_pid} = $self->pid;  # for DESTROY, if the dir is gone
    # httpd can answer before its manager has written its pid file (slow
    # under ASan): a test that reads it next must find it.
    PATest::wait_for(sub { defined $self->manager_pid }, timeout => 10)
        if $up && $self->{has_apps};
    return $up;
}

# Graceful restart; true once a new generation is serving.
sub graceful {
    my $self = shift;
    my $offset = PATest::error_log_offset($self->log_file);
    $self->_k('graceful') or return 0;
    return PATest::wait_for_log(qr/AH00489|resuming normal operations/, $offset,
                                file => $self->log_file);
}

# Stops the server (SIGTERM, or graceful-stop with 'graceful-stop'); true
# once the parent httpd is gone.
sub stop {
    my ($self, $how) = @_;
    my $pid = $self->pid or return 1;
    $self->_k($how || 'stop') or return 0;
    return PATest::wait_for(sub { !PATest::pid_alive($pid) }, timeout => 60);
}

# This server's status page (new(status => 1)): an app's JSON object, the
# pids of its workers, one of its counters.
sub app     { PATest::app_status($_[1], $_[0]->url) }
sub pids    { PATest::worker_pids($_[1], $_[0]->url) }
sub busy    { PATest::app_busy($_[1], $_[0]->url) }
sub queued  { PATest::app_queued($_[1], $_[0]->url) }
sub counter { my $a = $_[0]->app($_[1]); $a ? $a->{counters}{$_[2]} : undef }

# A client slower than any app (t/54, t/56): it sends its GET and reads
# nothing until read_reply(), with a small receive buffer, so that what
# httpd cannot send stays with httpd. 64 KB, not less: on loopback (an MSS
# of 64 KB) a smaller window reopens only on the sender's persist timer,
# and read_reply() took 10 s for 600 KB. Host: localhost, or the one given.
sub slow_client {
    my ($self, $path, $host) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
                                  Timeout => 60) or die "connect: $!";
    setsockopt($s, Socket::SOL_SOCKET(), Socket::SO_RCVBUF(), 65536);
    print $s "GET $path HTTP/1.0\r\nHost: " . ($host // 'localhost') . "\r\n\r\n";
    return $s;
}
# Then all of its reply: (status, body); what came within 60 s.
sub read_reply {
    my ($self, $s) = @_;
    my $reply = PATest::read_all($s);
    close $s;
    my ($status) = $reply =~ m{^HTTP/1\.\d (\d+)};
    my ($body) = $reply =~ /\r\n\r\n(.*)\z/s;
    return ($status // 0, $body // '');
}

# A request sent on a connection of its own (HTTP/1.1, Connection: close),
# read later with read_reply(): the test may look at the connection's
# httpd process meanwhile (PADispatch::conn_owner()).
sub send_raw {
    my ($self, $method, $path, $body) = @_;
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
                                  Timeout => 60) or die "connect: $!";
    print $c "$method $path HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n",
        defined $body ? ("Content-Length: ", length $body, "\r\n\r\n", $body) : "\r\n";
    return $c;
}

# A POST of the given chunks with Transfer-Encoding: chunked (no length:
# the module spools it, t/56); the raw reply, status line first. HTTP/1.0,
# so that the reply's body comes whole, not chunked.
sub chunked_post {
    my ($self, $path, $chunks) = @_;
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
                                  Timeout => 60) or die "connect: $!";
    print $c "POST $path HTTP/1.0\r\nHost: localhost\r\n"
           . "Transfer-Encoding: chunked\r\n\r\n";
    printf $c "%x\r\n%s\r\n", length $_, $_ for @$chunks;
    print $c "0\r\n\r\n";
    my $reply = PATest::read_all($c);
    close $c;
    return $reply;
}

# A request ("PATH" for a GET, or "HEAD PATH"; then header lines) on a
# connection of its own (HTTP/1.0), read later with cache_reply(): one held
# at an app (wait=FILE) while others come.
sub send_request {
    my ($self, $path, @hdr) = @_;
    my $method = $path =~ s/^(HEAD|GET) // ? $1 : 'GET';
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port},
                                  Timeout => 60) or die "connect: $!";
    print $c "$method $path HTTP/1.0\r\nHost: 127.0.0.1:$self->{port}\r\n"
        . join('', map { "$_\r\n" } @hdr) . "\r\n";
    return $c;
}
# Then its reply: (status, X-Prefork-App-Cache or '-', body).
sub cache_reply {
    my ($self, $c) = @_;
    my $reply = PATest::read_all($c);
    close $c;
    my ($state) = $reply =~ /^X-Prefork-App-Cache: (\S+)/mi;
    my ($body) = $reply =~ /\r\n\r\n(.*)\z/s;
    my ($status) = $reply =~ m{^HTTP/1\.\d (\d+)};
    return ($status // 0, $state // '-', $body // '');
}

sub get {
    my ($self, $path, %o) = @_;
    return HTTP::Tiny->new(timeout => $o{timeout} || 60)->get($self->url($path));
}

# A test that did not stop its server: at exit File::Temp may have removed
# the directory (pid file, config) already, so the pid from the start.
sub DESTROY {
    my $self = shift;
    my $pid = $self->pid || $self->{started_pid};
    return unless $pid && PATest::pid_alive($pid);
    kill 'TERM', $pid;
    PATest::wait_for(sub { !PATest::pid_alive($pid) }, timeout => 60);
}

1;
