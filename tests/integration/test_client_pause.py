#!/usr/bin/python3
"""CLIENT PAUSE / UNPAUSE with real clients spread over the io-threads: under WRITE the writers'
commands wait (and every command pipelined behind them) while readers go on; under ALL everyone
waits, the pausing client and CLIENT UNPAUSE included, until the timeout; UNPAUSE and the timeout
release every held connection, with no command lost or reordered; EXEC of a queue holding a
write waits; a longer or stronger pause extends the one in effect; expired keys stay in place
(and answer as gone) while paused; held clients show flag b and count in blocked_clients.

Usage: test_client_pause.py [--strata build/src/strata-server] [--io-threads 4] [--attach PORT]

--attach runs the checks against a server already running (redis-server, to check the checks).
Prints one line per check and ends with "client-pause: N passed, N failed".
"""
import sys
import time

from testlib import Background, Conn, encode, expect, expect_eq, run_checks, value, wait_until

PORT = 0
# Connections per check: with the acceptor's round robin, two or more on every io-thread.
CLIENTS = 8
# Commands each writer pipelines behind its first held write.
PIPELINE = 20


def reply(conn):
    """The next reply on `conn` (of a command sent earlier), as Conn.call returns it."""
    return value(conn.read_reply()[1])


def client_id(conn):
    return int(conn.call("CLIENT", "ID"))


def flags_of(observer, ids):
    """CLIENT LIST's flags of each client id, by id."""
    out = {}
    for line in observer.call("CLIENT", "LIST", "ID", *[str(i) for i in ids]).decode().splitlines():
        fields = dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
        out[int(fields["id"])] = fields["flags"]
    return out


def wait_held(observer, ids, what):
    wait_until(lambda: all("b" in f for f in flags_of(observer, ids).values()), what)


def expect_silent(conn, what):
    """The connection has no reply waiting (its command is held)."""
    conn.sock.setblocking(False)
    try:
        data = conn.sock.recv(1 << 16)
    except BlockingIOError:
        data = None
    finally:
        conn.sock.setblocking(True)
        conn.sock.settimeout(conn.timeout)
    expect(data is None, "%s: replied %r while paused" % (what, data))


def send_writer_pipeline(conn, n):
    """INCR key, GET key, n times, in one write: the replies must come back 1, "1", 2, "2" ..."""
    key = "w:%d" % n
    conn.send(b"".join(encode("INCR", key) + encode("GET", key) for _ in range(PIPELINE)))
    return key


def expect_writer_replies(conn, what):
    got = [reply(conn) for _ in range(2 * PIPELINE)]
    want = []
    for i in range(1, PIPELINE + 1):
        want += [str(i).encode()] * 2
    expect_eq(got, want, what)


def fresh(conn):
    conn.call("CLIENT", "UNPAUSE")
    conn.call("FLUSHALL")


def check_write_pause_then_unpause():
    """Under WRITE, writers on every io-thread wait with their pipelines; readers on every
    io-thread go on and see none of the held writes; UNPAUSE runs every pipeline in order."""
    admin = Conn(PORT)
    fresh(admin)
    writers = [Conn(PORT) for _ in range(CLIENTS)]
    readers = [Conn(PORT) for _ in range(CLIENTS)]
    ids = [client_id(w) for w in writers]
    expect_eq(admin.call("CLIENT", "PAUSE", "60000", "WRITE"), b"OK", "CLIENT PAUSE WRITE")
    keys = [send_writer_pipeline(w, n) for n, w in enumerate(writers)]
    wait_held(admin, ids, "every writer held")
    expect_eq(int(info_field(admin, "clients", "blocked_clients")), CLIENTS, "blocked_clients counts held clients")
    for r in readers:
        expect_eq([r.call("GET", k) for k in keys], [None] * CLIENTS, "readers see no held write")
        expect_eq(r.call("PING"), b"PONG", "reader's PING")
    for n, w in enumerate(writers):
        expect_silent(w, "writer %d" % n)
    expect_eq(admin.call("CLIENT", "UNPAUSE"), b"OK", "CLIENT UNPAUSE")
    for n, w in enumerate(writers):
        expect_writer_replies(w, "writer %d's pipeline after UNPAUSE" % n)
    expect_eq(int(info_field(admin, "clients", "blocked_clients")), 0, "blocked_clients after UNPAUSE")


