// Keyspace statistics that INFO reports, kept per thread in the keyspace (Keyspace::counters)
// and summed on demand (Keyspace::CounterTotals).
#ifndef STRATA_STORE_STORE_COUNTERS_H_
#define STRATA_STORE_STORE_COUNTERS_H_

#include <atomic>
#include <bit>
#include <cstdint>

#include "common/per_thread.h"

namespace strata::store {

struct StoreCounters {
  Counter keyspace_hits;
  Counter keyspace_misses;
  Counter expired_keys;
  Counter evicted_keys;
  Counter dirty;  // writes since start (rdb_changes_since_last_save derives from it)
  Counter expire_cycle_us;          // time spent in active-expiry cycles
  Counter expire_time_cap_reached;  // cycles that stopped because their budget ran out
};

// Sums of all threads' counters.
struct StoreCounterTotals {
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
  uint64_t dirty = 0;
  uint64_t expire_cycle_us = 0;
  uint64_t expire_time_cap_reached = 0;
  uint64_t lazyfreed_objects = 0;  // freed by the lazy-free thread (LazyFree::freed)
};

// The share of expired keys among those active expiry samples, as a running average in which
// each cycle's share weighs 5% (Redis's expired_stale_perc): an estimate of how much of the
// keyspace is expired but not yet reclaimed. Thread-safe: every expiry worker folds its cycles
// into the one average.
class StaleRatio {
 public:
  // Folds in a cycle that sampled `sampled` keys with a TTL, `expired` of them expired.
  void AddCycle(uint64_t sampled, uint64_t expired) {
    const double current = sampled == 0 ? 0.0 : static_cast<double>(expired) / static_cast<double>(sampled);
    uint64_t old_bits = bits_.load(std::memory_order_relaxed);
    while (true) {
      const double next = current * 0.05 + std::bit_cast<double>(old_bits) * 0.95;
      if (bits_.compare_exchange_weak(old_bits, std::bit_cast<uint64_t>(next), std::memory_order_relaxed)) return;
    }
  }
  // The average, 0 to 1.
  double Get() const { return std::bit_cast<double>(bits_.load(std::memory_order_relaxed)); }
  // Back to 0 (CONFIG RESETSTAT).
  void Reset() { bits_.store(std::bit_cast<uint64_t>(0.0), std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> bits_{std::bit_cast<uint64_t>(0.0)};
};

}  // namespace strata::store

#endif  // STRATA_STORE_STORE_COUNTERS_H_
