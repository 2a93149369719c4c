#!/usr/bin/python3
"""Access control (ACL) with real clients: every way a call is refused, users changed and deleted
under connected clients, the users file, ACL LOG, INFO's counters, and redis-py logging in.

Usage: test_acl.py [--strata build/src/strata-server] [--io-threads 4]

Starts the server on a free port (from $STRATA_TEST_PORTS when it is set) with --aclfile in a
temporary directory and --logfile beside it. Prints one line per check and ends with
"acl: N passed, N failed"; exits non-zero on failure. The last check is that the server ran clean.
"""
import argparse
import os
import re
import sys
import tempfile
import time

import redis

from testlib import Closed, Conn, ReplyError, Server, Tally, expect, expect_eq

PORT = 0
ADMIN = None  # a connection authenticated as default before any password was set
DIR = tempfile.mkdtemp(prefix="strata-acl-")
ACLFILE = os.path.join(DIR, "users.acl")
LOGFILE = os.path.join(DIR, "strata.log")


def expect_error(conn, args, prefix, what):
    """Runs args on conn and checks that it fails with an error starting with prefix."""
    try:
        got = conn.call(*args)
    except ReplyError as e:
        if not str(e).startswith(prefix):
            raise AssertionError("%s: error %r, want %r..." % (what, str(e), prefix))
        return
    raise AssertionError("%s: replied %r, want an error %r..." % (what, got, prefix))


def denied(kind):
    """INFO stats' acl_access_denied_<kind>."""
    info = ADMIN.call("INFO", "stats").decode()
    return int(re.search(r"^acl_access_denied_%s:(\d+)" % kind, info, re.M).group(1))


def login(user, password):
    c = Conn(PORT)
    expect_eq(c.call("AUTH", user, password), b"OK", "AUTH %s" % user)
    return c


def setuser(*rules):
    expect_eq(Conn(PORT).call("ACL", "SETUSER", *rules), b"OK", "ACL SETUSER %s" % " ".join(rules))


def check_no_auth_and_wrong_password():
    """With requirepass, a new connection gets NOAUTH until AUTH; a wrong password is WRONGPASS and
    counted; the right one works, with or without the user name."""
    admin = Conn(PORT)
    before = denied("auth")
    admin.call("CONFIG", "SET", "requirepass", "sesame")
    try:
        c = Conn(PORT)
        expect_error(c, ["GET", "k"], "NOAUTH Authentication required.", "GET before AUTH")
        expect_error(c, ["AUTH", "wrong"], "WRONGPASS invalid username-password pair", "wrong password")
        expect_error(c, ["AUTH", "default", "wrong"], "WRONGPASS", "wrong password with user")
        expect_error(c, ["AUTH", "nosuchuser", "sesame"], "WRONGPASS", "unknown user")
        expect_eq(denied("auth"), before + 3, "acl_access_denied_auth")
        expect_eq(c.call("AUTH", "sesame"), b"OK", "AUTH password")
        expect_eq(c.call("ACL", "WHOAMI"), b"default", "WHOAMI")
        c2 = Conn(PORT)
        expect_eq(c2.call("AUTH", "default", "sesame"), b"OK", "AUTH default password")
    finally:
        admin.call("CONFIG", "SET", "requirepass", "")
    expect_error(Conn(PORT), ["AUTH", "x"], "ERR AUTH <password> called without any password configured",
                 "AUTH without requirepass")


def check_hello_auth():
    """HELLO 3 AUTH user pass logs in and switches protocol; a wrong pair is WRONGPASS."""
    setuser("t-hello", "on", ">pw", "+@all", "~*")
    c = Conn(PORT)
    expect_error(c, ["HELLO", "3", "AUTH", "t-hello", "bad"], "WRONGPASS", "HELLO with a wrong password")
    reply = c.call("HELLO", "3", "AUTH", "t-hello", "pw")
    expect(b"proto" in reply, "HELLO's map: %r" % (reply,))
    expect_eq(c.call("ACL", "WHOAMI"), b"t-hello", "WHOAMI after HELLO AUTH")