def check_write_pause_times_out():
    """A WRITE pause's writers run once its timeout has passed, not before."""
    admin = Conn(PORT)
    fresh(admin)
    writers = [Conn(PORT) for _ in range(CLIENTS)]
    pause_ms = 700
    sent = time.monotonic()
    admin.call("CLIENT", "PAUSE", str(pause_ms), "WRITE")
    for n, w in enumerate(writers):
        send_writer_pipeline(w, n)
    reads = [Background(lambda w=w: expect_writer_replies(w, "pipeline after the timeout")) for w in writers]
    for n, b in enumerate(reads):
        b.result(timeout=pause_ms / 1000 + 10)
        expect(b.finished - sent >= pause_ms / 1000,
               "writer %d answered %.0f ms after the pause, before its %d ms" % (n, (b.finished - sent) * 1000,
                                                                               pause_ms))


def check_all_pause_holds_everyone():
    """Under ALL every command waits for the timeout: other clients', the pausing client's own,
    and CLIENT UNPAUSE itself (as in Redis, which pauses every command under ALL)."""
    admin = Conn(PORT)
    fresh(admin)
    admin.call("SET", "k", "v")
    others = [Conn(PORT) for _ in range(CLIENTS)]
    pause_ms = 700
    sent = time.monotonic()
    expect_eq(admin.call("CLIENT", "PAUSE", str(pause_ms)), b"OK", "CLIENT PAUSE (ALL by default)")
    admin.send(encode("PING"))
    for o in others:
        o.send(encode("GET", "k") + encode("CLIENT", "UNPAUSE"))
    calls = [Background(lambda: reply(admin))]
    calls += [Background(lambda o=o: [reply(o), reply(o)]) for o in others]
    expect_eq(calls[0].result(timeout=pause_ms / 1000 + 10), b"PONG", "the pausing client's PING")
    for n, b in enumerate(calls[1:]):
        expect_eq(b.result(timeout=pause_ms / 1000 + 10), [b"v", b"OK"], "client %d's GET and UNPAUSE" % n)
    for n, b in enumerate(calls):
        expect(b.finished - sent >= pause_ms / 1000,
               "client %d answered %.0f ms after the pause, before its %d ms" % (n, (b.finished - sent) * 1000,
                                                                                pause_ms))


def check_exec_with_writes_held():
    """Under WRITE, EXEC of a queue holding a write waits; a read-only transaction runs."""
    admin, tx, ro = Conn(PORT), Conn(PORT), Conn(PORT)
    fresh(admin)
    tx_id = client_id(tx)
    tx.call("MULTI")
    expect_eq(tx.call("SET", "t", "1"), b"QUEUED", "SET queued before the pause")
    admin.call("CLIENT", "PAUSE", "60000", "WRITE")
    tx.send(encode("EXEC"))
    wait_held(admin, [tx_id], "EXEC held")
    ro.call("MULTI")
    ro.call("GET", "t")
    expect_eq(ro.call("EXEC"), [None], "read-only EXEC runs during the pause")
    expect_silent(tx, "EXEC with a write")
    admin.call("CLIENT", "UNPAUSE")
    expect_eq(reply(tx), [b"OK"], "EXEC after UNPAUSE")
    expect_eq(ro.call("GET", "t"), b"1", "the transaction's write")


def check_publish_held_under_write():
    """PUBLISH may replicate: WRITE holds it, as Redis does."""
    admin, pub = Conn(PORT), Conn(PORT)
    fresh(admin)
    pub_id = client_id(pub)
    admin.call("CLIENT", "PAUSE", "60000", "WRITE")
    pub.send(encode("PUBLISH", "ch", "m"))
    wait_held(admin, [pub_id], "PUBLISH held")
    expect_eq(admin.call("PUBSUB", "CHANNELS"), [], "PUBSUB CHANNELS (a read) runs")
    admin.call("CLIENT", "UNPAUSE")
    expect_eq(reply(pub), b"0", "PUBLISH after UNPAUSE")


