#!/usr/bin/env bash
# test/root/shm_full.sh BUILD: a cache zone where /dev/shm is full. APR
# writes a new segment's first word as soon as it has mapped it, and on a
# full tmpfs that write is a SIGBUS: the start said "cache zone size
# disagrees with its header" instead of "No space left on device", and each
# graceful restart that tried a zone anew left its mapping in httpd's
# parent (and in every child forked after). A tmpfs without a size limit
# is not full. Run in a private mount namespace with a small tmpfs on
# /dev/shm. TAP on stdout.
if [ -z "${PA_SHM_NS:-}" ]; then
    if ! unshare -m --propagation private true 2>/dev/null; then
        echo "ok 1 # skip no private mount namespace here"
        echo "1..1"
        exit 0
    fi
    PA_SHM_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/common" "$@"

mount -t tmpfs -o size=16m,mode=1777 tmpfs /dev/shm
cp "$BUILD/mod_prefork_app/.libs/mod_prefork_app.so" "$dir/"
port=$(pa_free_port 19010)
write_conf() {
    cat >"$conf" <<CONF
$(conf_head "$port")
LogLevel warn
PreforkAppCache z $1
CONF
}
fill() { dd if=/dev/zero of=/dev/shm/fill bs=64k >/dev/null 2>&1; }
zones() { grep -c '/dev/shm/.*(deleted)' "/proc/$(cat "$dir/httpd.pid")/maps"; }

write_conf 8M
fill
# (In the foreground: a detached start's failure is not its exit status.)
check "/dev/shm full: httpd does not start" eval '! "$HTTPD" -f "$conf" -DFOREGROUND 2>/dev/null'
check "... PA00601 says there is no room" \
    grep -q 'PA00601: .*PreforkAppCache z: cannot create the zone .*No space left on device' "$dir/error_log"
rm -f /dev/shm/fill "$dir/httpd.pid"
check "with room, it starts" "$HTTPD" -f "$conf" -k start
for _ in $(seq 1 50); do [ -f "$dir/httpd.pid" ] && break; sleep 0.1; done
before=$(zones)
fill
write_conf 9M
for g in 1 2; do
    : >"$dir/error_log"
    "$HTTPD" -f "$conf" -k graceful
    for _ in $(seq 1 100); do grep -q 'PA00620' "$dir/error_log" && break; sleep 0.1; done
done
check "a zone grown at a restart with /dev/shm full: kept, no room said (PA00620)" \
    grep -q 'PA00620: .*cannot make the zone anew at 9437184 bytes (No space left on device)' "$dir/error_log"
check "... and no mapping left behind in httpd's parent ($before zone mappings before)" \
    test "$(zones)" = "$before"
rm -f /dev/shm/fill

# A tmpfs without a limit (size=0) says it has no blocks at all: not full.
"$HTTPD" -f "$conf" -k stop
for _ in $(seq 1 100); do [ -f "$dir/httpd.pid" ] || break; sleep 0.1; done
umount /dev/shm
mount -t tmpfs -o size=0,mode=1777 tmpfs /dev/shm
: >"$dir/error_log"
check "/dev/shm without a size limit: httpd starts with its zone" "$HTTPD" -f "$conf" -k start
for _ in $(seq 1 100); do [ -f "$dir/httpd.pid" ] && break; sleep 0.1; done
check "... made (no PA00601)" eval '[ -f "$dir/httpd.pid" ] && ! grep -q PA00601 "$dir/error_log"'
finish
