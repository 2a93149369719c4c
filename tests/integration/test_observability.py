#!/usr/bin/python3
"""Observability with real clients: SLOWLOG entries (contents, trimming, redaction, transactions),
the slowlog filled from several io-threads at once (unique ids, newest first, each client's calls
in its order), CLIENT NO-TOUCH against OBJECT IDLETIME, CLIENT SETINFO (Redis 7.2), INFO's
total_reads_processed / total_writes_processed against counted round trips, CLIENT LIST's
output buffer fields and INFO's reply buffer resize counts around a client that does not read,
active expiry's figures (expired_stale_perc, expired_time_cap_reached_count,
expire_cycle_cpu_milliseconds) and its expire-cycle latency event, lazyfreed_objects, the main
thread's CPU, BGSAVE's fork time and its fork latency event, and CONFIG RESETSTAT.

Usage: test_observability.py [--strata build/src/strata-server] [--io-threads 3] [--attach PORT]

--attach runs the checks against a server already running (redis-server, to check the checks).
Prints one line per check and ends with "observability: N passed, N failed".
"""
import shutil
import socket
import sys
import tempfile
import threading
import time

from testlib import Conn, ReplyError, encode, run_checks, wait_until

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


def info_fields(conn, section):
    fields = {}
    for line in conn.call("INFO", section).decode().splitlines():
        if ":" in line:
            name, value = line.split(":", 1)
            fields[name] = value
    return fields


def check_reads_and_writes_processed():
    c = Conn(PORT)
    before = info_fields(c, "stats")
    for i in range(50):
        c.call("SET", "rw%d" % i, "v")  # one read and one write each, a round trip apart
    after = info_fields(c, "stats")
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
    before = info_fields(c, "stats")
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
    wait_until(lambda: int(info_fields(c, "stats")["reply_buffer_expands"]) > int(before["reply_buffer_expands"]),
               "reply_buffer_expands grows", timeout=15)
    wait_until(lambda: int(info_fields(c, "stats")["reply_buffer_shrinks"]) > int(before["reply_buffer_shrinks"]),
               "reply_buffer_shrinks grows", timeout=15)
    slow.close()
    c.call("DEL", "big")


def load_expiring(conn, count, ttl_ms, prefix):
    """SETs `count` keys PREFIX:i with a TTL of ttl_ms, as one pipeline."""
    conn.send(b"".join(encode("SET", "%s:%d" % (prefix, i), "v", "PX", ttl_ms) for i in range(count)))
    for _ in range(count):
        conn.read_reply()


def latest_events(conn):
    """LATENCY LATEST as {event: (latest ms, max ms)}."""
    return {e[0].decode(): (int(e[2]), int(e[3])) for e in conn.call("LATENCY", "LATEST")}


def check_active_expiry_figures():
    """200,000 keys expiring at once: active expiry's INFO figures move, and with
    latency-monitor-threshold 1 its cycles show in LATENCY LATEST as expire-cycle."""
    c = Conn(PORT, timeout=60)
    c.call("CONFIG", "SET", "latency-monitor-threshold", "1")
    c.call("LATENCY", "RESET")
    before = info_fields(c, "stats")
    keys = 200000
    load_expiring(c, keys, 200, "expiring")
    stale_seen = 0.0
    deadline = time.monotonic() + 30
    while True:
        now = info_fields(c, "stats")
        stale_seen = max(stale_seen, float(now["expired_stale_perc"]))
        if int(now["expired_keys"]) - int(before["expired_keys"]) >= keys:
            break
        if time.monotonic() > deadline:
            raise AssertionError("only %d keys expired in 30 s" % (int(now["expired_keys"]) - int(before["expired_keys"])))
        time.sleep(0.02)
    events = latest_events(c)
    c.call("CONFIG", "SET", "latency-monitor-threshold", "0")
    cpu_ms = int(now["expire_cycle_cpu_milliseconds"]) - int(before["expire_cycle_cpu_milliseconds"])
    capped = int(now["expired_time_cap_reached_count"]) - int(before["expired_time_cap_reached_count"])
    if cpu_ms <= 0:
        raise AssertionError("expire_cycle_cpu_milliseconds did not grow (%d) while %d keys expired" % (cpu_ms, keys))
    if capped < 0:
        raise AssertionError("expired_time_cap_reached_count went back by %d" % -capped)
    if stale_seen <= 0:
        raise AssertionError("expired_stale_perc stayed 0 while %d keys were expiring" % keys)
    if "expire-cycle" not in events:
        raise AssertionError("no expire-cycle event in LATENCY LATEST: %r" % events)
    return "%d ms of cycles, %d capped, stale up to %.2f%%, worst cycle %d ms" % (
        cpu_ms, capped, stale_seen, events["expire-cycle"][1])


