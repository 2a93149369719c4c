#!/usr/bin/env python3
"""Randomized differential test: random command sequences against redis-server and Strata, replies
compared byte for byte.

Usage: random_differential.py --strata build/src/strata-server [--redis redis-server]
                              [--seed N] [--commands N] [--verbose]

Each run draws --commands commands (default 20000) from --seed (default 1): every data-type command
Strata registers except the blocking ones and server administration, over a small keyspace (a few
keys of every type, some of whose names hold NUL bytes), with arguments drawn from small pools that
include the edge cases (9223372036854775807, -inf, nan, empty strings, NUL bytes, 65-byte values that
change encodings). Now and then a command loses its last argument or gains one, or is wrapped in
COMMAND GETKEYS. About one command in five goes over a RESP3 connection.

Both servers get the same command on connections of the same protocol, and the replies are compared as
bytes, except where Redis leaves the reply unspecified:
  sorted   SMEMBERS, SINTER, KEYS ...: the elements compared as a multiset
  pairs    HGETALL: the field/value pairs compared as a multiset
  scan     SCAN, HSCAN, SSCAN, ZSCAN from cursor 0: each server's scan is followed to its end and the
           sets of elements found compared (cursors and batches differ by design)
  pick     SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, RANDOMKEY: the reply's type and size must
           agree and every pick must be an element (with its value or score) of the value both
           servers held before; SPOP's key is then copied from redis-server to both, so both go on
           with the same set
  ttl      TTL, PTTL, EXPIRETIME, PEXPIRETIME: equal within a tolerance (the servers ran the
           expiring command some microseconds apart)
  shape    OBJECT ENCODING/FREQ/IDLETIME/REFCOUNT, MEMORY USAGE: only the reply's type and size
  lex      ZRANGEBYLEX and the other lex ranges over a sorted set whose scores differ: unspecified in
           Redis, so only the reply's type (a written key is then copied from redis-server)
  sort     SORT of a set BY a constant pattern, or ALPHA BY a pattern or over elements holding NUL
           bytes (ties keep quicksort's order): compared as a multiset, or with LIMIT by size only
           (Redis's
           errno is cleared before each SORT: its numeric sort fails on an ERANGE left over from
           an earlier command)
Every 500 commands (--check-every), and at the end, the whole keyspace is compared (one case each).

After a mismatch the keys are copied from redis-server to both servers, so one difference does not
cascade. Prints each mismatch with the seed, the command's number and the command, and ends with
"random_differential: N passed, N failed" (N counting comparisons).
"""
import argparse
import hashlib
import random
import sys
import time

from testlib import Closed, Conn, encode, scan_all, shape, start_differential_pair

# ---- The keyspace: two keys per type plus two untyped names; commands mostly pick keys of their
# type, sometimes any key (WRONGTYPE paths).
TYPED_KEYS = {
    "string": [b"s1", b"s2\x00"],
    "hash": [b"h1", b"h2"],
    "list": [b"l1", b"l2"],
    "set": [b"S1", b"S2"],
    "zset": [b"z1", b"z\x002"],
    "any": [b"k", b""],
}
ALL_KEYS = [k for keys in TYPED_KEYS.values() for k in keys]

EDGE_INTS = [b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808", b"4611686018427387904",
             b"-9223372036854775809"]
VALUES = [b"", b"a", b"b", b"abc", b"hello world", b"0", b"1", b"-1", b"10", b"12345", b"007", b"-0", b"1.5",
          b"3.0", b"1e3", b"0x10", b" 1", b"inf", b"-inf", b"+inf", b"nan", b"a\x00b", b"\x00", b"\xff\xfe",
          b"\r\n", b"*", b"?", b"[a-c]", b"x" * 65, b"18446744073709551615"] + EDGE_INTS
FIELDS = [b"a", b"b", b"c", b"d", b"", b"1", b"2", b"10", b"-5", b"a\x00", b"f*", b"\xff"]
SET_MEMBERS = FIELDS + [b"100", b"-100", b"9223372036854775807", b"0"]
SCORES = [b"0", b"1", b"-1", b"2", b"2.5", b"-2.5", b"0.1", b"1e300", b"-1e300", b"inf", b"-inf", b"+inf",
          b"1148677881235767424", b"4611686018427387904", b"123456789012345678", b"-0", b"1e-5", b"3", b"10",
          b"nan", b"abc", b"", b"1.0000000000000002"]
SCORE_BOUNDS = SCORES + [b"(1", b"(-inf", b"(+inf", b"(2.5", b"(", b"((1", b"[1"]
LEX_BOUNDS = [b"-", b"+", b"[a", b"(a", b"[b", b"(c", b"[", b"(", b"a", b"[\x00", b"[a\x00", b"(10"]
INDEXES = [b"0", b"1", b"2", b"-1", b"-2", b"3", b"5", b"-5", b"100", b"-100"] + EDGE_INTS + [b"x", b"", b"1.5"]
# Counts that are safe for commands replying |count| elements (no huge negative counts).
COUNTS = [b"0", b"1", b"2", b"3", b"5", b"10", b"-1", b"-2", b"-5", b"9223372036854775807",
          b"-9223372036854775808", b"x", b"", b"1.5"]
# No TTL lets a key expire during a run (in milliseconds the shortest is hours): the two servers
# run a command microseconds apart, and one could see the key expired where the other does not.
TTLS = [b"10000000", b"100000000", b"0", b"-1", b"x", b"9223372036854775807", b"-9223372036854775808",
        b"99999999999999", b"1.5"]
PATTERNS = [b"*", b"", b"s*", b"?1", b"*1", b"[hz]*", b"z\x00*", b"a*", b"*\\", b"[a-", b"\\*", b"h?"]
BIT_OFFSETS = [b"0", b"1", b"7", b"8", b"100", b"1000", b"-1", b"4294967296", b"x", b"9223372036854775807"]


class Gen:
    """Draws arguments from the pools with one random generator."""

    def __init__(self, rng):
        self.r = rng

    def pick(self, pool):
        return self.r.choice(pool)

    def key(self, kind=None):
        if kind is not None and self.r.random() < 0.8:
            return self.pick(TYPED_KEYS[kind])
        return self.pick(ALL_KEYS)

    def keys(self, kind, lo=1, hi=3):
        return [self.key(kind) for _ in range(self.r.randint(lo, hi))]

    def value(self):
        x = self.r.random()
        if x < 0.5:
            return self.pick(VALUES)
        if x < 0.8:
            return bytes(self.r.choice(b"abc") for _ in range(self.r.randint(0, 6)))
        return str(self.r.randint(-1000, 1000)).encode()

    def int_arg(self):
        return self.pick(INDEXES) if self.r.random() < 0.5 else str(self.r.randint(-20, 20)).encode()

    def field(self):
        return self.pick(FIELDS) if self.r.random() < 0.97 else b"f" * 65

    def member(self):
        return self.pick(SET_MEMBERS) if self.r.random() < 0.97 else b"m" * 65

    def score(self):
        return self.pick(SCORES) if self.r.random() < 0.7 else str(self.r.randint(-10, 10)).encode()

    def maybe(self, p, *words):
        return list(words) if self.r.random() < p else []

    def opt_ttl(self):
        r = self.r
        kind = r.choice([b"EX", b"PX", b"EXAT", b"PXAT", b"ex"])
        base = {b"EXAT": int(time.time()) + 100000, b"PXAT": int(time.time() * 1000) + 100000000}.get(kind.upper())
        if base is not None and r.random() < 0.7:
            return [kind, str(base + r.randint(0, 1000)).encode()]
        return [kind, self.pick(TTLS)]


