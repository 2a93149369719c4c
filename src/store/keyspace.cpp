#include "store/keyspace.h"

#include <cassert>
#include <random>
#include <utility>

#include "common/hash.h"
#include "store/store_counters.h"

// ThreadSanitizer's deadlock detector can track only 64 mutexes held by one thread and aborts
// beyond that, while Flush and SwapDb hold every stripe lock of their databases at once (which
// is what makes them atomic). Builds with TSan therefore start with lock-order checking off;
// race detection is unaffected, and TSAN_OPTIONS=detect_deadlocks=1 turns it back on for runs
// that never flush or swap.
#if defined(__SANITIZE_THREAD__)
#define STRATA_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STRATA_TSAN 1
#endif
#endif
#ifdef STRATA_TSAN
extern "C" const char* __tsan_default_options() { return "detect_deadlocks=0"; }
#endif

namespace strata::store {
namespace {

// SCAN cursors count in units of 2^16 hashes: 48-bit cursors stay exact in clients that keep
// numbers as doubles (JavaScript), and a unit holds a key only rarely.
constexpr int kUnitShift = 16;
constexpr uint64_t kUnitsTotal = uint64_t{1} << (64 - kUnitShift);
constexpr int kUnitsPerStripeBits = 64 - kUnitShift - kStripeBits;

// Redis deletes a key once now > deadline.
bool Expired(const Entry& e, int64_t now_ms) { return e.has_expire() && e.expire_ms() < now_ms; }

uint64_t RandomU64() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng();
}

}  // namespace

StoreCounterTotals SumStoreCounters() {
  StoreCounterTotals t;
  PerThread<StoreCounters>::ForEach([&t](const StoreCounters& c) {
    t.keyspace_hits += c.keyspace_hits.Get();
    t.keyspace_misses += c.keyspace_misses.Get();
    t.expired_keys += c.expired_keys.Get();
    t.evicted_keys += c.evicted_keys.Get();
    t.dirty += c.dirty.Get();
  });
  return t;
}

Keyspace::Keyspace(int databases, const Clock* clock)
    : databases_(databases),
      clock_(clock),
      stripes_(new Stripe[static_cast<size_t>(databases) * kStripes]),
      volatile_stripes_(new std::atomic<int64_t>[static_cast<size_t>(databases)]()),
      expire_resume_(kMaxExpireWorkers, 0) {
  for (int db = 0; db < databases; ++db) {
    for (size_t s = 0; s < kStripes; ++s) stripe(db, s).table.set_volatile_tracker(&volatile_stripes_[db]);
  }
  Tick();
}

Keyspace::~Keyspace() {
  const size_t n = static_cast<size_t>(databases_) * kStripes;
  for (size_t i = 0; i < n; ++i) stripes_[i].table.DestroyAll();
}

void Keyspace::Tick() {
  lru_clock_.store(static_cast<uint32_t>(clock_->NowMs() / 1000), std::memory_order_relaxed);
}

size_t Keyspace::DbSize(int db) const {
  size_t total = 0;
  const Stripe* base = &stripes_[static_cast<size_t>(db) * kStripes];
  for (size_t i = 0; i < kStripes; ++i) total += base[i].table.size();
  return total;
}

size_t Keyspace::VolatileCount(int db) const {
  size_t total = 0;
  const Stripe* base = &stripes_[static_cast<size_t>(db) * kStripes];
  for (size_t i = 0; i < kStripes; ++i) total += base[i].table.volatile_count();
  return total;
}

void Keyspace::Flush(int db, bool async) {
  const int first = db < 0 ? 0 : db;
  const int last = db < 0 ? databases_ - 1 : db;
  // Detach every table under all the locks (in lock order), free outside them.
  auto detached = std::make_shared<std::vector<std::unique_ptr<KeyTable>>>();
  std::vector<std::unique_lock<SpinLock>> locks;
  locks.reserve(static_cast<size_t>(last - first + 1) * kStripes);
  for (int d = first; d <= last; ++d) {
    for (size_t s = 0; s < kStripes; ++s) locks.emplace_back(stripe(d, s).mu);
  }
  detached->reserve(locks.size());
  for (int d = first; d <= last; ++d) {
    for (size_t s = 0; s < kStripes; ++s) {
      KeyTable& table = stripe(d, s).table;
      if (table.size() == 0) continue;
      detached->push_back(std::make_unique<KeyTable>(kStripeBits));
      table.Swap(detached->back().get());
    }
  }
  locks.clear();
  size_t removed = 0;
  for (const auto& t : *detached) removed += t->size();
  LocalCounters().dirty.Add(removed);
  auto destroy = [detached] {
    for (auto& t : *detached) t->DestroyAll();
  };
  if (async) {
    lazy_free_.SubmitJob(std::move(destroy));
  } else {
    destroy();
  }
}

