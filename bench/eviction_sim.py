#!/usr/bin/env python3
"""Eviction policies in a model, on the traces of hit_ratio.py: which one should Strata implement?

    bench/eviction_sim.py [--keys 200000] [--requests 1000000] [--warmup 300000] [--seed 9]
                          [--tick 1] [--policy NAME ...]

A cache of keys/10 equal-sized entries serves a GET-then-SET-on-miss trace (workloads.py: Zipfian
alpha 0.99, and the same with cold scans); the hit ratio counts the Zipfian requests after the
warm-up (a scan key always misses). Time is the request number divided by --tick (Redis's LRU
clock ticks every second, so --tick 100000 models 100,000 requests a second; its LFU decays per
minute, which these runs never reach).
Policies, all sampling keys at random into a 16-entry pool of candidates as Redis does, with at
most a 32-bit time or counter and two flag bits per key, plus (ghost) a table of recently evicted
key ids as large as the cache (hashes of a few bytes in a server):
  redis-lru, redis-lru-10   Redis's approximated LRU, 5 (10) samples
  redis-lfu, redis-lfu-10   Redis's LFU: 8-bit log counter, lfu-log-factor 10, starts at 5
  slru-ghost                a probation class (inserted, never hit) and a protected class (hit once
                            since insert, or back from the ghost table) capped at 80%: the
                            protected key idle longest is demoted, the probation key idle longest
                            is evicted (into the ghost table)
  s3fifo                    S3-FIFO sampled: new keys in a small class (10%), evicted from it
                            unless hit (then moved to main); main evicts the oldest unhit key,
                            giving hit keys another round (2-bit counter); ghost keys go to main
  s3fifo-ghost/4, -noghost  the same with a ghost table a quarter of the cache's size, or none
  s3lru, s3lru-ghost/2      S3-FIFO's classes and ghost, each class ordered by last access (the LRU
                            clock OBJECT IDLETIME reports) instead of by insertion; main evicts its
                            key idle longest (ghost table half the cache's size)
  s3lru-clock               s3lru whose main class spends a hit per look instead of evicting a hit
                            key (CLOCK's second chance): Strata's allkeys-lru and volatile-lru
  lfu-ghost                 redis-lfu, a returning key (in a ghost table of evicted keys) getting
                            back its counter at eviction
  lfu-ghost-plus1 (2, 4)    redis-lfu, a returning key starting at 6 (7, 9) instead of 5: Strata's
                            allkeys-lfu and volatile-lfu use plus1
Prints the hit ratio per policy and workload, and each policy's ratio to redis-lru/redis-lfu.
"""
import argparse
import bisect
import collections
import random
import sys
import time

from workloads import Tally, trace, workloads


class Resident:
    """The keys of one class, for O(1) uniform sampling and removal."""

    def __init__(self):
        self.keys = []
        self.index = {}

    def __len__(self):
        return len(self.keys)

    def __contains__(self, key):
        return key in self.index

    def add(self, key):
        self.index[key] = len(self.keys)
        self.keys.append(key)

    def remove(self, key):
        i = self.index.pop(key)
        last = self.keys.pop()
        if last != key:
            self.keys[i] = last
            self.index[last] = i

    def sample(self, rng, n):
        keys = self.keys
        return [keys[int(rng.random() * len(keys))] for _ in range(n)]


class Pool:
    """Redis's eviction pool: the 16 best (score, key, stamp) seen, best (highest score) last."""

    SIZE = 16

    def __init__(self):
        self.entries = []

    def offer(self, score, key, stamp=None):
        if len(self.entries) == self.SIZE and score <= self.entries[0][0]:
            return
        bisect.insort(self.entries, (score, key, stamp))
        if len(self.entries) > self.SIZE:
            del self.entries[0]


class Redis:
    """Redis's allkeys-lru (lfu=False) or allkeys-lfu: one class, pool scored by idle time or by
    255 - counter as of the sampling, an entry used if its key still exists."""

    def __init__(self, capacity, rng, samples=5, lfu=False, log_factor=10):
        self.capacity, self.rng, self.samples, self.lfu, self.log_factor = capacity, rng, samples, lfu, log_factor
        self.meta = {}  # key -> last access time (LRU) or log counter (LFU)
        self.resident = Resident()
        self.pool = Pool()

    def score(self, key, now):
        return 255 - self.meta[key] if self.lfu else now - self.meta[key]

    def touched(self, key, now):
        if not self.lfu:
            self.meta[key] = now
            return
        counter = self.meta[key]
        if counter < 255 and self.rng.random() < 1.0 / (max(counter - 5, 0) * self.log_factor + 1):
            self.meta[key] = counter + 1

    def access(self, key, now):
        if key in self.meta:
            self.touched(key, now)
            return True
        while len(self.resident) >= self.capacity:
            self.evict(now)
        self.meta[key] = self.initial_meta(key, now)
        self.resident.add(key)
        return False

    def initial_meta(self, key, now):
        """The metadata of `key`, inserted at `now`."""
        return 5 if self.lfu else now

    def evicted(self, key, meta):
        """Called with the metadata of each evicted key."""

    def evict(self, now):
        while True:
            for k in self.resident.sample(self.rng, self.samples):
                self.pool.offer(self.score(k, now), k)
            while self.pool.entries:
                k = self.pool.entries.pop()[1]
                if k in self.meta:
                    self.evicted(k, self.meta.pop(k))
                    self.resident.remove(k)
                    return


