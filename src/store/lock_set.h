// The stripe locks one command needs, taken together in one global order.
//
// A command names its keys up front (the command table knows where they are); the dispatcher adds
// them here and locks. Stripes are locked in ascending (database, stripe) order, each once, so two
// commands with overlapping keys can never deadlock, and a multi-key command (MSET, RENAME,
// SINTERSTORE) sees and changes its keys atomically. Whole-keyspace operations lock in the same
// order. Not thread-safe; one per command in flight.
#ifndef STRATA_STORE_LOCK_SET_H_
#define STRATA_STORE_LOCK_SET_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/function_ref.h"
#include "store/keyspace.h"

namespace strata::store {

class LockSet {
 public:
  explicit LockSet(Keyspace* keyspace) : keyspace_(keyspace) {}
  ~LockSet() { Unlock(); }
  LockSet(const LockSet&) = delete;
  LockSet& operator=(const LockSet&) = delete;

  // Adds the stripe of `key` in database `db`. A database the keyspace does not have is ignored
  // (the command rejects it when it runs). REQUIRES: not locked.
  void Add(int db, std::string_view key);

  // Adds every stripe of database `db`: for a command that sees the whole database at one instant
  // (KEYS, DBSIZE, FLUSHDB ...) or reads keys it can name only while it runs (SORT's BY and GET
  // patterns). Ignored for a database the keyspace does not have.
  // REQUIRES: not locked.
  void AddDatabase(int db);

  // Adds every stripe of every database (FLUSHALL). REQUIRES: not locked.
  void AddAllDatabases();

  // Takes every added stripe lock, in order. REQUIRES: not locked.
  void Lock();

  // Lock() for a caller that stops waiting once `give_up()` is true (asked only while a stripe
  // is held by another thread): then releases what it took, forgets the added stripes and
  // returns false. The dispatcher's callers give up while a script is busy. REQUIRES: not locked.
  bool Lock(FunctionRef<bool()> give_up);

  // For a script that reaches keys beyond the stripes it locked: takes, while this set is
  // locked, every stripe of `wanted` (added to, never locked) it does not hold yet, without
  // risking a deadlock. A stripe above every held one is waited for (the global order holds);
  // one below is only tried. Returns false when such a try fails: the set then holds what it got
  // (released with the rest by Unlock), and the caller must release everything before waiting.
  // Empties `wanted`. REQUIRES: locked.
  bool Widen(LockSet* wanted);

  // Whether every stripe added to `other` is added to this set. Sorts both. REQUIRES: neither
  // is being locked by another thread.
  bool Covers(LockSet* other);

  // Whether this locked set holds stripe `stripe` of database `db`.
  bool Holds(int db, size_t stripe) const;

  // Releases what Lock took and forgets the added stripes; the set can be reused.
  void Unlock();

  bool empty() const { return stripes_.empty(); }

  // Whether the calling thread holds stripe `stripe` of database `db` through a locked LockSet
  // (EXEC holds its commands' stripes while a queued INFO reads every stripe).
  static bool HeldByCallingThread(int db, size_t stripe);

 private:
  SpinLock& StripeLock(uint32_t id);

  Keyspace* keyspace_;
  // Appends `id`, noting whether the ids are still strictly ascending.
  void Push(uint32_t id);
  // Sorts stripes_ and drops repeats, unless known ordered.
  void SortUnique();

  // (db << kStripeBits) | stripe, for each added key; sorted and de-duplicated by Lock.
  std::vector<uint32_t> stripes_;
  // Whether stripes_ is strictly ascending already (one key, or whole databases added in order),
  // so Lock can skip sorting a thousand ids per database.
  bool ordered_ = true;
  bool locked_ = false;
  // The one stripe Lock took with TSan tracking (SpinLock::LockUntracked), released the same
  // way; Widen takes none so.
  static constexpr uint32_t kNoneTracked = UINT32_MAX;
  uint32_t tracked_ = kNoneTracked;
};

// The keyspace's own readers' lock of one stripe (INFO's TTL sample and memory figures): takes
// the stripe's lock unless the calling thread holds it already through its lock set, as it does
// when such a reader runs inside a transaction; spin locks are not recursive.
class StripeReadLock {
 public:
  StripeReadLock(Keyspace& keyspace, int db, size_t stripe);
  ~StripeReadLock() {
    if (taken_ != nullptr) taken_->unlock();
  }
  StripeReadLock(const StripeReadLock&) = delete;
  StripeReadLock& operator=(const StripeReadLock&) = delete;

 private:
  SpinLock* taken_ = nullptr;
};

}  // namespace strata::store

#endif  // STRATA_STORE_LOCK_SET_H_
