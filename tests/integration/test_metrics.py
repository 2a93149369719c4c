#!/usr/bin/python3
"""The HTTP metrics endpoint (metrics-port) and per-prefix statistics (stats-prefixes).

Usage: test_metrics.py [--strata build/src/strata-server] [--io-threads N]

Starts Strata with a metrics port (both from $STRATA_TEST_PORTS when set), scrapes /metrics and
parses it with Debian's python3-prometheus-client (a real Prometheus text parser), and checks the
figures against INFO and against the traffic sent; /healthz and /readyz (also 503 after a failed
background save); 400, 431, 404 and 405 with their closes; keep-alive; that a scraper that never
reads blocks neither another scrape nor the data port; the bearer token; INFO prefixstats and the
strata_prefix_* metrics. Prints one line per check and ends with "metrics: N passed, N failed".
"""
import argparse
import http.client
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time

import redis
from prometheus_client.parser import text_string_to_metric_families

from testlib import Server, Tally, free_port

REQUIRED = [
    "redis_up", "redis_uptime_in_seconds", "redis_connected_clients", "redis_blocked_clients",
    "redis_memory_used_bytes", "redis_memory_used_rss_bytes", "redis_memory_max_bytes",
    "redis_keyspace_hits_total", "redis_keyspace_misses_total", "redis_evicted_keys_total",
    "redis_expired_keys_total", "redis_commands_processed_total", "redis_connections_received_total",
    "redis_commands_total", "redis_commands_duration_seconds_total", "redis_db_keys", "redis_db_keys_expiring",
    "redis_rdb_last_bgsave_status", "redis_rdb_last_save_timestamp_seconds", "redis_rdb_changes_since_last_save",
    "redis_net_input_bytes_total", "redis_net_output_bytes_total", "strata_stripe_keys", "strata_stripe_imbalance",
]


def get(port, path, headers=None, method="GET"):
    """(status, headers dict, body bytes) of one request on a fresh connection."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def scrape(port, headers=None):
    """{(sample name, frozenset of labels): value} of one /metrics scrape, parsed by prometheus_client;
    also checks every family has HELP and TYPE."""
    status, hdrs, body = get(port, "/metrics", headers)
    assert status == 200, "status %d" % status
    assert hdrs["content-type"].startswith("text/plain; version=0.0.4"), hdrs["content-type"]
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        assert family.documentation, "%s has no HELP" % family.name
        assert family.type in ("gauge", "counter"), "%s has type %s" % (family.name, family.type)
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


def value(samples, name, default=None, **labels):
    """The sample's value; `default` when it is absent (a command never called has none), else
    absent is a failure."""
    key = (name, frozenset(labels.items()))
    if key not in samples and default is not None:
        return default
    assert key in samples, "no sample %s%s" % (name, labels or "")
    return samples[key]


def raw_exchange(port, data, timeout=5):
    """Sends `data` on a fresh connection and reads until the server closes it. Returns (bytes
    received, whether it closed)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        got = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                return got, True
            except socket.timeout:
                return got, False
            if not chunk:
                return got, True
            got += chunk
        return got, False
    finally:
        s.close()


