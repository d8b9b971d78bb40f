#!/usr/bin/env bash
# test/root/no_caps.sh BUILD: httpd started as root without CAP_SYS_NICE
# and CAP_SYS_RESOURCE (a container's default: Docker drops both; systemd's
# CapabilityBoundingSet= may). Root alone then cannot give workers a
# negative nice= nor an rlimit-files= above httpd's hard limit: the
# configuration test says so, naming the capability, rather than passing
# and leaving the app in a crash loop of "cannot set ..." (503s). With the
# capability, the same lines pass. TAP on stdout.
. "$(dirname "$0")/common" "$@"

caps=-sys_nice,-sys_resource
drop() { setpriv --bounding-set=$caps --inh-caps=$caps "$@"; }
if ! drop true 2>/dev/null; then
    echo "1..0 # skip no setpriv that drops a capability here"
    exit 0
fi
cp "$BUILD/mod_prefork_app/.libs/mod_prefork_app.so" "$BUILD/scripts/apps/echo" "$dir/"
port=$(pa_free_port 18960)
over=$(( $(ulimit -Hn) + 1 ))
# Whether this shell has capability bit N in effect (23 CAP_SYS_NICE, 24
# CAP_SYS_RESOURCE).
has_cap() {
    local eff
    eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
    [ $(( 0x$eff >> $1 & 1 )) = 1 ]
}
# configtest KEYS [WRAPPER...]: httpd -t on a config with an app of those
# keys, run under WRAPPER; its output in $out, its status returned.
configtest() {
    local keys=$1
    shift
    { conf_head "$port"; echo "PreforkApp a \"$dir/echo\" processes=1 $keys"; } >"$conf"
    out=$("$@" "$HTTPD" -t -f "$conf" 2>&1)
}
said() { grep -q -- "$1" <<<"$out"; }
refused() { ! configtest "$@"; }

check "nice=-5 without CAP_SYS_NICE: refused at configtest" refused nice=-5 drop
check "... saying which capability httpd lacks" \
    said "nice=-5: raising the priority needs httpd started as root, with the capability CAP_SYS_NICE, which it lacks"
check "rlimit-files above the hard limit without CAP_SYS_RESOURCE: refused" \
    refused "rlimit-files=$over" drop
check "... saying which capability httpd lacks" \
    said "rlimit-files=$over: above httpd's hard limit ($((over - 1))); raising it needs httpd started as root, with the capability CAP_SYS_RESOURCE, which it lacks"
check "within the hard limit, no capability needed: Syntax OK" \
    configtest "rlimit-files=$((over - 1)) nice=3" drop
# With the capabilities (where this machine's root has them).
if has_cap 23; then
    check "nice=-5 with CAP_SYS_NICE: Syntax OK" configtest nice=-5
fi
if has_cap 24; then
    check "rlimit-files above the hard limit with CAP_SYS_RESOURCE: Syntax OK" \
        configtest "rlimit-files=$over"
fi
finish
