#!/usr/bin/env bash
# test/root/chroot.sh BUILD: chroot=DIR (php-fpm's chroot), which only an
# httpd started as root can apply. TAP on stdout.
#   - the worker's root is the jail: it sees a file only the jail has, not
#     one only the host has; its working directory is its program's there;
#     so does a CGI program of a protocol=cgi app
#   - the command and cwd= are paths inside the jail; what the
#     configuration test checks (the program there, executable for the
#     workers' user; a jail root's and writable by root alone) fails it
#     with the line and the reason (a jail without the program's ELF
#     loader too)
#   - cache= beside it: a warning, no PREFORK_APP_CACHE for the workers
#   - nothing is left after stop
# Run by scripts/test when it runs as root.
. "$(dirname "$0")/common" "$@"
refused() { ! "$@" 2>/dev/null; }

cp "$BUILD/mod_prefork_app/.libs/mod_prefork_app.so" "$BUILD/scripts/apps/echo" "$dir/"
port=$(pa_free_port 18950)
# The jail: the echo app and what it links to, root's, 0755.
jail=$dir/jail
mkdir -m 755 "$jail" "$jail/app"
cp "$dir/echo" "$jail/app/echo"
for lib in $(ldd "$dir/echo" | grep -o '/[^ ]*'); do
    mkdir -p "$jail$(dirname "$lib")"
    cp -L "$lib" "$jail$lib"
done
chmod -R go-w "$jail"
touch "$jail/only-in-jail"
cat >"$conf" <<EOF
$(conf_head "$port")
DocumentRoot "$dir"
PreforkAppCache z 1M
PreforkApp jailed "/app/echo" processes=1 chroot=$jail user=nobody cache=z
<Location /jailed>
    SetHandler prefork-app:jailed
</Location>
PreforkApp jcgi "/app/echo --cgi" protocol=cgi processes=1 chroot=$jail user=nobody
<Location /jcgi>
    SetHandler prefork-app:jcgi
</Location>
<Location /app-status>
    SetHandler prefork-app-status
    Require local
</Location>
EOF

get() { curl -s --max-time 30 "http://127.0.0.1:$port$1"; }
code() { curl -s -o /dev/null --max-time 30 -w '%{http_code}' "http://127.0.0.1:$port$1"; }
# configtest with one more PreforkApp line.
with() { { cat "$conf"; echo "$1"; } >"$dir/t.conf"; "$HTTPD" -t -f "$dir/t.conf" 2>&1; }

out=$("$HTTPD" -t -f "$conf" 2>&1)
check "a jail with the program in it passes the configuration test" test $? -eq 0
check "cache= beside chroot=: a warning that its workers cannot attach" \
    grep -q "PA00025: .*httpd.conf:[0-9]*: PreforkApp jailed: cache=z with chroot=$jail: its responses are cached, but its workers cannot attach" <<<"$out"
out=$(with "PreforkApp j2 \"/app/nosuch\" chroot=$jail")
check "a command the jail does not have fails it" \
    grep -q "PreforkApp j2: command '$jail/app/nosuch' does not exist" <<<"$out"
out=$(with "PreforkApp j3 \"app/echo\" chroot=$jail")
check "a command not given from the jail's root fails it" \
    grep -q "PreforkApp j3: command 'app/echo': with chroot=, a path inside it, from its root" <<<"$out"
out=$(with "PreforkApp j4 \"/app/echo\" chroot=$jail cwd=/nosuch")
check "a cwd= the jail does not have fails it" \
    grep -q "PreforkApp j4: cwd=/nosuch: No such file or directory" <<<"$out"
mkdir -m 775 "$dir/wjail"
out=$(with "PreforkApp j5 \"/app/echo\" chroot=$dir/wjail")
check "a jail its group may write to fails it" \
    grep -q "PreforkApp j5: chroot=$dir/wjail: must belong to root and be writable by root alone" <<<"$out"
