#!/usr/bin/env bash
# test/root/no_ptrace.sh BUILD: httpd started as root without
# CAP_SYS_PTRACE (a container's default: Docker drops it), its workers
# running as www-data. What a worker is doing (PA00137, the status page's
# request.doing) is read from /proc/PID/syscall, which needs the right to
# trace the worker: root without that capability has it only as the
# worker's own user, so the manager reads as that user (its file system
# ids). Before, the slow request's line said only "waiting". TAP on stdout.
. "$(dirname "$0")/common" "$@"

if ! setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace true 2>/dev/null; then
    echo "1..0 # skip no setpriv that drops a capability here"
    exit 0
fi
cp "$BUILD/mod_prefork_app/.libs/mod_prefork_app.so" "$BUILD/scripts/apps/echo" "$dir/"
port=$(pa_free_port 18990)
cat >"$conf" <<CONF
$(conf_head "$port")
LogLevel warn prefork_app:info
DocumentRoot "$dir"
PreforkApp slow "$dir/echo" processes=1 slowlog=1
<Location /slow>
    SetHandler prefork-app:slow
</Location>
<Location /app-status>
    SetHandler prefork-app-status
    Require local
</Location>
CONF

get() { curl -s --max-time 30 "http://127.0.0.1:$port$1"; }
# Bit 19 of a process's effective capabilities: CAP_SYS_PTRACE.
has_ptrace() {
    local eff
    eff=$(awk '/^CapEff:/ { print $2 }' "/proc/$1/status")
    [ $(( 0x$eff >> 19 & 1 )) = 1 ]
}
up() {
    for _ in $(seq 1 150); do
        get '/app-status?json' | grep -q '"idle":1' && return 0
        sleep 0.2
    done
    return 1
}

check "httpd as root, without CAP_SYS_PTRACE, starts" \
    setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace "$HTTPD" -f "$conf" -k start
check "its worker is up" up
mgr=$(pgrep -P "$(cat "$dir/httpd.pid")" -x pa-manager | head -1)
check "the manager runs as root" test "$(stat -c %u "/proc/$mgr")" = 0
check "... without CAP_SYS_PTRACE" eval '! has_ptrace "$mgr"'
get '/slow?sleep=4' >/dev/null &
slow=$!
doing=
for _ in $(seq 1 60); do
    doing=$(grep -o 'PA00137: .*' "$dir/error_log")
    [ -n "$doing" ] && break
    sleep 0.1
done
json=$(get '/app-status?json')
wait "$slow"
check "PA00137 says what the worker waits in" \
    grep -Eq 'still running after [0-9]+ s on this worker \(slowlog=1\), waiting in (clock_)?nanosleep\(\)$' <<<"$doing"
check "... and so does the status page" \
    grep -Eq '"doing":"waiting in (clock_)?nanosleep\(\)"' <<<"$json"
check "the manager is root again afterwards (its file system ids)" \
    grep -Eq '^Uid:\s+0\s+0\s+0\s+0$' "/proc/$mgr/status"
"$HTTPD" -f "$conf" -k stop
for _ in $(seq 1 100); do [ -f "$dir/httpd.pid" ] || break; sleep 0.1; done
check "httpd stopped" test ! -f "$dir/httpd.pid"
finish
