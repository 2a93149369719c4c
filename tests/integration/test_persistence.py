#!/usr/bin/python3
"""Snapshots end to end: SAVE, BGSAVE, save points, restart, DEBUG RELOAD, DUMP/RESTORE, LOADING,
and crash safety, with redis-server 7.0 run side by side where the replies can be compared.

Usage: test_persistence.py [--strata build/src/strata-server] [--redis redis-server]

Every server runs in a temporary directory of its own (its dump.rdb and log). Prints one line per
check and ends with "persistence: N passed, N failed"; exits non-zero on failure. Needs Debian's
python3-redis.
"""
import argparse
import hashlib
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

import redis

from testlib import Server, Tally, free_port

STRATA = REDIS = None


def start(binary, workdir, *options, preexec_fn=None, loaded=True):
    """A server in `workdir` with `options`, and a client on it; once it has loaded its dump
    unless not `loaded`."""
    server = Server([binary, "--dir", workdir] + list(options), log=os.path.join(workdir, "server.log"),
                    preexec_fn=preexec_fn)
    r = redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=60)
    if loaded:
        wait_for(lambda: persistence(r)["loading"] == 0, "the load to end", 120)
    return server, r


def both(*options):
    """A Strata and a redis-server, each in a directory of its own, with the same options."""
    out = []
    for binary in (STRATA, REDIS):
        out.append(start(binary, tempfile.mkdtemp(prefix="strata-persist-"), *options))
    return out


def stop_all(*servers):
    for server in servers:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()


def reply(r, *args):
    """The reply to args, or the error text as a string prefixed "-"."""
    try:
        return r.execute_command(*args)
    except redis.ResponseError as e:
        return "-" + str(e)
    except redis.exceptions.BusyLoadingError as e:  # redis-py strips the error code of this one
        return "-LOADING " + str(e)


def persistence(r):
    return r.info("persistence")


def wait_for(predicate, what, timeout=20):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


def wait_bgsave_done(r):
    wait_for(lambda: persistence(r)["rdb_bgsave_in_progress"] == 0, "the background save to end", 60)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def fill_all_types(r):
    """Keys of every type and compact encoding, with and without expiries, in all 16 databases."""
    for db in range(16):
        r.execute_command("SELECT", db)
        r.set("s%d" % db, "v" * (db + 1))
        r.set("int%d" % db, 12345 + db)
        r.set("long%d" % db, "x" * 100)
        r.set("ttl%d" % db, "t", ex=10000)
        r.rpush("list%d" % db, *range(db + 3))
        r.rpush("biglist%d" % db, *["e%d" % i for i in range(300)])
        r.hset("hash%d" % db, mapping={"f%d" % i: i for i in range(5)})
        r.hset("bighash%d" % db, mapping={"f%d" % i: "v" * i for i in range(600)})
        r.sadd("intset%d" % db, *range(10))
        r.sadd("set%d" % db, *["m%d" % i for i in range(10)])
        r.zadd("zset%d" % db, {"a": 1, "b": 2.5, "c": -3})
        r.zadd("bigzset%d" % db, {"m%d" % i: i for i in range(200)})
        r.pexpire("list%d" % db, 5000000)
    r.execute_command("SELECT", 0)


def dataset(r):
    """Every key of every database: (db, key) -> (type, value, has ttl)."""
    out = {}
    for db in range(16):
        r.execute_command("SELECT", db)
        for key in r.keys("*"):
            t = r.type(key).decode()
            value = {"string": lambda: r.get(key), "list": lambda: r.lrange(key, 0, -1),
                     "hash": lambda: r.hgetall(key), "set": lambda: sorted(r.smembers(key)),
                     "zset": lambda: r.zrange(key, 0, -1, withscores=True)}[t]()
            out[(db, key)] = (t, value, r.pttl(key) > 0)
    r.execute_command("SELECT", 0)
    return out


