#include "store/keyspace.h"

#include <cassert>
#include <random>
#include <utility>

#include "common/hash.h"
#include "store/lock_set.h"
#include "store/store_counters.h"

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

Keyspace::Keyspace(int databases, const Clock* clock)
    : databases_(databases),
      clock_(clock),
      stripes_(new Stripe[static_cast<size_t>(databases) * kStripes]),
      stripe_locks_(static_cast<size_t>(databases) * kStripes),
      volatile_stripes_(new std::atomic<int64_t>[static_cast<size_t>(databases)]()),
      expire_resume_(kMaxExpireWorkers, 0) {
  for (int db = 0; db < databases; ++db) {
    for (size_t s = 0; s < kStripes; ++s) {
      Stripe& st = stripe(db, s);
      st.mu = &stripe_locks_[static_cast<size_t>(db) * kStripes + s];
      st.table.set_volatile_tracker(&volatile_stripes_[db]);
    }
  }
  Tick();
}

void Keyspace::ReserveForLoad(int db, size_t keys) {
  // Hash spreading leaves some stripes above the mean: an eighth more room absorbs most of it.
  const size_t per_stripe = keys / kStripes + keys / kStripes / 8;
  for (size_t s = 0; s < kStripes; ++s) {
    Stripe& st = stripe(db, s);
    std::lock_guard<SpinLock> lock(*st.mu);
    st.table.Reserve(per_stripe);
  }
}

bool Keyspace::AdoptLoaded(int db, uint64_t hash, Entry* entry) {
  Stripe& st = stripe(db, StripeOf(hash));
  assert(st.mu->HeldByCurrentThread());
  if (st.table.Find(hash, entry->key()) != KeyTable::kNotFound) return false;
  st.table.Insert(hash, entry);
  if (PrefixStats* p = prefix_stats()) p->CountKey(db, StripeOf(hash), entry->key(), 1);
  return true;
}

Keyspace::~Keyspace() {
  const size_t n = static_cast<size_t>(databases_) * kStripes;
  for (size_t i = 0; i < n; ++i) stripes_[i].table.DestroyAll();
}

StoreCounterTotals Keyspace::CounterTotals() const {
  StoreCounterTotals t;
  counters_.ForEach([&t](const StoreCounters& c) {
    t.keyspace_hits += c.keyspace_hits.Get();
    t.keyspace_misses += c.keyspace_misses.Get();
    t.expired_keys += c.expired_keys.Get();
    t.evicted_keys += c.evicted_keys.Get();
    t.dirty += c.dirty.Get();
    t.expire_cycle_us += c.expire_cycle_us.Get();
    t.expire_time_cap_reached += c.expire_time_cap_reached.Get();
  });
  t.lazyfreed_objects = lazy_free_.freed();
  return t;
}

void Keyspace::SetStatsPrefixes(std::span<const std::string> prefixes) {
  std::lock_guard<std::mutex> setter(prefix_set_mu_);
  std::shared_ptr<PrefixStats> old = CurrentPrefixStats();
  std::shared_ptr<PrefixStats> next;
  if (!prefixes.empty()) {
    const std::vector<PrefixFigures> base = old != nullptr ? old->Figures() : std::vector<PrefixFigures>();
    next = std::make_shared<PrefixStats>(prefixes, databases_, &base);
  }
  {
    std::lock_guard<std::mutex> lock(prefix_ptr_mu_);
    prefix_current_ = next;
  }
  prefix_stats_.store(next.get(), std::memory_order_release);
  // Visit every stripe under its lock. Each stripe's counts are set there: changes made since the
  // store above were counted into `next` already and are overwritten by the exact count; later
  // ones add to it. And every hook uses the pointer only under a stripe lock it holds, so once
  // each stripe has been locked after the store, no thread can still be using `old`.
  std::vector<std::string_view> keys;
  for (int db = 0; db < databases_; ++db) {
    for (size_t s = 0; s < kStripes; ++s) {
      StripeReadLock stripe_lock(*this, db, s);
      if (next == nullptr) continue;
      const KeyTable& t = stripe(db, s).table;
      keys.clear();
      for (size_t i = 0; i < t.capacity() && keys.size() < t.size(); ++i) {
        if (const Entry* e = t.At(i)) keys.push_back(e->key());
      }
      next->SetStripeKeys(db, s, keys);
    }
  }
}

