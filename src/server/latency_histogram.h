// Per-command latency histograms for LATENCY HISTOGRAM and INFO latencystats.
//
// The slots are laid out as the HdrHistogram Redis 7.0 keeps per command (1 ns to 1 s, two
// significant figures: values below 256 ns exact, then 128 slots per power of two), so the
// percentiles and buckets Strata reports are the ones Redis would report for the same calls.
// Each io-thread writes its own histogram of a command (single writer, no read-modify-write);
// readers sum them.
#ifndef STRATA_SERVER_LATENCY_HISTOGRAM_H_
#define STRATA_SERVER_LATENCY_HISTOGRAM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "common/per_thread.h"

namespace strata::server {

// Values outside [1 ns, 1 s] are recorded as the nearest bound, as Redis does.
inline constexpr int64_t kHistogramMaxNs = 1'000'000'000;
inline constexpr size_t kHistogramSlots = 3072;  // 24 powers of two of 128 slots: 0 .. 2^30 - 1 ns

// The slot of a duration of `ns` nanoseconds (clamped to the range above).
size_t HistogramSlot(int64_t ns);
// The lowest and highest durations, in ns, that fall in `slot`.
int64_t SlotLowestNs(size_t slot);
int64_t SlotHighestNs(size_t slot);

// One thread's counts for one command. One thread writes; any thread reads.
class LatencyHistogram {
 public:
  void Record(int64_t ns) { slots_[HistogramSlot(ns)].Add(); }
  uint64_t count(size_t slot) const { return slots_[slot].Get(); }
  // Zeroes every slot. REQUIRES: the writing thread.
  void Clear();

 private:
  Counter slots_[kHistogramSlots];
};

// A command's histogram in one thread's counters, allocated on its first call there (24 KB),
// so commands a thread never runs cost it one null pointer.
//
// CONFIG RESETSTAT does not touch the histograms: it moves the server's reset epoch on, and a
// histogram counts only in the epoch it was last written in. Its writer clears it at its next
// Record in a later epoch (24 KB of stores, on that thread, once); until then readers of the new
// epoch take it for empty. So a reset costs one atomic increment however many threads and
// commands there are, takes no lock an io-thread waits on, and no count recorded before it is
// ever read after it.
class LazyLatencyHistogram {
 public:
  LazyLatencyHistogram() = default;
  ~LazyLatencyHistogram() { delete histogram_.load(std::memory_order_relaxed); }
  LazyLatencyHistogram(const LazyLatencyHistogram&) = delete;
  LazyLatencyHistogram& operator=(const LazyLatencyHistogram&) = delete;

  // Counts a call of `ns` nanoseconds in reset epoch `epoch`, clearing what earlier epochs
  // counted. REQUIRES: the owning thread; `epoch` never goes back.
  void Record(int64_t ns, uint64_t epoch) {
    LatencyHistogram* h = histogram_.load(std::memory_order_relaxed);
    if (h == nullptr) {
      h = new LatencyHistogram();
      epoch_.store(epoch, std::memory_order_relaxed);
      histogram_.store(h, std::memory_order_release);
    } else if (epoch_.load(std::memory_order_relaxed) != epoch) {
      h->Clear();
      epoch_.store(epoch, std::memory_order_release);
    }
    h->Record(ns);
  }
  // The counts of reset epoch `epoch`, or nullptr when nothing was recorded in it. Any thread.
  const LatencyHistogram* get(uint64_t epoch) const {
    const LatencyHistogram* h = histogram_.load(std::memory_order_acquire);
    if (h == nullptr || epoch_.load(std::memory_order_acquire) != epoch) return nullptr;
    return h;
  }

 private:
  std::atomic<LatencyHistogram*> histogram_{nullptr};
  std::atomic<uint64_t> epoch_{0};  // the reset epoch the counts belong to
};

// A command's histogram summed over threads.
struct HistogramTotals {
  std::vector<uint64_t> slots;  // kHistogramSlots entries, or none while nothing was recorded
  uint64_t total = 0;

  void Add(const LatencyHistogram& h);
  // The duration at `percentile` (0 to 100) in microseconds: the highest duration of the slot
  // where the cumulative count reaches that share of the calls, as Redis's INFO latencystats
  // shows it. 0 when empty.
  double PercentileUs(double percentile) const;
  // LATENCY HISTOGRAM's buckets: at 1024 ns and each power of two above it, (the level's highest
  // equivalent duration in whole microseconds, calls up to it), where the count grew, until
  // every call is counted.
  std::vector<std::pair<int64_t, uint64_t>> CumulativeBuckets() const;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_LATENCY_HISTOGRAM_H_