void Keyspace::SwapDb(int a, int b) {
  if (a == b) return;
  const int lo = a < b ? a : b;
  const int hi = a < b ? b : a;
  std::vector<std::unique_lock<SpinLock>> locks;
  locks.reserve(2 * kStripes);
  for (size_t s = 0; s < kStripes; ++s) locks.emplace_back(stripe(lo, s).mu);
  for (size_t s = 0; s < kStripes; ++s) locks.emplace_back(stripe(hi, s).mu);
  for (size_t s = 0; s < kStripes; ++s) {
    Stripe& x = stripe(lo, s);
    Stripe& y = stripe(hi, s);
    x.table.Swap(&y.table);
    std::swap(x.expire_cursor, y.expire_cursor);
  }
  locks.clear();
  if (observer_ != nullptr) observer_->OnDatabasesSwapped(a, b);
}

int64_t Keyspace::AvgTtlMs(int db) {
  constexpr size_t kMaxSamples = 512;
  constexpr size_t kPerStripe = 4;
  if (VolatileCount(db) == 0) return 0;
  const int64_t now = clock_->NowMs();
  int64_t sum = 0;
  size_t samples = 0;
  for (size_t s = 0; s < kStripes && samples < kMaxSamples; ++s) {
    Stripe& st = stripe(db, s);
    if (st.table.volatile_count() == 0) continue;
    std::lock_guard<SpinLock> lock(st.mu);
    const KeyTable& t = st.table;
    size_t taken = 0;
    for (size_t i = 0; i < t.capacity() && taken < kPerStripe; ++i) {
      if (!t.IsVolatile(i)) continue;
      ++taken;
      // Keys past their deadline but not reclaimed yet say nothing about the others, as in Redis.
      const int64_t ttl = t.At(i)->expire_ms() - now;
      if (ttl <= 0) continue;
      sum += ttl;
      ++samples;
    }
  }
  return samples == 0 ? 0 : sum / static_cast<int64_t>(samples);
}

uint64_t Keyspace::Scan(int db, uint64_t cursor, size_t count, FunctionRef<void(const Entry&)> visit) {
  if (cursor >= kUnitsTotal) return 0;
  if (count == 0) count = 1;
  size_t visited = 0;
  uint64_t unit = cursor;
  while (unit < kUnitsTotal && visited < count) {
    unit = ScanStripe(db, unit, count - visited, &visited, visit);
  }
  return unit >= kUnitsTotal ? 0 : unit;
}

uint64_t Keyspace::ScanStripe(int db, uint64_t unit, size_t want, size_t* visited,
                              FunctionRef<void(const Entry&)> visit) {
  const size_t s = static_cast<size_t>(unit >> kUnitsPerStripeBits);
  const uint64_t stripe_first_unit = static_cast<uint64_t>(s) << kUnitsPerStripeBits;
  const uint64_t stripe_end_unit = stripe_first_unit + (uint64_t{1} << kUnitsPerStripeBits);
  Stripe& st = stripe(db, s);
  std::lock_guard<SpinLock> lock(st.mu);
  KeyTable& t = st.table;
  if (t.size() == 0) return stripe_end_unit;

  // Cover enough home slots to yield about `want` keys, then widen the range to whole units.
  const size_t capacity = t.capacity();
  const size_t start_slot = t.HomeOf(unit << kUnitShift);
  // (want < size <= capacity keeps the product far from overflowing for any COUNT.)
  size_t cover = want >= t.size() ? capacity : want * capacity / t.size();
  if (cover == 0) cover = 1;
  const size_t end_slot = start_slot + cover < capacity ? start_slot + cover : capacity;
  const uint64_t end_offset = t.FirstOffsetAtOrAfter(end_slot);
  uint64_t end_unit = stripe_first_unit + ((end_offset + (uint64_t{1} << kUnitShift) - 1) >> kUnitShift);
  if (end_unit > stripe_end_unit) end_unit = stripe_end_unit;
  if (end_unit <= unit) end_unit = unit + 1;

  // Keys hashing into [unit, end_unit) have homes in [start_slot, last_home] and sit between
  // their home and the next empty slot, so walk from start_slot until an empty slot past
  // last_home (wrapping around the table's end).
  const size_t last_home = t.HomeOf(((end_unit - 1) << kUnitShift) | ((uint64_t{1} << kUnitShift) - 1));
  const int64_t now = clock_->NowMs();
  std::vector<std::string> expired;
  for (size_t u = start_slot; u < start_slot + capacity; ++u) {
    const Entry* e = t.At(u < capacity ? u : u - capacity);
    if (e == nullptr) {
      if (u > last_home) break;
      continue;
    }
    const uint64_t key_unit = HashKey(e->key()) >> kUnitShift;
    if (key_unit < unit || key_unit >= end_unit) continue;
    if (Expired(*e, now)) {
      expired.emplace_back(e->key());
      continue;
    }
    visit(*e);
    ++*visited;
  }
  // Reclaim what the walk found expired, now that removing cannot disturb it.
  for (const std::string& key : expired) {
    const uint64_t h = HashKey(key);
    const size_t i = t.Find(h, key);
    if (i == KeyTable::kNotFound) continue;
    Entry::Destroy(t.Remove(i));
    LocalCounters().expired_keys.Add();
  }
  return end_unit;
}

