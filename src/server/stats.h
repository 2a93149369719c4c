// Server statistics as INFO shows them: totals since start or since the last CONFIG RESETSTAT, and
// the sampled per-second rates (instantaneous_ops_per_sec ...).
//
// The counters themselves belong to the server (requests) and its keyspace (keys), per thread with
// a single writer each (PerThreadSet), so they are never zeroed: CONFIG RESETSTAT records the current sums as a baseline that later reads subtract.
#ifndef STRATA_SERVER_STATS_H_
#define STRATA_SERVER_STATS_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/error_stats.h"
#include "server/command_stats.h"
#include "store/keyspace.h"
#include "store/store_counters.h"

namespace strata::server {

// One reading of every counter INFO reports.
struct StatsSnapshot {
  RequestTotals requests;
  store::StoreCounterTotals store;
  // (error code, count) for codes counted at least once, sorted by code as Redis lists them.
  std::vector<std::pair<std::string, uint64_t>> errors;
};

// a - b per field, never below zero (a counter read racing its writer may lag the baseline).
StatsSnapshot SubtractSnapshot(const StatsSnapshot& a, const StatsSnapshot& b);

class StatsBaseline {
 public:
  // Reads `requests`, `keyspace`'s counters and `errors`; all must outlive the baseline.
  StatsBaseline(const PerThreadSet<RequestCounters>* requests, const store::Keyspace* keyspace,
                const ErrorStats* errors)
      : requests_(requests), keyspace_(keyspace), errors_(errors) {}

  // The counters summed over all threads, minus the baseline. store.dirty is not reset by
  // RESETSTAT (it counts changes since the last save), so it is returned as summed.
  // Thread-safe.
  StatsSnapshot Read(size_t command_count) const;

  // Makes the current sums the new zero (CONFIG RESETSTAT). Thread-safe.
  void Reset(size_t command_count);

 private:
  StatsSnapshot SumAll(size_t command_count) const;

  const PerThreadSet<RequestCounters>* requests_;
  const store::Keyspace* keyspace_;
  const ErrorStats* errors_;
  mutable std::mutex mu_;
  StatsSnapshot base_;
};

// A per-second rate estimated from a monotonically growing counter sampled at intervals, averaged
// over the last kSamples samples, as Redis computes instantaneous_ops_per_sec. Thread-safe.
class InstantaneousMetric {
 public:
  static constexpr int kSamples = 16;

  // Records that the counter read `value` at monotonic time `now_ms`.
  void Sample(uint64_t value, int64_t now_ms);
  // The average of the recorded per-second rates (0 before any interval was sampled).
  double PerSecond() const;
  // Forgets every sample (CONFIG RESETSTAT).
  void Reset();

 private:
  mutable std::mutex mu_;
  bool started_ = false;
  uint64_t last_value_ = 0;
  int64_t last_ms_ = 0;
  double samples_[kSamples] = {};
  int next_ = 0;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_STATS_H_
