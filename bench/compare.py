#!/usr/bin/env python3
"""Strata versus redis-server, side by side in one run, interleaved (A B A B), medians of repeats.

    bench/compare.py [--strata build/src/strata-server] [--redis redis-server] [--repeats 3] [--requests 1000000]
                     [--case TEXT ...] [--no-memory] [--at-limit [--maxmemory 64mb]]

The EVALSHA cases run a one-INCR script over redis-benchmark's random keys (declared as KEYS[1],
under their own prefix: INCR fails on the values the SET cases leave).

Prints, per case, requests per second, server CPU seconds per million requests and the 99th
percentile latency (ms, as redis-benchmark measures it) for both servers, with the ratio
Strata/Redis of the medians and, for throughput and p99, the range of the ratios of each
interleaved pair of runs (the worst run shows there). Then the RSS bytes per key after loading
1,000,000 small strings (`key:%07d` -> 16 bytes, as in shared/design/memory-budget.md), read once
RSS has settled. Figures come from redis-benchmark (throughput, latency) and /proc (CPU, RSS);
nothing here asserts a number.

With --at-limit, throughput at the memory limit instead: both servers run with --maxmemory and
allkeys-lru, are first filled until they evict, and the SET cases draw keys from 100,000,000
(redis-benchmark -r), so that nearly every SET adds a key and evicts one; no memory measurement.
"""
import argparse
import hashlib
import resource
import subprocess
import sys
import time

from common import Client, encode, fill_to_limit, limit_options, median, pipeline, start_server

# EVALSHA of a short script (one INCR of its declared key), loaded into both servers first.
BENCH_SCRIPT = "return redis.call('incr', KEYS[1])"
BENCH_SHA = hashlib.sha1(BENCH_SCRIPT.encode()).hexdigest()

CASES = [
    # (label, redis-benchmark arguments)
    ("SET -P 1 -d 32", ["-c", "50", "-t", "set", "-P", "1", "-d", "32"]),
    ("GET -P 1 -d 32", ["-c", "50", "-t", "get", "-P", "1", "-d", "32"]),
    ("SET -P 16 -d 32", ["-c", "50", "-t", "set", "-P", "16", "-d", "32"]),
    ("GET -P 16 -d 32", ["-c", "50", "-t", "get", "-P", "16", "-d", "32"]),
    ("SET -P 16 -d 1024", ["-c", "50", "-t", "set", "-P", "16", "-d", "1024"]),
    ("GET -P 16 -d 1024", ["-c", "50", "-t", "get", "-P", "16", "-d", "1024"]),
    # Many connections, one request in flight on each.
    ("SET -c 200 -P 1", ["-c", "200", "-t", "set", "-P", "1", "-d", "32"]),
    ("GET -c 200 -P 1", ["-c", "200", "-t", "get", "-P", "1", "-d", "32"]),
    ("SET -c 1000 -P 1", ["-c", "1000", "-t", "set", "-P", "1", "-d", "32"]),
    ("GET -c 1000 -P 1", ["-c", "1000", "-t", "get", "-P", "1", "-d", "32"]),
    ("EVALSHA -P 1", ["-c", "50", "-P", "1", "EVALSHA", BENCH_SHA, "1", "counter:__rand_int__"]),
    ("EVALSHA -P 16", ["-c", "50", "-P", "16", "EVALSHA", BENCH_SHA, "1", "counter:__rand_int__"]),
]

# Descriptors the servers and redis-benchmark need: the largest -c above, plus listeners, logs,
# epoll and the like.
NEEDED_FILES = 1000 + 64


