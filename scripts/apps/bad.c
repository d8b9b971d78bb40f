/* bad: a FastCGI app (raw protocol, no libfcgi) that answers with malformed
 * output, to test the web server's side. Listen socket on fd 0. The mode is
 * "mode=X" in the query string, or --mode=X on the command line for every
 * request:
 *   ok          a correct reply ("ok\n")
 *   version     a record with protocol version 2
 *   hugeheader  a 20000-byte header line
 *   manyheaders 100 KB of acceptable header lines
 *   eof         a record announcing 100 bytes, 10 sent, then close
 *   garbage     64 bytes of noise, then close
 *   badid       a STDOUT record for another request id than the request's
 *   badtype     an FCGI_GET_VALUES_RESULT record mid-reply
 *   badheader   a header block whose line has no colon
 *   ctlheader   a header value with a control character (\001) in it
 *   badstatus   Status: 999, after a Set-Cookie
 *   trailing    a correct reply and 5 more bytes, in one write
 *   shortcl     Content-Length: 100 and a 3-byte body, then a clean end
 *   longcl      Content-Length: 3, "ok\n", and a moment later more body
 *   interim     Status: 100, as if it were the final one
 *   statusword  Status: abc
 *   tehdr       Transfer-Encoding: chunked over a plain body
 *   badcl       Content-Length: 3x
 *   twocl       two Content-Length lines that disagree (2, then 3)
 *   clblank     Content-Length: 3 followed by blanks (a valid 3)
 *   clzeros     Content-Length: 03, then Content-Length: 3 (the same number)
 *   nulline     a header line of only a NUL byte, then more headers
 *   noend       a correct reply (a body of 10000 bytes, more than httpd
 *               gathers before passing it on) without FCGI_END_REQUEST,
 *               then close
 *   nohead      an empty FCGI_STDOUT and a clean FCGI_END_REQUEST: no header
 *               block at all
 *   halfhead    a header line without the blank line that ends the block,
 *               then a clean FCGI_END_REQUEST
 *   nothing     close without a byte
 *   overloaded  FCGI_END_REQUEST alone, protocolStatus FCGI_OVERLOADED
 *   unknownrole FCGI_END_REQUEST alone, protocolStatus FCGI_UNKNOWN_ROLE
 *   stderr      three stderr lines split across records, a fourth with a
 *               NUL and a terminal escape in it, then ok
 *   longstderr  one stderr line of 10000 bytes ("0123456789" repeated,
 *               in records of 1000), then ok
 *   longstderr8 the same, 3000 bytes of 0xE9 (Latin-1 e acute, which
 *               httpd logs as \xe9), then ok
 *   stderrflood 5000 stderr lines "flood N" (in records of 100 lines),
 *               then ok
 *   late        ok, then, once the next request has arrived (before it is
 *               read), a second whole reply (X-Late: yes, "late") with the
 *               first one's request id
 *   latejunk    as late, but 8 bytes of zeros instead of the second
 *               reply (no record at all)
 *   padend      ok, ended by an FCGI_END_REQUEST with 8 bytes of padding
 *               that come in a write of their own pad=MS later (50)
 *   fuzz        a correct reply whose record framing is then damaged at
 *               random (a header field changed, bytes cut, noise put in,
 *               a stretch repeated), written in random pieces; seed=N in
 *               the query string picks the damage, the same for the same N
 *   steal       as a hostile process running as User would: ask the manager
 *               (conn.sock beside its own listen socket) for the kept
 *               connection of every app and slot; the reply says how many
 *               it was handed ("stolen N")
 * With wait=FILE (FastCGI) it answers only once FILE exists (at most 60 s).
 * With --exit-after=N it exits after its Nth request (as php-cgi does
 * under PHP_FCGI_MAX_REQUESTS).
 * With --id1 it answers every request with request id 1, whatever it was
 * sent (as some FastCGI libraries do).
 * With --keep it honours FCGI_KEEP_CONN after a correct reply (ok, padend)
 * as libfcgi does; otherwise it closes the connection after each request.
 * With --length it reads a body to its CONTENT_LENGTH, not its empty
 * FCGI_STDIN record, in a request of more than 8 KB (as an app that reads
 * CONTENT_LENGTH bytes does, when that record came after libfcgi's last
 * read), takes 5 ms after each reply before it reads on (its own work after
 * a request), and closes a connection on which a request starts with
 * anything but FCGI_BEGIN_REQUEST (as libfcgi does, finding that record
 * there).
 * With --scgi it speaks SCGI: a correct reply with a Content-Length, or with
 * mode=fuzz the same reply cut, with noise put in or a stretch repeated.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "wait_file.h"

static int full_read(int fd, unsigned char *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

static void full_write(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

static int req_id = 1;              /* the request's, echoed in each record */
static int id1;                     /* --id1: answer with 1 whatever it is */
static int by_length;               /* --length */

