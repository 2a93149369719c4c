#!/usr/bin/python3
"""Client output buffer limits, MONITOR across io-threads, and the query-size limits.

Usage: test_client_limits.py [--strata build/src/strata-server] [--port P] [--io-threads 3] [--attach PORT]

Starts the server on a free port (from $STRATA_TEST_PORTS when it is set) with --io-threads 3 (so
the connections of a check, handed to io-threads round robin, land on every thread) and a unix
socket. Prints one line per check and ends with "client-limits: N passed, N failed"; exits
non-zero on failure. The last check is that the server ran clean (no sanitizer report: run it
with build-tsan/src/strata-server under ThreadSanitizer). --attach runs the checks against a
server already listening on PORT (redis-server started with the same unix socket, to check the
checks).
"""
import os
import re
import select
import socket
import sys
import time

from testlib import (Closed, Conn, ReplyError, Server, encode, expect, expect_eq, run_checks,
                     wait_until)

PORT = 0
REDIS_SERVER = "/usr/bin/redis-server"
UNIX_SOCKET = "/tmp/strata-client-limits-%d.sock" % os.getpid()
DEFAULT_LIMITS = "normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60"
# "+1339518083.107412 [0 127.0.0.1:60866] "keys" "*"", as Redis writes a MONITOR line.
MONITOR_LINE = re.compile(rb'^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$')


def client_flags(admin):
    """The flags= field of every client in CLIENT LIST."""
    out = []
    for line in admin.call("CLIENT", "LIST").decode().splitlines():
        out.append(re.search(r" flags=(\S+)", line).group(1))
    return out


def monitors(admin):
    return sum("O" in f for f in client_flags(admin))


def info_int(admin, section, field):
    for line in admin.call("INFO", section).decode().splitlines():
        if line.startswith(field + ":"):
            return int(line.split(":", 1)[1])
    raise AssertionError("INFO %s has no %s" % (section, field))


def slow_socket(*command):
    """A connection that sends `command` and then never reads (a tiny receive buffer)."""
    s = socket.create_connection(("127.0.0.1", PORT))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(encode(*command))
    return s


def start_monitor(conn):
    conn.send(encode("MONITOR"))
    expect_eq(conn.read_reply()[0], b"+OK\r\n", "MONITOR's reply")


def read_monitor_line(conn):
    raw, (t, payload) = conn.read_reply()
    expect_eq(t, "+", "a MONITOR line is a simple string")
    m = MONITOR_LINE.match(raw[:-2])
    expect(m is not None, "MONITOR line %r has Redis's format" % raw)
    return m


def local_addr(conn):
    host, port = conn.sock.getsockname()[:2]
    return ("%s:%d" % (host, port)).encode()


# ---- Checks.


def check_monitor_every_thread():
    """Clients on every io-thread run commands; the monitor sees each with its database, the
    client's own address, the arguments quoted as Redis quotes them, in each client's order."""
    mon = Conn(PORT)
    start_monitor(mon)
    clients = [Conn(PORT) for _ in range(6)]
    expected = {}
    for i, c in enumerate(clients):
        c.call("SELECT", str(i % 3))
        c.call("SET", "k%d" % i, 'a "b"\n\x01')
        c.call("GET", "k%d" % i)
        expected[local_addr(c)] = [
            (str(i % 3), b'"SELECT" "%d"' % (i % 3)),  # the database after the call, as Redis
            (str(i % 3), b'"SET" "k%d" "a \\"b\\"\\n\\x01"' % i),
            (str(i % 3), b'"GET" "k%d"' % i),
        ]
    seen = {}
    for _ in range(6 * 3):
        m = read_monitor_line(mon)
        seen.setdefault(m.group(4), []).append((m.group(3).decode(), m.group(5)))
    expect_eq(seen, expected, "the lines of each client")
    for c in clients + [mon]:
        c.close()


def monitor_lines(port, commands):
    """The MONITOR lines the server on `port` writes for `commands` (each a list of arguments, sent
    by one client, errors ignored), with the timestamp and the client's port normalised."""
    mon = Conn(port)
    start_monitor(mon)
    c = Conn(port)
    for args in commands:
        try:
            c.call(*args)
        except ReplyError:
            pass
    c.call("ECHO", "end")
    out = []
    while True:
        raw = mon.read_reply()[0]
        norm = re.sub(rb"^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]", rb"+T [\1 127.0.0.1:P]", raw)
        expect(norm != raw, "MONITOR line %r has Redis's format" % raw)
        if norm.endswith(b'"ECHO" "end"\r\n'):
            break
        out.append(norm)
    c.close()
    mon.close()
    return out


