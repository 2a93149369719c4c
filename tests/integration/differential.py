#!/usr/bin/env python3
"""Differential test: the same command scripts against redis-server and Strata, replies compared byte for byte.

Usage: differential.py --strata build/src/strata-server [--redis redis-server] SCRIPT...

Each script is a text file of commands, one per line, written as redis-cli reads them (quotes and
\\xHH escapes as in redis.conf). Both servers get a fresh connection and an empty keyspace per
script. Lines may start with a marker:

  # ...              a comment
  ~ CMD ...          compare only the reply's shape (types and aggregate sizes), for replies that
                     differ by nature (TIME, CLIENT ID, RANDOMKEY ...)
  ~names CMD ...     the shape, and the names of the name=value fields of each line of a text reply
                     in order (CLIENT LIST, CLIENT INFO); Strata's lines end with the fields of
                     Redis 7.2's CLIENT SETINFO (CLIENT_FIELDS_AFTER_7_0), which 7.0's lack
  @sort CMD ...      compare the top-level elements as a multiset (KEYS, SMEMBERS ...)
  @sleep SECONDS     pause both sides (expiry)
  @raw BYTES         send BYTES (escapes decoded) as they are and compare the reply; a connection the
                     server closes is compared as "<closed>" and reopened for the next line
  @scanall SCAN ...  run a whole SCAN, HSCAN, SSCAN or ZSCAN on each server from the cursor given,
                     following the returned cursors until 0, and compare the sorted sets of distinct
                     elements found (field/value pairs for HSCAN and ZSCAN): cursor values, batch sizes
                     and order differ from Redis by design, what a full scan finds must not. A reply
                     that is not a [cursor, elements] pair (an error) is compared byte for byte
  @conn NAME         send the following lines on connection NAME of each server (opened on first
                     use; the script starts on "main"): a subscriber and a publisher side by side
  @read              read one more reply on the current connection and compare it (the second
                     confirmation of SUBSCRIBE a b, a published message); waits up to 10 s
  @fields CMD ...    compare a status reply with every number (decimal or 0x hex) replaced by "N":
                     the field names and their order (DEBUG OBJECT, whose address and sizes differ)

A script whose first line is "#! ARG ..." runs on a pair of servers of its own started with those
extra arguments (debug.redis: "#! --enable-debug-command yes"); the others share one plain pair.

The servers take free ports from $STRATA_TEST_PORTS ("7400-7499") when it is set. Prints one line per
mismatch and ends with "differential: N passed, N failed"; a script without commands counts as failed.
"""
import argparse
import os
import re
import sys
import time

from testlib import Closed, Conn, encode, scan_all, shape, start_differential_pair

# The CLIENT LIST fields Strata shows beyond redis-server 7.0's, at the end of each line: Redis 7.2's
# CLIENT SETINFO, which Strata implements.
CLIENT_FIELDS_AFTER_7_0 = ("lib-name", "lib-ver")


def with_newer_client_fields(names_shape):
    """Redis 7.0's shape(tree, names=True) of a text reply, each line extended with
    CLIENT_FIELDS_AFTER_7_0."""
    t, lines = names_shape
    if not isinstance(lines, tuple):
        return names_shape
    return (t, tuple(line + CLIENT_FIELDS_AFTER_7_0 for line in lines))


def split_args(line):
    """redis-cli / sdssplitargs splitting: spaces, "double" (with \\n \\xHH escapes) and 'single' quotes."""
    args, i, n = [], 0, len(line)
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return args
        cur, quote = bytearray(), None  # quote: the quote character while inside quotes
        while True:
            c = line[i] if i < n else None
            if quote is None:
                if c is None or c.isspace():
                    break
                if c in "\"'":
                    quote = c
                else:
                    cur += c.encode()
            elif c is None:
                raise ValueError("unbalanced quotes")
            elif c == quote:
                if i + 1 < n and not line[i + 1].isspace():
                    raise ValueError("closing quote must be followed by a space")
                i += 1
                break
            elif quote == '"' and c == "\\" and i + 3 < n and line[i + 1] == "x" and all(h in "0123456789abcdefABCDEF" for h in line[i + 2:i + 4]):
                cur.append(int(line[i + 2:i + 4], 16))
                i += 3
            elif quote == '"' and c == "\\" and i + 1 < n:
                i += 1
                cur += {"n": b"\n", "r": b"\r", "t": b"\t", "b": b"\b", "a": b"\a"}.get(line[i], line[i].encode())
            elif quote == "'" and c == "\\" and i + 1 < n and line[i + 1] == "'":
                i += 1
                cur += b"'"
            else:
                cur += c.encode()
            i += 1
        args.append(bytes(cur))


