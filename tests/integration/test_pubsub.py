#!/usr/bin/python3
"""Pub/sub with real clients across io-threads.

Usage: test_pubsub.py [--strata build/src/strata-server] [--port P] [--io-threads 4] [--attach PORT]

Starts the server on a free port (from $STRATA_TEST_PORTS when it is set) or --port, with
--io-threads 4, so the connections of one check (handed to io-threads round robin) land on
different threads. Prints one line per check and ends with "pubsub: N passed, N failed"; exits
non-zero on failure. The last check is that the server ran clean (no exit, status 0 when stopped,
no sanitizer report: run it with --strata build-tsan/src/strata-server under ThreadSanitizer).
--attach runs the checks against a server already listening on PORT (redis-server, to check the
checks).
"""
import socket
import sys
import time

from testlib import Background, Closed, Conn, encode, expect, expect_eq, run_checks, value, wait_until

PORT = 0


def read_message(c):
    return value(c.read_reply()[1])


def subscribe(c, verb, *names):
    """Sends VERB names... on c and reads the confirmations."""
    c.send(encode(verb, *names))
    for name in names:
        reply = read_message(c)
        expect_eq(reply[:2], [verb.lower().encode(), name.encode()], "%s confirmation" % verb)


def numsub(admin, channel):
    return int(admin.call("PUBSUB", "NUMSUB", channel)[1])


def info_field(admin, section, field):
    for line in admin.call("INFO", section).decode().splitlines():
        if line.startswith(field + ":"):
            return int(line.split(":", 1)[1])
    raise AssertionError("INFO %s has no %s" % (section, field))


# ---- Checks. Each uses fresh connections and its own channels.


def check_per_publisher_order():
    """Publishers on several threads publish at once; every subscriber, channel and pattern ones on
    every thread, receives every message, each publisher's in the order it published them."""
    n_pubs, per_pub, n_subs = 6, 3000, 8
    subs = [Conn(PORT, timeout=60) for _ in range(n_subs)]
    for i, s in enumerate(subs):
        if i % 2:
            subscribe(s, "PSUBSCRIBE", "ord*")
        else:
            subscribe(s, "SUBSCRIBE", "order")

    def publish(p):
        c = Conn(PORT, timeout=60)
        receivers = set()
        for start in range(0, per_pub, 100):
            c.send(b"".join(encode("PUBLISH", "order", "%d:%d" % (p, seq)) for seq in range(start, start + 100)))
            for _ in range(100):
                receivers.add(int(read_message(c)))
        c.close()
        return receivers

    def consume(s):
        next_seq = [0] * n_pubs
        disorder = 0
        for _ in range(n_pubs * per_pub):
            msg = read_message(s)
            pub, seq = (int(x) for x in msg[-1].split(b":"))
            if seq != next_seq[pub]:
                disorder += 1
            next_seq[pub] = seq + 1
        return disorder, next_seq

    consumers = [Background(lambda s=s: consume(s)) for s in subs]
    start = time.monotonic()
    publishers = [Background(lambda p=p: publish(p)) for p in range(n_pubs)]
    for p in publishers:
        expect_eq(p.result(120), {n_subs}, "PUBLISH replies (receivers)")
    for i, c in enumerate(consumers):
        disorder, ends = c.result(120)
        expect_eq(disorder, 0, "subscriber %d: messages out of publication order" % i)
        expect_eq(ends, [per_pub] * n_pubs, "subscriber %d: last sequence seen per publisher" % i)
    took = time.monotonic() - start
    for s in subs:
        s.close()
    return "%d publishers x %d messages to %d subscribers in %.1fs" % (n_pubs, per_pub, n_subs, took)


def check_patterns():
    """Pattern subscriptions across threads: pmessage with the matching pattern, once per matching
    pattern, none for a channel no pattern matches."""
    s, pub = Conn(PORT), Conn(PORT)
    subscribe(s, "PSUBSCRIBE", "news.*", "*.sport", "x?z")
    expect_eq(pub.call("PUBLISH", "news.sport", "both"), b"2", "receivers of news.sport")
    expect_eq(pub.call("PUBLISH", "weather", "none"), b"0", "receivers of weather")
    expect_eq(pub.call("PUBLISH", "xyz", "one"), b"1", "receivers of xyz")
    got = sorted(tuple(read_message(s)) for _ in range(3))
    expect_eq(got, [(b"pmessage", b"*.sport", b"news.sport", b"both"), (b"pmessage", b"news.*", b"news.sport", b"both"),
                    (b"pmessage", b"x?z", b"xyz", b"one")], "messages")
    expect_eq(pub.call("PUBSUB", "NUMPAT"), b"3", "PUBSUB NUMPAT")
    s.close()
    pub.close()