class Checks:
    def __init__(self, data_port, metrics_port, strata, io_threads):
        self.port = data_port
        self.mport = metrics_port
        self.strata = strata
        self.io_threads = io_threads
        self.r = redis.Redis(port=data_port, socket_timeout=10)

    def every_metric_parses(self):
        self.r.set("a", "1")  # the per-database families list non-empty databases
        samples = scrape(self.mport)
        names = {name for name, _ in samples}
        missing = [m for m in REQUIRED if m not in names]
        assert not missing, "missing %s" % missing
        assert value(samples, "redis_up") == 1
        stripes = [k for k in samples if k[0] == "strata_stripe_keys"]
        assert len(stripes) == 1024, len(stripes)
        return "%d samples" % len(samples)

    def values_move_with_load(self):
        self.r.flushall()
        before = scrape(self.mport)
        for i in range(100):
            self.r.set("k%d" % i, "v")
        for i in range(50):
            assert self.r.get("k%d" % i) == b"v"
        for i in range(10):
            assert self.r.get("missing%d" % i) is None
        self.r.set("ttl", "v", ex=100)
        after = scrape(self.mport)
        delta = lambda name, **l: value(after, name, **l) - value(before, name, 0, **l)  # noqa: E731
        assert delta("redis_keyspace_hits_total") == 50, delta("redis_keyspace_hits_total")
        assert delta("redis_keyspace_misses_total") == 10, delta("redis_keyspace_misses_total")
        assert delta("redis_commands_total", cmd="set") == 101, delta("redis_commands_total", cmd="set")
        assert delta("redis_commands_total", cmd="get") == 60
        assert delta("redis_commands_processed_total") >= 161
        assert delta("redis_net_input_bytes_total") > 100 * len(b"*3\r\n$3\r\nSET\r\n")
        assert delta("redis_commands_duration_seconds_total", cmd="set") > 0
        assert value(after, "redis_db_keys", db="db0") == 101
        assert value(after, "redis_db_keys_expiring", db="db0") == 1
        assert sum(v for k, v in after.items() if k[0] == "strata_stripe_keys") == 101
        assert value(after, "strata_stripe_imbalance") >= 1
        assert value(after, "redis_rdb_changes_since_last_save") >= 101

    def agrees_with_info(self):
        info = self.r.info("all")
        samples = scrape(self.mport)
        for field, metric in [("keyspace_hits", "redis_keyspace_hits_total"),
                              ("keyspace_misses", "redis_keyspace_misses_total"),
                              ("expired_keys", "redis_expired_keys_total"),
                              ("evicted_keys", "redis_evicted_keys_total"),
                              ("connected_clients", "redis_connected_clients"),
                              ("rdb_last_save_time", "redis_rdb_last_save_timestamp_seconds")]:
            assert info[field] == value(samples, metric), "%s: INFO %s, metric %s" % (
                field, info[field], value(samples, metric))
        assert info["cmdstat_set"]["calls"] == value(samples, "redis_commands_total", cmd="set")
        # INFO itself ran once more before the scrape.
        assert value(samples, "redis_commands_processed_total") == info["total_commands_processed"] + 1

    def probes(self):
        status, hdrs, body = get(self.mport, "/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"}), (status, body)
        assert hdrs["content-type"] == "application/json"
        status, _, body = get(self.mport, "/readyz")
        assert (status, json.loads(body)) == (200, {"status": "ready"}), (status, body)

    def readyz_after_failed_bgsave(self):
        workdir = tempfile.mkdtemp(prefix="strata-metrics-")
        mport = free_port()
        server = Server([self.strata, "--dir", workdir, "--save", "3600 1", "--metrics-port", str(mport)])
        try:
            r = redis.Redis(port=server.port, socket_timeout=10)
            r.set("a", "1")
            assert get(mport, "/readyz")[0] == 200
            shutil.rmtree(workdir)  # the child cannot write its temp file in a removed directory
            r.bgsave()
            deadline = time.monotonic() + 10
            while r.info("persistence")["rdb_last_bgsave_status"] != "err":
                assert time.monotonic() < deadline, "the background save did not fail"
                time.sleep(0.05)
            status, _, body = get(mport, "/readyz")
            assert (status, json.loads(body)) == (503, {"status": "refusing writes"}), (status, body)
            assert get(mport, "/healthz")[0] == 200
            assert value(scrape(mport), "redis_rdb_last_bgsave_status") == 0
            r.config_set("save", "")  # else SIGTERM's save fails too and the server stays up
        finally:
            problems = server.stop()
            shutil.rmtree(workdir, ignore_errors=True)
        assert not problems, problems

    def errors_and_closes(self):
        got, closed = raw_exchange(self.mport, b"garbage\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 400 Bad Request\r\n") and closed, got
        got, closed = raw_exchange(self.mport, b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 431 ") and closed, got[:100]
        got, closed = raw_exchange(self.mport, b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 431 ") and closed, got[:100]
        assert get(self.mport, "/nope")[0] == 404
        status, hdrs, _ = get(self.mport, "/metrics", method="POST")
        assert status == 405 and hdrs["allow"] == "GET", (status, hdrs)
        # HTTP/1.0 without keep-alive: answered, then closed.
        got, closed = raw_exchange(self.mport, b"GET /healthz HTTP/1.0\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 200 OK\r\n") and b"Connection: close" in got and closed, got

    def keep_alive_and_pipelining(self):
        c = http.client.HTTPConnection("127.0.0.1", self.mport, timeout=10)
        try:
            for path in ["/healthz", "/metrics", "/readyz"]:
                c.request("GET", path)
                r = c.getresponse()
                r.read()
                assert r.status == 200 and r.getheader("Connection") == "keep-alive", (path, r.status)
            first = c.sock
            c.request("GET", "/healthz")
            c.getresponse().read()
            assert c.sock is first, "the connection was not kept"
        finally:
            c.close()
        # Three requests in one packet, three answers in order.
        got, _ = raw_exchange(self.mport, b"GET /healthz HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\n"
                                          b"GET /readyz HTTP/1.1\r\nConnection: close\r\n\r\n")
        statuses = re.findall(rb"HTTP/1\.1 (\d+) ", got)
        assert statuses == [b"200", b"404", b"200"], got

    def stalled_scraper_blocks_nothing(self):
        for i in range(2000):
            self.r.set("bulk:%d" % i, "x" * 100)
        stalled = socket.create_connection(("127.0.0.1", self.mport))
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.setblocking(False)
        request = b"GET /metrics HTTP/1.1\r\n\r\n"
        sent = 0
        deadline = time.monotonic() + 3
        try:
            # Pipelines scrapes without reading a byte, until the server stops taking them.
            while time.monotonic() < deadline:
                try:
                    sent += stalled.send(request * 64)
                except BlockingIOError:
                    time.sleep(0.01)
            start = time.monotonic()
            scrape(self.mport)
            scrape_s = time.monotonic() - start
            start = time.monotonic()
            assert self.r.ping()
            assert self.r.get("bulk:1") == b"x" * 100
            ping_s = time.monotonic() - start
            assert scrape_s < 5 and ping_s < 5, (scrape_s, ping_s)
        finally:
            stalled.close()
        # The server held one response for the stalled client, not a response per request sent.
        return "%d request bytes sent unread; scrape %.3fs, GET %.3fs meanwhile" % (sent, scrape_s, ping_s)

    def bearer_token(self):
        self.r.config_set("metrics-token", "s3cret")
        try:
            status, hdrs, _ = get(self.mport, "/metrics")
            assert status == 401 and hdrs["www-authenticate"] == "Bearer", (status, hdrs)
            assert get(self.mport, "/metrics", {"Authorization": "Bearer wrong"})[0] == 401
            assert get(self.mport, "/metrics", {"Authorization": "Bearer s3cret"})[0] == 200
            scrape(self.mport, {"Authorization": "Bearer s3cret"})
            assert get(self.mport, "/healthz")[0] == 200  # probes stay open
        finally:
            self.r.config_set("metrics-token", "")
        assert get(self.mport, "/metrics")[0] == 200

    def config_directives(self):
        got = self.r.config_get("metrics-*")
        assert got == {"metrics-port": str(self.mport), "metrics-bind": "127.0.0.1", "metrics-token": ""}, got
        try:
            self.r.config_set("metrics-port", str(self.mport + 1))
            raise AssertionError("CONFIG SET metrics-port was accepted")
        except redis.ResponseError as e:
            assert "can't set immutable config" in str(e), e


    def prefix_statistics(self):
        r = self.r
        r1 = redis.Redis(port=self.port, socket_timeout=10, db=1)
        r.flushall()
        r.set("user:0", "present before the prefixes are configured")
        r.config_set("stats-prefixes", "user: session: user:admin:")
        assert r.config_get("stats-prefixes") == {"stats-prefixes": "user: session: user:admin:"}
        assert "prefix0" not in r.info(), "a plain INFO prints prefixstats"
        assert "prefix0" in r.info("all") and "prefix0" in r.info("everything")
        r.set("user:1", "a")
        r.set("user:1", "b")  # a new value, not a new key
        r.set("user:admin:1", "a")
        r.set("session:a", "a", px=100)
        r.set("other", "a")
        r1.set("user:x", "a")
        assert r.get("user:1") == b"b" and r.get("user:2") is None
        assert r.get("user:admin:1") == b"a" and r.get("session:zz") is None and r.get("other") == b"a"
        assert r.mget("user:1", "user:3") == [b"b", None]
        time.sleep(0.2)
        assert r.get("session:a") is None  # expired by now, by this lookup or the active cycle

        def figures():
            info = r.info("prefixstats")
            return {v["prefix"]: (v["hits"], v["misses"], v["expired"], v["keys"]) for v in info.values()}
        want = {"user:": (2, 2, 0, 3), "session:": (0, 2, 1, 0), "user:admin:": (1, 0, 0, 1)}
        assert figures() == want, figures()
        samples = scrape(self.mport)
        for prefix, (hits, misses, expired, _) in want.items():
            assert value(samples, "strata_prefix_hits_total", prefix=prefix) == hits
            assert value(samples, "strata_prefix_misses_total", prefix=prefix) == misses
            assert value(samples, "strata_prefix_expired_keys_total", prefix=prefix) == expired
        assert value(samples, "strata_prefix_keys", prefix="user:", db="db0") == 2
        assert value(samples, "strata_prefix_keys", prefix="user:", db="db1") == 1
        assert value(samples, "strata_prefix_keys", prefix="user:admin:", db="db0") == 1
        assert ("strata_prefix_keys", frozenset({("prefix", "session:"), ("db", "db0")})) not in samples

        # A new set of prefixes: "user:" keeps its counts, "other" is counted from the keys present.
        r.config_set("stats-prefixes", "other user:")
        assert figures() == {"other": (0, 0, 0, 1), "user:": (2, 2, 0, 4)}, figures()
        r.delete("user:1")
        r1.flushdb()
        assert figures()["user:"][3] == 2, figures()
        r.swapdb(0, 1)
        assert value(scrape(self.mport), "strata_prefix_keys", prefix="user:", db="db1") == 2
        r.swapdb(0, 1)
        try:
            r.config_set("stats-prefixes", " ".join("p%d:" % i for i in range(65)))
            raise AssertionError("65 prefixes were accepted")
        except redis.ResponseError as e:
            assert "at most 64 prefixes" in str(e), e
        r.config_set("stats-prefixes", " ".join("p%d:" % i for i in range(64)))
        assert len(r.info("prefixstats")) == 64
        r.config_set("stats-prefixes", "")
        assert r.info("prefixstats") == {}
        assert not [k for k in scrape(self.mport) if k[0].startswith("strata_prefix_")]


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default=os.path.join(root, "build", "src", "strata-server"))
    ap.add_argument("--io-threads", type=int, default=2)
    args = ap.parse_args()
    tally = Tally()
    mport = free_port()
    try:
        server = Server([args.strata, "--io-threads", str(args.io_threads), "--metrics-port", str(mport)])
    except RuntimeError as e:
        tally.fail("server start", e)
        return tally.summary("metrics")
    checks = Checks(server.port, mport, args.strata, args.io_threads)
    try:
        for name in ["every_metric_parses", "values_move_with_load", "agrees_with_info", "probes",
                     "readyz_after_failed_bgsave", "errors_and_closes", "keep_alive_and_pipelining",
                     "stalled_scraper_blocks_nothing", "bearer_token", "config_directives", "prefix_statistics"]:
            tally.run(name, getattr(checks, name))
    finally:
        tally.server_stopped("the server ran clean", server)
    return tally.summary("metrics")


if __name__ == "__main__":
    sys.exit(main())