def check_save_bgsave_replies():
    """SAVE, BGSAVE, BGSAVE SCHEDULE, LASTSAVE and their errors, as redis-server replies them."""
    (s, sr), (rd, rr) = both("--rdb-key-save-delay", "0")
    try:
        for r in (sr, rr):
            r.set("k", "v")
        script = [("SAVE",), ("BGSAVE", "FOO"), ("BGSAVE", "SCHEDULE", "X"), ("SAVE", "X")]
        for args in script:
            a, b = reply(sr, *args), reply(rr, *args)
            assert a == b, "%s: strata %r, redis %r" % (args, a, b)
        for r in (sr, rr):
            wait_bgsave_done(r)
            for i in range(200):
                r.set("key%d" % i, i)
            r.config_set("rdb-key-save-delay", "20000")
        # One save at a time: the second BGSAVE, a SCHEDULE and a SAVE are refused while it runs.
        script = [("BGSAVE",), ("BGSAVE",), ("BGSAVE", "SCHEDULE"), ("SAVE",)]
        for args in script:
            a, b = reply(sr, *args), reply(rr, *args)
            assert a == b, "%s: strata %r, redis %r" % (args, a, b)
        for r in (sr, rr):
            assert persistence(r)["rdb_bgsave_in_progress"] == 1
            r.config_set("rdb-key-save-delay", "0")
    finally:
        stop_all(s, rd)


def check_lastsave_and_counters():
    """LASTSAVE moves with a save; rdb_changes_since_last_save counts writes and drops to 0."""
    workdir = tempfile.mkdtemp(prefix="strata-persist-")
    s, r = start(STRATA, workdir)
    try:
        r.set("a", 1)
        r.incr("a")
        r.delete("a")
        info = persistence(r)
        assert info["rdb_changes_since_last_save"] == 3, info["rdb_changes_since_last_save"]
        before = r.lastsave()
        time.sleep(1.1)
        assert r.save() is True
        assert r.lastsave() > before
        info = persistence(r)
        assert info["rdb_changes_since_last_save"] == 0 and info["rdb_saves"] == 1, info
        assert os.path.exists(os.path.join(workdir, "dump.rdb"))
        r.set("b", 1)
        assert r.bgsave()
        wait_bgsave_done(r)
        info = persistence(r)
        assert info["rdb_last_bgsave_status"] == "ok" and info["rdb_saves"] == 2, info
        assert info["rdb_changes_since_last_save"] == 0, info
        stats = r.info("stats")
        assert stats["total_forks"] == 1 and stats["latest_fork_usec"] > 0, stats
    finally:
        stop_all(s)


def check_restart_loads_everything():
    workdir = tempfile.mkdtemp(prefix="strata-persist-")
    s, r = start(STRATA, workdir)
    try:
        fill_all_types(r)
        before = dataset(r)
        r.save()
    finally:
        stop_all(s)
    s, r = start(STRATA, workdir)
    try:
        after = dataset(r)
        assert after == before, "%d keys before, %d after; first difference %r" % (
            len(before), len(after), next((k for k in before if before[k] != after.get(k)), None))
        info = persistence(r)
        assert info["rdb_last_load_keys_loaded"] == len(before), info
        return "%d keys" % len(before)
    finally:
        stop_all(s)


def check_expired_keys_not_loaded():
    workdir = tempfile.mkdtemp(prefix="strata-persist-")
    s, r = start(STRATA, workdir)
    try:
        r.set("gone", 1, px=300)
        r.set("kept", 1)
        r.save()
    finally:
        stop_all(s)
    time.sleep(0.5)
    s, r = start(STRATA, workdir)
    try:
        assert r.keys("*") == [b"kept"], r.keys("*")
        assert persistence(r)["rdb_last_load_keys_expired"] == 1
    finally:
        stop_all(s)