def check_pause_extends_and_strengthens():
    """A second pause keeps the later end and the stronger mode: WRITE then 0 ALL holds a read
    until the WRITE pause's end; a longer WRITE pause holds writers until its own end."""
    admin, reader, writer = Conn(PORT), Conn(PORT), Conn(PORT)
    fresh(admin)
    pause_ms = 600
    sent = time.monotonic()
    admin.call("CLIENT", "PAUSE", str(pause_ms), "WRITE")
    admin.call("CLIENT", "PAUSE", "0", "ALL")
    read = Background(lambda: reader.call("GET", "k"))
    expect_eq(read.result(timeout=10), None, "GET under the strengthened pause")
    expect(read.finished - sent >= pause_ms / 1000,
           "GET answered %.0f ms after the pause, before its %d ms" % ((read.finished - sent) * 1000, pause_ms))
    admin.call("CLIENT", "PAUSE", "100", "WRITE")
    sent = time.monotonic()
    admin.call("CLIENT", "PAUSE", str(pause_ms), "WRITE")
    write = Background(lambda: writer.call("SET", "k", "v"))
    expect_eq(write.result(timeout=10), b"OK", "SET under the extended pause")
    expect(write.finished - sent >= pause_ms / 1000,
           "SET answered %.0f ms after the longer pause, before its %d ms" % ((write.finished - sent) * 1000,
                                                                              pause_ms))


def info_field(conn, section, name):
    for line in conn.call("INFO", section).decode().splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    raise AssertionError("INFO %s has no %s" % (section, name))


def check_expired_keys_stay():
    """While paused an expired key answers as gone but stays: no lookup, no active expiry deletes
    it (DBSIZE and expired_keys stand still for a second, ten active-expiry cycles); once
    unpaused active expiry removes it."""
    admin = Conn(PORT)
    fresh(admin)
    admin.call("SET", "live", "1")
    admin.call("SET", "e", "1", "PX", "100")
    admin.call("CLIENT", "PAUSE", "60000", "WRITE")
    wait_until(lambda: int(admin.call("PTTL", "e")) == -2, "the key's deadline passes")
    expired_before = info_field(admin, "stats", "expired_keys")
    expect_eq(admin.call("GET", "e"), None, "GET of the expired key")
    expect_eq(int(admin.call("EXISTS", "e")), 0, "EXISTS of the expired key")
    expect_eq(admin.call("KEYS", "*"), [b"live"], "KEYS skips it")
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        expect_eq(int(admin.call("DBSIZE")), 2, "DBSIZE while paused (the expired key stays)")
        time.sleep(0.05)
    expect_eq(info_field(admin, "stats", "expired_keys"), expired_before, "expired_keys while paused")
    admin.call("CLIENT", "UNPAUSE")
    wait_until(lambda: int(admin.call("DBSIZE")) == 1, "active expiry removes the key after UNPAUSE")


def use_port(port):
    global PORT
    PORT = port


if __name__ == "__main__":
    sys.exit(run_checks("client-pause", [
        ("WRITE holds writers on every io-thread, readers go on, UNPAUSE releases in order",
         check_write_pause_then_unpause),
        ("WRITE pause's timeout releases the writers, not before", check_write_pause_times_out),
        ("ALL holds everyone, the pauser and UNPAUSE included, until the timeout", check_all_pause_holds_everyone),
        ("EXEC with a queued write waits under WRITE, a read-only one runs", check_exec_with_writes_held),
        ("PUBLISH waits under WRITE", check_publish_held_under_write),
        ("a longer or stronger pause extends the one in effect", check_pause_extends_and_strengthens),
        ("expired keys stay while paused, active expiry resumes after", check_expired_keys_stay),
    ], use_port))
