#include "store/lock_set.h"

#include <algorithm>
#include <cassert>

#include "common/hash.h"

namespace strata::store {

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

void LockSet::Lock() {
  assert(!locked_);
  if (!ordered_) {
    std::sort(stripes_.begin(), stripes_.end());
    stripes_.erase(std::unique(stripes_.begin(), stripes_.end()), stripes_.end());
  }
  for (uint32_t id : stripes_) {
    keyspace_->stripe(static_cast<int>(id >> kStripeBits), id & (kStripes - 1)).mu.lock();
  }
  locked_ = true;
}

void LockSet::Unlock() {
  if (locked_) {
    for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) {
      keyspace_->stripe(static_cast<int>(*it >> kStripeBits), *it & (kStripes - 1)).mu.unlock();
    }
    locked_ = false;
  }
  stripes_.clear();
  ordered_ = true;
}

}  // namespace strata::store
