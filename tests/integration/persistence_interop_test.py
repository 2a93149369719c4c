#!/usr/bin/env python3
"""Dumps move between Strata and Debian's redis-server both ways, and damaged dumps are refused.

    persistence_interop_test.py --strata build/src/strata-server [--redis redis-server]
        [--redis-check-rdb redis-check-rdb] [--strata-check-rdb build/src/strata-check-rdb]

Redis -> Strata: rdb_dataset built in redis-server (Redis's default thresholds, then thresholds
that make every collection compact), SAVE, Strata started on a copy of the dump compares equal key
by key (type, value, expiry); each key of database 0 DUMPed by Redis and RESTOREd into Strata
compares equal. Strata -> Redis: the same the other way, and redis-check-rdb accepts Strata's
dump. Corruption: a valid dump truncated at many offsets, with flipped bytes and with a bad
checksum, and a hand-made dump with an unknown type byte: Strata's start-up exits 1 naming an
offset without ever answering PING, and strata-check-rdb exits 1. Functions: libraries loaded in
one server are in its dump (FUNCTION2 records), and the other server started on it lists the same
libraries and runs their functions.
"""
import argparse
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

import rdb_dataset
import testlib
from testlib import Conn, Server, Tally

DUMP = "dump.rdb"


def start(binary, directory, options):
    """A server with its dir, no save points (the tests SAVE explicitly) and `options`."""
    return Server([binary, "--dir", directory, "--save", "", "--appendonly", "no"] + options)


def saved_copy(server, conn):
    """SAVEs on `server` and returns a fresh directory holding a copy of its dump."""
    if conn.call("SAVE") != b"OK":
        raise AssertionError("SAVE did not reply OK")
    copy = tempfile.mkdtemp(prefix="interop-copy-")
    shutil.copy(os.path.join(server.directory, DUMP), os.path.join(copy, DUMP))
    return copy


def run_server(binary, options, directory=None):
    """(Server, Conn) with its own fresh directory unless one is given, once the server has
    loaded its dump (PING no longer answers -LOADING)."""
    directory = directory or tempfile.mkdtemp(prefix="interop-")
    server = start(binary, directory, options)
    server.directory = directory
    conn = Conn(server.port)
    deadline = time.monotonic() + 60
    while True:
        try:
            conn.call("PING")
            return server, conn
        except testlib.ReplyError as e:
            if not str(e).startswith("LOADING") or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError("PING: %s" % e)
        time.sleep(0.01)


def dump_restore_differences(source, target, snap):
    """DUMPs every key of database 0 of `source`, RESTOREs the payloads into an emptied database
    0 of `target` (ABSTTL with the key's expiry), and compares target's database 0 with snap."""
    target.call("FLUSHDB")
    for key, (_, _, expiry) in snap[0].items():
        payload = source.call("DUMP", key)
        if expiry > 0:
            target.call("RESTORE", key, expiry, payload, "ABSTTL")
        else:
            target.call("RESTORE", key, 0, payload)
    return rdb_dataset.differences({0: snap[0]}, {0: rdb_dataset.snapshot(target, db_count=1)[0]})


def expect_no_differences(diffs, count):
    if diffs:
        raise AssertionError("; ".join(diffs))
    return "%d keys equal" % count


def one_direction(tally, name, source_binary, target_binary, options, checkers):
    """Builds the dataset in source, SAVEs, starts target on the dump and compares; DUMP/RESTORE
    from source into target; runs `checkers` (paths) on the dump. Returns the dump's bytes (for
    the corruption tests)."""
    source, source_conn = run_server(source_binary, options)
    target = None
    try:
        rdb_dataset.build(source_conn)
        snap = rdb_dataset.snapshot(source_conn)
        if "redis" in os.path.basename(source_binary):
            tally.run("%s: the dataset has the encodings meant" % name,
                      lambda: covers(rdb_dataset.encodings(source_conn), options))
        try:
            copy = saved_copy(source, source_conn)
        except (testlib.ReplyError, OSError) as e:
            tally.fail("%s: the source SAVEs" % name, "%s: %s" % (type(e).__name__, e))
            return None
        with open(os.path.join(copy, DUMP), "rb") as f:
            dump = f.read()
        for checker in checkers:
            tally.run("%s: %s accepts the dump" % (name, os.path.basename(checker)),
                      lambda: check_ok(checker, os.path.join(copy, DUMP)))
        try:
            target, target_conn = run_server(target_binary, options, copy)
        except RuntimeError as e:
            tally.fail("%s: the target starts on the dump" % name, str(e))
            return dump
        tally.run("%s: every key equal after loading" % name,
                  lambda: expect_no_differences(rdb_dataset.differences(snap, rdb_dataset.snapshot(target_conn)),
                                                rdb_dataset.key_count(snap)))
        tally.run("%s: DUMP payloads RESTOREd equal" % name,
                  lambda: expect_no_differences(dump_restore_differences(source_conn, target_conn, snap),
                                                len(snap[0])))
        tally.server_stopped("%s: the target ran clean" % name, target)
        return dump
    finally:
        if target is not None:
            target.stop()
        tally.server_stopped("%s: the source ran clean" % name, source)


