#!/usr/bin/env python3
"""Client compatibility with redis-py (Debian's python3-redis) against a running Strata.

Usage: test_redis_py.py --strata build/src/strata-server

Starts Strata on a free port ($STRATA_TEST_PORTS, "7400-7499", when set), runs the test cases and
ends with "redis-py: N passed, N failed" (a skipped test counts as failed, and so does a server that
exited early, exited non-zero when stopped or printed a sanitizer report). RESP3 goes through
redis-py's protocol=3 when the installed version has it (redis-py 5); older versions get the same
checks over a raw socket.
"""
import argparse
import inspect
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import unittest

import redis

from testlib import Server

STRATA = None  # the running server, set by main()


class StrataServer:
    """strata-server on a free port, in a directory of its own that also holds its log."""

    def __init__(self, binary):
        self.dir = tempfile.mkdtemp(prefix="strata-py-")
        # DEBUG SET-ACTIVE-EXPIRE pauses active expiry for the test of lazy expiry's notification.
        self.server = Server([binary, "--dir", self.dir, "--enable-debug-command", "local"],
                             log=os.path.join(self.dir, "server.log"))
        self.port = self.server.port

    def stop(self, keep_log):
        """Stops the server; returns its problems (see testlib.Server.stop)."""
        problems = self.server.stop()
        if keep_log or problems:
            print("server log kept in %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        return problems


class RedisPyTest(unittest.TestCase):
    def setUp(self):
        self.r = redis.Redis(port=STRATA.port, socket_timeout=30)
        self.r.flushall()

    def tearDown(self):
        self.r.close()

    def test_strings(self):
        r = self.r
        self.assertTrue(r.set("s", "hello"))
        self.assertEqual(r.get("s"), b"hello")
        self.assertIsNone(r.get("missing"))
        self.assertIsNone(r.set("s", "x", nx=True))
        self.assertTrue(r.set("s", "world", xx=True))
        self.assertEqual(r.append("s", "!"), 6)
        self.assertEqual(r.strlen("s"), 6)
        self.assertEqual(r.getrange("s", 0, 2), b"wor")
        self.assertEqual(r.incr("n"), 1)
        self.assertEqual(r.incrby("n", 41), 42)
        self.assertEqual(r.decr("n"), 41)
        self.assertAlmostEqual(r.incrbyfloat("f", 1.5), 1.5)
        self.assertTrue(r.mset({"m1": "a", "m2": "b"}))
        self.assertEqual(r.mget("m1", "nope", "m2"), [b"a", None, b"b"])
        self.assertEqual(r.getset("m1", "c"), b"a")
        with self.assertRaisesRegex(redis.ResponseError, "value is not an integer or out of range"):
            r.incr("s")

    def test_binary_values(self):
        value = bytes(range(256)) + b"\r\n*1\r\n$4\r\n"
        self.r.set(b"bin\x00key", value)
        self.assertEqual(self.r.get(b"bin\x00key"), value)

    def test_pipeline(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(2000):
            pipe.set("p:%d" % i, i)
            pipe.get("p:%d" % i)
        results = pipe.execute()
        self.assertEqual(len(results), 4000)
        for i in range(2000):
            self.assertTrue(results[2 * i])
            self.assertEqual(results[2 * i + 1], str(i).encode())

    def test_pipeline_reports_errors_in_place(self):
        pipe = self.r.pipeline(transaction=False)
        pipe.set("x", "notanumber")
        pipe.incr("x")
        pipe.get("x")
        results = pipe.execute(raise_on_error=False)
        self.assertTrue(results[0])
        self.assertIsInstance(results[1], redis.ResponseError)
        self.assertEqual(results[2], b"notanumber")

    def test_transactional_pipeline(self):
        pipe = self.r.pipeline()  # transaction=True: MULTI ... EXEC
        pipe.set("t:a", 1).incr("t:a").lpush("t:l", "x", "y").get("t:a")
        self.assertEqual(pipe.execute(), [True, 2, 2, b"2"])
        # A runtime error is answered in place and the rest still runs.
        pipe = self.r.pipeline()
        pipe.set("t:s", "text").incr("t:s").set("t:after", "ran")
        results = pipe.execute(raise_on_error=False)
        self.assertTrue(results[0])
        self.assertIsInstance(results[1], redis.ResponseError)
        self.assertTrue(results[2])
        self.assertEqual(self.r.get("t:after"), b"ran")
        # An error while queuing discards the whole transaction (EXECABORT); redis-py raises the
        # queuing error itself.
        pipe = self.r.pipeline()
        pipe.set("t:never", 1).execute_command("NOSUCHCOMMAND")
        with self.assertRaisesRegex(redis.ResponseError, "unknown command 'NOSUCHCOMMAND'"):
            pipe.execute()
        self.assertIsNone(self.r.get("t:never"))

    def test_watch_optimistic_locking(self):
        r = self.r
        r.set("t:balance", 100)

        def withdraw(pipe):
            balance = int(pipe.get("t:balance"))
            pipe.multi()
            pipe.set("t:balance", balance - 30)

        # transaction() retries on WatchError; with nobody else writing it succeeds at once.
        r.transaction(withdraw, "t:balance")
        self.assertEqual(r.get("t:balance"), b"70")
        # A write by another client between WATCH and EXEC makes EXEC fail with WatchError.
        other = redis.Redis(port=STRATA.port, socket_timeout=30)
        with r.pipeline() as pipe:
            pipe.watch("t:balance")
            balance = int(pipe.get("t:balance"))
            other.set("t:balance", 1000)
            pipe.multi()
            pipe.set("t:balance", balance - 30)
            with self.assertRaises(redis.WatchError):
                pipe.execute()
        self.assertEqual(r.get("t:balance"), b"1000")
        # UNWATCH (reset) forgets the watch.
        with r.pipeline() as pipe:
            pipe.watch("t:balance")
            other.set("t:balance", 5)
            pipe.unwatch()
            pipe.multi()
            pipe.incr("t:balance")
            self.assertEqual(pipe.execute(), [6])
        other.close()

    def test_resp3(self):
        if "protocol" in inspect.signature(redis.Redis.__init__).parameters:
            r3 = redis.Redis(port=STRATA.port, protocol=3)
            r3.set("k", "v")
            self.assertEqual(r3.get("k"), b"v")
            self.assertIsNone(r3.get("missing"))
            self.assertEqual(r3.execute_command("HELLO", 3)[b"proto"], 3)
            r3.close()
            return
        # redis-py < 5 cannot parse RESP3: check the encoding on a raw socket instead.
        with socket.create_connection(("127.0.0.1", STRATA.port), timeout=10) as s:
            f = s.makefile("rb")
            s.sendall(b"HELLO 3\r\n")
            self.assertEqual(f.readline(), b"%7\r\n")
            fields = {}
            for _ in range(7):
                key = f.readline()
                self.assertTrue(key.startswith(b"$"))
                name = f.readline().strip()
                fields[name] = f.readline().strip()
                if fields[name].startswith(b"$"):
                    fields[name] = f.readline().strip()
                elif fields[name].startswith(b"*"):
                    self.assertEqual(fields[name], b"*0")
            self.assertEqual(fields[b"proto"], b":3")
            self.assertEqual(fields[b"server"], b"redis")
            s.sendall(b"GET missing\r\n")
            self.assertEqual(f.readline(), b"_\r\n")
            s.sendall(b"HELLO 2\r\n")
            self.assertEqual(f.readline(), b"*14\r\n")

    def test_scan_iter(self):
        pipe = self.r.pipeline(transaction=False)
        for i in range(1000):
            pipe.set("user:%d" % i, i)
        for i in range(100):
            pipe.set("other:%d" % i, i)
        pipe.execute()
        found = list(self.r.scan_iter(match="user:*", count=50))
        self.assertEqual(len(found), len(set(found)), "SCAN returned a key twice")
        self.assertEqual(set(found), {("user:%d" % i).encode() for i in range(1000)})
        self.assertEqual(len(list(self.r.scan_iter())), 1100)

    def test_expiry(self):
        r = self.r
        self.assertTrue(r.set("ex", "v", ex=100))
        self.assertTrue(95 <= r.ttl("ex") <= 100)
        self.assertTrue(r.set("px", "v", px=300))
        self.assertTrue(0 < r.pttl("px") <= 300)
        r.set("persist", "v")
        self.assertEqual(r.ttl("persist"), -1)
        self.assertEqual(r.ttl("missing"), -2)
        self.assertTrue(r.expire("persist", 100))
        self.assertTrue(r.persist("persist"))
        self.assertEqual(r.ttl("persist"), -1)
        time.sleep(0.5)
        self.assertIsNone(r.get("px"))
        self.assertEqual(r.exists("px"), 0)
        self.assertEqual(r.dbsize(), 2)

    def test_many_threads_share_a_pool(self):
        pool = redis.ConnectionPool(port=STRATA.port, max_connections=16)
        errors = []

        def work():
            try:
                c = redis.Redis(connection_pool=pool)
                for _ in range(200):
                    c.incr("counter")
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(self.r.get("counter"), b"1600")
        pool.disconnect()

    def test_connection_commands(self):
        self.assertTrue(self.r.ping())
        self.assertEqual(self.r.echo("hi"), b"hi")
        self.assertTrue(self.r.client_setname("py-client"))
        self.assertEqual(self.r.client_getname(), "py-client")
        r1 = redis.Redis(port=STRATA.port, db=1)
        r1.set("only-in-1", "v")
        self.assertIsNone(self.r.get("only-in-1"))
        self.assertEqual(r1.get("only-in-1"), b"v")
        r1.close()

    def next_message(self, p, timeout=10):
        """The next message of PubSub p (confirmations included); fails the test after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = p.get_message(timeout=0.1)
            if m is not None:
                return m
        self.fail("no pub/sub message within %gs" % timeout)

    def test_pubsub(self):
        p = self.r.pubsub()
        p.subscribe("news")
        self.assertEqual(self.next_message(p), {"type": "subscribe", "pattern": None, "channel": b"news", "data": 1})
        p.psubscribe("weather.*")
        self.assertEqual(self.next_message(p),
                         {"type": "psubscribe", "pattern": None, "channel": b"weather.*", "data": 2})
        self.assertEqual(self.r.publish("news", "hello"), 1)
        self.assertEqual(self.r.publish("weather.rain", "wet"), 1)
        self.assertEqual(self.r.publish("sport", "nobody"), 0)
        self.assertEqual(self.next_message(p), {"type": "message", "pattern": None, "channel": b"news", "data": b"hello"})
        self.assertEqual(self.next_message(p),
                         {"type": "pmessage", "pattern": b"weather.*", "channel": b"weather.rain", "data": b"wet"})
        self.assertEqual(self.r.pubsub_numsub("news"), [(b"news", 1)])
        self.assertEqual(self.r.pubsub_numpat(), 1)
        self.assertEqual(self.r.pubsub_channels(), [b"news"])
        p.unsubscribe("news")
        self.assertEqual(self.next_message(p), {"type": "unsubscribe", "pattern": None, "channel": b"news", "data": 1})
        p.punsubscribe()
        self.assertEqual(self.next_message(p),
                         {"type": "punsubscribe", "pattern": None, "channel": b"weather.*", "data": 0})
        self.assertEqual(self.r.publish("news", "late"), 0)
        p.close()

    def test_keyspace_notifications(self):
        r = self.r
        r.config_set("notify-keyspace-events", "KEA")
        try:
            p = r.pubsub()
            p.psubscribe("__key*@0__:*")
            self.next_message(p)  # the confirmation

            def expect(*pairs):
                for channel, data in pairs:
                    m = self.next_message(p)
                    self.assertEqual((m["type"], m["channel"], m["data"]), ("pmessage", channel, data))

            r.set("k", "v")
            expect((b"__keyspace@0__:k", b"set"), (b"__keyevent@0__:set", b"k"))
            r.expire("k", 100)
            expect((b"__keyspace@0__:k", b"expire"), (b"__keyevent@0__:expire", b"k"))
            r.delete("k")
            expect((b"__keyspace@0__:k", b"del"), (b"__keyevent@0__:del", b"k"))
            r.set("short", "v", px=50)
            expect((b"__keyspace@0__:short", b"set"), (b"__keyevent@0__:set", b"short"),
                   (b"__keyspace@0__:short", b"expire"), (b"__keyevent@0__:expire", b"short"))
            # Nobody reads the key: the active expiry cycle removes it and announces it.
            expect((b"__keyspace@0__:short", b"expired"), (b"__keyevent@0__:expired", b"short"))
            # With active expiry paused, the key stays until a lookup finds it past its deadline:
            # GET removes it, announces it, and answers nil.
            r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 0)
            r.set("lazy", "v", px=20)
            expect((b"__keyspace@0__:lazy", b"set"), (b"__keyevent@0__:set", b"lazy"),
                   (b"__keyspace@0__:lazy", b"expire"), (b"__keyevent@0__:expire", b"lazy"))
            time.sleep(0.05)  # past the deadline (any lookup, PTTL too, would remove the key)
            self.assertEqual(r.dbsize(), 1)  # still in the table: DBSIZE counts without looking up
            self.assertIsNone(r.get("lazy"))
            expect((b"__keyspace@0__:lazy", b"expired"), (b"__keyevent@0__:expired", b"lazy"))
            self.assertEqual(r.dbsize(), 0)
            p.close()
        finally:
            r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 1)
            r.config_set("notify-keyspace-events", "")


def main():
    global STRATA
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", required=True)
    args = ap.parse_args()
    try:
        STRATA = StrataServer(os.path.abspath(args.strata))
    except RuntimeError as e:
        print("FAIL redis-py: %s" % e)
        print("redis-py: 0 passed, 1 failed")
        return 1
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(RedisPyTest)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    # A skipped test counts as failed: a test may not opt out of failing.
    failed = len(result.failures) + len(result.errors) + len(result.skipped) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed
    problems = STRATA.stop(keep_log=failed > 0)
    if problems:
        print("FAIL the server ran clean: %s" % "\n".join(problems))
        failed += 1
    print("redis-py: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
