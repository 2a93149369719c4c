// Runs one request, in stages:
//   1. Resolve:      look the command up, check its arity, the client's authentication and its
//                    user's permissions (ACL).
//   2. CollectLocks: add the stripes the call needs to a LockSet (its keys by the table's key
//                    positions or key finder, extra_locks), without running anything.
//   3. lock the set (LockSet::Lock, in the one global order).
//   4. Run:          call the handler at one instant, and register a block it asked for.
//   5. unlock.
//   6. AfterUnlock:  deliver the keyspace events the call recorded, serve the blocked clients they
//                    made ready, count the call.
// Execute runs them all for one request. A caller that gathers several calls under one lock set
// (EXEC) runs stages 1 and 2 for each, locks once, runs each, unlocks, then stage 6.
#ifndef STRATA_SERVER_DISPATCHER_H_
#define STRATA_SERVER_DISPATCHER_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "resp/reply_builder.h"
#include "server/acl_selector.h"
#include "server/client.h"
#include "server/command_stats.h"
#include "server/command_table.h"
#include "server/memory_guard.h"
#include "server/transaction.h"
#include "store/keyspace.h"
#include "store/lock_set.h"

namespace strata::server {

class IoThread;
class Server;

// Everything a command handler sees. Lives for one call.
class CommandContext {
 public:
  CommandContext(Server& server, Client& client, resp::ReplyBuilder& reply, const Command& command,
                 std::span<const std::string_view> args, int64_t now_ms)
      : server(server), client(client), reply(reply), command(command), args(args), now_ms(now_ms) {}

  Server& server;
  Client& client;
  resp::ReplyBuilder& reply;
  const Command& command;
  // args[0] is the command name as sent.
  std::span<const std::string_view> args;
  // The command's instant (Unix ms): every expiry judgement of the call uses it.
  int64_t now_ms;

  size_t argc() const { return args.size(); }
  std::string_view arg(size_t i) const { return args[i]; }
  // The client's selected database at the command's instant. The stripes of the command's keys
  // are locked.
  store::Db db() const;
};

class Dispatcher {
 public:
  // `thread` is the io-thread this dispatcher serves (blocked clients are woken there).
  Dispatcher(Server* server, IoThread* thread);

  // Runs the request `args` (non-empty) for `client` through every stage, writing the reply to
  // `reply`. `locks` is the calling thread's reusable lock set, empty and unlocked. Inside MULTI,
  // queues the request instead (server/transaction.h); EXEC runs the queue. A request CLIENT
  // PAUSE holds (checked after every refusal, before queuing, as Redis) neither runs nor replies:
  // the client is marked paused() and the caller runs the request again once the pause ends.
  // REQUIRES: the client's own io-thread; the calling thread holds no stripe lock.
  void Execute(Client& client, resp::ReplyBuilder& reply, std::span<const std::string_view> args,
               store::LockSet* locks);

  // Stage 1. Returns the command `args` calls (a subcommand for a container), or replies with the
  // error for an unknown command or subcommand, a bad arity, a missing authentication, a call
  // the client's ACL user may not make (logged in ACL LOG) or a no_multi command inside MULTI,
  // counts the refusal, and returns nullptr. Reads the client's user again if any user changed.
  const Command* Resolve(Client& client, std::span<const std::string_view> args, resp::ReplyBuilder& reply);

  // Stage 2. Adds to `locks` every stripe the call `args` of `cmd` in database `db` needs.
  // Thread-safe; takes no lock.
  void CollectLocks(const Command& cmd, int db, std::span<const std::string_view> args, store::LockSet* locks);

  // Stage 3: locks `locks`, unless a script becomes busy (server/busy_scripts.h) while waiting
  // for a stripe: then takes nothing and returns false (the caller answers -BUSY).
  bool LockUnlessBusy(store::LockSet* locks);

  // Stage 4. Calls the handler at the instant `now_ms`, then registers the block it asked for.
  // REQUIRES: the stripes CollectLocks added are held.
  void Run(const Command& cmd, Client& client, resp::ReplyBuilder& reply, std::span<const std::string_view> args,
           int64_t now_ms);