void Keyspace::ForEach(int db, FunctionRef<void(const Entry&)> visit) {
  const int64_t now = clock_->NowMs();
  for (size_t s = 0; s < kStripes; ++s) {
    Stripe& st = stripe(db, s);
    if (st.table.size() == 0) continue;
    std::lock_guard<SpinLock> lock(st.mu);
    const KeyTable& t = st.table;
    for (size_t i = 0; i < t.capacity(); ++i) {
      const Entry* e = t.At(i);
      if (e != nullptr && !Expired(*e, now)) visit(*e);
    }
  }
}

std::optional<std::string> Keyspace::RandomKey(int db) {
  // Stripes hold about equal shares of the keys, so a random non-empty stripe and then a random
  // occupied slot in it is close to uniform. Expired keys found on the way are reclaimed.
  constexpr int kRandomTries = 100;
  for (int attempt = 0; attempt < kRandomTries; ++attempt) {
    if (DbSize(db) == 0) return std::nullopt;
    const size_t first = static_cast<size_t>(RandomU64() % kStripes);
    for (size_t k = 0; k < kStripes; ++k) {
      Stripe& st = stripe(db, (first + k) % kStripes);
      if (st.table.size() == 0) continue;
      std::lock_guard<SpinLock> lock(st.mu);
      KeyTable& t = st.table;
      if (t.size() == 0) continue;
      size_t i = static_cast<size_t>(RandomU64() % t.capacity());
      while (t.At(i) == nullptr) i = static_cast<size_t>(RandomU64() % t.capacity());
      Entry* e = t.At(i);
      if (Expired(*e, clock_->NowMs())) {
        Entry::Destroy(t.Remove(i));
        LocalCounters().expired_keys.Add();
        break;  // try again from a fresh random stripe
      }
      return std::string(e->key());
    }
  }
  // Almost every key sampled had expired: walk the stripes from a random one, so that a
  // database holding any live key never answers nothing.
  const size_t first = static_cast<size_t>(RandomU64() % kStripes);
  const int64_t now = clock_->NowMs();
  for (size_t k = 0; k < kStripes; ++k) {
    Stripe& st = stripe(db, (first + k) % kStripes);
    if (st.table.size() == 0) continue;
    std::lock_guard<SpinLock> lock(st.mu);
    const KeyTable& t = st.table;
    for (size_t i = 0; i < t.capacity(); ++i) {
      const Entry* e = t.At(i);
      if (e != nullptr && !Expired(*e, now)) return std::string(e->key());
    }
  }
  return std::nullopt;
}

std::pair<size_t, size_t> Keyspace::ExpireSample(Stripe& st, size_t sample, int64_t now_ms) {
  KeyTable& t = st.table;
  size_t sampled = 0;
  size_t expired = 0;
  size_t walked = 0;
  size_t capacity = t.capacity();
  if (capacity == 0) return {0, 0};
  size_t i = st.expire_cursor % capacity;
  while (sampled < sample && walked < capacity) {
    ++walked;
    if (!t.IsVolatile(i)) {
      i = i + 1 == capacity ? 0 : i + 1;
      continue;
    }
    ++sampled;
    Entry* e = t.At(i);
    if (!Expired(*e, now_ms)) {
      i = i + 1 == capacity ? 0 : i + 1;
      continue;
    }
    // Removal shifts the next slot into i (or rebuilds a shrinking table): look at i again.
    Entry::Destroy(t.Remove(i));
    LocalCounters().expired_keys.Add();
    ++expired;
    capacity = t.capacity();
    if (capacity == 0) break;
    i %= capacity;
  }
  st.expire_cursor = i;
  return {sampled, expired};
}