# What OBJECT ENCODING shows in Redis 7.0 for database 0 of the dataset.
DEFAULT_ENCODINGS = {b"skiplist", b"quicklist", b"listpack", b"hashtable", b"intset", b"int", b"embstr", b"raw"}


def covers(found, options):
    """Under Redis's default thresholds the dataset has every encoding; with COMPACT_EVERYTHING no
    sorted set is a skiplist and no hash a hash table (sets of strings are one in Redis 7.0)."""
    if options and b"skiplist" in found:
        raise AssertionError("a skiplist under the compact thresholds: %s" % sorted(found))
    if not options and found != DEFAULT_ENCODINGS:
        raise AssertionError("encodings %s, expected %s" % (sorted(found), sorted(DEFAULT_ENCODINGS)))
    return b" ".join(sorted(found)).decode()


def executable(path):
    if not os.access(path, os.X_OK):
        raise AssertionError("%s is not an executable" % path)


def check_ok(checker, path):
    result = subprocess.run([checker, path], capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        raise AssertionError("exit %d: %s" % (result.returncode, (result.stdout + result.stderr)[-300:]))


# --- corruption -----------------------------------------------------------------------------------

def crc64(data):
    """CRC-64/Jones as RDB uses it (reflected, polynomial 0xad93d23594c935a9, initial value 0)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x95AC9329AC4BC9B5 if crc & 1 else 0)
    return crc


def with_checksum(body):
    return body + struct.pack("<Q", crc64(body))


def unknown_type_dump():
    """A version-10 dump whose one key has type byte 0x55 (no such type), with a right checksum."""
    return with_checksum(b"REDIS0010" + b"\xfe\x00" + b"\x55" + b"\x03key" + b"\x05value" + b"\xff")


def pong(port):
    """Whether a server on port answers PING with +PONG (not -LOADING, not refused)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(100).startswith(b"+PONG")
    except OSError:
        return False


_OFFSET = re.compile(r"offset\D{0,3}\d+", re.IGNORECASE)


def refused_at_start(strata, data):
    """Starts Strata on a dump holding `data`: it must exit 1 with a message naming an offset and
    never answer PING. Returns the message."""
    directory = tempfile.mkdtemp(prefix="interop-bad-")
    with open(os.path.join(directory, DUMP), "wb") as f:
        f.write(data)
    port = testlib.free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([strata, "--dir", directory, "--port", str(port), "--save", ""],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while proc.poll() is None:
            if pong(port):
                raise AssertionError("the server answered PING on a damaged dump")
            if time.monotonic() > deadline:
                raise AssertionError("the server neither served nor exited within 30s")
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        shutil.rmtree(directory, ignore_errors=True)
    log.seek(0)
    text = log.read().decode(errors="replace").strip()
    if proc.returncode != 1:
        raise AssertionError("exit status %d, expected 1: %s" % (proc.returncode, text[-200:]))
    if not _OFFSET.search(text):
        raise AssertionError("the message names no offset: %r" % text[-200:])
    return text.splitlines()[-1][:100]


def refused_by_checker(checker, data):
    with tempfile.NamedTemporaryFile(suffix=".rdb") as f:
        f.write(data)
        f.flush()
        result = subprocess.run([checker, f.name], capture_output=True, text=True, errors="replace")
    if result.returncode != 1:
        raise AssertionError("exit status %d, expected 1" % result.returncode)
    if not _OFFSET.search(result.stdout + result.stderr):
        raise AssertionError("the checker names no offset: %r" % (result.stdout + result.stderr)[-200:])


def damaged_variants(good, count):
    """(label, data) of damaged copies of the dump `good`: truncations at `count` offsets spread
    over the file (and at its edges), `count` single flipped bytes, a bad checksum, an unknown
    type."""
    n = len(good)
    cuts = sorted({0, 5, 9, 10, n - 9, n - 8, n - 1} | {n * i // count for i in range(1, count)})
    for cut in cuts:
        yield "truncated to %d of %d bytes" % (cut, n), good[:cut]
    for i in range(count):
        at = 9 + (n - 17) * i // count  # past the magic, before the checksum
        yield "byte %d flipped" % at, good[:at] + bytes([good[at] ^ 0x5A]) + good[at + 1:]
    yield "bad checksum", good[:-8] + bytes(b ^ 0xFF for b in good[-8:])
    yield "unknown type byte 0x55", unknown_type_dump()


def corruption(tally, strata, checker, good, count):
    if crc64(b"123456789") != 0xE9C6D914C4B8D9CA:
        tally.fail("crc64 test vector", "the test's own CRC-64 is wrong")
        return
    for label, data in damaged_variants(good, count):
        tally.run("corrupt dump, %s: start-up exits 1 naming an offset" % label, lambda: refused_at_start(strata, data))
        if checker:
            tally.run("corrupt dump, %s: strata-check-rdb exits 1" % label, lambda: refused_by_checker(checker, data))


FUNCTION_LIBRARIES = [
    "#!lua name=interop_a\nredis.register_function('interop_get', function(keys) return redis.call('get', keys[1]) end)",
    "#!lua name=interop_b\nredis.register_function{function_name='interop_ro', callback=function(keys, args) "
    "return args[1] end, flags={'no-writes'}, description='echo'}",
]


def listed_libraries(conn):
    """FUNCTION LIST WITHCODE as {name: (code, sorted function entries)}."""
    out = {}
    for lib in conn.call("FUNCTION", "LIST", "WITHCODE"):
        fields = dict(zip(lib[0::2], lib[1::2]))
        functions = sorted(repr(f) for f in fields[b"functions"])
        out[fields[b"library_name"]] = (fields[b"library_code"], functions)
    return out


def functions_direction(tally, name, source_binary, target_binary, checkers):
    """Loads FUNCTION_LIBRARIES in source, SAVEs, and starts target on the dump: the same libraries
    are listed and their functions run."""
    source, source_conn = run_server(source_binary, [])
    target = None
    try:
        for code in FUNCTION_LIBRARIES:
            source_conn.call("FUNCTION", "LOAD", code)
        source_conn.call("SET", "fk", "fv")
        expected = listed_libraries(source_conn)
        copy = saved_copy(source, source_conn)
        for checker in checkers:
            tally.run("%s: %s accepts a dump with functions" % (name, os.path.basename(checker)),
                      lambda: check_ok(checker, os.path.join(copy, DUMP)))
        target, target_conn = run_server(target_binary, [], copy)

        def same_libraries():
            got = listed_libraries(target_conn)
            if got != expected:
                raise AssertionError("listed %r, expected %r" % (got, expected))
            return "%d libraries equal" % len(got)

        def functions_run():
            got = (target_conn.call("FCALL", "interop_get", 1, "fk"),
                   target_conn.call("FCALL_RO", "interop_ro", 0, "echoed"))
            if got != (b"fv", b"echoed"):
                raise AssertionError("FCALL replies %r" % (got,))
            return "FCALL and FCALL_RO answer"

        tally.run("%s: the libraries are loaded" % name, same_libraries)
        tally.run("%s: their functions run" % name, functions_run)
    finally:
        if target is not None:
            target.stop()
        source.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--redis-check-rdb", default="redis-check-rdb")
    ap.add_argument("--strata-check-rdb", default=None,
                    help="default: strata-check-rdb beside the server")
    ap.add_argument("--corruptions", type=int, default=40, help="truncation and flip offsets (each)")
    args = ap.parse_args()
    checker = args.strata_check_rdb or os.path.join(os.path.dirname(args.strata), "strata-check-rdb")

    tally = Tally()
    tally.run("strata-check-rdb is built", lambda: executable(checker))
    good = None
    for config, options in (("default thresholds", []), ("compact everything", rdb_dataset.COMPACT_EVERYTHING)):
        redis_dump = one_direction(tally, "redis->strata, %s" % config, args.redis, args.strata, options,
                                   [checker])
        one_direction(tally, "strata->redis, %s" % config, args.strata, args.redis, options,
                      [args.redis_check_rdb, checker])
        good = good or redis_dump
    functions_direction(tally, "functions redis->strata", args.redis, args.strata, [checker])
    functions_direction(tally, "functions strata->redis", args.strata, args.redis, [args.redis_check_rdb, checker])
    if good is None:
        tally.fail("corruption tests", "no valid dump to damage")
    else:
        corruption(tally, args.strata, checker if os.access(checker, os.X_OK) else None, good, args.corruptions)
    sys.exit(tally.summary("persistence_interop"))


if __name__ == "__main__":
    main()
