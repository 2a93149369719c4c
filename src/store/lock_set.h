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

  // (db << kStripeBits) | stripe, for each added key; sorted and de-duplicated by Lock.
  std::vector<uint32_t> stripes_;
  // Whether stripes_ is strictly ascending already (one key, or whole databases added in order),
  // so Lock can skip sorting a thousand ids per database.
  bool ordered_ = true;
  bool locked_ = false;
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
