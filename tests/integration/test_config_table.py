#!/usr/bin/python3
"""CONFIG's table against redis-server's: every directive Redis 7.0 has, and a redis.conf naming them.

Usage: test_config_table.py --strata build/src/strata-server [--redis redis-server]

Starts redis-server and Strata with the same options (no config file) and checks that CONFIG GET *
on Strata lists every name redis-server lists, that both give the same value for each (except the
directives whose value depends on the machine or the implementation, ENVIRONMENT below), that
CONFIG SET of each to its own value answers as redis-server does (OK, or the refusal of an
immutable or protected directive), that the names Redis hides from globs are hidden the same way, and that a directive Strata does not
implement accepts its default only. Then starts Strata with a config file naming every directive of
redis-server with its default value (it must start without a warning), with a value Strata ignores
(it must start and warn), with comments and such lines that CONFIG REWRITE must keep, and with a
replicaof line (it must refuse to start). Servers take ports
from $STRATA_TEST_PORTS when it is set. Prints one line per check and ends with
"config-table: N passed, N failed".
"""
import argparse
import os
import shutil
import sys
import tempfile

from testlib import Conn, ReplyError, Server, Tally, encode, expect, expect_eq, start_differential_pair

# Values that differ by nature: the port each server was given, the working directory, the
# listening addresses (Strata's default is redis.conf's loopback, not redis-server's "*"), the
# io-threads (Strata uses every CPU by default).
ENVIRONMENT = {"port", "bind", "dir", "io-threads"}
# Names Redis shows for their exact name only, never for a glob.
HIDDEN = ["rdb-key-save-delay", "key-load-delay", "watchdog-period", "use-exit-on-panic",
          "loading-process-events-interval-bytes"]


def config_map(conn, *patterns):
    reply = conn.call("CONFIG", "GET", *patterns)
    return dict(zip(reply[0::2], reply[1::2]))


def exchange(conn, command):
    """The raw reply to `command`."""
    conn.send(encode(*command))
    return conn.read_reply()[0]


