#!/usr/bin/env python3
"""Every command is atomic and sees one instant, as in single-threaded Redis.

Usage: one_instant.py --strata build/src/strata-server [--io-threads 1,2,4] [--redis redis-server]
                      [--scale 1.0]

Starts Strata once per io-thread count (and, with --redis, first redis-server as a control, which
must pass every check) and runs against each, with writers pipelining multi-key writes on several
connections (so on several io-threads) while readers check that every reply is a state that
existed:
  expiry   100 keys set with one PXAT T: around T, EXISTS of them answers 100 or 0 and MGET all
           values or all nils, and a connection that has seen them gone never sees them again
           (expiry is judged once per command)
  DBSIZE   while writers loop MSET of 50 keys / DEL of the same keys: 0 or 50 (each DEL too)
  KEYS     KEYS * in the same loop: no key or all 50
  SWAPDB   while writers loop SWAPDB 0 1, db0 holding 100 keys and db1 37: KEYS * is exactly one of
           the two key sets and DBSIZE 100 or 37
  SCAN     while writers MSET and DEL 500 other keys, a full SCAN returns every key that was
           present throughout (SCAN's weaker guarantee)
Each check makes a fixed number of reads (times --scale) and also fails when its readers never saw
both states (the writers did not overlap them). Against each server it started, the last check is
that the server ran clean: it did not exit, exited with status 0 when stopped and printed no
sanitizer report.
Servers take ports from $STRATA_TEST_PORTS when it is set. Prints one line per check and ends with
"one_instant: N passed, N failed"; exits 1 when a check failed.
"""
import argparse
import collections
import sys
import threading
import time

from testlib import Background, Conn, Server, Tally, encode, value

READERS = 3
WRITERS = 3
# How long a reader or writer may take before the check fails instead of hanging.
TIMEOUT = 120

EXPIRY_KEYS = 100
EXPIRY_ROUNDS = 30
# Each round's keys expire this long after they are set.
EXPIRY_LEAD = 0.1
# A command sees a key expire midway only while it runs across the expiry: each reader sends its
# first pipeline of EXPIRY_EXISTS EXISTS and EXPIRY_MGET MGET (a few milliseconds of work for the
# server) this long before the expiry (reader i: i + 1 times as long), then reads until this long
# after it.
EXPIRY_EXISTS, EXPIRY_MGET = 200, 20
EXPIRY_AHEAD = 0.001
EXPIRY_AFTER = 0.01

LOOP_KEYS = 50
DBSIZE_READS = 20000
KEYS_READS = 6000

DB0_KEYS, DB1_KEYS = 100, 37
SWAPDB_READS = 5000

SCAN_STABLE_KEYS, SCAN_CHURN_KEYS = 300, 500
SCANS = 30

# Replies a reader reads per pipelined write.
BATCH = 10

# --scale: the factor on the number of rounds and reads above (a sanitized server is slower).
SCALE = 1.0


def scaled(n):
    return max(1, round(n * SCALE))


def pipeline(conn, commands):
    """Sends the commands in one write and returns their replies as testlib.value gives them; an
    error reply raises testlib.ReplyError."""
    conn.send(b"".join(encode(*c) for c in commands))
    return [value(conn.read_reply()[1]) for _ in commands]


class Observations:
    """What one reader saw: how often each state, and the replies that were no state that existed."""

    def __init__(self):
        self.states = collections.Counter()
        self.impossible = collections.Counter()

    def merge(self, other):
        self.states += other.states
        self.impossible += other.impossible

    def verdict(self, states):
        """Raises AssertionError when a reply was impossible or one of `states` was never seen;
        else returns a note of how often each was."""
        if self.impossible:
            shown = ", ".join("%s (x%d)" % kv for kv in self.impossible.most_common(12))
            raise AssertionError("%d impossible replies of %d: %s" % (
                sum(self.impossible.values()), sum(self.states.values()) + sum(self.impossible.values()), shown))
        unseen = [s for s in states if not self.states[s]]
        if unseen:
            raise AssertionError("never saw %s (the writers did not overlap the readers): saw %s" % (
                " / ".join(unseen), dict(self.states)))
        return ", ".join("%s x%d" % (s, self.states[s]) for s in states)


def race(port, write_batch, reader):
    """Runs write_batch(conn, n) for n = 0, 1, ... on each of WRITERS connections until, once
    each has written, reader(conn) has returned on each of READERS connections; then stops the
    writers. Returns the readers' Observations merged; raises the first exception of a reader or
    writer."""
    stop = threading.Event()

    def write(wrote):
        try:
            conn = Conn(port, timeout=30)
            n = 0
            while not stop.is_set():
                write_batch(conn, n)
                wrote.set()
                n += 1
        finally:
            wrote.set()  # a writer that failed lets the readers go; its error comes from result()

    wrote = [threading.Event() for _ in range(WRITERS)]
    writers = [Background(lambda e=e: write(e)) for e in wrote]
    try:
        for e in wrote:
            if not e.wait(TIMEOUT):
                raise AssertionError("a writer did not write within %ds" % TIMEOUT)
        readers = [Background(lambda: reader(Conn(port, timeout=30))) for _ in range(READERS)]
        seen = Observations()
        for r in readers:
            seen.merge(r.result(TIMEOUT))
    finally:
        stop.set()
    for w in writers:
        w.result(TIMEOUT)
    return seen