std::shared_ptr<PrefixStats> Keyspace::CurrentPrefixStats() {
  std::lock_guard<std::mutex> lock(prefix_ptr_mu_);
  return prefix_current_;
}

std::vector<PrefixFigures> Keyspace::PrefixStatistics() {
  const std::shared_ptr<PrefixStats> current = CurrentPrefixStats();
  return current != nullptr ? current->Figures() : std::vector<PrefixFigures>();
}

void Keyspace::Announce(KeyEvent event, int db, int other_db, std::string_view key) {
  if (EventCountsAsWrite(event)) counters().dirty.Add();
  const uint32_t cls = EventClassOf(event);
  bool deferred = false;
  for (KeyspaceObserver* o : observers_) {
    if ((o->wanted() & cls) == 0) continue;
    if (o->immediate()) {
      o->OnKeyEvent(KeyEventRecord{event, db, other_db, key});
    } else {
      deferred = true;
    }
  }
  if (deferred) LocalEventQueue().Push(event, db, other_db, key);
}

void Keyspace::DeliverEvents() {
  EventQueue& queue = LocalEventQueue();
  for (size_t i = 0; i < queue.size(); ++i) {
    const KeyEventRecord record = queue.at(i);
    const uint32_t cls = EventClassOf(record.event);
    for (KeyspaceObserver* o : observers_) {
      if (!o->immediate() && (o->wanted() & cls) != 0) o->OnKeyEvent(record);
    }
  }
  queue.Clear();
}

void Keyspace::RemoveExpired(int db, KeyTable* table, size_t i) {
  Entry* e = table->Remove(i);
  if (PrefixStats* p = prefix_stats()) {
    p->CountKey(db, StripeOf(HashKey(e->key())), e->key(), -1);
    p->CountExpired(e->key());
  }
  Announce(KeyEvent::kExpired, db, db, e->key());
  Entry::Destroy(e);
  counters().expired_keys.Add();
}

namespace {

// A uniform draw in [0, 1) for LFU's probabilistic increment: a per-thread xorshift, cheap and
// lock-free (the quality needed is that of a coin toss).
double UniformDraw() {
  thread_local uint64_t state = 0x9E3779B97F4A7C15ULL ^ reinterpret_cast<uintptr_t>(&state);
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return static_cast<double>(state >> 11) * 0x1.0p-53;
}

}  // namespace

uint32_t Keyspace::FreshAccess() const {
  if (!IsLfu(eviction_policy())) return lru_clock();
  return LfuPack(LfuMinutes(clock_->NowMs()), kLfuInitCounter);
}

uint32_t Keyspace::TouchedAccess(uint32_t access) const {
  if (!IsLfu(eviction_policy())) return lru_clock();
  return LfuTouched(access, clock_->NowMs(), lfu_log_factor_.load(std::memory_order_relaxed), lfu_decay_time(),
                    UniformDraw());
}

void Keyspace::StampNew(Entry* e, uint64_t hash) {
  const EvictionPolicy policy = eviction_policy();
  const bool returning = UsesGhost(policy) && ghost_.Take(hash);
  if (IsLfu(policy)) {
    e->set_access(LfuPack(LfuMinutes(clock_->NowMs()), returning ? kLfuReturnCounter : kLfuInitCounter));
    e->set_meta(MetaPack(false, 0));
    return;
  }
  e->set_access(lru_clock());
  e->set_meta(MetaPack(returning, 0));
}