def check_lazyfreed_objects():
    """UNLINK of a big set frees it on the background thread: one object; FLUSHDB ASYNC of 100
    keys: 100."""
    c = Conn(PORT)
    freed = lambda: int(info_fields(c, "memory")["lazyfreed_objects"])  # noqa: E731
    before = freed()
    c.call("SADD", "lazy:big", *["member:%d" % i for i in range(1000)])
    expect_eq(c.call("UNLINK", "lazy:big"), b"1", "UNLINK")
    wait_until(lambda: freed() == before + 1, "lazyfreed_objects counts the unlinked set")
    c.call("SELECT", "9")
    for i in range(100):
        c.call("SET", "lazy:%d" % i, "v")
    c.call("FLUSHDB", "ASYNC")
    wait_until(lambda: freed() == before + 101, "lazyfreed_objects counts FLUSHDB ASYNC's keys")
    expect_eq(info_fields(c, "memory")["lazyfree_pending_objects"], "0", "nothing pending after")


def check_main_thread_cpu():
    """used_cpu_*_main_thread are the main thread's share of the process's CPU and grow with work."""
    c = Conn(PORT)
    before = info_fields(c, "cpu")
    conns = [Conn(PORT) for _ in range(6)]  # the io-threads take connections round robin
    for conn in conns:
        conn.send(b"".join(encode("SET", "cpu:%d" % i, "v" * 100) for i in range(20000)))
    for conn in conns:
        for _ in range(20000):
            conn.read_reply()
        conn.close()
    time.sleep(0.3)  # Strata's main thread samples its CPU time in its cron (100 ms)
    after = info_fields(c, "cpu")
    main = lambda f: float(f["used_cpu_user_main_thread"]) + float(f["used_cpu_sys_main_thread"])  # noqa: E731
    total = lambda f: float(f["used_cpu_user"]) + float(f["used_cpu_sys"])  # noqa: E731
    if not main(after) > main(before):
        raise AssertionError("main thread CPU did not grow: %r -> %r" % (main(before), main(after)))
    for kind in ("user", "sys"):
        if float(after["used_cpu_%s_main_thread" % kind]) > float(after["used_cpu_%s" % kind]):
            raise AssertionError("main thread %s CPU above the process's" % kind)
    return "main thread %.3f s of %.3f s" % (main(after), total(after))


def check_fork_latency():
    """BGSAVE's fork is timed in latest_fork_usec, and with latency-monitor-threshold 1 a fork of
    a millisecond or more is a "fork" event in LATENCY LATEST. The dump goes to the server's
    --dir (a temporary directory when this script starts the server)."""
    c = Conn(PORT, timeout=60)
    try:
        c.call("SELECT", "8")
        c.send(b"".join(encode("SET", "fork:%d" % i, "v" * 64) for i in range(200000)))
        for _ in range(200000):
            c.read_reply()
        c.call("CONFIG", "SET", "latency-monitor-threshold", "1")
        c.call("LATENCY", "RESET")
        before = int(info_fields(c, "stats")["total_forks"])
        c.call("BGSAVE")
        wait_until(lambda: info_fields(c, "persistence")["rdb_bgsave_in_progress"] == "0", "BGSAVE ends", 60)
        stats = info_fields(c, "stats")
        expect_eq(int(stats["total_forks"]), before + 1, "total_forks")
        fork_ms = int(stats["latest_fork_usec"]) // 1000
        if int(stats["latest_fork_usec"]) <= 0:
            raise AssertionError("latest_fork_usec is %s after a fork" % stats["latest_fork_usec"])
        events = latest_events(c)
        if fork_ms >= 1 and events.get("fork", (0, 0))[0] != fork_ms:
            raise AssertionError("a %d ms fork, LATENCY LATEST %r" % (fork_ms, events))
        if fork_ms < 1 and "fork" in events:
            raise AssertionError("a fork under 1 ms sampled: %r" % events)
        c.call("FLUSHDB")
        return "fork %s us%s" % (stats["latest_fork_usec"], ", sampled" if fork_ms >= 1 else ", under the threshold")
    finally:
        c.call("CONFIG", "SET", "latency-monitor-threshold", "0")


