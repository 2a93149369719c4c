// The keyspace: every database's keys, in lock-striped hash tables.
//
// Each database is split into kStripes stripes by the top bits of the key hash; a stripe is one
// KeyTable behind its own lock. Commands lock the stripes they need (LockSet, in ascending order,
// so multi-key commands never deadlock): the stripes of the keys they name, or every stripe of a
// database for whole-database work (KEYS, SCAN, DBSIZE, FLUSHDB, SWAPDB), and then read and write
// through a Db view, which carries the command's one instant. Only the keyspace's own background
// work (active expiry, INFO's TTL sample) takes stripe locks itself.
//
// Every change to a key is announced once as a keyspace event (store/key_events.h) and delivered
// to the observers after the locks are released (DeliverEvents).
//
// The keyspace knows nothing of clients or sockets; time comes from the injected Clock.
#ifndef STRATA_STORE_KEYSPACE_H_
#define STRATA_STORE_KEYSPACE_H_

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/fork_private.h"

#include "common/clock.h"
#include "common/function_ref.h"
#include "common/spin_lock.h"
#include "store/access_policy.h"
#include "store/encoding_limits.h"
#include "store/entry.h"
#include "store/ghost_table.h"
#include "store/key_events.h"
#include "store/key_table.h"
#include "store/lazy_free.h"
#include "store/op_status.h"
#include "store/prefix_stats.h"
#include "store/store_counters.h"
#include "store/stripe_bytes.h"

namespace strata::store {

// The most io-threads that may run active expiry at once.
inline constexpr int kMaxExpireWorkers = 64;

struct alignas(64) Stripe {
  // The stripe's lock, kept apart in the keyspace's fork-private array (common/fork_private.h).
  SpinLock* mu = nullptr;
  KeyTable table{kStripeBits};
  size_t expire_cursor = 0;  // where the active expiry sweep resumes
};

// A found key: the entry and where it sits. Valid until the next insert or removal in its stripe.
struct EntryRef {
  Entry* entry = nullptr;
  KeyTable* table = nullptr;
  size_t index = 0;

  explicit operator bool() const { return entry != nullptr; }
  Entry* operator->() const { return entry; }
};

class Db;

// What one active-expiry cycle did.
struct ExpireCycleReport {
  size_t deleted = 0;        // expired keys removed
  size_t sampled = 0;        // keys with a TTL looked at
  int64_t elapsed_us = 0;    // the cycle's duration
  bool out_of_time = false;  // it stopped because the budget ran out
};

class Keyspace {
 public:
  // `clock` must outlive the keyspace.
  Keyspace(int databases, const Clock* clock);
  ~Keyspace();
  Keyspace(const Keyspace&) = delete;
  Keyspace& operator=(const Keyspace&) = delete;

  int databases() const { return databases_; }
  const Clock* clock() const { return clock_; }

  // The stripe `index` of database `db`. Its lock guards its table.
  Stripe& stripe(int db, size_t index) { return stripes_[static_cast<size_t>(db) * kStripes + index]; }

  // Encoding thresholds for collections (hash-max-listpack-entries ...).
  EncodingLimits& limits() { return limits_; }

  // Adds an observer of keyspace events (at start-up, before commands run). Not owned; it must
  // outlive the keyspace's use.
  void AddObserver(KeyspaceObserver* observer) { observers_.push_back(observer); }

  // Tells the immediate observers that want `event`'s class, records it on the calling thread's
  // queue if another observer wants it, and counts it as a write if it is one.
  // REQUIRES: the stripe locks the change needed.
  void Announce(KeyEvent event, int db, int other_db, std::string_view key);

  // Hands the events the calling thread recorded to the observers that want them, in order, and
  // empties the queue. REQUIRES: the calling thread holds no stripe lock.
  void DeliverEvents();

  // The calling thread's statistics counters, and their sums over all threads.
  StoreCounters& counters() { return counters_.Local(); }
  StoreCounterTotals CounterTotals() const;

  // --- Per-prefix statistics (store/prefix_stats.h) ---

