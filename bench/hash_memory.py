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
import os
import socket
import subprocess
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


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


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS for pid %d" % pid)


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read_replies(sock, count, buf):
    """Reads `count` one-line replies (the integers HSET answers); returns the leftover bytes."""
    while count > 0:
        while b"\r\n" not in buf:
            data = sock.recv(1 << 16)
            if not data:
                raise RuntimeError("connection closed")
            buf += data
        line, _, buf = buf.partition(b"\r\n")
        if line.startswith(b"-"):
            raise RuntimeError("server error: %r" % line)
        count -= 1
    return buf


def load(port, hashes, fields, value_size, batch=1000):
    sock = socket.create_connection(("127.0.0.1", port))
    buf = b""
    for first in range(0, hashes, batch):
        last = min(first + batch, hashes)
        payload = []
        for i in range(first, last):
            args = [b"HSET", b"hash:%06d" % i]
            for j in range(fields):
                args += [b"field%d" % j, b"v%0*d" % (value_size - 1, i * fields + j)]
            payload.append(encode(args))
        sock.sendall(b"".join(payload))
        buf = read_replies(sock, last - first, buf)
    sock.close()


def measure(name, cmd, port, hashes, fields, value_size):
    proc = start(cmd, port)
    try:
        time.sleep(0.5)
        before = rss_bytes(proc.pid)
        load(port, hashes, fields, value_size)
        time.sleep(0.5)  # let background threads settle
        after = rss_bytes(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
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
    workdir = tempfile.mkdtemp(prefix="strata-bench-")
    rport = args.redis_port or free_port()
    sport = args.strata_port or free_port()
    print("%d hashes of %d fields (%d-byte values)" % (args.hashes, args.fields, args.value_size))
    redis = measure("redis", [args.redis, "--port", str(rport), "--save", "", "--appendonly", "no", "--dir", workdir],
                    rport, args.hashes, args.fields, args.value_size)
    strata = measure("strata", [args.strata, "--port", str(sport), "--dir", workdir], sport, args.hashes, args.fields,
                     args.value_size)
    print("strata / redis: %.2f" % (strata / redis))
    os.rmdir(workdir)


if __name__ == "__main__":
    main()
