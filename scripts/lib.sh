# scripts/lib.sh: shell helpers shared by scripts/demo and scripts/test.
# Source it from bash; it defines functions and PA_TOP, and runs nothing.

PA_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian 12 packages the build and the demo need: httpd's binary and
# modules (apache2-bin: no service, nothing in /etc/apache2), procps for
# pgrep, libc6-dev in case gcc came without it (a minimal image has
# neither), media-types for /etc/mime.types.
PA_DEMO_DEPS=(apache2-bin apache2-dev libapr1-dev libaprutil1-dev libfcgi-dev
              autoconf automake libtool pkg-config make gcc libc6-dev curl
              procps media-types)
# What the tests need besides: the apache2 package (Apache::Test reads
# its configuration; installing it starts Debian's apache2 service, as
# prometheus's starts its own), the peers they compare with, acl for
# setfacl in test/root, promtool (t/31_status_formats.t checks ?metrics),
# openssl (t/72 and t/106 make their certificates), IO::Socket::SSL
# (t/106 talks TLS itself), libfaketime (t/110 steps the wall clock).
PA_DEPS=("${PA_DEMO_DEPS[@]}" apache2 libcmocka-dev libfcgi-bin
         libapache2-mod-perl2 libapache2-mod-fcgid php-cgi libfcgi-perl
         valgrind wrk spawn-fcgi acl prometheus openssl
         libio-socket-ssl-perl libfaketime)

# The unprivileged user the Apache::Test suite runs as when we are root
# (Apache::Test refuses to run as root).
PA_TEST_USER=${PA_TEST_USER:-patest}

# The longest path of a directory that sockets are made under (the
# module's socket directory in it, then the app's sockets) that still fits
# a unix socket address (108 bytes) with the longest pid; a deeper one goes
# to /tmp (pa_sock_room).
PA_SOCK_ROOM=40
pa_sock_room() { [ ${#1} -le "$PA_SOCK_ROOM" ]; }

# A command pa_build's make runs under, e.g. (nice -n 10) for a build made
# beside running tests. None by default.
PA_NICE=()

pa_say() { printf '==> %s\n' "$*" >&2; }
pa_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

pa_is_root() { [ "$(id -u)" -eq 0 ]; }

# pa_install_deps [PACKAGE...]: installs whichever of them (default:
# PA_DEPS) is missing, saying which; runs apt-get update only when something
# is missing. Not root: names what to install.
pa_install_deps() {
    local missing=() pkg
    [ $# -gt 0 ] || set -- "${PA_DEPS[@]}"
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null \
                | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        pa_say "build dependencies: all installed"
        return 0
    fi
    if ! pa_is_root; then
        pa_die "missing Debian packages: ${missing[*]}
  run this script as root (sudo), or: sudo apt-get install ${missing[*]}"
    fi
    pa_say "installing missing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q || pa_die "apt-get update failed"
    apt-get install -y -q "${missing[@]}" \
        || pa_die "apt-get install failed"
}

# After a run under sudo, what it made in the checkout (configure and the
# rest of autoreconf's output, build/) goes back to the user who owns the
# checkout, so that their own autoreconf, make or next run can go on.
pa_give_back() {
    local uid=${SUDO_UID:-} gid=${SUDO_GID:-}
    if pa_is_root && [ -n "$uid" ] && [ "$(stat -c %u "$PA_TOP")" = "$uid" ]; then
        chown -R "$uid:$gid" "$PA_TOP" 2>/dev/null || true
    fi
    return 0
}

# Generates ./configure in a git checkout (a release tarball has one).
pa_autoreconf() {
    if [ ! -x "$PA_TOP/configure" ] || [ ! -f "$PA_TOP/build-aux/install-sh" ] \
            || [ "$PA_TOP/configure.ac" -nt "$PA_TOP/configure" ]; then
        pa_say "autoreconf -fi"
        (cd "$PA_TOP" && autoreconf -fi) || pa_die "autoreconf failed"
    fi
}

# pa_build DIR [configure options...]: configures (once) and builds out of
# tree in DIR.
pa_build() {
    local dir=$1
    shift
    if [ -f "$PA_TOP/config.status" ]; then
        pa_die "the source tree is configured in place (./configure ran in $PA_TOP), so it cannot be built out of tree in $dir: run 'make distclean' in $PA_TOP first"
    fi
    pa_autoreconf
    mkdir -p "$dir"
    if [ ! -f "$dir/Makefile" ]; then
        pa_say "configure in $dir: --with-apxs=/usr/bin/apxs $*"
        (cd "$dir" && "$PA_TOP/configure" --with-apxs=/usr/bin/apxs "$@" \
            >configure.out 2>&1) \
            || { tail -n 30 "$dir/configure.out" >&2; pa_die "configure failed (see $dir/config.log)"; }
    fi
    pa_say "make in $dir"
    "${PA_NICE[@]}" make -C "$dir" -j"$(nproc)" >"$dir/make.out" 2>&1 \
        || { tail -n 40 "$dir/make.out" >&2; pa_die "build failed (see $dir/make.out)"; }
}

# pa_user_can_reach USER PATH: true if USER may read (and traverse to)
# PATH. Used to decide whether httpd's unprivileged children and the app
# workers can use files inside the build tree.
pa_user_can_reach() {
    local user=$1 path=$2
    if [ "$(id -un)" = "$user" ]; then
        [ -r "$path" ]
    else
        runuser -u "$user" -- test -r "$path" 2>/dev/null
    fi
}

# pa_free_port [FIRST]: prints the first TCP port from FIRST (8080) up that
# nothing listens on at 127.0.0.1.
pa_free_port() {
    local port=${1:-8080}
    while [ "$port" -lt 65535 ]; do
        if perl -MIO::Socket::INET -e \
            'exit(IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0],
                                        Listen => 1, ReuseAddr => 1) ? 0 : 1)' \
            "$port"; then
            echo "$port"
            return 0
        fi
        port=$((port + 1))
    done
    return 1
}

# pa_load_modules: LoadModule lines for what a private httpd needs beside
# our module (the event MPM, Require, MIME types). Only modules Debian ships
# as .so files; the rest are compiled into Debian's apache2.
pa_load_modules() {
    local libexec m
    libexec=$(/usr/bin/apxs -q LIBEXECDIR)
    for m in mpm_event authz_core authz_host mime; do
        echo "LoadModule ${m}_module $libexec/mod_$m.so"
    done
}