# ---- Command generators: name -> function(Gen) returning (args, mode). The names cover every
# non-blocking data-type command; main() checks them against COMMAND LIST.

def _set(g):
    a = [b"SET", g.key("string"), g.value()]
    for _ in range(g.r.randint(0, 2)):
        a += g.r.choice([[b"NX"], [b"XX"], [b"GET"], [b"KEEPTTL"], g.opt_ttl()])
    return a


def _getex(g):
    a = [b"GETEX", g.key("string")]
    if g.r.random() < 0.6:
        a += g.r.choice([[b"PERSIST"], g.opt_ttl(), g.opt_ttl()])
    return a


def _lcs(g):
    a = [b"LCS", g.key("string"), g.key("string")]
    for _ in range(g.r.randint(0, 3)):
        a += g.r.choice([[b"LEN"], [b"IDX"], [b"MINMATCHLEN", g.int_arg()], [b"WITHMATCHLEN"]])
    return a


def _range_unit(g):
    return g.maybe(0.3, g.r.choice([b"BYTE", b"BIT", b"bit", b"WORD"]))


def _bitfield(g, ro=False):
    a = [b"BITFIELD_RO" if ro else b"BITFIELD", g.key("string")]
    types = [b"u8", b"i8", b"u1", b"i16", b"u63", b"i64", b"u64", b"i0", b"x8", b"u4"]
    offsets = [b"0", b"1", b"8", b"#1", b"#0", b"100", b"-1", b"x", b"4294967296"]
    for _ in range(g.r.randint(0, 3)):
        op = g.r.random()
        if op < 0.4 or ro:
            a += [b"GET", g.pick(types), g.pick(offsets)]
        elif op < 0.65:
            a += [b"SET", g.pick(types), g.pick(offsets), g.int_arg()]
        elif op < 0.9:
            a += [b"INCRBY", g.pick(types), g.pick(offsets), g.int_arg()]
        else:
            a += [b"OVERFLOW", g.pick([b"WRAP", b"SAT", b"FAIL", b"x"])]
    return a


def _expire(g, name):
    a = [name, g.key()]
    if name.endswith(b"AT") and g.r.random() < 0.6:
        now = int(time.time() * (1000 if name.startswith(b"P") else 1))
        a.append(str(now + g.r.choice([-100, 100000, 10000000]) * (1000 if name.startswith(b"P") else 1)).encode())
    else:
        a.append(g.pick(TTLS))
    for _ in range(g.r.randint(0, 1)):
        a.append(g.pick([b"NX", b"XX", b"GT", b"LT", b"xx", b"ZZ"]))
    return a


def _lpos(g):
    a = [b"LPOS", g.key("list"), g.value()]
    for _ in range(g.r.randint(0, 2)):
        a += g.r.choice([[b"RANK", g.int_arg()], [b"COUNT", g.pick(COUNTS[:8] + [b"-1", b"x"])],
                         [b"MAXLEN", g.int_arg()]])
    return a


def _side(g):
    return g.pick([b"LEFT", b"RIGHT", b"left", b"UP"])


def _zrange_opts(g, withscores=True):
    a = []
    for _ in range(g.r.randint(0, 2)):
        a += g.r.choice([[b"LIMIT", g.int_arg(), g.int_arg()], [b"REV"]] +
                        ([[b"WITHSCORES"]] if withscores else []))
    return a


def _zrange(g):
    how = g.r.random()
    if how < 0.4:
        a = [b"ZRANGE", g.key("zset"), g.int_arg(), g.int_arg()]
    elif how < 0.7:
        a = [b"ZRANGE", g.key("zset"), g.pick(SCORE_BOUNDS), g.pick(SCORE_BOUNDS), b"BYSCORE"]
    else:
        a = [b"ZRANGE", g.key("zset"), g.pick(LEX_BOUNDS), g.pick(LEX_BOUNDS), b"BYLEX"]
    return a + _zrange_opts(g)


def _zrangestore(g):
    a = _zrange(g)
    return [b"ZRANGESTORE", g.key("zset")] + a[1:]


def _zadd(g):
    a = [b"ZADD", g.key("zset")]
    for _ in range(g.r.randint(0, 2)):
        a.append(g.pick([b"NX", b"XX", b"GT", b"LT", b"CH", b"INCR"]))
    for _ in range(g.r.randint(1, 3)):
        a += [g.score(), g.member()]
    return a


def _zsetop(g, name, store):
    n = g.r.randint(1, 3)
    a = [name] + ([g.key("zset")] if store else [])
    a.append(str(n).encode() if g.r.random() < 0.9 else g.pick([b"0", b"-1", b"x", b"9"]))
    a += [g.key(g.pick(["zset", "zset", "set"])) for _ in range(n)]
    if name not in (b"ZDIFF", b"ZDIFFSTORE"):
        if g.r.random() < 0.3:
            a += [b"WEIGHTS"] + [g.pick([b"1", b"2", b"-1", b"0", b"inf", b"x", b"0.5"]) for _ in range(n)]
        if g.r.random() < 0.3:
            a += [b"AGGREGATE", g.pick([b"SUM", b"MIN", b"MAX", b"x"])]
    if not store and g.r.random() < 0.5:
        a.append(b"WITHSCORES")
    return a


def _numkeys(g, name, kind, before=()):
    n = g.r.randint(1, 3)
    a = [name] + list(before)
    a.append(str(n).encode() if g.r.random() < 0.9 else g.pick([b"0", b"-1", b"x", b"9"]))
    return a + [g.key(kind) for _ in range(n)]


def _sort(g, ro=False):
    a = [b"SORT_RO" if ro else b"SORT", g.key(g.pick(["list", "set", "zset"]))]
    opts = [[b"BY", g.pick([b"nosort", b"s*", b"h*->a", b"*", b"x"])], [b"LIMIT", g.int_arg(), g.int_arg()],
            [b"GET", g.pick([b"#", b"s*", b"h*->a", b"h*->", b"x"])], [b"ASC"], [b"DESC"], [b"ALPHA"]]
    if not ro:
        opts.append([b"STORE", g.key("list")])
    for _ in range(g.r.randint(0, 3)):
        a += g.r.choice(opts)
    return a


def _scan_cursor(g):
    return g.pick([b"0"] * 8 + [b"", b"abc", b" 1", b"18446744073709551616", b"-1"])


def _scan_opts(g, allow_type):
    a = []
    for _ in range(g.r.randint(0, 2)):
        choices = [[b"MATCH", g.pick(PATTERNS + FIELDS[:6])], [b"COUNT", g.pick([b"1", b"2", b"10", b"0", b"-1",
                                                                               b"x", b"100"])]]
        if allow_type or g.r.random() < 0.1:
            choices.append([b"TYPE", g.pick([b"string", b"hash", b"list", b"set", b"zset", b"LIST", b"x"])])
        a += g.r.choice(choices)
    return a