def check_resetstat():
    """CONFIG RESETSTAT zeroes the histograms of INFO latencystats at once (only its own call
    shows after it) and the expiry and lazy-free figures."""
    c = Conn(PORT)
    for i in range(100):
        c.call("SET", "reset:%d" % i, "v")
        c.call("GET", "reset:%d" % i)
    lines = [line for line in c.call("INFO", "latencystats").decode().splitlines() if line.startswith("latency_")]
    if not any(line.startswith("latency_percentiles_usec_set:") for line in lines):
        raise AssertionError("no SET histogram before the reset: %r" % lines)
    expect_eq(c.call("CONFIG", "RESETSTAT"), b"OK", "CONFIG RESETSTAT")
    lines = [line.split(":")[0] for line in c.call("INFO", "latencystats").decode().splitlines()
             if line.startswith("latency_")]
    expect_eq(lines, ["latency_percentiles_usec_config|resetstat"], "histograms after the reset")
    c.call("GET", "reset:1")
    hist = c.call("LATENCY", "HISTOGRAM", "get")
    expect_eq(int(hist[1][1]), 1, "GET calls counted since the reset")
    stats, memory = info_fields(c, "stats"), info_fields(c, "memory")
    for field in ("expired_time_cap_reached_count", "expire_cycle_cpu_milliseconds"):
        expect_eq(stats[field], "0", field)
    expect_eq(stats["expired_stale_perc"], "0.00", "expired_stale_perc")
    expect_eq(memory["lazyfreed_objects"], "0", "lazyfreed_objects")


def use_port(port):
    global PORT
    PORT = port


if __name__ == "__main__":
    WORKDIR = tempfile.mkdtemp(prefix="observability-")  # where BGSAVE writes its dump
    status = run_checks("observability", [
        ("SLOWLOG entries: trimming, redaction, transactions", check_entry_contents),
        ("SLOWLOG GET count and slowlog-max-len", check_count_and_max_len),
        ("slowlog from several io-threads under load", check_ids_across_io_threads),
        ("CLIENT NO-TOUCH keeps OBJECT IDLETIME growing", check_no_touch),
        ("CLIENT SETINFO and lib-name/lib-ver in CLIENT LIST", check_setinfo),
        ("INFO total_reads_processed / total_writes_processed count round trips", check_reads_and_writes_processed),
        ("CLIENT LIST oll/omem/events of unread replies; INFO reply_buffer_expands/shrinks", check_output_buffer_fields),
        ("active expiry's INFO figures and the expire-cycle latency event", check_active_expiry_figures),
        ("INFO lazyfreed_objects counts UNLINK and FLUSHDB ASYNC", check_lazyfreed_objects),
        ("INFO used_cpu_*_main_thread", check_main_thread_cpu),
        ("BGSAVE's fork in latest_fork_usec and the fork latency event", check_fork_latency),
        ("CONFIG RESETSTAT clears histograms, expiry and lazy-free figures", check_resetstat),
    ], use_port, server_args=("--dir", WORKDIR))
    shutil.rmtree(WORKDIR, ignore_errors=True)
    sys.exit(status)
