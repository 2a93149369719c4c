#!/usr/bin/python3
"""Lua scripts (EVAL, EVALSHA) and functions (FCALL) with real clients across io-threads: redis-py's
Script objects, a lock and a rate limiter under concurrent clients, atomicity over undeclared keys,
redis-py's function API (function_load, fcall, DUMP/RESTORE), and libraries replaced while clients
on every io-thread call them.

Usage: test_scripting.py [--strata build/src/strata-server] [--io-threads 4] [--scale 1.0]
                         [--redis redis-server]

Starts Strata on a free port (from $STRATA_TEST_PORTS when it is set) with --io-threads 4; each
check opens its own connections (handed to io-threads round robin, so concurrent clients run on
different threads). Prints one line per check and ends with "scripting: N passed, N failed"; the
last check is that the server ran clean (run it with build-tsan/src/strata-server to have
ThreadSanitizer watch). --scale multiplies the iteration counts. With --redis, every check also
runs against redis-server first, which checks the checks.
"""
import argparse
import sys
import threading

import redis

from testlib import Background, Tally, run_checks_on

SCALE = 1.0

# A lock: taken with SET NX PX, released by a script only by the client that holds it.
RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""

# A token bucket at a fixed instant (ARGV[2]) so the result is exact: capacity ARGV[1], one
# token per call while any is left.
TAKE_TOKEN = """
local capacity = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local b = redis.call('hmget', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or capacity
local ts = tonumber(b[2]) or now
tokens = math.min(capacity, tokens + (now - ts))
if tokens < 1 then
  redis.call('hset', KEYS[1], 'tokens', tokens, 'ts', now)
  return 0
end
redis.call('hset', KEYS[1], 'tokens', tokens - 1, 'ts', now)
return 1
"""

# Moves ARGV[1] units between two accounts it does not declare (numkeys 0).
MOVE_UNDECLARED = """
local a = tonumber(redis.call('get', 'acct:a'))
local b = tonumber(redis.call('get', 'acct:b'))
local n = tonumber(ARGV[1])
redis.call('set', 'acct:a', a - n)
redis.call('set', 'acct:b', b + n)
return a + b
"""

# Declares acct:a only; with ARGV[2] == 'stray' it also moves to acct:c, which it does not declare.
# Its first runs (not straying) teach the server that it touches only its declared key, so its
# straying runs start holding only acct:a's stripe and must take acct:c's while running.
MOVE_STRAY = """
local a = tonumber(redis.call('get', KEYS[1]))
if ARGV[2] ~= 'stray' then
  return a
end
local c = tonumber(redis.call('get', 'acct:c'))
local n = tonumber(ARGV[1])
redis.call('set', KEYS[1], a - n)
redis.call('set', 'acct:c', c + n)
return a + c
"""

# Reads the accounts in one script (a snapshot).
SUM = "return tonumber(redis.call('get', 'acct:a')) + tonumber(redis.call('get', 'acct:b')) + tonumber(redis.call('get', 'acct:c'))"

TOTAL = 3000


def scaled(n):
    return max(1, int(n * SCALE))


def run_threads(targets):
    """Runs each callable on its own thread; re-raises the first exception any of them raised."""
    for job in [Background(fn) for fn in targets]:
        job.result(timeout=600)


def check_script_objects(port):
    r = redis.Redis(port=port)
    r.flushall()
    incr = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
    got = [incr(keys=["c"], args=[5]), incr(keys=["c"], args=[2])]
    if got != [5, 7]:
        raise AssertionError("register_script calls returned %r" % got)
    # After SCRIPT FLUSH the object gets NOSCRIPT and loads the script again.
    r.script_flush()
    if incr(keys=["c"], args=[1]) != 8:
        raise AssertionError("Script object after SCRIPT FLUSH")
    if r.script_exists(incr.sha) != [True]:
        raise AssertionError("SCRIPT EXISTS of a loaded script")
    pipe = r.pipeline()
    incr(keys=["c"], args=[10], client=pipe)
    incr(keys=["c"], args=[10], client=pipe)
    if pipe.execute() != [18, 28]:
        raise AssertionError("Script objects in a pipeline")
    r.set("s", "x")
    try:
        r.eval("return redis.call('incr', KEYS[1])", 1, "s")
    except redis.ResponseError as e:
        if "not an integer" not in str(e):
            raise
    else:
        raise AssertionError("a failing redis.call did not raise")


