"""Helpers shared by the side-by-side benchmarks: start servers, read /proc, talk RESP, load keys."""
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from testlib import free_port  # noqa: E402  (from $STRATA_TEST_PORTS when it is set)


class ServerProc:
    """A redis-server or strata-server process on `port` (default: a free one), with an empty
    working directory of its own that stop() removes. env: its environment (default: ours)."""

    def __init__(self, name, argv, port=0, env=None):
        self.name = name
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-%s-" % name)
        self.proc = subprocess.Popen(argv + ["--port", str(self.port), "--dir", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
        raise RuntimeError("%s did not start: %s" % (name, " ".join(argv)))

    def cpu_seconds(self):
        """User + system CPU seconds of the process (all threads), from /proc/PID/stat."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def rss_bytes(self):
        """The process's resident set size (VmRSS)."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS for pid %d" % self.proc.pid)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


def start_server(name, binary, port=0, env=None, options=()):
    """ServerProc for `name` "redis" (redis-server with persistence off) or "strata", with the
    further command-line `options` (e.g. ["--maxmemory", "64mb"])."""
    argv = [binary, "--save", "", "--appendonly", "no"] if name == "redis" else [binary, "--save", ""]
    return ServerProc(name, argv + list(options), port, env)


def limit_options(maxmemory, policy):
    """Command-line options for a server at a memory limit, e.g. ("64mb", "allkeys-lru")."""
    return ["--maxmemory", maxmemory, "--maxmemory-policy", policy]


def bytes_of(size):
    """A size as the servers read it: '32mb' -> 33554432 (k/m/g are powers of 1000, kb/mb/gb of 1024)."""
    units = {"": 1, "k": 1000, "kb": 1024, "m": 1000 ** 2, "mb": 1024 ** 2, "g": 1000 ** 3, "gb": 1024 ** 3}
    digits = size.rstrip("kmgbKMGB")
    return int(digits) * units[size[len(digits):].lower()]


def fill_to_limit(client, value):
    """SETs keys `fill:0`, `fill:1`, ... to `value`, 1,000 at a time, until the server has evicted a key."""
    next_id = 0
    while int(client.info(b"stats")["evicted_keys"]) == 0:
        client.pipeline(encode(b"SET", b"fill:%d" % i, value) for i in range(next_id, next_id + 1000))
        next_id += 1000


def encode(*args):
    """A command as a RESP array of bulk strings; arguments may be bytes, str or numbers."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class ReplyError(RuntimeError):
    """An error reply; its text is the reply without the leading '-'."""


class Client:
    """One RESP2 connection to 127.0.0.1:port."""

    def __init__(self, port, timeout=60):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.file = self.sock.makefile("rb")

    def send(self, data):
        self.sock.sendall(data)

    def read(self):
        """Reads one reply: bytes for simple strings, integers and bulk strings, a list for an
        array, None for a null. Raises ReplyError for an error reply."""
        line = self.file.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("server closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind in (b"+", b":"):
            return rest
        if kind == b"-":
            raise ReplyError(rest.decode(errors="replace"))
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError("unexpected reply %r" % line)

    def call(self, *args):
        self.send(encode(*args))
        return self.read()

    def pipeline(self, commands, batch=1000):
        """Sends the encoded commands (any iterable) `batch` at a time, reading (and discarding)
        the replies of each batch before sending the next. Raises ReplyError on an error reply."""
        commands = iter(commands)
        while True:
            chunk = list(itertools.islice(commands, batch))
            if not chunk:
                return
            self.send(b"".join(chunk))
            for _ in chunk:
                self.read()

    def info(self, section):
        """INFO section's fields as a dict of strings."""
        text = self.call(b"INFO", section).decode()
        return dict(line.split(":", 1) for line in text.splitlines() if ":" in line and not line.startswith("#"))

    def close(self):
        self.file.close()
        self.sock.close()


def pipeline(port, commands, batch=1000):
    """Client.pipeline on a connection of its own, closed before returning."""
    client = Client(port)
    try:
        client.pipeline(commands, batch)
    finally:
        client.close()


def median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
