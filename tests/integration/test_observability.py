#!/usr/bin/python3
"""Observability with real clients: SLOWLOG entries (contents, trimming, redaction, transactions),
the slowlog filled from several io-threads at once (unique ids, newest first, each client's calls
in its order), CLIENT NO-TOUCH against OBJECT IDLETIME, CLIENT SETINFO (Redis 7.2), INFO's
total_reads_processed / total_writes_processed against counted round trips, and CLIENT LIST's
output buffer fields and INFO's reply buffer resize counts around a client that does not read.

Usage: test_observability.py [--strata build/src/strata-server] [--io-threads 3] [--attach PORT]

--attach runs the checks against a server already running (redis-server, to check the checks).
Prints one line per check and ends with "observability: N passed, N failed".
"""
import socket
import sys
import threading
import time

from testlib import Conn, ReplyError, run_checks, wait_until

PORT = 0


def expect_eq(got, want, what):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def expect_error(conn, args, prefix, what):
    try:
        got = conn.call(*args)
    except ReplyError as e:
        if not str(e).startswith(prefix):
            raise AssertionError("%s: error %r, want %r..." % (what, str(e), prefix))
        return
    raise AssertionError("%s: replied %r, want an error %r..." % (what, got, prefix))


def fresh_slowlog(conn, threshold=0, max_len=128):
    conn.call("CONFIG", "SET", "slowlog-log-slower-than", "-1")
    conn.call("CONFIG", "SET", "slowlog-max-len", str(max_len))
    conn.call("SLOWLOG", "RESET")
    conn.call("CONFIG", "SET", "slowlog-log-slower-than", str(threshold))


def restore_defaults(conn):
    conn.call("CONFIG", "SET", "slowlog-log-slower-than", "10000", "slowlog-max-len", "128")
    conn.call("SLOWLOG", "RESET")


def check_entry_contents():
    c = Conn(PORT)
    c.call("CLIENT", "SETNAME", "probe")
    addr = next(f[5:] for f in c.call("CLIENT", "INFO").decode().split() if f.startswith("addr="))
    fresh_slowlog(c)
    long_value = "v" * 200
    c.call("SET", "k", long_value)
    c.call("DEL", *["a%d" % i for i in range(40)])
    try:
        c.call("AUTH", "nosuchuser", "secret")
    except Exception:  # noqa: BLE001 - the refusal itself is what gets logged
        pass
    c.call("HELLO", "2", "AUTH", "default", "", "SETNAME", "probe2")
    c.call("MULTI")
    c.call("INCR", "n")
    c.call("GET", "n")
    c.call("EXEC")
    entries = c.call("SLOWLOG", "GET", "-1")
    c.call("SLOWLOG", "RESET")
    expect_eq(c.call("SLOWLOG", "GET", "1")[0][3], [b"SLOWLOG", b"RESET"], "RESET logs itself after it runs")
    restore_defaults(c)
    ids = [int(e[0]) for e in entries]
    expect_eq(ids, sorted(ids, reverse=True), "ids newest first")
    expect_eq(len(set(ids)), len(ids), "unique ids")
    for e in entries:
        expect_eq(e[4].decode(), addr, "client address")
        if not (int(e[1]) > 1600000000 and int(e[2]) >= 0):
            raise AssertionError("time and duration: %r" % e[:3])
    got = [([a.decode() for a in e[3]], e[5].decode()) for e in reversed(entries)]
    want = [
        (["CONFIG", "SET", "slowlog-log-slower-than", "0"], "probe"),
        (["SET", "k", "v" * 128 + "... (72 more bytes)"], "probe"),
        (["DEL"] + ["a%d" % i for i in range(30)] + ["... (10 more arguments)"], "probe"),
        (["AUTH", "(redacted)", "(redacted)"], "probe"),
        (["HELLO", "2", "AUTH", "(redacted)", "(redacted)", "SETNAME", "probe2"], "probe2"),
        (["MULTI"], "probe2"),
        (["INCR", "n"], "probe2"),  # EXEC itself is not logged; its calls are
        (["GET", "n"], "probe2"),
    ]
    expect_eq(got, want, "entries, oldest first")