class LfuGhost(Redis):
    """Redis's LFU whose evicted keys leave their counter in a ghost table as large as the cache
    (a 24-bit fingerprint and the 8-bit counter in 32 bits, in a server): a key coming back starts
    from that counter (restore=True) or one above the initial 5 (restore=False) instead of 5."""

    def __init__(self, capacity, rng, restore=True, bonus=1):
        super().__init__(capacity, rng, lfu=True)
        self.ghost = Ghost(capacity)
        self.ghost_counter = {}
        self.restore, self.bonus = restore, bonus

    def initial_meta(self, key, now):
        if not self.ghost.take(key):
            return 5
        return max(5, self.ghost_counter.pop(key, 5)) if self.restore else 5 + self.bonus

    def evicted(self, key, meta):
        self.ghost.add(key)
        self.ghost_counter[key] = meta


class Ghost:
    """Ids of the last `size` keys evicted (a server would keep short hashes)."""

    def __init__(self, size):
        self.size = size
        self.order = collections.deque()
        self.seq = {}
        self.n = 0

    def add(self, key):
        self.n += 1
        self.seq[key] = self.n
        self.order.append((key, self.n))
        if len(self.order) > self.size:
            old, n = self.order.popleft()
            if self.seq.get(old) == n:
                del self.seq[old]

    def take(self, key):
        """Whether key was evicted recently (forgetting it)."""
        return self.seq.pop(key, None) is not None


class Classed:
    """Policies with classes of keys, each sampled into its own pool scored by a per-key time
    (older first); a pool entry is used only if its key is still in that class with the same time."""

    def __init__(self, capacity, rng, names, samples=5, ghost=1.0):
        self.capacity, self.rng, self.samples = capacity, rng, samples
        self.classes = {n: Resident() for n in names}
        self.pools = {n: Pool() for n in names}
        self.time = {}  # key -> its class's time stamp
        self.ghost = Ghost(int(capacity * ghost))

    def size(self):
        return len(self.time)

    def move(self, key, src, dst, now):
        if src:
            self.classes[src].remove(key)
        if dst:
            self.classes[dst].add(key)
            self.time[key] = now
        else:
            del self.time[key]

    def oldest(self, name):
        """The key of class `name` with the oldest time, as far as sampling finds it."""
        cls, pool = self.classes[name], self.pools[name]
        while True:
            for k in cls.sample(self.rng, self.samples):
                t = self.time[k]
                pool.offer(-t, k, t)
            while pool.entries:
                _, k, t = pool.entries.pop()
                if k in cls and self.time[k] == t:
                    return k


class SlruGhost(Classed):
    def __init__(self, capacity, rng):
        super().__init__(capacity, rng, ("probation", "protected"))

    def access(self, key, now):
        if key in self.time:
            self.move(key, "protected" if key in self.classes["protected"] else "probation", "protected", now)
            return True
        while self.size() >= self.capacity:
            self.evict(now)
        self.move(key, None, "protected" if self.ghost.take(key) else "probation", now)
        return False

    def evict(self, now):
        if len(self.classes["protected"]) > 0.8 * self.capacity or not self.classes["probation"]:
            self.move(self.oldest("protected"), "protected", "probation", now)
        key = self.oldest("probation")
        self.move(key, "probation", None, now)
        self.ghost.add(key)


class S3Fifo(Classed):
    def __init__(self, capacity, rng, ghost=1.0):
        super().__init__(capacity, rng, ("small", "main"), ghost=ghost)
        self.freq = {}

    def access(self, key, now):
        if key in self.time:
            self.freq[key] = min(self.freq[key] + 1, 3)
            return True
        while self.size() >= self.capacity:
            self.evict(now)
        self.move(key, None, "main" if self.ghost.take(key) else "small", now)
        self.freq[key] = 0
        return False

    def evict(self, now):
        while True:
            if len(self.classes["small"]) > 0.1 * self.capacity or not self.classes["main"]:
                key = self.oldest("small")
                if self.freq[key]:
                    self.move(key, "small", "main", now)
                    self.freq[key] = 0
                    continue
                self.move(key, "small", None, now)
                self.ghost.add(key)
            else:
                key = self.oldest("main")
                if self.freq[key]:
                    self.freq[key] -= 1
                    self.move(key, "main", "main", now)
                    continue
                self.move(key, "main", None, now)
            del self.freq[key]
            return


