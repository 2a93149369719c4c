// Clients blocked on keys (BLPOP, BZPOPMIN ...) and their wake-ups across io-threads.
//
// A blocking command that finds nothing asks to block (Client::RequestBlock); the dispatcher then
// registers the client here while still holding the stripe locks of its keys, and a push to one of
// those keys (KeyspaceObserver::OnKeyReady, called under the same lock) can therefore never slip
// in between and be missed. A ready key wakes the client that blocked on it first: its io-thread
// re-runs the command; if that pops something the client leaves the registry and the wake-up
// passes to the next client in line, otherwise it stays blocked where it was. Clients are served
// first blocked, first served, each woken on its own thread.
//
// Thread-safe. Lock order: stripe locks, then the registry's mutex; the registry never takes a
// stripe lock.
#ifndef STRATA_SERVER_BLOCKING_H_
#define STRATA_SERVER_BLOCKING_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/keyspace.h"

namespace strata::server {

class IoThread;

// What a blocking command asks for when it finds nothing to take.
struct BlockRequest {
  std::vector<std::string> keys;
  int64_t deadline_ms = 0;  // Unix ms; 0 blocks forever
};

// How a blocked client leaves without being served.
enum class UnblockReason { kTimeout, kError };

class BlockingRegistry final : public store::KeyspaceObserver {
 public:
  // Called to re-run a woken client's command, or to end its block (timeout/error), on the
  // client's io-thread: wake(thread, client_id). Set once before any client blocks.
  using WakeFn = void (*)(IoThread* thread, uint64_t client_id);
  using UnblockFn = void (*)(IoThread* thread, uint64_t client_id, UnblockReason reason);
  BlockingRegistry(WakeFn wake, UnblockFn unblock) : wake_(wake), unblock_(unblock) {}

  // Registers `client_id` (on `thread`, database `db`) as blocked on request.keys. If it is
  // already registered (a re-run that still found nothing) it keeps its place in line and its
  // original deadline. REQUIRES: the caller holds the stripe locks of request.keys.
  void Block(uint64_t client_id, IoThread* thread, int db, const BlockRequest& request);

  // Removes `client_id`. With `pass_on`, or if it had been woken, the first client waiting on
  // each of its keys is woken in its place (the key may still hold what woke it).
  void Unblock(uint64_t client_id, bool pass_on);

  // CLIENT UNBLOCK: if `client_id` is blocked, asks its thread to end the block with `reason`
  // and returns true.
  bool RequestUnblock(uint64_t client_id, UnblockReason reason);

  // The deadline `client_id` blocked with (0 = none), or -1 if it is not blocked.
  int64_t DeadlineOf(uint64_t client_id) const;

  // KeyspaceObserver: wakes the first client waiting on (db, key), if any.
  void OnKeyReady(int db, std::string_view key) override;

  // For INFO: clients blocked now, and distinct keys they wait on.
  size_t blocked_clients() const { return blocked_.load(std::memory_order_relaxed); }
  // Blocked clients with a deadline.
  size_t timed_clients() const { return timed_.load(std::memory_order_relaxed); }
  size_t blocking_keys() const;

 private:
  struct Waiter {
    uint64_t client_id;
    IoThread* thread;
    int db;
    std::vector<std::string> keys;
    int64_t deadline_ms;
    bool woken = false;
  };
  static std::string SlotName(int db, std::string_view key);
  // Wakes the first waiter on `slot` unless one is already woken. REQUIRES: mu_.
  void WakeFirst(const std::string& slot);

  WakeFn wake_;
  UnblockFn unblock_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, std::unique_ptr<Waiter>> waiters_;
  std::unordered_map<std::string, std::deque<Waiter*>> by_key_;
  std::atomic<size_t> blocked_{0};
  std::atomic<size_t> timed_{0};
};

}  // namespace strata::server

#endif  // STRATA_SERVER_BLOCKING_H_
