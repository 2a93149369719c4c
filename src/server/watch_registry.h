// WATCH: the keys clients watch, and the changes that make their next EXEC fail.
//
// The registry is an immediate observer of keyspace events (store/key_events.h): it is told of a
// change while the changing thread still holds the changed key's stripe lock, and marks the
// clients watching that key dirty there and then. EXEC takes its watched keys' stripe locks with
// its commands' and reads the mark under them, so it decides "changed or not" and runs its
// commands at one instant: a change either happened before (and is marked) or waits for EXEC.
// While no client watches anything, the registry wants no events and a change costs the keyspace
// one load.
//
// Redis 7.0's rules: any change of a watched key (a write, a deletion, an expiry, from any
// client, this one included) dirties its watchers; FLUSHDB and FLUSHALL dirty the watchers of
// the keys they remove, SWAPDB those of keys present on either side; a key that was live at WATCH
// and is past its deadline at EXEC fails the EXEC. A key already expired (not yet removed) at
// WATCH is a special case: its removal is no change, and it stays unchanged while it stays
// expired.
//
// Thread-safe. Lock order: stripe locks, then a registry shard's lock, then the count mutex.
#ifndef STRATA_SERVER_WATCH_REGISTRY_H_
#define STRATA_SERVER_WATCH_REGISTRY_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/spin_lock.h"
#include "store/keyspace.h"
#include "store/lock_set.h"

namespace strata::server {

class WatchRegistry;

// One client's watched keys and whether one of them changed since it was watched. Owned by the
// client (its Transaction) and used by its own io-thread; other threads only mark it dirty
// (through the registry) and read dirty() for CLIENT LIST.
class WatchedKeys {
 public:
  WatchedKeys() = default;
  ~WatchedKeys() { Clear(); }
  WatchedKeys(const WatchedKeys&) = delete;
  WatchedKeys& operator=(const WatchedKeys&) = delete;

  // Whether a watched key changed (EXEC will fail). Any thread.
  bool dirty() const { return dirty_.load(std::memory_order_acquire); }
  bool empty() const { return watches_.empty(); }

  // WATCH `key` in `db` through `registry` (the same registry on every call); a key watched
  // already is left as it is. REQUIRES: the key's stripe lock.
  void Watch(WatchRegistry* registry, const store::Db& db, std::string_view key);

  // Adds the stripe of every watched key to `locks` (EXEC judges them under their locks).
  void AddLocks(store::LockSet* locks) const;

  // Whether EXEC must fail at the instant `now_ms`: a watched key changed, or a key that was live
  // when watched is past its deadline now. REQUIRES: the stripe locks AddLocks added.
  bool Changed(store::Keyspace* keyspace, int64_t now_ms) const;

  // Forgets every watched key and the dirty mark (UNWATCH, EXEC, DISCARD).
  void Clear();

 private:
  friend class WatchRegistry;
  struct WatchedKey {
    WatchedKeys* owner;
    int db;
    std::string key;
    // The key was present but past its deadline when watched (Redis's watchedKey.expired).
    // Guarded by the registry shard's lock.
    bool expired;
  };

  WatchRegistry* registry_ = nullptr;
  std::vector<std::unique_ptr<WatchedKey>> watches_;
  std::atomic<bool> dirty_{false};
};

class WatchRegistry final : public store::KeyspaceObserver {
 public:
  // `keyspace` is the observed keyspace (read under the changing thread's locks for FLUSHDB and
  // SWAPDB); it must outlive the registry.
  explicit WatchRegistry(store::Keyspace* keyspace) : KeyspaceObserver(/*immediate=*/true), keyspace_(keyspace) {}

  // KeyspaceObserver, called under the change's stripe locks: marks the watchers of the changed
  // key (for FLUSHDB, FLUSHALL and SWAPDB, of the keys they remove or replace) dirty.
  void OnKeyEvent(const store::KeyEventRecord& event) override;

  // Keys watched now, counting each client's watch of a key once (tests).
  size_t watch_count() const;

 private:
  friend class WatchedKeys;
  using Watch = WatchedKeys::WatchedKey;

  struct SlotKey {
    int db;
    std::string_view key;
  };
  struct SlotHash {
    using is_transparent = void;
    size_t operator()(const SlotKey& k) const;
    size_t operator()(const std::pair<int, std::string>& k) const { return (*this)(SlotKey{k.first, k.second}); }
  };
  struct SlotEq {
    using is_transparent = void;
    static SlotKey View(const SlotKey& k) { return k; }
    static SlotKey View(const std::pair<int, std::string>& k) { return SlotKey{k.first, k.second}; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const SlotKey x = View(a);
      const SlotKey y = View(b);
      return x.db == y.db && x.key == y.key;
    }
  };
  static constexpr size_t kShards = 64;
  struct alignas(64) Shard {
    SpinLock mu;
    std::unordered_map<std::pair<int, std::string>, std::vector<Watch*>, SlotHash, SlotEq> watchers;
  };

  Shard& ShardFor(int db, std::string_view key) { return shards_[SlotHash()(SlotKey{db, key}) % kShards]; }
  // Registers `watch`, widening the registry's interest to every change while a key is watched.
  // REQUIRES: the watched key's stripe lock (so no change of it can slip past).
  void Add(Watch* watch);
  void Remove(Watch* watch);
  // Marks the watchers of one changed key.
  void TouchKey(const store::KeyEventRecord& event);
  // Judges every watched key of the databases FLUSHDB / FLUSHALL empties or SWAPDB exchanges.
  void TouchDatabases(const store::KeyEventRecord& event);

  store::Keyspace* keyspace_;
  std::array<Shard, kShards> shards_;
  mutable std::mutex count_mu_;
  size_t count_ = 0;  // guarded by count_mu_
};

}  // namespace strata::server

#endif  // STRATA_SERVER_WATCH_REGISTRY_H_
