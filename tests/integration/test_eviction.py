#!/usr/bin/python3
"""maxmemory and the eviction policies against the real binary.

Usage: test_eviction.py [--strata build/src/strata-server] [--attach PORT]

Each check sets maxmemory relative to the server's used_memory at the time, fills the keyspace,
and looks at what was evicted. Prints one line per check and ends with
"eviction: N passed, N failed"; exits non-zero on failure. `--attach` to a redis-server 7.0
started with `--save ""` and a --logfile checks the checks.
"""
import os
import sys
import tempfile
import time

from testlib import Conn, ReplyError, encode, expect, expect_eq, run_checks, value, wait_until

PORT = None
VALUE = "x" * 1000
MB = 1 << 20


def info(c, section):
    out = {}
    for line in c.call("INFO", section).decode().splitlines():
        if ":" in line:
            k, _, v = line.partition(":")
            out[k] = v
    return out


def used(c):
    return int(info(c, "memory")["used_memory"])


def evicted(c):
    return int(info(c, "stats")["evicted_keys"])


def pipeline(c, commands):
    """Sends every command at once and returns the replies in order; an error reply is returned
    as its ReplyError instead of raised."""
    c.send(b"".join(encode(*cmd) for cmd in commands))
    out = []
    for _ in commands:
        try:
            out.append(value(c.read_reply()[1]))
        except ReplyError as e:
            out.append(e)
    return out


def fresh(c, policy):
    """An empty keyspace, no limit, the given policy."""
    c.call("CONFIG", "SET", "maxmemory", "0")
    c.call("FLUSHALL")
    c.call("CONFIG", "SET", "maxmemory-policy", policy)


def fill(c, prefix, n, ttl=None):
    cmds = [("SET", "%s:%d" % (prefix, i), VALUE) + (("EX", "1000") if ttl else ()) for i in range(n)]
    replies = []
    for start in range(0, n, 500):
        replies += pipeline(c, cmds[start:start + 500])
    return replies


def exists_count(c, prefix, n):
    replies = []
    for start in range(0, n, 500):
        replies += pipeline(c, [("EXISTS", "%s:%d" % (prefix, i)) for i in range(start, min(n, start + 500))])
    return sum(int(r) for r in replies)


def check_noeviction_refuses_and_loses_nothing():
    c = Conn(PORT)
    fresh(c, "noeviction")
    c.call("CONFIG", "SET", "maxmemory", str(used(c) + 3 * MB))
    replies = fill(c, "k", 6000)
    ok = sum(1 for r in replies if r == b"OK")
    errors = [r for r in replies if isinstance(r, ReplyError)]
    expect(errors, "no write was refused")
    expect_eq(str(errors[0]), "OOM command not allowed when used memory > 'maxmemory'.", "the error")
    expect_eq(int(c.call("DBSIZE")), ok, "every accepted write is kept")
    expect_eq(evicted(c), 0, "evicted_keys")
    # Reads, deletes and non-denyoom commands keep working at the limit.
    expect_eq(c.call("GET", "k:0"), VALUE.encode(), "GET at the limit")
    expect_eq(c.call("DEL", "k:0"), b"1", "DEL at the limit")
    expect_eq(c.call("PING"), b"PONG", "PING at the limit")
    # Queuing inside MULTI is refused too, and EXEC then aborts.
    c.call("CONFIG", "SET", "maxmemory", "1")
    c.call("MULTI")
    try:
        c.call("SET", "in-multi", "v")
        raise AssertionError("SET queued at the limit")
    except ReplyError as e:
        expect(str(e).startswith("OOM"), "queuing refused with OOM: %s" % e)
    try:
        c.call("EXEC")
        raise AssertionError("EXEC ran")
    except ReplyError as e:
        expect(str(e).startswith("EXECABORT"), "EXEC aborted: %s" % e)
    c.call("CONFIG", "SET", "maxmemory", "0")
    return "%d writes accepted" % ok


def check_allkeys_policies_evict_down_to_the_limit():
    notes = []
    for policy in ("allkeys-lru", "allkeys-lfu", "allkeys-random"):
        c = Conn(PORT)
        fresh(c, policy)
        c.call("CONFIG", "SET", "maxmemory", str(used(c) + 4 * MB))
        replies = fill(c, "k", 10000)
        expect(all(r == b"OK" for r in replies), "%s: every write accepted" % policy)
        n = int(c.call("DBSIZE"))
        expect(3000 < n < 10000, "%s: keys left %d" % (policy, n))
        expect(evicted(c) >= 10000 - n, "%s: evicted_keys counts the evictions" % policy)
        limit = int(c.call("CONFIG", "GET", "maxmemory")[1])
        expect(used(c) <= limit + MB, "%s: used_memory %d near maxmemory %d" % (policy, used(c), limit))
        notes.append("%s kept %d" % (policy, n))
        c.call("CONFIG", "SET", "maxmemory", "0")
    return ", ".join(notes)


