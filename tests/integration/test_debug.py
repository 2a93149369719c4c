#!/usr/bin/python3
"""DEBUG where a byte-for-byte differential does not fit (debug.redis covers the rest).

Usage: test_debug.py [--strata build/src/strata-server] [--redis redis-server]

HELP lists Redis 7.0's text less the subcommands Strata lacks: every line of Strata's reply is a
line of redis-server's, in the same order, and every subcommand Strata has is listed.
STRINGMATCH-TEST answers as Redis. LOG reaches the server log. DIGEST is the same before and
after DEBUG RELOAD and moves when a value changes. Prints one line per check and ends with
"debug: N passed, N failed".
"""
import argparse
import os
import sys
import tempfile

from testlib import Conn, Server, Tally, wait_until

SUBCOMMANDS = ["DIGEST", "DIGEST-VALUE", "LOG", "OBJECT", "PROTOCOL", "RELOAD", "SET-ACTIVE-EXPIRE",
               "QUICKLIST-PACKED-THRESHOLD", "SLEEP", "STRINGMATCH-TEST", "LISTPACK", "HELP"]


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default=os.path.join(root, "build", "src", "strata-server"))
    ap.add_argument("--redis", default="redis-server")
    args = ap.parse_args()
    tally = Tally()
    workdir = tempfile.mkdtemp(prefix="strata-debug-")
    logfile = os.path.join(workdir, "strata.log")
    common = ["--enable-debug-command", "yes", "--dir", workdir]
    try:
        strata = Server([args.strata, "--logfile", logfile] + common)
    except RuntimeError as e:
        tally.fail("server start", e)
        return tally.summary("debug")
    redis_server = Server([args.redis] + common)
    s, r = Conn(strata.port), Conn(redis_server.port)

    def help_is_redis_text_less_what_is_missing():
        mine, theirs = s.call("DEBUG", "HELP"), r.call("DEBUG", "HELP")
        at = 0
        for line in mine:
            assert line in theirs[at:], "not in Redis's help (in order): %r" % line
            at = theirs.index(line, at) + 1
        listed = {line.split()[0].decode() for line in mine[1:] if not line.startswith(b" ")}
        assert listed == set(SUBCOMMANDS), sorted(listed ^ set(SUBCOMMANDS))
        return "%d of Redis's %d lines" % (len(mine), len(theirs))

    def stringmatch_test_answers_as_redis():
        assert s.call("DEBUG", "STRINGMATCH-TEST") == b"Apparently Redis did not crash: test passed"

    def log_reaches_the_server_log():
        assert s.call("DEBUG", "LOG", "marker 7f3a from test_debug") == b"OK"
        wait_until(lambda: b"DEBUG LOG: marker 7f3a from test_debug" in open(logfile, "rb").read(),
                   "the DEBUG LOG line in the server log")

    def digest_survives_reload_and_follows_changes():
        s.call("FLUSHALL")
        s.call("RPUSH", "l", "a", "b", "1")
        s.call("HSET", "h", "f", "v")
        s.call("ZADD", "z", "0.1", "m")
        s.call("SADD", "s", "1", "x")
        s.call("SET", "t", "v", "EX", "1000")
        before = s.call("DEBUG", "DIGEST")
        assert before != b"0" * 40
        assert s.call("DEBUG", "RELOAD") == b"OK"
        assert s.call("DEBUG", "DIGEST") == before
        s.call("LSET", "l", "0", "c")
        assert s.call("DEBUG", "DIGEST") != before
        s.call("LSET", "l", "0", "a")
        assert s.call("DEBUG", "DIGEST") == before

    try:
        for fn in [help_is_redis_text_less_what_is_missing, stringmatch_test_answers_as_redis,
                   log_reaches_the_server_log, digest_survives_reload_and_follows_changes]:
            tally.run(fn.__name__, fn)
    finally:
        s.close()
        r.close()
        redis_server.stop()
        tally.server_stopped("the server ran clean", strata)
    return tally.summary("debug")


if __name__ == "__main__":
    sys.exit(main())
