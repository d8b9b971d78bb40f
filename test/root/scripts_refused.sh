#!/usr/bin/env bash
# test/root/scripts_refused.sh BUILD: a program added to a PreforkAppScripts
# directory while httpd runs, that the line's workers (user=nobody) may not
# execute (root's, mode 0700): the httpd child (www-data) sees an execute
# bit and takes a new-programs= pool for it; the manager checks what the
# workers may do before it starts any and refuses it (PA00143): the request
# waiting gets 503, those after 403 (PA00342); the line's other programs,
# added or not, are served. TAP on stdout. Run by scripts/test as root.
. "$(dirname "$0")/common" "$@"

cp "$BUILD/mod_prefork_app/.libs/mod_prefork_app.so" "$dir/"
mkdir "$dir/cgi"
install -m 0755 "$BUILD/scripts/apps/echo" "$dir/cgi/a.fcgi"
port=$(pa_free_port 18990)
cat >"$conf" <<CONF
$(conf_head "$port")
DocumentRoot "$dir"
PreforkAppScripts cgi "$dir/cgi/*.fcgi" user=nobody processes=1 queue-timeout=60
<Location /app-status>
    SetHandler prefork-app-status
    Require local
</Location>
<Directory "$dir/cgi">
    Require all granted
    SetHandler prefork-app:cgi
</Directory>
CONF

status() { curl -s -o /dev/null -w '%{http_code}' --max-time 90 "http://127.0.0.1:$port$1"; }
logged() {
    for _ in $(seq 1 100); do
        grep -q "$1" "$dir/error_log" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

check "httpd as root starts" "$HTTPD" -f "$conf" -k start
check "the start's program is served" test "$(status /cgi/a.fcgi)" = 200
install -m 0700 "$BUILD/scripts/apps/echo" "$dir/cgi/b.fcgi"
check "a new program its workers may not execute: the waiting request gets 503" \
    test "$(status /cgi/b.fcgi)" = 503
check "the manager said why (PA00143)" \
    logged "PA00143: PreforkAppScripts cgi ($conf:[0-9]*): not starting new program $dir/cgi/b.fcgi: its workers (user nobody) may not execute it"
check "the next request: 403" test "$(status /cgi/b.fcgi)" = 403
check "the status page shows no pool for it, and its ping stays pong" \
    sh -c "! curl -s 'http://127.0.0.1:$port/app-status?json' | grep -q 'cgi:b.fcgi' && test \"\$(curl -s 'http://127.0.0.1:$port/app-status?ping')\" = pong"
check "nor is it an app to ?app= (404)" \
    test "$(status '/app-status?json&app=cgi:b.fcgi')" = 404
check "... PA00342" logged "PA00342: cgi: new program $dir/cgi/b.fcgi was refused"
install -m 0755 "$BUILD/scripts/apps/echo" "$dir/cgi/c.fcgi"
check "another new program, one they may execute, is served" \
    test "$(status /cgi/c.fcgi)" = 200
check "as is the start's" test "$(status /cgi/a.fcgi)" = 200
"$HTTPD" -f "$conf" -k stop
for _ in $(seq 1 100); do [ -f "$dir/httpd.pid" ] || break; sleep 0.1; done
check "httpd stopped" test ! -f "$dir/httpd.pid"
finish