uint32_t Keyspace::AccessFromHints(int64_t idle_seconds, int64_t freq) const {
  if (IsLfu(eviction_policy())) {
    return freq >= 0 ? LfuPack(LfuMinutes(clock_->NowMs()), static_cast<uint32_t>(freq)) : FreshAccess();
  }
  if (idle_seconds < 0) return FreshAccess();
  const uint32_t clock = lru_clock();
  return idle_seconds >= clock ? 0 : clock - static_cast<uint32_t>(idle_seconds);
}

void Keyspace::Evict(int db, size_t stripe_index, size_t i) {
  Stripe& st = stripe(db, stripe_index);
  assert(st.mu->HeldByCurrentThread());
  Entry* e = st.table.Remove(i);
  if (PrefixStats* p = prefix_stats()) p->CountKey(db, stripe_index, e->key(), -1);
  Announce(KeyEvent::kEvicted, db, db, e->key());
  Entry::Destroy(e);
  counters().evicted_keys.Add();
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
  // Announced first, so that an immediate observer (WATCH) still sees the keys that go.
  Announce(KeyEvent::kFlushDb, db, db, {});
  // Detach every table under the caller's locks; free them after.
  auto detached = std::make_shared<std::vector<std::unique_ptr<KeyTable>>>();
  size_t removed = 0;
  for (int d = first; d <= last; ++d) {
    for (size_t s = 0; s < kStripes; ++s) {
      Stripe& st = stripe(d, s);
      assert(st.mu->HeldByCurrentThread());
      if (st.table.size() == 0) continue;
      if (PrefixStats* p = prefix_stats()) p->SetStripeKeys(d, s, {});
      removed += st.table.size();
      detached->push_back(std::make_unique<KeyTable>(kStripeBits));
      st.table.Swap(detached->back().get());
    }
  }
  counters().dirty.Add(removed);
  auto destroy = [detached] {
    for (auto& t : *detached) t->DestroyAll();
  };
  if (async) {
    lazy_free_.SubmitJob(std::move(destroy), removed);
  } else {
    destroy();
  }
}

void Keyspace::SwapDb(int a, int b) {
  if (a == b) return;
  for (size_t s = 0; s < kStripes; ++s) {
    Stripe& x = stripe(a, s);
    Stripe& y = stripe(b, s);
    assert(x.mu->HeldByCurrentThread() && y.mu->HeldByCurrentThread());
    x.table.Swap(&y.table);
    std::swap(x.expire_cursor, y.expire_cursor);
  }
  if (PrefixStats* p = prefix_stats()) p->SwapDatabases(a, b);
  Announce(KeyEvent::kSwapDb, a, b, {});
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
    StripeReadLock lock(*this, db, s);
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

std::pair<size_t, size_t> Keyspace::ExpireSample(int db, Stripe& st, size_t sample, int64_t now_ms) {
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
    if (!Expired(*t.At(i), now_ms)) {
      i = i + 1 == capacity ? 0 : i + 1;
      continue;
    }
    // Removal shifts the next slot into i (or rebuilds a shrinking table): look at i again.
    RemoveExpired(db, &t, i);
    ++expired;
    capacity = t.capacity();
    if (capacity == 0) break;
    i %= capacity;
  }
  st.expire_cursor = i;
  return {sampled, expired};
}

ExpireCycleReport Keyspace::ActiveExpireCycle(int worker, int workers, int64_t budget_us) {
  assert(worker >= 0 && worker < workers && workers <= kMaxExpireWorkers);
  constexpr size_t kSample = 20;
  const int64_t start = MonotonicUs();
  const int64_t now_ms = clock_->NowMs();
  const size_t total = static_cast<size_t>(databases_) * kStripes;
  size_t pos = expire_resume_[static_cast<size_t>(worker)];
  ExpireCycleReport report;
  for (size_t step = 0; step < total && !report.out_of_time; ++step) {
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
    std::lock_guard<SpinLock> lock(*st.mu);
    while (true) {
      const auto [sampled, expired] = ExpireSample(static_cast<int>(p / kStripes), st, kSample, now_ms);
      report.sampled += sampled;
      report.deleted += expired;
      if (MonotonicUs() - start > budget_us) {
        report.out_of_time = true;
        break;
      }
      // Stay while the stripe looks more than a quarter expired.
      if (expired * 4 <= sampled || sampled == 0) break;
    }
  }
  expire_resume_[static_cast<size_t>(worker)] = pos;
  DeliverEvents();
  report.elapsed_us = MonotonicUs() - start;
  StoreCounters& c = counters();
  c.expire_cycle_us.Add(static_cast<uint64_t>(report.elapsed_us));
  if (report.out_of_time) c.expire_time_cap_reached.Add();
  stale_ratio_.AddCycle(report.sampled, report.deleted);
  return report;
}

