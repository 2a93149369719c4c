#!/usr/bin/env python3
"""Keyspace notifications, Strata against redis-server, event for event.

Usage: notifications_differential.py --strata build/src/strata-server [--redis redis-server]
                                     [--cases tests/integration/notifications.cases]

Runs every case of the cases file (notifications.cases beside this script) on both servers, once
per notify-keyspace-events value of PASSES. A subscriber connection (PSUBSCRIBE __key*__:*,
SUBSCRIBE to a marker channel) collects the events:
after each command of a case the script publishes a sentinel on the marker channel and reads until
the sentinel arrives, so the events a command fired are exactly those before its sentinel. The
ordered lists of event frames are compared byte for byte, and so are the commands' replies.

A case is a block of lines (blocks are separated by blank lines; lines starting with # are comments):

  > CMD ...          setup, run before the case with notifications off (FLUSHALL and SELECT 0 come
                     first); "> @sleep S" lets S seconds pass (a key set to expire can expire:
                     active expiry is off, DEBUG SET-ACTIVE-EXPIRE 0, so only a lookup removes it).
                     TTLs are 50 ms, not 1: a redis-server descheduled for a millisecond inside
                     PEXPIRE finds the deadline passed and deletes the key at once
  CMD ...            a command whose events and reply are compared
  ~ CMD ...          the same, but the reply is compared by shape only (a random pop)
  MULTI ... EXEC     the events of the queued commands are collected after EXEC
  @block CMD ...     sent on a second connection, which must block in it (INFO's blocked_clients);
                     its reply is read and compared after the case's last line
  @await-expiry      active expiry on until no key of database 0 has a TTL (bounded wait), then
                     the events

"@dump" in a command stands for a DUMP payload of the string "v" (taken from redis-server).

Every write command Strata lists (COMMAND, the `write` flag, subcommands included) must have a case
that runs it; a command without one is a failure, so a new write command needs a case in the file.

The servers take free ports from $STRATA_TEST_PORTS ("7400-7499") when it is set. Prints one line
per mismatch and ends with "notifications: N passed, N failed" (a pass per compared command and
per covered write command); exits 1 on any failure.
"""
import argparse
import os
import re
import sys
import time

from differential import split_args
from testlib import Closed, Conn, ReplyError, encode, shape, start_differential_pair

# notify-keyspace-events values: everything (with and without the n and m classes, which A leaves
# out), then narrower sets that must filter by class and by K/E, and classes without K or E.
PASSES = ["KEA", "KEAnm", "Kgxn", "Elsh$zm", "Kl", "Egs", "glshz$xnm"]

MARKER = b"notifications-test-marker"
WAIT_SECONDS = 5



def parse_cases(text):
    """The cases of `text`: a list of (setup lines, case lines as (line number in text, line))."""
    cases, setup, lines = [], [], []
    for number, raw in enumerate(text.split("\n") + [""], 1):
        line = raw.strip()
        if line.startswith("#"):
            continue
        if not line:
            if lines:
                cases.append((setup, lines))
            elif setup:
                raise ValueError("line %d: a case of setup lines only" % (number - 1))
            setup, lines = [], []
            continue
        if line.startswith("> "):
            if lines:
                raise ValueError("line %d: a setup line after the case's commands" % number)
            setup.append(line[2:])
        else:
            lines.append((number, line))
    return cases


def command_names(line):
    """The names a case line runs (lower case): the command, and "command|sub" with its second
    word (a subcommand's name, when it has subcommands); none for a directive that runs none."""
    if line.startswith("~ "):
        line = line[2:]
    elif line.startswith("@block "):
        line = line[7:]
    elif line.startswith("@"):
        return []
    words = [w.decode(errors="replace").lower() for w in split_args(line)[:2]]
    return [words[0]] + (["|".join(words)] if len(words) > 1 else [])