def alternating(first, second, n):
    """2 * BATCH + 1 commands alternating between `first` and `second`, starting with `first` when
    n is even: consecutive batches end in different states, so that readers see both even against
    a server that runs a connection's whole pipeline at once."""
    pair = [first, second] if n % 2 == 0 else [second, first]
    return pair * BATCH + pair[:1]


def mset_del_writer(keys):
    """A batch writer (see race) alternating MSET of `keys` with DEL of them; each DEL must
    delete all of them or none."""
    mset = ["MSET"] + [x for k in keys for x in (k, "v")]
    delete = ["DEL"] + keys

    def write_batch(conn, n):
        commands = alternating(mset, delete, n)
        for command, reply in zip(commands, pipeline(conn, commands)):
            if command is delete and int(reply) not in (0, len(keys)):
                raise AssertionError("a DEL of %d keys deleted %s" % (len(keys), reply))
    return write_batch


def check_expiry(port):
    admin = Conn(port, timeout=30)
    admin.call("FLUSHALL")
    seen = Observations()
    for round_ in range(scaled(EXPIRY_ROUNDS)):
        keys = ["exp%d:%d" % (round_, i) for i in range(1, EXPIRY_KEYS + 1)]
        val = b"v%d" % round_
        expires = time.time() + EXPIRY_LEAD
        pipeline(admin, [("SET", k, val, "PXAT", int(expires * 1000)) for k in keys])
        if time.time() > expires - READERS * EXPIRY_AHEAD:
            raise AssertionError("setting %d keys took longer than %.0f ms" % (EXPIRY_KEYS, EXPIRY_LEAD * 1000))

        exists, mget = ["EXISTS"] + keys, ["MGET"] + keys
        # An MGET leads the pipeline, so a reader that starts late (a slow sanitizer build) still
        # sends one before the keys expire.
        step = EXPIRY_EXISTS // EXPIRY_MGET
        commands = [mget if n % step == 0 else exists for n in range(EXPIRY_EXISTS + EXPIRY_MGET)]
        payload = b"".join(encode(*c) for c in commands)  # encoded ahead: it takes milliseconds

        def reader(conn, ahead):
            mine = Observations()
            # Sleeping to the expiry only saves work: the checks hold for any reply.
            time.sleep(max(0.0, expires - ahead - time.time()))
            gone = False
            while True:
                conn.send(payload)
                for command in commands:
                    reply = value(conn.read_reply()[1])
                    state = command[0]
                    count = int(reply) if command is exists else len([v for v in reply if v is not None])
                    if count not in (0, len(keys)):
                        mine.impossible["%s %d of %d" % (state, count, len(keys))] += 1
                    elif count and gone:
                        mine.impossible["%s %d after 0" % (state, count)] += 1
                    else:
                        mine.states["%s %d" % (state, count)] += 1
                        gone = gone or count == 0
                    if command is mget and any(v not in (None, val) for v in reply):
                        mine.impossible["MGET value never written"] += 1
                if time.time() > expires + EXPIRY_AFTER:
                    return mine

        readers = [Background(lambda i=i: reader(Conn(port, timeout=30), (i + 1) * EXPIRY_AHEAD))
                   for i in range(READERS)]
        for r in readers:
            seen.merge(r.result(TIMEOUT))
    return seen.verdict(["EXISTS %d" % EXPIRY_KEYS, "EXISTS 0", "MGET %d" % EXPIRY_KEYS, "MGET 0"])


