#include "store/lock_set.h"

#include <algorithm>
#include <cassert>

#include "common/hash.h"

namespace strata::store {
namespace {

// The calling thread's locked set, if any (a thread locks one set at a time).
thread_local const LockSet* t_locked = nullptr;

}  // namespace

void LockSet::Add(int db, std::string_view key) {
  assert(!locked_);
  if (db < 0 || db >= keyspace_->databases()) return;
  Push(static_cast<uint32_t>((static_cast<size_t>(db) << kStripeBits) | StripeOf(HashKey(key))));
}

void LockSet::Push(uint32_t id) {
  if (!stripes_.empty() && id <= stripes_.back()) ordered_ = false;
  stripes_.push_back(id);
}

void LockSet::AddDatabase(int db) {
  assert(!locked_);
  if (db < 0 || db >= keyspace_->databases()) return;
  const auto base = static_cast<uint32_t>(static_cast<size_t>(db) << kStripeBits);
  for (uint32_t s = 0; s < kStripes; ++s) Push(base | s);
}

void LockSet::AddAllDatabases() {
  for (int db = 0; db < keyspace_->databases(); ++db) AddDatabase(db);
}

SpinLock& LockSet::StripeLock(uint32_t id) {
  return *keyspace_->stripe(static_cast<int>(id >> kStripeBits), id & (kStripes - 1)).mu;
}

void LockSet::SortUnique() {
  if (ordered_) return;
  std::sort(stripes_.begin(), stripes_.end());
  stripes_.erase(std::unique(stripes_.begin(), stripes_.end()), stripes_.end());
  ordered_ = true;
}

void LockSet::Lock() {
  assert(!locked_);
  SortUnique();
  // ThreadSanitizer is told of the first lock only (see SpinLock::LockUntracked): a set may hold
  // a whole database, and the order among stripes is this sort's.
  if (!stripes_.empty()) {
    tracked_ = stripes_[0];
    StripeLock(stripes_[0]).lock();
    for (size_t i = 1; i < stripes_.size(); ++i) StripeLock(stripes_[i]).LockUntracked();
  }
  locked_ = true;
  t_locked = this;
}

bool LockSet::Lock(FunctionRef<bool()> give_up) {
  assert(!locked_);
  SortUnique();
  for (size_t i = 0; i < stripes_.size(); ++i) {
    SpinLock& mu = StripeLock(stripes_[i]);
    if (i == 0 ? mu.LockUnless(give_up) : mu.LockUntrackedUnless(give_up)) continue;
    for (size_t j = i; j-- > 1;) StripeLock(stripes_[j]).UnlockUntracked();
    if (i > 0) StripeLock(stripes_[0]).unlock();
    stripes_.clear();
    ordered_ = true;
    return false;
  }
  if (!stripes_.empty()) tracked_ = stripes_[0];
  locked_ = true;
  t_locked = this;
  return true;
}

bool LockSet::Holds(int db, size_t stripe) const {
  const auto id = static_cast<uint32_t>((static_cast<size_t>(db) << kStripeBits) | stripe);
  return std::binary_search(stripes_.begin(), stripes_.end(), id);
}

bool LockSet::Covers(LockSet* other) {
  SortUnique();
  other->SortUnique();
  return std::includes(stripes_.begin(), stripes_.end(), other->stripes_.begin(), other->stripes_.end());
}

bool LockSet::Widen(LockSet* wanted) {
  assert(locked_ && !wanted->locked_);
  wanted->SortUnique();
  bool all = true;
  for (uint32_t id : wanted->stripes_) {
    auto at = std::lower_bound(stripes_.begin(), stripes_.end(), id);
    if (at != stripes_.end() && *at == id) continue;
    if (at == stripes_.end()) {
      // Above every held stripe: waiting keeps the order every other holder follows.
      StripeLock(id).LockUntracked();
      stripes_.push_back(id);
    } else if (StripeLock(id).TryLockUntracked()) {
      stripes_.insert(at, id);
    } else {
      all = false;
      break;
    }
  }
  wanted->stripes_.clear();
  return all;
}

void LockSet::Unlock() {
  if (locked_) {
    for (size_t i = stripes_.size(); i-- > 0;) {
      if (stripes_[i] != tracked_) StripeLock(stripes_[i]).UnlockUntracked();
    }
    if (tracked_ != kNoneTracked) StripeLock(tracked_).unlock();
    tracked_ = kNoneTracked;
    locked_ = false;
    if (t_locked == this) t_locked = nullptr;
  }
  stripes_.clear();
  ordered_ = true;
}

bool LockSet::HeldByCallingThread(int db, size_t stripe) {
  return t_locked != nullptr && t_locked->Holds(db, stripe);
}

StripeReadLock::StripeReadLock(Keyspace& keyspace, int db, size_t stripe) {
  if (LockSet::HeldByCallingThread(db, stripe)) return;
  taken_ = keyspace.stripe(db, stripe).mu;
  taken_->lock();
}

}  // namespace strata::store