def check_monitor_lines_as_redis():
    """The same commands give the same MONITOR lines as redis-server's (timestamp and client port
    aside): quoting of every byte, databases, transactions, hidden and redacted commands."""
    commands = [
        ["SET", "k", "".join(chr(i) for i in range(1, 128)) + "\u00e9"],
        ["set", "sp ace", "quo\"te", "back\\slash"],
        ["SELECT", "3"], ["MULTI"], ["INCR", "n"], ["LPUSH", "l", "a"], ["EXEC"],
        ["CONFIG", "SET", "maxmemory-clients", "0"], ["CLIENT", "LIST"], ["CLIENT", "SETNAME", "x"],
        ["AUTH", "pw"], ["AUTH", "u", "pw"], ["HELLO", "3", "AUTH", "u", "pw", "SETNAME", "n"], ["HELLO", "2"],
        ["NOSUCHCOMMAND", "x"], ["GET"], ["BLPOP", "nolist", "0.01"], ["SELECT", "0"],
    ]
    redis = Server([REDIS_SERVER])
    try:
        want = monitor_lines(redis.port, commands)
    finally:
        redis.stop()
    got = monitor_lines(PORT, commands)
    for i, (g, w) in enumerate(zip(got, want)):
        expect_eq(g, w, "line %d" % i)
    expect_eq(len(got), len(want), "lines")
    return "%d lines" % len(got)


def check_monitor_hides_and_redacts():
    """Admin commands are not shown; AUTH's and HELLO's secrets are "(redacted)"; a unix-socket
    client shows as unix:PATH; MONITOR itself is not shown."""
    mon = Conn(PORT)
    start_monitor(mon)
    c = Conn(PORT)
    c.call("CONFIG", "GET", "maxmemory")
    try:
        c.call("AUTH", "someone", "secret")
    except ReplyError:
        pass
    c.call("HELLO", "2", "SETNAME", "x")
    try:
        c.call("HELLO", "2", "AUTH", "someone", "secret")
    except ReplyError:
        pass
    u = socket.socket(socket.AF_UNIX)
    u.connect(UNIX_SOCKET)
    u.sendall(encode("PING"))
    expect_eq(u.recv(100), b"+PONG\r\n", "PING over the unix socket")
    u.close()
    got = [read_monitor_line(mon) for _ in range(4)]
    addr = local_addr(c)
    expect_eq([(m.group(4), m.group(5)) for m in got], [
        (addr, b'"AUTH" "(redacted)" "(redacted)"'),
        (addr, b'"HELLO" "2" "SETNAME" "x"'),
        (addr, b'"HELLO" "2" "AUTH" "(redacted)" "(redacted)"'),
        (b"unix:" + UNIX_SOCKET.encode(), b'"PING"'),
    ], "the lines after CONFIG GET")
    c.close()
    mon.close()


def check_monitor_reset_and_multi():
    """RESET leaves monitor mode (no more lines, flag O gone); MONITOR inside EXEC is refused."""
    admin = Conn(PORT)
    # The earlier checks' monitors close asynchronously: count from none.
    wait_until(lambda: monitors(admin) == 0, "the earlier monitors closed")
    before = 0
    mon = Conn(PORT)
    start_monitor(mon)
    expect_eq(monitors(admin), before + 1, "monitors after MONITOR")
    expect_eq(mon.call("RESET"), b"RESET", "RESET")
    expect_eq(monitors(admin), before, "monitors after RESET")
    admin.call("SET", "after-reset", "1")
    expect_eq(mon.call("PING"), b"PONG", "the next reply, with no MONITOR line before it")
    mon.call("MULTI")
    mon.call("MONITOR")
    try:
        mon.call("EXEC")
        raise AssertionError("EXEC with MONITOR answered without an error")
    except ReplyError as e:
        expect_eq(str(e), "ERR MONITOR isn't allowed for DENY BLOCKING client", "EXEC's error")
    mon.close()


