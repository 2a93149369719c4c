#!/usr/bin/python3
"""Long-running scripts: busy-reply-threshold, -BUSY for every other client on every io-thread
(those on the script's own io-thread included), SCRIPT KILL, UNKILLABLE, SHUTDOWN NOSAVE, and how
a script's calls show in MONITOR, INFO commandstats and SLOWLOG; FUNCTION KILL and FUNCTION STATS
of a busy function.

Usage: test_script_busy.py [--strata build/src/strata-server] [--io-threads 2]
                           [--redis redis-server]

Starts Strata on a free port (from $STRATA_TEST_PORTS when it is set) with --io-threads 2 and
busy-reply-threshold 100; every check opens its own connections, handed to the io-threads round
robin, so some share the script's io-thread. Prints one line per check and ends with
"script-busy: N passed, N failed"; a check that kills the server starts its own. With --redis,
every check also runs against redis-server first, which checks the checks.
"""
import argparse
import re
import socket
import sys
import time

import redis

from testlib import Background, Conn, Server, Tally, expect, expect_eq, run_checks_on, wait_until

BUSY = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
NOTBUSY = "NOTBUSY No scripts in execution right now."
UNKILLABLE = ("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either "
              "wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.")
LOOP = "local i = 0 while true do i = i + 1 end"
WRITE_THEN_LOOP = "redis.call('set', KEYS[1], 'w') local i = 0 while true do i = i + 1 end"
THRESHOLD_MS = 100


def reply_of(conn, *args):
    """The reply to `args`, or the error's text."""
    try:
        return conn.execute_command(*args)
    except redis.ResponseError as e:
        return str(e)


def clients(port, n):
    """n connections, each opened now (so they spread over the io-threads)."""
    out = []
    for _ in range(n):
        c = redis.Redis(port=port, single_connection_client=True, socket_timeout=10)
        c.ping()
        out.append(c)
    return out


def start_script(port, body, *keys):
    """Runs EVAL body in the background on its own connection; returns (Background, sha)."""
    c = redis.Redis(port=port, single_connection_client=True, socket_timeout=30)
    c.ping()
    sha = c.script_load(body)
    return Background(lambda: reply_of(c, "EVALSHA", sha, len(keys), *keys)), sha


def wait_busy(conn):
    wait_until(lambda: reply_of(conn, "PING") == BUSY, "the script to become busy")


def check_busy_and_kill(port):
    admin = clients(port, 1)[0]
    admin.config_set("busy-reply-threshold", THRESHOLD_MS)
    others = clients(port, 6)
    script, sha = start_script(port, LOOP)
    # Sent before the script is busy: it waits for the script's stripes or its io-thread, and is
    # answered -BUSY once the script is busy rather than when the script ends.
    early = Background(lambda: reply_of(others[0], "GET", "x"))
    expect_eq(early.result(timeout=5), BUSY, "a GET sent before the script became busy")
    wait_busy(others[1])
    for i, c in enumerate(others):
        for args in (("GET", "x"), ("SET", "k", "v"), ("PING",), ("CLIENT", "ID"), ("SHUTDOWN",)):
            expect_eq(reply_of(c, *args), BUSY, "client %d: %s" % (i, " ".join(args)))
        expect_eq(reply_of(c, "MULTI"), b"OK", "client %d: MULTI" % i)
        expect_eq(reply_of(c, "DISCARD"), b"OK", "client %d: DISCARD" % i)
    expect_eq(reply_of(admin, "SCRIPT", "KILL"), b"OK", "SCRIPT KILL")
    expect_eq(script.result(timeout=5),
              "Script killed by user with SCRIPT KILL... script: %s, on @user_script:1." % sha,
              "the killed script's reply")
    for i, c in enumerate(others):
        expect_eq(reply_of(c, "PING"), True, "client %d after the kill" % i)
    expect_eq(reply_of(admin, "SCRIPT", "KILL"), NOTBUSY, "SCRIPT KILL with no script")
    expect_eq(reply_of(admin, "SET", "k", "after"), True, "a write after the kill")


