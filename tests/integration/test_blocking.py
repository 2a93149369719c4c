#!/usr/bin/python3
"""Blocking commands with real clients across io-threads.

Usage: test_blocking.py [--strata build/src/strata-server] [--port P] [--io-threads 4] [--attach PORT]

Starts the server on a free port (from $STRATA_TEST_PORTS when it is set) or --port, with
--io-threads 4, runs each check on its own connections (connections are handed to io-threads round
robin, so the clients of one check land on different threads), prints one line per check and ends
with "blocking: N passed, N failed"; exits non-zero on failure. The last check is that the server
ran clean: it did not exit, it exited with status 0 when stopped and printed no sanitizer report
(run it with --strata build-tsan/src/strata-server to have ThreadSanitizer watch the checks).
--attach runs the checks against a server already listening on PORT instead (use it with
redis-server to check the checks). Needs Debian's python3-redis.

Whether a client has blocked yet is read from INFO's blocked_clients: a server without it fails
the checks that wait for it.
"""
import socket
import sys
import threading
import time

import redis

from testlib import Background, encode, run_checks

PORT = 0


def conn(**kw):
    return redis.Redis(host="127.0.0.1", port=PORT, socket_timeout=30, **kw)


def blocked_clients(r):
    """INFO's blocked_clients; raises (failing the check) when INFO errs or lacks the field."""
    return int(r.info("clients")["blocked_clients"])