def check_never_reading_monitor_and_subscriber_cut():
    """A MONITOR client and a subscriber that never read are cut at their classes' hard limits
    (monitors are normal clients, as in Redis) while a client on another connection keeps its
    answers, and a reading monitor stays."""
    admin = Conn(PORT)
    admin.call("CONFIG", "SET", "client-output-buffer-limit", "normal 2mb 0 0 pubsub 2mb 0 0")
    try:
        base_monitors = monitors(admin)
        slow_mon = slow_socket("MONITOR")
        slow_sub = slow_socket("SUBSCRIBE", "firehose")
        reader = Conn(PORT, timeout=60)
        start_monitor(reader)
        wait_until(lambda: monitors(admin) == base_monitors + 2, "both monitors attached")
        wait_until(lambda: int(admin.call("PUBSUB", "NUMSUB", "firehose")[1]) == 1, "subscribed")
        writer = Conn(PORT)
        payload = "m" * 16384
        deadline = time.monotonic() + 30
        n = 0
        while monitors(admin) > base_monitors + 1 or int(admin.call("PUBSUB", "NUMSUB", "firehose")[1]) > 0:
            expect(time.monotonic() < deadline, "not both cut after %d writes" % n)
            expect_eq(writer.call("SET", "flood", payload), b"OK", "the writer's reply")
            admin.call("PUBLISH", "firehose", payload)
            n += 1
            drain(reader.sock)
        expect(n * len(payload) > 2 << 20, "cut after %d writes, before the limit's bytes" % n)
        expect_eq(monitors(admin), base_monitors + 1, "the reading monitor stays")
        expect_eq(writer.call("GET", "flood"), payload.encode(), "the writer keeps its answers")
        for s in (slow_mon, slow_sub):
            s.close()
        reader.close()
        return "cut after %d writes of 16 KB" % n
    finally:
        admin.call("CONFIG", "SET", "client-output-buffer-limit", DEFAULT_LIMITS)


def drain(sock):
    """Reads whatever `sock` has received, without waiting."""
    while select.select([sock], [], [], 0)[0]:
        if not sock.recv(1 << 20):
            raise Closed("the reading monitor was closed")


def check_monitor_soft_limit():
    """Past the normal class's soft limit for longer than its seconds, a never-reading monitor is
    cut though under any hard limit, not before the seconds pass."""
    admin = Conn(PORT)
    admin.call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 256kb 1")
    try:
        base = monitors(admin)
        slow = slow_socket("MONITOR")
        wait_until(lambda: monitors(admin) == base + 1, "the monitor attached")
        writer = Conn(PORT)
        start = time.monotonic()
        payload = "s" * 16384
        while monitors(admin) > base and time.monotonic() - start < 10:
            writer.call("SET", "soft", payload)
            time.sleep(0.01)
        took = time.monotonic() - start
        expect_eq(monitors(admin), base, "monitors left")
        expect(took > 1, "cut after %.2fs, before the soft limit's second" % took)
        slow.close()
        return "cut after %.1fs" % took
    finally:
        admin.call("CONFIG", "SET", "client-output-buffer-limit", DEFAULT_LIMITS)


def check_huge_bulk_length():
    """A declared bulk length past proto-max-bulk-len is refused at once; one under it but past
    client-query-buffer-limit closes the client once that many bytes came, and the server's
    memory does not grow by the declared size."""
    admin = Conn(PORT)
    rss_before = info_int(admin, "memory", "used_memory_rss")
    c = Conn(PORT)
    c.send(b"*2\r\n$3\r\nSET\r\n$4294967296\r\n")
    raw, (t, msg) = c.read_reply()
    expect_eq(raw, b"-ERR Protocol error: invalid bulk length\r\n", "the reply to a 4 GB bulk")
    admin.call("CONFIG", "SET", "client-query-buffer-limit", "1mb")
    try:
        c = Conn(PORT)
        c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$400000000\r\n")
        try:
            for _ in range(64):
                c.send(b"x" * 65536)
            c.read_reply()
            raise AssertionError("a 4 MB partial argument past a 1 MB query buffer limit was kept")
        except (Closed, BrokenPipeError, ConnectionResetError):
            pass
        expect_eq(admin.call("PING"), b"PONG", "the server goes on")
        growth = info_int(admin, "memory", "used_memory_rss") - rss_before
        expect(growth < 64 << 20, "RSS grew by %d MB for a declared 400 MB argument" % (growth >> 20))
    finally:
        admin.call("CONFIG", "SET", "client-query-buffer-limit", "1gb")


def client_memory(admin):
    """Each client's buffer memory by id, from CLIENT LIST (qbuf + qbuf-free + rbs)."""
    out = {}
    for line in admin.call("CLIENT", "LIST").decode().splitlines():
        f = dict(kv.split("=", 1) for kv in line.split(" "))
        out[int(f["id"])] = int(f["qbuf"]) + int(f["qbuf-free"]) + int(f["rbs"])
    return out


