#!/usr/bin/env python3
"""Snapshots side by side: Strata against redis-server, interleaved runs (A B A B), medians.

    bench/persistence.py [--strata build/src/strata-server] [--redis redis-server] [--runs 3]
                         [--keys 1000000] [--dataset strings|mixed ...] [--only redis|strata]

Datasets: "strings" is --keys small strings (`key:%07d` -> 16 bytes); "mixed" is --keys/5 keys,
a fifth each strings, small hashes, lists, sets of integers and sorted sets (5 elements each, a
listpack or an intset), plus 20 large ones of each collection type (2,000 elements).

For each run and server, on a fresh server holding the dataset:
  bgsave s      BGSAVE sent to LASTSAVE changed (polled every 2 ms)
  bgsave_time   rdb_last_bgsave_time_sec (whole seconds, as the server counts it)
  fork stall ms the longest PING round trip of a client pinging in a tight loop from before the
                BGSAVE until it ended: the parent's stall around fork()
  fork usec     latest_fork_usec
  cow bytes     rdb_last_cow_size of a second BGSAVE run while a client overwrites string keys
  save s        SAVE's round trip
  file bytes    the dump's size
  load s        a new process on a copy of the dump: exec to the first PING answered +PONG (not
                -LOADING)
  load redis-file s  the same, both servers loading the dump redis-server wrote in that run (the
                same bytes: parse and insert speed alone)
A figure a server cannot produce (a failed save) shows as "-", the error on stderr.
Then the median per figure and server, and the ratio Strata/Redis (targets in issue 7: save and
load <= 0.5, file <= 1, fork stall <= 1). Nothing here asserts a number.
"""
import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from common import Client, ReplyError, ServerProc, encode, free_port, median, pipeline

FIGURES = ["bgsave s", "bgsave_time", "fork stall ms", "fork usec", "cow bytes", "save s", "file bytes", "load s",
           "load redis-file s"]
OPTIONS = ["--save", "", "--appendonly", "no"]  # no save points: the benchmark saves explicitly


def string_commands(keys):
    value = b"v" * 16
    for i in range(keys):
        yield encode(b"SET", b"key:%07d" % i, value)


def mixed_commands(keys):
    per_type = keys // 5
    for i in range(per_type):
        yield encode(b"SET", b"key:%07d" % i, b"value %d" % i)
        yield encode(b"HSET", b"hash:%07d" % i, *[x for f in range(5) for x in (b"f%d" % f, b"v%d" % (i + f))])
        yield encode(b"RPUSH", b"list:%07d" % i, *[b"item %d" % (i + e) for e in range(5)])
        yield encode(b"SADD", b"set:%07d" % i, *range(i, i + 5))
        yield encode(b"ZADD", b"zset:%07d" % i, *[x for m in range(5) for x in (m * 1.5, b"m%d" % (i + m))])
    for i in range(20):
        yield encode(b"HSET", b"bighash:%d" % i, *[x for f in range(2000) for x in (b"field%d" % f, b"v%d" % f)])
        yield encode(b"RPUSH", b"biglist:%d" % i, *[b"element %d" % e for e in range(2000)])
        yield encode(b"SADD", b"bigset:%d" % i, *[b"member %d" % e for e in range(2000)])
        yield encode(b"ZADD", b"bigzset:%d" % i, *[x for m in range(2000) for x in (m, b"m%d" % m)])


DATASETS = {"strings": string_commands, "mixed": mixed_commands}


class Pinger:
    """PINGs in a tight loop on a connection of its own until stop(); keeps the longest round trip."""

    def __init__(self, port):
        self.client = Client(port)
        self.longest = 0.0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            t = time.perf_counter()
            self.client.call(b"PING")
            self.longest = max(self.longest, time.perf_counter() - t)

    def stop(self):
        self.running = False
        self.thread.join()
        self.client.close()
        return self.longest


class Overwriter:
    """Overwrites random `key:%07d` string keys in pipelined batches until stop()."""

    def __init__(self, port, keys):
        self.client = Client(port)
        self.keys = keys
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        rng = random.Random(1)
        while self.running:
            self.client.pipeline([encode(b"SET", b"key:%07d" % rng.randrange(self.keys), b"w" * 16)
                                  for _ in range(500)])

    def stop(self):
        self.running = False
        self.thread.join()
        self.client.close()


