#include "store/lock_set.h"

#include <algorithm>
#include <cassert>

#include "common/hash.h"

namespace strata::store {

void LockSet::Add(int db, std::string_view key) {
  assert(!locked_);
  if (db < 0 || db >= keyspace_->databases()) return;
  stripes_.push_back(static_cast<uint32_t>((static_cast<size_t>(db) << kStripeBits) | StripeOf(HashKey(key))));
}

void LockSet::AddDatabase(int db) {
  assert(!locked_);
  if (db < 0 || db >= keyspace_->databases()) return;
  const auto base = static_cast<uint32_t>(static_cast<size_t>(db) << kStripeBits);
  for (uint32_t s = 0; s < kStripes; ++s) stripes_.push_back(base | s);
}

void LockSet::Lock() {
  assert(!locked_);
  if (stripes_.size() > 1) {
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
}

}  // namespace strata::store