def check_command_denied():
    """A command outside the user's rules is NOPERM, counted and logged; the subcommand rules hold."""
    setuser("t-cmd", "on", ">pw", "~*", "+get", "+config|get")
    c = login("t-cmd", "pw")
    before = denied("cmd")
    expect_eq(c.call("GET", "k"), None, "GET permitted")
    expect_error(c, ["SET", "k", "v"], "NOPERM this user has no permissions to run the 'set' command", "SET")
    expect_error(c, ["CONFIG", "SET", "hz", "10"],
                 "NOPERM this user has no permissions to run the 'config|set' command", "CONFIG SET")
    expect(len(c.call("CONFIG", "GET", "hz")) == 2, "CONFIG GET permitted")
    expect_eq(denied("cmd"), before + 2, "acl_access_denied_cmd")
    expect_error(c, ["MULTI"], "NOPERM", "MULTI not permitted")


def check_key_read_write():
    """%R~ patterns permit reading only, %W~ writing only, ~ both."""
    Conn(PORT).call("SET", "r1", "v")
    setuser("t-key", "on", ">pw", "+@all", "%R~r*", "%W~w*", "~b*")
    c = login("t-key", "pw")
    before = denied("key")
    expect_eq(c.call("GET", "r1"), b"v", "read through %R~")
    expect_error(c, ["SET", "r1", "x"], "NOPERM this user has no permissions to access one of the keys", "write %R~")
    expect_eq(c.call("SET", "w1", "x"), b"OK", "write through %W~")
    expect_error(c, ["GET", "w1"], "NOPERM this user has no permissions to access one of the keys", "read %W~")
    expect_eq(c.call("SET", "b1", "x"), b"OK", "write ~")
    expect_eq(c.call("GET", "b1"), b"x", "read ~")
    expect_error(c, ["MGET", "b1", "other"], "NOPERM", "one key of several outside")
    expect_eq(denied("key"), before + 3, "acl_access_denied_key")


def check_channels():
    """&patterns: PUBLISH and SUBSCRIBE match them; PSUBSCRIBE's pattern must be one literally."""
    setuser("t-chan", "on", ">pw", "+@all", "~*", "resetchannels", "&news.*")
    c = login("t-chan", "pw")
    before = denied("channel")
    expect_eq(c.call("PUBLISH", "news.1", "m"), b"0", "PUBLISH permitted")
    expect_error(c, ["PUBLISH", "other", "m"], "NOPERM this user has no permissions to access one of the channels",
                 "PUBLISH outside")
    expect_error(c, ["PSUBSCRIBE", "news.1*"], "NOPERM", "PSUBSCRIBE of a narrower pattern")
    expect_error(c, ["SUBSCRIBE", "news.1", "other"], "NOPERM", "SUBSCRIBE with one channel outside")
    expect_eq(denied("channel"), before + 3, "acl_access_denied_channel")
    s = login("t-chan", "pw")
    expect_eq(s.call("PSUBSCRIBE", "news.*"), [b"psubscribe", b"news.*", b"1"], "PSUBSCRIBE of the pattern itself")


def check_disabled_user():
    """An off user cannot log in, even with its password."""
    setuser("t-off", "off", ">pw", "+@all", "~*")
    expect_error(Conn(PORT), ["AUTH", "t-off", "pw"], "WRONGPASS", "AUTH of an off user")
    setuser("t-off", "on")
    login("t-off", "pw")


def check_changes_apply_at_once():
    """A connected client of a changed user runs under the new rules from its next command."""
    setuser("t-live", "on", ">pw", "+@all", "~*")
    c = login("t-live", "pw")
    expect_eq(c.call("SET", "live", "1"), b"OK", "SET before the change")
    setuser("t-live", "-set")
    expect_error(c, ["SET", "live", "2"], "NOPERM", "SET after -set")
    setuser("t-live", "+set")
    expect_eq(c.call("SET", "live", "3"), b"OK", "SET after +set")


def check_exec_rechecks_queued_calls():
    """A queued call the user may no longer make when EXEC runs is refused in its place; a call
    refused while queuing aborts the transaction."""
    setuser("t-tx", "on", ">pw", "+@all", "~*")
    c = login("t-tx", "pw")
    expect_eq(c.call("MULTI"), b"OK", "MULTI")
    c.call("SET", "tx1", "a")
    c.call("GET", "tx1")
    setuser("t-tx", "-set")
    c.send(b"*1\r\n$4\r\nEXEC\r\n")
    _, (_, items) = c.read_reply()
    expect_eq(items[0][1], ("-", b"NOPERM ACLs rules changed between the moment the transaction was accumulated and "
                              b"the EXEC call. This command is no longer allowed for the following reason: "
                              b"no permission to execute the command or subcommand"), "the refused SET")
    expect_eq(items[1][1], ("$", None), "GET of the key the refused SET did not set")
    expect_eq(c.call("MULTI"), b"OK", "MULTI again")
    expect_error(c, ["SET", "tx1", "b"], "NOPERM", "SET while queuing")
    expect_error(c, ["EXEC"], "EXECABORT", "EXEC after a refused call")