static void record(int fd, int version, int type, int id, const char *data,
                   size_t len)
{
    unsigned char h[8];

    h[0] = (unsigned char)version;
    h[1] = (unsigned char)type;
    h[2] = (unsigned char)(id >> 8);
    h[3] = (unsigned char)id;
    h[4] = (unsigned char)(len >> 8);
    h[5] = (unsigned char)len;
    h[6] = 0;
    h[7] = 0;
    full_write(fd, h, 8);
    full_write(fd, data, len);
}

static void out(int fd, const char *s)
{
    record(fd, 1, 6, req_id, s, strlen(s));
}

/* FCGI_END_REQUEST's body: app status 0, FCGI_REQUEST_COMPLETE. */
static const char end_body[8] = { 0 };

static void end(int fd)
{
    record(fd, 1, 3, req_id, end_body, 8);
}

static size_t len_get(const unsigned char **p)
{
    size_t n = **p;

    if (n & 0x80) {
        n = ((size_t)((*p)[0] & 0x7f) << 24) | ((size_t)(*p)[1] << 16)
            | ((size_t)(*p)[2] << 8) | (*p)[3];
        *p += 4;
    }
    else {
        *p += 1;
    }
    return n;
}

/* The value of NAME= in the query string QS, copied into buf. */
static int query_value(const char *qs, const char *name, char *buf, size_t size)
{
    size_t nl = strlen(name);
    const char *p = qs;

    while (p && *p) {
        if (!strncmp(p, name, nl) && p[nl] == '=') {
            p += nl + 1;
            snprintf(buf, size, "%.*s", (int)strcspn(p, "&"), p);
            return 1;
        }
        p = strchr(p, '&');
        p = p ? p + 1 : NULL;
    }
    return 0;
}

static unsigned long seed;
static long pad_ms;                 /* padend: how late the padding comes */
static int keep_conn;               /* this request's FCGI_KEEP_CONN */
static char wait_file[512];         /* wait=: answer once it exists */

/* The value of name in params (plen bytes of FastCGI name-value pairs),
 * at most size - 1 bytes of it, in out; 0 if it is not there. */
static int param_value(const unsigned char *params, size_t plen,
                       const char *name, char *out, size_t size)
{
    const unsigned char *p = params, *e = params + plen;
    size_t len = strlen(name);

    while (p < e) {
        size_t nl = len_get(&p), vl = len_get(&p);

        if (nl == len && !memcmp(p, name, len)) {
            snprintf(out, size, "%.*s", (int)vl, (const char *)p + nl);
            return 1;
        }
        p += nl + vl;
    }
    return 0;
}

/* Read one whole request; return its mode= value (or def); seed= goes to
 * seed. */