# A library whose version is the value of VERSION: its function adds one to a counter and
# answers the version that ran.
COUNTER_LIBRARY = """#!lua name=counter
local VERSION = '%d'
redis.register_function('count', function(keys) redis.call('incr', keys[1]) return VERSION end)
redis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) end,
                        flags={'no-writes'}}
"""


def check_functions_redis_py(port):
    r = redis.Redis(port=port)
    r.flushall()
    r.function_flush()
    if r.function_load(COUNTER_LIBRARY % 1) != b"counter":
        raise AssertionError("function_load did not return the library name")
    got = [r.fcall("count", 1, "n"), r.fcall("count", 1, "n"), r.fcall_ro("peek", 1, "n")]
    if got != [b"1", b"1", b"2"]:
        raise AssertionError("fcall replies %r" % got)
    try:
        r.fcall_ro("count", 1, "n")
    except redis.ResponseError as e:
        if "write flag" not in str(e):
            raise
    else:
        raise AssertionError("FCALL_RO of a writing function did not fail")
    listed = r.function_list(library="count*", withcode=True)
    if len(listed) != 1 or listed[0][1] != b"counter" or listed[0][-1] != (COUNTER_LIBRARY % 1).encode():
        raise AssertionError("function_list %r" % listed)
    payload = r.function_dump()
    r.function_flush()
    if r.function_list() != []:
        raise AssertionError("function_flush left libraries")
    r.function_restore(payload)
    if r.fcall("count", 1, "n") != b"1" or r.function_list()[0][1] != b"counter":
        raise AssertionError("the restored library does not run")
    try:
        r.function_restore(payload)
    except redis.ResponseError as e:
        if "already exists" not in str(e):
            raise
    else:
        raise AssertionError("RESTORE APPEND over an existing library did not fail")
    changes = r.info("persistence")["rdb_changes_since_last_save"]
    r.function_restore(payload, "REPLACE")
    r.function_load(COUNTER_LIBRARY % 2, replace=True)
    changes = r.info("persistence")["rdb_changes_since_last_save"] - changes
    if changes != 2:
        raise AssertionError("a RESTORE and a LOAD counted %d changes since the last save, not 2" % changes)
    stats = r.function_stats()
    if stats != [b"running_script", None, b"engines", [b"LUA", [b"libraries_count", 1, b"functions_count", 2]]]:
        raise AssertionError("function_stats %r" % stats)


def check_functions_replaced(port):
    """Clients on every io-thread call a function while its library is replaced again and again:
    every call counts once, and after the last replacement every connection runs the last
    version (each thread's Lua state drops the libraries it loaded when the registry changes)."""
    r = redis.Redis(port=port)
    r.flushall()
    r.function_flush()
    r.function_load(COUNTER_LIBRARY % 0)
    calls = scaled(400)
    versions = scaled(40)
    clients = [redis.Redis(port=port) for _ in range(6)]

    def caller(c):
        for _ in range(calls):
            c.fcall("count", 1, "hits")

    def replacer():
        for v in range(1, versions + 1):
            r.function_load(COUNTER_LIBRARY % v, replace=True)

    run_threads([lambda c=c: caller(c) for c in clients] + [replacer])
    hits = int(r.get("hits"))
    if hits != calls * len(clients):
        raise AssertionError("%d calls counted %d times" % (calls * len(clients), hits))
    seen = {c.fcall("count", 1, "hits") for c in clients}
    if seen != {str(versions).encode()}:
        raise AssertionError("after the last replacement connections ran versions %r" % seen)
    return "%d calls, %d replacements" % (calls * len(clients), versions)


