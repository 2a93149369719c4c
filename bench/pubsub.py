#!/usr/bin/env python3
"""Pub/sub fan-out, Strata versus redis-server, interleaved (A B A B), medians of repeats.

    bench/pubsub.py [--strata build/src/strata-server] [--redis redis-server] [--repeats 3]
                    [--messages 100000] [--subscribers 50] [--size 16] [--batch 100]

One publisher publishes --messages messages of --size bytes on one channel, pipelined --batch at a
time; --subscribers connections subscribed to it read them (one process drains them all with
select, counting bytes). Prints, per server, messages delivered per second (published x
subscribers / time from the first PUBLISH until every subscriber has every byte) and the server's
CPU seconds, then the ratio Strata/Redis of the medians and the range of the ratios of each
interleaved pair. Nothing here asserts a number.
"""
import argparse
import multiprocessing
import selectors
import socket
import sys
import time

from common import Client, encode, median, start_server

CHANNEL = b"bench"


def message_frame(payload):
    """The bytes of one delivered message, as a RESP2 subscriber receives it."""
    return b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(CHANNEL), CHANNEL, len(payload), payload)


def subscribe_all(port, count):
    """`count` sockets subscribed to CHANNEL, their confirmations read."""
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(encode(b"SUBSCRIBE", CHANNEL))
        confirmation = b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(CHANNEL), CHANNEL)
        got = b""
        while len(got) < len(confirmation):
            got += s.recv(len(confirmation) - len(got))
        if got != confirmation:
            raise RuntimeError("unexpected SUBSCRIBE reply %r" % got)
        socks.append(s)
    return socks


def drain(socks, expected, ready, done):
    """Reads every socket until each has received `expected` bytes; sets `ready` once started and
    puts the finishing time on `done`."""
    sel = selectors.DefaultSelector()
    left = {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        left[s] = expected
    ready.set()
    while left:
        for key, _ in sel.select(timeout=60):
            s = key.fileobj
            n = len(s.recv(1 << 20))
            if n == 0:
                raise RuntimeError("a subscriber was disconnected")
            left[s] -= n
            if left[s] <= 0:
                sel.unregister(s)
                del left[s]
    done.put(time.monotonic())


def run_once(server, args):
    """Returns (messages delivered per second, server CPU seconds) of one fan-out."""
    payload = b"p" * args.size
    socks = subscribe_all(server.port, args.subscribers)
    # Forked, so the reader inherits the subscribed sockets as they are.
    mp = multiprocessing.get_context("fork")
    ready = mp.Event()
    done = mp.Queue()
    reader = mp.Process(target=drain,
                                     args=(socks, args.messages * len(message_frame(payload)), ready, done))
    reader.start()
    ready.wait()
    publisher = Client(server.port)
    command = encode(b"PUBLISH", CHANNEL, payload)
    cpu_before = server.cpu_seconds()
    start = time.monotonic()
    sent = 0
    while sent < args.messages:
        n = min(args.batch, args.messages - sent)
        publisher.send(command * n)
        for _ in range(n):
            if int(publisher.read()) != args.subscribers:
                raise RuntimeError("PUBLISH reached fewer subscribers than subscribed")
        sent += n
    finished = done.get(timeout=600)
    cpu = server.cpu_seconds() - cpu_before
    reader.join()
    publisher.close()
    for s in socks:
        s.close()
    return args.messages * args.subscribers / (finished - start), cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--strata", default="build/src/strata-server")
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--messages", type=int, default=100000)
    ap.add_argument("--subscribers", type=int, default=50)
    ap.add_argument("--size", type=int, default=16)
    ap.add_argument("--batch", type=int, default=100)
    args = ap.parse_args()
    servers = {name: start_server(name, binary) for name, binary in (("redis", args.redis), ("strata", args.strata))}
    samples = {name: [] for name in servers}
    try:
        for _ in range(args.repeats):
            for name in ("redis", "strata"):  # interleaved: A B A B
                samples[name].append(run_once(servers[name], args))
                print("%-7s %12.0f msg/s  %6.2f cpu s" % ((name,) + samples[name][-1]))
                sys.stdout.flush()
    finally:
        for s in servers.values():
            s.stop()
    r = median([s[0] for s in samples["redis"]])
    st = median([s[0] for s in samples["strata"]])
    runs = [b[0] / a[0] for a, b in zip(samples["redis"], samples["strata"])]
    print("1 publisher, %d subscribers, %d messages of %d bytes: redis %.0f msg/s, strata %.0f msg/s, "
          "ratio %.2f (per run %.2f-%.2f)" % (args.subscribers, args.messages, args.size, r, st, st / r, min(runs),
                                             max(runs)))


if __name__ == "__main__":
    main()
