"""A dataset that exercises every RDB type and encoding, and a key-by-key comparison of two servers.

Shared by persistence_interop_test.py and backup_restore_test.py. build() writes it through a
testlib.Conn; snapshot() reads a server's whole keyspace back as plain Python values, so that two
snapshots compare with ==.

The dataset, in each of the 16 databases: strings (binary-safe, integers in and out of the
64-bit range, LZF-compressible, empty), lists, hashes, sets and sorted sets each small (a listpack
or an intset under Redis's default thresholds) and large (quicklist, hash table, skiplist), and
keys with expiries an hour or more ahead.
"""
import time

# Server options that make every collection below compact (listpack, intset) however large:
# with them the big listpacks and intsets are written too.
COMPACT_EVERYTHING = ["--hash-max-listpack-entries", "100000", "--hash-max-listpack-value", "100000",
                      "--zset-max-listpack-entries", "100000", "--zset-max-listpack-value", "100000",
                      "--set-max-intset-entries", "100000", "--list-max-listpack-size", "-5"]

DATABASES = 16
BINARY = bytes(range(256))
SHORT_BINARY = bytes(range(0, 256, 5))  # 52 bytes: within the compact encodings' value limit


def _strings(db):
    yield b"str:binary", BINARY * 3 + b"\r\n\x00"
    yield b"str:\x00\xffkey", b"binary key"
    yield b"str:empty", b""
    yield b"str:int:small", b"%d" % (db - 7)
    yield b"str:int:large", b"9223372036854775807"
    yield b"str:int:min", b"-9223372036854775808"
    yield b"str:int:over", b"18446744073709551616"  # past 64 bits: a plain string
    yield b"str:int:lead0", b"007"  # not canonical: a plain string
    yield b"str:lzf", (b"compressible %d " % db) * 200
    yield b"str:raw", bytes((i * 131 + db) % 256 for i in range(5000))
    yield b"str:short", b"hello %d" % db


def build(conn, db_count=DATABASES, scale=1, ttl_base_ms=None):
    """Writes the dataset into databases 0..db_count-1 through conn (a testlib.Conn), replacing
    what was there. `scale` multiplies the sizes of the large collections. Expiries are absolute,
    ttl_base_ms (default: now) plus an hour and more. Leaves conn on database 0."""
    base = ttl_base_ms if ttl_base_ms is not None else int(time.time() * 1000)
    conn.call("FLUSHALL")
    for db in range(db_count):
        conn.call("SELECT", db)
        for key, value in _strings(db):
            conn.call("SET", key, value)
        conn.call("RPUSH", "list:small", "a", "b", SHORT_BINARY, 12, -5, "")
        conn.call("RPUSH", "list:large", *[b"element %d " % i * (1 + i % 5) for i in range(600 * scale)])
        conn.call("RPUSH", "list:ints", *range(-300, 300 * scale))
        conn.call("HSET", "hash:small", "f1", "v1", "f2", 2, SHORT_BINARY, SHORT_BINARY, "empty", "")
        conn.call("HSET", "hash:large", *[x for i in range(300 * scale) for x in (b"field:%d" % i, b"value %d" % (i * i))])
        conn.call("HSET", "hash:longvalue", "f", b"x" * 200)  # a value over 64 bytes: a hash table
        conn.call("SADD", "set:intset", 1, 2, 3, -9223372036854775808, 9223372036854775807)
        conn.call("SADD", "set:intset:large", *range(0, 2000 * scale, 3))
        conn.call("SADD", "set:strings", "a", "b", BINARY)
        conn.call("SADD", "set:large", *[b"member %d" % i for i in range(700 * scale)])
        conn.call("ZADD", "zset:small", 1, "one", 2.5, "two.5", -3, SHORT_BINARY, "inf", "top", "-inf", "bottom")
        conn.call("ZADD", "zset:large", *[x for i in range(300 * scale) for x in (i * 0.25 - 7, b"m%d" % i)])
        conn.call("ZADD", "zset:longmember", 1, b"y" * 100)
        conn.call("SET", "ttl:string", "expires", "PXAT", base + 3600000 + db)
        conn.call("RPUSH", "ttl:list", "x", "y")
        conn.call("PEXPIREAT", "ttl:list", base + 7200000 + db)
        conn.call("HSET", "ttl:hash", "f", "v")
        conn.call("PEXPIREAT", "ttl:hash", base + 86400000 * 30)
        conn.call("SET", "db", db)  # same key in each database, different values
    conn.call("SELECT", 0)


# Read commands per TYPE reply; each returns a comparable value.
def _read(conn, kind, key):
    if kind == b"string":
        return conn.call("GET", key)
    if kind == b"list":
        return conn.call("LRANGE", key, 0, -1)
    if kind == b"hash":
        flat = conn.call("HGETALL", key)
        return sorted(zip(flat[0::2], flat[1::2]))
    if kind == b"set":
        return sorted(conn.call("SMEMBERS", key))
    if kind == b"zset":
        flat = conn.call("ZRANGE", key, 0, -1, "WITHSCORES")
        return list(zip(flat[0::2], [float(s) for s in flat[1::2]]))
    raise AssertionError("unexpected type %r of key %r" % (kind, key))


def keys(conn):
    """Every key of the selected database, by a full SCAN."""
    found, cursor = set(), b"0"
    while True:
        cursor, batch = conn.call("SCAN", cursor, "COUNT", 1000)
        found.update(batch)
        if cursor == b"0":
            return sorted(found)


def snapshot(conn, db_count=DATABASES):
    """{db: {key: (type, value, absolute expiry in ms or -1)}} for every key of databases
    0..db_count-1. Leaves conn on database 0."""
    result = {}
    for db in range(db_count):
        conn.call("SELECT", db)
        entries = {}
        for key in keys(conn):
            kind = conn.call("TYPE", key)
            entries[key] = (kind, _read(conn, kind, key), int(conn.call("PEXPIRETIME", key)))
        result[db] = entries
    conn.call("SELECT", 0)
    return result


def differences(expected, actual, ttl_tolerance_ms=1000, limit=5):
    """Up to `limit` lines describing how snapshot `actual` differs from `expected`; empty when
    they hold the same keys with the same types and values, and expiries within the tolerance."""
    out = []
    for db in sorted(set(expected) | set(actual)):
        want, have = expected.get(db, {}), actual.get(db, {})
        for key in sorted(set(want) | set(have)):
            if key not in have:
                out.append("db%d %r: missing" % (db, key))
            elif key not in want:
                out.append("db%d %r: unexpected" % (db, key))
            else:
                (wt, wv, we), (ht, hv, he) = want[key], have[key]
                if wt != ht or wv != hv:
                    out.append("db%d %r: %s %.60r != %s %.60r" % (db, key, ht, hv, wt, wv))
                elif (we < 0) != (he < 0) or abs(we - he) > ttl_tolerance_ms:
                    out.append("db%d %r: expires at %d, expected %d" % (db, key, he, we))
            if len(out) >= limit:
                return out
    return out


def key_count(snap):
    return sum(len(entries) for entries in snap.values())


def encodings(conn, db=0):
    """The set of OBJECT ENCODING replies for the keys of database db (to check that a run covers
    the encodings it means to)."""
    conn.call("SELECT", db)
    found = {conn.call("OBJECT", "ENCODING", key) for key in keys(conn)}
    conn.call("SELECT", 0)
    return found