def check_lock(port):
    r = redis.Redis(port=port)
    r.delete("lock", "guarded")
    release = r.register_script(RELEASE)
    each = scaled(300)
    acquired = [0]
    counter_lock = threading.Lock()

    def worker(i):
        c = redis.Redis(port=port)
        mine = 0
        token = "owner-%d" % i
        while mine < each:
            if not c.set("lock", token, nx=True, px=10000):
                continue
            # The critical section: a read-modify-write no other holder may interleave with.
            v = int(c.get("guarded") or 0)
            c.set("guarded", v + 1)
            if release(keys=["lock"], args=[token], client=c) != 1:
                raise AssertionError("release of a held lock returned 0")
            # A release with a token nobody holds does nothing.
            if release(keys=["lock"], args=["nobody"], client=c) != 0:
                raise AssertionError("a release with a foreign token deleted the lock")
            mine += 1
        with counter_lock:
            acquired[0] += mine

    run_threads([lambda i=i: worker(i) for i in range(6)])
    got = int(r.get("guarded"))
    if got != acquired[0] or got != 6 * each:
        raise AssertionError("guarded counter %d after %d acquisitions" % (got, acquired[0]))
    return "%d critical sections" % got


def check_rate_limiter(port):
    r = redis.Redis(port=port)
    r.delete("bucket")
    capacity = scaled(2000)
    take = r.register_script(TAKE_TOKEN)
    granted = [0] * 8

    def worker(i):
        c = redis.Redis(port=port)
        for _ in range(capacity // 4):
            granted[i] += take(keys=["bucket"], args=[capacity, 1000], client=c)

    run_threads([lambda i=i: worker(i) for i in range(8)])
    if sum(granted) != capacity:
        raise AssertionError("granted %d tokens of %d" % (sum(granted), capacity))
    return "%d of %d calls granted" % (sum(granted), 2 * capacity)


def check_undeclared_atomic(port):
    r = redis.Redis(port=port)
    r.mset({"acct:a": TOTAL, "acct:b": 0, "acct:c": 0})
    move = r.register_script(MOVE_UNDECLARED)
    stray = r.register_script(MOVE_STRAY)
    total = r.register_script(SUM)
    # Teach the server that MOVE_STRAY touches only its declared key.
    for _ in range(3):
        stray(keys=["acct:a"], args=[1, "stay"])
    moves = scaled(3000)
    seen = [0]

    def mover(sign):
        c = redis.Redis(port=port)
        for i in range(moves):
            move(keys=[], args=[sign * (1 + i % 7)], client=c)

    def strayer(sign):
        c = redis.Redis(port=port)
        for i in range(moves):
            stray(keys=["acct:a"], args=[sign * (1 + i % 5), "stray"], client=c)

    def reader():
        c = redis.Redis(port=port)
        for _ in range(moves):
            # Plain MGET across the three keys, and a script reading them: both one instant.
            values = [int(v) for v in c.mget("acct:a", "acct:b", "acct:c")]
            if sum(values) != TOTAL:
                raise AssertionError("MGET saw a script half done: %r" % values)
            if total(client=c) != TOTAL:
                raise AssertionError("a script saw another half done")
            seen[0] += 1

    run_threads([lambda: mover(1), lambda: mover(-1), lambda: strayer(1), lambda: strayer(-1), reader, reader])
    values = [int(v) for v in r.mget("acct:a", "acct:b", "acct:c")]
    if sum(values) != TOTAL:
        raise AssertionError("the accounts sum to %d" % sum(values))
    return "%d snapshots read" % seen[0]


def main():
    global SCALE
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/src/strata-server")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--io-threads", type=int, default=4)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--redis", default=None, help="also run every check against this redis-server first")
    args = ap.parse_args()
    SCALE = args.scale
    checks = [
        ("redis-py register_script and Script objects", check_script_objects),
        ("a SET NX PX lock released by a script, 6 clients", check_lock),
        ("a token-bucket rate limiter, 8 clients, exact grants", check_rate_limiter),
        ("scripts over undeclared keys stay atomic under concurrent scripts and readers", check_undeclared_atomic),
        ("redis-py function_load, fcall, fcall_ro, function_list, DUMP/RESTORE", check_functions_redis_py),
        ("a library replaced while 6 clients call its function", check_functions_replaced),
    ]
    tally = Tally()
    targets = []
    if args.redis:
        targets.append(("redis-server", [args.redis]))
    targets.append(("strata", [args.strata, "--io-threads", str(args.io_threads)]))
    run_checks_on(tally, targets, checks, args.port)
    return tally.summary("scripting")


if __name__ == "__main__":
    sys.exit(main())