  // For EXEC, before each queued call: Redis's NOPERM error if the client's user may no longer
  // make it (the rules changed since it was queued; recorded in ACL LOG), or an empty string.
  std::string CheckQueuedPermissions(Client& client, const Command& cmd, std::span<const std::string_view> args);

  // Stage 6. Delivers the events the calling thread recorded, serves the blocked clients they made
  // ready, counts a call `args` of `cmd` that took `elapsed_us` and replied `new_errors` errors,
  // feeds it to MONITOR (unless it is an admin or skip_monitor command, as in Redis), and, unless
  // it blocked, to its latency histogram, the latency monitor and, if slow, the slowlog (a blocked
  // call goes there when served).
  // REQUIRES: the calling thread holds no stripe lock.
  void AfterUnlock(const Command& cmd, Client& client, std::span<const std::string_view> args, int64_t elapsed_us,
                   size_t new_errors);

  // Stage 6 of a call a script made (`client` is the script's caller, in_script()): counts it,
  // feeds it to MONITOR (as "lua"), its latency histogram and the slowlog, as Redis counts its
  // script client's calls. Its events are delivered when the script's own call unlocks.
  void AccountScriptCall(const Command& cmd, const Client& client, std::span<const std::string_view> args,
                         int64_t elapsed_us, size_t new_errors);

  // Feeds the call `args` of `cmd` (a skip_monitor script command) by `client` to MONITOR
  // before it runs: as in Redis, EVAL's line comes before the lines of its script's calls.
  void FeedMonitorsFirst(const Command& cmd, const Client& client, std::span<const std::string_view> args);

  // Whether memory stayed over maxmemory, nothing more to evict, when the last command was
  // resolved (scripts judge their denyoom calls by it, as Redis by its state at EVAL).
  bool over_maxmemory() const { return over_maxmemory_; }

  // This io-thread's eviction (server/memory_guard.h).
  MemoryGuard& memory_guard() { return memory_guard_; }

 private:
  // The counting part of stage 6: commandstats, latency, slowlog and MONITOR.
  void Account(const Command& cmd, const Client& client, std::span<const std::string_view> args, int64_t elapsed_us,
               size_t new_errors);
  // Sends the call `args` of `cmd` by `client` to every MONITOR client.
  void FeedMonitors(const Command& cmd, const Client& client, std::span<const std::string_view> args);
  // BlockingRegistry::ServeFn: re-runs the command `args` of the blocked `client` (of another
  // connection, maybe on another thread) through stages 2 to 5, its reply written to *reply.
  // Returns false if it found nothing and asked to block again.
  bool ServeBlocked(Client& client, std::span<const std::string_view> args, std::string* reply);
  // Adds a call of `cmd` that ran `elapsed_us` to its latency histogram (while latency-tracking is
  // on) and to the latency monitor's "command" or "fast-command" event (if slow enough).
  void RecordLatency(const Command& cmd, CommandCounters& per, int64_t elapsed_us);
  // Adds the call to the slowlog if it took long enough and its command is not skip_slowlog.
  void LogIfSlow(const Command& cmd, const Client& client, std::span<const std::string_view> args, int64_t elapsed_us);
  // The ACL check of Resolve: returns why the client's user may not make the call (recorded in
  // ACL LOG), or kNone. A client whose user was deleted is refused and closed.
  AclDenial CheckPermissions(Client& client, const Command& cmd, std::span<const std::string_view> args);
  // Whether CLIENT PAUSE holds the call of `cmd` by `client` now: every command under ALL; under
  // WRITE a write or may_replicate one, or an EXEC whose queue holds such a command.
  bool HeldByPause(const Client& client, const Command& cmd) const;
  // Whether `cmd` is refused while memory is over maxmemory and nothing can be evicted: a
  // denyoom command, any command queued inside MULTI, an EXEC whose queue holds a denyoom one.
  bool RefusedOnOom(const Client& client, const Command& cmd) const;

  Server* server_;
  IoThread* thread_;
  const TransactionCommands transaction_commands_;
  std::vector<int> key_indexes_scratch_;
  MemoryGuard memory_guard_;
  bool over_maxmemory_ = false;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_DISPATCHER_H_
