#include "store/prefix_stats.h"

#include <algorithm>
#include <cassert>

namespace strata::store {

PrefixMatcher::PrefixMatcher(std::span<const std::string> prefixes) {
  for (const std::string& p : prefixes) {
    assert(!p.empty());
    if (std::find(prefixes_.begin(), prefixes_.end(), p) == prefixes_.end()) prefixes_.push_back(p);
  }
  assert(prefixes_.size() <= kMaxStatsPrefixes);
  for (size_t i = 0; i < prefixes_.size(); ++i) by_first_byte_.push_back(static_cast<uint8_t>(i));
  auto first = [this](uint8_t i) { return static_cast<uint8_t>(prefixes_[i][0]); };
  std::sort(by_first_byte_.begin(), by_first_byte_.end(), [&](uint8_t a, uint8_t b) {
    if (first(a) != first(b)) return first(a) < first(b);
    return prefixes_[a].size() > prefixes_[b].size();  // longest first, so the first match wins
  });
  // begin_[b] = how many prefixes start with a byte below b.
  for (uint8_t i : by_first_byte_) ++begin_[first(i) + 1];
  for (size_t b = 1; b < begin_.size(); ++b) begin_[b] += begin_[b - 1];
}

PrefixStats::PrefixStats(std::span<const std::string> prefixes, int databases,
                         const std::vector<PrefixFigures>* base)
    : matcher_(prefixes),
      databases_(databases),
      keys_(new std::atomic<int64_t>[static_cast<size_t>(databases) * kStripes * matcher_.size()]()) {
  if (base == nullptr) return;
  for (const PrefixFigures& f : *base) {
    for (size_t p = 0; p < matcher_.size(); ++p) {
      if (matcher_.prefix(p) != f.prefix) continue;
      base_hits_[p] = f.hits;
      base_misses_[p] = f.misses;
      base_expired_[p] = f.expired;
    }
  }
}

void PrefixStats::SetStripeKeys(int db, size_t stripe, std::span<const std::string_view> keys) {
  std::array<int64_t, kMaxStatsPrefixes> counts{};
  for (std::string_view key : keys) {
    const int p = matcher_.Match(key);
    if (p >= 0) ++counts[static_cast<size_t>(p)];
  }
  for (size_t p = 0; p < matcher_.size(); ++p) keys_[Slot(db, stripe, p)].store(counts[p], std::memory_order_relaxed);
}

void PrefixStats::SwapDatabases(int a, int b) {
  for (size_t s = 0; s < kStripes; ++s) {
    for (size_t p = 0; p < matcher_.size(); ++p) {
      std::atomic<int64_t>& x = keys_[Slot(a, s, p)];
      std::atomic<int64_t>& y = keys_[Slot(b, s, p)];
      const int64_t t = x.load(std::memory_order_relaxed);
      x.store(y.load(std::memory_order_relaxed), std::memory_order_relaxed);
      y.store(t, std::memory_order_relaxed);
    }
  }
}

std::vector<PrefixFigures> PrefixStats::Figures() const {
  std::vector<PrefixFigures> out(matcher_.size());
  for (size_t p = 0; p < out.size(); ++p) {
    out[p].prefix = matcher_.prefix(p);
    out[p].hits = base_hits_[p];
    out[p].misses = base_misses_[p];
    out[p].expired = base_expired_[p];
    out[p].keys.assign(static_cast<size_t>(databases_), 0);
    for (int db = 0; db < databases_; ++db) {
      int64_t n = 0;
      for (size_t s = 0; s < kStripes; ++s) n += keys_[Slot(db, s, p)].load(std::memory_order_relaxed);
      out[p].keys[static_cast<size_t>(db)] = n;
    }
  }
  counters_.ForEach([&out](const ThreadCounters& c) {
    for (size_t p = 0; p < out.size(); ++p) {
      out[p].hits += c.hits[p].Get();
      out[p].misses += c.misses[p].Get();
      out[p].expired += c.expired[p].Get();
    }
  });
  return out;
}

}  // namespace strata::store
