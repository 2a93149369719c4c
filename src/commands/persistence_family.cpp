// Persistence commands: SAVE, BGSAVE, LASTSAVE, SHUTDOWN, DUMP, RESTORE.
#include <string>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "rdb/rdb_reader.h"
#include "rdb/rdb_writer.h"
#include "server/server.h"

namespace strata::commands {
namespace {

// SAVE
void CmdSave(CommandContext& ctx) {
  bool in_progress = false;
  std::string error;
  if (ctx.server.persistence().Save(&in_progress, &error)) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(in_progress ? errors::kBgsaveInProgress : errors::kSaveFailed);
  }
}

// BGSAVE [SCHEDULE]
void CmdBgsave(CommandContext& ctx) {
  // SCHEDULE matters only beside another child (an AOF rewrite), which Strata never has.
  if (ctx.argc() > 2 || (ctx.argc() == 2 && !ArgIs(ctx, 1, "SCHEDULE"))) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  switch (ctx.server.persistence().StartBackgroundSave()) {
    case server::Persistence::BgsaveStart::kStarted: ctx.reply.Simple("Background saving started"); break;
    case server::Persistence::BgsaveStart::kInProgress: ctx.reply.Error(errors::kBgsaveInProgress); break;
    case server::Persistence::BgsaveStart::kForkFailed: ctx.reply.Error(errors::kSaveFailed); break;
  }
}

// LASTSAVE
void CmdLastSave(CommandContext& ctx) { ctx.reply.Integer(ctx.server.persistence().last_save_s()); }

// SHUTDOWN's stripes: every one, for the save, unless NOSAVE says there is none (SHUTDOWN NOSAVE
// must not wait for a busy script's stripes).
void ShutdownLocks(int /*db*/, std::span<const std::string_view> args, store::LockSet* locks) {
  for (std::string_view arg : args.subspan(1)) {
    if (EqualsIgnoreCase(arg, "NOSAVE")) return;
  }
  server::LockAllDatabases(0, args, locks);
}

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
void CmdShutdown(CommandContext& ctx) {
  bool nosave = false;
  bool save = false;
  bool now = false;
  bool force = false;
  bool abort = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (ArgIs(ctx, i, "NOSAVE")) {
      nosave = true;
    } else if (ArgIs(ctx, i, "SAVE")) {
      save = true;
    } else if (ArgIs(ctx, i, "NOW")) {
      now = true;
    } else if (ArgIs(ctx, i, "FORCE")) {
      force = true;
    } else if (ArgIs(ctx, i, "ABORT")) {
      abort = true;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if ((abort && (nosave || save || now || force)) || (nosave && save)) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (abort) {
    // Shutdown never waits (there are no replicas to catch up), so none is ever in progress.
    ctx.reply.Error(errors::kNoShutdownInProgress);
    return;
  }
  // While a script is busy only SHUTDOWN NOSAVE ends the server, as in Redis.
  if (!nosave && ctx.server.busy_scripts().busy()) {
    ctx.reply.Error(ctx.server.busy_scripts().BusyError());
    return;
  }
  // As Redis: with save points (or SAVE) the dataset is saved first, and a failed save keeps the
  // server running unless FORCE.
  if (!ctx.server.persistence().SaveForShutdown(save, nosave) && !force) {
    ctx.reply.Error(errors::kShutdownFailed);
    return;
  }
  // As in Redis, the client gets no reply: the server closes the connection as it exits. Later
  // requests from the same client are not run.
  ctx.client.set_close_after_reply();
  ctx.server.RequestShutdown();
}

// DUMP key
void CmdDump(CommandContext& ctx) {
  store::Db db = ctx.db();
  const store::EntryRef ref = db.FindForRead(ctx.arg(1));
  if (!ref) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(rdb::EncodeDump(*ref.entry, ctx.server.config().Int(server::ConfigId::kRdbCompression) != 0));
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
void CmdRestore(CommandContext& ctx) {
  bool replace = false;
  bool absttl = false;
  int64_t idle = -1;
  int64_t freq = -1;
  for (size_t i = 4; i < ctx.argc(); ++i) {
    const bool has_value = i + 1 < ctx.argc();
    if (ArgIs(ctx, i, "REPLACE")) {
      replace = true;
    } else if (ArgIs(ctx, i, "ABSTTL")) {
      absttl = true;
    } else if (ArgIs(ctx, i, "IDLETIME") && has_value && freq == -1) {
      if (!ParseIntArg(ctx, ++i, &idle)) return;
      if (idle < 0) {
        ctx.reply.Error(errors::kInvalidIdleTime);
        return;
      }
    } else if (ArgIs(ctx, i, "FREQ") && has_value && idle == -1) {
      if (!ParseIntArg(ctx, ++i, &freq)) return;
      if (freq < 0 || freq > 255) {
        ctx.reply.Error(errors::kInvalidFreq);
        return;
      }
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  // IDLETIME sets the access field under a non-LFU policy, FREQ under an LFU one; the other is
  // validated and ignored, as in Redis.
  const std::string_view key = ctx.arg(1);
  store::Db db = ctx.db();
  if (!replace && db.FindForWrite(key)) {
    ctx.reply.Error(errors::kBusyKey);
    return;
  }
  int64_t ttl;
  if (!ParseIntArg(ctx, 2, &ttl)) return;
  if (ttl < 0) {
    ctx.reply.Error(errors::kInvalidTtl);
    return;
  }
  const int64_t deadline = ttl == 0 ? store::kNoExpire : (absttl ? ttl : ctx.now_ms + ttl);
  std::string error;
  store::Entry* entry = rdb::DecodeDump(ctx.arg(3), key, deadline, ctx.server.keyspace().limits(), &error);
  if (entry == nullptr) {
    ctx.reply.Error(error);
    return;
  }
  if (deadline != store::kNoExpire && deadline <= ctx.now_ms) {
    // Already expired: nothing is stored, and a replaced key is deleted.
    store::Entry::Destroy(entry);
    store::EntryRef old = db.Find(key);
    if (old) {
      db.Erase(&old);
      db.Notify(store::KeyEvent::kDel, key);
    }
    ctx.reply.Ok();
    return;
  }
  // Redis deletes a replaced key and adds the restored one anew: "new" is announced.
  if (store::EntryRef old = db.Find(key)) db.Erase(&old);
  entry->set_access(db.keyspace()->AccessFromHints(idle, freq));
  db.Insert(entry, store::Access::kKeep);
  db.Notify(store::KeyEvent::kRestore, key);
  ctx.reply.Ok();
}

}  // namespace

void RegisterPersistenceFamily(server::CommandTable& table) {
  table.SetGroup("server");
  table.Add({"save", 1, "admin noscript no_multi", 0, 0, 0, "", CmdSave, "Synchronously save the dataset to disk",
             "1.0.0", 0, nullptr, server::LockAllDatabases});
  // Every stripe is held across the fork only: the handler returns as soon as fork() has.
  table.Add({"bgsave", -1, "admin noscript", 0, 0, 0, "", CmdBgsave, "Asynchronously save the dataset to disk",
             "1.0.0", 0, nullptr, server::LockAllDatabases});
  table.Add({"lastsave", 1, "loading stale fast", 0, 0, 0, "@admin @dangerous", CmdLastSave,
             "Get the UNIX time stamp of the last successful save to disk", "1.0.0"});
  table.Add({"shutdown", -1, "admin noscript loading stale no_multi allow_busy", 0, 0, 0, "", CmdShutdown,
             "Synchronously save the dataset to disk and then shut down the server", "1.0.0", 0, nullptr,
             ShutdownLocks});
  table.SetGroup("generic");
  table.Add({"dump", 2, "readonly", 1, 1, 1, "@keyspace", CmdDump,
             "Return a serialized version of the value stored at the specified key.", "2.6.0"});
  table.Add({"restore", -4, "write denyoom", 1, 1, 1, "@keyspace @dangerous", CmdRestore,
             "Create a key using the provided serialized value, previously obtained using DUMP.", "2.6.0"});
}

}  // namespace strata::commands
