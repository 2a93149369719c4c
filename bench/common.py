"""Helpers shared by the side-by-side benchmarks: start servers, read /proc, load keys."""
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


class ServerProc:
    """A redis-server or strata-server process on a free port, with an empty working directory."""

    def __init__(self, name, argv):
        self.name = name
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-%s-" % name)
        self.proc = subprocess.Popen(argv + ["--port", str(self.port), "--dir", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("%s did not start" % name)

    def cpu_seconds(self):
        """User + system CPU seconds of the process (all threads), from /proc/PID/stat."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def rss_bytes(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def pipeline(port, commands, batch=1000):
    """Sends the encoded commands in batches and reads (and discards) one reply line per command.

    Only for commands with one-line replies (+OK, :n)."""
    sock = socket.create_connection(("127.0.0.1", port))
    pending = b""
    for start in range(0, len(commands), batch):
        chunk = commands[start:start + batch]
        sock.sendall(b"".join(chunk))
        need = len(chunk)
        while need:
            data = sock.recv(1 << 20)
            if not data:
                raise RuntimeError("connection closed")
            pending += data
            lines = pending.count(b"\r\n")
            if lines >= need:
                # Keep whatever belongs to later replies (cannot happen with one batch in flight).
                pending = b""
                need = 0
    sock.close()


def command(port, *args):
    """Sends one command and returns the raw reply bytes (enough for INFO/DBSIZE-sized replies)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(encode(*args))
    time.sleep(0.05)
    data = sock.recv(1 << 20)
    sock.close()
    return data


def median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
