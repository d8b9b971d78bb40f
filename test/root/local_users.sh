#!/usr/bin/env bash
# test/root/local_users.sh BUILD: what a local user (nobody) can do to an
# httpd started as root, with PreforkAppSocketDir on a sticky base (as
# /tmp) that every user may write to. TAP on stdout.
#   - a directory of the next generation's socket directory's name, made
#     first by that user (the name is predictable: httpd's pid and the
#     generation), is not used at the graceful restart: no socket is bound
#     in it (its owner could swap them for listeners of their own), the
#     apps answer 503 and the manager says why; once it is removed, the
#     manager makes its own and the apps serve again
#   - a lock held on the pid file's directory (DefaultRuntimeDir, which
#     every user may read, and so lock) holds up neither the graceful
#     restart's new manager nor httpd's stop
# Run by scripts/test when it runs as root.
. "$(dirname "$0")/common" "$@"
refused() { ! "$@"; }

cp "$BUILD/mod_prefork_app/.libs/mod_prefork_app.so" "$BUILD/scripts/apps/echo" "$dir/"
port=$(pa_free_port 18950)
mkdir -m 1777 "$dir/stk"
cat >"$conf" <<CONF
$(conf_head "$port")
DocumentRoot "$dir"
PreforkAppSocketDir "$dir/stk"
PreforkApp plain "$dir/echo" processes=1 queue-timeout=2
<Location /plain>
    SetHandler prefork-app:plain
</Location>
CONF

status() { curl -s -o /dev/null -w '%{http_code}' --max-time 30 "http://127.0.0.1:$port/plain?whoami=1"; }
wait_status() { for _ in $(seq 1 150); do [ "$(status)" = "$1" ] && return 0; sleep 0.2; done; return 1; }

check "httpd as root starts" "$HTTPD" -f "$conf" -k start
check "the app serves" wait_status 200
ppid=$(cat "$dir/httpd.pid")
cur=$(ls -d "$dir/stk/pa-$ppid".* 2>/dev/null | head -n 1)
gen=${cur##*.}
next="$dir/stk/pa-$ppid.$((gen + 1))"
# A directory holding another: root's clean-up (which removes the files of
# a directory, not directories) cannot remove it.
runuser -u nobody -- mkdir -p "$next/keep"
check "nobody made the next generation's socket directory first" \
    test "$(stat -c %U "$next" 2>/dev/null)" = nobody
"$HTTPD" -f "$conf" -k graceful
for _ in $(seq 1 150); do grep -q PA00140 "$dir/error_log" && break; sleep 0.2; done
check "the manager says it is not one it made, and does not use it" \
    grep -q "PA00140: socket directory $next was there already, and is not one this server made (owner uid $(id -u nobody), mode 0755)" "$dir/error_log"
check "no socket is bound in it" test -z "$(find "$next" -name '*.sock' 2>/dev/null)"
check "the app answers 503 meanwhile" test "$(status)" = 503
rm -rf "$next"
check "once it is removed, the manager makes its own and the app serves" wait_status 200
check "root's, 0710, with the app's socket in it" \
    test "$(stat -c '%U %a' "$next" 2>/dev/null)" = "root 710" -a -S "$next/plain.0.sock"

# nobody locks the directory the managers' pid file is in, for longer than
# anything below waits.
runuser -u nobody -- flock "$dir" sleep 300.5 &
locked() { ! flock -n "$dir" true; }
for _ in $(seq 1 100); do locked && break; sleep 0.1; done
check "nobody holds a lock on the pid file's directory" locked
mgr=$(cat "$dir/prefork_app_manager.pid" 2>/dev/null)
"$HTTPD" -f "$conf" -k graceful
new_mgr() { local p; p=$(cat "$dir/prefork_app_manager.pid" 2>/dev/null); [ -n "$p" ] && [ "$p" != "$mgr" ]; }
served_by_new() { new_mgr && [ "$(status)" = 200 ]; }
for _ in $(seq 1 150); do served_by_new && break; sleep 0.2; done
check "the graceful restart's manager starts, writes its pid file and serves meanwhile" served_by_new
check "(the lock still held)" locked
"$HTTPD" -f "$conf" -k stop
# (httpd removes its pid file first, then stops the manager.)
parent_up() { kill -0 "$ppid" 2>/dev/null; }
for _ in $(seq 1 300); do parent_up || break; sleep 0.1; done
check "httpd -k stop stops it meanwhile: its parent process exits" refused parent_up
check "(the lock still held)" locked
pkill -u nobody -f '^sleep 300.5$'
finish