def check_save_points_fire():
    workdir = tempfile.mkdtemp(prefix="strata-persist-")
    s, r = start(STRATA, workdir, "--save", "1 3")
    try:
        r.set("a", 1)
        r.set("b", 1)
        time.sleep(1.5)
        assert persistence(r)["rdb_saves"] == 0, "two changes are below the save point"
        r.set("c", 1)
        wait_for(lambda: persistence(r)["rdb_saves"] == 1, "the save point to fire", 10)
        wait_bgsave_done(r)
        assert persistence(r)["rdb_changes_since_last_save"] == 0
        assert r.config_get("save") == {"save": "1 3"}
        r.config_set("save", "")
        r.set("d", 1)
        time.sleep(1.5)
        assert persistence(r)["rdb_saves"] == 1, "no save point, no save"
    finally:
        stop_all(s)


def check_debug_reload():
    (s, sr), (rd, rr) = both("--enable-debug-command", "yes")
    try:
        for r in (sr, rr):
            fill_all_types(r)
        before = dataset(sr)
        for args in [("DEBUG", "RELOAD"), ("DEBUG", "RELOAD", "NOSAVE")]:
            a, b = reply(sr, *args), reply(rr, *args)
            assert a == b, "%s: strata %r, redis %r" % (args, a, b)
        assert dataset(sr) == before
        assert dataset(rr) == dataset(sr)
    finally:
        stop_all(s, rd)
    s, r = start(STRATA, tempfile.mkdtemp(prefix="strata-persist-"))
    try:
        assert reply(r, "DEBUG", "RELOAD") == (
            "-DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it "
            "from a local connection, otherwise you need to set this option in the configuration file, and then "
            "restart the server.")
    finally:
        stop_all(s)


def check_dump_restore():
    """DUMP payloads byte for byte, RESTORE's options and errors, against redis-server."""
    (s, sr), (rd, rr) = both()
    try:
        script = [
            ("SET", "str", "hello"), ("SET", "int", "12345"), ("SET", "long", "a" * 100),
            ("RPUSH", "list", "a", "b", "1"), ("HSET", "hash", "f", "v"), ("SADD", "intset", 1, 2, 3),
            ("SADD", "set", "x", "y"), ("ZADD", "zset", 1, "a", 2, "b"),
        ]
        for args in script:
            for r in (sr, rr):
                r.execute_command(*args)
        compared = 0
        # A set of strings is a hash table in both: its order, and so its payload, differ.
        for key in ("str", "int", "long", "list", "hash", "intset", "zset", "missing"):
            a, b = sr.dump(key), rr.dump(key)
            assert a == b, "DUMP %s: strata %r, redis %r" % (key, a, b)
            compared += 1
        payload = rr.dump("list")
        calls = [
            ("RESTORE", "list", 0, payload),
            ("RESTORE", "new", 0, payload),
            ("RESTORE", "new", 0, payload),
            ("RESTORE", "new", 0, payload, "REPLACE"),
            ("RESTORE", "t1", 100000, payload),
            ("RESTORE", "t2", 4102444800000, payload, "ABSTTL"),
            ("RESTORE", "t3", 1, payload, "ABSTTL"),
            ("RESTORE", "new", 1, payload, "ABSTTL", "REPLACE"),
            ("RESTORE", "t4", -1, payload),
            ("RESTORE", "t4", "abc", payload),
            ("RESTORE", "t4", 0, "garbage"),
            ("RESTORE", "t4", 0, payload[:-1] + bytes([payload[-1] ^ 1])),
            ("RESTORE", "t5", 0, payload, "IDLETIME", 10),
            ("RESTORE", "t6", 0, payload, "IDLETIME", -1),
            ("RESTORE", "t6", 0, payload, "FREQ", 256),
            ("RESTORE", "t6", 0, payload, "FREQ", 5),
            ("RESTORE", "t7", 0, payload, "FREQ", 5, "IDLETIME", 1),
            ("RESTORE", "t7", 0, payload, "IDLETIME"),
            ("RESTORE", "t7", 0, payload, "BOGUS"),
            ("EXISTS", "list", "new", "t1", "t2", "t3", "t5", "t6", "t7"),
            ("LRANGE", "t1", 0, -1),
            ("TTL", "t1"), ("EXPIRETIME", "t2"),
        ]
        for args in calls:
            a, b = reply(sr, *args), reply(rr, *args)
            assert a == b, "%s: strata %r, redis %r" % (args[:3], a, b)
            compared += 1
        # A payload made by Redis restores in Strata and the other way round, for every type.
        for key in ("str", "int", "long", "list", "hash", "intset", "set", "zset"):
            from_redis, from_strata = rr.dump(key), sr.dump(key)
            sr.restore("copy-" + key, 0, from_redis)
            rr.restore("copy-" + key, 0, from_strata)
        assert dataset(sr) == dataset(rr)
        return "%d replies compared" % compared
    finally:
        stop_all(s, rd)


