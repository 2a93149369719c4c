#!/usr/bin/env python3
"""Bytes per element of a long list, Strata against redis-server, by resident set size.

Usage: list_memory.py --strata build/src/strata-server [--redis redis-server]
                      [--port 7650] [--elements 1000000]

Starts each server on its own port (--port and --port + 1), reads its RSS (VmRSS), RPUSHes
--elements short elements into one key in pipelined batches, reads the RSS again, and prints the
difference per element with the time the pushes took. Two data sets: short strings
("element-0000042", 15 bytes) and small integers (0 .. 999). Each data set gets a fresh server.
"""
import argparse
import sys
import time

from common import Client, start_server

BATCH = 1000


def measure(name, binary, port, elements, make_element):
    server = start_server(name, binary, port)
    client = None
    try:
        client = Client(port, timeout=30)
        client.call("PING")
        time.sleep(0.3)
        before = server.rss_bytes()
        t0 = time.monotonic()
        for start_index in range(0, elements, BATCH):
            batch = [make_element(i) for i in range(start_index, min(elements, start_index + BATCH))]
            client.call(b"RPUSH", b"biglist", *batch)
        elapsed = time.monotonic() - t0
        length = int(client.call("LLEN", "biglist"))
        time.sleep(0.3)
        after = server.rss_bytes()
        return length, (after - before) / elements, elapsed
    finally:
        if client is not None:
            client.close()
        server.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--port", type=int, default=7650)
    ap.add_argument("--elements", type=int, default=1000000)
    args = ap.parse_args()
    datasets = [
        ("short strings (15 bytes)", lambda i: b"element-%07d" % i),
        ("small integers (0..999)", lambda i: b"%d" % (i % 1000)),
    ]
    servers = [("redis", args.redis), ("strata", args.strata)]
    print("%d elements in one list (RPUSH, %d per command)" % (args.elements, BATCH))
    for name, make_element in datasets:
        for k, (server, binary) in enumerate(servers):
            length, per_element, elapsed = measure(server, binary, args.port + k, args.elements, make_element)
            if length != args.elements:
                print("%s: LLEN %d, expected %d" % (server, length, args.elements))
                return 1
            print("%-26s %-7s %6.2f bytes/element  push %.2f s" % (name, server, per_element, elapsed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
