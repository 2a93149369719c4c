#!/usr/bin/python3
"""Protected mode, enable-protected-configs, enable-debug-command local and rename-command, with
clients on the loopback interface and on another host.

Usage: test_security.py [--strata build/src/strata-server]

The other host is a network namespace the script creates (it must run as root): a veth pair with
one end in the namespace, and the client side run there with `ip netns exec`. The namespace is
deleted at the end, whatever happened; if it cannot be created, every check that needs it fails.
Each check starts the servers it needs on free ports (from $STRATA_TEST_PORTS when it is set).
Prints one line per check and ends with "security: N passed, N failed"; exits non-zero on failure.
The replies expected are redis-server 7.0's: `--strata /usr/bin/redis-server` checks the checks.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile

from testlib import Conn, Server, Tally, encode

STRATA = None

DENIED = (b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set "
          b"for the default user. In this mode connections are only accepted from the loopback interface. If you want "
          b"to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable "
          b"protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by "
          b"connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly "
          b"accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
          b"you can just disable the protected mode by editing the Redis configuration file, and setting the "
          b"protected mode option to 'no', and then restarting the server. 3) If you started the server manually "
          b"just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication "
          b"password for the default user. NOTE: You only need to do one of the above things in order for the server "
          b"to start accepting connections from the outside.\r\n")


def protected_config_refused(name):
    return b"-ERR CONFIG SET failed (possibly related to argument '%s') - can't set protected config\r\n" % name


DEBUG_REFUSED = (b"-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can "
                 b"run it from a local connection, otherwise you need to set this option in the configuration file, "
                 b"and then restart the server.\r\n")

# Run inside the namespace: connects to argv[1]:argv[2], sends the bytes hex-encoded in argv[3],
# reads until the server closes or sends nothing more for 0.5 s, and prints what it got as JSON.
CLIENT = r"""
import json, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(bytes.fromhex(sys.argv[3]))
s.settimeout(0.5)
data, closed, deadline = b"", False, time.monotonic() + 5
while time.monotonic() < deadline:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        if data:
            break
        continue
    except ConnectionResetError:
        closed = True
        break
    if not chunk:
        closed = True
        break
    data += chunk