  // Keeps statistics for `prefixes` from now on (none: off), replacing the current ones: hits,
  // misses and expired of a prefix kept carry over, the key counts are recounted by walking
  // every stripe under its lock, and the replaced statistics are freed after that walk.
  // Serialized with itself. REQUIRES: the calling thread holds no stripe
  // lock other than through a LockSet (CONFIG SET inside EXEC).
  void SetStatsPrefixes(std::span<const std::string> prefixes);
  // The current statistics, or null while no prefix is configured: the one load the hot paths
  // pay when off (acquire, so the object is seen whole: a plain load on x86). The object is
  // valid while the caller holds a stripe lock it took after the load (a replaced one is freed
  // only once every stripe has been locked since): use it under that lock, never keep it.
  PrefixStats* prefix_stats() const { return prefix_stats_.load(std::memory_order_acquire); }
  // Every configured prefix's figures (empty when off). Any thread.
  std::vector<PrefixFigures> PrefixStatistics();

  // The LRU clock: seconds, refreshed by Tick(). Stamped on keys when they are accessed.
  uint32_t lru_clock() const { return lru_clock_.load(std::memory_order_relaxed); }

  // The maxmemory-policy and LFU tuning (lfu-log-factor, lfu-decay-time), which decide what the
  // access field of an entry holds (store/access_policy.h). Any thread; set by CONFIG SET.
  void set_eviction_policy(EvictionPolicy p) { policy_.store(p, std::memory_order_relaxed); }
  EvictionPolicy eviction_policy() const { return policy_.load(std::memory_order_relaxed); }
  void set_lfu_log_factor(int64_t f) { lfu_log_factor_.store(f, std::memory_order_relaxed); }
  void set_lfu_decay_time(int64_t minutes) { lfu_decay_time_.store(minutes, std::memory_order_relaxed); }
  int64_t lfu_decay_time() const { return lfu_decay_time_.load(std::memory_order_relaxed); }
  // The access field a new value gets: now on the LRU clock, or a fresh LFU counter.
  uint32_t FreshAccess() const;
  // The access field after an access to a key whose field is `access`.
  uint32_t TouchedAccess(uint32_t access) const;
  // Records an access to `e`: its access field, and its hit counter under the LRU policies.
  // REQUIRES: the lock of e's stripe.
  void Touch(Entry* e) const {
    e->set_access(TouchedAccess(e->access()));
    if (UsesClasses(eviction_policy())) e->set_meta(MetaTouched(e->meta()));
  }
  // Stamps a new key `e`, whose HashKey is `hash`: its access field (FreshAccess) and meta bits.
  // A key back from the ghost table goes to the main class under an LRU policy, and starts one
  // above the initial LFU counter under an LFU policy (store/access_policy.h); any other starts
  // small, at the initial counter.
  void StampNew(Entry* e, uint64_t hash);
  // Keys recently evicted (store/ghost_table.h): under an LRU policy those of the small class,
  // under an LFU policy all. Thread-safe.
  GhostTable& ghost() { return ghost_; }
  // The access field of a key restored or loaded with an idle time (RESTORE IDLETIME, the RDB
  // IDLE opcode) or an LFU counter (FREQ), each -1 when absent: the counter under an LFU policy,
  // the idle time under any other, as Redis; FreshAccess() when the one that applies is absent.
  uint32_t AccessFromHints(int64_t idle_seconds, int64_t freq) const;

  // Removes the entry at slot `i` of the table of stripe `stripe_index` in database `db` to
  // free memory: counts it in evicted_keys and announces "evicted".
  // REQUIRES: that stripe's lock.
  void Evict(int db, size_t stripe_index, size_t i);
  // Refreshes the LRU clock from the Clock. Called by the server's timers (and tests).
  void Tick();

  // Whether a snapshot child process shares the keyspace's pages copy-on-write. While it does,
  // lookups leave the access field alone: stamping it would copy a page per read for nothing.
  // Set by the server around a background save. Thread-safe.
  void set_snapshot_child(bool alive) { snapshot_child_.store(alive, std::memory_order_relaxed); }
  bool snapshot_child() const { return snapshot_child_.load(std::memory_order_relaxed); }

  // --- Whole-database operations ---

  // Keys in `db`, including expired keys not yet reclaimed (as Redis's DBSIZE). Exact for one
  // instant when the caller holds every stripe of `db`; without locks (INFO), a recent estimate.
  size_t DbSize(int db) const;
  // Keys with a TTL in `db`. Lock-free, like DbSize without locks.
  size_t VolatileCount(int db) const;

