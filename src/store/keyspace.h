// The keyspace: every database's keys, in lock-striped hash tables.
//
// Each database is split into kStripes stripes by the top bits of the key hash; a stripe is one
// KeyTable behind its own mutex. Commands lock the stripes of the keys they name (LockSet, in
// ascending order, so multi-key commands never deadlock) and then use a Db view to read and
// write those keys. Whole-database work (SCAN, KEYS, FLUSHDB, SWAPDB, active expiry) locks
// stripes itself, one at a time or all at once.
//
// The keyspace knows nothing of clients or sockets; time comes from the injected Clock.
#ifndef STRATA_STORE_KEYSPACE_H_
#define STRATA_STORE_KEYSPACE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/function_ref.h"
#include "common/spin_lock.h"
#include "store/encoding_limits.h"
#include "store/entry.h"
#include "store/key_table.h"
#include "store/lazy_free.h"
#include "store/op_status.h"

namespace strata::store {

inline constexpr int kStripeBits = 10;
inline constexpr size_t kStripes = size_t{1} << kStripeBits;
// The most io-threads that may run active expiry at once.
inline constexpr int kMaxExpireWorkers = 64;

// The stripe a key hash falls in.
inline size_t StripeOf(uint64_t hash) { return static_cast<size_t>(hash >> (64 - kStripeBits)); }

struct alignas(64) Stripe {
  SpinLock mu;
  KeyTable table{kStripeBits};
  size_t expire_cursor = 0;  // where the active expiry sweep resumes
};

// Told about keyspace events that other layers act on (the server wakes blocked clients).
class KeyspaceObserver {
 public:
  virtual ~KeyspaceObserver() = default;
  // `key` in database `db` received elements that a blocked client may be waiting for (a push to
  // a list, an add to a sorted set). Called under the key's stripe lock: it must not take stripe
  // locks or block.
  virtual void OnKeyReady(int db, std::string_view key) = 0;
  // Databases `a` and `b` exchanged their contents (SWAPDB): clients blocked on keys of either
  // may now be served. Called with no stripe lock held; it may lock stripes.
  virtual void OnDatabasesSwapped([[maybe_unused]] int a, [[maybe_unused]] int b) {}
};

// A found key: the entry and where it sits. Valid until the next insert or removal in its stripe.
struct EntryRef {
  Entry* entry = nullptr;
  KeyTable* table = nullptr;
  size_t index = 0;

  explicit operator bool() const { return entry != nullptr; }
  Entry* operator->() const { return entry; }
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

  // The stripe `index` of database `db`. Its mutex guards its table.
  Stripe& stripe(int db, size_t index) { return stripes_[static_cast<size_t>(db) * kStripes + index]; }

  // Encoding thresholds for collections (hash-max-listpack-entries ...).
  EncodingLimits& limits() { return limits_; }

  // Installs the observer (once, at start-up, before commands run). Not owned.
  void set_observer(KeyspaceObserver* observer) { observer_ = observer; }
  KeyspaceObserver* observer() const { return observer_; }

  // The LRU clock: seconds, refreshed by Tick(). Stamped on keys when they are accessed.
  uint32_t lru_clock() const { return lru_clock_.load(std::memory_order_relaxed); }
  // Refreshes the LRU clock from the Clock. Called by the server's timers (and tests).
  void Tick();

  // --- Whole-database operations. Thread-safe: each takes the stripe locks it needs. ---

  // Keys in `db`, including expired keys not yet reclaimed (as Redis's DBSIZE). Lock-free.
  size_t DbSize(int db) const;
  // Keys with a TTL in `db`. Lock-free.
  size_t VolatileCount(int db) const;

  // Empties database `db` (or all of them for db == -1). With `async`, the entries are freed on
  // the background thread after the call returns. Counts each removed key as a write (dirty).
  void Flush(int db, bool async);

  // Exchanges the contents of databases a and b atomically, then tells the observer.
  void SwapDb(int a, int b);

  // An estimate of the mean remaining time to live, in ms, of the keys of `db` that have one
  // (INFO keyspace's avg_ttl): the mean over a sample of up to a few hundred such keys spread
  // over the stripes; 0 when no key has a TTL. Thread-safe.
  int64_t AvgTtlMs(int db);

  // One SCAN step: visits the live keys whose hashes fall in the range that starts at `cursor`,
  // about `count` of them, and returns the cursor of the next range (0 when the scan is over).
  // Every key present for the whole scan is visited exactly once, whatever the tables do between
  // steps. `visit` runs under the key's stripe lock and must not touch the keyspace.
  uint64_t Scan(int db, uint64_t cursor, size_t count, FunctionRef<void(const Entry&)> visit);

  // Visits every live key of `db`, stripe by stripe, under each stripe's lock.
  void ForEach(int db, FunctionRef<void(const Entry&)> visit);