BUSY_FUNCTION = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
LOOP_LIBRARY = "#!lua name=busylib\nredis.register_function('spin', function() local i = 0 while true do i = i + 1 end end)"


def check_function_kill(port):
    admin = clients(port, 1)[0]
    admin.config_set("busy-reply-threshold", THRESHOLD_MS)
    admin.execute_command("FUNCTION", "LOAD", "REPLACE", LOOP_LIBRARY)
    others = clients(port, 3)
    caller = redis.Redis(port=port, single_connection_client=True, socket_timeout=30)
    caller.ping()
    script = Background(lambda: reply_of(caller, "FCALL", "spin", 0))
    wait_until(lambda: reply_of(others[0], "PING") == BUSY_FUNCTION, "the function to become busy")
    for i, c in enumerate(others):
        expect_eq(reply_of(c, "GET", "x"), BUSY_FUNCTION, "client %d: GET while a function is busy" % i)
    stats = reply_of(admin, "FUNCTION", "STATS")
    running = dict(zip(stats[1][0::2], stats[1][1::2])) if isinstance(stats, list) else {}
    expect_eq(running.get(b"name"), b"spin", "FUNCTION STATS names the running function (%r)" % (stats,))
    expect_eq(running.get(b"command"), [b"FCALL", b"spin", b"0"], "FUNCTION STATS shows its command")
    expect(running.get(b"duration_ms", -1) >= THRESHOLD_MS, "FUNCTION STATS: duration past the threshold")
    expect_eq(reply_of(admin, "SCRIPT", "KILL"), BUSY_FUNCTION, "SCRIPT KILL of a busy function")
    expect_eq(reply_of(admin, "FUNCTION", "KILL"), b"OK", "FUNCTION KILL")
    # Redis's text names SCRIPT KILL for functions too.
    expect_eq(script.result(timeout=5), "Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.",
              "the killed function's reply")
    expect_eq(reply_of(admin, "FUNCTION", "KILL"), NOTBUSY, "FUNCTION KILL with no script")
    stats = reply_of(admin, "FUNCTION", "STATS")
    expect_eq(stats[1] if isinstance(stats, list) else stats, None, "FUNCTION STATS after the kill")
    script, _ = start_script(port, LOOP)
    wait_busy(others[0])
    expect_eq(reply_of(admin, "FUNCTION", "KILL"), BUSY, "FUNCTION KILL of a busy EVAL script")
    expect_eq(reply_of(admin, "FUNCTION", "STATS"), BUSY, "FUNCTION STATS while an EVAL script is busy")
    expect_eq(reply_of(admin, "SCRIPT", "KILL"), b"OK", "SCRIPT KILL of that script")
    script.result(timeout=5)
    admin.execute_command("FUNCTION", "DELETE", "busylib")


def check_unkillable(port):
    admin = clients(port, 1)[0]
    admin.config_set("busy-reply-threshold", THRESHOLD_MS)
    others = clients(port, 3)
    script, _ = start_script(port, WRITE_THEN_LOOP, "wk")
    wait_busy(others[0])
    expect_eq(reply_of(admin, "SCRIPT", "KILL"), UNKILLABLE, "SCRIPT KILL of a script that wrote")
    for i, c in enumerate(others):
        expect_eq(reply_of(c, "GET", "wk"), BUSY, "client %d: GET of the written key" % i)
    expect_eq(reply_of(admin, "SHUTDOWN"), BUSY, "SHUTDOWN (saving) while busy")
    started = time.monotonic()
    try:
        admin.execute_command("SHUTDOWN", "NOSAVE")
    except redis.ConnectionError:
        pass
    return started, script