def publish_firehose(pub, admin, megabytes):
    """Publishes `megabytes` MB on "firehose" in 64 KB messages, 64 per pipelined batch, and returns
    the server's largest RSS seen after a batch."""
    payload = "x" * 65536
    peak = 0
    for _ in range(megabytes // 4):
        pub.send(b"".join(encode("PUBLISH", "firehose", payload) for _ in range(64)))
        for _ in range(64):
            read_message(pub)
        peak = max(peak, info_field(admin, "memory", "used_memory_rss"))
    return peak


def check_slow_subscriber_cut():
    """A subscriber that never reads is disconnected by the pubsub output limit (8 MB here) while
    the publisher goes on; the server's RSS stays bounded though 64 times the limit is published."""
    limit = 8 << 20
    admin = Conn(PORT)
    admin.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub %d 0 0" % limit)
    slow = socket.create_connection(("127.0.0.1", PORT))
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.sendall(encode("SUBSCRIBE", "firehose"))
    wait_until(lambda: numsub(admin, "firehose") == 1, "the slow subscriber subscribed")
    rss_before = info_field(admin, "memory", "used_memory_rss")
    pub = Conn(PORT, timeout=60)
    growth = publish_firehose(pub, admin, 512) - rss_before
    wait_until(lambda: numsub(admin, "firehose") == 0, "the slow subscriber was disconnected")
    admin.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60")
    # The bound leaves room for the buffers' doubling growth, the allocator's slack and a
    # ThreadSanitizer build's shadow memory (about 3.5 bytes per byte touched; seen: 130 MB).
    expect(growth < 24 * limit, "RSS grew by %d MB while publishing 512 MB" % (growth >> 20))
    slow.close()
    pub.close()
    return "RSS grew by %d MB" % (growth >> 20)


def check_stalled_thread_inbox_bounded():
    """Messages published on one io-thread for a subscriber on another wait in that thread's inbox
    until it drains it. While the subscriber's thread is stalled (DEBUG SLEEP from a client on the
    same thread), the inbox must stop taking the subscriber's messages at the hard limit (8 MB
    here) and the subscriber must be cut once the thread runs again: a server whose inbox grows
    without bound holds all 384 MB published meanwhile (bound: 24 times the limit, as above). Connections go to io-threads round robin,
    so every io-threads-th connection shares one; a probe on the stalled thread proves the stall."""
    limit = 8 << 20
    admin = Conn(PORT)
    admin.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub %d 0 0" % limit)
    slow = socket.create_connection(("127.0.0.1", PORT))
    slow.sendall(encode("SUBSCRIBE", "firehose"))
    wait_until(lambda: numsub(admin, "firehose") == 1, "the subscriber subscribed")
    threads = int(admin.call("CONFIG", "GET", "io-threads")[1])
    others = [Conn(PORT) for _ in range(threads - 1)]
    sleeper = Conn(PORT, timeout=60)
    others += [Conn(PORT) for _ in range(threads - 1)]
    probe = Conn(PORT, timeout=0.5)
    pub = Conn(PORT, timeout=60)  # on another thread than the subscriber's
    rss_before = info_field(admin, "memory", "used_memory_rss")
    sleeper.send(encode("DEBUG", "SLEEP", "5"))
    probe.send(encode("PING"))
    try:
        probe.read_reply()
        raise AssertionError("the probe was answered: the subscriber's thread is not the one stalled")
    except Closed:
        pass  # timed out: its thread is stalled
    peak = publish_firehose(pub, admin, 384)
    expect_eq(sleeper.read_reply()[0], b"+OK\r\n", "DEBUG SLEEP")
    wait_until(lambda: numsub(admin, "firehose") == 0, "the subscriber was disconnected")
    admin.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60")
    growth = peak - rss_before
    expect(growth < 24 * limit, "RSS grew by %d MB while the subscriber's thread stalled" % (growth >> 20))
    for c in others + [sleeper, probe, pub]:
        c.close()
    slow.close()
    return "RSS grew by %d MB while 384 MB waited for a stalled thread" % (growth >> 20)


def check_soft_limit():
    """Past the soft limit for longer than its seconds, a subscriber is cut though under the hard
    limit; a subscriber that reads stays."""
    admin = Conn(PORT)
    admin.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 256kb 1")
    try:
        slow = socket.create_connection(("127.0.0.1", PORT))
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.sendall(encode("SUBSCRIBE", "soft"))
        reader = Conn(PORT)
        subscribe(reader, "SUBSCRIBE", "soft")
        wait_until(lambda: numsub(admin, "soft") == 2, "both subscribed")
        pub = Conn(PORT)
        payload = "y" * 16384
        start = time.monotonic()
        # About 4 MB over 3 s: far past the soft limit for the slow one, never past any hard one.
        while numsub(admin, "soft") == 2 and time.monotonic() - start < 10:
            pub.call("PUBLISH", "soft", payload)
            read_message(reader)
            time.sleep(0.01)
        took = time.monotonic() - start
        expect_eq(numsub(admin, "soft"), 1, "subscribers left")
        expect(took > 1, "cut after %.2fs, before the soft limit's second" % took)
        expect_eq(pub.call("PUBLISH", "soft", "still"), b"1", "the reading subscriber stays")
        expect_eq(read_message(reader), [b"message", b"soft", b"still"], "its next message")
        for c in (slow, reader, pub):
            c.close()
        return "cut after %.1fs" % took
    finally:
        admin.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60")


def check_unsubscribe_on_disconnect():
    """A closed subscriber's channels, patterns and shard channels are gone from PUBSUB and INFO."""
    admin = Conn(PORT)
    # The earlier checks' subscribers are closed, and a close is handled by the subscriber's thread
    # in its own time: wait for them, then nothing else may be subscribed.
    wait_until(lambda: info_field(admin, "stats", "pubsub_channels") + info_field(admin, "stats", "pubsub_patterns") == 0,
               "the earlier checks' subscribers gone")
    base_channels = base_patterns = 0
    subs = [Conn(PORT) for _ in range(4)]
    for i, s in enumerate(subs):
        subscribe(s, "SUBSCRIBE", "gone%d" % i, "gone")
        subscribe(s, "PSUBSCRIBE", "gone-pattern%d*" % i)
        subscribe(s, "SSUBSCRIBE", "gone-shard")
    expect_eq(admin.call("PUBSUB", "NUMSUB", "gone"), [b"gone", b"4"], "NUMSUB while subscribed")
    expect_eq(info_field(admin, "stats", "pubsub_channels"), base_channels + 5, "pubsub_channels while subscribed")
    expect_eq(info_field(admin, "stats", "pubsub_patterns"), base_patterns + 4, "pubsub_patterns while subscribed")
    expect_eq(admin.call("PUBSUB", "SHARDNUMSUB", "gone-shard"), [b"gone-shard", b"4"], "SHARDNUMSUB while subscribed")
    for s in subs:
        s.close()
    wait_until(lambda: numsub(admin, "gone") == 0, "NUMSUB after the disconnects")
    wait_until(lambda: info_field(admin, "stats", "pubsub_patterns") == base_patterns, "pubsub_patterns")
    expect_eq(info_field(admin, "stats", "pubsub_channels"), base_channels, "pubsub_channels after")
    expect_eq(admin.call("PUBSUB", "SHARDNUMSUB", "gone-shard"), [b"gone-shard", b"0"], "SHARDNUMSUB after")
    expect_eq(admin.call("PUBLISH", "gone", "x"), b"0", "receivers after")


def check_active_expiry_notifies():
    """`expired` is published when the active expiry cycle removes a key no client touches, to a
    subscriber on another thread."""
    admin = Conn(PORT)
    s = Conn(PORT)
    admin.call("CONFIG", "SET", "notify-keyspace-events", "Ex")
    try:
        subscribe(s, "SUBSCRIBE", "__keyevent@0__:expired")
        admin.call("SET", "short-lived", "v", "PX", 50)
        expect_eq(read_message(s), [b"message", b"__keyevent@0__:expired", b"short-lived"], "notification")
        expect_eq(admin.call("EXISTS", "short-lived"), b"0", "EXISTS after the notification")
    finally:
        admin.call("CONFIG", "SET", "notify-keyspace-events", "")
    s.close()


CHECKS = [
    ("per-publisher order at every subscriber across io-threads", check_per_publisher_order),
    ("pattern subscriptions", check_patterns),
    ("a subscriber that never reads is cut by the output limit; RSS stays bounded", check_slow_subscriber_cut),
    ("a stalled io-thread's inbox stops at the output limit", check_stalled_thread_inbox_bounded),
    ("a subscriber past the soft limit for its seconds is cut", check_soft_limit),
    ("a disconnected subscriber leaves nothing behind", check_unsubscribe_on_disconnect),
    ("active expiry publishes expired", check_active_expiry_notifies),
]


def use_port(port):
    global PORT
    PORT = port


if __name__ == "__main__":
    sys.exit(run_checks("pubsub", CHECKS, use_port, server_args=["--enable-debug-command", "yes"]))