def check_deleted_user_disconnected():
    """ACL DELUSER closes the connections authenticated as the user; others stay."""
    setuser("t-del", "on", ">pw", "+@all", "~*")
    victims = [login("t-del", "pw") for _ in range(3)]
    bystander = Conn(PORT)
    expect_eq(Conn(PORT).call("ACL", "DELUSER", "t-del"), b"1", "DELUSER")
    for i, v in enumerate(victims):
        try:
            v.call("PING")
        except (Closed, ConnectionError, OSError):
            continue
        raise AssertionError("client %d of the deleted user still served" % i)
    expect_eq(bystander.call("PING"), b"PONG", "bystander")


def check_client_list_and_kill_user():
    """CLIENT LIST shows user=; CLIENT KILL USER closes that user's clients."""
    setuser("t-kill", "on", ">pw", "+@all", "~*")
    c = login("t-kill", "pw")
    c.call("CLIENT", "SETNAME", "t-kill-conn")
    listing = Conn(PORT).call("CLIENT", "LIST").decode()
    line = [l for l in listing.splitlines() if "name=t-kill-conn" in l]
    expect(len(line) == 1 and " user=t-kill " in line[0], "CLIENT LIST line: %r" % line)
    expect_eq(Conn(PORT).call("CLIENT", "KILL", "USER", "t-kill"), b"1", "CLIENT KILL USER")
    expect_error(Conn(PORT), ["CLIENT", "KILL", "USER", "t-nosuch"], "ERR No such user", "KILL USER unknown")


def check_acl_log():
    """ACL LOG holds one entry per kind of refusal, grouping repeats, newest first."""
    admin = Conn(PORT)
    admin.call("ACL", "LOG", "RESET")
    setuser("t-log", "on", ">pw", "+get", "~k*")
    c = login("t-log", "pw")
    for _ in range(3):
        expect_error(c, ["SET", "k", "v"], "NOPERM", "SET")
    expect_error(c, ["GET", "x"], "NOPERM", "GET x")
    expect_error(Conn(PORT), ["AUTH", "t-log", "bad"], "WRONGPASS", "bad AUTH")
    entries = [dict(zip(e[::2], e[1::2])) for e in admin.call("ACL", "LOG")]
    expect_eq([(e[b"reason"], e[b"object"], e[b"username"], e[b"count"]) for e in entries],
              [(b"auth", b"AUTH", b"t-log", b"1"), (b"key", b"x", b"t-log", b"1"),
               (b"command", b"set", b"t-log", b"3")], "entries")
    expect_eq(entries[1][b"context"], b"toplevel", "context")
    expect(b"user=t-log" in entries[1][b"client-info"], "client-info: %r" % entries[1][b"client-info"])
    expect_eq(len(admin.call("ACL", "LOG", "1")), 1, "ACL LOG 1")
    expect_eq(admin.call("ACL", "LOG", "RESET"), b"OK", "RESET")
    expect_eq(admin.call("ACL", "LOG"), [], "empty after RESET")


def check_auth_failures_logged_at_bounded_rate():
    """Failed AUTHs for 2.5 s leave at most one log line a second, naming the client address and
    counting the failures not logged."""
    c = Conn(PORT)
    start = open(LOGFILE).read().count("Authentication failed")
    failures = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < 2.5:
        expect_error(c, ["AUTH", "t-flood", "bad"], "WRONGPASS", "AUTH")
        failures += 1
    lines = [l for l in open(LOGFILE).read().splitlines() if "Authentication failed" in l][start:]
    expect(2 <= len(lines) <= 4, "%d log lines for %d failures in 2.5 s" % (len(lines), failures))
    expect("'t-flood' from 127.0.0.1:" in lines[-1], "address in %r" % lines[-1])
    expect(re.search(r"\((\d+) more failures", lines[-1]), "suppressed count in %r" % lines[-1])
    return "%d failures, %d lines" % (failures, len(lines))