GENERATORS = {
    # strings
    "set": lambda g: (_set(g), "bytes"),
    "get": lambda g: ([b"GET", g.key("string")], "bytes"),
    "setnx": lambda g: ([b"SETNX", g.key("string"), g.value()], "bytes"),
    "setex": lambda g: ([b"SETEX", g.key("string"), g.pick(TTLS), g.value()], "bytes"),
    "psetex": lambda g: ([b"PSETEX", g.key("string"), g.pick(TTLS), g.value()], "bytes"),
    "getset": lambda g: ([b"GETSET", g.key("string"), g.value()], "bytes"),
    "getdel": lambda g: ([b"GETDEL", g.key("string")], "bytes"),
    "getex": lambda g: (_getex(g), "bytes"),
    "mget": lambda g: ([b"MGET"] + g.keys("string"), "bytes"),
    "mset": lambda g: ([b"MSET"] + [x for _ in range(g.r.randint(1, 2)) for x in (g.key("string"), g.value())],
                       "bytes"),
    "msetnx": lambda g: ([b"MSETNX"] + [x for _ in range(g.r.randint(1, 2)) for x in (g.key("string"), g.value())],
                         "bytes"),
    "append": lambda g: ([b"APPEND", g.key("string"), g.value()], "bytes"),
    "strlen": lambda g: ([b"STRLEN", g.key("string")], "bytes"),
    "getrange": lambda g: ([b"GETRANGE", g.key("string"), g.int_arg(), g.int_arg()], "bytes"),
    "substr": lambda g: ([b"SUBSTR", g.key("string"), g.int_arg(), g.int_arg()], "bytes"),
    "setrange": lambda g: ([b"SETRANGE", g.key("string"), g.pick([b"0", b"1", b"5", b"70", b"-1", b"x",
                                                                  b"536870912", b"9223372036854775807"]),
                            g.value()], "bytes"),
    "incr": lambda g: ([b"INCR", g.key("string")], "bytes"),
    "decr": lambda g: ([b"DECR", g.key("string")], "bytes"),
    "incrby": lambda g: ([b"INCRBY", g.key("string"), g.int_arg()], "bytes"),
    "decrby": lambda g: ([b"DECRBY", g.key("string"), g.int_arg()], "bytes"),
    "incrbyfloat": lambda g: ([b"INCRBYFLOAT", g.key("string"), g.pick(SCORES + VALUES[:12])], "bytes"),
    "lcs": lambda g: (_lcs(g), "bytes"),
    # bitmaps
    "setbit": lambda g: ([b"SETBIT", g.key("string"), g.pick(BIT_OFFSETS), g.pick([b"0", b"1", b"2", b"x"])],
                         "bytes"),
    "getbit": lambda g: ([b"GETBIT", g.key("string"), g.pick(BIT_OFFSETS)], "bytes"),
    "bitcount": lambda g: ([b"BITCOUNT", g.key("string")] +
                           (g.maybe(0.6, g.int_arg(), g.int_arg()) + _range_unit(g)), "bytes"),
    "bitpos": lambda g: ([b"BITPOS", g.key("string"), g.pick([b"0", b"1", b"2"])] +
                         g.maybe(0.6, g.int_arg()) + g.maybe(0.4, g.int_arg()) + _range_unit(g), "bytes"),
    "bitop": lambda g: ([b"BITOP", g.pick([b"AND", b"OR", b"XOR", b"NOT", b"not", b"NAND"]), g.key("string")] +
                        g.keys("string"), "bytes"),
    "bitfield": lambda g: (_bitfield(g), "bytes"),
    "bitfield_ro": lambda g: (_bitfield(g, ro=True), "bytes"),
    # hashes
    "hset": lambda g: ([b"HSET", g.key("hash")] + [x for _ in range(g.r.randint(1, 3))
                                                    for x in (g.field(), g.value())], "bytes"),
    "hsetnx": lambda g: ([b"HSETNX", g.key("hash"), g.field(), g.value()], "bytes"),
    "hget": lambda g: ([b"HGET", g.key("hash"), g.field()], "bytes"),
    "hmget": lambda g: ([b"HMGET", g.key("hash")] + [g.field() for _ in range(g.r.randint(1, 3))], "bytes"),
    "hmset": lambda g: ([b"HMSET", g.key("hash")] + [x for _ in range(g.r.randint(1, 2))
                                                      for x in (g.field(), g.value())], "bytes"),
    "hgetall": lambda g: ([b"HGETALL", g.key("hash")], "pairs"),
    "hdel": lambda g: ([b"HDEL", g.key("hash")] + [g.field() for _ in range(g.r.randint(1, 3))], "bytes"),
    "hlen": lambda g: ([b"HLEN", g.key("hash")], "bytes"),
    "hstrlen": lambda g: ([b"HSTRLEN", g.key("hash"), g.field()], "bytes"),
    "hexists": lambda g: ([b"HEXISTS", g.key("hash"), g.field()], "bytes"),
    "hkeys": lambda g: ([b"HKEYS", g.key("hash")], "sorted"),
    "hvals": lambda g: ([b"HVALS", g.key("hash")], "sorted"),
    "hincrby": lambda g: ([b"HINCRBY", g.key("hash"), g.field(), g.int_arg()], "bytes"),
    "hincrbyfloat": lambda g: ([b"HINCRBYFLOAT", g.key("hash"), g.field(), g.pick(SCORES + VALUES[:12])], "bytes"),
    "hrandfield": lambda g: ([b"HRANDFIELD", g.key("hash")] +
                             (g.maybe(0.8, g.pick(COUNTS)) + g.maybe(0.5, b"WITHVALUES")), "pick"),
    "hscan": lambda g: ([b"HSCAN", g.key("hash"), _scan_cursor(g)] + _scan_opts(g, False), "scan"),
    # keyspace
    "del": lambda g: ([b"DEL"] + g.keys(None), "bytes"),
    "unlink": lambda g: ([b"UNLINK"] + g.keys(None), "bytes"),
    "exists": lambda g: ([b"EXISTS"] + g.keys(None), "bytes"),
    "touch": lambda g: ([b"TOUCH"] + g.keys(None), "bytes"),
    "type": lambda g: ([b"TYPE", g.key()], "bytes"),
    "rename": lambda g: ([b"RENAME", g.key(), g.key()], "bytes"),
    "renamenx": lambda g: ([b"RENAMENX", g.key(), g.key()], "bytes"),
    "copy": lambda g: ([b"COPY", g.key(), g.key()] + g.maybe(0.2, b"DB", g.pick([b"0", b"1", b"16", b"x"])) +
                       g.maybe(0.4, b"REPLACE"), "bytes"),
    "move": lambda g: ([b"MOVE", g.key(), g.pick([b"0", b"1", b"1", b"16", b"-1", b"x"])], "bytes"),
    "randomkey": lambda g: ([b"RANDOMKEY"], "pick"),
    "dbsize": lambda g: ([b"DBSIZE"], "bytes"),
    "flushdb": lambda g: ([b"FLUSHDB"] + g.maybe(0.5, g.pick([b"ASYNC", b"SYNC", b"x"])), "bytes"),
    "flushall": lambda g: ([b"FLUSHALL"] + g.maybe(0.5, g.pick([b"ASYNC", b"SYNC", b"x"])), "bytes"),
    "swapdb": lambda g: ([b"SWAPDB", g.pick([b"0", b"1"]), g.pick([b"0", b"1", b"16", b"x"])], "bytes"),
    "keys": lambda g: ([b"KEYS", g.pick(PATTERNS)], "sorted"),
    "scan": lambda g: ([b"SCAN", _scan_cursor(g)] + _scan_opts(g, True), "scan"),
    "object|encoding": lambda g: ([b"OBJECT", b"ENCODING", g.key()], "shape"),
    "object|freq": lambda g: ([b"OBJECT", b"FREQ", g.key()], "shape"),
    "object|idletime": lambda g: ([b"OBJECT", b"IDLETIME", g.key()], "shape"),
    "object|refcount": lambda g: ([b"OBJECT", b"REFCOUNT", g.key()], "shape"),
    "memory|usage": lambda g: ([b"MEMORY", b"USAGE", g.key()] + g.maybe(0.3, b"SAMPLES", g.int_arg()), "shape"),
    "expire": lambda g: (_expire(g, b"EXPIRE"), "bytes"),
    "pexpire": lambda g: (_expire(g, b"PEXPIRE"), "bytes"),
    "expireat": lambda g: (_expire(g, b"EXPIREAT"), "bytes"),
    "pexpireat": lambda g: (_expire(g, b"PEXPIREAT"), "bytes"),
    "ttl": lambda g: ([b"TTL", g.key()], "ttl"),
    "pttl": lambda g: ([b"PTTL", g.key()], "ttl"),
    "expiretime": lambda g: ([b"EXPIRETIME", g.key()], "ttl"),
    "pexpiretime": lambda g: ([b"PEXPIRETIME", g.key()], "ttl"),
    "persist": lambda g: ([b"PERSIST", g.key()], "bytes"),
    # lists
    "lpush": lambda g: ([b"LPUSH", g.key("list")] + [g.value() for _ in range(g.r.randint(1, 3))], "bytes"),
    "rpush": lambda g: ([b"RPUSH", g.key("list")] + [g.value() for _ in range(g.r.randint(1, 3))], "bytes"),
    "lpushx": lambda g: ([b"LPUSHX", g.key("list")] + [g.value() for _ in range(g.r.randint(1, 2))], "bytes"),
    "rpushx": lambda g: ([b"RPUSHX", g.key("list")] + [g.value() for _ in range(g.r.randint(1, 2))], "bytes"),
    "lpop": lambda g: ([b"LPOP", g.key("list")] + g.maybe(0.5, g.pick(COUNTS)), "bytes"),
    "rpop": lambda g: ([b"RPOP", g.key("list")] + g.maybe(0.5, g.pick(COUNTS)), "bytes"),
    "llen": lambda g: ([b"LLEN", g.key("list")], "bytes"),
    "lrange": lambda g: ([b"LRANGE", g.key("list"), g.int_arg(), g.int_arg()], "bytes"),
    "lindex": lambda g: ([b"LINDEX", g.key("list"), g.int_arg()], "bytes"),
    "lset": lambda g: ([b"LSET", g.key("list"), g.int_arg(), g.value()], "bytes"),
    "linsert": lambda g: ([b"LINSERT", g.key("list"), g.pick([b"BEFORE", b"AFTER", b"after", b"x"]), g.value(),
                           g.value()], "bytes"),
    "lrem": lambda g: ([b"LREM", g.key("list"), g.int_arg(), g.value()], "bytes"),
    "ltrim": lambda g: ([b"LTRIM", g.key("list"), g.int_arg(), g.int_arg()], "bytes"),
    "lpos": lambda g: (_lpos(g), "bytes"),
    "lmove": lambda g: ([b"LMOVE", g.key("list"), g.key("list"), _side(g), _side(g)], "bytes"),
    "rpoplpush": lambda g: ([b"RPOPLPUSH", g.key("list"), g.key("list")], "bytes"),
    "lmpop": lambda g: (_numkeys(g, b"LMPOP", "list") + [_side(g)] + g.maybe(0.5, b"COUNT", g.pick(COUNTS)),
                        "bytes"),
    # sets
    "sadd": lambda g: ([b"SADD", g.key("set")] + [g.member() for _ in range(g.r.randint(1, 4))], "bytes"),
    "srem": lambda g: ([b"SREM", g.key("set")] + [g.member() for _ in range(g.r.randint(1, 3))], "bytes"),
    "smembers": lambda g: ([b"SMEMBERS", g.key("set")], "sorted"),
    "sismember": lambda g: ([b"SISMEMBER", g.key("set"), g.member()], "bytes"),
    "smismember": lambda g: ([b"SMISMEMBER", g.key("set")] + [g.member() for _ in range(g.r.randint(1, 3))],
                             "bytes"),
    "scard": lambda g: ([b"SCARD", g.key("set")], "bytes"),
    "spop": lambda g: ([b"SPOP", g.key("set")] + g.maybe(0.6, g.pick(COUNTS)), "pick"),
    "srandmember": lambda g: ([b"SRANDMEMBER", g.key("set")] + g.maybe(0.7, g.pick(COUNTS)), "pick"),
    "smove": lambda g: ([b"SMOVE", g.key("set"), g.key("set"), g.member()], "bytes"),
    "sinter": lambda g: ([b"SINTER"] + g.keys("set"), "sorted"),
    "sintercard": lambda g: (_numkeys(g, b"SINTERCARD", "set") + g.maybe(0.4, b"LIMIT", g.int_arg()), "bytes"),
    "sinterstore": lambda g: ([b"SINTERSTORE", g.key("set")] + g.keys("set"), "bytes"),
    "sunion": lambda g: ([b"SUNION"] + g.keys("set"), "sorted"),
    "sunionstore": lambda g: ([b"SUNIONSTORE", g.key("set")] + g.keys("set"), "bytes"),
    "sdiff": lambda g: ([b"SDIFF"] + g.keys("set"), "sorted"),
    "sdiffstore": lambda g: ([b"SDIFFSTORE", g.key("set")] + g.keys("set"), "bytes"),
    "sscan": lambda g: ([b"SSCAN", g.key("set"), _scan_cursor(g)] + _scan_opts(g, False), "scan"),
    # sort
    "sort": lambda g: (_sort(g), "sort"),
    "sort_ro": lambda g: (_sort(g, ro=True), "sort"),
    # sorted sets
    "zadd": lambda g: (_zadd(g), "bytes"),
    "zincrby": lambda g: ([b"ZINCRBY", g.key("zset"), g.score(), g.member()], "bytes"),
    "zrem": lambda g: ([b"ZREM", g.key("zset")] + [g.member() for _ in range(g.r.randint(1, 3))], "bytes"),
    "zcard": lambda g: ([b"ZCARD", g.key("zset")], "bytes"),
    "zcount": lambda g: ([b"ZCOUNT", g.key("zset"), g.pick(SCORE_BOUNDS), g.pick(SCORE_BOUNDS)], "bytes"),
    "zlexcount": lambda g: ([b"ZLEXCOUNT", g.key("zset"), g.pick(LEX_BOUNDS), g.pick(LEX_BOUNDS)], "lex"),
    "zscore": lambda g: ([b"ZSCORE", g.key("zset"), g.member()], "bytes"),
    "zmscore": lambda g: ([b"ZMSCORE", g.key("zset")] + [g.member() for _ in range(g.r.randint(1, 3))], "bytes"),
    "zrank": lambda g: ([b"ZRANK", g.key("zset"), g.member()], "bytes"),
    "zrevrank": lambda g: ([b"ZREVRANK", g.key("zset"), g.member()], "bytes"),
    "zrange": lambda g: (_zrange(g), "lex"),
    "zrangestore": lambda g: (_zrangestore(g), "lex"),
    "zrevrange": lambda g: ([b"ZREVRANGE", g.key("zset"), g.int_arg(), g.int_arg()] + g.maybe(0.5, b"WITHSCORES"),
                            "bytes"),
    "zrangebyscore": lambda g: ([b"ZRANGEBYSCORE", g.key("zset"), g.pick(SCORE_BOUNDS), g.pick(SCORE_BOUNDS)] +
                                _zrange_opts(g), "bytes"),
    "zrevrangebyscore": lambda g: ([b"ZREVRANGEBYSCORE", g.key("zset"), g.pick(SCORE_BOUNDS),
                                    g.pick(SCORE_BOUNDS)] + _zrange_opts(g), "bytes"),
    "zrangebylex": lambda g: ([b"ZRANGEBYLEX", g.key("zset"), g.pick(LEX_BOUNDS), g.pick(LEX_BOUNDS)] +
                              _zrange_opts(g, withscores=False), "lex"),
    "zrevrangebylex": lambda g: ([b"ZREVRANGEBYLEX", g.key("zset"), g.pick(LEX_BOUNDS), g.pick(LEX_BOUNDS)] +
                                 _zrange_opts(g, withscores=False), "lex"),
    "zremrangebyrank": lambda g: ([b"ZREMRANGEBYRANK", g.key("zset"), g.int_arg(), g.int_arg()], "bytes"),
    "zremrangebyscore": lambda g: ([b"ZREMRANGEBYSCORE", g.key("zset"), g.pick(SCORE_BOUNDS),
                                    g.pick(SCORE_BOUNDS)], "bytes"),
    "zremrangebylex": lambda g: ([b"ZREMRANGEBYLEX", g.key("zset"), g.pick(LEX_BOUNDS), g.pick(LEX_BOUNDS)],
                                 "lex"),
    "zpopmin": lambda g: ([b"ZPOPMIN", g.key("zset")] + g.maybe(0.5, g.pick(COUNTS)), "bytes"),
    "zpopmax": lambda g: ([b"ZPOPMAX", g.key("zset")] + g.maybe(0.5, g.pick(COUNTS)), "bytes"),
    "zmpop": lambda g: (_numkeys(g, b"ZMPOP", "zset") + [g.pick([b"MIN", b"MAX", b"max", b"x"])] +
                        g.maybe(0.5, b"COUNT", g.pick(COUNTS)), "bytes"),
    "zrandmember": lambda g: ([b"ZRANDMEMBER", g.key("zset")] +
                              (g.maybe(0.8, g.pick(COUNTS)) + g.maybe(0.5, b"WITHSCORES")), "pick"),
    "zunion": lambda g: (_zsetop(g, b"ZUNION", False), "bytes"),
    "zunionstore": lambda g: (_zsetop(g, b"ZUNIONSTORE", True), "bytes"),
    "zinter": lambda g: (_zsetop(g, b"ZINTER", False), "bytes"),
    "zinterstore": lambda g: (_zsetop(g, b"ZINTERSTORE", True), "bytes"),
    "zintercard": lambda g: (_numkeys(g, b"ZINTERCARD", "zset") + g.maybe(0.4, b"LIMIT", g.int_arg()), "bytes"),
    "zdiff": lambda g: (_zsetop(g, b"ZDIFF", False), "bytes"),
    "zdiffstore": lambda g: (_zsetop(g, b"ZDIFFSTORE", True), "bytes"),
    "zscan": lambda g: ([b"ZSCAN", g.key("zset"), _scan_cursor(g)] + _scan_opts(g, False), "scan"),
    # persistence (payload bytes differ where a hashtable's order does)
    "dump": lambda g: ([b"DUMP", g.key()], "shape"),
    "restore": lambda g: ([b"RESTORE", g.key(), g.pick([b"0", b"100000", b"-1"]), RESTORE_PAYLOAD]
                          + g.maybe(0.5, b"REPLACE"), "bytes"),
    # pub/sub, with nobody subscribed
    "publish": lambda g: ([b"PUBLISH", g.key(), g.value()], "bytes"),
    "spublish": lambda g: ([b"SPUBLISH", g.key(), g.value()], "bytes"),
    "pubsub|channels": lambda g: ([b"PUBSUB", b"CHANNELS"] + g.maybe(0.5, b"*"), "bytes"),
    "pubsub|shardchannels": lambda g: ([b"PUBSUB", b"SHARDCHANNELS"] + g.maybe(0.5, b"*"), "bytes"),
    "pubsub|numsub": lambda g: ([b"PUBSUB", b"NUMSUB", g.key(), g.key()], "bytes"),
    "pubsub|shardnumsub": lambda g: ([b"PUBSUB", b"SHARDNUMSUB", g.key()], "bytes"),
    "pubsub|numpat": lambda g: ([b"PUBSUB", b"NUMPAT"], "bytes"),
    "pubsub|help": lambda g: ([b"PUBSUB", b"HELP"], "bytes"),
    # transactions: WATCH alone (MULTI would queue the commands that follow)
    "watch": lambda g: ([b"WATCH", g.key()], "bytes"),
    "unwatch": lambda g: ([b"UNWATCH"], "bytes"),
}

