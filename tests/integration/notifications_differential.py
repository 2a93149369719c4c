#!/usr/bin/env python3
"""Keyspace notifications, Strata against redis-server, event for event.

Usage: notifications_differential.py --strata build/src/strata-server [--redis redis-server]

Runs every case of CASES on both servers, once per notify-keyspace-events value of PASSES. A
subscriber connection (PSUBSCRIBE __key*__:*, SUBSCRIBE to a marker channel) collects the events:
after each command of a case the script publishes a sentinel on the marker channel and reads until
the sentinel arrives, so the events a command fired are exactly those before its sentinel. The
ordered lists of event frames are compared byte for byte, and so are the commands' replies.

A case is a block of lines (blocks are separated by blank lines):

  > CMD ...          setup, run before the case with notifications off (FLUSHALL and SELECT 0 come
                     first); "> @sleep S" lets S seconds pass (a key set to expire can expire:
                     active expiry is off, DEBUG SET-ACTIVE-EXPIRE 0, so only a lookup removes it).
                     TTLs are 50 ms, not 1: a redis-server descheduled for a millisecond inside
                     PEXPIRE finds the deadline passed and deletes the key at once
  CMD ...            a command whose events and reply are compared
  ~ CMD ...          the same, but the reply is compared by shape only (a random pop)
  MULTI ... EXEC     the events of the queued commands are collected after EXEC
  @block CMD ...     sent on a second connection, which must block in it (INFO's blocked_clients);
                     its reply is read and compared after the case's last line
  @await-expiry      active expiry on until the database is empty (bounded wait), then the events

"@dump" in a command stands for a DUMP payload of the string "v" (taken from redis-server).

Every write command Strata lists (COMMAND, the `write` flag, subcommands included) must have a case
that runs it; a command without one is a failure, so a new write command needs a case here.

The servers take free ports from $STRATA_TEST_PORTS ("7400-7499") when it is set. Prints one line
per mismatch and ends with "notifications: N passed, N failed" (a pass per compared command and
per covered write command); exits 1 on any failure.
"""
import argparse
import re
import sys
import time

from differential import split_args
from testlib import Closed, Conn, ReplyError, encode, shape, start_differential_pair

# notify-keyspace-events values: everything (with and without the n and m classes, which A leaves
# out), then narrower sets that must filter by class and by K/E, and classes without K or E.
PASSES = ["KEA", "KEAnm", "Kgxn", "Elsh$zm", "Kl", "Egs", "glshz$xnm"]

MARKER = b"notifications-test-marker"
WAIT_SECONDS = 5

