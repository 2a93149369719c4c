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
import socket
import subprocess
import sys
import tempfile
import time

BATCH = 1000
WORKLOADS = [
    ("strings", "set:strings", 1_000_000, lambda i: b"member:%d" % i),
    ("integers", "set:integers", 100_000, lambda i: b"%d" % i),
]


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(1 << 20)
            if not data:
                raise ConnectionError("server closed the connection")
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def reply(self):
        """Reads one reply; returns its first line, and the payload of a bulk string."""
        line = self._line()
        if line[:1] == b"$" and int(line[1:]) >= 0:
            n = int(line[1:])
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(1 << 20)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        return line

    def call(self, *args):
        self.sock.sendall(encode([a if isinstance(a, bytes) else str(a).encode() for a in args]))
        return self.reply()

    def pipeline(self, commands):
        self.sock.sendall(b"".join(commands))
        for _ in commands:
            line = self.reply()
            if line[:1] == b"-":
                raise RuntimeError(line.decode())


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS for pid %d" % pid)


def start(cmd, port, env):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start: %s" % " ".join(cmd))


def used_memory(client):
    info = client.call("INFO", "memory")
    for line in info.split(b"\r\n"):
        if line.startswith(b"used_memory:"):
            return int(line.split(b":")[1])
    return None


def measure(name, cmd, port, label, key, count, member):
    env = dict(os.environ, MALLOC_CONF="dirty_decay_ms:0,muzzy_decay_ms:0")
    proc = start(cmd, port, env)
    try:
        client = Client(port)
        # Warm up first: connection buffers and allocator caches are not the set's cost.
        client.pipeline([encode([b"SADD", b"warmup"] + [b"w%d" % i for i in range(BATCH)])])
        time.sleep(0.2)
        rss_before, used_before = rss_bytes(proc.pid), used_memory(client)
        for first in range(0, count, BATCH):
            members = [member(i) for i in range(first, min(first + BATCH, count))]
            client.pipeline([encode([b"SADD", key.encode()] + members)])
        time.sleep(0.5)  # let background work (Redis's incremental rehash) settle
        rss_after, used_after = rss_bytes(proc.pid), used_memory(client)
        card = client.call("SCARD", key)
        usage = client.call("MEMORY", "USAGE", key, "SAMPLES", "0")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    line = "%-7s %-8s %9d members (SCARD %s): RSS %5.1f B/member" % (
        name, label, count, card[1:].decode(), (rss_after - rss_before) / count)
    if used_before is not None and used_after is not None:
        line += "  used_memory %5.1f B/member" % ((used_after - used_before) / count)
    if usage[:1] == b":":
        line += "  MEMORY USAGE %5.1f B/member" % (int(usage[1:]) / count)
    print(line, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--port-base", type=int, default=7710)
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="strata-setmem-")
    redis_port, strata_port = args.port_base, args.port_base + 1
    servers = [
        ("redis", [args.redis, "--port", str(redis_port), "--save", "", "--appendonly", "no", "--dir", workdir],
         redis_port),
        ("strata", [args.strata, "--port", str(strata_port), "--dir", workdir], strata_port),
    ]
    for name, cmd, port in servers:
        for workload in WORKLOADS:
            measure(name, cmd, port, *workload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