def check_aclfile_round_trip():
    """ACL SAVE writes the users file; edits to it come back with ACL LOAD; a bad file is refused
    and changes nothing."""
    admin = Conn(PORT)
    setuser("t-file", "on", ">pw", "~f*", "&ch", "+get")
    expect_eq(admin.call("ACL", "SAVE"), b"OK", "ACL SAVE")
    text = open(ACLFILE).read()
    expect("user t-file on #" in text and "~f* resetchannels &ch -@all +get" in text, "saved file: %r" % text)
    expect(not [f for f in os.listdir(DIR) if ".tmp-" in f], "temporary file left: %r" % os.listdir(DIR))
    with open(ACLFILE, "a") as f:
        f.write("user t-new on nopass ~* +ping\n")
    expect_eq(admin.call("ACL", "LOAD"), b"OK", "ACL LOAD")
    expect(b"t-new" in admin.call("ACL", "USERS"), "t-new loaded")
    expect_eq(admin.call("ACL", "DRYRUN", "t-file", "get", "f1"), b"OK", "t-file's rules loaded")
    good = open(ACLFILE).read()
    with open(ACLFILE, "a") as f:
        f.write("user t-bad on +nosuchcommand\n")
    expect_error(admin, ["ACL", "LOAD"], "ERR %s:" % ACLFILE, "bad file refused")
    expect(b"t-new" in admin.call("ACL", "USERS"), "users unchanged after a refused LOAD")
    with open(ACLFILE, "w") as f:
        f.write(good)


def check_bad_aclfile_stops_startup(strata):
    """A users file with an error stops the server at start-up with the reason."""
    bad = os.path.join(DIR, "bad.acl")
    with open(bad, "w") as f:
        f.write("user ok on nopass +@all\nnotauser line\n")
    log = os.path.join(DIR, "bad.log")
    try:
        s = Server([strata, "--aclfile", bad], log=log, timeout=10)
    except RuntimeError:
        text = open(log).read()
        expect("bad.acl:2 should start with user keyword" in text, "start-up log: %r" % text[-500:])
        return
    s.stop()
    raise AssertionError("the server started with a bad users file")


def check_redis_py_login():
    """redis-py logs in with username and password; a wrong pair raises its auth error."""
    setuser("t-py", "on", ">pypass", "+@all", "~py:*")
    r = redis.Redis(port=PORT, username="t-py", password="pypass")
    expect_eq(r.set("py:k", "v"), True, "SET")
    expect_eq(r.get("py:k"), b"v", "GET")
    try:
        r.get("other")
        raise AssertionError("GET other permitted")
    except redis.exceptions.NoPermissionError:
        pass
    try:
        redis.Redis(port=PORT, username="t-py", password="wrong").ping()
        raise AssertionError("wrong password accepted")
    except redis.exceptions.ResponseError as e:  # redis-py 4.3 maps WRONGPASS to no subclass
        expect(str(e).startswith("WRONGPASS"), "error: %s" % e)


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default=os.path.join(root, "build", "src", "strata-server"))
    ap.add_argument("--io-threads", type=int, default=4)
    args = ap.parse_args()
    with open(ACLFILE, "w") as f:
        f.write("user default on nopass ~* &* +@all\n")
    tally = Tally()
    try:
        server = Server([args.strata, "--io-threads", str(args.io_threads), "--aclfile", ACLFILE,
                         "--logfile", LOGFILE])
    except RuntimeError as e:
        tally.fail("server start", e)
        return tally.summary("acl")
    global PORT, ADMIN
    PORT = server.port
    ADMIN = Conn(PORT)
    checks = [
        ("no auth, wrong password, AUTH forms", check_no_auth_and_wrong_password),
        ("HELLO AUTH", check_hello_auth),
        ("command and subcommand denied", check_command_denied),
        ("key patterns: read, write, both", check_key_read_write),
        ("channel patterns", check_channels),
        ("disabled user", check_disabled_user),
        ("changed rules apply at once", check_changes_apply_at_once),
        ("EXEC checks queued calls again", check_exec_rechecks_queued_calls),
        ("deleted user's clients are disconnected", check_deleted_user_disconnected),
        ("CLIENT LIST user= and CLIENT KILL USER", check_client_list_and_kill_user),
        ("ACL LOG entries", check_acl_log),
        ("failed AUTHs logged at a bounded rate", check_auth_failures_logged_at_bounded_rate),
        ("users file: SAVE, LOAD, a refused LOAD", check_aclfile_round_trip),
        ("a bad users file stops start-up", lambda: check_bad_aclfile_stops_startup(args.strata)),
        ("redis-py with username and password", check_redis_py_login),
    ]
    try:
        for name, fn in checks:
            tally.run(name, fn)
    finally:
        tally.server_stopped("the server ran clean", server)
    return tally.summary("acl")


if __name__ == "__main__":
    sys.exit(main())
