#!/usr/bin/env python3
"""Memory per small hash: Strata against redis-server, side by side.

Starts both servers on free ports (or on --redis-port / --strata-port), loads the same N hashes of
10 small fields into each with pipelined HSETs over raw sockets, and prints the growth of each
server's resident set (VmRSS) divided by N, and the ratio. Both servers are stopped at the end.

Usage: bench/hash_memory.py --strata build/src/strata-server [--redis redis-server] [--hashes 100000]
                             [--fields 10] [--value-size 8]

The default shape is the classic small-object case: keys "hash:000042", fields "field0".."field9",
8-byte values ("v0000042"; --value-size pads them with leading zeros).
"""
import argparse
import time

from common import encode, pipeline, start_server


def hset_commands(hashes, fields, value_size):
    """The HSETs that load the hashes, one command each."""
    for i in range(hashes):
        args = [b"HSET", b"hash:%06d" % i]
        for j in range(fields):
            args += [b"field%d" % j, b"v%0*d" % (value_size - 1, i * fields + j)]
        yield encode(*args)


def measure(name, binary, port, hashes, fields, value_size):
    server = start_server(name, binary, port)
    try:
        time.sleep(0.5)
        before = server.rss_bytes()
        pipeline(server.port, hset_commands(hashes, fields, value_size))
        time.sleep(0.5)  # let background threads settle
        after = server.rss_bytes()
    finally:
        server.stop()
    per_hash = (after - before) / hashes
    print("%-7s RSS %8.1f MiB -> %8.1f MiB: %6.1f bytes per hash" % (name, before / 2**20, after / 2**20, per_hash))
    return per_hash


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--hashes", type=int, default=100000)
    ap.add_argument("--fields", type=int, default=10)
    ap.add_argument("--value-size", type=int, default=8)
    ap.add_argument("--redis-port", type=int, default=0)
    ap.add_argument("--strata-port", type=int, default=0)
    args = ap.parse_args()
    print("%d hashes of %d fields (%d-byte values)" % (args.hashes, args.fields, args.value_size))
    redis = measure("redis", args.redis, args.redis_port, args.hashes, args.fields, args.value_size)
    strata = measure("strata", args.strata, args.strata_port, args.hashes, args.fields, args.value_size)
    print("strata / redis: %.2f" % (strata / redis))


if __name__ == "__main__":
    main()