  // Empties database `db` (or all of them for db == -1) and announces "flushdb". With `async`,
  // the entries are freed on the background thread. Counts each removed key as a write.
  // REQUIRES: the caller holds every stripe of the emptied databases.
  void Flush(int db, bool async);

  // Exchanges the contents of databases a and b and announces "swapdb".
  // REQUIRES: the caller holds every stripe of both.
  void SwapDb(int a, int b);

  // An estimate of the mean remaining time to live, in ms, of the keys of `db` that have one
  // (INFO keyspace's avg_ttl): the mean over a sample of up to a few hundred such keys spread
  // over the stripes; 0 when no key has a TTL. Locks one stripe at a time.
  // REQUIRES: the caller holds no stripe lock.
  int64_t AvgTtlMs(int db);

  // One active-expiry cycle for the stripes that worker `worker` of `workers` owns (stripe index
  // modulo workers), in every database, spending at most `budget_us` microseconds (checked after
  // each sample, so a negative budget stops after the first). Samples keys with a TTL and deletes
  // the expired ones (announcing "expired"), staying on a stripe while more than a quarter of a
  // sample had expired, then delivers the events. Counts the cycle's time and whether its budget
  // ran out in the calling thread's counters, and folds its sample into ExpiredStaleRatio().
  // Locks one stripe at a time. REQUIRES: the caller holds no stripe lock.
  ExpireCycleReport ActiveExpireCycle(int worker, int workers, int64_t budget_us);
  // The running share of expired keys among those active expiry sampled (store/store_counters.h),
  // 0 to 1; and its reset (CONFIG RESETSTAT). Thread-safe.
  double ExpiredStaleRatio() const { return stale_ratio_.Get(); }
  void ResetExpiredStaleRatio() { stale_ratio_.Reset(); }
  // Whether the io-threads run ActiveExpireCycle (DEBUG SET-ACTIVE-EXPIRE; on by default). Off,
  // only a lookup removes an expired key, as tests of lazy expiry need. Thread-safe.
  void set_active_expire(bool on) { active_expire_.store(on, std::memory_order_relaxed); }
  bool active_expire() const { return active_expire_.load(std::memory_order_relaxed); }

  // --- Bulk loading (an RDB file at start-up): no events, nothing counted as a change. ---

  // Sizes the stripe tables of `db` for about `keys` keys spread over them (RESIZEDB's hint).
  // Takes each stripe's lock in turn. REQUIRES: the caller holds no stripe lock.
  void ReserveForLoad(int db, size_t keys);

  // Adds a loaded `entry` to database `db`: no keyspace event and no dirty count (a freshly loaded
  // dataset has no unsaved changes), the access field as `entry` holds it. `hash` is
  // HashKey(entry->key()). Returns false, leaving `entry` to the caller, when the key is already
  // present (a damaged file). REQUIRES: the calling thread holds the key's stripe lock (asserted).
  bool AdoptLoaded(int db, uint64_t hash, Entry* entry);

  // Hands entries to the background thread to destroy (UNLINK of large values).
  void FreeLater(Entry* entry) { lazy_free_.Submit(entry); }
  // Entries waiting on the background thread.
  size_t PendingLazyFree() const { return lazy_free_.pending(); }

 private:
  friend class Db;

  // The one way an expired key leaves the keyspace, whoever finds it (a lookup, a walk, active
  // expiry): removes the entry at slot `i` of `table` in database `db`, counts it and announces
  // "expired". REQUIRES: the table's stripe lock; the entry has expired.
  void RemoveExpired(int db, KeyTable* table, size_t i);

  // Deletes expired keys among up to `sample` TTL-bearing slots from the stripe's cursor.
  // REQUIRES: the stripe's lock. Returns {sampled, expired}.
  std::pair<size_t, size_t> ExpireSample(int db, Stripe& stripe, size_t sample, int64_t now_ms);