# ---- Scripts: one body runs a list of generated commands and returns their replies. ARGV holds
# the count of commands, then each command as its length and its words; KEYS declares the keys
# among them (or none), so Strata's runs go both ways: declared stripes only, and the whole
# database.
SCRIPT_BODY = (b"local out, i = {}, 2\n"
               b"for _ = 1, tonumber(ARGV[1]) do\n"
               b"  local n = tonumber(ARGV[i])\n"
               b"  out[#out + 1] = redis.%s(unpack(ARGV, i + 1, i + n))\n"
               b"  i = i + n + 1\n"
               b"end\n"
               b"return out\n")
# pcall: every reply comes back, errors as elements; call: the first error ends the script.
SCRIPT_BODIES = [SCRIPT_BODY % b"pcall", SCRIPT_BODY % b"call"]
SCRIPT_SHAS = [hashlib.sha1(body).hexdigest().encode() for body in SCRIPT_BODIES]
BAD_SCRIPTS = [b"return +", b"x = 1", b"return redis.call('nosuchcommand')", b"#!lua flags=bogus\nreturn 1"]


def _script_commands(g):
    """(numkeys, keys, argv) of a script running 1-3 generated commands whose replies compare byte
    for byte (commands that wipe the keyspace and scripts themselves left out)."""
    argv, keys = [], []
    count = g.r.randint(1, 3)
    while len(argv) < count:
        name = g.pick(SCRIPT_INNER)
        args, mode = GENERATORS[name](g)
        if mode == "bytes":
            argv.append(args)
    words = [str(count).encode()]
    for args in argv:
        words += [str(len(args)).encode()] + args
        keys += [a for a in args if a in ALL_KEYS and a not in keys]
    if g.r.random() < 0.3:
        keys = []
    return [str(len(keys)).encode()] + keys + words