def exchange(conn, data):
    try:
        conn.send(data)
        return conn.read_reply()
    except (Closed, BrokenPipeError, ConnectionResetError):
        conn.close()
        conn.open()
        return b"<closed>", ("<closed>", None)


def read_more(conn):
    try:
        return conn.read_reply()
    except (Closed, BrokenPipeError, ConnectionResetError):
        return b"<closed>", ("<closed>", None)


def masked_numbers(raw):
    """`raw` with every number (decimal, with a fraction or sign, or 0x hex) replaced by N."""
    return re.sub(rb"0x[0-9a-fA-F]+|-?[0-9]+(\.[0-9]+)?", b"N", raw)


def server_args(path):
    """The extra server arguments a script's "#! ARG ..." first line asks for (a tuple)."""
    with open(path, encoding="utf-8") as f:
        first = f.readline().strip()
    return tuple(split_args(first[2:]) if first.startswith("#!") else ())


def run_script(path, redis_port, strata_port, report):
    passed = failed = 0
    conns = {"main": (Conn(redis_port), Conn(strata_port))}
    ref, sut = conns["main"]
    for c in (ref, sut):
        exchange(c, encode(b"FLUSHALL"))
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        mode = "bytes"
        if text.startswith("@sleep"):
            time.sleep(float(text.split()[1]))
            continue
        if text.startswith("@conn "):
            name = text.split()[1]
            if name not in conns:
                conns[name] = (Conn(redis_port), Conn(strata_port))
            ref, sut = conns[name]
            continue
        if text.startswith("~ "):
            mode, text = "shape", text[2:]
        elif text.startswith("~names "):
            mode, text = "names", text[7:]
        elif text.startswith("@sort "):
            mode, text = "sort", text[6:]
        elif text.startswith("@scanall "):
            mode, text = "scanall", text[9:]
        elif text.startswith("@fields "):
            mode, text = "fields", text[8:]
        if mode == "scanall":
            args = split_args(text)
            exp_raw, exp_keys = scan_all(lambda a: exchange(ref, encode(*a)), args)
            got_raw, got_keys = scan_all(lambda a: exchange(sut, encode(*a)), args)
            ok = exp_keys == got_keys if exp_keys is not None else exp_raw == got_raw
            if ok:
                passed += 1
            else:
                failed += 1
                report("%s:%d: %s\n    redis:  %r\n    strata: %r" % (os.path.basename(path), number, text,
                       exp_keys if exp_keys is not None else exp_raw[:400],
                       got_keys if got_keys is not None else got_raw[:400]))
            continue
        if text == "@read":
            exp_raw, exp_tree = read_more(ref)
            got_raw, got_tree = read_more(sut)
        else:
            if text.startswith("@raw "):
                payload = text[5:].encode().decode("unicode_escape").encode("latin1")
            else:
                payload = encode(*split_args(text))
            exp_raw, exp_tree = exchange(ref, payload)
            got_raw, got_tree = exchange(sut, payload)
        if mode == "shape":
            ok = shape(exp_tree) == shape(got_tree)
        elif mode == "names":
            ok = with_newer_client_fields(shape(exp_tree, names=True)) == shape(got_tree, names=True)
        elif mode == "fields":
            ok = masked_numbers(exp_raw) == masked_numbers(got_raw)
        elif mode == "sort":
            ok = (exp_tree[0] == got_tree[0] and isinstance(exp_tree[1], list) and isinstance(got_tree[1], list)
                  and sorted(r for r, _ in exp_tree[1]) == sorted(r for r, _ in got_tree[1]))
        else:
            ok = exp_raw == got_raw
        if ok:
            passed += 1
        else:
            failed += 1
            report("%s:%d: %s\n    redis:  %r\n    strata: %r" % (os.path.basename(path), number, text, exp_raw[:400], got_raw[:400]))
    for pair in conns.values():
        for c in pair:
            c.close()
    if passed + failed == 0:
        report("%s: no command to compare" % os.path.basename(path))
        failed = 1
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("scripts", nargs="+")
    args = ap.parse_args()
    groups = {}  # extra server arguments -> the scripts that run with them, in the order given
    for path in args.scripts:
        groups.setdefault(server_args(path), []).append(path)
    total_passed = total_failed = 0
    for extra, paths in groups.items():
        redis, strata = start_differential_pair(args.redis, args.strata, "strata-diff-",
                                                [a.decode() for a in extra])
        try:
            for path in paths:
                p, f = run_script(path, redis.port, strata.port, print)
                print("%s: %d passed, %d failed" % (os.path.basename(path), p, f))
                total_passed += p
                total_failed += f
        finally:
            redis.stop()
            strata.stop()
    print("differential: %d passed, %d failed" % (total_passed, total_failed))
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main())