CASES = """
# ---- strings ----
SET k v

> SET k old
SET k v
SET k v EX 100
SET k v PX 100000 GET
SET k v NX
SET k v2 XX
SET k v3 KEEPTTL

> SET k old EX 100
SET k v KEEPTTL
SET k v EXAT 99999999999

SET k v XX
SET k v GET
SET k v PXAT 1

> SET k old
SET k v EXAT 1
SET k v PX -5

SETNX k v
SETNX k v2

SETEX k 100 v
PSETEX k 100000 v
SETEX k 0 v

MSET a 1 b 2 a 3

MSETNX a 1 b 2
MSETNX a 1 c 2

GETSET k v
GETSET k v2

> SET k v
GETDEL k
GETDEL k

> SET k v
GETEX k
GETEX k EX 100
GETEX k PX 100
GETEX k PERSIST
GETEX k PERSIST
GETEX k EXAT 1
GETEX k EX 100

> SET k v
GETEX k PXAT 1
GETEX nokey PERSIST

INCR n
INCR n
DECR n
INCRBY n 7
DECRBY n 7
INCRBYFLOAT n 1.5
INCRBYFLOAT f 0.25

> SET n x
INCR n
INCRBYFLOAT n 1

APPEND k abc
APPEND k ""
APPEND k de

SETRANGE k 0 ""
SETRANGE k 3 abc
SETRANGE k 0 ""
SETRANGE k 1 XY

> SET k hello
SETRANGE k 5 ""
SETRANGE k 0 hello

# ---- bitmaps ----
SETBIT b 7 1
SETBIT b 7 1
SETBIT b 7 0
SETBIT b 100 0

BITFIELD bf SET u8 0 255
BITFIELD bf GET u8 0
BITFIELD bf SET u8 0 255
BITFIELD bf INCRBY u8 0 1
BITFIELD bf OVERFLOW FAIL INCRBY u8 0 300
BITFIELD nokey GET u8 0
BITFIELD nokey2 OVERFLOW FAIL INCRBY u8 0 300

> SET a abc
> SET b xyz
BITOP AND dst a b
BITOP OR dst a nokey
BITOP NOT dst a
BITOP AND dst nokey nokey2
BITOP AND dst nokey nokey2

# ---- keys ----
> SET k v
> SET k2 v
DEL k nokey k2
DEL k

> SET k v
> RPUSH l a
UNLINK l k nokey
UNLINK l

> SET k v
EXPIRE k 100
PEXPIRE k 200000
EXPIREAT k 99999999999
PEXPIREAT k 99999999999000
EXPIRE k 50 GT
EXPIRE k 500 LT
EXPIRE k 50 NX
EXPIRE k 50 XX
EXPIRE k -1

> SET k v
EXPIRE k 0

> SET k v
PEXPIREAT k 1
EXPIREAT k 1

> SET k v
EXPIRE k 100 XX
EXPIRE nokey 100
PEXPIRE nokey -1

> SET k v
PERSIST k
EXPIRE k 100
PERSIST k
PERSIST nokey

> SET k v
RENAME k k2
RENAME k2 k2
RENAME nokey k

> SET k v EX 100
> SET k2 x
RENAME k k2
RENAMENX k2 k

> SET k v
> SET k2 x
RENAMENX k k2
RENAMENX k k3
RENAMENX k3 k3

> SET k v
COPY k k2
COPY k k2
COPY k k2 REPLACE
COPY k k DB 1
COPY k k3 DB 1
COPY nokey k4

> SELECT 1
> SET k x
> SELECT 0
> RPUSH k a b
COPY k k DB 1
COPY k k DB 1 REPLACE
COPY k k

> SET k v
MOVE k 1
MOVE k 1
MOVE nokey 1

> SELECT 1
> SET k x
> SELECT 0
> SET k v
MOVE k 1
MOVE k 0

> SET k v
> SELECT 1
> SET k1 v
> SELECT 0
SWAPDB 0 1
SWAPDB 0 0
GET k
SWAPDB 1 0

> SET k v
> RESTORE r 0 @dump
RESTORE k 0 @dump
RESTORE k 0 @dump REPLACE
RESTORE k2 100000 @dump
RESTORE k3 1 @dump ABSTTL
RESTORE k 1 @dump ABSTTL REPLACE
RESTORE r 0 @dump IDLETIME 100 REPLACE

> SET k v
> SET k2 v
FLUSHDB
FLUSHDB

> SET k v
> SELECT 1
> SET k v
> SELECT 0
FLUSHALL
FLUSHALL ASYNC

> SET k v
FLUSHDB ASYNC

# ---- lists ----
LPUSH l a b
LPUSH l c
RPUSH l d e
LPUSHX l x
RPUSHX l y z
LPUSHX nokey x
RPUSHX nokey x

> RPUSH l a b c d e
LPOP l
RPOP l
LPOP l 2
LPOP l 0
RPOP l 5
LPOP l
RPOP l 3
LPOP nokey 0

> RPUSH l a b c a
LINSERT l BEFORE b x
LINSERT l AFTER b y
LINSERT l BEFORE nope z
LINSERT nokey BEFORE a b
LSET l 0 z
LSET l 100 z
LREM l 0 nope
LREM l 1 a
LREM l 0 z
LTRIM l 0 -1
LTRIM l 1 2
LTRIM l 5 10
LTRIM l 0 0
LTRIM nokey 0 0

> RPUSH l a a
LREM l 0 a

> RPUSH src a b
> RPUSH dst x
LMOVE src dst LEFT RIGHT
LMOVE src dst RIGHT LEFT
LMOVE src dst RIGHT LEFT
LMOVE dst new LEFT LEFT

> RPUSH src a b
LMOVE src src LEFT RIGHT
LMOVE src src RIGHT RIGHT
LMOVE nokey dst LEFT LEFT

> RPUSH src a
LMOVE src src LEFT RIGHT

> RPUSH src a b c
RPOPLPUSH src dst
RPOPLPUSH src src
BRPOPLPUSH src dst 0
BLMOVE src dst LEFT LEFT 0
BLMOVE dst src RIGHT RIGHT 0

> RPUSH l a b c
> RPUSH l2 x
BLPOP nokey l 0
BRPOP l 0
BLPOP l2 l 0
BRPOP l 0

> RPUSH l a b c
LMPOP 2 nokey l LEFT
LMPOP 1 l RIGHT COUNT 10
LMPOP 1 l RIGHT COUNT 10

> RPUSH l a b c
BLMPOP 0 2 nokey l RIGHT COUNT 2
BLMPOP 0 1 l LEFT COUNT 5

@block BLPOP bl 0
RPUSH bl a b

@block BRPOP bl 0
LPUSH bl a

@block BLMOVE bsrc bdst RIGHT LEFT 0
RPUSH bsrc a

@block BRPOPLPUSH bsrc bsrc 0
RPUSH bsrc a b

@block BLMPOP 0 2 x bl LEFT COUNT 3
RPUSH bl a b

> RPUSH l a b c
> SET n 1
SORT l STORE d
SORT l DESC LIMIT 0 1 STORE d
SORT nokey STORE d
SORT nokey STORE d
SORT l LIMIT 5 5 STORE l
SORT l ALPHA STORE l
SORT n STORE d

> RPUSH l 2 1
> SET w_1 9
> SET w_2 8
SORT l BY w_* GET w_* GET # STORE d
SORT l BY nosort
SORT_RO l

> RPUSH l 2 1
> SET w_1 9
SORT l GET nokey_* STORE d
SORT l BY nokey_* GET w_* STORE d
SORT l BY w_* GET # GET nokey_*

# ---- another database, and MULTI/EXEC: the events of each command, in order ----
SELECT 2
SET k v
LPUSH l a
RENAME k k2
DEL k2 l
SELECT 0

> SET k v
MULTI
SET k v2
LPUSH l a b
INCR k
DEL k nokey
RPOP l 2
EXEC

> SET k v
WATCH k
SET k v2
MULTI
SET k v3
EXEC

# ---- hashes ----
HSET h f v
HSET h f v
HSET h f v2 g w
HSETNX h f x
HSETNX h n x
HSETNX h2 f x
HMSET h a 1 b 2
HDEL h f nope
HDEL h nope
HINCRBY h cnt 5
HINCRBYFLOAT h fl 1.5
HINCRBY h a 0
HINCRBY h f 1

> HSET h f v
HDEL h f
HDEL h f
HINCRBY h2 n 1
HINCRBYFLOAT h3 n 2.5

# ---- sets ----
SADD s a b
SADD s a
SADD s a c
SREM s nope
SREM s a b
SREM s c
SREM s c

> SADD s a b
> SADD d b
SMOVE s d a
SMOVE s d b
SMOVE s d b
SMOVE d d b
SMOVE d new b

> SADD s a
SMOVE s d a

> SADD s a b c
SPOP s 0
~ SPOP s 1
~ SPOP s 5
SPOP s

> SADD s a
SPOP s
SPOP s

> SADD s a b c
~ SPOP s 3

> SADD a 1 2 3
> SADD b 2 3 4
SINTERSTORE d a b
SUNIONSTORE d a b
SDIFFSTORE d a b
SINTERSTORE d a nokey
SINTERSTORE d a nokey
SDIFFSTORE d a a
SUNIONSTORE d nokey nokey2
SUNIONSTORE d nokey a
SDIFFSTORE a a b
SINTERSTORE b b

# ---- sorted sets ----
ZADD z 1 a 2 b
ZADD z 1 a
ZADD z 3 a
ZADD z NX 5 a
ZADD z XX 5 a
ZADD z XX 1 new
ZADD z CH 5 a 9 c
ZADD z INCR 2 a
ZADD z NX INCR 2 a
ZADD z GT 0 a
ZADD z LT 0 a
ZADD z2 XX 1 a
ZADD z2 INCR 1 a
ZINCRBY z 1 a
ZINCRBY z 0 a
ZINCRBY z3 1 a

> ZADD z 1 a 2 b 3 c 4 d 5 e
ZREM z nope
ZREM z a nope
ZREMRANGEBYSCORE z 100 200
ZREMRANGEBYSCORE z 2 2
ZREMRANGEBYRANK z 5 6
ZREMRANGEBYRANK z 0 0
ZREMRANGEBYLEX z [x [z
ZREMRANGEBYLEX z - +

> ZADD z 1 a
ZREM z a
ZREM z a

> ZADD z 1 a
ZREMRANGEBYRANK z 0 -1

> ZADD z 1 a
ZREMRANGEBYSCORE z -inf +inf

> ZADD z 1 a 2 b 3 c 4 d
ZPOPMIN z
ZPOPMAX z
ZPOPMIN z 0
ZPOPMAX z 5
ZPOPMIN z
ZPOPMIN nokey 2

> ZADD z 1 a 2 b 3 c
BZPOPMIN nokey z 0
BZPOPMAX z 0
ZMPOP 2 nokey z MIN
ZMPOP 1 z MAX COUNT 10
ZMPOP 1 z MAX COUNT 10

> ZADD z 1 a 2 b 3 c
BZMPOP 0 1 z MAX COUNT 2
BZMPOP 0 1 z MIN COUNT 2

@block BZPOPMIN bz 0
ZADD bz 1 a 2 b

@block BZMPOP 0 1 bz MIN COUNT 5
ZADD bz 1 a

> ZADD a 1 x 2 y
> ZADD b 3 y 4 z
ZINTERSTORE d 2 a b
ZUNIONSTORE d 2 a b WEIGHTS 1 2
ZDIFFSTORE d 2 a b
ZINTERSTORE d 2 a nokey
ZINTERSTORE d 2 a nokey
ZDIFFSTORE d 1 nokey
ZDIFFSTORE d 2 a a
ZUNIONSTORE d 2 nokey a
ZUNIONSTORE a 1 a
ZINTERSTORE d 2 a l

> ZADD z 1 a 2 b 3 c
ZRANGESTORE d z 0 1
ZRANGESTORE d z 10 20
ZRANGESTORE d z 0 -1 REV
ZRANGESTORE d nokey 0 -1
ZRANGESTORE d nokey 0 -1
ZRANGESTORE d z (1 +inf BYSCORE LIMIT 0 1
ZRANGESTORE z z 0 0

# ---- wrong types: an error fires nothing ----
> SET k v
> RPUSH l a
LPUSH k a
SADD k a
HSET k f v
ZADD k 1 a
APPEND l x
INCR l
SETBIT l 1 1
SETRANGE l 0 x
SINTERSTORE d k
ZUNIONSTORE d 1 k
LMOVE k l LEFT LEFT
LMOVE l k LEFT LEFT
SMOVE k d a

# ---- expiry: lazily, when a command finds the key past its deadline ----
> SET k v PX 50
> @sleep 0.1
GET k
GET k

> SET k v PX 50
> @sleep 0.1
SET k v2

> SET k v PX 50
> @sleep 0.1
SET k v2 XX

> RPUSH l a
> PEXPIRE l 50
> @sleep 0.1
LPUSH l b

> RPUSH l a
> PEXPIRE l 50
> @sleep 0.1
LPUSHX l b
EXISTS l

> SET k v PX 50
> @sleep 0.1
DEL k

> SET k v PX 50
> @sleep 0.1
EXPIRE k 100
TTL k

> SET k v PX 50
> SET k2 v
> @sleep 0.1
RENAME k k2
RENAME k2 k

> HSET h f v
> PEXPIRE h 50
> @sleep 0.1
HINCRBY h f 1

> SET k v PX 50
> @sleep 0.1
INCR k

> SET k v PX 50
> @sleep 0.1
SCAN 0

> SET k v PX 50
> @sleep 0.1
MGET k x k

> SET k v PX 50
> @sleep 0.1
COPY k k2

> SET k v PX 50
> @sleep 0.1
MOVE k 1

> SET k v PX 50
> SET k2 v PX 50
> SET k3 v PX 50
> SET k4 v PX 50
> SET k5 v PX 50
> @sleep 0.1
TTL k
TYPE k2
OBJECT ENCODING k3
~ KEYS *
GETEX k4 PERSIST
GETDEL k5

> SET k v PX 50
> @sleep 0.1
RANDOMKEY

# ---- expiry: actively, by the expiry cycle ----
> SET k v
PEXPIRE k 5
@await-expiry

> SET k v
SET k2 v PX 5
@await-expiry

# ---- reads: a key miss (m), nothing for a hit ----
> SET k v
GET k
GET nokey
MGET k nokey nokey2
EXISTS nokey k
TYPE nokey
TTL nokey
PTTL nokey
STRLEN nokey
GETRANGE nokey 0 1
BITCOUNT nokey
BITPOS nokey 1
GETBIT nokey 0
DUMP nokey
OBJECT ENCODING nokey
EXPIRETIME nokey
LRANGE nokey 0 -1
LLEN nokey
LINDEX nokey 0
LPOS nokey a
HGET nokey f
HGETALL nokey
HLEN nokey
HEXISTS nokey f
HMGET nokey f g
SMEMBERS nokey
SCARD nokey
SISMEMBER nokey a
SMISMEMBER nokey a
SINTER nokey k
SUNION nokey nokey2
SINTERCARD 2 nokey nokey2
ZRANGE nokey 0 -1
ZSCORE nokey a
ZCARD nokey
ZRANK nokey a
ZUNION 2 nokey nokey2
SORT_RO nokey
BITFIELD_RO nokey GET u8 0
"""