def _eval(g, name):
    body = g.r.randrange(len(SCRIPT_BODIES))
    if name in (b"EVAL", b"EVAL_RO"):
        script = SCRIPT_BODIES[body] if g.r.random() < 0.95 else g.pick(BAD_SCRIPTS)
    else:
        script = SCRIPT_SHAS[body] if g.r.random() < 0.95 else g.pick([b"0" * 40, b"abc"])
    return [name, script] + _script_commands(g)


# The same bodies as functions of one library (FUNCTION LOAD at the start), their ARGV the
# function's second parameter; FCALL_RO may call only the no-writes one.
FUNCTION_LIBRARY = (b"#!lua name=rdiff\n" +
                    b"".join(b"redis.register_function{function_name='%s', flags={%s}, callback=function(_, ARGV)\n"
                             % (name, flags) + body + b"end}\n"
                             for name, flags, body in ((b"rd_pcall", b"", SCRIPT_BODIES[0]),
                                                       (b"rd_call", b"", SCRIPT_BODIES[1]),
                                                       (b"rd_ro", b"'no-writes'", SCRIPT_BODIES[0]))))
FUNCTION_NAMES = [b"rd_pcall", b"rd_call", b"rd_ro", b"nosuch"]


def _fcall(g, name):
    return [name, g.pick(FUNCTION_NAMES)] + _script_commands(g)


