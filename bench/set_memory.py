#!/usr/bin/env python3
"""Bytes per member of large sets: Strata against redis-server.

Usage: bench/set_memory.py --strata build/src/strata-server [--redis redis-server] [--port-base 7710]

For each server and each workload, starts a fresh server (port-base for Redis, port-base + 1 for
Strata), warms it up with one SADD of 1,000 members to another key, fills one set with SADDs of
1,000 members each, and reports the growth of the process's resident memory (VmRSS) per member:
  strings  1,000,000 short strings, "member:0" ... "member:999999" (8 to 14 bytes)
  integers 100,000 small integers, "0" ... "99999" (past set-max-intset-entries, so both servers
           hold them in their "hashtable" encoding)
Both servers use jemalloc; MALLOC_CONF makes it return freed pages at once, so that tables freed
while growing do not linger in the resident size. Where the server answers them, it also shows
the growth of INFO's used_memory and MEMORY USAGE ... SAMPLES 0 (an exact count) per member.
Takes about fifteen seconds.
"""
import argparse
import os
import sys
import time

from common import Client, ReplyError, start_server

BATCH = 1000
WORKLOADS = [
    ("strings", "set:strings", 1_000_000, lambda i: b"member:%d" % i),
    ("integers", "set:integers", 100_000, lambda i: b"%d" % i),
]


def used_memory(client):
    try:
        info = client.call("INFO", "memory")
    except ReplyError:
        return None
    for line in info.split(b"\r\n"):
        if line.startswith(b"used_memory:"):
            return int(line.split(b":")[1])
    return None


def measure(name, binary, port, label, key, count, member):
    env = dict(os.environ, MALLOC_CONF="dirty_decay_ms:0,muzzy_decay_ms:0")
    server = start_server(name, binary, port, env)
    try:
        client = Client(port)
        # Warm up first: connection buffers and allocator caches are not the set's cost.
        client.call(b"SADD", b"warmup", *[b"w%d" % i for i in range(BATCH)])
        time.sleep(0.2)
        rss_before, used_before = server.rss_bytes(), used_memory(client)
        for first in range(0, count, BATCH):
            members = [member(i) for i in range(first, min(first + BATCH, count))]
            client.call(b"SADD", key, *members)
        time.sleep(0.5)  # let background work (Redis's incremental rehash) settle
        rss_after, used_after = server.rss_bytes(), used_memory(client)
        card = client.call("SCARD", key)
        try:
            usage = int(client.call("MEMORY", "USAGE", key, "SAMPLES", "0"))
        except ReplyError:
            usage = None
    finally:
        server.stop()
    line = "%-7s %-8s %9d members (SCARD %s): RSS %5.1f B/member" % (
        name, label, count, card.decode(), (rss_after - rss_before) / count)
    if used_before is not None and used_after is not None:
        line += "  used_memory %5.1f B/member" % ((used_after - used_before) / count)
    if usage is not None:
        line += "  MEMORY USAGE %5.1f B/member" % (usage / count)
    print(line, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--port-base", type=int, default=7710)
    args = ap.parse_args()
    for k, (name, binary) in enumerate((("redis", args.redis), ("strata", args.strata))):
        for workload in WORKLOADS:
            measure(name, binary, args.port_base + k, *workload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