  const int databases_;
  const Clock* clock_;
  std::unique_ptr<Stripe[]> stripes_;
  ForkPrivateArray<SpinLock> stripe_locks_;  // stripes_[i].mu is &stripe_locks_[i]
  // Per database: how many of its stripes hold keys with a TTL (see KeyTable::set_volatile_tracker).
  std::unique_ptr<std::atomic<int64_t>[]> volatile_stripes_;
  std::atomic<uint32_t> lru_clock_{0};
  std::atomic<bool> snapshot_child_{false};
  std::atomic<EvictionPolicy> policy_{EvictionPolicy::kNoEviction};
  std::atomic<int64_t> lfu_log_factor_{10};
  std::atomic<int64_t> lfu_decay_time_{1};
  std::atomic<bool> active_expire_{true};
  EncodingLimits limits_;
  std::vector<KeyspaceObserver*> observers_;
  PerThreadSet<StoreCounters> counters_;
  // The current PrefixStats. Readers (PrefixStatistics) share it, so a replaced one lives on
  // until the last of them is done; prefix_ptr_mu_ is held only to copy or swap the pointer, never
  // while taking a stripe lock, so INFO inside EXEC cannot wait on a rescan that waits on EXEC.
  std::shared_ptr<PrefixStats> CurrentPrefixStats();
  std::atomic<PrefixStats*> prefix_stats_{nullptr};  // prefix_current_.get(), for the hot paths
  std::shared_ptr<PrefixStats> prefix_current_;      // guarded by prefix_ptr_mu_
  std::mutex prefix_ptr_mu_;
  std::mutex prefix_set_mu_;  // serializes SetStatsPrefixes
  // Where each expiry worker resumes: its next (db * kStripes + stripe) position. Worker w only
  // touches element w.
  std::vector<size_t> expire_resume_;
  StaleRatio stale_ratio_;
  LazyFree lazy_free_;
  GhostTable ghost_;
};

// Whose access field (LRU clock or LFU counter) a stored entry gets.
enum class Access {
  kFresh,  // a new value: stamped now, as Redis gives every new object
  kKeep,   // the same object under another name (RENAME, MOVE, COPY): keeps the entry's own
};

// The view of one database at one instant, through which commands read and write keys.
//
// The instant (NowMs) is read once, when the view is made: every expiry judgement and every
// relative deadline of one command uses it, as Redis reads the time once per command.
// REQUIRES for every call: the caller holds the stripe lock of each key it passes (see LockSet),
// and for the whole-database calls every stripe of the database. Builds with assertions check it.
// A Db is cheap to copy; it refers to the keyspace, which must outlive it.
class Db {
 public:
  Db(Keyspace* keyspace, int index, int64_t now_ms) : keyspace_(keyspace), index_(index), now_ms_(now_ms) {}
  // A view at the keyspace clock's current time.
  Db(Keyspace* keyspace, int index) : Db(keyspace, index, keyspace->clock()->NowMs()) {}

  int index() const { return index_; }
  Keyspace* keyspace() const { return keyspace_; }
  // Makes this view's lookups leave the entries' access field (LRU/LFU) alone: CLIENT NO-TOUCH.
  void set_no_touch() { touch_ = false; }
  // Makes this view's lookups leave expired keys in place (they still answer as absent): the
  // dataset stands still while clients are paused (CLIENT PAUSE). Only for a view that writes
  // nothing, since a key left in place cannot be inserted again.
  void set_keep_expired() { keep_expired_ = true; }
  // The view's instant, Unix milliseconds.
  int64_t NowMs() const { return now_ms_; }
  // The calling thread's statistics counters.
  StoreCounters& counters() const { return keyspace_->counters(); }
  // Counts a lookup of `key` that found it (hit) or not: keyspace_hits / keyspace_misses and
  // the key's prefix statistics.
  void CountLookup(std::string_view key, bool hit) const {
    StoreCounters& c = counters();
    (hit ? c.keyspace_hits : c.keyspace_misses).Add();
    if (PrefixStats* p = keyspace_->prefix_stats()) p->CountLookup(key, hit);
  }

  // The live entry of `key`, deleting it first if its deadline has passed (unless the view keeps
  // expired keys). No statistics.
  EntryRef Find(std::string_view key);

  // The stored entry of `key`, even past its deadline: no lazy expiry, statistics or access stamp
  // (DEBUG's view of a key). nullptr when absent.
  const Entry* Peek(std::string_view key) const;

  // Whether `key` is present, and if so whether past its deadline, without lazy expiry or
  // statistics: Redis's view of a key for WATCH (an expired key not yet removed is "present").
  enum class Presence { kAbsent, kLive, kExpired };
  Presence Probe(std::string_view key) const;

