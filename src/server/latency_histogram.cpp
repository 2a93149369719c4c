#include "server/latency_histogram.h"

#include <algorithm>
#include <bit>

namespace strata::server {
namespace {

// 256 sub-buckets make two significant figures; each power of two above 256 ns reuses the upper
// half of them at twice the width.
constexpr int kHalfMagnitude = 7;
constexpr int64_t kHalfCount = int64_t{1} << kHalfMagnitude;

// The power-of-two bucket of `ns` (0 for values below 256).
int BucketOf(int64_t ns) {
  const int bits = 64 - std::countl_zero(static_cast<uint64_t>(ns) | 0xff);
  return bits - (kHalfMagnitude + 1);
}

int BucketOfSlot(size_t slot) { return std::max(0, static_cast<int>(slot >> kHalfMagnitude) - 1); }

}  // namespace

size_t HistogramSlot(int64_t ns) {
  ns = std::clamp<int64_t>(ns, 1, kHistogramMaxNs);
  const int bucket = BucketOf(ns);
  const int64_t sub = ns >> bucket;
  return static_cast<size_t>(((int64_t{bucket} + 1) << kHalfMagnitude) + sub - kHalfCount);
}

int64_t SlotLowestNs(size_t slot) {
  const int64_t bucket = static_cast<int64_t>(slot >> kHalfMagnitude) - 1;
  int64_t sub = static_cast<int64_t>(slot & (kHalfCount - 1)) + kHalfCount;
  if (bucket < 0) return sub - kHalfCount;
  return sub << bucket;
}

int64_t SlotHighestNs(size_t slot) { return SlotLowestNs(slot) + (int64_t{1} << BucketOfSlot(slot)) - 1; }

void LatencyHistogram::Clear() {
  for (Counter& c : slots_) c.Reset();
}

void HistogramTotals::Add(const LatencyHistogram& h) {
  if (slots.empty()) slots.assign(kHistogramSlots, 0);
  for (size_t i = 0; i < kHistogramSlots; ++i) {
    const uint64_t n = h.count(i);
    slots[i] += n;
    total += n;
  }
}

double HistogramTotals::PercentileUs(double percentile) const {
  if (total == 0) return 0;
  const double share = std::min(percentile, 100.0) / 100.0;
  const uint64_t wanted = std::max<uint64_t>(1, static_cast<uint64_t>(share * static_cast<double>(total) + 0.5));
  uint64_t seen = 0;
  for (size_t i = 0; i < kHistogramSlots; ++i) {
    seen += slots[i];
    if (seen >= wanted) {
      const int64_t ns = percentile == 0 ? SlotLowestNs(i) : SlotHighestNs(i);
      return static_cast<double>(ns) / 1000.0;
    }
  }
  return 0;
}

std::vector<std::pair<int64_t, uint64_t>> HistogramTotals::CumulativeBuckets() const {
  std::vector<std::pair<int64_t, uint64_t>> out;
  uint64_t cumulative = 0;
  uint64_t previous = 0;
  size_t next = 0;
  for (int64_t level = 1024; cumulative < total; level *= 2) {
    // Beyond the last power of two the level has no slot: the rest of the slots count.
    const size_t upto = level <= kHistogramMaxNs ? HistogramSlot(level) : kHistogramSlots - 1;
    for (; next <= upto; ++next) cumulative += slots[next];
    if (cumulative > previous) out.emplace_back(SlotHighestNs(upto) / 1000, cumulative);
    previous = cumulative;
    if (upto == kHistogramSlots - 1) break;
  }
  return out;
}

}  // namespace strata::server
