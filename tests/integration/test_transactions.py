#!/usr/bin/python3
"""MULTI/EXEC and WATCH with real clients across io-threads.

Usage: test_transactions.py [--strata build/src/strata-server] [--io-threads 4] [--scale 1.0]
                            [--redis redis-server]

Starts Strata on a free port (from $STRATA_TEST_PORTS when it is set) with --io-threads 4 and runs
each check on its own connections (connections are handed to io-threads round robin, so the
clients of one check land on different threads). Prints one line per check and ends with
"transactions: N passed, N failed"; exits non-zero on failure. The last check is that the server
ran clean (no sanitizer report: run it with build-tsan/src/strata-server to have ThreadSanitizer
watch). --scale multiplies the number of increments and reads (a sanitized server is slower).
With --redis, the optimistic increment loop also runs against redis-server, and its note gives
Strata's throughput as a ratio to Redis's.
"""
import argparse
import os
import sys
import threading
import time

from testlib import Background, Conn, Server, Tally, encode

PORT = 0
SCALE = 1.0
REDIS = None  # redis-server binary, for the throughput ratio

INCREMENTERS = 8
INCREMENTS_EACH = 10_000
MOVES_EACH = 5_000
READS_EACH = 5_000


def scaled(n):
    return max(1, int(n * SCALE))


def pipeline(conn, *commands):
    """Sends `commands` in one write and returns their raw replies, in order."""
    conn.send(b"".join(encode(*c) for c in commands))
    return [conn.read_reply()[0] for _ in commands]


def optimistic_increments(port, clients, each):
    """`clients` connections each add 1 to "counter" `each` times with WATCH/GET/MULTI/SET/EXEC,
    retrying when EXEC answers null. Returns (final value, attempts, seconds)."""
    setup = Conn(port)
    setup.call("DEL", "counter")
    attempts = [0] * clients

    def worker(i):
        conn = Conn(port, timeout=60)
        done = 0
        while done < each:
            attempts[i] += 1
            _, got = pipeline(conn, ("WATCH", "counter"), ("GET", "counter"))
            current = 0 if got == b"$-1\r\n" else int(got.split(b"\r\n")[1])
            _, _, exec_reply = pipeline(conn, ("MULTI",), ("SET", "counter", current + 1), ("EXEC",))
            if exec_reply == b"*1\r\n+OK\r\n":
                done += 1
            elif exec_reply != b"*-1\r\n":
                raise AssertionError("EXEC answered %r" % exec_reply)
        conn.close()

    start = time.monotonic()
    workers = [Background(lambda i=i: worker(i)) for i in range(clients)]
    for w in workers:
        w.result(timeout=600)
    seconds = time.monotonic() - start
    final = int(setup.call("GET", "counter"))
    setup.close()
    return final, sum(attempts), seconds


def check_optimistic_increments():
    each = scaled(INCREMENTS_EACH)
    final, attempts, seconds = optimistic_increments(PORT, INCREMENTERS, each)
    want = INCREMENTERS * each
    if final != want:
        raise AssertionError("counter is %d after %d successful increments" % (final, want))
    rate = want / seconds
    note = "%d increments, %d attempts, %.0f increments/s" % (want, attempts, rate)
    if REDIS:
        redis = Server([REDIS, "--save", "", "--appendonly", "no"])
        try:
            r_final, r_attempts, r_seconds = optimistic_increments(redis.port, INCREMENTERS, each)
        finally:
            redis.stop()
        if r_final != want:
            raise AssertionError("redis-server's counter is %d, not %d" % (r_final, want))
        r_rate = want / r_seconds
        note += "; redis-server %d attempts, %.0f increments/s; ratio %.2f" % (r_attempts, r_rate, rate / r_rate)
    return note


def check_no_half_transaction():
    """Movers shift one unit between "acct:a" and "acct:b" in transactions (both directions) while
    readers MGET both, and read both inside transactions of their own: the sum never changes."""
    total = 1000
    Conn(PORT).call("MSET", "acct:a", total, "acct:b", 0)
    stop = threading.Event()
    moves, reads = scaled(MOVES_EACH), scaled(READS_EACH)

    def mover(src, dst):
        conn = Conn(PORT, timeout=60)
        for _ in range(moves):
            replies = pipeline(conn, ("MULTI",), ("DECRBY", src, 1), ("INCRBY", dst, 1), ("EXEC",))
            if not replies[3].startswith(b"*2\r\n:"):
                raise AssertionError("EXEC answered %r" % replies[3])

    def reader(in_transaction):
        conn = Conn(PORT, timeout=60)
        seen = 0
        while seen < reads or not stop.is_set():
            if in_transaction:
                got = pipeline(conn, ("MULTI",), ("GET", "acct:a"), ("GET", "acct:b"), ("EXEC",))[3]
                parts = got.split(b"\r\n")  # *2, $n, a, $n, b
                a, b = int(parts[2]), int(parts[4])
            else:
                a, b = (int(v) for v in conn.call("MGET", "acct:a", "acct:b"))
            if a + b != total:
                raise AssertionError("a reader saw a=%d b=%d (sum %d)" % (a, b, a + b))
            seen += 1
        return seen

    readers = [Background(lambda t=t: reader(t)) for t in (False, True, False)]
    movers = [Background(lambda s=s, d=d: mover(s, d)) for s, d in
              (("acct:a", "acct:b"), ("acct:b", "acct:a"), ("acct:a", "acct:b"))]
    try:
        for m in movers:
            m.result(timeout=600)
    finally:
        stop.set()
    seen = sum(r.result(timeout=600) for r in readers)
    a, b = (int(v) for v in Conn(PORT).call("MGET", "acct:a", "acct:b"))
    if (a, b) != (total - moves, moves):
        raise AssertionError("after the moves a=%d b=%d, want %d and %d" % (a, b, total - moves, moves))
    return "%d transactions, %d consistent reads" % (3 * moves, seen)


