#!/usr/bin/env bash
# test/root/same_pid.sh BUILD: an httpd that has the same pid at every start
# (the first processes of a container's pid namespace; here unshare -pf) and
# is killed outright (the container killed: SIGKILL to all of it) leaves
# its socket directories and cache zone named with that pid. The next start
# removes them (PA00210, PA00605): before, a pid alive (our own) was taken
# for an httpd still running, and each unclean end leaked a zone in
# /dev/shm until httpd could not start.
. "$(dirname "$0")/common" "$@"

if ! command -v unshare >/dev/null || ! command -v nsenter >/dev/null \
   || ! unshare -pf --mount-proc true 2>/dev/null; then
    echo "1..0 # skip no pid namespaces here"
    exit 0
fi
cp "$BUILD/mod_prefork_app/.libs/mod_prefork_app.so" "$BUILD/scripts/apps/echo" "$dir/"
port=$(pa_free_port 18960)
# Not httpd.pid: the pid in it is the namespace's, which common's cleanup
# must not signal out here.
conf_head "$port" | sed "s#^PidFile .*#PidFile \"$dir/ns.pid\"#" >"$conf"
cat >>"$conf" <<EOF
LogLevel warn prefork_app:info
PreforkAppCache z 1M
PreforkApp a "$dir/echo" processes=1 cache=z
<Location /a>
    SetHandler prefork-app:a
</Location>
EOF

ns=
# A pid namespace of its own with httpd started in it; ns: its first
# process (pid 1 in there), as seen from here.
start_ns() {
    unshare -pf --mount-proc sh -c "\"$HTTPD\" -f \"$conf\" -k start; exec sleep 600" \
        </dev/null >/dev/null 2>&1 &
    local u=$!
    ns=
    for _ in $(seq 1 100); do
        ns=$(pgrep -P "$u" | head -1)
        [ -n "$ns" ] && curl -s --max-time 5 "http://127.0.0.1:$port/a?whoami=1" | grep -q '^pid=' && return 0
        sleep 0.1
    done
    return 1
}
in_ns() { nsenter -t "$ns" -p -m "$@"; }
kill_ns() {
    kill -KILL "$ns"
    for _ in $(seq 1 100); do
        curl -s --max-time 1 "http://127.0.0.1:$port/" >/dev/null || break
        sleep 0.1
    done
    rm -f "$dir/ns.pid"
}
zones() { ls "$dir" | grep -c '^prefork_app-z\..*\.cache\.owner$'; }
sockdirs() { ls -d "$dir"/pa-* 2>/dev/null | wc -l; }

check "httpd started in a pid namespace" start_ns
first_pid=$(cat "$dir/ns.pid")
in_ns "$HTTPD" -f "$conf" -k graceful
for _ in $(seq 1 100); do [ "$(sockdirs)" -ge 1 ] && grep -q 'AH00489.*resuming' <(tail -5 "$dir/error_log") && break; sleep 0.1; done
sleep 1
kill_ns
check "killed outright, it left its cache zone" test "$(zones)" -eq 1
check "... and its socket directory" test "$(sockdirs)" -ge 1

: >"$dir/error_log"
check "httpd started again in a new namespace" start_ns
check "... with the same pid" test "$(cat "$dir/ns.pid")" = "$first_pid"
check "the zone the last one left was removed (PA00605)" grep -q "PA00605: removed the cache zone" "$dir/error_log"
check "... and its socket directories (PA00210)" grep -q "PA00210: removed socket directory $dir/pa-$first_pid\." "$dir/error_log"
check "one zone is there, this httpd's" test "$(zones)" -eq 1
check "one socket directory, this httpd's" test "$(sockdirs)" -eq 1
check "it serves" sh -c "curl -s --max-time 10 'http://127.0.0.1:$port/a?whoami=1' | grep -q '^pid='"
in_ns "$HTTPD" -f "$conf" -k stop
for _ in $(seq 1 100); do [ -f "$dir/ns.pid" ] || break; sleep 0.1; done
kill_ns
check "stopped, nothing is left" test "$(zones)" -eq 0 -a "$(sockdirs)" -eq 0
finish
