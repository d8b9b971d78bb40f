#!/usr/bin/env bash
# test/root/privileges.sh BUILD: what only httpd started as root shows, which
# Apache::Test (it refuses root) cannot: a private httpd on a loopback port,
# User www-data, with apps under user=/group=. TAP on stdout ("ok N - ...").
#   - the socket directory is root's (0710, group www-data): the children
#     reach the sockets, but no process running as www-data (an app's worker)
#     can swap a socket for a symlink or an impostor; the sockets are 0600,
#     www-data's
#   - group= holds whether it comes before user= or after it; user=#N and
#     group=#N (httpd's User #N) run as those ids, with the name's groups
#   - a program the workers' user cannot execute fails the configuration
#     test, and so do a cwd= it cannot enter, a PreforkAppSocketDir that www-data may write to,
#     or cannot enter
#   - a default ACL on the directory the socket directory is made in (here
#     one that gives nobody everything and the group nothing) is not
#     inherited: the mode alone says who enters
#   - cache= with user= another user: a configtest warning, and no
#     PREFORK_APP_CACHE for workers that could not attach to the zone
#   - a cache zone /dev/shm has no room for stops httpd's start with a
#     clear line, not a SIGBUS
#   - an app's user= and group= deleted while httpd runs: the configuration
#     test says so, but httpd -k stop still stops it
#   - a CGI launcher of a user= app (or group= alone) runs only httpd's
#     requests (with httpd's key), not one another process running as
#     www-data sends to its socket; and passes on only CGI's and httpd's
#     variables (not LD_LIBRARY_PATH, nor HTTP_PROXY, even when httpd's
#     configuration sets them from a client's header)
#   - nothing is left after stop
#   - httpd -X as root stops on SIGTERM, its manager and workers with it
# Run by scripts/test when it runs as root.
. "$(dirname "$0")/common" "$@"
refused() { ! "$@" 2>/dev/null; }
quiet() { "$@" >/dev/null 2>&1; }

cp "$BUILD/mod_prefork_app/.libs/mod_prefork_app.so" "$BUILD/scripts/apps/echo" "$dir/"
port=$(pa_free_port 18900)
nogroup_gid=$(getent group nogroup | cut -d: -f3)
www_gid=$(getent group www-data | cut -d: -f3)
cat >"$conf" <<EOF
$(conf_head "$port")
DocumentRoot "$dir"
PreforkAppCache z 1M
PreforkApp plain "$dir/echo" processes=1 cache=z
PreforkApp other "$dir/echo" processes=1 cache=z user=nobody
PreforkApp before "$dir/echo" processes=1 group=nogroup user=www-data
PreforkApp after "$dir/echo" processes=1 user=www-data group=nogroup
PreforkApp cgiother "$dir/echo --cgi" protocol=cgi processes=1 user=nobody
PreforkApp cgigroup "$dir/echo --cgi" protocol=cgi processes=1 user=www-data group=nogroup
PreforkApp numeric "$dir/echo" processes=1 user=#$(id -u nobody) group=#$nogroup_gid
EOF
for app in plain before after other cgiother cgigroup numeric; do
    printf '<Location /%s>\n    SetHandler prefork-app:%s\n</Location>\n' "$app" "$app" >>"$conf"
done
# A client's header that httpd's configuration makes variables a program
# under user= must not get.
cat >>"$conf" <<EOF
LoadModule setenvif_module $(/usr/bin/apxs -q LIBEXECDIR)/mod_setenvif.so
SetEnvIf X-Pa-Inject . LD_LIBRARY_PATH=/pa-injected HTTP_PROXY=http://pa-proxy/
EOF

get() { curl -s --max-time 30 "http://127.0.0.1:$port$1"; }

# A program www-data cannot reach (under a 0700 directory of root's): the
# configuration test says so, rather than the workers crash-looping later.
mkdir -m 700 "$dir/closed"
cp "$dir/echo" "$dir/closed/echo"
{ cat "$conf"; echo "PreforkApp hidden \"$dir/closed/echo\" processes=1"; } >"$dir/closed.conf"
out=$("$HTTPD" -t -f "$dir/closed.conf" 2>&1)
check "a program www-data cannot execute fails the configuration test" \
    grep -q "closed.conf:[0-9]*: PreforkApp hidden: its workers (user www-data) cannot execute '$dir/closed/echo'" <<<"$out"