def check_volatile_policies_never_touch_persistent_keys():
    notes = []
    for policy in ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"):
        c = Conn(PORT)
        fresh(c, policy)
        base = used(c)
        fill(c, "p", 2000)
        fill(c, "t", 2000, ttl=True)
        grown = used(c) - base
        # Room for the persistent keys and about half of the volatile ones.
        c.call("CONFIG", "SET", "maxmemory", str(base + grown * 3 // 4))
        replies = fill(c, "t2", 3000, ttl=True)
        expect_eq(exists_count(c, "p", 2000), 2000, "%s: persistent keys kept" % policy)
        expect(evicted(c) > 0, "%s: something was evicted" % policy)
        # Once only persistent keys are left, writes are refused.
        c.call("CONFIG", "SET", "maxmemory", str(base + grown // 4))
        late = fill(c, "p2", 200)
        expect(any(isinstance(r, ReplyError) and str(r).startswith("OOM") for r in late),
               "%s: OOM once only persistent keys are left" % policy)
        expect_eq(exists_count(c, "p", 2000), 2000, "%s: persistent keys still kept" % policy)
        notes.append("%s accepted %d/3000" % (policy, sum(1 for r in replies if r == b"OK")))
        c.call("CONFIG", "SET", "maxmemory", "0")
    return ", ".join(notes)


def check_volatile_ttl_evicts_nearest_deadline_first():
    c = Conn(PORT)
    fresh(c, "volatile-ttl")
    base = used(c)
    pipeline(c, [("SET", "near:%d" % i, VALUE, "EX", "100") for i in range(1000)])
    pipeline(c, [("SET", "far:%d" % i, VALUE, "EX", "100000") for i in range(1000)])
    grown = used(c) - base
    c.call("CONFIG", "SET", "maxmemory", str(base + grown * 2 // 3))
    c.call("SET", "trigger", "x")
    near, far = exists_count(c, "near", 1000), exists_count(c, "far", 1000)
    expect(far > 900 and near < 700, "far deadlines kept (%d), near ones evicted (%d left)" % (far, near))
    c.call("CONFIG", "SET", "maxmemory", "0")
    return "near left %d, far left %d" % (near, far)


def check_lowering_maxmemory_evicts_without_commands():
    c = Conn(PORT)
    fresh(c, "allkeys-random")
    base = used(c)
    fill(c, "k", 8000)
    target = base + (used(c) - base) // 2
    c.call("CONFIG", "SET", "maxmemory", str(target))
    # Only INFO and DBSIZE from here on: the server's own timer evicts.
    wait_until(lambda: used(c) <= target, "used_memory under the lowered maxmemory")
    n = int(c.call("DBSIZE"))
    expect(n < 8000, "keys were evicted (%d left)" % n)
    c.call("CONFIG", "SET", "maxmemory", "0")
    return "%d keys left" % n


def check_lru_keeps_recently_touched_keys():
    c = Conn(PORT)
    fresh(c, "allkeys-lru")
    c.call("CONFIG", "SET", "maxmemory", str(used(c) + 8 * MB))
    fill(c, "old", 3000)
    time.sleep(3.2)  # the LRU clock counts seconds; the flood itself may take a second or two
    pipeline(c, [("GET", "old:%d" % i) for i in range(0, 3000, 2)])  # the even ones are touched
    fill(c, "new", 8000)
    hot = sum(int(r) for r in pipeline(c, [("EXISTS", "old:%d" % i) for i in range(0, 3000, 2)]))
    cold = sum(int(r) for r in pipeline(c, [("EXISTS", "old:%d" % i) for i in range(1, 3000, 2)]))
    expect(hot > 1500 * 0.5 and hot > cold * 2 + 200, "touched keys survive far more often: %d vs %d" % (hot, cold))
    c.call("CONFIG", "SET", "maxmemory", "0")
    return "touched kept %d/1500, untouched %d/1500" % (hot, cold)


def check_object_freq_and_idletime():
    c = Conn(PORT)
    fresh(c, "allkeys-lru")
    c.call("SET", "k", "v")
    try:
        c.call("OBJECT", "FREQ", "k")
        raise AssertionError("OBJECT FREQ answered under LRU")
    except ReplyError as e:
        expect(str(e).startswith("ERR An LFU maxmemory policy is not selected"), str(e))
    time.sleep(2.1)
    idle = int(c.call("OBJECT", "IDLETIME", "k"))
    expect(idle >= 1, "IDLETIME after 2 s: %d" % idle)
    c.call("GET", "k")
    expect_eq(int(c.call("OBJECT", "IDLETIME", "k")), 0, "IDLETIME after GET")
    c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    c.call("SET", "f", "v")
    expect_eq(int(c.call("OBJECT", "FREQ", "f")), 5, "FREQ of a new key")
    pipeline(c, [("GET", "f")] * 2000)
    freq = int(c.call("OBJECT", "FREQ", "f"))
    expect(10 < freq < 60, "FREQ after 2000 reads: %d" % freq)
    try:
        c.call("OBJECT", "IDLETIME", "f")
        raise AssertionError("OBJECT IDLETIME answered under LFU")
    except ReplyError as e:
        expect(str(e).startswith("ERR An LFU maxmemory policy is selected, idle time not tracked"), str(e))
    expect_eq(c.call("OBJECT", "FREQ", "missing"), None, "FREQ of a missing key")
    return "FREQ %d after 2000 reads" % freq


def check_lowering_maxmemory_below_usage_logs_a_warning():
    c = Conn(PORT)
    fresh(c, "allkeys-random")
    fill(c, "k", 2000)
    logfile = c.call("CONFIG", "GET", "logfile")[1].decode()
    expect(logfile != "", "the server logs to a file")
    with open(logfile, "rb") as f:
        before = f.read().count(b"WARNING: the new maxmemory value")
    c.call("CONFIG", "SET", "maxmemory", str(used(c) + 64 * MB))
    limit = used(c) // 2
    c.call("CONFIG", "SET", "maxmemory", str(limit))
    want = b"WARNING: the new maxmemory value set via CONFIG SET (%d) is smaller than the current memory usage (" % limit

    def logged():
        with open(logfile, "rb") as f:
            text = f.read()
        return text.count(b"WARNING: the new maxmemory value") == before + 1 and want in text

    try:
        wait_until(logged, "one warning, for the limit under the usage only")
    finally:
        c.call("CONFIG", "SET", "maxmemory", "0")
    return "logged"


def check_evicted_notification():
    c = Conn(PORT)
    s = Conn(PORT)
    fresh(c, "allkeys-random")
    c.call("CONFIG", "SET", "notify-keyspace-events", "Ee")
    try:
        s.send(encode("SUBSCRIBE", "__keyevent@0__:evicted"))
        value(s.read_reply()[1])
        fill(c, "k", 200)
        c.call("CONFIG", "SET", "maxmemory", "1")
        # Every key goes (by the commands' eviction budget, then the cron's), and a SET is then
        # refused: nothing is left to evict.
        msg = value(s.read_reply()[1])
        expect_eq(msg[:2], [b"message", b"__keyevent@0__:evicted"], "notification")
        expect(msg[2].startswith(b"k:"), "evicted key %r" % msg[2])
        wait_until(lambda: int(c.call("DBSIZE")) == 0, "every key evicted")
        expect_eq(pipeline(c, [("SET", "trigger", "x")])[0].args[0],
                  "OOM command not allowed when used memory > 'maxmemory'.", "SET under maxmemory 1")
    finally:
        c.call("CONFIG", "SET", "maxmemory", "0")
        c.call("CONFIG", "SET", "notify-keyspace-events", "")
    s.close()


CHECKS = [
    ("noeviction answers OOM and loses nothing; reads and DEL work", check_noeviction_refuses_and_loses_nothing),
    ("allkeys-* evict down to maxmemory", check_allkeys_policies_evict_down_to_the_limit),
    ("volatile-* never evict persistent keys", check_volatile_policies_never_touch_persistent_keys),
    ("volatile-ttl evicts the nearest deadlines first", check_volatile_ttl_evicts_nearest_deadline_first),
    ("lowering maxmemory evicts down to it", check_lowering_maxmemory_evicts_without_commands),
    ("allkeys-lru keeps recently touched keys", check_lru_keeps_recently_touched_keys),
    ("OBJECT FREQ and IDLETIME", check_object_freq_and_idletime),
    ("evicted keyspace notification", check_evicted_notification),
    ("maxmemory under the usage logs Redis's warning", check_lowering_maxmemory_below_usage_logs_a_warning),
]


def use_port(port):
    global PORT
    PORT = port


if __name__ == "__main__":
    log_dir = tempfile.mkdtemp(prefix="strata-eviction-")
    sys.exit(run_checks("eviction", CHECKS, use_port, server_args=("--logfile", os.path.join(log_dir, "strata.log"))))
