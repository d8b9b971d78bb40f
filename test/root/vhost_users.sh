#!/usr/bin/env bash
# test/root/vhost_users.sh BUILD: shared hosting, httpd started as root. Two
# customers' virtual hosts, each with its app under its own user= (a.test:
# www-data, b.test: nobody), AllowOverride FileInfo in a.test's tree. An
# .htaccess of a.test naming b.test's app must not get a.test's request
# served by a worker running as nobody (the script would run as the other
# customer: php-cgi runs whatever SCRIPT_FILENAME httpd maps). TAP on stdout.
# Run by scripts/test when it runs as root.
. "$(dirname "$0")/common" "$@"

cp "$BUILD/mod_prefork_app/.libs/mod_prefork_app.so" "$BUILD/scripts/apps/echo" "$dir/"
mkdir -p "$dir/a/own" "$dir/a/other" "$dir/b"
echo "SetHandler prefork-app:shopa" >"$dir/a/own/.htaccess"
echo "SetHandler prefork-app:shopb" >"$dir/a/other/.htaccess"
touch "$dir/a/own/f" "$dir/a/other/f"
chmod -R a+rX "$dir/a" "$dir/b"
port=$(pa_free_port 18950)
cat >"$conf" <<CONF
$(conf_head "$port")
PreforkApp shopa "$dir/echo" processes=0-1 user=www-data
PreforkApp shopb "$dir/echo" processes=0-1 user=nobody group=nogroup
<VirtualHost 127.0.0.1:$port>
    ServerName a.test
    DocumentRoot "$dir/a"
    <Directory "$dir/a">
        AllowOverride FileInfo
        Require all granted
    </Directory>
    <Location /shop>
        SetHandler prefork-app:shopa
    </Location>
</VirtualHost>
<VirtualHost 127.0.0.1:$port>
    ServerName b.test
    DocumentRoot "$dir/b"
    <Location /shop>
        SetHandler prefork-app:shopb
    </Location>
</VirtualHost>
CONF

# status HOST PATH: the HTTP status; uid HOST PATH: the uid of the worker
# that answered (echo's whoami=1 gives its pid), or "none".
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "Host: $1" "http://127.0.0.1:$port$2"; }
uid() {
    local pid
    pid=$(curl -s --max-time 30 -H "Host: $1" "http://127.0.0.1:$port$2?whoami=1" \
          | sed -n 's/^pid=\([0-9]*\).*/\1/p')
    awk '/^Uid:/ {print $2}' "/proc/${pid:-0}/status" 2>/dev/null || echo none
}

check "httpd as root starts" "$HTTPD" -f "$conf" -k start
for _ in $(seq 1 100); do [ "$(status b.test /shop)" = 200 ] && break; sleep 0.2; done
check "b.test's app runs as nobody" test "$(uid b.test /shop)" = "$(id -u nobody)"
check "a.test's own app runs as www-data" test "$(uid a.test /shop)" = "$(id -u www-data)"
check "a.test's .htaccess naming a.test's app: served by it" \
    test "$(uid a.test /own/f)" = "$(id -u www-data)"
check "a.test's .htaccess naming b.test's app: 403" test "$(status a.test /other/f)" = 403
check "no worker running as nobody answered it" test "$(uid a.test /other/f)" = none
check "PA00332 says so" grep -q "PA00332: shopb: refused to virtual host .*(a.test)" "$dir/error_log"

"$HTTPD" -f "$conf" -k stop
for _ in $(seq 1 200); do [ -f "$dir/httpd.pid" ] || break; sleep 0.1; done
check "stopped" test ! -f "$dir/httpd.pid"
finish
