"""Helpers shared by the side-by-side benchmarks: start servers, read /proc, talk RESP, load keys."""
import itertools
import os
import shutil
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


def start_server(name, binary, port=0, env=None):
    """ServerProc for `name` "redis" (redis-server with persistence off) or "strata"."""
    argv = [binary, "--save", "", "--appendonly", "no"] if name == "redis" else [binary, "--save", ""]
    return ServerProc(name, argv, port, env)


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
