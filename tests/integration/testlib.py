"""Helpers shared by the Python integration scripts: free ports, server processes, a small RESP client.

The scripts run as `python3 tests/integration/X.py`, so they import this module as a sibling.
"""
import argparse
import os
import re
import socket
import subprocess
import tempfile
import threading
import time

_used_ports = set()


def _port_range():
    """The (lo, hi) of $STRATA_TEST_PORTS ("7400-7499"), or None when it is unset or malformed."""
    m = re.fullmatch(r"(\d+)-(\d+)", os.environ.get("STRATA_TEST_PORTS", ""))
    if not m or not 0 < int(m.group(1)) <= int(m.group(2)):
        return None
    return int(m.group(1)), int(m.group(2))


def _bindable(port):
    """The port if 127.0.0.1:port can be bound right now (the kernel's pick for 0), else None."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return s.getsockname()[1]
    except OSError:
        return None
    finally:
        s.close()


def free_port():
    """A port nothing listens on and that this process has not handed out before: from
    $STRATA_TEST_PORTS when it is set, so that the servers tests start stay in the range given to
    them, otherwise one the kernel picks."""
    span = _port_range()
    for candidate in range(span[0], span[1] + 1) if span else [0] * 20:
        if candidate in _used_ports:
            continue
        port = _bindable(candidate)
        if port is not None and port not in _used_ports:
            _used_ports.add(port)
            return port
    raise RuntimeError("no free port")


def answers_ping(port):
    """Whether a server on port answers an inline PING."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return bool(s.recv(100))
    except OSError:
        return False


def expect(cond, what):
    """Fails the check with `what` unless `cond` holds."""
    if not cond:
        raise AssertionError(what)


def expect_eq(got, want, what):
    """Fails the check unless got == want, naming `what` and both values."""
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def wait_until(fn, what, timeout=10):
    """Polls fn() until it is true; raises AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not fn():
        if time.monotonic() > deadline:
            raise AssertionError("%s: not so after %gs" % (what, timeout))
        time.sleep(0.01)


class Server:
    """A server process listening on `port` (default: free_port()), started as argv plus
    "--port PORT". The constructor returns once the server answers PING; it raises RuntimeError
    (having stopped the process) when the process exits first or `timeout` seconds pass. The
    process's stdout and stderr go to `log`, a path, or else to a temporary file: stop() reads
    them back for sanitizer reports. `preexec_fn` runs in the child before the exec (resource
    limits). Unless argv sets --save, the server runs with `--save ""`:
    both servers' default save points would otherwise write dump.rdb into the working directory
    (and read it back at the next start)."""

    def __init__(self, argv, port=0, log=None, timeout=30, preexec_fn=None):
        self.port = port or free_port()
        self.output = open(log, "w+b") if log else tempfile.TemporaryFile()
        self.problems = None  # set by stop()
        if "--save" not in argv:
            argv = argv + ["--save", ""]
        self.proc = subprocess.Popen(argv + ["--port", str(self.port)], stdout=self.output, stderr=subprocess.STDOUT,
                                     preexec_fn=preexec_fn)
        deadline = time.monotonic() + timeout
        while not answers_ping(self.port):
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("%s exited during start-up (status %s)%s" % (
                    argv[0], self.proc.returncode, "".join("\n" + p for p in self.problems)))
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("%s did not answer on port %d" % (argv[0], self.port))
            time.sleep(0.05)

    def exited(self):
        """Whether the process has ended (died, for a server that was not stopped)."""
        return self.proc.poll() is not None

    def stop(self):
        """Terminates the process (kills it after 30 s) and waits for it. Returns what went wrong
        with it as a list of lines, empty when nothing did: it had exited before stop(), it exited
        with a non-zero status, or its output holds a sanitizer report (quoted, 80 lines at most).
        Later calls return the same list."""
        if self.problems is not None:
            return self.problems
        self.problems = []
        if self.proc.poll() is not None:
            self.problems.append("the server had exited (status %s)" % self.proc.returncode)
        else:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if self.proc.returncode != 0:
                self.problems.append("the server exited with status %s when stopped" % self.proc.returncode)
        self.output.seek(0)
        lines = self.output.read().decode(errors="replace").splitlines()
        self.output.close()
        report = [i for i, line in enumerate(lines) if _SANITIZER_REPORT.search(line)]
        if report:
            self.problems.append("sanitizer report:\n" + "\n".join(lines[report[0]:report[0] + 80]))
        return self.problems


# The first line of an AddressSanitizer, ThreadSanitizer or UndefinedBehaviorSanitizer report.
_SANITIZER_REPORT = re.compile(r"(WARNING|ERROR): \w+Sanitizer|runtime error: ")


class Tally:
    """Counts a script's checks and prints one line per check: "ok   NAME (note)" or
    "FAIL NAME: why". A check that raises any exception has failed."""

    def __init__(self):
        self.passed = self.failed = 0

    def run(self, name, fn):
        """Runs the check fn(), which returns an optional note or raises on failure."""
        try:
            note = fn()
        except Exception as e:  # noqa: BLE001 - every error fails the check
            self.fail(name, "%s: %s" % (type(e).__name__, e))
            return
        self.ok(name, note)

    def ok(self, name, note=None):
        self.passed += 1
        print("ok   %s%s" % (name, " (%s)" % note if note else ""), flush=True)

    def fail(self, name, why):
        self.failed += 1
        print("FAIL %s: %s" % (name, why), flush=True)

    def server_stopped(self, name, server):
        """Stops `server` and counts the check that it ran clean (see Server.stop)."""
        problems = server.stop()
        if problems:
            self.fail(name, "\n".join(problems))
        else:
            self.ok(name)

    def summary(self, label):
        """Prints "LABEL: N passed, N failed" and returns the exit status: 1 when a check failed
        or none ran."""
        print("%s: %d passed, %d failed" % (label, self.passed, self.failed))
        return 1 if self.failed or not self.passed else 0


def run_checks(label, checks, use_port, server_args=()):
    """The main() of a script of checks against one Strata server (test_blocking.py, test_pubsub.py):
    parses --strata, --port, --io-threads (default 4) and --attach PORT (check a server already
    running instead, redis-server to check the checks), starts the server, calls use_port(port),
    runs each (name, fn) of `checks` with a Tally, counts the server having run clean as one more
    check, prints "LABEL: N passed, N failed" and returns the exit status. `server_args` are added
    to the server's command line."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default=os.path.join(root, "build", "src", "strata-server"))
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--io-threads", type=int, default=4)
    ap.add_argument("--attach", type=int, default=0, help="test the server already on this port")
    args = ap.parse_args()
    tally = Tally()
    server = None
    if args.attach:
        use_port(args.attach)
    else:
        try:
            server = Server([args.strata, "--io-threads", str(args.io_threads), *server_args], args.port)
        except RuntimeError as e:
            tally.fail("server start", e)
            return tally.summary(label)
        use_port(server.port)
    try:
        for name, fn in checks:
            tally.run(name, fn)
    finally:
        if server is not None:
            tally.server_stopped("the server ran clean", server)
    return tally.summary(label)