SCRIPT_GENERATORS = {
    "fcall": lambda g: (_fcall(g, b"FCALL"), "bytes"),
    "fcall_ro": lambda g: (_fcall(g, b"FCALL_RO"), "bytes"),
    "eval": lambda g: (_eval(g, b"EVAL"), "bytes"),
    "evalsha": lambda g: (_eval(g, b"EVALSHA"), "bytes"),
    "eval_ro": lambda g: (_eval(g, b"EVAL_RO"), "bytes"),
    "evalsha_ro": lambda g: (_eval(g, b"EVALSHA_RO"), "bytes"),
    "script|load": lambda g: ([b"SCRIPT", b"LOAD", g.pick(SCRIPT_BODIES + BAD_SCRIPTS)], "bytes"),
    "script|exists": lambda g: ([b"SCRIPT", b"EXISTS"] + [g.pick(SCRIPT_SHAS + [b"0" * 40, b"x"])
                                                           for _ in range(g.r.randint(1, 3))], "bytes"),
    "script|flush": lambda g: ([b"SCRIPT", b"FLUSH"] + g.maybe(0.5, g.pick([b"SYNC", b"ASYNC", b"x"])), "bytes"),
    "script|help": lambda g: ([b"SCRIPT", b"HELP"], "bytes"),
    "script|kill": lambda g: ([b"SCRIPT", b"KILL"] + g.maybe(0.2, b"x"), "bytes"),  # NOTBUSY: nothing runs
}
SCRIPT_INNER = sorted(n for n in GENERATORS if n not in ("flushdb", "flushall", "swapdb"))
GENERATORS.update(SCRIPT_GENERATORS)

# DUMP of the string "restored", as redis-server 7.0 makes it (RDB version 10 and CRC-64 trailer).
RESTORE_PAYLOAD = b"\x00\x08restored\x0a\x00\xb5e\xb8\xd8\xd2o\x0a\xf4"

# Registered commands left out, and why.
EXCLUDED = {
    "blpop", "brpop", "blmove", "brpoplpush", "blmpop", "bzpopmin", "bzpopmax", "bzmpop",  # blocking
    "object|help", "memory|stats", "memory|doctor", "memory|purge", "memory|help", "memory|malloc-stats",
    "object", "memory", "pubsub",  # containers (their subcommands are drawn)
    "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe",  # subscribed mode
    "multi", "exec", "discard",  # a transaction spans commands
    "save", "bgsave", "debug",  # snapshots: the file, not the keyspace
    "monitor",  # the connection becomes a feed (clients.redis, test_client_limits.py)
    "script",  # a container (its subcommands are drawn)
}
# Whole groups left out: connection, server administration and introspection (slowlog.redis and
# latency.redis cover SLOWLOG and LATENCY), and access control (users are server state, not
# keyspace; differential/acl.redis and test_acl.py cover ACL).
EXCLUDED_CONTAINERS = {"client", "command", "config", "acl", "slowlog", "latency", "function"}
EXCLUDED_TOP = {"ping", "echo", "quit", "select", "auth", "hello", "reset", "info", "time", "lastsave", "shutdown"}

# Commands drawn more rarely (they wipe or swap the keyspace).
RARE = {"flushdb": 0.02, "flushall": 0.01, "swapdb": 0.1, "script|flush": 0.05}


# ---- Comparison.

def flat_children(tree):
    t, payload = tree
    return payload if isinstance(payload, list) else None


def is_error(tree):
    return tree[0] == "-"


def compare_sorted(exp, got):
    e, g = flat_children(exp[1]), flat_children(got[1])
    if e is None or g is None:
        return exp[0] == got[0]
    return exp[1][0] == got[1][0] and sorted(r for r, _ in e) == sorted(r for r, _ in g)


def pairs_of(children):
    return sorted((children[i][0], children[i + 1][0]) for i in range(0, len(children) - 1, 2))


def compare_pairs(exp, got):
    e, g = flat_children(exp[1]), flat_children(got[1])
    if e is None or g is None:
        return exp[0] == got[0]
    return exp[1][0] == got[1][0] and len(e) == len(g) and pairs_of(e) == pairs_of(g)


def compare_ttl(exp, got, args):
    if exp[1][0] != ":" or got[1][0] != ":":
        return exp[0] == got[0]
    a, b = int(exp[1][1]), int(got[1][1])
    if a < 0 or b < 0:
        return a == b
    tolerance = 1500 if args[0].upper() in (b"PTTL", b"PEXPIRETIME") else 2
    return abs(a - b) <= tolerance


class Side:
    """One server's connections: RESP2 and RESP3."""

    def __init__(self, port):
        self.c2 = Conn(port)
        self.c3 = Conn(port)
        self.c3.send(encode(b"HELLO", b"3"))
        self.c3.read_reply()

    def conn(self, resp3):
        return self.c3 if resp3 else self.c2

    def call(self, args, resp3=False):
        c = self.conn(resp3)
        c.send(encode(*args))
        return c.read_reply()

    def close(self):
        self.c2.close()
        self.c3.close()


def value_of(tree):
    t, payload = tree
    if isinstance(payload, list):
        return [value_of(c) for _, c in payload]
    return payload