def quoted(value):
    """A config-file argument: double quotes, with backslash and quote escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    args = ap.parse_args()
    tally = Tally()
    redis, strata = start_differential_pair(args.redis, args.strata, "strata-config-table-")
    ref, sut = Conn(redis.port), Conn(strata.port)
    expected = config_map(ref, "*")

    def every_name():
        got = config_map(sut, "*")
        missing = sorted(n.decode() for n in set(expected) - set(got))
        expect(not missing, "names redis-server lists and Strata does not: %s" % missing)
        return "%d names" % len(expected)

    def same_values():
        got = config_map(sut, "*")
        differ = ["%s: redis %r, strata %r" % (n.decode(), v, got.get(n)) for n, v in sorted(expected.items())
                  if n.decode() not in ENVIRONMENT and got.get(n) != v]
        expect(not differ, "values differ:\n  " + "\n  ".join(differ))
        return "%d compared" % (len(expected) - len(ENVIRONMENT))

    def set_to_own_value():
        # Setting each directive to the value it has: OK, or Redis's refusal of an immutable or
        # protected directive. Strata must answer the same, so both tables' flags match Redis's.
        differ = []
        for n, v in sorted(expected.items()):
            if n.decode() in ENVIRONMENT:
                continue
            command = ("CONFIG", "SET", n, v)
            want, got = exchange(ref, command), exchange(sut, command)
            if want != got:
                differ.append("%s %r: redis %r, strata %r" % (n.decode(), v, want, got))
        expect(not differ, "replies differ:\n  " + "\n  ".join(differ))

    def hidden_names():
        for name in HIDDEN:
            expect(name.encode() not in expected, "redis-server lists %s for *" % name)
            expect(name.encode() not in config_map(sut, "*"), "Strata lists %s for *" % name)
            expect_eq(config_map(sut, name), config_map(ref, name), "CONFIG GET %s" % name)

    def default_only():
        expect_eq(sut.call("CONFIG", "SET", "repl-backlog-size", "1mb", "activerehashing", "YES"), b"OK",
                  "the defaults")
        try:
            sut.call("CONFIG", "SET", "repl-backlog-size", "2mb")
            raise AssertionError("a value Strata would ignore was accepted")
        except ReplyError as e:
            expect_eq(str(e), "ERR CONFIG SET failed (possibly related to argument 'repl-backlog-size') - not "
                      "implemented by Strata yet; only its default value '1048576' is accepted", "the error")
        expect_eq(config_map(sut, "repl-backlog-size"), {b"repl-backlog-size": b"1048576"}, "the value")

    work = tempfile.mkdtemp(prefix="strata-config-table-")

    def start_with(lines, name):
        """Starts Strata with a config file of `lines`; returns (server or None, its output)."""
        path = os.path.join(work, name + ".conf")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        log = os.path.join(work, name + ".log")
        try:
            server = Server([args.strata, path, "--dir", work], log=log)
        except RuntimeError:
            server = None
        with open(log, errors="replace") as f:
            return server, f.read()

    def redis_conf_of_defaults():
        lines = ["# every directive of redis-server, with the value it runs with"]
        lines += ["%s %s" % (n.decode(), quoted(v.decode())) for n, v in sorted(expected.items())
                  if n.decode() not in ENVIRONMENT]
        server, output = start_with(lines, "defaults")
        expect(server is not None, "Strata did not start:\n" + output)
        problems = server.stop()
        expect("is ignored" not in output, "warnings for default values:\n" + output)
        expect(not problems, "\n".join(problems))
        return "%d lines" % (len(lines) - 1)

    def ignored_value_warns():
        server, output = start_with(["repl-backlog-size 10mb", "slave-priority 100"], "ignored")
        expect(server is not None, "Strata did not start:\n" + output)
        try:
            expect_eq(config_map(Conn(server.port), "repl-backlog-size"), {b"repl-backlog-size": b"1048576"},
                      "the value Strata works with")
        finally:
            server.stop()
        expect("'repl-backlog-size 10mb' is ignored: Strata does not implement repl-backlog-size yet" in output,
               "no warning:\n" + output)
        expect("slave-priority" not in output, "a warning for a default value:\n" + output)

    def rewrite_keeps_lines():
        lines = ["# a redis.conf brought over", "maxclients 100", "", "# replication, not in Strata yet",
                 "repl-backlog-size 10mb", "slave-read-only yes", "lua-replicate-commands yes"]
        server, output = start_with(lines, "rewrite")
        expect(server is not None, "Strata did not start:\n" + output)
        try:
            conn = Conn(server.port)
            expect_eq(conn.call("CONFIG", "SET", "maxclients", "200"), b"OK", "CONFIG SET")
            expect_eq(conn.call("CONFIG", "REWRITE"), b"OK", "CONFIG REWRITE")
        finally:
            server.stop()
        with open(os.path.join(work, "rewrite.conf")) as f:
            text = f.read()
        kept = "\n".join(["# a redis.conf brought over", "maxclients 200"] + lines[2:]) + "\n"
        expect(text.startswith(kept), "the rewritten file:\n" + text)

    def replicaof_refused():
        server, output = start_with(["replicaof 127.0.0.1 %d" % redis.port], "replica")
        if server is not None:
            server.stop()
        expect(server is None, "Strata started as a writable server instead of a replica")
        expect("not implemented by Strata yet" in output, "the reason is not given:\n" + output)

    try:
        for name, fn in [("every redis-server name", every_name), ("same values", same_values),
                         ("CONFIG SET of each to its value", set_to_own_value), ("hidden names", hidden_names), ("unimplemented: the default only", default_only),
                         ("a redis.conf of every default loads silently", redis_conf_of_defaults),
                         ("a value Strata ignores is warned of", ignored_value_warns),
                         ("CONFIG REWRITE keeps comments and redis.conf lines", rewrite_keeps_lines),
                         ("replicaof refuses to start", replicaof_refused)]:
            tally.run(name, fn)
    finally:
        ref.close()
        sut.close()
        redis.stop()
        tally.server_stopped("the server ran clean", strata)
        shutil.rmtree(work, ignore_errors=True)
    return tally.summary("config-table")


if __name__ == "__main__":
    sys.exit(main())