def wait_blocked(r, n, timeout=5, exactly=False):
    """Waits until at least n clients (exactly n, when `exactly`) are blocked; raises
    AssertionError when that is not so within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        count = blocked_clients(r)
        if count == n or (count > n and not exactly):
            return
        if time.monotonic() > deadline:
            raise AssertionError("expected %s%d blocked clients, INFO says %d" % (
                "" if exactly else "at least ", n, count))
        time.sleep(0.005)


def block(fn, r, n):
    """Starts blocking call fn on a thread and waits until n clients are blocked."""
    b = Background(fn)
    wait_blocked(r, n)
    return b


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def expect_eq(got, want, what=""):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want) if what else "got %r, want %r" % (got, want))


def still_blocked(b, r, wait=0.2):
    """True if INFO (asked on r) still counts one blocked client and the Background call b has not
    returned after `wait` seconds. A push serves waiters before the pushing connection's next
    command, so INFO right after the command tells; the wait catches a reply sent without
    unblocking."""
    return blocked_clients(r) == 1 and not b.done.wait(wait)


# ---- Checks. Each uses fresh connections; keys are per check.


def check_first_blocked_first_served():
    admin = conn()
    admin.delete("fifo")
    clients = [conn() for _ in range(6)]
    waiters = [block(lambda c=c: c.blpop("fifo", 10), admin, i + 1) for i, c in enumerate(clients)]
    # One push at a time: each serves the client that blocked first among those still waiting.
    for i in range(len(waiters)):
        admin.lpush("fifo", "job%d" % i)
    for i, w in enumerate(waiters):
        expect_eq(w.result(), (b"fifo", b"job%d" % i), "client %d" % i)
    expect_eq(admin.llen("fifo"), 0, "LLEN after the pushes")


def check_one_push_serves_many():
    admin = conn()
    admin.delete("many", "many2")
    clients = [conn() for _ in range(4)]
    waiters = [block(lambda c=c: c.brpop("many", 10), admin, i + 1) for i, c in enumerate(clients)]
    # One RPUSH of 5: the four waiters take one each, in the order they blocked, before the next
    # command of the pushing connection runs; one element is left.
    p = admin.pipeline(transaction=False)
    p.rpush("many", "a", "b", "c", "d", "e")
    p.lrange("many", 0, -1)
    pushed, left = p.execute()
    expect_eq(pushed, 5, "RPUSH reply")
    expect_eq(left, [b"a"], "left after serving")
    expect_eq([w.result() for w in waiters], [(b"many", x) for x in (b"e", b"d", b"c", b"b")], "served")


def check_served_before_next_command():
    admin = conn()
    admin.delete("next")
    waiter_conn = conn()
    failures = 0
    for _ in range(50):
        w = block(lambda: waiter_conn.blpop("next", 10), admin, 1)
        p = admin.pipeline(transaction=False)
        p.rpush("next", "x")
        p.llen("next")
        p.lpop("next")
        _, length, popped = p.execute()
        if length != 0 or popped is not None:
            failures += 1
        expect_eq(w.result(), (b"next", b"x"), "waiter")
    expect_eq(failures, 0, "pushes whose next command still saw the element (of 50)")


def check_waiter_on_several_keys():
    admin = conn()
    admin.delete("mk1", "mk2", "mk3")
    w = block(lambda: conn().blpop(["mk1", "mk2", "mk3"], 10), admin, 1)
    admin.rpush("mk3", "three")
    expect_eq(w.result(), (b"mk3", b"three"))
    w = block(lambda: conn().brpop(["mk1", "mk2", "mk3"], 10), admin, 1)
    admin.rpush("mk2", "two")
    expect_eq(w.result(), (b"mk2", b"two"))
    w = block(lambda: conn().execute_command("BLMPOP", 10, 3, "mk1", "mk2", "mk3", "LEFT", "COUNT", 5), admin, 1)
    admin.rpush("mk1", "a", "b", "c")
    expect_eq(w.result(), [b"mk1", [b"a", b"b", b"c"]])
    expect_eq(admin.exists("mk1", "mk2", "mk3"), 0, "keys left")


def check_timeouts():
    admin = conn()
    admin.delete("nokey")
    cases = [
        ("BLPOP 0.1", 0.1, lambda c: c.execute_command("BLPOP", "nokey", "0.1")),
        ("BLPOP 0.5", 0.5, lambda c: c.execute_command("BLPOP", "nokey", "0.5")),
        ("BRPOP 0.25", 0.25, lambda c: c.execute_command("BRPOP", "nokey", "nokey2", "0.25")),
        ("BLMOVE 0.1", 0.1, lambda c: c.execute_command("BLMOVE", "nokey", "dst", "LEFT", "RIGHT", "0.1")),
        ("BRPOPLPUSH 0.1", 0.1, lambda c: c.execute_command("BRPOPLPUSH", "nokey", "dst", "0.1")),
        ("BLMPOP 0.1", 0.1, lambda c: c.execute_command("BLMPOP", "0.1", 1, "nokey", "LEFT")),
        ("BZPOPMIN 0.1", 0.1, lambda c: c.execute_command("BZPOPMIN", "nokey", "0.1")),
        ("BZPOPMAX 0.5", 0.5, lambda c: c.execute_command("BZPOPMAX", "nokey", "0.5")),
        ("BZMPOP 0.1", 0.1, lambda c: c.execute_command("BZMPOP", "0.1", 1, "nokey", "MIN")),
    ]
    runs = [(name, t, Background(lambda f=f: f(conn()))) for name, t, f in cases]
    worst = 0
    for name, t, b in runs:
        expect_eq(b.result(), None, name)
        # Redis checks timeouts at 100 ms granularity (hz 10); allow that plus scheduling.
        expect(t - 0.002 <= b.elapsed() <= t + 0.15, "%s returned after %.3fs" % (name, b.elapsed()))
        worst = max(worst, b.elapsed() - t)
    # A timed-out client is gone: the next push stays in the list.
    admin.rpush("nokey", "kept")
    expect_eq(admin.llen("nokey"), 1, "LLEN after the timeouts")
    return "latest %.0f ms after its timeout" % (worst * 1000)


def check_type_change_and_delete_wake_nobody():
    admin = conn()
    admin.delete("tc", "tz")
    w = block(lambda: conn().blpop("tc", 10), admin, 1)
    admin.set("tc", "a string")
    expect(still_blocked(w, admin), "SET woke the list waiter")
    admin.delete("tc")
    expect(still_blocked(w, admin), "DEL woke the list waiter")
    admin.hset("tc", "f", "v")
    expect(still_blocked(w, admin), "HSET woke the list waiter")
    admin.delete("tc")
    admin.rpush("tc", "real")
    expect_eq(w.result(), (b"tc", b"real"), "served by a later push")

    # A sorted-set waiter is not served by a list appearing under its key.
    w = block(lambda: conn().bzpopmin("tz", 10), admin, 1)
    admin.rpush("tz", "x")
    expect(still_blocked(w, admin), "a list at the key served the sorted-set waiter")
    admin.delete("tz")
    admin.zadd("tz", {"m": 1.5})
    expect_eq(w.result(), (b"tz", b"m", 1.5), "served by ZADD")
    expect_eq(admin.exists("tz"), 0, "zset left")


def check_moves_chain():
    admin = conn()
    admin.delete("ch1", "ch2", "ch3", "ch4")
    w1 = block(lambda: conn().blmove("ch1", "ch2", 10, "LEFT", "RIGHT"), admin, 1)
    w2 = block(lambda: conn().blmove("ch2", "ch3", 10, "LEFT", "LEFT"), admin, 2)
    w3 = block(lambda: conn().brpoplpush("ch3", "ch4", 10), admin, 3)
    p = admin.pipeline(transaction=False)
    p.rpush("ch1", "token")
    for k in ("ch1", "ch2", "ch3", "ch4"):
        p.lrange(k, 0, -1)
    res = p.execute()
    # The element travels the whole chain before the pushing connection's next command.
    expect_eq(res[1:], [[], [], [], [b"token"]], "lists after the push")
    expect_eq([w1.result(), w2.result(), w3.result()], [b"token"] * 3, "replies")


def check_move_wrongtype_destination():
    admin = conn()
    admin.delete("wsrc", "wdst")
    w = block(lambda: conn().blmove("wsrc", "wdst", 10, "LEFT", "RIGHT"), admin, 1)
    admin.set("wdst", "string")
    w2 = block(lambda: conn().blpop("wsrc", 10), admin, 2)
    admin.rpush("wsrc", "e")
    try:
        w.result()
        raise AssertionError("BLMOVE into a string did not fail")
    except redis.ResponseError as e:
        expect(str(e).startswith("WRONGTYPE"), "error %r" % str(e))
    # The element stays for the next waiter in line.
    expect_eq(w2.result(), (b"wsrc", b"e"), "next waiter")


def check_moves_under_load():
    admin = conn()
    admin.delete("ms", "md")
    n_items, n_movers, n_producers = 4000, 4, 3
    stop = threading.Event()

    def mover():
        c = conn()
        moved = 0
        while True:
            v = c.execute_command("BLMOVE", "ms", "md", "RIGHT", "LEFT", "0.2")
            if v is None:
                if stop.is_set():
                    return moved
                continue
            moved += 1

    def producer(k):
        c = conn()
        p = c.pipeline(transaction=False)
        for i in range(k, n_items, n_producers):
            p.lpush("ms", "item%d" % i)
            if len(p) >= 50:
                p.execute()
        p.execute()

    movers = [Background(mover) for _ in range(n_movers)]
    producers = [Background(lambda k=k: producer(k)) for k in range(n_producers)]
    for p in producers:
        p.result(60)
    deadline = time.monotonic() + 30
    while admin.llen("ms") and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    moved = sum(m.result(30) for m in movers)
    items = admin.lrange("md", 0, -1)
    expect_eq(admin.llen("ms"), 0, "source left")
    expect_eq(moved, n_items, "moves replied")
    expect_eq(len(items), n_items, "destination length")
    expect_eq(len(set(items)), n_items, "distinct items in the destination")


def check_zset_pops_served_by_zadd():
    admin = conn()
    admin.delete("bz", "bz2")
    w1 = block(lambda: conn().bzpopmin("bz", 10), admin, 1)
    w2 = block(lambda: conn().execute_command("BZMPOP", 10, 1, "bz", "MIN", "COUNT", 2), admin, 2)
    w3 = block(lambda: conn().bzpopmax(["bz2", "bz"], 10), admin, 3)
    p = admin.pipeline(transaction=False)
    p.zadd("bz", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
    p.zrange("bz", 0, -1)
    _, left = p.execute()
    expect_eq(w1.result(), (b"bz", b"a", 1.0), "BZPOPMIN")
    expect_eq(w2.result(), [b"bz", [[b"b", b"2"], [b"c", b"3"]]], "BZMPOP")
    expect_eq(w3.result(), (b"bz", b"e", 5.0), "BZPOPMAX")
    expect_eq(left, [b"d"], "left after serving")
    # ZINCRBY creating the key serves too; an update of an existing member does not.
    w = block(lambda: conn().bzpopmax("bz2", 10), admin, 1)
    admin.zincrby("bz2", 7, "z")
    expect_eq(w.result(), (b"bz2", b"z", 7.0), "served by ZINCRBY")


def raw_conn():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    return s


def check_pipeline_waits_for_blocked_command():
    admin = conn()
    admin.delete("pl", "plcount")
    s = raw_conn()
    s.sendall(encode("BLPOP", "pl", 10) + encode("PING") + encode("INCR", "plcount") + encode("LLEN", "pl")
              + encode("RPUSH", "pl", "self") + encode("LPOP", "pl"))
    wait_blocked(admin, 1)
    s.settimeout(0.3)
    try:
        early = s.recv(4096)
    except socket.timeout:
        early = b""
    expect_eq(early, b"", "replies before the blocked command was served")
    expect_eq(admin.get("plcount"), None, "INCR after BLPOP ran early")
    admin.rpush("pl", "x")
    want = b"*2\r\n$2\r\npl\r\n$1\r\nx\r\n+PONG\r\n:1\r\n:0\r\n:1\r\n$4\r\nself\r\n"
    s.settimeout(10)
    got = b""
    while len(got) < len(want):
        d = s.recv(4096)
        if not d:
            break
        got += d
    s.close()
    expect_eq(got, want, "pipelined replies")


def check_disconnected_waiter_leaves_nothing():
    admin = conn()
    admin.delete("dc")
    s = raw_conn()
    s.sendall(encode("BLPOP", "dc", 0))
    wait_blocked(admin, 1)
    s.close()
    # Once the server has seen the close, no blocked client remains to take the push.
    wait_blocked(admin, 0, exactly=True)
    expect_eq(admin.rpush("dc", "kept"), 1, "RPUSH reply")
    expect_eq(admin.llen("dc"), 1, "LLEN after pushing past a closed waiter")
    admin.delete("dc")
    # Of two waiters, the first disconnects: the second still gets the next push.
    s = raw_conn()
    s.sendall(encode("BLPOP", "dc", 0))
    wait_blocked(admin, 1)
    w = block(lambda: conn().blpop("dc", 10), admin, 2)
    s.close()
    wait_blocked(admin, 1, exactly=True)
    admin.rpush("dc", "v")
    expect_eq(w.result(), (b"dc", b"v"), "second waiter")
    expect_eq(admin.llen("dc"), 0, "left")


def check_client_unblock():
    admin = conn()
    admin.delete("cu")
    c = conn()
    cid = c.client_id()
    w = block(lambda: c.blpop("cu", 0), admin, 1)
    expect_eq(admin.execute_command("CLIENT", "UNBLOCK", cid), 1, "CLIENT UNBLOCK reply")
    expect_eq(w.result(), None, "unblocked with the timeout reply")
    expect_eq(admin.execute_command("CLIENT", "UNBLOCK", cid), 0, "second CLIENT UNBLOCK")
    w = block(lambda: c.bzpopmin("cu", 0), admin, 1)
    expect_eq(admin.execute_command("CLIENT", "UNBLOCK", cid, "ERROR"), 1, "CLIENT UNBLOCK ERROR reply")
    try:
        w.result()
        raise AssertionError("no error after CLIENT UNBLOCK ERROR")
    except redis.ResponseError as e:
        expect_eq(str(e), "UNBLOCKED client unblocked via CLIENT UNBLOCK", "error")
    admin.rpush("cu", "kept")
    expect_eq(admin.llen("cu"), 1, "LLEN after unblocking")


def check_job_queue():
    admin = conn()
    admin.delete("jobs")
    n_jobs, n_producers, n_workers = 100000, 4, 6
    consumed = [[] for _ in range(n_workers)]

    def worker(i):
        c = conn()
        out = consumed[i]
        while True:
            _, job = c.brpop("jobs", 0)
            if job == b"stop":
                return
            out.append(job)

    def producer(k):
        c = conn()
        p = c.pipeline(transaction=False)
        batch = []
        for j in range(k, n_jobs, n_producers):
            batch.append(b"%d" % j)
            # Mix single pushes with multi-element ones.
            if len(batch) == (1 if j % 3 else 7):
                p.lpush("jobs", *batch)
                batch = []
            if len(p) >= 100:
                p.execute()
        if batch:
            p.lpush("jobs", *batch)
        p.execute()

    start = time.monotonic()
    workers = [Background(lambda i=i: worker(i)) for i in range(n_workers)]
    producers = [Background(lambda k=k: producer(k)) for k in range(n_producers)]
    for p in producers:
        p.result(120)
    # Workers take jobs from the right, so the stops, pushed on the left last, come after every job.
    admin.lpush("jobs", *([b"stop"] * n_workers))
    for w in workers:
        w.result(120)
    took = time.monotonic() - start
    everything = [j for out in consumed for j in out]
    distinct = set(everything)
    missing = n_jobs - len(distinct & {b"%d" % j for j in range(n_jobs)})
    expect_eq(len(everything), n_jobs, "jobs consumed")
    expect_eq(len(distinct), n_jobs, "distinct jobs consumed")
    expect_eq(missing, 0, "jobs lost")
    expect_eq(admin.llen("jobs"), 0, "jobs left")
    expect(took < 120, "took %.1fs" % took)
    return "%d jobs, %d producers, %d workers, %.1fs, per worker %s" % (
        n_jobs, n_producers, n_workers, took, [len(c) for c in consumed])


CHECKS = [
    ("first blocked, first served", check_first_blocked_first_served),
    ("one push of N elements serves N waiters", check_one_push_serves_many),
    ("a waiter is served before the pushing connection's next command", check_served_before_next_command),
    ("a waiter on several keys is served by whichever gets data", check_waiter_on_several_keys),
    ("timeouts honoured to the 100 ms", check_timeouts),
    ("SET, DEL and other types wake nobody; a later push serves", check_type_change_and_delete_wake_nobody),
    ("BLMOVE/BRPOPLPUSH chain moves one element through every list at once", check_moves_chain),
    ("BLMOVE into a key of another type fails; the element stays for the next waiter",
     check_move_wrongtype_destination),
    ("BLMOVE moves every item exactly once under load", check_moves_under_load),
    ("BZPOPMIN, BZMPOP, BZPOPMAX served by ZADD in order", check_zset_pops_served_by_zadd),
    ("pipelined commands after a blocking command wait for it", check_pipeline_waits_for_blocked_command),
    ("a disconnected waiter leaves nothing behind", check_disconnected_waiter_leaves_nothing),
    ("CLIENT UNBLOCK", check_client_unblock),
    ("job queue: every job consumed exactly once", check_job_queue),
]


def use_port(port):
    global PORT
    PORT = port


if __name__ == "__main__":
    sys.exit(run_checks("blocking", CHECKS, use_port))
