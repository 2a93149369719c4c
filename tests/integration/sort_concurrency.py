#!/usr/bin/env python3
"""SORT with BY and GET patterns against concurrent writers to the pattern keys, through the server.

Usage: sort_concurrency.py --strata build-tsan/src/strata-server [--port P] [--seconds S]

Starts strata-server with several io-threads, then runs, each on its own connection:
  writers   MSET w_i v x_i v (both pattern keys of element i at once), HSET h_i f v g v, DEL of
            them, SET e_i v PX (keys that expire soon), RPUSH/LPOP on the sorted list itself;
  sorters   SORT src BY w_* GET # GET w_* GET x_*, SORT_RO src BY h_*->f GET h_*->f GET h_*->g,
            SORT BY e_*, SORT ... STORE, and pattern-less SORTs.
A SORT that reads pattern keys runs with the whole database locked, so every reply must be a
snapshot: the two values of each pair are equal, and the BY values come out in order. Build the
server with -Db_sanitize=thread to have ThreadSanitizer watch the same run. Two checks: every reply
was a snapshot and no command failed (at least MIN_SORTS sorts having run), and the server ran clean
(it did not exit, exited with status 0 when stopped, printed no sanitizer report). Ends with
"sort_concurrency: N passed, N failed" and exits 1 when a check failed.
"""
import argparse
import random
import sys
import threading
import time

from testlib import Conn, Server, Tally

ELEMENTS = 40
# Fewer sorts than this in a run means the sorters barely ran: the run proves nothing.
MIN_SORTS = 100


def check_pairs(reply, stride, by_offset, pair_offsets, problems):
    """Each group of `stride` values: the pair at pair_offsets is equal; BY values do not decrease."""
    previous = float("-inf")
    for k in range(0, len(reply), stride):
        a, b = reply[k + pair_offsets[0]], reply[k + pair_offsets[1]]
        if a != b:
            problems.append("torn pair %r %r in %r" % (a, b, reply))
            return
        by = reply[k + by_offset]
        value = 0.0 if by is None else float(by)
        if value < previous:
            problems.append("out of order: %r" % reply)
            return
        previous = value


def writer(port, deadline, seed, problems):
    rng = random.Random(seed)
    try:
        c = Conn(port, timeout=30)
        while time.time() < deadline:
            i = rng.randrange(ELEMENTS)
            v = rng.randrange(1000)
            op = rng.randrange(6)
            if op == 0:
                c.call("MSET", "w_%d" % i, v, "x_%d" % i, v)
            elif op == 1:
                c.call("HSET", "h_%d" % i, "f", v, "g", v)
            elif op == 2:
                c.call("DEL", "w_%d" % i, "x_%d" % i, "h_%d" % i)
            elif op == 3:
                c.call("RPUSH", "src", i)
                c.call("LPOP", "src")
            elif op == 4:
                c.call("SET", "e_%d" % i, v, "PX", 1 + rng.randrange(5))
            else:
                c.call("SADD", "members", i)
    except Exception as e:  # noqa: BLE001 - report whatever broke
        problems.append("writer: %s" % e)


def sorter(port, deadline, seed, problems, counts):
    rng = random.Random(seed)
    try:
        c = Conn(port, timeout=30)
        while time.time() < deadline:
            op = rng.randrange(5)
            if op == 0:
                check_pairs(c.call("SORT", "src", "BY", "w_*", "GET", "#", "GET", "w_*", "GET", "x_*"), 3, 1, (1, 2), problems)
            elif op == 1:
                check_pairs(c.call("SORT_RO", "src", "BY", "h_*->f", "GET", "h_*->f", "GET", "h_*->g"), 2, 0, (0, 1), problems)
            elif op == 2:
                c.call("SORT", "members", "BY", "w_*", "LIMIT", 0, 10, "GET", "x_*", "STORE", "out")
                c.call("LRANGE", "out", 0, -1)
            elif op == 3:
                # Keys that expire while the command runs: Strata reads the clock at each lookup
                # (Redis freezes it per command), so a BY value may be gone by the GET: no checks.
                c.call("SORT", "src", "BY", "e_*", "GET", "e_*", "LIMIT", 1, 5)
                c.call("SORT", "src", "BY", "nosort", "DESC", "LIMIT", 1, 5)
            else:
                c.call("SORT", "members", "STORE", "out2")
            counts[0] += 1
    except Exception as e:  # noqa: BLE001
        problems.append("sorter: %s" % e)


def race(port, seconds):
    """Runs the writers and sorters for `seconds`; raises AssertionError on a bad reply, a failed
    command or fewer than MIN_SORTS sorts."""
    Conn(port, timeout=30).call("RPUSH", "src", *range(ELEMENTS))
    problems, counts = [], [0]
    deadline = time.time() + seconds
    threads = [threading.Thread(target=writer, args=(port, deadline, s, problems)) for s in range(3)]
    threads += [threading.Thread(target=sorter, args=(port, deadline, 100 + s, problems, counts)) for s in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if problems:
        raise AssertionError("%d problems after %d sorts:\n%s" % (len(problems), counts[0], "\n".join(problems[:10])))
    if counts[0] < MIN_SORTS:
        raise AssertionError("only %d sorts ran in %gs (want %d)" % (counts[0], seconds, MIN_SORTS))
    return "%d sorts" % counts[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--port", type=int, default=0, help="default: a free port, from $STRATA_TEST_PORTS when it is set")
    ap.add_argument("--seconds", type=float, default=10)
    opts = ap.parse_args()
    tally = Tally()
    try:
        server = Server([opts.strata, "--io-threads", "4"], opts.port)
    except RuntimeError as e:
        tally.fail("server start", e)
        return tally.summary("sort_concurrency")
    try:
        tally.run("SORT replies are snapshots under concurrent writers", lambda: race(server.port, opts.seconds))
    finally:
        tally.server_stopped("the server ran clean", server)
    return tally.summary("sort_concurrency")


if __name__ == "__main__":
    sys.exit(main())
