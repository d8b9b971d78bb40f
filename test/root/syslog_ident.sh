#!/usr/bin/env bash
# test/root/syslog_ident.sh BUILD: with ErrorLog syslog:local1 the
# manager's lines (its workers' output among them, PA00121) reach syslog
# under httpd's own program name and facility. httpd opens syslog with
# argv[0]'s name as the ident, which the C library keeps by address, and
# the manager's process title is written there: before, its lines came as
# "httpd (mod_prefork_app manager)[PID]", missed by a filter on
# "apache2". Run in a private mount namespace in which /dev/log is a
# socket of the test's. TAP on stdout.
if [ -z "${PA_SYSLOG_NS:-}" ]; then
    if ! unshare -m --propagation private true 2>/dev/null; then
        echo "ok 1 # skip no private mount namespace here"
        echo "1..1"
        exit 0
    fi
    made=
    [ -e /dev/log ] || { : >/dev/log && made=1; }     # a place to mount on
    PA_SYSLOG_NS=1 unshare -m --propagation private bash "$0" "$@"
    rc=$?
    [ -n "$made" ] && rm -f /dev/log
    exit $rc
fi
. "$(dirname "$0")/common" "$@"

cp "$BUILD/mod_prefork_app/.libs/mod_prefork_app.so" "$BUILD/scripts/apps/echo" "$dir/"
perl -MIO::Socket::UNIX -e '
    my ($path, $out) = @ARGV;
    my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM(), Local => $path) or die "$path: $!";
    open my $fh, ">>", $out or die; $fh->autoflush(1);
    print {$fh} "$_\n" while defined $s->recv($_, 65536);
' "$dir/log.sock" "$dir/syslog.out" &
listener=$!
for _ in $(seq 1 50); do [ -S "$dir/log.sock" ] && break; sleep 0.1; done
chmod 666 "$dir/log.sock"
mount --bind "$dir/log.sock" /dev/log

port=$(pa_free_port 18990)
cat >"$conf" <<CONF
$(conf_head "$port")
ErrorLog syslog:local1
LogLevel warn
PreforkApp chatty "$dir/echo" processes=1
<Location /chatty>
    SetHandler prefork-app:chatty
</Location>
CONF

name=$(basename "$HTTPD")
check "httpd as root starts, its ErrorLog syslog:local1" "$HTTPD" -f "$conf" -k start
for _ in $(seq 1 100); do curl -s --max-time 10 "http://127.0.0.1:$port/chatty?rawerr=2" | grep -q '^method=GET' && break; sleep 0.2; done
for _ in $(seq 1 100); do grep -q 'PA00121' "$dir/syslog.out" 2>/dev/null && break; sleep 0.1; done
check "the app's own output reaches syslog (PA00121)" grep -q 'PA00121: app chatty pid [0-9]*: rawerr line' "$dir/syslog.out"
# local1.err: <139>
check "... as $name[PID], facility local1" \
    grep -Eq "^<139>.{15} $name\\[[0-9]+\\]: .*PA00121" "$dir/syslog.out"
check "... no line under another name" eval "! grep -v \" $name\\[\" \"$dir/syslog.out\" | grep -q ."
"$HTTPD" -f "$conf" -k stop
for _ in $(seq 1 100); do [ -f "$dir/httpd.pid" ] || break; sleep 0.1; done
kill "$listener" 2>/dev/null
[ "$fails" -gt 0 ] && sed 's/^/# /' "$dir/syslog.out" | tail -n 20
finish
