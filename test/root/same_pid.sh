#!/usr/bin/env bash
# test/root/same_pid.sh BUILD: an httpd that has the same pid at every start
# (the first processes of a container's pid namespace; here unshare -pf) and
# is killed outright (the container killed: SIGKILL to all of it) leaves
# its socket directories and cache zone named with that pid. The next start
# removes them (PA00210, PA00605): before, a pid alive (our own) was taken
# for an httpd still running, and each unclean end leaked a zone in
# /dev/shm until httpd could not start. Not what a live httpd in another
# pid namespace with that pid and the same runtime directory uses: it
# holds a lock on it (flock), which a start looks at first.
. "$(dirname "$0")/common" "$@"
refused() { ! "$@"; }

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
# A pid namespace of its own with httpd started in it from CONF (default
# the first one's), until it serves PATH on PORT; ns: its first process
# (pid 1 in there), as seen from here.
start_ns() {
    local c=${1:-$conf} p=${2:-$port} path=${3:-/a}
    unshare -pf --mount-proc sh -c "\"$HTTPD\" -f \"$c\" -k start; exec sleep 600" \
        </dev/null >/dev/null 2>&1 &
    local u=$!
    ns=
    for _ in $(seq 1 100); do
        ns=$(pgrep -P "$u" | head -1)
        [ -n "$ns" ] && curl -s --max-time 5 "http://127.0.0.1:$p$path?whoami=1" | grep -q '^pid=' && return 0
        sleep 0.1
    done
    return 1
}
in_ns() { nsenter -t "$ns" -p -m "$@"; }
# httpd -f CONF -k stop in the namespace, then the namespace ends once
# httpd has (its pid file goes first, while its manager still stops).
stop_ns() {
    in_ns "$HTTPD" -f "$1" -k stop
    for _ in $(seq 1 300); do
        pgrep -P "$ns" -r D,R,S,T >/dev/null || break
        sleep 0.1
    done
    kill_ns
}
# SIGKILL to its first process: the kernel kills all of the namespace.
kill_ns() {
    kill -KILL "$ns"
    for _ in $(seq 1 100); do
        kill -0 "$ns" 2>/dev/null || break
        sleep 0.1
    done
    sleep 0.5
}
zones() { ls "$dir" | grep -c '^prefork_app-z\..*\.cache\.owner$'; }
sockdirs() { ls -d "$dir"/pa-* 2>/dev/null | wc -l; }

check "httpd started in a pid namespace" start_ns
first_pid=$(cat "$dir/ns.pid")
in_ns "$HTTPD" -f "$conf" -k graceful
for _ in $(seq 1 100); do [ "$(sockdirs)" -ge 1 ] && grep -q 'AH00489.*resuming' <(tail -5 "$dir/error_log") && break; sleep 0.1; done
sleep 1
kill_ns
rm -f "$dir/ns.pid"
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

# Another httpd with the same runtime directory, in a pid namespace of
# its own, with the same pid: what the running one uses is held (a lock),
# not a dead one's to remove.
in_ns "$HTTPD" -f "$conf" -k graceful
for _ in $(seq 1 100); do [ -d "$dir/pa-$first_pid.2" ] && break; sleep 0.1; done
sleep 1
ns_a=$ns
port_b=$(pa_free_port $((port + 1)))
sed -e "s#^Listen .*#Listen 127.0.0.1:$port_b#" -e "s#^PidFile .*#PidFile \"$dir/nsb.pid\"#" \
    -e "s#^ErrorLog .*#ErrorLog \"$dir/b_log\"#" -e "s#^PreforkApp a #PreforkApp b #" \
    -e "s#prefork-app:a#prefork-app:b#" -e "s#^<Location /a>#<Location /b>#" "$conf" >"$dir/b.conf"
start_ns "$dir/b.conf" "$port_b" /b
check "a second httpd in another namespace serves" sh -c "curl -s --max-time 10 'http://127.0.0.1:$port_b/b?whoami=1' | grep -q '^pid='"
check "... with the same pid" test "$(cat "$dir/nsb.pid")" = "$first_pid"
check "... and left the first one's socket directory alone" test -d "$dir/pa-$first_pid.2"
check "... and its cache zone" test "$(zones)" -eq 2
sleep 2
check "the first one did not have to make its socket directory again (no PA00131)" \
    refused grep -q PA00131 "$dir/error_log"