def check_flushall_saves():
    """FLUSHALL with save points saves the empty dataset and forgets the changes, as Redis."""
    (s, sr), (rd, rr) = both("--save", "3600 1")
    try:
        for r in (sr, rr):
            for i in range(10):
                r.set("k%d" % i, i)
            assert r.flushall()
        a, b = persistence(sr), persistence(rr)
        for field in ("rdb_changes_since_last_save", "rdb_saves", "rdb_bgsave_in_progress"):
            assert a[field] == b[field], "%s: strata %r, redis %r" % (field, a[field], b[field])
        assert os.path.exists(os.path.join(sr.config_get("dir")["dir"], "dump.rdb"))
    finally:
        stop_all(s, rd)


def check_loading_refused_while_loading():
    workdir = tempfile.mkdtemp(prefix="strata-persist-")
    s, r = start(STRATA, workdir)
    try:
        for i in range(0, 3000, 100):
            r.mset({"k%d" % j: j for j in range(i, i + 100)})
        r.save()
    finally:
        stop_all(s)
    s, r = start(STRATA, workdir, "--key-load-delay", "1000", loaded=False)
    try:
        assert reply(r, "GET", "k1") == "-LOADING Redis is loading the dataset in memory"
        info = persistence(r)
        assert info["loading"] == 1 and info["loading_total_bytes"] > 0, info
        wait_for(lambda: persistence(r)["loading"] == 0, "the load to end", 60)
        assert r.dbsize() == 3000 and r.get("k2999") == b"2999"
    finally:
        stop_all(s)


def child_pids(pid):
    """The children of process pid, whichever of its threads forked them."""
    out = []
    for task in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/children" % (pid, task)) as f:
            out += [int(p) for p in f.read().split()]
    return out


def check_killed_child_keeps_old_dump():
    workdir = tempfile.mkdtemp(prefix="strata-persist-")
    s, r = start(STRATA, workdir)
    try:
        r.set("old", 1)
        r.save()
        old = sha(os.path.join(workdir, "dump.rdb"))
        for i in range(0, 1000, 100):
            r.mset({"k%d" % j: j for j in range(i, i + 100)})
        r.config_set("rdb-key-save-delay", "10000")
        assert r.bgsave()
        wait_for(lambda: child_pids(s.proc.pid), "the child")
        time.sleep(0.3)  # it is writing keys now, 10 ms each
        os.kill(child_pids(s.proc.pid)[0], signal.SIGKILL)
        wait_bgsave_done(r)
        assert persistence(r)["rdb_last_bgsave_status"] == "err"
        assert sha(os.path.join(workdir, "dump.rdb")) == old, "the old dump changed"
        assert [f for f in os.listdir(workdir) if f.startswith("temp-")] == [], os.listdir(workdir)
    finally:
        stop_all(s)


def limit_file_size():
    # The hard limit stays unlimited, so that the test may lift the soft one later (prlimit).
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))


