"""Request traces for the eviction benchmarks (hit_ratio.py against servers, eviction_sim.py in a model).

A trace is a sequence of key ids. Ids below `keys` follow a Zipfian popularity (id 0 the most
popular); with scans, every `scan_every` Zipfian requests are followed by a burst of `scan_len` ids
at or above `keys`, each used once and never again (a cold scan: always a miss, then inserted).
The same seed gives the same trace, so every server and policy sees the same requests.
"""
import itertools
import random

# The two workloads of issue 9, as (label, scan_every, scan_len) given the number of keys that fit:
# scans make a third of the requests, each burst half the cache's size.
def workloads(fit):
    return [("zipf", 0, 0), ("zipf+scan", fit, fit // 2)]


def zipf_cum_weights(keys, alpha):
    """Cumulative weights of ids 0..keys-1 with P(id) proportional to 1/(id+1)^alpha."""
    return list(itertools.accumulate(1.0 / (i + 1) ** alpha for i in range(keys)))


def trace(keys, requests, seed, alpha=0.99, scan_every=0, scan_len=0, chunk=100000):
    """Yields lists of key ids, `requests` Zipfian ids in all plus the scan bursts between them."""
    rng = random.Random(seed)
    cum = zipf_cum_weights(keys, alpha)
    population = range(keys)
    next_cold = keys
    since_scan = 0
    left = requests
    while left > 0:
        n = min(chunk, left)
        if scan_every:
            n = min(n, scan_every - since_scan)
        ids = rng.choices(population, cum_weights=cum, k=n)
        left -= n
        since_scan += n
        if scan_every and since_scan == scan_every:
            ids.extend(range(next_cold, next_cold + scan_len))
            next_cold += scan_len
            since_scan = 0
        yield ids


class Tally:
    """Hits over the Zipfian requests (ids below `keys`) after the first `warmup` of them."""

    def __init__(self, keys, warmup):
        self.keys, self.warmup = keys, warmup
        self.seen = self.counted = self.hits = 0

    def add(self, key, hit):
        if key < self.keys:
            self.seen += 1
            if self.seen > self.warmup:
                self.counted += 1
                self.hits += hit

    def ratio(self):
        return self.hits / self.counted
