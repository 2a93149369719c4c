#include "server/transaction.h"

#include <fmt/format.h>

#include "common/clock.h"
#include "common/error_texts.h"
#include "server/client.h"
#include "server/command_table.h"
#include "server/dispatcher.h"
#include "server/server.h"

namespace strata::server {
namespace {

// Redis's accounting of a queued argument: its bytes and a pointer to it.
size_t ArgsMemory(std::span<const std::string_view> args) {
  size_t bytes = sizeof(void*) * args.size();
  for (std::string_view a : args) bytes += a.size();
  return bytes;
}

}  // namespace

void Transaction::Begin() {
  aborted_ = false;
  queued_count_.store(0, std::memory_order_relaxed);
}

void Transaction::Queue(const Command& cmd, std::span<const std::string_view> args) {
  // An aborted transaction will not run: its commands are not worth keeping.
  if (aborted_) return;
  Queued& q = queue_.emplace_back(Queued{&cmd, std::vector<std::string>(args.begin(), args.end()), {}});
  q.views.assign(q.args.begin(), q.args.end());
  queued_count_.store(static_cast<int>(queue_.size()), std::memory_order_relaxed);
  memory_.store(memory() + ArgsMemory(args), std::memory_order_relaxed);
}

void Transaction::Discard() {
  queue_.clear();
  aborted_ = false;
  queued_count_.store(-1, std::memory_order_relaxed);
  memory_.store(0, std::memory_order_relaxed);
  watched_.Clear();
}

TransactionCommands::TransactionCommands(const CommandTable& table)
    : exec(table.FindRegistered("exec")),
      select(table.FindRegistered("select")),
      immediate{exec,
                table.FindRegistered("discard"),
                table.FindRegistered("multi"),
                table.FindRegistered("watch"),
                table.FindRegistered("quit"),
                table.FindRegistered("reset")} {}

bool TransactionCommands::RunsInsideMulti(const Command& cmd) const {
  for (const Command* c : immediate) {
    if (c == &cmd) return true;
  }
  return false;
}

void RunTransaction(Dispatcher& dispatcher, Server& server, const TransactionCommands& commands, Client& client,
                    std::span<const std::string_view> exec_args, resp::ReplyBuilder& reply, store::LockSet* locks) {
  Transaction& tx = client.transaction();
  const Command& exec = *commands.exec;
  const size_t errors_before = reply.errors();
  const int64_t start = MonotonicUs();
  if (tx.aborted()) {
    tx.Discard();
    reply.Error(errors::kExecAbort);
    dispatcher.AfterUnlock(exec, client, exec_args, MonotonicUs() - start, reply.errors() - errors_before);
    return;
  }
  // Stage 2 for every queued command, and the watched keys. A queued SELECT moves the commands
  // after it to a database known only as they run: such a transaction locks every database.
  const size_t n = tx.size();
  bool selects = false;
  for (size_t i = 0; i < n; ++i) {
    dispatcher.CollectLocks(tx.command(i), client.db(), tx.args(i), locks);
    selects = selects || &tx.command(i) == commands.select;
  }
  if (selects) locks->AddAllDatabases();
  tx.watched().AddLocks(locks);
  // A script that became busy may hold the stripes for long: EXEC is refused as Redis refuses it.
  if (!dispatcher.LockUnlessBusy(locks)) {
    tx.Discard();
    server.request_counters().per_command[exec.id].rejected_calls.Add();
    server.request_counters().error_replies.Add();
    reply.Error(fmt::format(errors::kFmtExecAbortBecause, server.busy_scripts().BusyError()));
    return;
  }
  const int64_t now_ms = server.clock().NowMs();
  if (tx.watched().Changed(&server.keyspace(), now_ms)) {
    locks->Unlock();
    tx.Discard();
    reply.NullArray();
    dispatcher.AfterUnlock(exec, client, exec_args, MonotonicUs() - start, 0);
    return;
  }
  // Unwatched before running, as in Redis: the transaction's own writes are no change to it.
  tx.watched().Clear();
  reply.ArrayHeader(n);
  struct Ran {
    int64_t elapsed_us;
    size_t errors;
  };
  std::vector<Ran> ran(n);
  tx.set_running(true);
  for (size_t i = 0; i < n; ++i) {
    const size_t before = reply.errors();
    const int64_t t0 = MonotonicUs();
    // As Redis: a call the user may no longer make (its rules changed since it was queued) is
    // refused in its place in the reply, and the others run.
    if (const std::string denied = dispatcher.CheckQueuedPermissions(client, tx.command(i), tx.args(i));
        !denied.empty()) {
      reply.Error(denied);
    } else {
      dispatcher.Run(tx.command(i), client, reply, tx.args(i), now_ms);
    }
    ran[i] = Ran{MonotonicUs() - t0, reply.errors() - before};
  }
  tx.set_running(false);
  locks->Unlock();
  // Stage 6 for each command (the first delivers every event the transaction recorded), then
  // for EXEC, which counts as a call of its own without its commands' errors.
  for (size_t i = 0; i < n; ++i) dispatcher.AfterUnlock(tx.command(i), client, tx.args(i), ran[i].elapsed_us, ran[i].errors);
  tx.Discard();
  dispatcher.AfterUnlock(exec, client, exec_args, MonotonicUs() - start, 0);
}

}  // namespace strata::server
