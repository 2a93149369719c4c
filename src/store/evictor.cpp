#include "store/evictor.h"

#include <mutex>
#include <utility>

#include "common/hash.h"

namespace strata::store {
namespace {

// Random stripes tried before walking every stripe to find one with candidates.
constexpr int kRandomStripeTries = 32;

// The most victims one eviction gives another round (Evictor::Reprieve) before it evicts the next
// candidate whatever its hits.
constexpr int kMaxReprieves = 64;

}  // namespace

Evictor::Result Evictor::FreeMemory(FunctionRef<bool()> over_limit, int samples, int64_t budget_us) {
  const Clock* clock = keyspace_->clock();
  const int64_t start = clock->NowUs();
  for (size_t evicted = 0; over_limit(); ++evicted) {
    if (!EvictOne(samples)) return Result::kFailed;
    if (evicted % 16 == 15 && clock->NowUs() - start >= budget_us) return over_limit() ? Result::kRunning : Result::kDone;
  }
  return Result::kDone;
}

void Evictor::SizeGhost() {
  size_t keys = 0;
  for (int d = 0; d < keyspace_->databases(); ++d) keys += keyspace_->DbSize(d);
  // Half a slot per key, rounded up to a power of two: the ghost table costs at most 2 bytes a
  // key, and measured (bench/README.md) the larger table's better memory did not pay for the
  // keys its memory pushed out.
  keyspace_->ghost().Reserve(keys / 2);
}

bool Evictor::SmallOver() const {
  // Before any sample, every key is taken for small (new keys are).
  return sampled_ == 0 || static_cast<double>(sampled_small_) > kSmallShare * sampled_;
}

bool Evictor::EvictOne(int samples) {
  const EvictionPolicy policy = keyspace_->eviction_policy();
  if (policy == EvictionPolicy::kNoEviction) return false;
  const bool volatile_only = IsVolatileOnly(policy);
  if (IsRandom(policy)) return EvictRandom(volatile_only);
  return EvictFromPool(volatile_only, samples);
}

bool Evictor::PickStripe(bool volatile_only, int* db, size_t* stripe_index) {
  const int databases = keyspace_->databases();
  // Of the first two stripes with candidates drawn, the one holding more entry bytes: eviction
  // frees memory where most of it is, and two random choices keep that cheap and fair.
  int found = 0;
  for (int t = 0; t < kRandomStripeTries && found < 2; ++t) {
    const int d = next_db_;
    next_db_ = (next_db_ + 1) % databases;
    const size_t s = rng_() % kStripes;
    if (!HasCandidates(keyspace_->stripe(d, s), volatile_only)) continue;
    if (found++ == 0 || StripeEntryBytes(s) > StripeEntryBytes(*stripe_index)) {
      *db = d;
      *stripe_index = s;
    }
  }
  if (found > 0) return true;
  for (int d = 0; d < databases; ++d) {
    for (size_t s = 0; s < kStripes; ++s) {
      if (HasCandidates(keyspace_->stripe(d, s), volatile_only)) {
        *db = d;
        *stripe_index = s;
        return true;
      }
    }
  }
  return false;
}

int Evictor::Populate(int db, size_t stripe_index, int samples) {
  const bool volatile_only = IsVolatileOnly(keyspace_->eviction_policy());
  const EvictionPolicy policy = keyspace_->eviction_policy();
  const uint32_t lru_clock = keyspace_->lru_clock();
  const uint32_t minutes = LfuMinutes(keyspace_->clock()->NowMs());
  const int64_t decay = keyspace_->lfu_decay_time();
  const bool classes = UsesClasses(policy);
  Stripe& st = keyspace_->stripe(db, stripe_index);
  std::lock_guard<SpinLock> lock(*st.mu);
  const KeyTable& t = st.table;
  if (t.capacity() == 0) return 0;
  // A walk from a random slot: the table is a hash table, so neighbouring slots hold unrelated
  // keys and a run of them is a random sample.
  size_t i = rng_() % t.capacity();
  int taken = 0;
  for (size_t seen = 0; seen < t.capacity() && taken < samples; ++seen, i = i + 1 == t.capacity() ? 0 : i + 1) {
    const Entry* e = t.At(i);
    if (e == nullptr || (volatile_only && !t.IsVolatile(i))) continue;
    ++taken;
    if (classes) CountSample(MetaIsMain(e->meta()));
    const int64_t deadline = policy == EvictionPolicy::kVolatileTtl ? e->expire_ms() : 0;
    const uint64_t score = VictimScore(policy, e->access(), e->meta(), deadline, lru_clock, minutes, decay, small_over_);
    // Most samples lose to a full pool: their key is neither hashed nor copied.
    if (pool_used_ == kPoolSize && score <= pool_[0].score) continue;
    Offer({score, db, stripe_index, HashKey(e->key()), std::string(e->key())});
  }
  return taken;
}

void Evictor::CountSample(bool main) {
  // A running share over the last few thousand samples: halving keeps it recent.
  if (++sampled_ > kShareWindow) {
    sampled_ /= 2;
    sampled_small_ /= 2;
  }
  if (!main) ++sampled_small_;
}

void Evictor::Offer(Candidate c) {
  for (size_t k = 0; k < pool_used_; ++k) {
    if (pool_[k].db == c.db && pool_[k].hash == c.hash && pool_[k].key == c.key) return;
  }
  if (pool_used_ == kPoolSize) {
    if (c.score <= pool_[0].score) return;
    // Drop the worst candidate (first) to make room.
    for (size_t k = 1; k < kPoolSize; ++k) pool_[k - 1] = std::move(pool_[k]);
    --pool_used_;
  }
  size_t at = pool_used_;
  while (at > 0 && pool_[at - 1].score > c.score) {
    pool_[at] = std::move(pool_[at - 1]);
    --at;
  }
  pool_[at] = std::move(c);
  ++pool_used_;
}

bool Evictor::EvictFromPool(bool volatile_only, int samples) {
  const EvictionPolicy policy = keyspace_->eviction_policy();
  const bool classes = UsesClasses(policy);
  const bool ghost = UsesGhost(policy);
  // The ghost table follows the key count, looked at now and then (it costs a walk of the
  // stripes' sizes).
  if (ghost && attempts_++ % kGhostSizingPeriod == 0) SizeGhost();
  int reprieves = 0;
  for (;;) {
    int db = 0;
    size_t s = 0;
    if (!PickStripe(volatile_only, &db, &s)) {
      pool_used_ = 0;
      return false;
    }
    // Samples from that stripe and, when it holds fewer keys than `samples`, the following
    // ones of the same database, so a small keyspace is sampled as a whole, every key ranked
    // with the same view of the small class.
    small_over_ = SmallOver();
    int taken = 0;
    for (size_t n = 0; n < kStripes && taken < samples; ++n, s = (s + 1) % kStripes) {
      if (HasCandidates(keyspace_->stripe(db, s), volatile_only)) taken += Populate(db, s, samples - taken);
    }
    // The best candidate last; a candidate gone since it was sampled (deleted, or lost its TTL
    // under a volatile policy) is dropped and the next one tried.
    while (pool_used_ > 0) {
      Candidate c = std::move(pool_[--pool_used_]);
      Stripe& st = keyspace_->stripe(c.db, c.stripe);
      std::lock_guard<SpinLock> lock(*st.mu);
      const size_t i = st.table.Find(c.hash, c.key);
      if (i == KeyTable::kNotFound || (volatile_only && !st.table.IsVolatile(i))) continue;
      Entry* e = st.table.At(i);
      // Reprieves are bounded, so keys all hit at once cannot hold a command up for long.
      if (classes && reprieves < kMaxReprieves && Reprieve(e)) {
        ++reprieves;
        continue;
      }
      if (ghost && !(classes && MetaIsMain(e->meta()))) keyspace_->ghost().Add(c.hash);
      keyspace_->Evict(c.db, c.stripe, i);
      return true;
    }
  }
}

bool Evictor::Reprieve(Entry* e) {
  const uint16_t meta = e->meta();
  const uint32_t hits = MetaHits(meta);
  if (hits == 0) return false;
  // Hit while small: promoted to main. Hit while main: one hit spent for another round.
  e->set_meta(MetaIsMain(meta) ? MetaPack(true, hits - 1) : MetaPack(true, 0));
  return true;
}

bool Evictor::EvictRandom(bool volatile_only) {
  int db = 0;
  size_t s = 0;
  if (!PickStripe(volatile_only, &db, &s)) return false;
  Stripe& st = keyspace_->stripe(db, s);
  std::lock_guard<SpinLock> lock(*st.mu);
  const KeyTable& t = st.table;
  if (t.capacity() == 0) return false;
  size_t i = rng_() % t.capacity();
  for (size_t seen = 0; seen < t.capacity(); ++seen, i = i + 1 == t.capacity() ? 0 : i + 1) {
    if (t.At(i) != nullptr && (!volatile_only || t.IsVolatile(i))) {
      keyspace_->Evict(db, s, i);
      return true;
    }
  }
  return false;
}

}  // namespace strata::store
