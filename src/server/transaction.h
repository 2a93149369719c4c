// MULTI/EXEC: one client's transaction state, and the running of a transaction as one call.
//
// Between MULTI and EXEC a client's commands are checked (Dispatcher::Resolve) and queued, not
// run; a refusal while queuing aborts the transaction. EXEC runs the queue as one call: it
// collects the stripes of every queued command and of the watched keys, locks them once (in the
// one global order), judges the watched keys, runs every command at one instant, unlocks, and
// only then delivers their events and counts them: no other client sees half of it.
#ifndef STRATA_SERVER_TRANSACTION_H_
#define STRATA_SERVER_TRANSACTION_H_

#include <atomic>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "resp/reply_builder.h"
#include "server/watch_registry.h"
#include "store/lock_set.h"

namespace strata::server {

class Client;
class CommandTable;
class Dispatcher;
class Server;
struct Command;

// Owned by the client and changed by its io-thread; CLIENT LIST on other threads reads
// queued_count() and watched().dirty().
class Transaction {
 public:
  Transaction() = default;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // Between MULTI and the EXEC or DISCARD that ends it.
  bool active() const { return queued_count() >= 0; }
  // Commands queued, or -1 outside MULTI (CLIENT LIST's multi=). Any thread.
  int queued_count() const { return queued_count_.load(std::memory_order_relaxed); }
  // Bytes the queued commands hold (CLIENT LIST's multi-mem=).
  size_t memory() const { return memory_.load(std::memory_order_relaxed); }
  // A command was refused while queuing: EXEC answers EXECABORT.
  bool aborted() const { return aborted_; }
  // While EXEC runs the queue (blocking commands do not block then).
  bool running() const { return running_; }
  void set_running(bool v) { running_ = v; }

  // MULTI. REQUIRES: !active().
  void Begin();
  // Queues a copy of the call `args` of `cmd`. REQUIRES: active().
  void Queue(const Command& cmd, std::span<const std::string_view> args);
  // Marks a transaction in progress as aborted (Redis's flagTransaction); nothing outside one.
  void Abort() {
    if (active()) aborted_ = true;
  }
  // Ends the transaction, if any, and unwatches every key (EXEC, DISCARD, RESET).
  void Discard();

  size_t size() const { return queue_.size(); }
  const Command& command(size_t i) const { return *queue_[i].cmd; }
  std::span<const std::string_view> args(size_t i) const { return queue_[i].views; }

  WatchedKeys& watched() { return watched_; }
  const WatchedKeys& watched() const { return watched_; }

 private:
  struct Queued {
    const Command* cmd;
    std::vector<std::string> args;
    std::vector<std::string_view> views;  // into args
  };
  std::vector<Queued> queue_;
  WatchedKeys watched_;
  std::atomic<int> queued_count_{-1};
  std::atomic<size_t> memory_{0};
  bool aborted_ = false;
  bool running_ = false;
};

// The commands that run at once inside MULTI (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET), and
// SELECT, which moves the queued commands after it to another database. Looked up once.
struct TransactionCommands {
  explicit TransactionCommands(const CommandTable& table);
  // Whether `cmd` runs at once inside MULTI instead of being queued.
  bool RunsInsideMulti(const Command& cmd) const;

  const Command* exec;
  const Command* select;
  const Command* immediate[6];
};

// EXEC of an active transaction: runs the queue of `client` through `dispatcher` as described
// above (EXECABORT for an aborted one, a null array when a watched key changed), replying to
// `reply`, and counts the EXEC call `exec` (its arguments `exec_args`). `locks` is the calling thread's lock set, empty and
// unlocked. REQUIRES: client.transaction().active(); the client's io-thread; no stripe held.
void RunTransaction(Dispatcher& dispatcher, Server& server, const TransactionCommands& commands, Client& client,
                    std::span<const std::string_view> exec_args, resp::ReplyBuilder& reply, store::LockSet* locks);

}  // namespace strata::server

#endif  // STRATA_SERVER_TRANSACTION_H_