def parse_cases(text):
    """The cases of `text`: a list of (setup lines, case lines as (line number in CASES, line))."""
    cases, setup, lines = [], [], []
    for number, raw in enumerate(text.split("\n") + [""], 1):
        line = raw.strip()
        if line.startswith("#"):
            continue
        if not line:
            if lines:
                cases.append((setup, lines))
            elif setup:
                raise ValueError("line %d: a case of setup lines only" % (number - 1))
            setup, lines = [], []
            continue
        if line.startswith("> "):
            if lines:
                raise ValueError("line %d: a setup line after the case's commands" % number)
            setup.append(line[2:])
        else:
            lines.append((number, line))
    return cases


def command_name(line):
    """The command a case line runs (lower case), "" for a directive that runs none."""
    if line.startswith("~ "):
        line = line[2:]
    elif line.startswith("@block "):
        line = line[7:]
    elif line.startswith("@"):
        return ""
    return split_args(line)[0].decode().lower()


def write_commands(conn):
    """The names of the commands `conn`'s server flags `write` ("container|sub" for subcommands)."""
    names = set()

    def visit(entry):
        if b"write" in entry[2]:
            names.add(entry[0].decode().lower())
        for sub in entry[9] if len(entry) > 9 and entry[9] else []:
            visit(sub)

    for entry in conn.call("COMMAND"):
        visit(entry)
    return names


