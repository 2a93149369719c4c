// Transaction commands: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//
// Inside MULTI the dispatcher queues every other command; EXEC of a transaction is run by the
// dispatcher itself (server/transaction.h), which locks the queue's keys once. What remains for
// the handlers is the state of the client's transaction and its watched keys.
#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "server/server.h"

namespace strata::commands {
namespace {

// MULTI
void CmdMulti(CommandContext& ctx) {
  server::Transaction& tx = ctx.client.transaction();
  if (tx.active()) {
    ctx.reply.Error(errors::kMultiNested);
    return;
  }
  tx.Begin();
  ctx.reply.Ok();
}

// EXEC
void CmdExec(CommandContext& ctx) {
  // Inside MULTI the dispatcher runs the transaction instead: this is an EXEC without one.
  ctx.reply.Error(errors::kExecWithoutMulti);
}

// DISCARD
void CmdDiscard(CommandContext& ctx) {
  server::Transaction& tx = ctx.client.transaction();
  if (!tx.active()) {
    ctx.reply.Error(errors::kDiscardWithoutMulti);
    return;
  }
  tx.Discard();
  ctx.reply.Ok();
}

// WATCH key [key ...]
void CmdWatch(CommandContext& ctx) {
  server::Transaction& tx = ctx.client.transaction();
  if (tx.active()) {
    ctx.reply.Error(errors::kWatchInsideMulti);
    return;
  }
  // A client whose EXEC will fail anyway need not watch more.
  if (!tx.watched().dirty()) {
    const store::Db db = ctx.db();
    for (size_t i = 1; i < ctx.argc(); ++i) tx.watched().Watch(&ctx.server.watches(), db, ctx.arg(i));
  }
  ctx.reply.Ok();
}

// UNWATCH
void CmdUnwatch(CommandContext& ctx) {
  ctx.client.transaction().watched().Clear();
  ctx.reply.Ok();
}

}  // namespace

void RegisterTransactionFamily(server::CommandTable& table) {
  table.SetGroup("transactions");
  table.Add({"multi", 1, "noscript loading stale fast allow_busy", 0, 0, 0, "@transaction", CmdMulti,
             "Mark the start of a transaction block", "1.2.0"});
  table.Add({"exec", 1, "noscript loading stale skip_slowlog", 0, 0, 0, "@transaction", CmdExec,
             "Execute all commands issued after MULTI", "1.2.0"});
  table.Add({"discard", 1, "noscript loading stale fast allow_busy", 0, 0, 0, "@transaction", CmdDiscard,
             "Discard all commands issued after MULTI", "2.0.0"});
  table.Add({"watch", -2, "noscript loading stale fast allow_busy", 1, -1, 1, "@transaction", CmdWatch,
             "Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0"});
  table.Add({"unwatch", 1, "noscript loading stale fast allow_busy", 0, 0, 0, "@transaction", CmdUnwatch,
             "Forget about all watched keys", "2.2.0"});
}

}  // namespace strata::commands
