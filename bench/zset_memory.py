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
import os
import random
import socket
import subprocess
import sys
import tempfile
import time


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.file = self.sock.makefile("rb")

    def send(self, data):
        self.sock.sendall(data)

    def read(self):
        line = self.file.readline()[:-2]
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b":"):
            return rest
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2]
        if kind == b"*":
            return [self.read() for _ in range(int(rest))]
        raise RuntimeError("unexpected reply %r" % line)

    def call(self, *args):
        self.send(encode(args))
        return self.read()


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def start(cmd, port):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start: %s" % " ".join(cmd))


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


def measure(name, cmd, port, batches, members):
    proc = start(cmd, port)
    try:
        client = Client(port)
        client.call("PING")
        time.sleep(0.3)
        before = rss_bytes(proc.pid)
        t0 = time.time()
        load(client, batches)
        elapsed = time.time() - t0
        time.sleep(0.5)  # let background threads (lazy free, jemalloc purging) settle
        after = rss_bytes(proc.pid)
        card = int(client.call("ZCARD", "bench"))
        sample = client.call("ZRANGE", "bench", "0", "4", "WITHSCORES")
        per = (after - before) / members
        print("%-7s rss before %7.1f MiB  after %7.1f MiB  load %5.2fs  zcard %d  bytes/element %.1f"
              % (name, before / 2**20, after / 2**20, elapsed, card, per))
        return per, card, sample
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
            batches.append(encode(["ZADD", "bench"] + pairs))
            pairs = []

    workdir = tempfile.mkdtemp(prefix="zset-mem-")
    redis_cmd = [args.redis, "--port", str(args.redis_port), "--save", "", "--appendonly", "no",
                 "--dir", workdir]
    strata_cmd = [args.strata, "--port", str(args.strata_port), "--dir", workdir]
    redis_per, redis_card, redis_sample = measure("redis", redis_cmd, args.redis_port, batches, args.members)
    strata_per, strata_card, strata_sample = measure("strata", strata_cmd, args.strata_port, batches, args.members)
    if redis_card != strata_card or redis_sample != strata_sample:
        print("MISMATCH: the servers hold different sets", file=sys.stderr)
        return 1
    print("strata uses %.0f%% of redis's memory per element (%.1f vs %.1f bytes)"
          % (100 * strata_per / redis_per, strata_per, redis_per))
    return 0


if __name__ == "__main__":
    sys.exit(main())
