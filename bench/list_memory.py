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
import os
import socket
import subprocess
import sys
import tempfile
import time

BATCH = 1000


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read_replies(sock, n):
    """Reads n integer or status replies (what RPUSH and LLEN send)."""
    buf = b""
    got = 0
    while got < n:
        data = sock.recv(1 << 16)
        if not data:
            raise RuntimeError("connection closed")
        buf += data
        got = buf.count(b"\r\n")
    return buf


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
            return proc, socket.create_connection(("127.0.0.1", port), timeout=30)
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start: %s" % " ".join(cmd))


def measure(cmd, port, elements, make_element):
    proc, sock = start(cmd, port)
    try:
        sock.sendall(encode([b"PING"]))
        read_replies(sock, 1)
        time.sleep(0.3)
        before = rss_bytes(proc.pid)
        t0 = time.monotonic()
        for start_index in range(0, elements, BATCH):
            batch = [make_element(i) for i in range(start_index, min(elements, start_index + BATCH))]
            sock.sendall(encode([b"RPUSH", b"biglist"] + batch))
            read_replies(sock, 1)
        elapsed = time.monotonic() - t0
        sock.sendall(encode([b"LLEN", b"biglist"]))
        length = int(read_replies(sock, 1)[1:-2])
        time.sleep(0.3)
        after = rss_bytes(proc.pid)
        return length, (after - before) / elements, elapsed
    finally:
        sock.close()
        proc.terminate()
        proc.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--port", type=int, default=7650)
    ap.add_argument("--elements", type=int, default=1000000)
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="strata-bench-")
    datasets = [
        ("short strings (15 bytes)", lambda i: b"element-%07d" % i),
        ("small integers (0..999)", lambda i: b"%d" % (i % 1000)),
    ]
    servers = [
        ("redis", lambda p: [args.redis, "--port", str(p), "--save", "", "--appendonly", "no", "--dir", workdir]),
        ("strata", lambda p: [args.strata, "--port", str(p), "--dir", workdir]),
    ]
    print("%d elements in one list (RPUSH, %d per command)" % (args.elements, BATCH))
    for name, make_element in datasets:
        for k, (server, cmd) in enumerate(servers):
            port = args.port + k
            length, per_element, elapsed = measure(cmd(port), port, args.elements, make_element)
            if length != args.elements:
                print("%s: LLEN %d, expected %d" % (server, length, args.elements))
                return 1
            print("%-26s %-7s %6.2f bytes/element  push %.2f s" % (name, server, per_element, elapsed))
    os.rmdir(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