# cwd= a directory the workers' user cannot enter: the same.
{ cat "$conf"; echo "PreforkApp incwd \"$dir/echo\" processes=1 user=nobody cwd=$dir/closed"; } >"$dir/cwd.conf"
out=$("$HTTPD" -t -f "$dir/cwd.conf" 2>&1)
check "a cwd= that the workers' user cannot enter fails the configuration test" \
    grep -q "PA00022: .*cwd.conf:[0-9]*: PreforkApp incwd: its workers (user nobody) cannot enter their working directory '$dir/closed' (cwd=)" <<<"$out"
# x-sendfile= a directory httpd's User cannot enter: its children open the
# files.
{ cat "$conf"; echo "PreforkApp sf \"$dir/echo\" processes=1 x-sendfile=$dir/closed"; } >"$dir/sf.conf"
out=$("$HTTPD" -t -f "$dir/sf.conf" 2>&1)
check "an x-sendfile= directory www-data cannot enter fails the configuration test" \
    grep -q "PA00024: .*sf.conf:[0-9]*: PreforkApp sf: x-sendfile=$dir/closed: httpd's user www-data cannot enter it" <<<"$out"
out=$("$HTTPD" -t -f "$conf" 2>&1)
check "one it can passes" test $? -eq 0
check "cache= with user=nobody: a warning that its workers cannot attach to the zone" \
    grep -q "PA00010: .*httpd.conf:[0-9]*: PreforkApp other: cache=z with user=nobody: its responses are cached, but its workers cannot attach" <<<"$out"
# A PreforkAppSocketDir www-data may write to: it could rename the socket
# directory in it and put its own in its place.
mkdir "$dir/wsock"
chown www-data: "$dir/wsock"
{ cat "$conf"; echo "PreforkAppSocketDir \"$dir/wsock\""; } >"$dir/wsock.conf"
out=$("$HTTPD" -t -f "$dir/wsock.conf" 2>&1)
check "a socket directory base open to www-data fails the configuration test" \
    grep -q "PA00009: .*wsock.conf:[0-9]*: PreforkAppSocketDir $dir/wsock: must belong to root" <<<"$out"
# One www-data cannot enter (root's, 0700): its children could not reach
# the manager's socket, and every request would fail.
mkdir -m 700 "$dir/csock"
{ cat "$conf"; echo "PreforkAppSocketDir \"$dir/csock\""; } >"$dir/csock.conf"
out=$("$HTTPD" -t -f "$dir/csock.conf" 2>&1)
check "a socket directory base www-data cannot enter fails the configuration test" \
    grep -q "PA00012: .*csock.conf:[0-9]*: PreforkAppSocketDir $dir/csock: httpd's user www-data cannot enter it" <<<"$out"
# A temporary directory www-data cannot write to (root's, 0755): every
# spooled body would get 500.
mkdir -m 755 "$dir/rtmp"
{ cat "$conf"; echo "PreforkAppTempDir \"$dir/rtmp\""; } >"$dir/rtmp.conf"
out=$("$HTTPD" -t -f "$dir/rtmp.conf" 2>&1)
check "a PreforkAppTempDir www-data cannot write to fails the configuration test" \
    grep -q "PA00014: .*rtmp.conf:[0-9]*: PreforkAppTempDir $dir/rtmp: httpd's user www-data cannot write there" <<<"$out"

# From here on, what is made in $dir inherits this, unless it drops it.
setfacl -d -m u:nobody:rwx,g::---,m::rwx "$dir"
check "httpd as root starts" "$HTTPD" -f "$conf" -k start
up() { [ "$(get '/plain?whoami=1' | cut -c1-4)" = "pid=" ]; }
for _ in $(seq 1 100); do up && break; sleep 0.2; done
first=$(get '/plain?whoami=1')
second=$(get '/plain?whoami=1')
check "the children reach the workers' sockets" \
    test "${first%% *}" = "${second%% *}" -a "${first#pid=}" != "$first"
conn1=$(sed -n 's/.*conn=\([0-9]*\).*/\1/p' <<<"$first")
conn2=$(sed -n 's/.*conn=\([0-9]*\).*/\1/p' <<<"$second")
check "over one kept connection (the service socket is reachable)" \
    test -n "$conn1" -a "$conn1" = "$conn2"