# A jail with the program alone: the ELF loader it names is not there, which
# exec() says as "No such file or directory" of the program itself.
mkdir -m 755 "$dir/bare" "$dir/bare/app"
cp "$dir/echo" "$dir/bare/app/echo"
loader=$(ldd "$dir/echo" | grep -o '/[^ ]*ld-linux[^ ]*' | head -n 1)
out=$(with "PreforkApp j7 \"/app/echo\" chroot=$dir/bare")
check "a jail without the program's ELF loader fails it, naming the loader" \
    grep -q "PreforkApp j7: command '$dir/bare/app/echo': its ELF loader $dir/bare$loader is not there (chroot= must hold everything the program loads)" <<<"$out"
# The loader reached by an absolute link inside the jail (as Debian's
# /lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...): the link is
# followed from the jail's root, as the kernel does for the workers, not
# from the host's.
mkdir -m 755 "$dir/linked" "$dir/linked/app" "$dir/linked/opt" "$dir/linked/lib64"
cp -a "$dir/bare/app/echo" "$dir/linked/app/echo"
cp -L "$loader" "$dir/linked/opt/ld.so"
ln -s /opt/ld.so "$dir/linked$loader"
out=$(with "PreforkApp j8 \"/app/echo\" chroot=$dir/linked")
check "a jail whose loader is an absolute link to the jail's own: passes that check" \
    eval '! grep -q "PreforkApp j8: .*ELF loader" <<<"$out"'
# ... and one whose link leads to a file only the host has: refused.
ln -sfn "$(readlink -f "$loader")" "$dir/linked$loader"
out=$(with "PreforkApp j9 \"/app/echo\" chroot=$dir/linked")
check "one whose link leads out to the host's loader: refused" \
    grep -q "PreforkApp j9: command '$dir/linked/app/echo': its ELF loader $dir/linked$loader is not there" <<<"$out"
mkdir -m 700 "$jail/closed"
cp "$jail/app/echo" "$jail/closed/echo"
out=$(with "PreforkApp j6 \"/closed/echo\" chroot=$jail user=nobody")
check "a program in the jail its workers' user cannot execute fails it" \
    grep -q "PA00008: .*PreforkApp j6: its workers (user nobody) cannot execute '/closed/echo'" <<<"$out"

check "httpd as root starts" "$HTTPD" -f "$conf" -k start 2>"$dir/start_err"
for _ in $(seq 1 100); do [ "$(get '/jailed?whoami=1' | cut -c1-4)" = "pid=" ] && break; sleep 0.2; done
pid=$(get '/jailed?whoami=1' | sed -n 's/^pid=\([0-9]*\).*/\1/p')
check "the worker's root is the jail" test "$(readlink "/proc/${pid:-0}/root")" = "$jail"
check "it runs as user=nobody" \
    test "$(awk '/^Uid:/ {print $2}' "/proc/${pid:-0}/status" 2>/dev/null)" = "$(id -u nobody)"
check "it sees a file only the jail has (failif=/only-in-jail: 500)" \
    test "$(code '/jailed?failif=/only-in-jail')" = 500
check "and not the host's (failif=$conf: 200)" test "$(code "/jailed?failif=$conf")" = 200
check "its working directory is its program's, in the jail" test "$(get '/jailed?pwd=1')" = /app
check "a CGI program (protocol=cgi) runs in the jail too" \
    test "$(code '/jcgi?failif=/only-in-jail')" = 500 -a "$(code "/jcgi?failif=$conf")" = 200
check "it gets no PREFORK_APP_CACHE" \
    refused grep -q '^PREFORK_APP_CACHE=' < <(tr '\0' '\n' <"/proc/${pid:-0}/environ" 2>/dev/null)
check "its environment could be read (the check above says something)" test -r "/proc/${pid:-0}/environ"
check "the status page says its root" \
    grep -q "\"chroot\":\"$jail\"" <<<"$(get '/app-status?json')"

"$HTTPD" -f "$conf" -k stop
for _ in $(seq 1 200); do [ -f "$dir/httpd.pid" ] || break; sleep 0.1; done
check "stopped" test ! -f "$dir/httpd.pid"
for _ in $(seq 1 150); do kill -0 "${pid:-0}" 2>/dev/null || break; sleep 0.1; done
check "no worker left" refused kill -0 "${pid:-0}"
finish