print(json.dumps({"data": data.hex(), "closed": closed}))
"""


class Namespace:
    """A network namespace joined to this host by a veth pair: the host end has `host_ip`, the
    namespace end `remote_ip`. Created by the constructor (raising RuntimeError, after undoing
    what it did, when a step fails), deleted by delete()."""

    def __init__(self):
        tag = os.getpid() % 100000
        self.name = "strata-sec-%d" % tag
        self.host_if, self.remote_if = "ssec%da" % tag, "ssec%db" % tag
        subnet = "10.251.%d" % (tag % 250)
        self.host_ip, self.remote_ip = subnet + ".1", subnet + ".2"
        steps = [
            ["ip", "netns", "add", self.name],
            ["ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.remote_if],
            ["ip", "link", "set", self.remote_if, "netns", self.name],
            ["ip", "addr", "add", self.host_ip + "/24", "dev", self.host_if],
            ["ip", "link", "set", self.host_if, "up"],
            ["ip", "netns", "exec", self.name, "ip", "addr", "add", self.remote_ip + "/24", "dev", self.remote_if],
            ["ip", "netns", "exec", self.name, "ip", "link", "set", self.remote_if, "up"],
            ["ip", "netns", "exec", self.name, "ip", "link", "set", "lo", "up"],
        ]
        try:
            for step in steps:
                done = subprocess.run(step, capture_output=True, text=True)
                if done.returncode != 0:
                    raise RuntimeError("`%s` failed (status %d): %s" % (" ".join(step), done.returncode,
                                                                         done.stderr.strip()))
        except (OSError, RuntimeError):
            self.delete()
            raise

    def delete(self):
        """Deletes the namespace (which takes the veth pair with it) and the host end, if left."""
        subprocess.run(["ip", "netns", "delete", self.name], capture_output=True)
        subprocess.run(["ip", "link", "delete", self.host_if], capture_output=True)

    def exists(self):
        listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        return any(line.split()[0] == self.name for line in listed.splitlines() if line.strip())

    def talk(self, port, payload):
        """Sends `payload` from the namespace to host_ip:port; returns (bytes received, closed)."""
        done = subprocess.run(["ip", "netns", "exec", self.name, sys.executable, "-c", CLIENT, self.host_ip, str(port),
                               payload.hex()], capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise AssertionError("the client in the namespace failed: %s" % done.stderr.strip())
        result = json.loads(done.stdout)
        return bytes.fromhex(result["data"]), result["closed"]


NS = None  # the Namespace, or the error that kept it from being created


def namespace():
    if isinstance(NS, Exception):
        raise AssertionError("no network namespace: %s" % NS)
    return NS


def expect_eq(got, want, what):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def start(*options, config_text=None):
    """A server listening on 127.0.0.1 and the namespace's host address (and a unix socket),
    started with `options`, after a config file holding `config_text` when given. Returns
    (server, unix socket path)."""
    work = tempfile.mkdtemp(prefix="strata-security-")
    argv = [STRATA]
    if config_text is not None:
        path = os.path.join(work, "server.conf")
        with open(path, "w") as f:
            f.write(config_text)
        argv.append(path)
    unix = os.path.join(work, "server.sock")
    bind = ["127.0.0.1"] + ([NS.host_ip] if isinstance(NS, Namespace) else [])
    argv += ["--dir", work, "--bind", *bind, "--unixsocket", unix] + list(options)
    return Server(argv), unix


def raw(conn, *args):
    conn.send(encode(*args))
    return conn.read_reply()[0]


def info_field(conn, field):
    text = conn.call("INFO", "stats")
    text = text.decode() if isinstance(text, bytes) else text
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split(":", 1)[1])
    raise AssertionError("INFO stats has no %s" % field)


def unix_ping(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(path)
    s.sendall(b"PING\r\n")
    got = s.recv(100)
    s.close()
    return got


def with_server(check, *options, config_text=None):
    """Runs check(server, unix path) against a server started with `options`; the check also
    fails when the server did not run clean."""
    def run():
        server, unix = start(*options, config_text=config_text)
        try:
            note = check(server, unix)
        finally:
            problems = server.stop()
        if problems:
            raise AssertionError("\n".join(problems))
        return note
    return run


def check_protected_mode_refuses(server, _unix):
    ns = namespace()
    local = Conn(server.port)
    received, rejected = info_field(local, "total_connections_received"), info_field(local, "rejected_connections")
    got, closed = ns.talk(server.port, b"PING\r\n")
    expect_eq(got, DENIED, "reply from another host")
    expect_eq(closed, True, "connection closed")
    # Counted as Redis counts it: rejected, not received.
    expect_eq(info_field(local, "rejected_connections"), rejected + 1, "rejected_connections")
    expect_eq(info_field(local, "total_connections_received"), received, "total_connections_received")
    return "with bind %s" % ns.host_ip


def check_loopback_always_allowed(server, unix):
    expect_eq(raw(Conn(server.port), "PING"), b"+PONG\r\n", "PING over 127.0.0.1")
    expect_eq(unix_ping(unix), b"+PONG\r\n", "PING over the unix socket")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"PING\r\n")
        expect_eq(s.recv(100), b"+PONG\r\n", "inline PING over 127.0.0.1")


def check_password_lifts_protected_mode(server, _unix):
    ns = namespace()
    local = Conn(server.port)
    expect_eq(raw(local, "CONFIG", "SET", "requirepass", "s3cret"), b"+OK\r\n", "CONFIG SET requirepass")
    got, closed = ns.talk(server.port, b"PING\r\n")
    expect_eq((got, closed), (b"-NOAUTH Authentication required.\r\n", False), "PING from another host, no AUTH")
    got, closed = ns.talk(server.port, encode("AUTH", "s3cret") + b"PING\r\n")
    expect_eq((got, closed), (b"+OK\r\n+PONG\r\n", False), "AUTH and PING from another host")
    # Without the password again, protected mode is back.
    admin = Conn(server.port)
    expect_eq(raw(admin, "AUTH", "s3cret"), b"+OK\r\n", "AUTH over loopback")
    expect_eq(raw(admin, "CONFIG", "SET", "requirepass", ""), b"+OK\r\n", "CONFIG SET requirepass ''")
    got, closed = ns.talk(server.port, b"PING\r\n")
    expect_eq((got, closed), (DENIED, True), "PING from another host once the password is gone")


def check_protected_mode_off_at_run_time(server, _unix):
    ns = namespace()
    local = Conn(server.port)
    expect_eq(raw(local, "CONFIG", "GET", "protected-mode"), b"*2\r\n$14\r\nprotected-mode\r\n$3\r\nyes\r\n",
              "CONFIG GET protected-mode")
    expect_eq(raw(local, "CONFIG", "SET", "protected-mode", "no"), b"+OK\r\n", "CONFIG SET protected-mode no")
    got, closed = ns.talk(server.port, b"PING\r\n")
    expect_eq((got, closed), (b"+PONG\r\n", False), "PING from another host")
    expect_eq(raw(local, "CONFIG", "SET", "protected-mode", "yes"), b"+OK\r\n", "CONFIG SET protected-mode yes")
    got, closed = ns.talk(server.port, b"PING\r\n")
    expect_eq((got, closed), (DENIED, True), "PING from another host with protected mode back on")


def check_protected_mode_no_at_start(server, _unix):
    got, closed = namespace().talk(server.port, b"PING\r\n")
    expect_eq((got, closed), (b"+PONG\r\n", False), "PING from another host")


def check_protected_configs_refused_by_default(server, _unix):
    local = Conn(server.port)
    for name in (b"dir", b"dbfilename"):
        expect_eq(raw(local, "CONFIG", "SET", name, "/tmp" if name == b"dir" else "x.rdb"),
                  protected_config_refused(name), "CONFIG SET %s" % name.decode())
    expect_eq(raw(local, "CONFIG", "GET", "enable-protected-configs"),
              b"*2\r\n$24\r\nenable-protected-configs\r\n$2\r\nno\r\n", "CONFIG GET enable-protected-configs")


def check_protected_configs_yes(server, _unix):
    target = tempfile.mkdtemp(prefix="strata-security-dir-")
    local = Conn(server.port)
    expect_eq(raw(local, "CONFIG", "SET", "dir", target), b"+OK\r\n", "CONFIG SET dir over loopback")
    expect_eq(raw(local, "CONFIG", "GET", "dir"), encode("dir", target), "CONFIG GET dir")
    # From another host too (protected mode is off on this server).
    got, closed = namespace().talk(server.port, encode("CONFIG", "SET", "dbfilename", "other.rdb"))
    expect_eq((got, closed), (b"+OK\r\n", False), "CONFIG SET dbfilename from another host")
    os.rmdir(target)


def check_protected_configs_local(server, unix):
    target = tempfile.mkdtemp(prefix="strata-security-dir-")
    got, closed = namespace().talk(server.port, encode("CONFIG", "SET", "dir", target))
    expect_eq((got, closed), (protected_config_refused(b"dir"), False), "CONFIG SET dir from another host")
    local = Conn(server.port)
    expect_eq(raw(local, "CONFIG", "SET", "dir", target), b"+OK\r\n", "CONFIG SET dir over loopback")
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(unix)
    s.sendall(encode("CONFIG", "SET", "dbfilename", "other.rdb"))
    expect_eq(s.recv(100), b"+OK\r\n", "CONFIG SET dbfilename over the unix socket")
    s.close()
    os.rmdir(target)


def check_debug_local(server, _unix):
    got, closed = namespace().talk(server.port, b"DEBUG NOSUCH\r\n")
    expect_eq((got, closed), (DEBUG_REFUSED, False), "DEBUG from another host")
    # Allowed over loopback: the subcommand is looked at.
    got = raw(Conn(server.port), "DEBUG", "NOSUCH")
    if got == DEBUG_REFUSED:
        raise AssertionError("DEBUG refused over loopback")


RENAMES = 'rename-command get fetch\nrename-command flushall ""\n'


def check_rename_command(server, _unix):
    c = Conn(server.port)
    expect_eq(raw(c, "SET", "k", "v"), b"+OK\r\n", "SET")
    expect_eq(raw(c, "FETCH", "k"), b"$1\r\nv\r\n", "FETCH (GET renamed)")
    expect_eq(raw(c, "GET", "k"), b"-ERR unknown command 'GET', with args beginning with: 'k' \r\n", "GET")
    expect_eq(raw(c, "FLUSHALL"), b"-ERR unknown command 'FLUSHALL', with args beginning with: \r\n", "FLUSHALL")
    expect_eq(raw(c, "cfg", "GET", "port"), b"*2\r\n$4\r\nport\r\n$%d\r\n%d\r\n" % (len(str(server.port)),
                                                                                 server.port),
              "cfg GET (CONFIG renamed on the command line)")
    expect_eq(raw(c, "CONFIG", "GET", "port")[:30], b"-ERR unknown command 'CONFIG',", "CONFIG")
    # COMMAND INFO finds a command by the name clients call it, and shows its own name.
    expect_eq(raw(c, "COMMAND", "INFO", "get", "flushall"), b"*2\r\n$-1\r\n$-1\r\n", "COMMAND INFO get flushall")
    info = c.call("COMMAND", "INFO", "fetch")
    expect_eq(info[0][0], b"get", "COMMAND INFO fetch's name")
    listed = c.call("COMMAND", "LIST")
    expect_eq((b"get" in listed, b"flushall" in listed, b"fetch" in listed), (True, False, False),
              "get, flushall and fetch in COMMAND LIST")
    expect_eq(raw(c, "DEL", "k"), b":1\r\n", "DEL")


def check_namespace_deleted():
    if isinstance(NS, Exception):
        raise AssertionError("no network namespace: %s" % NS)
    NS.delete()
    if NS.exists():
        raise AssertionError("namespace %s is still there" % NS.name)


CHECKS = [
    ("protected mode refuses another host with the DENIED text and closes", with_server(check_protected_mode_refuses)),
    ("loopback and unix socket clients are always allowed", with_server(check_loopback_always_allowed)),
    ("a password lets another host in, and its removal shuts it out", with_server(check_password_lifts_protected_mode)),
    ("CONFIG SET protected-mode no / yes at run time", with_server(check_protected_mode_off_at_run_time)),
    ("--protected-mode no lets another host in", with_server(check_protected_mode_no_at_start,
                                                             "--protected-mode", "no")),
    ("CONFIG SET dir and dbfilename refused by default", with_server(check_protected_configs_refused_by_default)),
    ("enable-protected-configs yes allows CONFIG SET dir", with_server(check_protected_configs_yes,
                                                                       "--enable-protected-configs", "yes",
                                                                       "--protected-mode", "no")),
    ("enable-protected-configs local: loopback and unix socket only", with_server(check_protected_configs_local,
                                                                                  "--enable-protected-configs", "local",
                                                                                  "--protected-mode", "no")),
    ("enable-debug-command local: loopback only", with_server(check_debug_local, "--enable-debug-command", "local",
                                                              "--protected-mode", "no")),
    ("rename-command in the file and on the command line", with_server(check_rename_command, "--rename-command",
                                                                        "config", "cfg", config_text=RENAMES)),
]


def main():
    global STRATA, NS
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default=os.path.join(root, "build", "src", "strata-server"))
    args = ap.parse_args()
    STRATA = args.strata
    # SIGTERM (a timeout) unwinds through the finally below, so the namespace is deleted.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    tally = Tally()
    try:
        NS = Namespace()
    except (OSError, RuntimeError) as e:
        NS = e
        tally.fail("create the network namespace", e)
    try:
        for name, fn in CHECKS:
            tally.run(name, fn)
    finally:
        tally.run("the network namespace is deleted", check_namespace_deleted)
    return tally.summary("security")


if __name__ == "__main__":
    sys.exit(main())