def write_commands(conn):
    """The names of the commands `conn`'s server flags `write` ("container|sub" for subcommands)."""
    names = set()

    def visit(entry):
        if b"write" in entry[2]:
            names.add(entry[0].decode().lower())
        for sub in entry[9] if len(entry) > 9 and entry[9] else []:
            visit(sub)

    for entry in conn.call("COMMAND"):
        visit(entry)
    return names


class Side:
    """One server's connections: main (the commands), sub (the events), blocker (@block)."""

    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.main = Conn(port, timeout=WAIT_SECONDS)
        self.blocker = Conn(port, timeout=WAIT_SECONDS)
        self.sub = Conn(port, timeout=WAIT_SECONDS)
        self.sub.send(encode(b"SUBSCRIBE", MARKER) + encode(b"PSUBSCRIBE", b"__key*__:*"))
        self.sub.read_reply()
        self.sub.read_reply()
        self.sentinels = 0
        self.main.call("DEBUG", "SET-ACTIVE-EXPIRE", 0)

    def reply(self, args):
        """Sends a command on main and returns its reply tree (see Conn.read_reply)."""
        self.main.send(encode(*args))
        return self.main.read_reply()

    def events(self):
        """Publishes a sentinel and returns the raw frames of the events that arrived before it."""
        self.sentinels += 1
        token = b"%d" % self.sentinels
        receivers = self.main.call(b"PUBLISH", MARKER, token)
        if receivers != b"1":
            raise RuntimeError("%s: PUBLISH of the sentinel reached %r subscribers" % (self.name, receivers))
        frames = []
        while True:
            raw, (_, children) = self.sub.read_reply()
            kind, channel = children[0][1][1], children[1][1][1]
            if kind == b"message" and channel == MARKER:
                if children[2][1][1] != token:
                    raise RuntimeError("%s: sentinel %r arrived, %r expected" % (self.name, children[2][1][1], token))
                return frames
            frames.append(raw)

    def block(self, args):
        """Sends a command on the blocker connection and waits until the server counts it blocked."""
        self.blocker.send(encode(*args))
        deadline = time.monotonic() + WAIT_SECONDS
        while b"blocked_clients:1\r\n" not in self.main.call("INFO", "clients"):
            if time.monotonic() > deadline:
                raise RuntimeError("%s: %s did not block" % (self.name, b" ".join(args).decode()))

    def await_expiry(self):
        """Turns active expiry on until no key of database 0 has a TTL (INFO keyspace), then off."""
        self.main.call("DEBUG", "SET-ACTIVE-EXPIRE", 1)
        deadline = time.monotonic() + WAIT_SECONDS
        try:
            while re.search(rb"^db0:.*expires=[1-9]", self.main.call("INFO", "keyspace"), re.M):
                if time.monotonic() > deadline:
                    raise RuntimeError("%s: active expiry removed nothing within %ds" % (self.name, WAIT_SECONDS))
                time.sleep(0.01)
        finally:
            self.main.call("DEBUG", "SET-ACTIVE-EXPIRE", 0)

    def await_expired_event(self, flags):
        """Once no TTL is left, the active cycle's events may still be on their way to the
        subscriber (Strata publishes them after the cycle, from another thread than the sentinel's):
        when the flags publish `expired`, reads events until the key's (one per channel kind)
        arrived, then those before the sentinel."""
        wanted = ("K" in flags) + ("E" in flags) if "x" in flags or "A" in flags else 0
        frames = []
        while sum(b"expired" in f for f in frames) < wanted:
            frames.append(self.sub.read_reply()[0])
        return frames + self.events()

    def close(self):
        for c in (self.main, self.blocker, self.sub):
            c.close()


def describe(frames):
    """The events of raw pmessage frames as "channel=payload" strings."""
    out = []
    for raw in frames:
        parts = raw.split(b"\r\n")
        out.append("%s=%s" % (parts[6].decode(errors="replace"), parts[8].decode(errors="replace")))
    return out