// --- Db ---

EntryRef Db::Find(std::string_view key) {
  const uint64_t h = HashKey(key);
  KeyTable& t = StripeFor(h).table;
  const size_t i = t.Find(h, key);
  if (i == KeyTable::kNotFound) return {};
  Entry* e = t.At(i);
  if (Expired(*e)) {
    if (!keep_expired_) keyspace_->RemoveExpired(index_, &t, i);
    return {};
  }
  return {e, &t, i};
}

const Entry* Db::Peek(std::string_view key) const {
  const uint64_t h = HashKey(key);
  const KeyTable& t = StripeFor(h).table;
  const size_t i = t.Find(h, key);
  return i == KeyTable::kNotFound ? nullptr : t.At(i);
}

Db::Presence Db::Probe(std::string_view key) const {
  const Entry* e = Peek(key);
  if (e == nullptr) return Presence::kAbsent;
  return Expired(*e) ? Presence::kExpired : Presence::kLive;
}

EntryRef Db::FindForRead(std::string_view key) {
  EntryRef ref = Find(key);
  CountLookup(key, static_cast<bool>(ref));
  if (ref) {
    StampAccess(ref);
  } else {
    Notify(KeyEvent::kKeyMiss, key);
  }
  return ref;
}

EntryRef Db::FindForWrite(std::string_view key) {
  EntryRef ref = Find(key);
  StampAccess(ref);
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

EntryRef Db::Insert(Entry* entry, Access access) {
  const uint64_t h = HashKey(entry->key());
  KeyTable& t = StripeFor(h).table;
  assert(t.Find(h, entry->key()) == KeyTable::kNotFound);
  if (access == Access::kFresh) keyspace_->StampNew(entry, h);
  const size_t i = t.Insert(h, entry);
  if (PrefixStats* p = keyspace_->prefix_stats()) p->CountKey(index_, StripeOf(h), entry->key(), 1);
  Notify(KeyEvent::kNew, entry->key());
  return {entry, &t, i};
}

EntryRef Db::Store(Entry* entry, Access access) {
  EntryRef ref = Find(entry->key());  // an expired key goes first, announced as such
  if (!ref) return Insert(entry, access);
  if (access == Access::kFresh) {
    // A new value for a present key: an access to the key, as far as its class goes.
    entry->set_access(keyspace_->FreshAccess());
    entry->set_meta(MetaTouched(ref->meta()));
  }
  Entry* old = ref.entry;
  Replace(&ref, entry);
  Entry::Destroy(old);
  return ref;
}

void Db::StoreResult(std::string_view key, Entry* entry, KeyEvent event) {
  if (entry != nullptr) {
    Store(entry);
    Notify(event, key);
    return;
  }
  EntryRef ref = FindForWrite(key);
  if (!ref) return;
  Erase(&ref);
  Notify(KeyEvent::kDel, key);
}

void Db::Replace(EntryRef* ref, Entry* entry) {
  ref->table->Replace(ref->index, entry);
  ref->entry = entry;
}

void Db::Erase(EntryRef* ref) { Entry::Destroy(Detach(ref)); }

Entry* Db::Detach(EntryRef* ref) {
  Entry* e = ref->table->Remove(ref->index);
  *ref = EntryRef();
  if (PrefixStats* p = keyspace_->prefix_stats()) p->CountKey(index_, StripeOf(HashKey(e->key())), e->key(), -1);
  return e;
}

uint64_t Db::Scan(uint64_t cursor, size_t count, FunctionRef<void(const Entry&)> visit) {
  if (cursor >= kUnitsTotal) return 0;
  if (count == 0) count = 1;
  size_t visited = 0;
  uint64_t unit = cursor;
  while (unit < kUnitsTotal && visited < count) {
    unit = ScanStripe(unit, count - visited, &visited, visit);
  }
  return unit >= kUnitsTotal ? 0 : unit;
}

uint64_t Db::ScanStripe(uint64_t unit, size_t want, size_t* visited, FunctionRef<void(const Entry&)> visit) {
  const size_t s = static_cast<size_t>(unit >> kUnitsPerStripeBits);
  const uint64_t stripe_first_unit = static_cast<uint64_t>(s) << kUnitsPerStripeBits;
  const uint64_t stripe_end_unit = stripe_first_unit + (uint64_t{1} << kUnitsPerStripeBits);
  KeyTable& t = StripeAt(s).table;
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
  std::vector<std::string> expired;
  for (size_t u = start_slot; u < start_slot + capacity; ++u) {
    const Entry* e = t.At(u < capacity ? u : u - capacity);
    if (e == nullptr) {
      if (u > last_home) break;
      continue;
    }
    const uint64_t key_unit = HashKey(e->key()) >> kUnitShift;
    if (key_unit < unit || key_unit >= end_unit) continue;
    if (Expired(*e)) {
      expired.emplace_back(e->key());
      continue;
    }
    visit(*e);
    ++*visited;
  }
  // Reclaim what the walk found expired, now that removing cannot disturb it.
  for (const std::string& key : expired) Find(key);
  return end_unit;
}

void Db::ForEach(FunctionRef<void(const Entry&)> visit) {
  for (size_t s = 0; s < kStripes; ++s) {
    const KeyTable& t = StripeAt(s).table;
    if (t.size() == 0) continue;
    for (size_t i = 0; i < t.capacity(); ++i) {
      const Entry* e = t.At(i);
      if (e != nullptr && !Expired(*e)) visit(*e);
    }
  }
}

std::optional<std::string> Db::RandomKey() {
  // Stripes hold about equal shares of the keys, so a random non-empty stripe and then a random
  // occupied slot in it is close to uniform. Expired keys found on the way are reclaimed.
  constexpr int kRandomTries = 100;
  for (int attempt = 0; attempt < kRandomTries; ++attempt) {
    if (keyspace_->DbSize(index_) == 0) return std::nullopt;
    const size_t first = static_cast<size_t>(RandomU64() % kStripes);
    for (size_t k = 0; k < kStripes; ++k) {
      KeyTable& t = StripeAt((first + k) % kStripes).table;
      if (t.size() == 0) continue;
      size_t i = static_cast<size_t>(RandomU64() % t.capacity());
      while (t.At(i) == nullptr) i = static_cast<size_t>(RandomU64() % t.capacity());
      Entry* e = t.At(i);
      if (Expired(*e)) {
        if (!keep_expired_) keyspace_->RemoveExpired(index_, &t, i);
        break;  // try again from a fresh random stripe
      }
      return std::string(e->key());
    }
  }
  // Almost every key sampled had expired: walk the stripes from a random one, so that a
  // database holding any live key never answers nothing.
  const size_t first = static_cast<size_t>(RandomU64() % kStripes);
  for (size_t k = 0; k < kStripes; ++k) {
    const KeyTable& t = StripeAt((first + k) % kStripes).table;
    for (size_t i = 0; i < t.capacity(); ++i) {
      const Entry* e = t.At(i);
      if (e != nullptr && !Expired(*e)) return std::string(e->key());
    }
  }
  return std::nullopt;
}

}  // namespace strata::store
