#!/usr/bin/env bash
# test/root/proc_hidden.sh BUILD: the status page of an httpd that cannot
# read its workers' /proc (mounted hidepid=invisible, as hardened hosts do;
# here in a mount namespace of httpd's own). TAP on stdout.
#   - the workers of a user= app (nobody) are hidden from httpd's children
#     (www-data): the JSON says null for their memory and CPU, and the
#     metrics have no sample for that app rather than a 0 an alert would
#     read as "no memory used"; an app of www-data's own still has its own
# Needs mount namespaces (unshare -m, as root); skipped where there are none.
# Run by scripts/test when it runs as root.
. "$(dirname "$0")/common" "$@"

cp "$BUILD/mod_prefork_app/.libs/mod_prefork_app.so" "$BUILD/scripts/apps/echo" "$dir/"
port=$(pa_free_port 18980)
cat >"$conf" <<CONF
$(conf_head "$port")
DocumentRoot "$dir"
PreforkApp hid "$dir/echo" processes=2 user=nobody
PreforkApp own "$dir/echo" processes=1
<Location /app-status>
    SetHandler prefork-app-status
    Require local
</Location>
CONF

if ! unshare -m sh -c 'mount -t proc -o hidepid=invisible proc /proc' 2>/dev/null; then
    echo "1..0 # skip no mount namespace with a hidepid /proc here"
    exit 0
fi

get() { curl -s --max-time 30 "http://127.0.0.1:$port$1"; }
up() {
    for _ in $(seq 1 150); do
        [ "$(get '/app-status?metrics' | grep -c '^prefork_app_workers{app="[a-z]*",state="idle"} [1-9]')" = 2 ] \
            && return 0
        sleep 0.2
    done
    return 1
}
# An app's sample of a gauge: its value, or nothing.
sample() { grep "^$1{app=\"$2\"} " <<<"$metrics" | sed 's/.*} //'; }

check "httpd as root starts with /proc mounted hidepid=invisible" \
    unshare -m sh -c "mount -t proc -o hidepid=invisible proc /proc && exec '$HTTPD' -f '$conf' -k start"
check "both apps' workers are up" up
json=$(get '/app-status?json')
metrics=$(get '/app-status?metrics')
check "JSON: the hidden workers' memory and CPU are null" \
    test "$(grep -o '"rss_bytes":null,"cpu_seconds":null' <<<"$json" | wc -l)" = 2
check "metrics: no memory sample for the app whose workers are hidden" \
    test -z "$(sample prefork_app_workers_resident_memory_bytes hid)"
check "nor a CPU one" test -z "$(sample prefork_app_workers_cpu_seconds hid)"
check "the app of httpd's own user has its memory" \
    test "$(sample prefork_app_workers_resident_memory_bytes own)" -gt 0
check "and its CPU" test -n "$(sample prefork_app_workers_cpu_seconds own)"
if command -v promtool >/dev/null; then
    check "the metrics still parse (promtool)" \
        sh -c 'promtool check metrics >/dev/null 2>&1' <<<"$metrics"
fi
"$HTTPD" -f "$conf" -k stop
for _ in $(seq 1 100); do [ -f "$dir/httpd.pid" ] || break; sleep 0.1; done
check "httpd stopped" test ! -f "$dir/httpd.pid"
finish