def partial_request(nbytes, no_evict=False):
    """A connection holding an unfinished request with `nbytes` of a large argument in its query
    buffer (after CLIENT NO-EVICT on if `no_evict`), and its client id."""
    c = Conn(PORT)
    if no_evict:
        expect_eq(c.call("CLIENT", "NO-EVICT", "on"), b"OK", "CLIENT NO-EVICT on")
    cid = int(c.call("CLIENT", "ID"))
    c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % (nbytes * 4))
    for _ in range(nbytes // 65536):
        c.send(b"p" * 65536)
    return c, cid


def is_closed(conn):
    try:
        conn.call("PING")
        return False
    except (Closed, ConnectionResetError, BrokenPipeError):
        return True


def check_maxmemory_clients():
    """Past maxmemory-clients (bytes, or a percentage of maxmemory), the biggest client is closed first and counted in evicted_clients;
    a client with CLIENT NO-EVICT is passed over for the next biggest."""
    admin = Conn(PORT)
    expect_eq(admin.call("CLIENT", "NO-EVICT", "on"), b"OK", "CLIENT NO-EVICT on")
    evicted = info_int(admin, "stats", "evicted_clients")
    try:
        big, big_id = partial_request(4 << 20)
        medium, medium_id = partial_request(1 << 20)
        wait_until(lambda: client_memory(admin)[big_id] >= 4 << 20, "the big client's buffer filled")
        wait_until(lambda: client_memory(admin)[medium_id] >= 1 << 20, "the medium client's buffer filled")
        mem = client_memory(admin)
        total = sum(mem.values())
        # Closing the biggest alone brings the total under the limit, given as 1% of maxmemory
        # (far above the data set, so no key is evicted).
        admin.call("CONFIG", "SET", "maxmemory", str(100 * (total - mem[big_id] // 2)))
        admin.call("CONFIG", "SET", "maxmemory-clients", "1%")
        wait_until(lambda: info_int(admin, "stats", "evicted_clients") == evicted + 1, "one client evicted")
        expect(big_id not in client_memory(admin), "the biggest client is gone")
        expect(medium_id in client_memory(admin), "the medium client stays")
        admin.call("CONFIG", "SET", "maxmemory-clients", "0", "maxmemory", "0")
        medium.close()
        wait_until(lambda: medium_id not in client_memory(admin), "the medium client closed")

        exempt, exempt_id = partial_request(4 << 20, no_evict=True)
        medium, medium_id = partial_request(1 << 20)
        wait_until(lambda: client_memory(admin)[exempt_id] >= 4 << 20, "the exempt client's buffer filled")
        wait_until(lambda: client_memory(admin)[medium_id] >= 1 << 20, "the medium client's buffer filled")
        mem = client_memory(admin)
        admin.call("CONFIG", "SET", "maxmemory-clients", str(sum(mem.values()) - mem[medium_id] // 2))
        wait_until(lambda: info_int(admin, "stats", "evicted_clients") == evicted + 2, "a second client evicted")
        mem = client_memory(admin)
        expect(exempt_id in mem, "the NO-EVICT client stays though the biggest")
        expect(medium_id not in mem, "the next biggest is evicted in its place")
        expect(is_closed(medium), "the evicted client's connection is closed")
        exempt.close()
        big.close()
    finally:
        admin.call("CONFIG", "SET", "maxmemory-clients", "0", "maxmemory", "0")


CHECKS = [
    ("MONITOR sees every io-thread's commands in Redis's format", check_monitor_every_thread),
    ("MONITOR hides admin commands, redacts secrets, shows unix clients", check_monitor_hides_and_redacts),
    ("MONITOR lines as redis-server writes them", check_monitor_lines_as_redis),
    ("RESET leaves monitor mode; MONITOR refused inside EXEC", check_monitor_reset_and_multi),
    ("never-reading monitor and subscriber cut at the hard limit; others keep answers",
     check_never_reading_monitor_and_subscriber_cut),
    ("a monitor past the soft limit for its seconds is cut", check_monitor_soft_limit),
    ("huge declared bulk lengths: refused or cut before allocating", check_huge_bulk_length),
    ("maxmemory-clients evicts the biggest client; CLIENT NO-EVICT exempts", check_maxmemory_clients),
]

def use_port(port):
    global PORT
    PORT = port


if __name__ == "__main__":
    if "--io-threads" not in sys.argv:
        sys.argv += ["--io-threads", "3"]
    try:
        sys.exit(run_checks("client-limits", CHECKS, use_port, server_args=["--unixsocket", UNIX_SOCKET]))
    finally:
        if os.path.exists(UNIX_SOCKET):
            os.unlink(UNIX_SOCKET)
