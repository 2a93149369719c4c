// Keyspace statistics that INFO reports, kept per thread in the keyspace (Keyspace::counters)
// and summed on demand (Keyspace::CounterTotals).
#ifndef STRATA_STORE_STORE_COUNTERS_H_
#define STRATA_STORE_STORE_COUNTERS_H_

#include <cstdint>

#include "common/per_thread.h"

namespace strata::store {

struct StoreCounters {
  Counter keyspace_hits;
  Counter keyspace_misses;
  Counter expired_keys;
  Counter evicted_keys;
  Counter dirty;  // writes since start (rdb_changes_since_last_save derives from it)
};

// Sums of all threads' counters.
struct StoreCounterTotals {
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
  uint64_t dirty = 0;
};

}  // namespace strata::store

#endif  // STRATA_STORE_STORE_COUNTERS_H_
