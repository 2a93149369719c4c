#!/usr/bin/env python3
"""Cache hit ratio at the memory limit, Strata versus redis-server on the same requests.

    bench/hit_ratio.py [--strata build/src/strata-server] [--redis redis-server] [--maxmemory 32mb]
                       [--value-size 64] [--requests 2000000] [--warmup 1000000] [--seed 9]
                       [--policy allkeys-lru --policy allkeys-lfu] [--only redis|strata] [--quick]
    bench/hit_ratio.py --self-check [--redis redis-server]

First, how many keys fit: a fresh redis-server with --maxmemory and allkeys-lru gets keys
`fill:0`, `fill:1`, ... (--value-size byte values) until it evicts; its key count is `fit` (Strata's is
printed beside it). Then, per policy and workload (workloads.py: Zipfian alpha 0.99 over 10 x fit
keys; the same with a burst of fit/2 never-seen keys after every fit Zipfian requests), a fresh
server with --maxmemory and the policy serves the trace as a cache would: GET, and SET on a miss,
pipelined --batch GETs at a time, then the SETs for that batch's misses. The hit ratio counts the
Zipfian GETs after the first --warmup of them (a scan always misses). Prints the hit ratio per
server, the ratio Strata/Redis, and the server's evicted_keys and worst used_memory seen.
Nothing here asserts a number, except --self-check: a small run against redis-server alone that
checks the script's own workings (ends with "hit_ratio self-check: N passed, N failed").
"""
import argparse
import sys
import time

from common import Client, bytes_of, encode, fill_to_limit, limit_options, start_server
from workloads import Tally, trace, workloads

POLICIES = ["allkeys-lru", "allkeys-lfu"]


def key_name(key_id):
    return b"k:%d" % key_id


def keys_that_fit(name, binary, maxmemory, value):
    """Keys a fresh server holds under maxmemory (allkeys-lru) when it first evicts."""
    server = start_server(name, binary, options=limit_options(maxmemory, "allkeys-lru"))
    try:
        client = Client(server.port)
        fill_to_limit(client, value)
        return int(client.call(b"DBSIZE"))
    finally:
        server.stop()


def serve(client, chunks, tally, value, batch):
    """Serves the trace: GETs pipelined `batch` at a time, then a SET for each miss. Returns the
    highest used_memory seen (read after every 100 batches)."""
    worst = 0
    batches = 0
    for chunk in chunks:
        for start in range(0, len(chunk), batch):
            ids = chunk[start:start + batch]
            client.send(b"".join(encode(b"GET", key_name(k)) for k in ids))
            misses = []
            for k in ids:
                hit = client.read() is not None
                tally.add(k, hit)
                if not hit:
                    misses.append(k)
            if misses:
                client.pipeline((encode(b"SET", key_name(k), value) for k in misses), batch)
            batches += 1
            if batches % 100 == 0:
                worst = max(worst, int(client.info(b"memory")["used_memory"]))
    return worst


def run(name, binary, args, policy, fit, scan_every, scan_len):
    """(hit ratio, evicted_keys, worst used_memory) of one fresh server on one workload."""
    keys = 10 * fit
    server = start_server(name, binary, options=limit_options(args.maxmemory, policy))
    try:
        client = Client(server.port)
        tally = Tally(keys, args.warmup)
        chunks = trace(keys, args.warmup + args.requests, args.seed, scan_every=scan_every, scan_len=scan_len)
        worst = serve(client, chunks, tally, b"v" * args.value_size, args.batch)
        return tally.ratio(), int(client.info(b"stats")["evicted_keys"]), worst
    finally:
        server.stop()


def measure(args):
    """Runs everything; returns {(policy, workload, server): (ratio, evicted, worst)} and the fits."""
    servers = [(n, b) for n, b in (("redis", args.redis), ("strata", args.strata)) if args.only in (None, n)]
    value = b"v" * args.value_size
    fits = {name: keys_that_fit(name, binary, args.maxmemory, value) for name, binary in servers}
    fit = fits.get("redis") or fits["strata"]
    print("keys that fit in %s of %d-byte values: %s; keyspace %d" % (
        args.maxmemory, args.value_size, ", ".join("%s %d" % kv for kv in fits.items()), 10 * fit))
    print("%-12s %-10s %9s %9s %6s %11s %11s %8s %8s" % (
        "policy", "workload", "redis hit", "strata", "ratio", "redis evict", "strata", "redis mem", "strata"))
    results = {}
    limit = bytes_of(args.maxmemory)
    for policy in args.policy or POLICIES:
        for label, scan_every, scan_len in workloads(fit):
            for name, binary in servers:
                start = time.time()
                results[policy, label, name] = run(name, binary, args, policy, fit, scan_every, scan_len)
                print("  (%s %s %s: %.0fs)" % (name, policy, label, time.time() - start), file=sys.stderr)
            r = [results.get((policy, label, n)) for n in ("redis", "strata")]
            hit = ["%.4f" % x[0] if x else "-" for x in r]
            evicted = ["%d" % x[1] if x else "-" for x in r]
            memory = ["%.0f%%" % (100.0 * x[2] / limit) if x else "-" for x in r]
            ratio = "%.3f" % (r[1][0] / r[0][0]) if all(r) else "-"
            print("%-12s %-10s %9s %9s %6s %11s %11s %8s %8s" % (policy, label, hit[0], hit[1], ratio, evicted[0],
                                                                  evicted[1], memory[0], memory[1]))
            sys.stdout.flush()
    return results, fits


def self_check(args):
    """A small run against redis-server alone; checks that the measurement measures."""
    args.strata, args.only, args.maxmemory, args.value_size = None, "redis", "4mb", 64
    args.requests, args.warmup, args.policy = 100000, 50000, ["allkeys-lru"]
    results, fits = measure(args)
    zipf, scan = results["allkeys-lru", "zipf", "redis"], results["allkeys-lru", "zipf+scan", "redis"]
    checks = [
        ("some keys fit and some were evicted while filling", 1000 < fits["redis"] < 100000),
        ("the Zipfian hit ratio is between 0.3 and 0.99", 0.3 < zipf[0] < 0.99),
        ("keys were evicted during the run", zipf[1] > 0 and scan[1] > 0),
        ("cold scans lower LRU's hit ratio", scan[0] < zipf[0]),
        ("used_memory stayed within 10% of maxmemory", max(zipf[2], scan[2]) < 1.1 * bytes_of(args.maxmemory)),
    ]
    failed = 0
    for label, ok in checks:
        print("%s: %s" % ("ok" if ok else "FAILED", label))
        failed += not ok
    print("hit_ratio self-check: %d passed, %d failed" % (len(checks) - failed, failed))
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/src/strata-server")
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--maxmemory", default="32mb")
    ap.add_argument("--value-size", type=int, default=64)
    ap.add_argument("--requests", type=int, default=2000000, help="Zipfian GETs measured per run")
    ap.add_argument("--warmup", type=int, default=1000000, help="Zipfian GETs before measuring")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--policy", action="append", choices=POLICIES, help="default: both")
    ap.add_argument("--only", choices=["redis", "strata"], help="measure one server alone")
    ap.add_argument("--quick", action="store_true", help="--maxmemory 8mb --requests 300000 --warmup 200000")
    ap.add_argument("--self-check", action="store_true")
    args = ap.parse_args()
    if args.self_check:
        sys.exit(self_check(args))
    if args.quick:
        args.maxmemory, args.requests, args.warmup = "8mb", 300000, 200000
    measure(args)


if __name__ == "__main__":
    main()