def run_case(sides, flags, case, dump, report):
    """Runs one case on both servers; returns (passed, failed)."""
    setup, lines = case
    passed = failed = 0

    def substitute(args):
        return [dump if a == b"@dump" else a for a in args]

    for side in sides:
        side.main.call("CONFIG", "SET", "notify-keyspace-events", "")
        side.main.call("SELECT", 0)
        side.main.call("FLUSHALL")
        for line in setup:
            if line.startswith("@sleep "):
                continue
            side.main.call(*substitute(split_args(line)))
    sleeps = [float(line.split()[1]) for line in setup if line.startswith("@sleep ")]
    if sleeps:
        time.sleep(sum(sleeps))
    for side in sides:
        side.main.call("CONFIG", "SET", "notify-keyspace-events", flags)
    blocked = None
    queued = False  # inside MULTI: no PUBLISH of a sentinel, and a queued command fires nothing
    for number, line in lines:
        results = []
        for side in sides:
            if line.startswith("@block "):
                blocked = split_args(line[7:])
                side.block(blocked)
                results.append((None, []))
            elif line == "@await-expiry":
                side.await_expiry()
                results.append((None, side.await_expired_event(flags)))
            else:
                text = line[2:] if line.startswith("~ ") else line
                args = substitute(split_args(text))
                raw, tree = side.reply(args)
                queued = args[0].upper() == b"MULTI" or (queued and args[0].upper() not in (b"EXEC", b"DISCARD"))
                results.append((shape(tree) if line.startswith("~ ") else raw, [] if queued else side.events()))
        (ref_reply, ref_events), (got_reply, got_events) = results
        where = "[%s] line %d: %s" % (flags, number, line)
        if ref_events != got_events:
            failed += 1
            report("%s\n    redis events:  %s\n    strata events: %s" % (where, describe(ref_events), describe(got_events)))
        elif ref_reply != got_reply:
            failed += 1
            report("%s\n    redis reply:  %r\n    strata reply: %r" % (where, ref_reply, got_reply))
        else:
            passed += 1
    if blocked is not None:
        ref_raw, got_raw = (side.blocker.read_reply()[0] for side in sides)
        if ref_raw == got_raw:
            passed += 1
        else:
            failed += 1
            report("[%s] line %d: reply of the blocked %s\n    redis:  %r\n    strata: %r" % (
                flags, lines[0][0], b" ".join(blocked).decode(), ref_raw, got_raw))
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--cases", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "notifications.cases"))
    args = ap.parse_args()
    with open(args.cases, encoding="utf-8") as f:
        cases = parse_cases(f.read())
    passed = failed = 0
    redis, strata = start_differential_pair(args.redis, args.strata, "strata-notify-",
                                            ["--enable-debug-command", "yes"])
    sides = []
    try:
        sides = [Side("redis", redis.port), Side("strata", strata.port)]
        covered = {name for _, lines in cases for _, line in lines for name in command_names(line)}
        for name in sorted(write_commands(sides[1].main)):
            if name in covered:
                passed += 1
            else:
                failed += 1
                print("no case runs the write command %s: add one to %s" % (name, args.cases))
        sides[0].main.call("SET", "dumped", "v")
        dump = sides[0].main.call("DUMP", "dumped")
        for flags in PASSES:
            for case in cases:
                try:
                    p, f = run_case(sides, flags, case, dump, print)
                except (Closed, ReplyError, RuntimeError, OSError) as e:
                    p, f = 0, 1
                    print("[%s] line %d: %s: %s" % (flags, case[1][0][0], type(e).__name__, e))
                    for side in sides:  # start the next case on fresh connections
                        side.close()
                    sides = [Side("redis", redis.port), Side("strata", strata.port)]
                passed += p
                failed += f
    except (Closed, ReplyError, RuntimeError, OSError) as e:
        failed += 1
        print("setup failed: %s: %s" % (type(e).__name__, e))
    finally:
        for side in sides:
            side.close()
        for server in (redis, strata):
            problems = server.stop()
            if problems:
                failed += 1
                print("%s: %s" % (server.proc.args[0], "\n".join(problems)))
    print("notifications: %d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
