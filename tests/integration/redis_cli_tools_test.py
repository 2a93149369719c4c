#!/usr/bin/env python3
"""redis-cli's monitoring modes against Strata: --bigkeys, --stat, --latency, --latency-history.

Usage: redis_cli_tools_test.py --strata build/src/strata-server [--redis redis-server]

Loads a known dataset (5,000 small strings and one big key of each type next to a small one),
then runs Debian's redis-cli in each mode with a timeout and parses what it prints: --bigkeys
must name the big key of each type with its size and count every key; --stat's lines must show
the key count loaded and requests growing; --latency (--raw, one interval) and
--latency-history must report min <= avg <= max over a plausible number of samples. Modes
that run until stopped are stopped by the timeout, with redis-cli's output unbuffered (stdbuf)
so the lines printed so far are read. The same checks run against redis-server first, as a
control: a check that fails there is a broken check, not a Strata bug. Servers use ports from
$STRATA_TEST_PORTS when it is set. Ends with "redis-cli-tools: N passed, N failed".
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

from testlib import Conn, Server, Tally, encode, expect, expect_eq

SMALL_STRINGS = 5000
# The big key of each type, its size as --bigkeys reports it, and that report's unit.
BIG_KEYS = {
    "string": ("big:string", 20000, "bytes"),
    "list": ("big:list", 1500, "items"),
    "hash": ("big:hash", 700, "fields"),
    "set": ("big:set", 900, "members"),
    "zset": ("big:zset", 600, "members"),
}
KEYS_TOTAL = SMALL_STRINGS + 2 * len(BIG_KEYS)  # each type also has one small key


def load_dataset(port):
    """The dataset above, sent as one pipeline."""
    commands = [encode("SET", "small:%d" % i, "v%d" % i) for i in range(SMALL_STRINGS)]
    name, size, _ = BIG_KEYS["string"]
    commands.append(encode("SET", name, "x" * size))
    commands.append(encode("RPUSH", BIG_KEYS["list"][0], *range(BIG_KEYS["list"][1])))
    commands.append(encode("HSET", BIG_KEYS["hash"][0],
                           *[x for i in range(BIG_KEYS["hash"][1]) for x in ("f%d" % i, i)]))
    commands.append(encode("SADD", BIG_KEYS["set"][0], *range(BIG_KEYS["set"][1])))
    commands.append(encode("ZADD", BIG_KEYS["zset"][0], *[x for i in range(BIG_KEYS["zset"][1]) for x in (i, "m%d" % i)]))
    commands += [encode("SET", "little:string", "x"), encode("RPUSH", "little:list", "a"),
                 encode("HSET", "little:hash", "f", "v"), encode("SADD", "little:set", "a"),
                 encode("ZADD", "little:zset", 1, "a")]
    conn = Conn(port)
    conn.send(b"".join(commands))
    for _ in commands:
        raw, (kind, _) = conn.read_reply()
        expect(kind != "-", "loading got an error: %r" % raw)
    expect_eq(int(conn.call("DBSIZE")), KEYS_TOTAL, "DBSIZE after loading")
    conn.close()


def run_cli(port, args, timeout):
    """redis-cli's stdout, unbuffered, when it exits or after `timeout` seconds (the modes that
    run until stopped). Fails when it exits with an error."""
    cmd = ["stdbuf", "-o0", "redis-cli", "-p", str(port)] + args
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=timeout)
        out, code, err = r.stdout, r.returncode, r.stderr
    except subprocess.TimeoutExpired as e:
        out, code, err = e.stdout or b"", None, e.stderr or b""
    expect(code in (0, None), "redis-cli %s exited with %s: %r" % (" ".join(args), code, err[-300:]))
    return out.decode("utf-8", "replace")


def check_bigkeys(port):
    out = run_cli(port, ["--bigkeys"], timeout=60)
    for kind, (name, size, unit) in BIG_KEYS.items():
        found = re.search(r"Biggest\s+%s found '\"([^\"]+)\"' has (\d+) %s" % (kind, unit), out)
        expect(found is not None, "no 'Biggest %s' line in:\n%s" % (kind, out[-1500:]))
        expect_eq((found.group(1), int(found.group(2))), (name, size), "biggest %s" % kind)
    sampled = re.search(r"Sampled (\d+) keys in the keyspace", out)
    expect(sampled is not None, "no 'Sampled N keys' line")
    expect_eq(int(sampled.group(1)), KEYS_TOTAL, "keys sampled")
    strings = re.search(r"^(\d+) strings with", out, re.MULTILINE)
    expect(strings is not None, "no 'N strings with' line")
    expect_eq(int(strings.group(1)), SMALL_STRINGS + 2, "strings counted")
    return "found the biggest of %d types among %d keys" % (len(BIG_KEYS), KEYS_TOTAL)


def check_stat(port):
    # keys  mem  clients blocked requests (+delta) connections
    out = run_cli(port, ["--stat", "-i", "0.5"], timeout=3)
    rows = [line.split() for line in out.splitlines() if re.match(r"^\d+\s+\S+\s+\d+\s+\d+\s+\d+ \(\+\d+\)", line)]
    expect(len(rows) >= 3, "%d data lines in:\n%s" % (len(rows), out))
    expect(out.splitlines()[0].startswith("------- data ------"), "no header line")
    for row in rows:
        expect_eq(int(row[0]), KEYS_TOTAL, "keys column")
        expect(re.match(r"^[\d.]+[BKMG]$", row[1]) is not None, "mem column %r" % row[1])
        expect(int(row[2]) >= 1, "clients column %r counts at least redis-cli" % row[2])
    requests = [int(row[4]) for row in rows]
    expect(all(b > a for a, b in zip(requests, requests[1:])), "requests grow from line to line: %r" % requests)
    deltas = [int(row[5].strip("(+)")) for row in rows[1:]]
    expect(all(d >= 1 for d in deltas), "each line counts its own INFO: deltas %r" % deltas)
    return "%d lines, %d keys, requests %d..%d" % (len(rows), KEYS_TOTAL, requests[0], requests[-1])


def parse_latency_line(line):
    """(min, max, avg, samples) from a raw latency line "0 3 0.17 88"."""
    fields = line.split()
    expect_eq(len(fields), 4, "fields of latency line %r" % line)
    low, high, avg, count = int(fields[0]), int(fields[1]), float(fields[2]), int(fields[3])
    expect(0 <= low <= avg <= high, "min <= avg <= max in %r" % line)
    expect(high < 1000, "a loopback PING slower than a second in %r" % line)
    return low, high, avg, count


def check_latency(port):
    # With --raw, --latency samples for one interval, prints "min max avg count" and exits.
    out = run_cli(port, ["--latency", "--raw", "-i", "1"], timeout=20)
    lines = [line for line in out.splitlines() if line.strip()]
    expect_eq(len(lines), 1, "lines from --latency --raw")
    low, high, avg, count = parse_latency_line(lines[0])
    # redis-cli pings every 10 ms: about 100 samples in a second.
    expect(count >= 20, "only %d samples in a second" % count)
    return "min %d max %d avg %.2f ms over %d pings" % (low, high, avg, count)


def check_latency_history(port):
    # Not on a terminal, --latency-history prints each sample of the running interval as a raw
    # line, and after an interval's last one a line " -- 1.00 seconds range".
    out = run_cli(port, ["--latency-history", "-i", "1"], timeout=2.5)
    lines = [line for line in out.splitlines() if line.strip()]
    ends = [i for i, line in enumerate(lines) if re.match(r"^ -- [\d.]+ seconds range$", line)]
    samples = [parse_latency_line(line) for i, line in enumerate(lines) if i not in ends]
    expect(len(samples) >= 20, "only %d sample lines in 2.5 s" % len(samples))
    expect(len(ends) >= 2, "%d intervals ended in 2.5 s of 1 s intervals" % len(ends))
    expect(ends[-1] - 1 not in ends and ends[-1] > 0, "a range line follows a sample")
    low, high, avg, count = parse_latency_line(lines[ends[-1] - 1])
    expect(count >= 20, "only %d samples in the last interval" % count)
    return "%d intervals, the last: min %d max %d avg %.2f ms over %d pings" % (len(ends), low, high, avg, count)


CHECKS = [("--bigkeys", check_bigkeys), ("--stat", check_stat), ("--latency --raw", check_latency),
          ("--latency-history", check_latency_history)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    args = ap.parse_args()
    tally = Tally()
    for tool in ("redis-cli", "stdbuf", args.redis):
        if shutil.which(tool) is None:
            tally.fail("tools", "%s not found" % tool)
            return tally.summary("redis-cli-tools")
    workdir = tempfile.mkdtemp(prefix="strata-cli-tools-")
    servers = [("redis-server", [args.redis, "--save", "", "--appendonly", "no", "--dir", workdir]),
               ("strata", [os.path.abspath(args.strata), "--dir", workdir])]
    for label, argv in servers:
        try:
            server = Server(argv)
        except RuntimeError as e:
            tally.fail("%s start" % label, e)
            continue
        try:
            tally.run("%s: load %d keys" % (label, KEYS_TOTAL), lambda: load_dataset(server.port))
            for name, fn in CHECKS:
                tally.run("%s: redis-cli %s" % (label, name), lambda fn=fn: fn(server.port))
        finally:
            tally.server_stopped("%s ran clean" % label, server)
    shutil.rmtree(workdir, ignore_errors=True)
    return tally.summary("redis-cli-tools")


if __name__ == "__main__":
    sys.exit(main())