def bgsave(client, timeout=600):
    """Runs a BGSAVE and waits for LASTSAVE to change; returns the seconds it took. LASTSAVE
    counts seconds: wait first for the server's clock to pass the last save."""
    before = int(client.call(b"LASTSAVE"))
    while int(client.call(b"TIME")[0]) <= before:
        time.sleep(0.01)
    start = time.perf_counter()
    client.call(b"BGSAVE")
    while int(client.call(b"LASTSAVE")) == before:
        if time.perf_counter() - start > timeout:
            raise RuntimeError("BGSAVE did not finish within %ds" % timeout)
        if client.info(b"persistence")["rdb_bgsave_in_progress"] == "0" and int(client.call(b"LASTSAVE")) == before:
            raise RuntimeError("BGSAVE failed: rdb_last_bgsave_status:%s" %
                               client.info(b"persistence")["rdb_last_bgsave_status"])
        time.sleep(0.002)
    elapsed = time.perf_counter() - start
    status = client.info(b"persistence")["rdb_last_bgsave_status"]
    if status != "ok":
        raise RuntimeError("rdb_last_bgsave_status:%s" % status)
    return elapsed


def load_time(binary, dump):
    """Starts binary on a copy of dump; returns the seconds from exec to the first +PONG."""
    directory = tempfile.mkdtemp(prefix="bench-load-")
    shutil.copy(dump, os.path.join(directory, "dump.rdb"))
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "--port", str(port), "--dir", directory] + OPTIONS,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("%s exited loading the dump (status %d)" % (binary, proc.returncode))
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(100).startswith(b"+PONG"):
                        return time.perf_counter() - start
            except OSError:
                pass
            time.sleep(0.001)
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(directory, ignore_errors=True)


def measure(name, binary, dataset, keys, out):
    """One run of every figure but "load redis-file s" on a fresh server, into `out` {figure:
    value} as they come (a failure leaves the later ones out). Returns a copy of the dump."""
    server = ServerProc(name, [binary] + OPTIONS)
    client = Client(server.port, timeout=600)
    try:
        pipeline(server.port, DATASETS[dataset](keys), batch=200)
        pinger = Pinger(server.port)
        try:
            time.sleep(0.1)  # the pinger's round trips before the fork set the baseline it must beat
            out["bgsave s"] = bgsave(client)
        finally:
            stall = pinger.stop()
        out["fork stall ms"] = stall * 1000
        persistence, stats = client.info(b"persistence"), client.info(b"stats")
        out["bgsave_time"] = int(persistence["rdb_last_bgsave_time_sec"])
        out["fork usec"] = int(stats["latest_fork_usec"])
        writer = Overwriter(server.port, keys // 5 if dataset == "mixed" else keys)
        try:
            bgsave(client)
        finally:
            writer.stop()
        out["cow bytes"] = int(client.info(b"persistence")["rdb_last_cow_size"])
        start = time.perf_counter()
        client.call(b"SAVE")
        out["save s"] = time.perf_counter() - start
        dump = os.path.join(server.dir, "dump.rdb")
        out["file bytes"] = os.path.getsize(dump)
        copy = os.path.join(tempfile.mkdtemp(prefix="bench-dump-"), "dump.rdb")
        shutil.copy(dump, copy)
        out["load s"] = load_time(binary, copy)
        return copy
    finally:
        client.close()
        server.stop()


def fmt(value):
    if isinstance(value, float):
        return "%.3f" % value
    return "%d" % value


def report(dataset, keys, samples):
    print("\n%s, %d keys requested (medians of %s runs)" % (dataset, keys, "/".join(
        "%s %d" % (n, len(s)) for n, s in samples.items())))
    print("%-18s %14s %14s %7s" % ("figure", "redis", "strata", "ratio"))
    for figure in FIGURES:
        cells = {}
        for n, runs in samples.items():
            values = [run[figure] for run in runs if figure in run]
            cells[n] = median(values) if values else None
        r, st = cells.get("redis"), cells.get("strata")
        ratio = "%.2f" % (st / r) if r and st is not None else "-"
        print("%-18s %14s %14s %7s" % (figure, fmt(r) if r is not None else "-", fmt(st) if st is not None else "-",
                                       ratio))
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/src/strata-server")
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--dataset", action="append", choices=sorted(DATASETS))
    ap.add_argument("--only", choices=["redis", "strata"], help="measure one server alone")
    args = ap.parse_args()
    servers = [(n, b) for n, b in (("redis", args.redis), ("strata", args.strata)) if args.only in (None, n)]
    failed = False
    for dataset in args.dataset or ["strings", "mixed"]:
        samples = {n: [] for n, _ in servers}
        for _ in range(args.runs):
            dumps = {}
            for name, binary in servers:  # interleaved: A B A B
                samples[name].append({})
                try:
                    dumps[name] = measure(name, binary, dataset, args.keys, samples[name][-1])
                except (RuntimeError, ReplyError, OSError) as e:
                    print("%s, %s: %s" % (name, dataset, e), file=sys.stderr)
                    failed = True
            for name, binary in servers:
                if "redis" in dumps:
                    samples[name][-1]["load redis-file s"] = load_time(binary, dumps["redis"])
            for dump in dumps.values():
                shutil.rmtree(os.path.dirname(dump), ignore_errors=True)
        report(dataset, args.keys, samples)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