def run_checks_on(tally, targets, checks, port=0):
    """Runs each (name, fn) of `checks` as fn(port) against each (label, argv) of `targets` in
    turn, each on a server of its own; a Strata target (label "strata") counts its server having
    run clean as one more check."""
    for label, argv in targets:
        try:
            server = Server(argv, port)
        except RuntimeError as e:
            tally.fail("%s start" % label, e)
            continue
        try:
            for name, fn in checks:
                tally.run("%s: %s" % (label, name), lambda fn=fn: fn(server.port))
        finally:
            if label == "strata":
                tally.server_stopped("the server ran clean", server)
            else:
                server.stop()


class Background:
    """Runs fn() on a daemon thread; result() waits for it and returns its value or raises its
    exception."""

    def __init__(self, fn):
        self.value = self.error = None
        self.done = threading.Event()
        self.started = time.monotonic()
        self.finished = None
        threading.Thread(target=self._run, args=(fn,), daemon=True).start()

    def _run(self, fn):
        try:
            self.value = fn()
        except Exception as e:  # noqa: BLE001 - handed to result()
            self.error = e
        self.finished = time.monotonic()
        self.done.set()

    def result(self, timeout=10):
        """fn's value; raises its exception, or AssertionError when it has not returned within
        `timeout` seconds."""
        if not self.done.wait(timeout):
            raise AssertionError("a client thread did not finish within %gs" % timeout)
        if self.error is not None:
            raise self.error
        return self.value

    def elapsed(self):
        """How long fn ran, once it has returned."""
        return self.finished - self.started


def start_differential_pair(redis_binary, strata_binary, prefix, extra=()):
    """Starts redis-server and Strata for a differential comparison: the same options for both (no
    persistence, a fresh working directory named after `prefix`, then the arguments in `extra`).
    Returns (redis, strata); stops redis again if Strata does not start."""
    options = ["--save", "", "--appendonly", "no", "--dir", tempfile.mkdtemp(prefix=prefix)] + list(extra)
    redis = Server([redis_binary] + options)
    try:
        return redis, Server([strata_binary] + options)
    except RuntimeError:
        redis.stop()
        raise


