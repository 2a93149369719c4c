#!/usr/bin/env python3
"""Strata versus redis-server, side by side in one run, interleaved (A B A B), medians of repeats.

    bench/compare.py [--strata build/src/strata-server] [--redis redis-server] [--repeats 3] [--requests 1000000]

Prints, per case, requests per second and server CPU seconds per million requests for both servers
and the ratio Strata/Redis; then the RSS bytes per key after loading 1,000,000 small strings
(`key:%07d` -> 16 bytes, as in shared/design/memory-budget.md), read once RSS has settled. Figures
come from redis-benchmark (throughput) and /proc (CPU, RSS); nothing here asserts a number.
"""
import argparse
import subprocess
import sys
import time

from common import encode, median, pipeline, start_server

CASES = [
    # (label, redis-benchmark arguments)
    ("SET -P 1 -d 32", ["-t", "set", "-P", "1", "-d", "32"]),
    ("GET -P 1 -d 32", ["-t", "get", "-P", "1", "-d", "32"]),
    ("SET -P 16 -d 32", ["-t", "set", "-P", "16", "-d", "32"]),
    ("GET -P 16 -d 32", ["-t", "get", "-P", "16", "-d", "32"]),
    ("SET -P 16 -d 1024", ["-t", "set", "-P", "16", "-d", "1024"]),
    ("GET -P 16 -d 1024", ["-t", "get", "-P", "16", "-d", "1024"]),
]


def run_benchmark(server, extra, requests, threads):
    """Returns (requests per second, server CPU seconds per million requests)."""
    argv = ["redis-benchmark", "-p", str(server.port), "-c", "50", "-r", "100000", "-n", str(requests), "--csv"]
    if threads > 1:
        argv += ["--threads", str(threads)]
    cpu_before = server.cpu_seconds()
    out = subprocess.run(argv + extra, capture_output=True, text=True, check=True).stdout
    cpu = server.cpu_seconds() - cpu_before
    rps = None
    for line in out.splitlines():
        cells = [c.strip('"') for c in line.split(",")]
        if len(cells) > 1 and cells[0] not in ("test",):
            try:
                rps = float(cells[1])
            except ValueError:
                pass
    if rps is None:
        raise RuntimeError("could not read redis-benchmark output: %r" % out)
    return rps, cpu / requests * 1e6


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
    args = ap.parse_args()

    servers = {name: start_server(name, binary) for name, binary in (("redis", args.redis), ("strata", args.strata))}
    try:
        print("%-20s %14s %14s %7s %14s %14s %7s" % ("case", "redis rps", "strata rps", "ratio",
                                                      "redis cpu/Mop", "strata cpu/Mop", "ratio"))
        for label, extra in CASES:
            samples = {name: [] for name in servers}
            for _ in range(args.repeats):
                for name in ("redis", "strata"):  # interleaved: A B A B
                    samples[name].append(run_benchmark(servers[name], extra, args.requests, args.threads))
            r_rps = median([s[0] for s in samples["redis"]])
            s_rps = median([s[0] for s in samples["strata"]])
            r_cpu = median([s[1] for s in samples["redis"]])
            s_cpu = median([s[1] for s in samples["strata"]])
            print("%-20s %14.0f %14.0f %7.2f %14.2f %14.2f %7.2f" % (label, r_rps, s_rps, s_rps / r_rps, r_cpu, s_cpu,
                                                                      s_cpu / r_cpu))
            sys.stdout.flush()
    finally:
        for s in servers.values():
            s.stop()

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