static char *read_request(int fd, const char *def)
{
    static unsigned char params[1 << 20];
    static char mode[64];
    char qs[1024], n[32];
    size_t plen = 0, body = 0, total = 0;
    int params_done = 0, stdin_done = 0, first = 1;

    snprintf(mode, sizeof(mode), "%s", def);
    wait_file[0] = '\0';
    pad_ms = 50;
    while (!params_done || stdin_done <= 0) {
        unsigned char h[8], content[65535 + 255];
        size_t clen;

        if (full_read(fd, h, 8) != 0) {
            return NULL;
        }
        clen = ((size_t)h[4] << 8) | h[5];
        if (full_read(fd, content, clen + h[6]) != 0) {
            return NULL;
        }
        if (by_length && first && h[1] != 1) {
            return NULL;
        }
        first = 0;
        total += 8 + clen + h[6];
        if (h[1] == 1 && clen >= 3) {
            keep_conn = content[2] & 1;
            req_id = id1 ? 1 : (h[2] << 8) | h[3];
        }
        else if (h[1] == 4) {
            if (clen == 0) {
                params_done = 1;
                /* (One without a body ends with that record.) */
                if (by_length
                    && param_value(params, plen, "CONTENT_LENGTH", n, sizeof(n))
                    && (body = strtoul(n, NULL, 10)) > 0) {
                    stdin_done = -1;
                }
            }
            else if (plen + clen <= sizeof(params)) {
                memcpy(params + plen, content, clen);
                plen += clen;
            }
        }
        else if (h[1] == 5 && stdin_done < 0 && clen > 0) {
            body -= clen < body ? clen : body;
            /* Read on to that record if libfcgi's first 8 KB bring it. */
            stdin_done = body ? -1 : total + 8 > 8192;
        }
        else if (h[1] == 5 && clen == 0) {
            stdin_done = 1;
        }
    }
    if (param_value(params, plen, "QUERY_STRING", qs, sizeof(qs))) {
        query_value(qs, "mode", mode, sizeof(mode));
        query_value(qs, "wait", wait_file, sizeof(wait_file));
        seed = query_value(qs, "seed", n, sizeof(n)) ? strtoul(n, NULL, 10) : 0;
        if (query_value(qs, "pad", n, sizeof(n))) {
            pad_ms = strtol(n, NULL, 10);
        }
    }
    return mode;
}

