#include "server/watch_registry.h"

#include <algorithm>
#include <functional>

namespace strata::server {
namespace {

using Presence = store::Db::Presence;

// Every class of change; "new" always comes with the event of the write that created the key.
constexpr uint32_t kEveryChange = store::kClassGeneric | store::kClassString | store::kClassList |
                                  store::kClassSet | store::kClassHash | store::kClassZSet |
                                  store::kClassExpired | store::kClassEvicted | store::kClassDatabase;

// Whether `event` leaves the key absent: the removal of a key that was already expired when
// watched is no change (Redis finds it gone and only forgets that it was expired).
bool RemovesKey(store::KeyEvent event) {
  switch (event) {
    case store::KeyEvent::kDel:
    case store::KeyEvent::kExpired:
    case store::KeyEvent::kEvicted:
    case store::KeyEvent::kRenameFrom:
    case store::KeyEvent::kMoveFrom:
      return true;
    default:
      return false;
  }
}

}  // namespace

// --- WatchedKeys ---

void WatchedKeys::Watch(WatchRegistry* registry, const store::Db& db, std::string_view key) {
  for (const auto& w : watches_) {
    if (w->db == db.index() && w->key == key) return;
  }
  registry_ = registry;
  watches_.push_back(std::make_unique<WatchedKey>(
      WatchedKey{this, db.index(), std::string(key), db.Probe(key) == Presence::kExpired}));
  registry->Add(watches_.back().get());
}

void WatchedKeys::AddLocks(store::LockSet* locks) const {
  for (const auto& w : watches_) locks->Add(w->db, w->key);
}

bool WatchedKeys::Changed(store::Keyspace* keyspace, int64_t now_ms) const {
  if (dirty()) return true;
  for (const auto& w : watches_) {
    bool expired_when_watched;
    {
      WatchRegistry::Shard& shard = registry_->ShardFor(w->db, w->key);
      std::lock_guard<SpinLock> lock(shard.mu);
      expired_when_watched = w->expired;
    }
    if (expired_when_watched) continue;
    if (store::Db(keyspace, w->db, now_ms).Probe(w->key) == Presence::kExpired) return true;
  }
  return false;
}

void WatchedKeys::Clear() {
  for (const auto& w : watches_) registry_->Remove(w.get());
  watches_.clear();
  dirty_.store(false, std::memory_order_relaxed);
}

// --- WatchRegistry ---

size_t WatchRegistry::SlotHash::operator()(const SlotKey& k) const {
  return std::hash<std::string_view>()(k.key) ^ (static_cast<size_t>(k.db) * 0x9e3779b97f4a7c15ULL);
}

void WatchRegistry::Add(Watch* watch) {
  {
    std::lock_guard<std::mutex> lock(count_mu_);
    if (count_++ == 0) set_wanted(kEveryChange);
  }
  Shard& shard = ShardFor(watch->db, watch->key);
  std::lock_guard<SpinLock> lock(shard.mu);
  shard.watchers[{watch->db, watch->key}].push_back(watch);
}

void WatchRegistry::Remove(Watch* watch) {
  {
    Shard& shard = ShardFor(watch->db, watch->key);
    std::lock_guard<SpinLock> lock(shard.mu);
    auto it = shard.watchers.find(SlotKey{watch->db, watch->key});
    std::vector<Watch*>& list = it->second;
    list.erase(std::find(list.begin(), list.end(), watch));
    if (list.empty()) shard.watchers.erase(it);
  }
  std::lock_guard<std::mutex> lock(count_mu_);
  if (--count_ == 0) set_wanted(0);
}

size_t WatchRegistry::watch_count() const {
  std::lock_guard<std::mutex> lock(count_mu_);
  return count_;
}

void WatchRegistry::OnKeyEvent(const store::KeyEventRecord& event) {
  if (event.event == store::KeyEvent::kFlushDb || event.event == store::KeyEvent::kSwapDb) {
    TouchDatabases(event);
  } else {
    TouchKey(event);
  }
}

void WatchRegistry::TouchKey(const store::KeyEventRecord& event) {
  Shard& shard = ShardFor(event.db, event.key);
  std::lock_guard<SpinLock> lock(shard.mu);
  auto it = shard.watchers.find(SlotKey{event.db, event.key});
  if (it == shard.watchers.end()) return;
  for (Watch* w : it->second) {
    if (w->expired) {
      if (RemovesKey(event.event)) w->expired = false;
      continue;
    }
    w->owner->dirty_.store(true, std::memory_order_release);
  }
}

void WatchRegistry::TouchDatabases(const store::KeyEventRecord& event) {
  const bool swap = event.event == store::KeyEvent::kSwapDb;
  for (Shard& shard : shards_) {
    std::lock_guard<SpinLock> lock(shard.mu);
    for (auto& [slot, watchers] : shard.watchers) {
      const int db = slot.first;
      if (swap ? (db != event.db && db != event.other_db) : (event.db >= 0 && db != event.db)) continue;
      // FLUSHDB announces before emptying: the key is judged where it is. SWAPDB announces after
      // the exchange: what `db` held is now in the other database, and `db` holds what replaced it.
      const int emptied_now_in = swap ? (db == event.db ? event.other_db : event.db) : db;
      const bool in_emptied = store::Db(keyspace_, emptied_now_in).Probe(slot.second) != Presence::kAbsent;
      const Presence replaced = swap ? store::Db(keyspace_, db).Probe(slot.second) : Presence::kAbsent;
      if (!in_emptied && replaced == Presence::kAbsent) continue;
      for (Watch* w : watchers) {
        if (w->expired) {
          if (replaced == Presence::kAbsent) {
            w->expired = false;  // the expired key is gone: no change
            continue;
          }
          if (replaced == Presence::kExpired) continue;  // still an expired key
        } else if (!in_emptied && replaced == Presence::kExpired) {
          w->expired = true;  // an absent key became an expired one: no change yet
          continue;
        }
        w->owner->dirty_.store(true, std::memory_order_release);
      }
    }
  }
}

}  // namespace strata::server