class Side:
    """One server's connections: main (the commands), sub (the events), blocker (@block)."""

    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.main = Conn(port, timeout=WAIT_SECONDS)
        self.blocker = Conn(port, timeout=WAIT_SECONDS)
        self.sub = Conn(port, timeout=WAIT_SECONDS)
        self.sub.send(encode(b"SUBSCRIBE", MARKER) + encode(b"PSUBSCRIBE", b"__key*__:*"))
        self.sub.read_reply()
        self.sub.read_reply()
        self.sentinels = 0
        self.main.call("DEBUG", "SET-ACTIVE-EXPIRE", 0)

    def reply(self, args):
        """Sends a command on main and returns its reply tree (see Conn.read_reply)."""
        self.main.send(encode(*args))
        return self.main.read_reply()

    def events(self):
        """Publishes a sentinel and returns the raw frames of the events that arrived before it."""
        self.sentinels += 1
        token = b"%d" % self.sentinels
        receivers = self.main.call(b"PUBLISH", MARKER, token)
        if receivers != b"1":
            raise RuntimeError("%s: PUBLISH of the sentinel reached %r subscribers" % (self.name, receivers))
        frames = []
        while True:
            raw, (_, children) = self.sub.read_reply()
            kind, channel = children[0][1][1], children[1][1][1]
            if kind == b"message" and channel == MARKER:
                if children[2][1][1] != token:
                    raise RuntimeError("%s: sentinel %r arrived, %r expected" % (self.name, children[2][1][1], token))
                return frames
            frames.append(raw)

    def block(self, args):
        """Sends a command on the blocker connection and waits until the server counts it blocked."""
        self.blocker.send(encode(*args))
        deadline = time.monotonic() + WAIT_SECONDS
        while b"blocked_clients:1\r\n" not in self.main.call("INFO", "clients"):
            if time.monotonic() > deadline:
                raise RuntimeError("%s: %s did not block" % (self.name, b" ".join(args).decode()))

    def await_expiry(self):
        """Turns active expiry on until no key of database 0 has a TTL (INFO keyspace), then off."""
        self.main.call("DEBUG", "SET-ACTIVE-EXPIRE", 1)
        deadline = time.monotonic() + WAIT_SECONDS
        try:
            while re.search(rb"^db0:.*expires=[1-9]", self.main.call("INFO", "keyspace"), re.M):
                if time.monotonic() > deadline:
                    raise RuntimeError("%s: active expiry removed nothing within %ds" % (self.name, WAIT_SECONDS))
                time.sleep(0.01)
        finally:
            self.main.call("DEBUG", "SET-ACTIVE-EXPIRE", 0)

    def await_expired_event(self, flags):
        """Once no TTL is left, the active cycle's events may still be on their way to the
        subscriber (Strata publishes them after the cycle, from another thread than the sentinel's):
        when the flags publish `expired`, reads events until the key's (one per channel kind)
        arrived, then those before the sentinel."""
        wanted = ("K" in flags) + ("E" in flags) if "x" in flags or "A" in flags else 0
        frames = []
        while sum(b"expired" in f for f in frames) < wanted:
            frames.append(self.sub.read_reply()[0])
        return frames + self.events()

    def close(self):
        for c in (self.main, self.blocker, self.sub):
            c.close()


