#!/usr/bin/env python3
"""Memory per element of one large sorted set: Strata against redis-server.

Usage: bench/zset_memory.py --strata build/src/strata-server [--redis redis-server]
                            [--members 1000000] [--redis-port 7810] [--strata-port 7811]

Starts each server on its port (no persistence), loads one sorted set of --members members with
short names ("m:0000001" ... 9 bytes) and random scores (doubles in [0, 1e6)) through pipelined
ZADDs of 1000 pairs, and reports the resident-set growth of the server process divided by the
number of members. Both servers get the same commands; the server's own allocator (jemalloc in
both) is included, as a user would see it. Also checks ZCARD and a few ZRANGE replies agree.
"""
import argparse
import random
import sys
import time

from common import Client, encode, start_server


def load(client, batches):
    """Sends the batches pipelined, a few at a time, and checks every reply."""
    window = 16
    pending = 0
    for batch in batches:
        client.send(batch)
        pending += 1
        if pending == window:
            client.read()
            pending -= 1
    while pending:
        client.read()
        pending -= 1


def measure(name, binary, port, batches, members):
    server = start_server(name, binary, port)
    try:
        client = Client(port)
        client.call("PING")
        time.sleep(0.3)
        before = server.rss_bytes()
        t0 = time.time()
        load(client, batches)
        elapsed = time.time() - t0
        time.sleep(0.5)  # let background threads (lazy free, jemalloc purging) settle
        after = server.rss_bytes()
        card = int(client.call("ZCARD", "bench"))
        sample = client.call("ZRANGE", "bench", "0", "4", "WITHSCORES")
        per = (after - before) / members
        print("%-7s rss before %7.1f MiB  after %7.1f MiB  load %5.2fs  zcard %d  bytes/element %.1f"
              % (name, before / 2**20, after / 2**20, elapsed, card, per))
        return per, card, sample
    finally:
        server.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--members", type=int, default=1000000)
    ap.add_argument("--redis-port", type=int, default=7810)
    ap.add_argument("--strata-port", type=int, default=7811)
    args = ap.parse_args()

    rng = random.Random(20240601)
    batches = []
    pairs = []
    for i in range(args.members):
        pairs.append(repr(rng.random() * 1e6))
        pairs.append("m:%07d" % i)
        if len(pairs) == 2000 or i == args.members - 1:
            batches.append(encode("ZADD", "bench", *pairs))
            pairs = []

    redis_per, redis_card, redis_sample = measure("redis", args.redis, args.redis_port, batches, args.members)
    strata_per, strata_card, strata_sample = measure("strata", args.strata, args.strata_port, batches, args.members)
    if redis_card != strata_card or redis_sample != strata_sample:
        print("MISMATCH: the servers hold different sets", file=sys.stderr)
        return 1
    print("strata uses %.0f%% of redis's memory per element (%.1f vs %.1f bytes)"
          % (100 * strata_per / redis_per, strata_per, redis_per))
    return 0


if __name__ == "__main__":
    sys.exit(main())