def check_full_disk_fails_cleanly_and_misconf():
    workdir = tempfile.mkdtemp(prefix="strata-persist-")
    s, r = start(STRATA, workdir, "--save", "3600 1", preexec_fn=limit_file_size)
    try:
        r.set("small", 1)
        assert r.save()
        old = sha(os.path.join(workdir, "dump.rdb"))
        for i in range(0, 2000, 100):
            r.mset({"k%d" % j: os.urandom(50).hex() for j in range(i, i + 100)})
        assert r.bgsave()
        wait_bgsave_done(r)
        assert persistence(r)["rdb_last_bgsave_status"] == "err"
        assert sha(os.path.join(workdir, "dump.rdb")) == old, "the old dump changed"
        misconf = ("-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
                   "disk. Commands that may modify the data set are disabled, because this instance is configured "
                   "to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). "
                   "Please check the Redis logs for details about the RDB error.")
        assert reply(r, "SET", "x", 1) == misconf
        assert reply(r, "PING") == misconf
        assert reply(r, "GET", "small") == b"1"
        assert reply(r, "SHUTDOWN", "SAVE") == "-Errors trying to SHUTDOWN. Check logs."
        resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        assert r.save()
        assert reply(r, "SET", "x", 1) is True
        assert persistence(r)["rdb_last_bgsave_status"] == "ok"
    finally:
        stop_all(s)


def check_sigterm_saves_acknowledged_writes():
    workdir = tempfile.mkdtemp(prefix="strata-persist-")
    s, r = start(STRATA, workdir, "--save", "3600 1", "--io-threads", "2")
    try:
        pipe = r.pipeline(transaction=False)
        for i in range(100000):
            pipe.set("key:%d" % i, i)
            if i % 1000 == 999:
                assert all(pipe.execute())
        s.proc.send_signal(signal.SIGTERM)
        assert s.proc.wait(timeout=60) == 0, "exit status %s" % s.proc.returncode
    finally:
        stop_all(s)
    s, r = start(STRATA, workdir)
    try:
        assert r.dbsize() == 100000, r.dbsize()
        assert r.get("key:99999") == b"99999" and r.get("key:0") == b"0"
    finally:
        stop_all(s)


def check_corrupt_dump_refused():
    workdir = tempfile.mkdtemp(prefix="strata-persist-")
    s, r = start(STRATA, workdir)
    try:
        for i in range(100):
            r.set("k%d" % i, "v" * 50)
        r.save()
    finally:
        stop_all(s)
    path = os.path.join(workdir, "dump.rdb")
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[:len(data) // 2])
    # It may answer -LOADING for a moment, but must then exit 1 by itself.
    run = subprocess.run([STRATA, "--dir", workdir, "--port", str(free_port())], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 1, "exit status %s" % run.returncode
    assert "offset" in run.stdout + run.stderr, (run.stdout + run.stderr)[-500:]


def main():
    global STRATA, REDIS
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default=os.path.join(root, "build", "src", "strata-server"))
    ap.add_argument("--redis", default="redis-server")
    args = ap.parse_args()
    STRATA, REDIS = os.path.abspath(args.strata), args.redis
    tally = Tally()
    for name, fn in [
        ("SAVE, BGSAVE, SCHEDULE and their errors as redis-server", check_save_bgsave_replies),
        ("LASTSAVE, rdb_changes_since_last_save, rdb_saves, forks", check_lastsave_and_counters),
        ("a restart loads every type, expiry and database", check_restart_loads_everything),
        ("keys expired by the restart are not loaded", check_expired_keys_not_loaded),
        ("save points fire, and not below their counts", check_save_points_fire),
        ("DEBUG RELOAD as redis-server, refused by default", check_debug_reload),
        ("DUMP and RESTORE as redis-server", check_dump_restore),
        ("FLUSHALL saves and resets the counters as redis-server", check_flushall_saves),
        ("LOADING while a slow load runs", check_loading_refused_while_loading),
        ("a BGSAVE child killed mid-write leaves the old dump", check_killed_child_keeps_old_dump),
        ("a full disk fails the save cleanly; MISCONF until a save succeeds",
         check_full_disk_fails_cleanly_and_misconf),
        ("SIGTERM after 100,000 acknowledged writes loses none", check_sigterm_saves_acknowledged_writes),
        ("a truncated dump.rdb stops start-up with exit 1 and the offset", check_corrupt_dump_refused),
    ]:
        tally.run(name, fn)
    return tally.summary("persistence")


if __name__ == "__main__":
    sys.exit(main())