class Runner:
    def __init__(self, ref, sut, seed, verbose):
        self.ref, self.sut = ref, sut
        self.seed = seed
        self.verbose = verbose
        self.passed = self.failed = 0
        self.number = 0
        self.history = []

    def report(self, text, args, exp, got):
        self.failed += 1
        print("MISMATCH seed=%d #%d %s: %r\n    redis:  %r\n    strata: %r" %
              (self.seed, self.number, text, args, exp[:500], got[:500]))
        if self.verbose:
            print("    commands before: %r" % self.history[-6:-1])
            # The keys the command names, as redis-server holds them now (after the command).
            for key in sorted({a for a in args if a in ALL_KEYS}):
                print("    %r: %r" % (key, self.dump(key)))
        sys.stdout.flush()

    def dump(self, key):
        t = value_of(self.ref.call([b"TYPE", key])[1])
        read = {b"string": [b"GET", key], b"list": [b"LRANGE", key, b"0", b"-1"], b"set": [b"SMEMBERS", key],
                b"hash": [b"HGETALL", key], b"zset": [b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"]}.get(t)
        return t, value_of(self.ref.call(read)[1]) if read else None

    # -- state copying: both servers get redis-server's value of `key`.
    def resync(self, key):
        t = value_of(self.ref.call([b"TYPE", key])[1])
        pttl = int(value_of(self.ref.call([b"PTTL", key])[1]))
        rebuild = None
        if t == b"string":
            rebuild = [[b"SET", key, value_of(self.ref.call([b"GET", key])[1])]]
        elif t == b"list":
            items = value_of(self.ref.call([b"LRANGE", key, b"0", b"-1"])[1])
            rebuild = [[b"RPUSH", key] + items]
        elif t == b"set":
            rebuild = [[b"SADD", key] + value_of(self.ref.call([b"SMEMBERS", key])[1])]
        elif t == b"hash":
            rebuild = [[b"HSET", key] + value_of(self.ref.call([b"HGETALL", key])[1])]
        elif t == b"zset":
            flat = value_of(self.ref.call([b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"])[1])
            args = [b"ZADD", key]
            for i in range(0, len(flat), 2):
                args += [flat[i + 1], flat[i]]
            rebuild = [args]
        for side in (self.ref, self.sut):
            side.call([b"DEL", key])
            for cmd in rebuild or []:
                side.call(cmd)
            if rebuild and pttl > 0:
                side.call([b"PEXPIRE", key, str(pttl).encode()])

    def resync_all(self):
        for key in ALL_KEYS:
            self.resync(key)
        # Keys only Strata has (a write redis-server refused) go too.
        for key in value_of(self.sut.call([b"KEYS", b"*"])[1]):
            if key not in ALL_KEYS:
                self.resync(key)

    def check_state(self):
        """Compares every key's type and content: one case."""
        problems = []
        for key in ALL_KEYS:
            t = self.ref.call([b"TYPE", key])
            if t[0] != self.sut.call([b"TYPE", key])[0]:
                problems.append((key, t[0], None))
                continue
            reads = {b"+string": ([b"GET", key], "bytes"), b"+list": ([b"LRANGE", key, b"0", b"-1"], "bytes"),
                     b"+set": ([b"SMEMBERS", key], "sorted"), b"+hash": ([b"HGETALL", key], "pairs"),
                     b"+zset": ([b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"], "bytes")}.get(t[0].strip())
            if reads is None:
                continue
            args, mode = reads
            exp, got = self.ref.call(args), self.sut.call(args)
            ok = {"bytes": exp[0] == got[0], "sorted": compare_sorted(exp, got),
                  "pairs": compare_pairs(exp, got)}[mode]
            if not ok:
                problems.append((key, exp[0][:200], got[0][:200]))
        d1, d2 = self.ref.call([b"DBSIZE"]), self.sut.call([b"DBSIZE"])
        if d1[0] != d2[0]:
            problems.append((b"DBSIZE", d1[0], d2[0]))
        if problems:
            self.report("state check", [p[0] for p in problems], repr(problems).encode(), b"")
            self.resync_all()
        else:
            self.passed += 1

    # -- pick checks: the value before the command, read from redis-server.
    def before_pick(self, args):
        name = args[0].upper()
        if name == b"RANDOMKEY":
            return set(value_of(self.ref.call([b"KEYS", b"*"])[1]))
        if len(args) < 2:
            return None
        t = value_of(self.ref.call([b"TYPE", args[1]])[1])
        if name in (b"SPOP", b"SRANDMEMBER") and t == b"set":
            return {m: None for m in value_of(self.ref.call([b"SMEMBERS", args[1]])[1])}
        if name == b"HRANDFIELD" and t == b"hash":
            flat = value_of(self.ref.call([b"HGETALL", args[1]])[1])
            return dict(zip(flat[0::2], flat[1::2]))
        if name == b"ZRANDMEMBER" and t == b"zset":
            flat = value_of(self.ref.call([b"ZRANGE", args[1], b"0", b"-1", b"WITHSCORES"])[1])
            return {m: float(s) for m, s in zip(flat[0::2], flat[1::2])}
        return None

    def picks_ok(self, tree, before, args, resp3):
        """Whether one server's pick reply is consistent with `before`; returns a normalized form
        (type, size, distinct) for comparing the two servers' replies."""
        t, payload = tree
        if not isinstance(payload, list):
            if payload is None or t in "_":
                return True, ("null",)
            return payload in before, (t,)
        with_values = len(args) >= 4 and args[3].upper() in (b"WITHVALUES", b"WITHSCORES")
        elements = []
        if with_values and not resp3:
            flat = [value_of(c) for _, c in payload]
            elements = list(zip(flat[0::2], flat[1::2]))
        elif with_values:
            elements = [tuple(value_of(c)) for _, c in payload]
        else:
            elements = [(value_of(c), None) for _, c in payload]
        ok = True
        for e in elements:
            if e[0] not in before:
                ok = False
            elif e[1] is not None:
                want = before[e[0]]
                ok = ok and (float(e[1]) == want if isinstance(want, float) else e[1] == want)
        distinct = len({e[0] for e in elements}) == len(elements)
        return ok, (t, len(payload), distinct if int(args[2]) > 0 else None) if len(args) > 2 else (t, len(payload))

    # -- one command.
    def run_one(self, args, mode, resp3):
        self.history.append(args)
        del self.history[:-10]
        before = self.before_pick(args) if mode == "pick" else None
        if mode == "scan":
            return self.run_scan(args, resp3)
        if mode == "lex":
            written = self.lex_unspecified(args)
            if written is not None:
                exp, got = self.ref.call(args, resp3), self.sut.call(args, resp3)
                if written:
                    self.resync(written)
                ok = exp[0] == got[0] if is_error(exp[1]) or is_error(got[1]) else exp[1][0] == got[1][0]
                if ok:
                    self.passed += 1
                else:
                    self.report("reply", args, exp[0], got[0])
                    self.resync_all()
                return
        if mode == "sort":
            # Redis's SORT tests errno after strtod without clearing it first, so an ERANGE left
            # by an earlier command (an overlong SCAN cursor) fails its next numeric sort. A
            # cursor parse clears errno.
            self.ref.call([b"SSCAN", b"\x00", b"0"])
        exp = self.ref.call(args, resp3)
        got = self.sut.call(args, resp3)
        if is_error(exp[1]) or is_error(got[1]) or mode in ("bytes", "lex"):
            ok = exp[0] == got[0]
        elif mode == "sorted":
            ok = compare_sorted(exp, got)
        elif mode == "pairs":
            ok = compare_pairs(exp, got)
        elif mode == "ttl":
            ok = compare_ttl(exp, got, args)
        elif mode == "shape":
            ok = shape(exp[1]) == shape(got[1])
        elif mode == "sort":
            ok = self.compare_sort(args, exp, got)
        elif mode == "pick":
            if before is None:
                ok = exp[0] == got[0]
            else:
                e_ok, e_norm = self.picks_ok(exp[1], before, args, resp3)
                g_ok, g_norm = self.picks_ok(got[1], before, args, resp3)
                ok = e_ok and g_ok and e_norm == g_norm
            if args[0].upper() == b"SPOP" and len(args) >= 2:
                self.resync(args[1])
        else:
            raise ValueError(mode)
        if ok:
            self.passed += 1
        else:
            self.report("reply", args, exp[0], got[0])
            self.resync_all()

    def lex_unspecified(self, args):
        """Whether a lex-range command reads a sorted set whose scores differ, where Redis leaves
        the result unspecified; returns the key it writes then (or b"" for none), else None."""
        words = [a.upper() for a in args]
        name = words[0]
        if name in (b"ZRANGE", b"ZRANGESTORE") and b"BYLEX" not in words:
            return None
        src = args[2] if name == b"ZRANGESTORE" else args[1] if len(args) > 1 else None
        if src is None or self.ref.call([b"TYPE", src])[0] != b"+zset\r\n":
            return None
        flat = value_of(self.ref.call([b"ZRANGE", src, b"0", b"-1", b"WITHSCORES"])[1])
        if len(set(flat[1::2])) <= 1:
            return None
        return {b"ZRANGESTORE": args[1], b"ZREMRANGEBYLEX": args[1]}.get(name, b"")

    def compare_sort(self, args, exp, got):
        # A set sorted BY a pattern without '*' keeps the set's own order, which Redis does not
        # specify (with STORE, Redis sorts it anyway): compare the elements, or with LIMIT only
        # how many there are.
        # ALPHA BY a pattern leaves elements whose pattern values are equal (or missing) in the
        # order Redis's quicksort happens to give them.
        words = [a.upper() for a in args]
        by = [args[i + 1] for i in range(2, len(args) - 1) if words[i] == b"BY"]
        by_nosort = bool(by) and b"*" not in by[-1]
        alpha_by = bool(by) and not by_nosort and b"ALPHA" in words
        if b"STORE" in words and alpha_by:
            self.resync(args[words.index(b"STORE") + 1])
            return exp[0] == got[0]
        # ALPHA without STORE compares with strcoll, which ends at a NUL byte: elements equal up to
        # their first NUL tie, in quicksort's order again.
        elements = value_of(exp[1]) if isinstance(exp[1][1], list) else []
        alpha_nul = b"ALPHA" in words and any(e is not None and b"\x00" in e for e in elements)
        alpha_by = alpha_by or alpha_nul
        if (not by_nosort and not alpha_by) or b"STORE" in words or \
                (by_nosort and self.ref.call([b"TYPE", args[1]])[0] != b"+set\r\n"):
            return exp[0] == got[0]
        if b"LIMIT" in words:
            return shape(exp[1]) == shape(got[1])
        return compare_sorted(exp, got)

    def run_scan(self, args, resp3):
        at = 1 if args[0].upper() == b"SCAN" else 2
        full = len(args) > at and args[at] in (b"0", b"")
        if not full:
            exp, got = self.ref.call(args, resp3), self.sut.call(args, resp3)
            ok = exp[0] == got[0] if is_error(exp[1]) or is_error(got[1]) else exp[1][0] == got[1][0]
            if ok:
                self.passed += 1
            else:
                self.report("reply", args, exp[0], got[0])
            return
        e_raw, e_found = scan_all(lambda a: self.ref.call(a, resp3), args)
        g_raw, g_found = scan_all(lambda a: self.sut.call(a, resp3), args)
        ok = e_found == g_found if e_found is not None else e_raw == g_raw
        if ok:
            self.passed += 1
        else:
            self.report("full scan", args, repr(e_found).encode() if e_found is not None else e_raw,
                        repr(g_found).encode() if g_found is not None else g_raw)


def draw(g, names, weights):
    while True:
        name = g.r.choices(names, weights)[0]
        args, mode = GENERATORS[name](g)
        r = g.r.random()
        if r < 0.02:
            # COMMAND GETKEYS of the command, run on the data commands' key finders.
            return [b"COMMAND", b"GETKEYS"] + args, "bytes"
        if r < 0.025:
            return [b"FOOBAR"] + [g.value() for _ in range(g.r.randint(0, 3))], "bytes"
        if r < 0.04 and len(args) > 1:
            # One argument too few (arity and option errors).
            return args[:-1], mode
        if r < 0.05:
            return args + [g.pick([b"x", b"1", b"WITHSCORES", b""])], mode
        return args, mode


def command_names(side):
    """Every registered command and subcommand name, from COMMAND INFO."""
    names = set()
    for top in value_of(side.call([b"COMMAND", b"LIST"])[1]):
        names.add(top.decode())
    for info in value_of(side.call([b"COMMAND", b"INFO"] + [n.encode() for n in sorted(names)])[1]):
        if info and len(info) > 9:
            for sub in info[9]:
                names.add(sub[0].decode())
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--commands", type=int, default=20000)
    ap.add_argument("--verbose", action="store_true", help="on a mismatch, print the commands before and the keys")
    ap.add_argument("--trace", default="", help="print every command naming this key (debugging)")
    ap.add_argument("--check-every", type=int, default=500, help="compare the whole keyspace every N commands")
    args = ap.parse_args()
    redis, strata = start_differential_pair(args.redis, args.strata, "strata-rdiff-")
    try:
        ref, sut = Side(redis.port), Side(strata.port)
        runner = Runner(ref, sut, args.seed, args.verbose)
        for side in (ref, sut):
            side.call([b"FLUSHALL"])
            side.call([b"FUNCTION", b"LOAD", b"REPLACE", FUNCTION_LIBRARY])
        # Coverage: every registered data command has a generator, and every generator a command.
        registered = command_names(sut)
        uncovered = sorted(n for n in registered if n not in GENERATORS and n not in EXCLUDED and
                           n not in EXCLUDED_TOP and n.split("|")[0] not in EXCLUDED_CONTAINERS)
        unknown = sorted(n for n in GENERATORS if n not in registered)
        if uncovered or unknown:
            runner.report("coverage", [n.encode() for n in uncovered + unknown],
                          b"commands without a generator: %r" % uncovered,
                          b"generators without a command: %r" % unknown)
        else:
            runner.passed += 1
        g = Gen(random.Random(args.seed))
        names = sorted(GENERATORS)
        weights = [RARE.get(n, 1.0) for n in names]
        start = time.monotonic()
        for i in range(1, args.commands + 1):
            runner.number = i
            cmd, mode = draw(g, names, weights)
            resp3 = g.r.random() < 0.2
            if args.trace and args.trace.encode() in cmd:
                print("#%d %r" % (i, cmd))
            try:
                runner.run_one(cmd, mode, resp3)
            except (Closed, BrokenPipeError, ConnectionResetError) as e:
                runner.report("connection", cmd, str(e).encode(), b"")
                if redis.exited() or strata.exited():
                    print("random_differential: a server died (redis %s, strata %s)" %
                          (redis.exited(), strata.exited()))
                    break
                ref.close(), sut.close()
                ref, sut = Side(redis.port), Side(strata.port)
                runner.ref, runner.sut = ref, sut
                runner.resync_all()
            if i % args.check_every == 0:
                runner.check_state()
        runner.check_state()
        print("seed %d: %d commands in %.1fs" % (args.seed, args.commands, time.monotonic() - start))
    finally:
        redis.stop()
        strata.stop()
    print("random_differential: %d passed, %d failed" % (runner.passed, runner.failed))
    return 1 if runner.failed else 0


if __name__ == "__main__":
    sys.exit(main())