sockdir=$(ls -d "$dir"/pa-* 2>/dev/null | head -n 1)
check "the socket directory is root's, group www-data, 0710" \
    test -n "$sockdir" -a "$(stat -c '%u %g %a' "$sockdir" 2>/dev/null)" = "0 $www_gid 710"
socks_ok=1
for s in "${sockdir:-/nonexistent}"/*.sock; do
    [ "$(stat -c '%U %a %F' "$s")" = "www-data 600 socket" ] || socks_ok=0
done
check "every socket in it is www-data's, 0600" test "$socks_ok" = 1 -a -S "$sockdir/plain.0.sock"
check "neither carries an ACL inherited from the default ACL of $dir" \
    test -z "$(getfacl -p -s "${sockdir:-/nonexistent}" "$sockdir"/*.sock 2>&1)"
check "so nobody cannot enter it" \
    refused runuser -u nobody -- test -S "$sockdir/plain.0.sock"
check "www-data cannot move a socket away" \
    refused runuser -u www-data -- mv "$sockdir/plain.0.sock" "$sockdir/moved"
check "nor put a symlink in its place" \
    refused runuser -u www-data -- ln -s /etc/passwd "$sockdir/planted"
check "www-data can enter it but not list it" \
    runuser -u www-data -- sh -c "test -S '$sockdir/plain.0.sock' && ! ls '$sockdir' >/dev/null 2>&1"

# A CGI launcher whose program runs as another user (user=nobody): any
# process running as www-data can reach its socket, but the launcher runs
# only httpd's requests (they carry httpd's key): another's would choose
# the program's variables (REMOTE_USER; LD_LIBRARY_PATH, LD_PRELOAD,
# PERL5OPT would run its code as nobody).
inject() {
    runuser -u www-data -- perl -MIO::Socket::UNIX -e '
    my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!\n";
    my $h = join "", map { "$_\0" } CONTENT_LENGTH => 0, REQUEST_METHOD => "GET",
        SCRIPT_NAME => "/cgiother", HTTP_X_PA => "ok", LD_LIBRARY_PATH => "/pa-injected",
        REMOTE_USER => "admin";
    print $s length($h), ":", $h, ",";
    shutdown($s, 1);
    local $/;
    print scalar <$s>;' "$sockdir/$1.0.sock" 2>&1
}
injected=$(inject cgiother)
check "user= CGI program: a request sent to its launcher's socket directly is not run" \
    test -z "$injected"
check "the launcher says it dropped it" \
    grep -q "PA00121: app cgiother pid [0-9]*: cgi launcher of cgiother: dropped a connection that sent a request without httpd's key" "$dir/error_log"
# httpd's own request, with a header the configuration makes into
# LD_LIBRARY_PATH and HTTP_PROXY (httpoxy: the program's own HTTP requests
# through a proxy of the client's).
via_httpd() { curl -s --max-time 30 -H 'X-Pa: ok' -H 'X-Pa-Inject: 1' "http://127.0.0.1:$port$1"; }
served=$(via_httpd '/cgiother?x=1')
check "through httpd it serves as usual" grep -q '^REQUEST_URI=/cgiother?x=1' <<<"$served"
check "with the variables of CGI and httpd (HTTP_*)" grep -q '^HTTP_X_PA=ok' <<<"$served"
check "but not one outside them (LD_LIBRARY_PATH)" refused grep -q 'pa-injected' <<<"$served"
check "nor HTTP_PROXY, although it is named like a header's" \
    refused grep -q 'pa-proxy' <<<"$served"
# The same user as httpd's but another group (group=nogroup): www-data
# does not have that group's rights either.
injected=$(inject cgigroup)
check "user=www-data group=nogroup CGI program: not run when sent to directly" \
    test -z "$injected"
served=$(via_httpd /cgigroup)
check "but served through httpd" grep -q '^REQUEST_METHOD=GET' <<<"$served"
check "without LD_LIBRARY_PATH" refused grep -q 'pa-injected' <<<"$served"

# The zone's name reaches the workers that can attach to it, and only them.
# zone_env APP: how many PREFORK_APP_CACHE= its worker has; "none" if no
# worker answered or its environment cannot be read (not a vacuous 0).
zone_env() {
    local pid env
    pid=$(get "/$1?whoami=1" | sed -n 's/^pid=\([0-9]*\).*/\1/p')
    [ -n "$pid" ] && env=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ") || { echo none; return; }
    grep -c '^PREFORK_APP_CACHE=' <<<"$env"
}
check "a worker running as User gets PREFORK_APP_CACHE" test "$(zone_env plain)" = 1
check "one running as user=nobody does not (it could not attach)" test "$(zone_env other)" = 0
# USER and HOME: the user a worker runs as, not httpd's (root's) own.
user_home() {
    local pid
    pid=$(get "/$1?whoami=1" | sed -n 's/^pid=\([0-9]*\).*/\1/p')
    tr '\0' '\n' 2>/dev/null <"/proc/${pid:-0}/environ" | grep -E '^(USER|HOME)=' | sort | tr '\n' ' '
}
check "user=nobody's worker has USER and HOME of nobody" \
    test "$(user_home other)" = "HOME=$(getent passwd nobody | cut -d: -f6) USER=nobody "