class S3Lru(S3Fifo):
    """S3-FIFO's classes and ghost with each class ordered by last access (the LRU clock, which
    OBJECT IDLETIME must keep reporting) instead of by insertion: a hit re-stamps the key; main
    evicts its key idle longest, whatever its counter."""
    clock = False

    def access(self, key, now):
        if key in self.time:
            self.freq[key] = min(self.freq[key] + 1, 3)
            self.time[key] = now
            return True
        return super().access(key, now)

    def evict(self, now):
        if len(self.classes["small"]) > 0.1 * self.capacity or not self.classes["main"]:
            while True:
                key = self.oldest("small")
                if not self.freq[key]:
                    break
                self.move(key, "small", "main", self.time[key])
                self.freq[key] = 0
                if len(self.classes["small"]) <= 0.1 * self.capacity:
                    return self.evict(now)
            self.move(key, "small", None, now)
            self.ghost.add(key)
        else:
            key = self.oldest("main")
            while self.clock and self.freq[key]:
                self.freq[key] -= 1
                key = self.oldest("main")
            self.move(key, "main", None, now)
        del self.freq[key]


class S3LruClock(S3Lru):
    """S3Lru whose main class also spends hits (CLOCK's second chance, without a re-stamp: a
    main key chosen with hits left loses one and the next oldest is looked at): Strata's
    allkeys-lru."""
    clock = True


POLICIES = {
    "redis-lru": lambda c, rng: Redis(c, rng),
    "redis-lru-10": lambda c, rng: Redis(c, rng, samples=10),
    "redis-lfu": lambda c, rng: Redis(c, rng, lfu=True),
    "redis-lfu-10": lambda c, rng: Redis(c, rng, samples=10, lfu=True),
    "slru-ghost": SlruGhost,
    "s3fifo": S3Fifo,
    "s3fifo-ghost/4": lambda c, rng: S3Fifo(c, rng, ghost=0.25),
    "s3fifo-noghost": lambda c, rng: S3Fifo(c, rng, ghost=0),
    "s3lru": S3Lru,
    "s3lru-ghost/2": lambda c, rng: S3Lru(c, rng, ghost=0.5),
    "s3lru-clock": S3LruClock,
    "lfu-ghost": LfuGhost,
    "lfu-ghost-plus1": lambda c, rng: LfuGhost(c, rng, restore=False),
    "lfu-ghost-plus2": lambda c, rng: LfuGhost(c, rng, restore=False, bonus=2),
    "lfu-ghost-plus4": lambda c, rng: LfuGhost(c, rng, restore=False, bonus=4),
}


def hit_ratio(policy, keys, requests, warmup, seed, scan_every, scan_len, tick):
    """Hits / Zipfian requests after the first `warmup` Zipfian requests; the clock advances
    every `tick` requests."""
    tally = Tally(keys, warmup)
    n = 0
    for chunk in trace(keys, warmup + requests, seed, scan_every=scan_every, scan_len=scan_len):
        for key in chunk:
            n += 1
            tally.add(key, policy.access(key, n // tick))
    return tally.ratio()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=200000, help="Zipfian keyspace; the cache holds a tenth")
    ap.add_argument("--requests", type=int, default=1000000, help="Zipfian requests measured")
    ap.add_argument("--warmup", type=int, default=300000)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--tick", type=int, default=1, help="requests per clock tick (Redis: 1 s of requests)")
    ap.add_argument("--policy", action="append", choices=sorted(POLICIES), help="default: all")
    args = ap.parse_args()
    fit = args.keys // 10
    names = args.policy or list(POLICIES)
    print("%-15s %s" % ("policy", "  ".join("%-26s" % w[0] for w in workloads(fit))))
    print("%-15s %s" % ("", "  ".join("%-26s" % "hit    /lru  /lfu" for _ in workloads(fit))))
    results = {}
    for name in names:
        cells = []
        for label, scan_every, scan_len in workloads(fit):
            start = time.time()
            policy = POLICIES[name](fit, random.Random(args.seed))
            r = hit_ratio(policy, args.keys, args.requests, args.warmup, args.seed, scan_every, scan_len, args.tick)
            results[name, label] = r
            base = [results.get((b, label)) for b in ("redis-lru", "redis-lfu")]
            cells.append("%.4f %s  (%3.0fs)" % (r, " ".join("%5.3f" % (r / b) if b else "    -" for b in base),
                                                  time.time() - start))
        print("%-15s %s" % (name, "  ".join(cells)))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