check "the first one serves" sh -c "curl -s --max-time 10 'http://127.0.0.1:$port/a?whoami=1' | grep -q '^pid='"

# The second one restarted gracefully: now it has the first one's pid and
# generation too, and takes another name than the one the first one holds.
in_ns "$HTTPD" -f "$dir/b.conf" -k graceful
for _ in $(seq 1 100); do [ -d "$dir/pa-$first_pid.2.1" ] && break; sleep 0.1; done
sleep 1
check "the second one, at the same generation, took another name (PA00212)" \
    grep -q "PA00212: socket directory $dir/pa-$first_pid.2 is held by another httpd with this pid .*; using $dir/pa-$first_pid.2.1" "$dir/b_log"
check "... and left the first one's alone" test -d "$dir/pa-$first_pid.2"
check "... which did not have to make it again (no PA00131)" refused grep -q PA00131 "$dir/error_log"
check "both serve" sh -c "curl -s --max-time 10 'http://127.0.0.1:$port/a?whoami=1' | grep -q '^pid=' && curl -s --max-time 10 'http://127.0.0.1:$port_b/b?whoami=1' | grep -q '^pid='"
sleep 2
check "... still, 2 s on" sh -c "curl -s --max-time 10 'http://127.0.0.1:$port/a?whoami=1' | grep -q '^pid=' && curl -s --max-time 10 'http://127.0.0.1:$port_b/b?whoami=1' | grep -q '^pid='"
check "neither had to make its directory again" refused grep -q PA00131 "$dir/error_log" "$dir/b_log"
# Killed outright, the second one leaves that other name behind; its next
# start removes it as it does the plain ones.
kill_ns
check "killed, the second one left pa-$first_pid.2.1" test -d "$dir/pa-$first_pid.2.1"
: >"$dir/b_log"
start_ns "$dir/b.conf" "$port_b" /b
check "started again, it removed it (PA00210)" \
    grep -q "PA00210: removed socket directory $dir/pa-$first_pid.2.1," "$dir/b_log"
check "... and not the first one's" test -d "$dir/pa-$first_pid.2"
stop_ns "$dir/b.conf"

# The first one's directory removed (a cleaner of temporary files) while
# its manager is held up, and the second one, started again and restarted,
# makes that very name (same pid, same generation) and holds it: the first
# one's manager must not take it back (each took it from the other every
# second, PA00131 on both sides), but waits (its apps answer on the kept
# connections httpd's children hold, else 503), and makes its own once
# the other has gone.
httpd_a=$(pgrep -P "$ns_a" -x apache2 | head -1)
mgr_a=$(pgrep -P "$httpd_a" -x pa-manager | head -1)
kill -STOP "$mgr_a"
rm -rf "$dir/pa-$first_pid.2"
: >"$dir/b_log"
start_ns "$dir/b.conf" "$port_b" /b
in_ns "$HTTPD" -f "$dir/b.conf" -k graceful
for _ in $(seq 1 100); do grep -q 'AH00489.*resuming' "$dir/b_log" && [ -d "$dir/pa-$first_pid.2" ] && break; sleep 0.1; done
check "the second one made the name the first one lost" test -d "$dir/pa-$first_pid.2"
: >"$dir/error_log"
kill -CONT "$mgr_a"
for _ in $(seq 1 50); do grep -q PA00145 "$dir/error_log" && break; sleep 0.1; done
sleep 2
check "the first one's manager leaves it to the other (PA00145)" \
    grep -q "PA00145: socket directory $dir/pa-$first_pid.2 is another httpd's" "$dir/error_log"
check "... and does not take it back (no PA00131 on either side)" \
    refused grep -q PA00131 "$dir/error_log" "$dir/b_log"
check "the second one serves" sh -c "curl -s --max-time 10 'http://127.0.0.1:$port_b/b?whoami=1' | grep -q '^pid='"
stop_ns "$dir/b.conf"
ok_a=
for _ in $(seq 1 100); do
    curl -s --max-time 5 "http://127.0.0.1:$port/a?whoami=1" | grep -q '^pid=' && ok_a=1 && break
    sleep 0.1
done
check "the other gone, the first one makes its directory and serves again" test -n "$ok_a"
ns=$ns_a
stop_ns "$conf"
check "stopped, nothing is left" test "$(zones)" -eq 0 -a "$(sockdirs)" -eq 0
finish