def check_shutdown_nosave(argv):
    server = Server(argv + ["--busy-reply-threshold", str(THRESHOLD_MS)])
    try:
        started, script = check_unkillable(server.port)
        wait_until(server.exited, "the server to exit after SHUTDOWN NOSAVE")
        expect_eq(server.proc.returncode, 0, "exit status")
        try:
            reply = script.result(timeout=5)
            raise AssertionError("the script's caller got %r, not its connection closed" % (reply,))
        except redis.ConnectionError:
            pass
        return "exited %.0f ms after SHUTDOWN NOSAVE" % ((time.monotonic() - started) * 1000)
    finally:
        server.stop()


def monitor_lines(port, body, *keys):
    """The MONITOR lines (timestamps dropped) an EVAL of body makes."""
    m = socket.create_connection(("127.0.0.1", port), timeout=5)
    m.sendall(b"MONITOR\r\n")
    expect_eq(m.recv(5), b"+OK\r\n", "MONITOR")
    c = redis.Redis(port=port)
    reply_of(c, "EVAL", body, len(keys), *keys)
    want = 1 + body.count("redis.")
    data = b""
    deadline = time.monotonic() + 5
    while data.count(b"\r\n") < want and time.monotonic() < deadline:
        data += m.recv(65536)
    m.close()
    lines = [line for line in data.decode().split("\r\n") if line]
    return [re.sub(r"^\+\d+\.\d+ \[(\d+) [^\]]*\]", r"[\1 ORIGIN]", line) if "[0 lua]" not in line
            else re.sub(r"^\+\d+\.\d+ ", "", line) for line in lines]


def check_calls_observed(port):
    c = redis.Redis(port=port)
    body = "redis.call('set', KEYS[1], 'v') redis.call('get', KEYS[1]) return redis.pcall('incr', KEYS[1])"
    c.config_resetstat()
    c.slowlog_reset()
    c.config_set("slowlog-log-slower-than", 0)
    lines = monitor_lines(port, body, "mk")
    c.config_set("slowlog-log-slower-than", 10000)
    expect(lines and lines[0].startswith('[0 ORIGIN] "EVAL"'), "EVAL's line first: %r" % lines)
    expect_eq(lines[1:], ['[0 lua] "set" "mk" "v"', '[0 lua] "get" "mk"', '[0 lua] "incr" "mk"'],
              "the script's calls in MONITOR")
    stats = c.info("commandstats")
    for name, failed in (("set", 0), ("get", 0), ("incr", 1), ("eval", 1)):
        got = stats.get("cmdstat_" + name, {})
        expect_eq((got.get("calls"), got.get("failed_calls")), (1, failed), "commandstats of " + name)
    # Raw entries: id, time, duration, arguments, client address, client name.
    logged = [(e[3][0].lower(), e[4], e[5]) for e in Conn(port).call("SLOWLOG", "GET", "10")]
    for name in (b"set", b"get", b"incr"):
        expect((name, b"?:0", b"") in logged, "SLOWLOG has the script's %s as ?:0: %r" % (name.decode(), logged))
    expect(any(n == b"eval" and addr.startswith(b"127.0.0.1:") for n, addr, _ in logged), "SLOWLOG has the EVAL")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/src/strata-server")
    ap.add_argument("--io-threads", type=int, default=2)
    ap.add_argument("--redis", default=None, help="also run every check against this redis-server first")
    args = ap.parse_args()
    checks = [
        ("other clients get -BUSY on every io-thread; SCRIPT KILL; NOTBUSY", check_busy_and_kill),
        ("a script's calls in MONITOR, commandstats and SLOWLOG", check_calls_observed),
        ("a busy function: FUNCTION STATS, FUNCTION KILL, the kinds' texts", check_function_kill),
    ]
    tally = Tally()
    targets = []
    if args.redis:
        targets.append(("redis-server", [args.redis]))
    targets.append(("strata", [args.strata, "--io-threads", str(args.io_threads)]))
    run_checks_on(tally, targets, checks)
    for label, argv in targets:
        tally.run("%s: UNKILLABLE after a write; SHUTDOWN refused, SHUTDOWN NOSAVE exits" % label,
                  lambda argv=argv: check_shutdown_nosave(argv))
    return tally.summary("script-busy")


if __name__ == "__main__":
    sys.exit(main())
