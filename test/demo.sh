#!/usr/bin/env bash
# The README's first command, as a user runs it: scripts/demo builds (here
# into BUILD, already built), starts its private httpd on 127.0.0.1 with the
# sample app, serves /hello, /api/..., /cached (a HIT the second time) and
# the status page, and stops gracefully on SIGTERM (as on Ctrl-C), leaving
# no app process. Prints TAP lines ("ok N - ..."); exits 0.
#
#   test/demo.sh BUILD
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
out=$build/demo.out
n=0
check() {       # check DESCRIPTION COMMAND...: one TAP line
    local what=$1
    shift
    n=$((n + 1))
    if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; fi
}
get() { curl -s -m 30 -D "$build/demo.hdr" -o "$build/demo.body" -w '%{http_code}' "$url$1"; }
body_has() { grep -q -- "$1" "$build/demo.body"; }
header_has() { grep -qi -- "$1" "$build/demo.hdr"; }

# A port of its own choosing from 18080 up (the demo takes the first free one).
PA_DEMO_BUILD=$build PORT=18080 setsid "$top/scripts/demo" >"$out" 2>&1 </dev/null &
demo=$!
url=""
for _ in $(seq 1 600); do
    port=$(sed -n 's/.*httpd (pid [0-9]*, mpm_event) on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out")
    if [ -n "$port" ] && curl -s -m 5 -o /dev/null "http://127.0.0.1:$port/hello"; then
        url=http://127.0.0.1:$port
        break
    fi
    kill -0 "$demo" 2>/dev/null || break
    sleep 0.2
done
check "scripts/demo starts httpd and says where${url:+ ($url)}" test -n "$url"
if [ -z "$url" ]; then
    tail -n 30 "$out"
    kill -TERM "$demo" 2>/dev/null
    exit 0
fi

check "/hello: 200 from the sample app" \
    eval '[ "$(get /hello)" = 200 ] && body_has "Hello from mod_prefork_app!"'
check "/api/any/path (PreforkAppAlias): 200, the app sees the URI" \
    eval '[ "$(get /api/any/path)" = 200 ] && body_has "uri /api/any/path"'
check "/cached: a MISS, then a HIT" \
    eval '[ "$(get /cached)" = 200 ] && header_has "^X-Prefork-App-Cache: MISS" &&
          [ "$(get /cached)" = 200 ] && header_has "^X-Prefork-App-Cache: HIT"'
check "/app-status?json: both apps listed" \
    eval '[ "$(get "/app-status?json")" = 200 ] && body_has "\"name\": *\"hello\"" && body_has "\"name\": *\"cached\""'

app=$(sed -n 's/^PreforkApp hello "\([^"]*\)".*/\1/p' "$build/demo/httpd.conf")
check "the app's workers run ($app)" eval '[ -n "$app" ] && pgrep -f -- "$app" >/dev/null'
kill -TERM "$demo"
for _ in $(seq 1 300); do
    kill -0 "$demo" 2>/dev/null || break
    sleep 0.2
done
wait "$demo"
rc=$?
check "SIGTERM (as Ctrl-C): a graceful stop, exit 0" test "$rc" -eq 0
check "... saying no app process is left" grep -q "httpd stopped (exit 0); no app process left" "$out"
check "... and none is" eval '[ -n "$app" ] && ! pgrep -f -- "$app" >/dev/null'
exit 0
