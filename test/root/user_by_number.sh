#!/usr/bin/env bash
# test/root/user_by_number.sh BUILD: httpd's `User #N` / `Group #N` form
# (a uid and gid, as in some container images). The workers of an app
# without user= get the groups of that uid's name, as httpd's own children
# do (unixd's initgroups()); before, the module took "#N" for a name and
# gave them the primary group alone. TAP on stdout.
. "$(dirname "$0")/common" "$@"

u=panum$$
g1=panum$$a
g2=panum$$b
if ! { groupadd -r "$g1" && groupadd -r "$g2" \
       && useradd -r -M -g "$g1" -G "$g2" -s /usr/sbin/nologin "$u"; } 2>/dev/null; then
    echo "1..0 # skip cannot add a user here"
    exit 0
fi
trap 'userdel -f "$u" 2>/dev/null; groupdel "$g1" 2>/dev/null; groupdel "$g2" 2>/dev/null; cleanup' EXIT
uid=$(id -u "$u")
gid=$(getent group "$g1" | cut -d: -f3)
cp "$BUILD/mod_prefork_app/.libs/mod_prefork_app.so" "$BUILD/scripts/apps/echo" "$dir/"
port=$(pa_free_port 18980)
conf_head "$port" | sed -e "s/^User .*/User #$uid/" -e "s/^Group .*/Group #$gid/" >"$conf"
cat >>"$conf" <<CONF
DocumentRoot "$dir"
PreforkApp plain "$dir/echo" processes=1
<Location /plain>
    SetHandler prefork-app:plain
</Location>
CONF

get() { curl -s --max-time 30 "http://127.0.0.1:$port$1"; }
groups_of() {
    awk '/^Groups:/ { $1 = ""; print }' "/proc/${1:-0}/status" 2>/dev/null | tr ' ' '\n' | grep . | sort -n | tr '\n' ' '
}
check "httpd as root with User #$uid and Group #$gid starts" "$HTTPD" -f "$conf" -k start
for _ in $(seq 1 100); do [ "$(get '/plain?whoami=1' | cut -c1-4)" = "pid=" ] && break; sleep 0.2; done
pid=$(get '/plain?whoami=1' | sed -n 's/^pid=\([0-9]*\).*/\1/p')
child=$(pgrep -P "$(cat "$dir/httpd.pid")" -u "$uid" | head -n 1)
check "the worker runs as uid $uid" \
    test "$(awk '/^Uid:/ {print $2}' "/proc/${pid:-0}/status" 2>/dev/null)" = "$uid"
check "with the groups of $u (its supplementary one too), as httpd's children" \
    test -n "$(groups_of "$pid")" -a "$(groups_of "$pid")" = "$(groups_of "$child")" \
         -a "$(groups_of "$pid")" = "$(id -G "$u" | tr ' ' '\n' | sort -n | tr '\n' ' ')"
"$HTTPD" -f "$conf" -k stop
for _ in $(seq 1 100); do [ -f "$dir/httpd.pid" ] || break; sleep 0.1; done
check "httpd stopped" test ! -f "$dir/httpd.pid"
finish