size_t Keyspace::ActiveExpireCycle(int worker, int workers, int64_t budget_us) {
  assert(worker >= 0 && worker < workers && workers <= kMaxExpireWorkers);
  constexpr size_t kSample = 20;
  const int64_t start = MonotonicUs();
  const int64_t now_ms = clock_->NowMs();
  const size_t total = static_cast<size_t>(databases_) * kStripes;
  size_t pos = expire_resume_[static_cast<size_t>(worker)];
  size_t deleted = 0;
  bool out_of_time = false;
  for (size_t step = 0; step < total && !out_of_time; ++step) {
    const size_t p = pos;
    pos = pos + 1 == total ? 0 : pos + 1;
    if (volatile_stripes_[p / kStripes].load(std::memory_order_relaxed) == 0) {
      // No TTL anywhere in this database: jump to the next one.
      const size_t rest = kStripes - 1 - p % kStripes;
      step += rest;
      pos = (p + rest + 1) % total;
      continue;
    }
    if (static_cast<int>((p % kStripes) % static_cast<size_t>(workers)) != worker) continue;
    Stripe& st = stripes_[p];
    if (st.table.volatile_count() == 0) continue;
    std::lock_guard<SpinLock> lock(st.mu);
    while (true) {
      const auto [sampled, expired] = ExpireSample(st, kSample, now_ms);
      deleted += expired;
      if (MonotonicUs() - start > budget_us) {
        out_of_time = true;
        break;
      }
      // Stay while the stripe looks more than a quarter expired.
      if (expired * 4 <= sampled || sampled == 0) break;
    }
  }
  expire_resume_[static_cast<size_t>(worker)] = pos;
  return deleted;
}

// --- Db ---

EntryRef Db::Find(std::string_view key) {
  const uint64_t h = HashKey(key);
  KeyTable& t = StripeFor(h).table;
  const size_t i = t.Find(h, key);
  if (i == KeyTable::kNotFound) return {};
  Entry* e = t.At(i);
  if (e->has_expire() && Expired(*e, NowMs())) {
    Entry::Destroy(t.Remove(i));
    LocalCounters().expired_keys.Add();
    return {};
  }
  return {e, &t, i};
}

EntryRef Db::FindForRead(std::string_view key) {
  EntryRef ref = Find(key);
  StoreCounters& counters = LocalCounters();
  if (ref) {
    counters.keyspace_hits.Add();
    ref->set_access(keyspace_->lru_clock());
  } else {
    counters.keyspace_misses.Add();
  }
  return ref;
}

EntryRef Db::FindForWrite(std::string_view key) {
  EntryRef ref = Find(key);
  if (ref) ref->set_access(keyspace_->lru_clock());
  return ref;
}

namespace {
OpStatus CheckType(const EntryRef& ref, ValueType type) {
  if (!ref) return OpStatus::kNoKey;
  return ref->type() == type ? OpStatus::kOk : OpStatus::kWrongType;
}
}  // namespace

OpStatus Db::FindForReadAs(std::string_view key, ValueType type, EntryRef* ref) {
  *ref = FindForRead(key);
  return CheckType(*ref, type);
}

OpStatus Db::FindForWriteAs(std::string_view key, ValueType type, EntryRef* ref) {
  *ref = FindForWrite(key);
  return CheckType(*ref, type);
}

EntryRef Db::Insert(Entry* entry) {
  const uint64_t h = HashKey(entry->key());
  KeyTable& t = StripeFor(h).table;
  entry->set_access(keyspace_->lru_clock());
  const size_t i = t.Insert(h, entry);
  return {entry, &t, i};
}

void Db::Upsert(Entry* entry) {
  const uint64_t h = HashKey(entry->key());
  KeyTable& t = StripeFor(h).table;
  entry->set_access(keyspace_->lru_clock());
  const size_t i = t.Find(h, entry->key());
  if (i == KeyTable::kNotFound) {
    t.Insert(h, entry);
    return;
  }
  Entry* old = t.At(i);
  t.Replace(i, entry);
  Entry::Destroy(old);
}

void Db::Replace(EntryRef* ref, Entry* entry) {
  ref->table->Replace(ref->index, entry);
  ref->entry = entry;
}

void Db::Erase(EntryRef* ref) { Entry::Destroy(Detach(ref)); }

Entry* Db::Detach(EntryRef* ref) {
  Entry* e = ref->table->Remove(ref->index);
  *ref = EntryRef();
  return e;
}

void Db::MarkModified([[maybe_unused]] std::string_view key) { LocalCounters().dirty.Add(); }

}  // namespace strata::store
