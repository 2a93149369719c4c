// Clients blocked on keys (BLPOP, BZPOPMIN ...) and their service across io-threads.
//
// A blocking command that finds nothing asks to block (Client::RequestBlock); the dispatcher then
// registers the client here while still holding the stripe locks of its keys. The registry
// observes keyspace events: while any client is blocked it wants the events that can bring
// elements (pushes, stores, renames ...), and since a client widens that interest under its keys'
// locks, a push to one of those keys can never slip in between and be missed. The event, handed
// over after the pushing command released its locks, notes the key as ready on the pushing
// thread; then, before that thread runs anything else, ServeReady
// re-runs the blocked commands of the clients waiting on the ready keys, first blocked first
// served, on the pushing thread, and hands each served client its reply to send on its own thread.
// So, as in Redis, the command after a push already sees its waiters served (LLEN is 0, an LPOP
// finds nothing), and one push of N elements serves N waiters in their order.
//
// While the pushing thread serves a client, that client's blocking state (Client::blocked, its
// block request) belongs to the serving thread; Unblock waits for such a service to end, so the
// client cannot be closed or timed out under it.
//
// Thread-safe. Lock order: stripe locks, then the registry's mutex, then an io-thread's task
// queue; the registry never takes a stripe lock, and never waits while its caller holds one.
#ifndef STRATA_SERVER_BLOCKING_H_
#define STRATA_SERVER_BLOCKING_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/function_ref.h"
#include "store/keyspace.h"

namespace strata::server {

class Client;
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
  // Hands a served client its reply, on the client's io-thread: deliver(thread, client_id, reply).
  using DeliverFn = void (*)(IoThread* thread, uint64_t client_id, std::string reply);
  // Ends a block without serving it (CLIENT UNBLOCK), on the client's io-thread.
  using UnblockFn = void (*)(IoThread* thread, uint64_t client_id, UnblockReason reason);
  // Re-runs a blocked client's command `args` on the calling thread, taking the locks it needs.
  // Returns true and the reply in *reply if it was served (a pop, or an error such as BLMOVE's
  // WRONGTYPE destination), false if it found nothing and asked to block again.
  using ServeFn = FunctionRef<bool(Client& client, std::span<const std::string_view> args, std::string* reply)>;

  BlockingRegistry(DeliverFn deliver, UnblockFn unblock) : deliver_(deliver), unblock_(unblock) {}

  // Registers `client` (on `thread`, database `db`), blocked by the command `args`, as waiting on
  // request.keys. The registry keeps its own copy of `args`. `client` must stay valid until
  // Unblock(client->id()) returns or the client is served.
  // REQUIRES: the caller holds the stripe locks of request.keys; the client is not registered.
  void Block(Client* client, IoThread* thread, int db, std::span<const std::string_view> args,
             const BlockRequest& request);

  // Removes `client_id` unserved and returns true; returns false if it is not registered (never
  // was, or already served: its reply is on the way to its thread). Waits while another thread
  // is serving it. REQUIRES: the caller holds no stripe lock.
  bool Unblock(uint64_t client_id);

  // CLIENT UNBLOCK: if `client_id` is blocked, asks its thread to end the block with `reason`
  // and returns true.
  bool RequestUnblock(uint64_t client_id, UnblockReason reason);

  // The deadline `client_id` blocked with (0 = none), or -1 if it is not blocked.
  int64_t DeadlineOf(uint64_t client_id) const;

  // KeyspaceObserver: for an event that may have brought elements to a key a client waits on,
  // notes the key as ready on the calling thread (for SWAPDB, every waited-on key of both
  // databases); that thread's next ServeReady serves it.
  void OnKeyEvent(const store::KeyEventRecord& event) override;

  // Whether the calling thread has ready keys to serve.
  static bool HasReady();

  // Serves the clients waiting on the keys this thread noted as ready, in the order they
  // blocked, while the keys hold elements; keys made ready meanwhile (BLMOVE's destination) are
  // served too. REQUIRES: the caller holds no stripe lock.
  void ServeReady(ServeFn serve);

  // For INFO: clients blocked now, and distinct keys they wait on.
  size_t blocked_clients() const { return blocked_.load(std::memory_order_relaxed); }
  // Blocked clients with a deadline.
  size_t timed_clients() const { return timed_.load(std::memory_order_relaxed); }
  size_t blocking_keys() const;

 private:
  struct Waiter {
    Client* client;
    IoThread* thread;
    int db;
    std::vector<std::string> keys;
    std::vector<std::string> args;
    std::vector<std::string_view> arg_views;
    int64_t deadline_ms;
    bool in_service = false;  // a thread is re-running its command
  };
  static std::string SlotName(int db, std::string_view key);
  // Notes `slot` as ready on the calling thread if a client waits on it.
  void MarkReady(std::string slot);
  // Notes every waited-on slot of databases `a` and `b` as ready on the calling thread.
  void MarkDatabasesReady(int a, int b);
  // Takes `waiter` out of every line and destroys it. REQUIRES: mu_.
  void Remove(Waiter* waiter);

  DeliverFn deliver_;
  UnblockFn unblock_;
  mutable std::mutex mu_;
  std::condition_variable service_done_;  // a waiter's in_service went false
  std::unordered_map<uint64_t, std::unique_ptr<Waiter>> waiters_;
  std::unordered_map<std::string, std::deque<Waiter*>> by_key_;
  std::atomic<size_t> blocked_{0};
  std::atomic<size_t> timed_{0};
};

}  // namespace strata::server

#endif  // STRATA_SERVER_BLOCKING_H_