/* xorshift: the same damage for the same seed on every machine. */
static unsigned long rnd(unsigned long n)
{
    static unsigned long x;

    if (n == 0) {
        x = seed * 2654435761UL + 88172645463325252UL;
        return 0;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x % n;
}

/* Append one record with random (valid) padding; returns the new length. */
static size_t put_record(unsigned char *buf, size_t at, int type,
                         const char *data, size_t len)
{
    size_t pad = rnd(8);

    buf[at] = 1;
    buf[at + 1] = (unsigned char)type;
    buf[at + 2] = (unsigned char)(req_id >> 8);
    buf[at + 3] = (unsigned char)req_id;
    buf[at + 4] = (unsigned char)(len >> 8);
    buf[at + 5] = (unsigned char)len;
    buf[at + 6] = (unsigned char)pad;
    buf[at + 7] = 0;
    memcpy(buf + at + 8, data, len);
    memset(buf + at + 8 + len, 0, pad);
    return at + 8 + len + pad;
}

/* Move buf[at..len) up by cut bytes, if there is room. */
static int widen(unsigned char *buf, size_t size, size_t *len, size_t at,
                 size_t cut)
{
    if (at > *len || *len + cut > size) {
        return 0;
    }
    memmove(buf + at + cut, buf + at, *len - at);
    *len += cut;
    return 1;
}

/* Damage the reply in buf at random: 1 to 3 of a record header's field or
 * type changed (FastCGI: n record starts), the reply cut short, noise put
 * in, a stretch repeated. */
static void damage(unsigned char *buf, size_t size, size_t *len,
                   const size_t *starts, size_t n)
{
    size_t hurt, at, cut, i;

    for (hurt = 1 + rnd(3); hurt > 0; hurt--) {
        switch (rnd(n ? 5 : 3) + (n ? 0 : 1)) {
        case 0:     /* a header field of a record */
            buf[starts[rnd(n)] + rnd(8)] = (unsigned char)rnd(256);
            break;
        case 1:     /* the reply cut short */
            *len = rnd(*len);
            break;
        case 2:     /* noise put in */
            cut = 1 + rnd(16);
            at = rnd(*len + 1);
            if (widen(buf, size, len, at, cut)) {
                for (i = 0; i < cut; i++) {
                    buf[at + i] = (unsigned char)rnd(256);
                }
            }
            break;
        case 3:     /* a stretch repeated (the gap keeps a copy of it) */
            cut = 1 + rnd(64);
            at = rnd(*len + 1);
            if (at + cut <= *len) {
                widen(buf, size, len, at, cut);
            }
            break;
        default:    /* the record's type: early end, stderr, management */
            buf[starts[rnd(n)] + 1] = (unsigned char)(rnd(2) ? 3 : 7 + rnd(5));
            break;
        }
    }
}

/* Write buf in random pieces, some with a pause between them, so that the
 * other side reads them one by one. */
static void write_pieces(int fd, const unsigned char *buf, size_t len)
{
    size_t i, cut;

    for (i = 0; i < len; i += cut) {
        cut = 1 + rnd(len - i);
        full_write(fd, buf + i, cut);
        if (rnd(2)) {
            usleep(1000);
        }
    }
}

static const char fuzz_head[] = "Status: 200 OK\r\nContent-Type: text/plain\r\n"
                                "X-Fuzz: yes\r\n";
static const char fuzz_body[] = "a body in three records, of which any may be hurt\n";

static void fuzz(int fd)
{
    unsigned char buf[4096];
    size_t len = 0, starts[8], n = 0, i;

    rnd(0);
    starts[n++] = len;
    len = put_record(buf, len, 6, fuzz_head, sizeof(fuzz_head) - 1);
    starts[n++] = len;
    len = put_record(buf, len, 6, "\r\n", 2);
    for (i = 0; i < 3; i++) {
        starts[n++] = len;
        len = put_record(buf, len, 6, fuzz_body + i * 17,
                         i < 2 ? 17 : sizeof(fuzz_body) - 1 - 34);
    }
    if (rnd(4) == 0) {
        starts[n++] = len;
        len = put_record(buf, len, 7, "fuzz stderr\n", 12);
    }
    starts[n++] = len;
    len = put_record(buf, len, 6, "", 0);
    starts[n++] = len;
    len = put_record(buf, len, 3, end_body, 8);
    damage(buf, sizeof(buf), &len, starts, n);
    write_pieces(fd, buf, len);
}

/* SCGI (--scgi): read one request (netstring of headers, then the body);
 * its mode= value (or def), seed= to seed. */
static char *read_scgi_request(int fd, const char *def)
{
    static char head[65536], mode[64];
    size_t hlen = 0, body = 0, i;
    char c, n[32], *p;

    snprintf(mode, sizeof(mode), "%s", def);
    seed = 0;
    while (full_read(fd, (unsigned char *)&c, 1) == 0 && c != ':') {
        if (c < '0' || c > '9' || hlen > sizeof(head) / 10) {
            return NULL;
        }
        hlen = hlen * 10 + (size_t)(c - '0');
    }
    if (hlen + 1 > sizeof(head) || full_read(fd, (unsigned char *)head, hlen + 1) != 0) {
        return NULL;
    }
    head[hlen] = '\0';                 /* the netstring's ',' */
    p = head;
    while (p < head + hlen) {           /* name NUL value NUL ... */
        const char *v = p + strlen(p) + 1;

        if (!strcmp(p, "CONTENT_LENGTH")) {
            body = strtoul(v, NULL, 10);
        }
        else if (!strcmp(p, "QUERY_STRING")) {
            query_value(v, "mode", mode, sizeof(mode));
            seed = query_value(v, "seed", n, sizeof(n)) ? strtoul(n, NULL, 10) : 0;
        }
        p = (char *)v + strlen(v) + 1;
    }
    for (i = 0; i < body; i++) {
        if (full_read(fd, (unsigned char *)&c, 1) != 0) {
            return NULL;
        }
    }
    return mode;
}

/* The SCGI reply: mode=fuzz damages it as fuzz() does, without records. */
static void scgi_answer(int fd, const char *mode)
{
    unsigned char buf[4096];
    int len = snprintf((char *)buf, sizeof(buf), "%sContent-Length: %d\r\n\r\n%s",
                       fuzz_head, (int)sizeof(fuzz_body) - 1, fuzz_body);
    size_t n = (size_t)len;

    if (!strcmp(mode, "fuzz")) {
        rnd(0);
        damage(buf, sizeof(buf), &n, NULL, 0);
    }
    write_pieces(fd, buf, n);
}

/* Modes whose reply is one STDOUT record (a bad header block) and a
 * clean end. */
/* (A reply may hold a NUL: its length is the literal's.) */
#define REPLY(mode, text) { mode, text, sizeof(text) - 1 }
static const struct {
    const char *mode, *reply;
    size_t len;
} one_record[] = {
    REPLY("badheader", "this is no header\r\n\r\nok\n"),
    REPLY("ctlheader", "Content-Type: text/plain\r\nX-Bad: a\001b\r\n\r\nok\n"),
    REPLY("badstatus", "Set-Cookie: session=app\r\nStatus: 999\r\n\r\nok\n"),
    REPLY("statusword", "Status: abc\r\nContent-Type: text/plain\r\n\r\nok\n"),
    REPLY("interim", "Status: 100 Continue\r\nContent-Type: text/plain\r\n\r\nok\n"),
    REPLY("tehdr", "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nok\n"),
    REPLY("shortcl", "Content-Type: text/plain\r\nContent-Length: 100\r\n\r\nok\n"),
    REPLY("badcl", "Content-Type: text/plain\r\nContent-Length: 3x\r\n\r\nok\n"),
    REPLY("twocl", "Content-Type: text/plain\r\nContent-Length: 2\r\n"
               "Content-Length: 3\r\n\r\nok\n"),
    REPLY("clblank", "Content-Type: text/plain\r\nContent-Length: 3 \t\r\n\r\nok\n"),
    REPLY("clzeros", "Content-Type: text/plain\r\nContent-Length: 03\r\n"
                 "Content-Length: 3\r\n\r\nok\n"),
    REPLY("nulline", "Content-Type: text/plain\r\n\0\r\nX-Hidden: 1\r\n\r\nok\n"),
    REPLY("nohead", ""),
    REPLY("halfhead", "Content-Type: text/plain\r\n"),
};

/* mode=steal: how many kept connections the manager hands a process that
 * claimed no worker. The ask is mod_prefork_app's (conn.c): magic "PAKC",
 * app, slot, pid, kept, the claim's seq as six 32-bit words, then its nth
 * as a 64-bit one (a stranger knows no claim: zeros). */
static int steal(void)
{
    struct sockaddr_un me, svc;
    socklen_t len = sizeof(me);
    struct timeval tv = { 0, 200000 };
    sa_family_t autobind = AF_UNIX;
    static const char svcname[] = "/conn.sock";
    char *slash;
    size_t dlen;
    int s, app, slot, stolen = 0;

    memset(&svc, 0, sizeof(svc));
    if (getsockname(0, (struct sockaddr *)&me, &len) != 0
        || !(slash = strrchr(me.sun_path, '/'))) {
        return -1;
    }
    dlen = (size_t)(slash - me.sun_path);
    if (dlen + sizeof(svcname) > sizeof(svc.sun_path)) {
        return -1;
    }
    svc.sun_family = AF_UNIX;
    memcpy(svc.sun_path, me.sun_path, dlen);
    memcpy(svc.sun_path + dlen, svcname, sizeof(svcname));
    s = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&autobind, sizeof(autobind)) != 0
        || setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
        return -1;
    }
    for (app = 0; app < 32; app++) {
        for (slot = 0; slot < 4; slot++) {
            unsigned int ask[8] = { 0x50414b43u, (unsigned)app,
                                    (unsigned)slot, 0, 0, 0, 0, 0 };
            union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int))];
            } cm;
            struct iovec iov = { ask, sizeof(ask) };
            struct msghdr mh;
            struct cmsghdr *c;

            if (sendto(s, ask, sizeof(ask), 0, (struct sockaddr *)&svc,
                       sizeof(svc)) != sizeof(ask)) {
                return -1;
            }
            memset(&mh, 0, sizeof(mh));
            mh.msg_iov = &iov;
            mh.msg_iovlen = 1;
            mh.msg_control = cm.buf;
            mh.msg_controllen = sizeof(cm.buf);
            if (recvmsg(s, &mh, 0) < 0) {
                continue;
            }
            c = CMSG_FIRSTHDR(&mh);
            if (c && c->cmsg_type == SCM_RIGHTS) {
                int got;

                memcpy(&got, CMSG_DATA(c), sizeof(got));
                close(got);
                stolen++;
            }
        }
    }
    close(s);
    return stolen;
}