def watch_then(setup, change, expect_null=True):
    """Watches "w" on one connection after `setup` (a list of commands on a second connection),
    runs `change` (commands on the second connection, another io-thread), then EXECs a
    transaction that sets "w:done". Checks EXEC's answer: null when `expect_null`."""
    other = Conn(PORT)
    other.call("FLUSHALL")
    for c in setup:
        other.call(*c)
    watcher = Conn(PORT)
    if watcher.call("WATCH", "w") != b"OK":
        raise AssertionError("WATCH failed")
    for c in change:
        if c[0] == "@sleep":
            time.sleep(c[1])
        else:
            other.call(*c)
    replies = pipeline(watcher, ("MULTI",), ("SET", "w:done", 1), ("EXEC",))
    want = b"*-1\r\n" if expect_null else b"*1\r\n+OK\r\n"
    if replies[2] != want:
        raise AssertionError("EXEC answered %r, want %r" % (replies[2], want))
    done = other.call("EXISTS", "w:done")
    if done != (b"0" if expect_null else b"1"):
        raise AssertionError("EXISTS w:done is %r after EXEC" % done)


def check_watch_write_other_thread():
    watch_then([("SET", "w", 1)], [("SET", "w", 1)])
    watch_then([("SET", "w", 1)], [("SET", "other", 1)], expect_null=False)


def check_watch_expiry():
    # The key expires while watched; nothing else touches it (EXEC finds it past its deadline).
    watch_then([("SET", "w", 1, "PX", 100)], [("@sleep", 0.25)])
    # Expired and removed by another client's lookup before EXEC.
    watch_then([("SET", "w", 1, "PX", 100)], [("@sleep", 0.25), ("GET", "w")])


def check_watch_flushall():
    watch_then([("SET", "w", 1)], [("FLUSHALL",)])
    watch_then([("SET", "w", 1)], [("FLUSHDB",)])
    # A watched key that did not exist and still does not: FLUSHALL is no change to it.
    watch_then([("SET", "other", 1)], [("FLUSHALL",)], expect_null=False)


def check_watch_swapdb():
    watch_then([("SELECT", 1), ("SET", "w", 1), ("SELECT", 0)], [("SWAPDB", 0, 1)])
    watch_then([("SET", "w", 1)], [("SWAPDB", 0, 1)])
    watch_then([("SELECT", 1), ("SET", "x", 1), ("SELECT", 0)], [("SWAPDB", 0, 1)], expect_null=False)


def check_blocked_client_served_by_exec():
    """A client blocked on a list is served by a transaction's push, once EXEC has run."""
    waiter = Conn(PORT, timeout=30)
    waiter.send(encode("BLPOP", "tq", 10))
    pusher = Conn(PORT)
    deadline = time.monotonic() + 5
    while b"blocked_clients:1" not in pusher.call("INFO", "clients"):
        if time.monotonic() > deadline:
            raise AssertionError("the waiter never blocked")
        time.sleep(0.005)
    replies = pipeline(pusher, ("MULTI",), ("RPUSH", "tq", "a", "b"), ("LLEN", "tq"), ("EXEC",))
    if replies[3] != b"*2\r\n:2\r\n:2\r\n":
        raise AssertionError("EXEC answered %r" % replies[3])
    got = waiter.read_reply()[0]
    if got != b"*2\r\n$2\r\ntq\r\n$1\r\na\r\n":
        raise AssertionError("the waiter got %r" % got)


CHECKS = [
    ("WATCH/EXEC optimistic increments from %d clients" % INCREMENTERS, check_optimistic_increments),
    ("readers never see half of a transaction", check_no_half_transaction),
    ("WATCH fails EXEC after a write from another io-thread", check_watch_write_other_thread),
    ("WATCH fails EXEC after the key expires", check_watch_expiry),
    ("WATCH fails EXEC after FLUSHALL/FLUSHDB of the key", check_watch_flushall),
    ("WATCH fails EXEC after SWAPDB brings or takes the key", check_watch_swapdb),
    ("a blocked client is served by a transaction's push", check_blocked_client_served_by_exec),
]


def main():
    global PORT, SCALE, REDIS
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default=os.path.join(root, "build", "src", "strata-server"))
    ap.add_argument("--io-threads", type=int, default=4)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--redis", default=None, help="redis-server binary, for the throughput ratio")
    args = ap.parse_args()
    SCALE, REDIS = args.scale, args.redis
    tally = Tally()
    try:
        server = Server([args.strata, "--io-threads", str(args.io_threads)])
    except RuntimeError as e:
        tally.fail("server start", e)
        return tally.summary("transactions")
    PORT = server.port
    try:
        for name, fn in CHECKS:
            tally.run(name, fn)
    finally:
        tally.server_stopped("the server ran clean", server)
    return tally.summary("transactions")


if __name__ == "__main__":
    sys.exit(main())