  // A random live key of `db`, or nothing when it has none. Expired keys met on the way are
  // reclaimed.
  std::optional<std::string> RandomKey(int db);

  // One active-expiry cycle for the stripes that worker `worker` of `workers` owns (stripe index
  // modulo workers), in every database, spending at most `budget_us` microseconds. Samples keys
  // with a TTL and deletes the expired ones, staying on a stripe while more than a quarter of a
  // sample had expired. Returns the number of keys deleted.
  size_t ActiveExpireCycle(int worker, int workers, int64_t budget_us);

  // Hands entries to the background thread to destroy (UNLINK of large values).
  void FreeLater(Entry* entry) { lazy_free_.Submit(entry); }
  // Entries waiting on the background thread.
  size_t PendingLazyFree() const { return lazy_free_.pending(); }

 private:
  friend class Db;

  // Scans one stripe for the range starting at `unit` (in cursor units). Returns the unit where
  // the next range starts.
  uint64_t ScanStripe(int db, uint64_t unit, size_t want, size_t* visited, FunctionRef<void(const Entry&)> visit);
  // Deletes expired keys among up to `sample` TTL-bearing slots from the stripe's cursor.
  // REQUIRES: the stripe's lock. Returns {sampled, expired}.
  std::pair<size_t, size_t> ExpireSample(Stripe& stripe, size_t sample, int64_t now_ms);

  const int databases_;
  const Clock* clock_;
  std::unique_ptr<Stripe[]> stripes_;
  // Per database: how many of its stripes hold keys with a TTL (see KeyTable::set_volatile_tracker).
  std::unique_ptr<std::atomic<int64_t>[]> volatile_stripes_;
  std::atomic<uint32_t> lru_clock_{0};
  EncodingLimits limits_;
  KeyspaceObserver* observer_ = nullptr;
  // Where each expiry worker resumes: its next (db * kStripes + stripe) position. Worker w only
  // touches element w.
  std::vector<size_t> expire_resume_;
  LazyFree lazy_free_;
};

// The view of one database through which commands read and write keys.
//
// REQUIRES for every call: the caller holds the stripe lock of each key it passes (see LockSet).
// A Db is cheap to copy; it refers to the keyspace, which must outlive it.
class Db {
 public:
  Db(Keyspace* keyspace, int index) : keyspace_(keyspace), index_(index) {}

  int index() const { return index_; }
  Keyspace* keyspace() const { return keyspace_; }

  // The live entry of `key`, deleting it first if its deadline has passed. No statistics.
  EntryRef Find(std::string_view key);

  // Find for a command that reads `key`: counts a keyspace hit or miss and refreshes the key's
  // access time (Redis's lookupKeyRead).
  EntryRef FindForRead(std::string_view key);
  // Find for a command that writes `key`: refreshes the access time, counts nothing.
  EntryRef FindForWrite(std::string_view key);

  // FindForRead / FindForWrite that also checks the type: kOk (and *ref set), kNoKey, or
  // kWrongType when the key holds another type.
  OpStatus FindForReadAs(std::string_view key, ValueType type, EntryRef* ref);
  OpStatus FindForWriteAs(std::string_view key, ValueType type, EntryRef* ref);

  // Stores `entry` under its key, which must be absent (Find returned nothing).
  // Ownership passes to the keyspace. Returns where it went.
  EntryRef Insert(Entry* entry);

  // Stores `entry` under its key, replacing (and destroying) any current entry.
  void Upsert(Entry* entry);

  // Puts `entry` (built for the same key) in place of ref's entry; ref then refers to `entry`.
  // The old entry is not destroyed here: the Entry builders (SetString, MoveTo ...) have already
  // freed it, or the caller still owns it.
  void Replace(EntryRef* ref, Entry* entry);

  // Removes ref's key and destroys its entry.
  void Erase(EntryRef* ref);

  // Removes ref's key and returns its entry to the caller, who owns it.
  Entry* Detach(EntryRef* ref);

  // Records a write to `key`: counts it for persistence.
  void MarkModified(std::string_view key);

  // Announces that `key` gained elements blocked clients may want (see KeyspaceObserver).
  void SignalKeyReady(std::string_view key) {
    if (keyspace_->observer() != nullptr) keyspace_->observer()->OnKeyReady(index_, key);
  }

  // Unix milliseconds now, from the keyspace's clock.
  int64_t NowMs() const { return keyspace_->clock()->NowMs(); }

 private:
  Stripe& StripeFor(uint64_t hash) { return keyspace_->stripe(index_, StripeOf(hash)); }

  Keyspace* keyspace_;
  int index_;
};

}  // namespace strata::store

#endif  // STRATA_STORE_KEYSPACE_H_
