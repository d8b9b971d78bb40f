#!/usr/bin/env bash
# test/root/parent_killed.sh BUILD: httpd started as root, its parent then
# SIGKILLed: the manager gets SIGTERM (PR_SET_PDEATHSIG) and takes its
# workers down, also after it has looked at a slow request. To read what a
# worker does, root's manager takes the worker's ids as its file system
# ids for a moment, and the kernel clears a process's parent-death signal
# at such a change: before, it was left cleared, and the manager and its
# workers outlived httpd. Its dumpable flag, which the kernel resets too,
# is given back. TAP on stdout.
. "$(dirname "$0")/common" "$@"

cp "$BUILD/mod_prefork_app/.libs/mod_prefork_app.so" "$BUILD/scripts/apps/echo" "$dir/"
port=$(pa_free_port 18970)
cat >"$conf" <<CONF
$(conf_head "$port")
LogLevel warn prefork_app:info
DocumentRoot "$dir"
PreforkApp slow "$dir/echo" processes=2 slowlog=1
<Location /slow>
    SetHandler prefork-app:slow
</Location>
CONF

get() { curl -s --max-time 30 "http://127.0.0.1:$port$1"; }
alive() { kill -0 "$1" 2>/dev/null; }
gone() {
    local p
    for _ in $(seq 1 100); do
        for p in "$@"; do alive "$p" && break; done
        alive "$p" || return 0
        sleep 0.1
    done
    return 1
}
workers() { pgrep -f "^$dir/echo" | tr '\n' ' '; }

check "httpd as root starts" "$HTTPD" -f "$conf" -k start
for _ in $(seq 1 100); do [ "$(get '/slow?whoami=1' | cut -c1-4)" = "pid=" ] && break; sleep 0.2; done
parent=$(cat "$dir/httpd.pid")
mgr=$(pgrep -P "$parent" -x pa-manager | head -1)
check "a request of 2.5 s is answered" eval 'get "/slow?sleep=2.5" | grep -q "^method=GET"'
check "... and the manager looked at what its worker did (PA00137)" \
    grep -q 'PA00137: .*slow.*waiting in' "$dir/error_log"
w=$(workers)
children=$(pgrep -P "$parent" | grep -vx "$mgr" | tr '\n' ' ')
kill -KILL "$parent"
check "httpd's parent SIGKILLed: the manager exits" gone "$mgr"
# shellcheck disable=SC2086
check "... and its workers with it" gone $w
# httpd's own children may outlive their parent: not ours to test.
# shellcheck disable=SC2086
kill -KILL $children 2>/dev/null
rm -f "$dir/httpd.pid"
finish