  // Find for a command that reads `key`: counts a keyspace hit or miss and refreshes the key's
  // access time (Redis's lookupKeyRead), unless a snapshot child shares the pages.
  EntryRef FindForRead(std::string_view key);
  // Find for a command that writes `key`: refreshes the access time (as FindForRead), counts
  // nothing.
  EntryRef FindForWrite(std::string_view key);

  // FindForRead / FindForWrite that also checks the type: kOk (and *ref set), kNoKey, or
  // kWrongType when the key holds another type.
  OpStatus FindForReadAs(std::string_view key, ValueType type, EntryRef* ref);
  OpStatus FindForWriteAs(std::string_view key, ValueType type, EntryRef* ref);

  // The write primitives. A key that did not exist gets the "new" event; the caller announces
  // what the command did (Notify).
  //
  // Stores `entry` under its key, which must be absent (Find returned nothing). Ownership passes
  // to the keyspace. Returns where it went.
  EntryRef Insert(Entry* entry, Access access = Access::kFresh);
  // Stores `entry` under its key, replacing (and destroying) any current entry.
  EntryRef Store(Entry* entry, Access access = Access::kFresh);

  // Stores a command's result: `entry` under `key`, replacing any current entry, announced as
  // `event`; or, for a null `entry` (an empty result), deletes `key`, announced as "del" if it
  // existed (SINTERSTORE, ZUNIONSTORE, SORT ... STORE, BITOP).
  void StoreResult(std::string_view key, Entry* entry, KeyEvent event);

  // Puts `entry` (built for the same key: the same value changed in shape, a new deadline) in
  // place of ref's entry; ref then refers to `entry`. The access field is whatever `entry` holds
  // (the Entry builders keep it). The old entry is not destroyed here: the Entry builders
  // (SetString, MoveTo ...) have already freed it, or the caller still owns it.
  void Replace(EntryRef* ref, Entry* entry);

  // Removes ref's key and destroys its entry.
  void Erase(EntryRef* ref);

  // Removes ref's key and returns its entry to the caller, who owns it.
  Entry* Detach(EntryRef* ref);

  // Announces that a command changed `key` (see store/key_events.h): once per change, with the
  // event Redis names it by.
  void Notify(KeyEvent event, std::string_view key) { keyspace_->Announce(event, index_, index_, key); }

  // --- Whole-database calls: REQUIRE every stripe of the database. ---

  // One SCAN step: visits the live keys whose hashes fall in the range that starts at `cursor`,
  // about `count` of them, and returns the cursor of the next range (0 when the scan is over).
  // Every key present for the whole scan is visited exactly once, whatever the tables do between
  // steps. `visit` must not touch the keyspace.
  uint64_t Scan(uint64_t cursor, size_t count, FunctionRef<void(const Entry&)> visit);

  // Visits every live key.
  void ForEach(FunctionRef<void(const Entry&)> visit);

  // A random live key, or nothing when there is none. Expired keys met on the way are reclaimed.
  std::optional<std::string> RandomKey();

 private:
  Stripe& StripeFor(uint64_t hash) const {
    Stripe& s = keyspace_->stripe(index_, StripeOf(hash));
    assert(s.mu->HeldByCurrentThread());
    return s;
  }
  Stripe& StripeAt(size_t index) const {
    Stripe& s = keyspace_->stripe(index_, index);
    assert(s.mu->HeldByCurrentThread());
    return s;
  }
  // Stamps the access field of a found entry, unless a snapshot child shares the pages or the
  // view is a NO-TOUCH client's.
  void StampAccess(const EntryRef& ref) const {
    if (ref && touch_ && !keyspace_->snapshot_child()) keyspace_->Touch(ref.entry);
  }
  // Whether `e` is past its deadline at this view's instant (Redis deletes a key once now > deadline).
  bool Expired(const Entry& e) const { return e.has_expire() && e.expire_ms() < now_ms_; }
  // Scans one stripe for the range starting at `unit` (in cursor units). Returns the unit where
  // the next range starts.
  uint64_t ScanStripe(uint64_t unit, size_t want, size_t* visited, FunctionRef<void(const Entry&)> visit);

  Keyspace* keyspace_;
  int index_;
  int64_t now_ms_;
  bool touch_ = true;
  bool keep_expired_ = false;
};

}  // namespace strata::store

#endif  // STRATA_STORE_KEYSPACE_H_