/* Returns whether the reply was a correct one, after which a kept
 * connection may carry the next request. */
static int answer(int fd, const char *mode)
{
    static const char ok[] = "Content-Type: text/plain\r\n\r\nok\n";
    size_t i;

    if (wait_file[0]) {
        wait_for_file(wait_file);
    }
    for (i = 0; i < sizeof(one_record) / sizeof(one_record[0]); i++) {
        if (!strcmp(mode, one_record[i].mode)) {
            record(fd, 1, 6, req_id, one_record[i].reply, one_record[i].len);
            end(fd);
            return 0;
        }
    }

    if (!strcmp(mode, "version")) {
        record(fd, 2, 6, req_id, ok, sizeof(ok) - 1);
        end(fd);
    }
    else if (!strcmp(mode, "hugeheader") || !strcmp(mode, "manyheaders")) {
        size_t i, n = !strcmp(mode, "hugeheader") ? 20000 : 100;
        char *line = malloc(1100);

        out(fd, "Content-Type: text/plain\r\n");
        if (n == 20000) {
            char *big = malloc(20000 + 16);

            memcpy(big, "X-Big: ", 7);
            memset(big + 7, 'a', 20000 - 7);
            memcpy(big + 20000, "\r\n", 2);
            for (i = 0; i < 20002; i += 8000) {
                record(fd, 1, 6, req_id, big + i,
                       20002 - i < 8000 ? 20002 - i : 8000);
            }
            free(big);
        }
        else {
            for (i = 0; i < n; i++) {
                snprintf(line, 1100, "X-Many-%zu: %01000d\r\n", i, 0);
                out(fd, line);
            }
        }
        free(line);
        out(fd, "\r\nok\n");
        end(fd);
    }
    else if (!strcmp(mode, "eof")) {
        unsigned char h[8] = { 1, 6, 0, 0, 0, 100, 0, 0 };

        h[2] = (unsigned char)(req_id >> 8);
        h[3] = (unsigned char)req_id;
        full_write(fd, h, 8);
        full_write(fd, "Content-Ty", 10);
    }
    else if (!strcmp(mode, "garbage")) {
        char junk[64];
        int i;

        for (i = 0; i < 64; i++) {
            junk[i] = (char)(i * 37 + 11);
        }
        full_write(fd, junk, sizeof(junk));
    }
    else if (!strcmp(mode, "badid")) {
        record(fd, 1, 6, req_id % 0xffff + 1, ok, sizeof(ok) - 1);
        end(fd);
    }
    else if (!strcmp(mode, "badtype")) {
        out(fd, "Content-Type: text/plain\r\n\r\n");
        record(fd, 1, 10, 0, "", 0);
        end(fd);
    }
    else if (!strcmp(mode, "trailing")) {
        unsigned char buf[256];
        size_t len;

        rnd(0);
        len = put_record(buf, 0, 6, ok, sizeof(ok) - 1);
        len = put_record(buf, len, 3, end_body, 8);
        memcpy(buf + len, "junk!", 5);
        full_write(fd, buf, len + 5);
    }
    else if (!strcmp(mode, "longcl")) {
        out(fd, "Content-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n");
        usleep(50000);                  /* a read of its own */
        out(fd, "and this, which was not promised\n");
        end(fd);
    }
    else if (!strcmp(mode, "noend")) {
        char body[10000];

        memset(body, 'n', sizeof(body));
        out(fd, "Content-Type: text/plain\r\n\r\n");
        record(fd, 1, 6, req_id, body, sizeof(body));
    }
    else if (!strcmp(mode, "overloaded") || !strcmp(mode, "unknownrole")) {
        /* Refused: FCGI_END_REQUEST alone, FCGI_OVERLOADED (2) or
         * FCGI_UNKNOWN_ROLE (3). */
        char body[8] = { 0 };

        body[4] = !strcmp(mode, "overloaded") ? 2 : 3;
        record(fd, 1, 3, req_id, body, 8);
    }
    else if (!strcmp(mode, "nothing")) {
        /* close at once */
    }
    else if (!strcmp(mode, "fuzz")) {
        fuzz(fd);
    }
    else if (!strcmp(mode, "longstderr") || !strcmp(mode, "longstderr8")) {
        int latin1 = !strcmp(mode, "longstderr8");
        char chunk[1000];
        int i;

        for (i = 0; i < 1000; i++) {
            chunk[i] = latin1 ? (char)0xe9 : (char)('0' + i % 10);
        }
        for (i = 0; i < (latin1 ? 3 : 10); i++) {
            record(fd, 1, 7, req_id, chunk, sizeof(chunk));
        }
        record(fd, 1, 7, req_id, "\n", 1);
        out(fd, ok);
        end(fd);
    }
    else if (!strcmp(mode, "stderrflood")) {
        char lines[1200];
        int i, n = 0;

        for (i = 0; i < 5000; i++) {
            n += snprintf(lines + n, sizeof(lines) - n, "flood %d\n", i);
            if (i % 100 == 99) {
                record(fd, 1, 7, req_id, lines, (size_t)n);
                n = 0;
            }
        }
        out(fd, ok);
        end(fd);
    }
    else if (!strcmp(mode, "stderr")) {
        record(fd, 1, 7, req_id, "first line\nsecond ", 18);
        record(fd, 1, 7, req_id, "line\nthird line\n", 16);
        record(fd, 1, 7, req_id, "nul\0 esc\033[31m\ttab\n", 18);
        out(fd, ok);
        end(fd);
    }
    else if (!strcmp(mode, "steal")) {
        char text[64];

        snprintf(text, sizeof(text),
                 "Content-Type: text/plain\r\n\r\nstolen %d\n", steal());
        out(fd, text);
        end(fd);
    }
    else if (!strcmp(mode, "late") || !strcmp(mode, "latejunk")) {
        struct pollfd next = { fd, POLLIN, 0 };
        static const char junk[8] = { 0 };

        out(fd, ok);
        end(fd);
        /* Once httpd has read the end (it sent the next request since). */
        poll(&next, 1, 60000);
        if (!strcmp(mode, "latejunk")) {
            if (write(fd, junk, sizeof(junk)) < 0) {
                return 0;
            }
            return 1;
        }
        out(fd, "Content-Type: text/plain\r\nX-Late: yes\r\n\r\nlate\n");
        end(fd);
        return 1;
    }
    else if (!strcmp(mode, "padend")) {
        static const char pad[8] = { 0 };
        unsigned char h[8] = { 1, 3, 0, 0, 0, 8, 8, 0 };

        h[2] = (unsigned char)(req_id >> 8);
        h[3] = (unsigned char)req_id;
        out(fd, ok);
        full_write(fd, h, 8);
        full_write(fd, end_body, 8);
        usleep(pad_ms * 1000);          /* a read of its own */
        full_write(fd, pad, 8);
        return 1;
    }
    else {
        out(fd, ok);
        end(fd);
        return !strcmp(mode, "ok");
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *def = "ok";
    int i, scgi = 0, keep = 0;
    long served = 0, exit_after = 0;

    for (i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "--mode=", 7)) {
            def = argv[i] + 7;
        }
        scgi |= !strcmp(argv[i], "--scgi");
        keep |= !strcmp(argv[i], "--keep");
        id1 |= !strcmp(argv[i], "--id1");
        by_length |= !strcmp(argv[i], "--length");
        if (!strncmp(argv[i], "--exit-after=", 13)) {
            exit_after = strtol(argv[i] + 13, NULL, 10);
        }
    }
    for (;;) {
        int fd = accept(0, NULL, NULL);
        char *mode;

        if (fd < 0) {
            if (errno == EINTR) {
                continue;
            }
            return 1;
        }
        do {
            keep_conn = 0;
            mode = scgi ? read_scgi_request(fd, def) : read_request(fd, def);
            if (mode && scgi) {
                scgi_answer(fd, mode);
            }
            else if (mode && !answer(fd, mode)) {
                keep_conn = 0;
            }
            if (mode && by_length) {
                usleep(5000);
            }
            if (mode && exit_after && ++served >= exit_after) {
                _exit(0);
            }
        } while (mode && keep && keep_conn);
        close(fd);
    }
}
