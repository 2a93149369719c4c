// Frees memory by evicting keys under the maxmemory-policy, as Redis's approximated LRU/LFU:
// sample a few keys, keep the best victims seen in a small pool, evict the best.
//
// Under the LRU policies the ranking is the sampled S3-FIFO of store/access_policy.h: the pool's
// best candidate, when it was hit since it was last looked at, is reprieved (promoted from small
// to main, or one hit spent) and the next one tried; a small-class victim's hash goes to the
// keyspace's ghost table (under the LFU policies, every victim's). Whether the small class is over its share is estimated from the
// classes of the keys this evictor sampled lately, so no shared counter is kept per key insert.
//
// Each round samples maxmemory-samples keys from one random stripe (of the databases in turn;
// the next stripes too when it holds fewer keys) into the pool, ranked by VictimScore (store/access_policy.h), then evicts the pool's best
// candidate still present. The random policies evict a random key of a random stripe directly.
// volatile-* policies consider only keys with a TTL (the table's volatile bit).
//
// Locking: one stripe lock at a time, taken and released here. REQUIRES of every call: the
// calling thread holds no stripe lock (so the dispatcher runs it before it locks a command's
// keys, and the global lock order is never broken).
// Not thread-safe: one Evictor per thread (its pool is the thread's own).
#ifndef STRATA_STORE_EVICTOR_H_
#define STRATA_STORE_EVICTOR_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

#include "common/function_ref.h"
#include "store/keyspace.h"

namespace strata::store {

class Evictor {
 public:
  static constexpr size_t kPoolSize = 16;

  enum class Result {
    kDone,     // the memory is under the limit
    kRunning,  // the time bound was hit with memory still over it: call again (a timer does)
    kFailed,   // nothing evictable is left, or the policy is noeviction
  };

  explicit Evictor(Keyspace* keyspace) : keyspace_(keyspace), rng_(std::random_device{}()) {}

  // Evicts keys while `over_limit()` says memory is above maxmemory, for at most `budget_us`
  // microseconds of the keyspace clock (checked every 16 evictions), sampling `samples` keys per
  // round.
  Result FreeMemory(FunctionRef<bool()> over_limit, int samples, int64_t budget_us);

  // Evicts one key under the current policy. Returns false when nothing is evictable.
  bool EvictOne(int samples);

  // One candidate: where it is and how good a victim it was when sampled.
  struct Candidate {
    uint64_t score = 0;
    int db = 0;
    size_t stripe = 0;
    uint64_t hash = 0;
    std::string key;
  };
  // The pool, best candidate last; `pool_size()` entries are in use.
  const Candidate& pool_at(size_t i) const { return pool_[i]; }
  size_t pool_size() const { return pool_used_; }

  // Samples up to `samples` keys of stripe `stripe_index` of database `db` into the pool and
  // returns how many it sampled. Takes and releases that stripe's lock.
  int Populate(int db, size_t stripe_index, int samples);

 private:
  // Whether stripe `s` holds a key the policy may evict.
  static bool HasCandidates(const Stripe& s, bool volatile_only) {
    return volatile_only ? s.table.volatile_count() > 0 : s.table.size() > 0;
  }
  // A stripe holding candidates, as {db, stripe}: the bigger (StripeEntryBytes) of two random
  // ones; false when none is found after a few random draws and a full walk.
  bool PickStripe(bool volatile_only, int* db, size_t* stripe_index);
  void Offer(Candidate c);
  // Counts a sampled key's class into the small-class share estimate.
  void CountSample(bool main);
  // Whether the small class holds more than kSmallShare of the keys, as the samples tell.
  bool SmallOver() const;
  // Under the LRU policies, gives a chosen victim `e` that was hit another round instead
  // (promotion to main, or one hit spent): returns true if it did. REQUIRES: e's stripe lock.
  static bool Reprieve(Entry* e);
  // Grows the ghost table to half the keyspace's key count. REQUIRES: no stripe lock held.
  void SizeGhost();
  bool EvictRandom(bool volatile_only);
  bool EvictFromPool(bool volatile_only, int samples);

  Keyspace* keyspace_;
  std::mt19937_64 rng_;
  int next_db_ = 0;
  std::array<Candidate, kPoolSize> pool_;
  size_t pool_used_ = 0;
  // Keys sampled lately and how many of them were in the small class (a window of about
  // kShareWindow samples).
  static constexpr uint32_t kShareWindow = 4096;
  uint32_t sampled_ = 0;
  uint32_t sampled_small_ = 0;
  // SmallOver() as of the current round's start: what Populate ranks by.
  bool small_over_ = true;
  // Evictions tried under the policies with a ghost table; every kGhostSizingPeriod-th resizes it.
  static constexpr uint64_t kGhostSizingPeriod = 1024;
  uint64_t attempts_ = 0;
};

}  // namespace strata::store

#endif  // STRATA_STORE_EVICTOR_H_