def describe(frames):
    """The events of raw pmessage frames as "channel=payload" strings."""
    out = []
    for raw in frames:
        parts = raw.split(b"\r\n")
        out.append("%s=%s" % (parts[6].decode(errors="replace"), parts[8].decode(errors="replace")))
    return out


def run_case(sides, flags, case, dump, report):
    """Runs one case on both servers; returns (passed, failed)."""
    setup, lines = case
    passed = failed = 0

    def substitute(args):
        return [dump if a == b"@dump" else a for a in args]

    for side in sides:
        side.main.call("CONFIG", "SET", "notify-keyspace-events", "")
        side.main.call("SELECT", 0)
        side.main.call("FLUSHALL")
        for line in setup:
            if line.startswith("@sleep "):
                continue
            side.main.call(*substitute(split_args(line)))
    sleeps = [float(line.split()[1]) for line in setup if line.startswith("@sleep ")]
    if sleeps:
        time.sleep(sum(sleeps))
    for side in sides:
        side.main.call("CONFIG", "SET", "notify-keyspace-events", flags)
    blocked = None
    queued = False  # inside MULTI: no PUBLISH of a sentinel, and a queued command fires nothing
    for number, line in lines:
        results = []
        for side in sides:
            if line.startswith("@block "):
                blocked = split_args(line[7:])
                side.block(blocked)
                results.append((None, []))
            elif line == "@await-expiry":
                side.await_expiry()
                results.append((None, side.await_expired_event(flags)))
            else:
                text = line[2:] if line.startswith("~ ") else line
                args = substitute(split_args(text))
                raw, tree = side.reply(args)
                queued = args[0].upper() == b"MULTI" or (queued and args[0].upper() not in (b"EXEC", b"DISCARD"))
                results.append((shape(tree) if line.startswith("~ ") else raw, [] if queued else side.events()))
        (ref_reply, ref_events), (got_reply, got_events) = results
        where = "[%s] line %d: %s" % (flags, number, line)
        if ref_events != got_events:
            failed += 1
            report("%s\n    redis events:  %s\n    strata events: %s" % (where, describe(ref_events), describe(got_events)))
        elif ref_reply != got_reply:
            failed += 1
            report("%s\n    redis reply:  %r\n    strata reply: %r" % (where, ref_reply, got_reply))
        else:
            passed += 1
    if blocked is not None:
        ref_raw, got_raw = (side.blocker.read_reply()[0] for side in sides)
        if ref_raw == got_raw:
            passed += 1
        else:
            failed += 1
            report("[%s] line %d: reply of the blocked %s\n    redis:  %r\n    strata: %r" % (
                flags, lines[0][0], b" ".join(blocked).decode(), ref_raw, got_raw))
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    args = ap.parse_args()
    cases = parse_cases(CASES)
    passed = failed = 0
    redis, strata = start_differential_pair(args.redis, args.strata, "strata-notify-",
                                            ["--enable-debug-command", "yes"])
    sides = []
    try:
        sides = [Side("redis", redis.port), Side("strata", strata.port)]
        covered = {command_name(line) for _, lines in cases for _, line in lines}
        for name in sorted(write_commands(sides[1].main)):
            if name in covered:
                passed += 1
            else:
                failed += 1
                print("no case runs the write command %s: add one to CASES" % name)
        sides[0].main.call("SET", "dumped", "v")
        dump = sides[0].main.call("DUMP", "dumped")
        for flags in PASSES:
            for case in cases:
                try:
                    p, f = run_case(sides, flags, case, dump, print)
                except (Closed, ReplyError, RuntimeError, OSError) as e:
                    p, f = 0, 1
                    print("[%s] line %d: %s: %s" % (flags, case[1][0][0], type(e).__name__, e))
                    for side in sides:  # start the next case on fresh connections
                        side.close()
                    sides = [Side("redis", redis.port), Side("strata", strata.port)]
                passed += p
                failed += f
    except (Closed, ReplyError, RuntimeError, OSError) as e:
        failed += 1
        print("setup failed: %s: %s" % (type(e).__name__, e))
    finally:
        for side in sides:
            side.close()
        for server in (redis, strata):
            problems = server.stop()
            if problems:
                failed += 1
                print("%s: %s" % (server.proc.args[0], "\n".join(problems)))
    print("notifications: %d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