def raise_file_limit():
    """Raises this process's soft RLIMIT_NOFILE to its hard limit (servers and redis-benchmark
    inherit it): redis-server lowers maxclients to fit the limit, and strata-server's accepts fail
    past it. Exits when even the hard limit is too low for the many-connection cases."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < NEEDED_FILES:
        sys.exit("RLIMIT_NOFILE hard limit %d is below %d: raise it (ulimit -Hn) first" % (hard, NEEDED_FILES))
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# Keys redis-benchmark draws from (-r): normally, and at the memory limit (almost every SET new).
KEYSPACE = 100000
KEYSPACE_AT_LIMIT = 100000000


def run_benchmark(server, extra, requests, threads, keyspace=KEYSPACE):
    """Returns (requests per second, server CPU seconds per million requests, p99 latency in ms)."""
    argv = ["redis-benchmark", "-p", str(server.port), "-r", str(keyspace), "-n", str(requests), "--csv"]
    if threads > 1:
        argv += ["--threads", str(threads)]
    cpu_before = server.cpu_seconds()
    out = subprocess.run(argv + extra, capture_output=True, text=True, check=True).stdout
    cpu = server.cpu_seconds() - cpu_before
    # The CSV has a header row ("test","rps",...,"p99_latency_ms",...) and one row per test.
    rows = [[c.strip('"') for c in line.split(",")] for line in out.splitlines() if line.strip()]
    header = next((r for r in rows if r[0] == "test"), None)
    data = [r for r in rows if r[0] != "test"]
    if header is None or "p99_latency_ms" not in header or len(data) != 1:
        raise RuntimeError("could not read redis-benchmark output: %r" % out)
    row = dict(zip(header, data[0]))
    return float(row["rps"]), cpu / requests * 1e6, float(row["p99_latency_ms"])


def bytes_per_key(server, keys):
    """RSS growth per key once the allocator has settled (both servers return freed pages to the
    kernel from a background thread, Redis after ~10 s, Strata after ~1 s)."""
    value = b"v" * 16
    commands = [encode(b"SET", b"key:%07d" % i, value) for i in range(keys)]
    before = server.rss_bytes()
    pipeline(server.port, commands)
    return (settled_rss(server) - before) / keys


def settled_rss(server, limit_s=30):
    """RSS once it has stopped moving: two readings 3 s apart within 0.2%, or after limit_s."""
    last = server.rss_bytes()
    waited = 0
    while waited < limit_s:
        time.sleep(3)
        waited += 3
        now = server.rss_bytes()
        if abs(now - last) <= 0.002 * last:
            return now
        last = now
    return last


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/src/strata-server")
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--requests", type=int, default=1000000)
    ap.add_argument("--threads", type=int, default=1, help="redis-benchmark --threads")
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--case", action="append", default=[],
                    help="run only the cases whose label contains this text (repeatable)")
    ap.add_argument("--no-memory", action="store_true", help="skip the bytes-per-key measurement")
    ap.add_argument("--at-limit", action="store_true", help="SET cases at the memory limit, every SET evicting")
    ap.add_argument("--maxmemory", default="64mb", help="the limit for --at-limit")
    args = ap.parse_args()
    cases = [c for c in CASES if not args.case or any(text in c[0] for text in args.case)]
    options, keyspace = [], KEYSPACE
    if args.at_limit:
        cases = [c for c in cases if c[0].startswith("SET")]
        options, keyspace, args.no_memory = limit_options(args.maxmemory, "allkeys-lru"), KEYSPACE_AT_LIMIT, True

    raise_file_limit()
    servers = {name: start_server(name, binary, options=options)
               for name, binary in (("redis", args.redis), ("strata", args.strata))}
    try:
        for server in servers.values():
            client = Client(server.port)
            client.call("SCRIPT", "LOAD", BENCH_SCRIPT)
            client.close()
        if args.at_limit:
            for server in servers.values():
                client = Client(server.port)
                fill_to_limit(client, b"v" * 32)
                client.close()
        print("%-18s %9s %9s %5s %9s | %8s %8s %5s | %7s %7s %5s %9s" % (
            "case", "redis rps", "strata", "ratio", "per run", "redis us", "strata", "ratio", "redis99", "strata",
            "ratio", "per run"))
        print("%-18s %9s %9s %5s %9s | %8s %8s %5s | %7s %7s %5s %9s" % (
            "", "", "", "", "", "cpu/op", "", "", "p99 ms", "", "", ""))
        for label, extra in cases:
            samples = {name: [] for name in servers}
            for _ in range(args.repeats):
                for name in ("redis", "strata"):  # interleaved: A B A B
                    samples[name].append(run_benchmark(servers[name], extra, args.requests, args.threads, keyspace))
            cells = []
            for field in range(3):
                r = median([s[field] for s in samples["redis"]])
                st = median([s[field] for s in samples["strata"]])
                cells.append((r, st, st / r))
            pairs = list(zip(samples["redis"], samples["strata"]))
            rps_runs = [st[0] / r[0] for r, st in pairs]
            p99_runs = [st[2] / r[2] for r, st in pairs]
            (r_rps, s_rps, rps_ratio), (r_cpu, s_cpu, cpu_ratio), (r_p99, s_p99, p99_ratio) = cells
            print("%-18s %9.0f %9.0f %5.2f %4.2f-%4.2f | %8.2f %8.2f %5.2f | %7.3f %7.3f %5.2f %4.2f-%4.2f" % (
                label, r_rps, s_rps, rps_ratio, min(rps_runs), max(rps_runs), r_cpu, s_cpu, cpu_ratio, r_p99, s_p99,
                p99_ratio, min(p99_runs), max(p99_runs)))
            sys.stdout.flush()
    finally:
        for s in servers.values():
            s.stop()

    if args.no_memory:
        return
    # Memory on fresh servers, so the benchmark's keys do not count.
    servers = {name: start_server(name, binary) for name, binary in (("redis", args.redis), ("strata", args.strata))}
    try:
        per_key = {name: bytes_per_key(s, args.keys) for name, s in servers.items()}
        print("RSS bytes per key (%d keys of 11 bytes, 16-byte values): redis %.1f, strata %.1f, ratio %.2f" %
              (args.keys, per_key["redis"], per_key["strata"], per_key["strata"] / per_key["redis"]))
    finally:
        for s in servers.values():
            s.stop()


if __name__ == "__main__":
    main()
