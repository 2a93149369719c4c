#!/usr/bin/env python3
"""EVALSHA throughput: Strata with one io-thread against Strata with several, and redis-server.

    bench/scripting.py [--strata build/src/strata-server] [--redis redis-server] [--threads 4]
                       [--repeats 3] [--requests 300000]

Two scripts, run by redis-benchmark (50 connections, -P 16) over 100,000 random keys:
  declared    `return redis.call('incr', KEYS[1])` with its key declared: after its first run it
              locks only that key's stripe, so runs on different io-threads overlap;
  undeclared  the same INCR of a key passed in ARGV (numkeys 0): each run holds its whole
              database, so runs are serialized whatever the io-threads.
Prints requests per second for redis-server, Strata with 1 io-thread and with --threads
io-threads (medians of interleaved repeats), and the speed-up of the many-threads Strata over the
one-thread one: the parallelism scripts over disjoint keys get. Nothing is asserted; on a machine
with fewer free cores than io-threads the speed-up is bounded by the cores.
"""
import argparse
import hashlib
import subprocess

from common import Client, median, start_server

SCRIPTS = {
    "declared": ("return redis.call('incr', KEYS[1])", ["1", "key:__rand_int__"]),
    "undeclared": ("return redis.call('incr', ARGV[1])", ["0", "key:__rand_int__"]),
}


def rps(port, sha, args, requests):
    argv = ["redis-benchmark", "-p", str(port), "-r", "100000", "-n", str(requests), "-c", "50", "-P", "16",
            "--csv", "EVALSHA", sha] + args
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    rows = [[c.strip('"') for c in line.split(",")] for line in out.splitlines() if line.strip()]
    header = next(r for r in rows if r[0] == "test")
    data = [r for r in rows if r[0] != "test"][0]
    return float(dict(zip(header, data))["rps"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/src/strata-server")
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--requests", type=int, default=300000)
    args = ap.parse_args()
    servers = {
        "redis": start_server("redis", args.redis),
        "strata-1": start_server("strata", args.strata, options=["--io-threads", "1"]),
        "strata-%d" % args.threads: start_server("strata", args.strata, options=["--io-threads", str(args.threads)]),
    }
    try:
        for server in servers.values():
            client = Client(server.port)
            for body, _ in SCRIPTS.values():
                client.call("SCRIPT", "LOAD", body)
            client.close()
        names = list(servers)
        print("%-11s %10s %10s %10s %8s" % ("script", names[0], names[1], names[2], "speed-up"))
        for label, (body, script_args) in SCRIPTS.items():
            sha = hashlib.sha1(body.encode()).hexdigest()
            samples = {name: [] for name in names}
            for _ in range(args.repeats):
                for name in names:  # interleaved
                    samples[name].append(rps(servers[name].port, sha, script_args, args.requests))
            figures = [median(samples[name]) for name in names]
            print("%-11s %10.0f %10.0f %10.0f %8.2f" % (label, *figures, figures[2] / figures[1]))
    finally:
        for s in servers.values():
            s.stop()


if __name__ == "__main__":
    main()
