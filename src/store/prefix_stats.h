// Per-prefix statistics (the stats-prefixes directive, beyond Redis): for each configured key
// prefix, the lookups that found a key (hits) or not (misses), the keys that expired, and the
// keys each database holds now. A key belongs to the longest configured prefix it starts with.
//
// Cost: the keyspace holds one atomic pointer to the current PrefixStats; while no prefix is
// configured it is null, and every hook is one relaxed load and a branch. Otherwise a lookup
// costs one match (candidates by the key's first byte, longest first) and a per-thread counter
// bump; an insert or removal a match and a store into the stripe's own counts, under the stripe
// lock it already holds. Nothing on these paths locks.
#ifndef STRATA_STORE_PREFIX_STATS_H_
#define STRATA_STORE_PREFIX_STATS_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/per_thread.h"
#include "store/stripe_bytes.h"

namespace strata::store {

// The most prefixes stats-prefixes may name.
inline constexpr size_t kMaxStatsPrefixes = 64;

// Finds the longest of a fixed set of prefixes that a key starts with. Immutable once built;
// any thread.
class PrefixMatcher {
 public:
  // `prefixes`: non-empty, at most kMaxStatsPrefixes after duplicates are dropped (the first of
  // each stays, so indexes follow the order given).
  explicit PrefixMatcher(std::span<const std::string> prefixes);

  // The index of the longest prefix `key` starts with, or -1 when none.
  int Match(std::string_view key) const {
    if (key.empty()) return -1;
    const uint8_t first = static_cast<uint8_t>(key[0]);
    for (uint32_t i = begin_[first]; i < begin_[first + 1]; ++i) {
      const std::string& p = prefixes_[by_first_byte_[i]];
      if (p.size() <= key.size() && key.compare(0, p.size(), p) == 0) return by_first_byte_[i];
    }
    return -1;
  }

  size_t size() const { return prefixes_.size(); }
  const std::string& prefix(size_t i) const { return prefixes_[i]; }

 private:
  std::vector<std::string> prefixes_;
  // Prefix indexes grouped by first byte, longest first within a group; the group of byte b is
  // [begin_[b], begin_[b + 1]).
  std::vector<uint8_t> by_first_byte_;
  std::array<uint32_t, 257> begin_{};
};

// One prefix's figures, summed over threads (and keys over the stripes of one database).
struct PrefixFigures {
  std::string prefix;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t expired = 0;
  std::vector<int64_t> keys;  // per database
};

// The statistics for one configuration of prefixes. The keyspace replaces it, whole, when the
// directive changes (Keyspace::SetStatsPrefixes), and frees the old one once no thread can be
// counting into it.
class PrefixStats {
 public:
  // `base` (may be null) holds the previous configuration's figures: hits, misses and expired of
  // a prefix that stays carry over. The key counts start at zero (the keyspace rescans them).
  PrefixStats(std::span<const std::string> prefixes, int databases, const std::vector<PrefixFigures>* base);
  PrefixStats(const PrefixStats&) = delete;
  PrefixStats& operator=(const PrefixStats&) = delete;

  const PrefixMatcher& matcher() const { return matcher_; }

  // A lookup of `key` that found it (hit) or not. Any thread.
  void CountLookup(std::string_view key, bool hit) {
    const int p = matcher_.Match(key);
    if (p >= 0) (hit ? counters_.Local().hits : counters_.Local().misses)[p].Add();
  }
  // `key` expired. Any thread.
  void CountExpired(std::string_view key) {
    const int p = matcher_.Match(key);
    if (p >= 0) counters_.Local().expired[p].Add();
  }
  // `key` was added (delta 1) to or removed (-1) from stripe `stripe` of database `db`.
  // REQUIRES: that stripe's lock.
  void CountKey(int db, size_t stripe, std::string_view key, int delta) {
    const int p = matcher_.Match(key);
    if (p < 0) return;
    std::atomic<int64_t>& n = keys_[Slot(db, stripe, static_cast<size_t>(p))];
    n.store(n.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }

  // Sets the key counts of stripe `stripe` of database `db` to those of `keys` (every key that
  // stripe holds), or to zero for none. REQUIRES: that stripe's lock.
  void SetStripeKeys(int db, size_t stripe, std::span<const std::string_view> keys);
  // Exchanges the key counts of databases a and b (SWAPDB). REQUIRES: every stripe of both.
  void SwapDatabases(int a, int b);

  // Every prefix's figures, in the configured order. Any thread; each figure is recent, the key
  // counts exact when no write is in flight.
  std::vector<PrefixFigures> Figures() const;

 private:
  struct ThreadCounters {
    std::array<Counter, kMaxStatsPrefixes> hits;
    std::array<Counter, kMaxStatsPrefixes> misses;
    std::array<Counter, kMaxStatsPrefixes> expired;
  };
  size_t Slot(int db, size_t stripe, size_t p) const {
    return (static_cast<size_t>(db) * kStripes + stripe) * matcher_.size() + p;
  }

  PrefixMatcher matcher_;
  const int databases_;
  PerThreadSet<ThreadCounters> counters_;
  std::array<uint64_t, kMaxStatsPrefixes> base_hits_{};
  std::array<uint64_t, kMaxStatsPrefixes> base_misses_{};
  std::array<uint64_t, kMaxStatsPrefixes> base_expired_{};
  // Per (database, stripe, prefix): keys held, written only under the stripe's lock.
  std::unique_ptr<std::atomic<int64_t>[]> keys_;
};

}  // namespace strata::store

#endif  // STRATA_STORE_PREFIX_STATS_H_