def check_dbsize(port):
    Conn(port, timeout=30).call("FLUSHALL")
    keys = ["loop:%d" % i for i in range(LOOP_KEYS)]

    def reader(conn):
        mine = Observations()
        for _ in range(scaled(DBSIZE_READS // BATCH)):
            for n in map(int, pipeline(conn, [["DBSIZE"]] * BATCH)):
                (mine.states if n in (0, LOOP_KEYS) else mine.impossible)["DBSIZE %d" % n] += 1
        return mine

    return race(port, mset_del_writer(keys), reader).verdict(["DBSIZE 0", "DBSIZE %d" % LOOP_KEYS])


def check_keys(port):
    Conn(port, timeout=30).call("FLUSHALL")
    keys = ["loop:%d" % i for i in range(LOOP_KEYS)]
    everything = {k.encode() for k in keys}

    def reader(conn):
        mine = Observations()
        for _ in range(scaled(KEYS_READS // BATCH)):
            for found in pipeline(conn, [["KEYS", "*"]] * BATCH):
                found = set(found)
                if found == everything:
                    mine.states["all keys"] += 1
                elif not found:
                    mine.states["no key"] += 1
                else:
                    mine.impossible["%d keys of %d" % (len(found & everything), LOOP_KEYS)] += 1
        return mine

    return race(port, mset_del_writer(keys), reader).verdict(["no key", "all keys"])


def check_swapdb(port):
    admin = Conn(port, timeout=30)
    admin.call("FLUSHALL")
    db0 = {b"a%d" % i for i in range(DB0_KEYS)}
    db1 = {b"b%d" % i for i in range(DB1_KEYS)}
    admin.call("MSET", *[x for k in db0 for x in (k, "v")])
    admin.call("SELECT", 1)
    admin.call("MSET", *[x for k in db1 for x in (k, "v")])

    def writer(conn, _):
        # An odd number of swaps: consecutive batches end in different states.
        pipeline(conn, [("SWAPDB", 0, 1)] * (BATCH + 1))

    def reader(conn):
        mine = Observations()
        for _ in range(scaled(SWAPDB_READS // BATCH)):
            replies = pipeline(conn, [("KEYS", "*"), ("DBSIZE",)] * (BATCH // 2))
            for found, size in zip(replies[0::2], map(int, replies[1::2])):
                found = set(found)
                if found in (db0, db1):
                    mine.states["KEYS %d" % len(found)] += 1
                else:
                    mine.impossible["KEYS %d keys (%d of db0's, %d of db1's)" % (
                        len(found), len(found & db0), len(found & db1))] += 1
                (mine.states if size in (DB0_KEYS, DB1_KEYS) else mine.impossible)["DBSIZE %d" % size] += 1
        return mine

    return race(port, writer, reader).verdict(["KEYS %d" % DB0_KEYS, "KEYS %d" % DB1_KEYS,
                                               "DBSIZE %d" % DB0_KEYS, "DBSIZE %d" % DB1_KEYS])


def check_scan(port):
    admin = Conn(port, timeout=30)
    admin.call("FLUSHALL")
    stable = {b"stable:%d" % i for i in range(SCAN_STABLE_KEYS)}
    churn = ["churn:%d" % i for i in range(SCAN_CHURN_KEYS)]
    admin.call("MSET", *[x for k in stable for x in (k, "v")])

    def reader(conn):
        mine = Observations()
        for _ in range(scaled(SCANS)):
            cursor, found = b"0", set()
            while True:
                cursor, batch = conn.call("SCAN", cursor, "COUNT", 20)
                found.update(batch)
                if cursor == b"0":
                    break
            missing = len(stable - found)
            if missing:
                mine.impossible["a full SCAN missed %d of the %d keys present throughout" % (missing, len(stable))] += 1
            strangers = [k for k in found - stable if not k.startswith(b"churn:")]
            if strangers:
                mine.impossible["a full SCAN returned keys never written: %r" % strangers[:3]] += 1
            mine.states["scans seeing churn keys" if len(found) > len(stable) else "scans seeing none"] += 1
        return mine

    return race(port, mset_del_writer(churn), reader).verdict(["scans seeing churn keys"])


CHECKS = [
    ("expiry is judged once per command: EXISTS and MGET of %d keys with one PXAT" % EXPIRY_KEYS, check_expiry),
    ("DBSIZE during MSET / DEL of %d keys" % LOOP_KEYS, check_dbsize),
    ("KEYS * during MSET / DEL of %d keys" % LOOP_KEYS, check_keys),
    ("KEYS * and DBSIZE during SWAPDB 0 1", check_swapdb),
    ("a full SCAN returns every key present throughout, during MSET / DEL of %d others" % SCAN_CHURN_KEYS,
     check_scan),
]


def run_checks(tally, label, argv):
    """Starts the server argv, runs every check against it, and counts the check that it ran clean."""
    try:
        server = Server(argv)
    except RuntimeError as e:
        tally.fail("%s: start" % label, e)
        return
    try:
        for name, fn in CHECKS:
            start = time.monotonic()
            tally.run("%s: %s" % (label, name), lambda: "%s; %.1fs" % (fn(server.port), time.monotonic() - start))
    finally:
        tally.server_stopped("%s: the server ran clean" % label, server)


def main():
    global SCALE
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--io-threads", default="1,2,4", help="comma-separated io-thread counts to run Strata with")
    ap.add_argument("--redis", help="also run the checks against this redis-server, as a control")
    ap.add_argument("--scale", type=float, default=SCALE, help="factor on the rounds and reads of each check")
    args = ap.parse_args()
    SCALE = args.scale
    tally = Tally()
    if args.redis:
        run_checks(tally, "redis-server", [args.redis, "--save", "", "--appendonly", "no"])
    for n in args.io_threads.split(","):
        run_checks(tally, "strata --io-threads %s" % n, [args.strata, "--io-threads", n])
    return tally.summary("one_instant")


if __name__ == "__main__":
    sys.exit(main())