def check_count_and_max_len():
    c = Conn(PORT)
    fresh_slowlog(c, max_len=5)
    for i in range(10):
        c.call("SET", "k", str(i))
    expect_eq(int(c.call("SLOWLOG", "LEN")), 5, "LEN is capped by slowlog-max-len")
    newest = c.call("SLOWLOG", "GET", "2")
    expect_eq([e[3] for e in newest], [[b"SLOWLOG", b"LEN"], [b"SET", b"k", b"9"]], "GET 2: the newest two")
    expect_eq(int(newest[0][0]) - int(newest[1][0]), 1, "consecutive ids")
    c.call("CONFIG", "SET", "slowlog-max-len", "2")
    expect_eq(int(c.call("SLOWLOG", "LEN")), 2, "a smaller max-len trims the log")
    restore_defaults(c)


def check_ids_across_io_threads():
    """Many clients (spread over the io-threads) log every call at once: every call is there
    once, ids are unique and strictly decreasing in the reply, and each client's calls appear in
    the order it made them."""
    admin = Conn(PORT)
    clients, calls = 12, 300
    fresh_slowlog(admin, max_len=clients * calls + 100)
    errors = []

    def run(n):
        try:
            c = Conn(PORT)
            for j in range(calls):
                c.call("SET", "c%d" % n, str(j))
            c.close()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    admin.call("CONFIG", "SET", "slowlog-log-slower-than", "-1")
    entries = admin.call("SLOWLOG", "GET", "-1")
    restore_defaults(admin)
    ids = [int(e[0]) for e in entries]
    if any(a <= b for a, b in zip(ids, ids[1:])):
        raise AssertionError("ids not strictly decreasing (newest first)")
    per_client = {}
    for e in reversed(entries):
        args = e[3]
        if args[0] == b"SET" and args[1].startswith(b"c"):
            per_client.setdefault(args[1], []).append(int(args[2]))
    expect_eq(len(per_client), clients, "clients seen")
    for key, values in per_client.items():
        expect_eq(values, list(range(calls)), "the calls of %s, in its order" % key.decode())
    return "%d entries" % len(entries)


def idletime(conn, key):
    return int(conn.call("OBJECT", "IDLETIME", key))


def check_no_touch():
    """A NO-TOUCH client's reads leave OBJECT IDLETIME growing; a normal read, or TOUCH from the
    NO-TOUCH client, resets it."""
    c, quiet = Conn(PORT), Conn(PORT)
    expect_eq(quiet.call("CLIENT", "NO-TOUCH", "ON"), b"OK", "NO-TOUCH ON")
    if b" flags=T " not in quiet.call("CLIENT", "INFO"):
        raise AssertionError("CLIENT INFO lacks flag T")
    c.call("SET", "idle", "v")
    deadline = time.monotonic() + 10
    while idletime(c, "idle") < 2:
        if time.monotonic() > deadline:
            raise AssertionError("OBJECT IDLETIME did not grow")
        time.sleep(0.2)
    quiet.call("GET", "idle")
    quiet.call("STRLEN", "idle")
    if idletime(c, "idle") < 2:
        raise AssertionError("a NO-TOUCH read reset the idle time")
    quiet.call("TOUCH", "idle")
    expect_eq(idletime(c, "idle"), 0, "TOUCH from a NO-TOUCH client touches")
    while idletime(c, "idle") < 1:
        time.sleep(0.2)
    expect_eq(quiet.call("CLIENT", "NO-TOUCH", "OFF"), b"OK", "NO-TOUCH OFF")
    quiet.call("GET", "idle")
    expect_eq(idletime(c, "idle"), 0, "a read after NO-TOUCH OFF touches")
    expect_error(quiet, ("CLIENT", "NO-TOUCH", "maybe"), "ERR syntax error", "NO-TOUCH maybe")


def check_setinfo():
    c = Conn(PORT)
    expect_eq(c.call("CLIENT", "SETINFO", "LIB-NAME", "redis-py"), b"OK", "SETINFO LIB-NAME")
    expect_eq(c.call("CLIENT", "SETINFO", "lib-ver", "5.0.1"), b"OK", "SETINFO lib-ver")
    line = c.call("CLIENT", "INFO").decode().split()
    if "lib-name=redis-py" not in line or "lib-ver=5.0.1" not in line:
        raise AssertionError("CLIENT INFO: %r" % line)
    mine = [l for l in Conn(PORT).call("CLIENT", "LIST").decode().splitlines() if "lib-name=redis-py" in l]
    expect_eq(len(mine), 1, "CLIENT LIST shows lib-name")
    expect_error(c, ("CLIENT", "SETINFO", "lib-foo", "x"), "ERR Unrecognized option 'lib-foo'", "unknown attribute")
    expect_error(c, ("CLIENT", "SETINFO", "LIB-NAME", "a b"),
                 "ERR LIB-NAME cannot contain spaces, newlines or special characters.", "a space")
    expect_error(c, ("CLIENT", "SETINFO", "LIB-NAME"), "ERR wrong number of arguments for 'client|setinfo'",
                 "arity")