check "a worker running as User has User's" \
    test "$(user_home plain)" = "HOME=$(getent passwd www-data | cut -d: -f6) USER=www-data "

# httpd's User #N form: user=#N and group=#N, the groups of the name.
check "user=#N group=#N: the worker has USER and HOME of that uid's name" \
    test "$(user_home numeric)" = "HOME=$(getent passwd nobody | cut -d: -f6) USER=nobody "
pid=$(get "/numeric?whoami=1" | sed -n 's/^pid=\([0-9]*\).*/\1/p')
check "... runs as that uid and gid, with the name's groups" \
    test "$(awk '/^Uid:/ {u = $2} /^Gid:/ {g = $2} /^Groups:/ {$1 = ""; s = $0} END {print u, g s}' "/proc/${pid:-0}/status" 2>/dev/null)" \
         = "$(id -u nobody) $nogroup_gid $(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')"
for app in before after; do
    pid=$(get "/$app?whoami=1" | sed -n 's/^pid=\([0-9]*\).*/\1/p')
    ids=$(awk '/^Uid:/ {u = $2} /^Gid:/ {g = $2} END {print u, g}' "/proc/${pid:-0}/status" 2>/dev/null)
    check "group=nogroup $app user=www-data: the worker runs as www-data:nogroup" \
        test "$ids" = "$(id -u www-data) $nogroup_gid"
done

"$HTTPD" -f "$conf" -k stop
for _ in $(seq 1 200); do [ -f "$dir/httpd.pid" ] || break; sleep 0.1; done
check "stopped" test ! -f "$dir/httpd.pid"
# The manager cleans up after httpd's parent has gone: give it its time.
left() { ls -d "$dir"/pa-* 2>/dev/null; pgrep -f "$dir/echo"; }
for _ in $(seq 1 150); do [ -z "$(left)" ] && break; sleep 0.1; done
check "no socket directory left" test -z "$(ls -d "$dir"/pa-* 2>/dev/null)"
check "no worker left" test -z "$(pgrep -f "$dir/echo")"
# A cache zone /dev/shm has no room for (a 2 MB tmpfs over it, in a mount
# namespace of its own): httpd does not start, and says why, instead of
# dying of SIGBUS while it sets the zone up; no segment or marker is left.
if unshare -m true 2>/dev/null; then
    sed -e 's/^PreforkAppCache z 1M/PreforkAppCache z 64M/' \
        -e "s#^ErrorLog .*#ErrorLog \"$dir/shm_log\"#" \
        -e "s#^PidFile .*#PidFile \"$dir/shm.pid\"#" "$conf" >"$dir/shm.conf"
    # httpd sets the zone up after it has detached (the second configuration
    # pass): -k start returns first, and the httpd that fails writes no pid
    # file. /dev/shm is looked at once that httpd is gone (in the namespace,
    # which the tmpfs does not outlive).
    unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs -o size=2M tmpfs /dev/shm &&
        "$0" -f "$1" -k start
        for _ in $(seq 1 300); do pgrep -f -- "-f $1 -k start" >/dev/null || break; sleep 0.1; done
        ls /dev/shm >"$2"' "$HTTPD" "$dir/shm.conf" "$dir/shm_left"
    check "a zone /dev/shm cannot hold: httpd does not start, and says why" \
        grep -q "PA00601: .*PreforkAppCache z: cannot create the zone .*No space left on device" "$dir/shm_log"
    check "nothing is left in /dev/shm, nor a zone marker" \
        test ! -s "$dir/shm_left" -a -z "$(ls "$dir"/prefork_app-z.*.owner 2>/dev/null)"
