#!/usr/bin/env python3
"""SORT with BY and GET patterns against concurrent writers to the pattern keys, through the server.

Usage: sort_concurrency.py --strata build-tsan/src/strata-server [--port P] [--seconds S]

Starts strata-server with several io-threads, then runs, each on its own connection:
  writers   MSET w_i v x_i v (both pattern keys of element i at once), HSET h_i f v g v, DEL of
            them, SET e_i v PX (keys that expire soon), RPUSH/LPOP on the sorted list itself;
  sorters   SORT src BY w_* GET # GET w_* GET x_*, SORT_RO src BY h_*->f GET h_*->f GET h_*->g,
            SORT BY e_*, SORT ... STORE, and pattern-less SORTs.
A SORT that reads pattern keys runs with the whole database locked, so every reply must be a
snapshot: the two values of each pair are equal, and the BY values come out in order. Build the
server with -Db_sanitize=thread to have ThreadSanitizer watch the same run. Exits 1 on a bad reply,
a server that died, or sanitizer reports on its stderr. Ends with "sort_concurrency: 1 passed, 0 failed"
(or 0 passed, 1 failed): the run is one check.
"""
import argparse
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time

ELEMENTS = 40


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(1 << 16)
            if not data:
                raise ConnectionError("server closed the connection")
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in (b"+", b":"):
            return rest
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(1 << 16)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if t == b"*":
            return [self._reply() for _ in range(int(rest))]
        raise ValueError("unexpected reply %r" % line)

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self._reply()


def check_pairs(reply, stride, by_offset, pair_offsets, problems):
    """Each group of `stride` values: the pair at pair_offsets is equal; BY values do not decrease."""
    previous = float("-inf")
    for k in range(0, len(reply), stride):
        a, b = reply[k + pair_offsets[0]], reply[k + pair_offsets[1]]
        if a != b:
            problems.append("torn pair %r %r in %r" % (a, b, reply))
            return
        by = reply[k + by_offset]
        value = 0.0 if by is None else float(by)
        if value < previous:
            problems.append("out of order: %r" % reply)
            return
        previous = value


def writer(port, deadline, seed, problems):
    rng = random.Random(seed)
    c = Conn(port)
    while time.time() < deadline:
        i = rng.randrange(ELEMENTS)
        v = rng.randrange(1000)
        op = rng.randrange(6)
        try:
            if op == 0:
                c.call("MSET", "w_%d" % i, v, "x_%d" % i, v)
            elif op == 1:
                c.call("HSET", "h_%d" % i, "f", v, "g", v)
            elif op == 2:
                c.call("DEL", "w_%d" % i, "x_%d" % i, "h_%d" % i)
            elif op == 3:
                c.call("RPUSH", "src", i)
                c.call("LPOP", "src")
            elif op == 4:
                c.call("SET", "e_%d" % i, v, "PX", 1 + rng.randrange(5))
            else:
                c.call("SADD", "members", i)
        except Exception as e:  # noqa: BLE001 - report whatever broke
            problems.append("writer: %s" % e)
            return


def sorter(port, deadline, seed, problems, counts):
    rng = random.Random(seed)
    c = Conn(port)
    while time.time() < deadline:
        op = rng.randrange(5)
        try:
            if op == 0:
                check_pairs(c.call("SORT", "src", "BY", "w_*", "GET", "#", "GET", "w_*", "GET", "x_*"), 3, 1, (1, 2), problems)
            elif op == 1:
                check_pairs(c.call("SORT_RO", "src", "BY", "h_*->f", "GET", "h_*->f", "GET", "h_*->g"), 2, 0, (0, 1), problems)
            elif op == 2:
                c.call("SORT", "members", "BY", "w_*", "LIMIT", 0, 10, "GET", "x_*", "STORE", "out")
                c.call("LRANGE", "out", 0, -1)
            elif op == 3:
                # Keys that expire while the command runs: Strata reads the clock at each lookup
                # (Redis freezes it per command), so a BY value may be gone by the GET: no checks.
                c.call("SORT", "src", "BY", "e_*", "GET", "e_*", "LIMIT", 1, 5)
                c.call("SORT", "src", "BY", "nosort", "DESC", "LIMIT", 1, 5)
            else:
                c.call("SORT", "members", "STORE", "out2")
            counts[0] += 1
        except Exception as e:  # noqa: BLE001
            problems.append("sorter: %s" % e)
            return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--port", type=int, default=0, help="default: a free port")
    ap.add_argument("--seconds", type=float, default=10)
    opts = ap.parse_args()
    if not opts.port:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            opts.port = s.getsockname()[1]

    stderr = tempfile.TemporaryFile()
    proc = subprocess.Popen([opts.strata, "--port", str(opts.port), "--io-threads", "4"],
                            stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        for _ in range(200):
            try:
                setup = Conn(opts.port)
                break
            except OSError:
                time.sleep(0.05)
        else:
            print("server did not start")
            return 1
        setup.call("RPUSH", "src", *range(ELEMENTS))
        problems, counts = [], [0]
        deadline = time.time() + opts.seconds
        threads = [threading.Thread(target=writer, args=(opts.port, deadline, s, problems)) for s in range(3)]
        threads += [threading.Thread(target=sorter, args=(opts.port, deadline, 100 + s, problems, counts))
                    for s in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if proc.poll() is not None:
            problems.append("server exited with %s" % proc.returncode)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    stderr.seek(0)
    log = stderr.read().decode(errors="replace")
    if "Sanitizer" in log:
        problems.insert(0, "sanitizer report:\n" + "\n".join(log.splitlines()[:60]))
    for p in problems[:10]:
        print(p)
    print("%d sorts checked, %d problems" % (counts[0], len(problems)))
    print("sort_concurrency: %d passed, %d failed" % ((0, 1) if problems else (1, 0)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