def info_stats(conn):
    fields = {}
    for line in conn.call("INFO", "stats").decode().splitlines():
        if ":" in line:
            name, value = line.split(":", 1)
            fields[name] = value
    return fields


def check_reads_and_writes_processed():
    c = Conn(PORT)
    before = info_stats(c)
    for i in range(50):
        c.call("SET", "rw%d" % i, "v")  # one read and one write each, a round trip apart
    after = info_stats(c)
    for field in ("total_reads_processed", "total_writes_processed"):
        grew = int(after[field]) - int(before[field])
        if not 51 <= grew <= 60:  # the 50 SETs and the second INFO (others may share the server)
            raise AssertionError("%s grew by %d over 50 round trips" % (field, grew))
    for field in ("io_threaded_reads_processed", "io_threaded_writes_processed"):
        if field not in after:
            raise AssertionError("INFO stats lacks %s" % field)


def client_fields(observer, client_id):
    line = observer.call("CLIENT", "LIST", "ID", str(client_id)).decode().strip()
    return dict(f.split("=", 1) for f in line.split(" ") if "=" in f)


def check_output_buffer_fields():
    """A client that does not read its large replies shows them pending in CLIENT LIST (oll and
    omem above 0, events w); once it reads them all, nothing is pending. INFO's
    reply_buffer_expands grows with the large replies, and reply_buffer_shrinks once the buffer
    gives the memory back."""
    c = Conn(PORT)
    c.call("SET", "big", "x" * (1 << 20))
    before = info_stats(c)
    slow = socket.create_connection(("127.0.0.1", PORT))
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.sendall(b"*2\r\n$6\r\nCLIENT\r\n$2\r\nID\r\n")
    slow_id = int(slow.recv(100)[1:].split(b"\r\n")[0])
    slow.sendall(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * 8)
    wait_until(lambda: int(client_fields(c, slow_id)["oll"]) > 0, "oll counts the reply waiting for the socket")
    fields = client_fields(c, slow_id)
    if int(fields["omem"]) <= 0 or "w" not in fields["events"]:
        raise AssertionError("a client with unwritten replies: omem=%s events=%s" % (fields["omem"], fields["events"]))
    want = 8 * ((1 << 20) + len("$1048576\r\n\r\n"))
    got = 0
    while got < want:
        got += len(slow.recv(1 << 16))
    wait_until(lambda: client_fields(c, slow_id)["oll"] == "0" and client_fields(c, slow_id)["omem"] == "0",
               "nothing pending once read")
    wait_until(lambda: int(info_stats(c)["reply_buffer_expands"]) > int(before["reply_buffer_expands"]),
               "reply_buffer_expands grows", timeout=15)
    wait_until(lambda: int(info_stats(c)["reply_buffer_shrinks"]) > int(before["reply_buffer_shrinks"]),
               "reply_buffer_shrinks grows", timeout=15)
    slow.close()
    c.call("DEL", "big")


def use_port(port):
    global PORT
    PORT = port


if __name__ == "__main__":
    sys.exit(run_checks("observability", [
        ("SLOWLOG entries: trimming, redaction, transactions", check_entry_contents),
        ("SLOWLOG GET count and slowlog-max-len", check_count_and_max_len),
        ("slowlog from several io-threads under load", check_ids_across_io_threads),
        ("CLIENT NO-TOUCH keeps OBJECT IDLETIME growing", check_no_touch),
        ("CLIENT SETINFO and lib-name/lib-ver in CLIENT LIST", check_setinfo),
        ("INFO total_reads_processed / total_writes_processed count round trips", check_reads_and_writes_processed),
        ("CLIENT LIST oll/omem/events of unread replies; INFO reply_buffer_expands/shrinks", check_output_buffer_fields),
    ], use_port))