else
    n=$((n + 1)); echo "ok $n # skip no mount namespace here"
    n=$((n + 1)); echo "ok $n # skip no mount namespace here"
fi
# An app's user and group deleted while httpd runs (a customer removed):
# starting from that configuration fails, stopping must not.
gone=pagone$$
pid_up() { kill -0 "$1" 2>/dev/null; }
if groupadd -r "$gone" 2>/dev/null && useradd -r -M -g "$gone" -s /usr/sbin/nologin "$gone" 2>/dev/null; then
    gport=$(pa_free_port $((port + 1)))
    sed -e "s#^Listen .*#Listen 127.0.0.1:$gport#" -e "s#^PidFile .*#PidFile \"$dir/gone.pid\"#" \
        -e "s#^ErrorLog .*#ErrorLog \"$dir/gone_log\"#" -e '/^PreforkApp/d' -e '/^PreforkAppCache/d' \
        -e '/^<Location/,/^<\/Location>/d' "$conf" >"$dir/gone.conf"
    printf 'PreforkApp gone "%s/echo" processes=1 user=%s group=%s\n<Location /gone>\n    SetHandler prefork-app:gone\n</Location>\n' \
        "$dir" "$gone" "$gone" >>"$dir/gone.conf"
    "$HTTPD" -f "$dir/gone.conf" -k start
    gpid=$(curl -s --max-time 30 "http://127.0.0.1:$gport/gone?whoami=1" | sed -n 's/^pid=\([0-9]*\).*/\1/p')
    check "user=$gone: its worker runs as that user" \
        test "$(awk '/^Uid:/ {print $2}' "/proc/${gpid:-0}/status" 2>/dev/null)" = "$(id -u "$gone")"
    userdel -f "$gone" 2>/dev/null
    groupdel "$gone" 2>/dev/null
    out=$("$HTTPD" -t -f "$dir/gone.conf" 2>&1)
    check "user= deleted: the configuration test says so" grep -q "user=$gone: no such user" <<<"$out"
    "$HTTPD" -f "$dir/gone.conf" -k stop
    for _ in $(seq 1 200); do [ -f "$dir/gone.pid" ] || break; sleep 0.1; done
    check "httpd -k stop stops it all the same" test ! -f "$dir/gone.pid"
    for _ in $(seq 1 150); do pid_up "$gpid" || break; sleep 0.1; done
    check "and its worker" refused pid_up "$gpid"
    [ -f "$dir/gone.pid" ] && kill "$(cat "$dir/gone.pid")"
else
    for _ in 1 2 3 4; do n=$((n + 1)); echo "ok $n # skip cannot add a user here"; done
fi
# httpd -X (one process, for debugging) started as root: that process
# becomes www-data, the manager stays root's. Stopping it must not hang
# (it waited for ever for a manager it may not signal), and the manager
# and its workers go with it.
xport=$(pa_free_port $((port + 2)))
sed -e "s#^Listen .*#Listen 127.0.0.1:$xport#" -e "s#^PidFile .*#PidFile \"$dir/x.pid\"#" \
    -e "s#^ErrorLog .*#ErrorLog \"$dir/x_log\"#" -e '/^PreforkApp/d' -e '/^PreforkAppCache/d' \
    -e '/^<Location/,/^<\/Location>/d' "$conf" >"$dir/x.conf"
printf 'PreforkApp xone "%s/echo" processes=1\n<Location /xone>\n    SetHandler prefork-app:xone\n</Location>\n' \
    "$dir" >>"$dir/x.conf"
"$HTTPD" -X -f "$dir/x.conf" </dev/null >/dev/null 2>&1 &
xpid=$!
xworker=
for _ in $(seq 1 100); do
    xworker=$(curl -s --max-time 10 "http://127.0.0.1:$xport/xone?whoami=1" | sed -n 's/^pid=\([0-9]*\).*/\1/p')
    [ -n "$xworker" ] && break
    sleep 0.2
done
check "httpd -X as root serves" test -n "$xworker"
kill -TERM "$xpid"
for _ in $(seq 1 300); do pid_up "$xpid" || break; sleep 0.1; done
check "kill -TERM stops it" refused pid_up "$xpid"
pid_up "$xpid" && kill -KILL "$xpid"
wait "$xpid" 2>/dev/null
for _ in $(seq 1 300); do pid_up "${xworker:-0}" || break; sleep 0.1; done
check "and its app's worker with it" refused pid_up "${xworker:-0}"
finish