def shape(tree, names=False):
    """A reply tree (see Conn.read_reply) reduced to its types and aggregate sizes, for replies that
    differ by nature. With `names`, a bulk or verbatim string also keeps the names of the
    `name=value` fields of each of its lines, in order (CLIENT LIST, CLIENT INFO: the values
    differ, the fields must not)."""
    t, payload = tree
    if isinstance(payload, list):
        return (t, len(payload), tuple(shape(c[1], names) for c in payload))
    if names and t in "$=" and payload is not None:
        text = payload.decode(errors="replace")
        if t == "=":
            text = text[4:]  # the verbatim string's "txt:" format
        return (t, tuple(tuple(f.split("=", 1)[0] for f in line.split(" ") if "=" in f)
                         for line in text.splitlines()))
    return (t, payload is None)


def scan_all(call, args):
    """Runs a whole SCAN, HSCAN, SSCAN or ZSCAN from the cursor in `args`, following the returned
    cursors to 0; `call(args)` sends one command and returns its (raw, tree) (see Conn.read_reply).
    Returns (raw, found): found is the sorted list of the distinct elements seen (raw bulk replies;
    (field, value) pairs for HSCAN and ZSCAN), or None when a reply is not a [cursor, elements] pair,
    raw being that reply."""
    name = args[0].upper()
    at = 1 if name == b"SCAN" else 2
    raw, tree = call(args)
    found = set()
    for _ in range(1000000):
        t, children = tree
        if t != "*" or children is None or len(children) != 2 or children[1][1][0] != "*":
            return raw, None
        cursor = children[0][1][1]
        elements = [r for r, _ in children[1][1][1]]
        if name in (b"HSCAN", b"ZSCAN"):
            found.update(zip(elements[0::2], elements[1::2]))
        else:
            found.update(elements)
        if cursor == b"0":
            return raw, sorted(found)
        raw, tree = call(list(args[:at]) + [cursor] + list(args[at + 1:]))
    raise RuntimeError("the scan did not reach cursor 0")


def encode(*args):
    """A command as a RESP array of bulk strings; arguments may be bytes, str or numbers."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Closed(ConnectionError):
    """The server closed the connection, reset it, or sent nothing for the connection's timeout."""


class ReplyError(RuntimeError):
    """An error reply to Conn.call; its text is the reply without the leading '-'."""


class Conn:
    """One RESP connection to 127.0.0.1:port that reads replies of RESP2 and RESP3 as they come."""

    def __init__(self, port, timeout=10):
        self.port = port
        self.timeout = timeout
        self.open()

    def open(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        try:
            d = self.sock.recv(1 << 16)
        except (ConnectionResetError, socket.timeout):
            d = b""
        if not d:
            raise Closed("server closed the connection")
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_reply(self):
        """Reads one reply. Returns (raw_bytes, tree): tree is (type_char, payload), the payload
        being the line after the type byte (+ - : , # ( _), the data of a bulk reply ($ = !) or the
        list of (raw, tree) children of an aggregate (* ~ > %: a map's keys and values in turn; |:
        an attribute's keys and values, then the reply it precedes); None for a null bulk or array."""
        line = self._line()
        t, rest = chr(line[0]), line[1:]
        raw = line + b"\r\n"
        if t in "+-:,#(_":
            return raw, (t, rest)
        if t in "$=!":
            n = int(rest)
            if n < 0:
                return raw, (t, None)
            data = self._exact(n + 2)
            return raw + data, (t, data[:-2])
        if t in "*~>%":
            n = int(rest)
            if n < 0:
                return raw, (t, None)
            count = n * 2 if t == "%" else n
            children = []
            for _ in range(count):
                r, tree = self.read_reply()
                raw += r
                children.append((r, tree))
            return raw, (t, children)
        if t == "|":
            # A RESP3 attribute map comes before the reply it describes: read both as one, the
            # described reply last among the children.
            children = []
            for _ in range(int(rest) * 2 + 1):
                r, tree = self.read_reply()
                raw += r
                children.append((r, tree))
            return raw, (t, children)
        raise ValueError("unexpected reply byte %r" % line[:20])

    def call(self, *args):
        """Sends one command and returns its reply as Python values: bytes for simple strings,
        integers and bulk strings, lists for aggregates, None for nulls. Raises ReplyError for an
        error reply (also one nested in an array)."""
        self.send(encode(*args))
        return value(self.read_reply()[1])


def value(tree):
    """The Python value of a reply tree from Conn.read_reply (see Conn.call)."""
    t, payload = tree
    if t == "_":
        return None
    if t == "-":
        raise ReplyError(payload.decode(errors="replace"))
    if isinstance(payload, list):
        return [value(child) for _, child in payload]
    return payload
