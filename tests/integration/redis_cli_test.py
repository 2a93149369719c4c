#!/usr/bin/env python3
"""Client compatibility: a scripted redis-cli session and a redis-benchmark run against Strata.

Usage: redis_cli_test.py --strata build/src/strata-server [--redis redis-server]

Every redis-cli step runs against a real redis-server and against Strata, each on a fresh empty
server, and their outputs (stdout, stderr, exit code) must be equal; some steps also check the
output itself. Then redis-benchmark runs against Strata and must see no error reply. Servers use
ports from $STRATA_TEST_PORTS ("7400-7499") when it is set. Prints one line per check and ends
with "redis-cli: N passed, N failed".
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

from testlib import Server, free_port


def start_server(cmd, workdir):
    """A Server running cmd in workdir, its output logged to workdir/server-PORT.log."""
    port = free_port()
    return Server(cmd + ["--dir", workdir], port, log=os.path.join(workdir, "server-%d.log" % port))


def cli(port, args, stdin=None):
    r = subprocess.run(["redis-cli", "-p", str(port)] + args, input=stdin, capture_output=True, timeout=60)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def bigkeys_summary(output):
    """The summary part of --bigkeys, which does not depend on the order SCAN returns keys in."""
    _, _, summary = output.partition("-------- summary -------")
    return summary.strip()


def memkeys_summary(output):
    """What --memkeys says of each type that does not depend on MEMORY USAGE's figures, which
    differ by design: how many keys of each type there are ("2 sets")."""
    return "\n".join(line.split(" with ")[0] for line in bigkeys_summary(output).splitlines() if " with " in line)


# (name, redis-cli arguments, stdin, how to compare, what the output itself must contain)
STEPS = [
    ("set via args", ["set", "a1", "v1"], None, None, "OK"),
    ("get via args", ["get", "a1"], None, None, "v1"),
    ("commands via stdin",
     [], b"set a2 v2\nset abc 1\nset b1 x\nget a2\nincr abc\nget nosuch\nincr a2\nappend b1 yz\n", None, "v2"),
    ("value from stdin with -x", ["-x", "set", "a3"], b"from\nstdin", None, "OK"),
    ("get binary value", ["get", "a3"], None, None, "from\nstdin"),
    ("--raw mget", ["--raw", "mget", "a1", "nosuch", "a2"], None, None, "v1"),
    ("--no-raw mget", ["--no-raw", "mget", "a1", "nosuch", "a2"], None, None, "(nil)"),
    ("error reply", ["incr", "a1"], None, None, "ERR value is not an integer or out of range"),
    ("unknown command", ["nosuchcommand", "x"], None, None, "ERR unknown command"),
    ("repeat with -r", ["-r", "3", "ping"], None, None, "PONG"),
    ("quoted argument", ["set", "spaced key", "a \"quoted\" value"], None, None, "OK"),
    ("get quoted", ["--no-raw", "get", "spaced key"], None, None, "quoted"),
    ("big value", ["set", "big", "x" * 5000], None, None, "OK"),
    ("select db with -n", ["-n", "1", "set", "indb1", "y"], None, None, "OK"),
    ("dbsize", ["dbsize"], None, None, "7"),
    ("dbsize of db 1", ["-n", "1", "dbsize"], None, None, "1"),
    ("one key of each collection type", [],
     b"rpush lst a b c\nhset hsh f v g w\nsadd st 1 2 3\nsadd sst x y\nzadd zs 1 a 2 b 3 c\n", None, "3"),
    ("--scan --pattern 'a*'", ["--scan", "--pattern", "a*"], None, "sorted", "abc"),
    ("--scan of every key", ["--scan"], None, "sorted", "spaced key"),
    ("--bigkeys over every type", ["--bigkeys"], None, bigkeys_summary, "Biggest   zset found '\"zs\"' has 3 members"),
    ("--memkeys", ["--memkeys"], None, memkeys_summary, "zsets with"),
    ("help set", ["help", "set"], None, None, "key value [NX|XX]"),
    ("help @string", ["help", "@string"], None, None, "GETRANGE"),
]


def normalize(how, out):
    if how == "sorted":
        return "\n".join(sorted(out.splitlines()))
    if callable(how):
        return how(out)
    return out


def run_cli_steps(redis_port, strata_port, report):
    passed = failed = 0
    for name, args, stdin, how, must_contain in STEPS:
        ref = cli(redis_port, args, stdin)
        got = cli(strata_port, args, stdin)
        problems = []
        if ref[0] != got[0]:
            problems.append("exit code %d, redis-server gives %d" % (got[0], ref[0]))
        if normalize(how, ref[1]) != normalize(how, got[1]):
            problems.append("stdout differs\n    redis:  %r\n    strata: %r" % (normalize(how, ref[1])[:600], normalize(how, got[1])[:600]))
        if ref[2] != got[2]:
            problems.append("stderr differs\n    redis:  %r\n    strata: %r" % (ref[2][:300], got[2][:300]))
        if must_contain and must_contain not in got[1]:
            problems.append("output lacks %r" % must_contain)
        if problems:
            failed += 1
            report("FAIL redis-cli %s: %s" % (name, "; ".join(problems)))
        else:
            passed += 1
            report("ok   redis-cli %s" % name)
    return passed, failed


def run_benchmark(strata_port, report):
    cmd = ["redis-benchmark", "-p", str(strata_port), "-t", "set,get,incr,mset", "-P", "16", "-q", "-n", "20000"]
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=300)
    except subprocess.TimeoutExpired:
        report("FAIL redis-benchmark: timed out")
        return 0, 1
    out = (r.stdout + r.stderr).decode("utf-8", "replace")
    # -q prints one line per test, after '\r'-separated progress updates.
    lines = [line.split("\r")[-1].strip() for line in out.splitlines()]
    results = [line for line in lines if "requests per second" in line]
    problems = []
    if r.returncode != 0:
        problems.append("exit code %d" % r.returncode)
    if len(results) != 4:
        problems.append("%d result lines instead of 4" % len(results))
    if re.search(r"error|ERR|WARN", out, re.IGNORECASE):
        problems.append("error output")
    if problems:
        report("FAIL redis-benchmark: %s\n%s" % ("; ".join(problems), out[-2000:]))
        return 0, 1
    report("ok   redis-benchmark -t set,get,incr,mset -P 16 -n 20000: " + " | ".join(results))
    return 1, 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    args = ap.parse_args()
    for tool in ("redis-cli", "redis-benchmark", args.redis):
        if shutil.which(tool) is None:
            print("%s not found" % tool)
            print("redis-cli: 0 passed, 1 failed")
            return 1
    workdir = tempfile.mkdtemp(prefix="strata-cli-")
    servers = []
    passed = failed = 0
    try:
        redis = start_server([args.redis, "--save", "", "--appendonly", "no"], workdir)
        servers.append(redis)
        strata = start_server([os.path.abspath(args.strata)], workdir)
        servers.append(strata)
        p, f = run_cli_steps(redis.port, strata.port, print)
        passed, failed = passed + p, failed + f
        p, f = run_benchmark(strata.port, print)
        passed, failed = passed + p, failed + f
    except Exception as e:  # a server that does not start fails the suite, visibly
        print("FAIL redis-cli session: %s" % e)
        failed += 1
    finally:
        for s in servers:
            s.stop()
    if failed == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print("server logs kept in %s" % workdir)
    print("redis-cli: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
