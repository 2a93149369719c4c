// Keyspace and expiry commands: DEL, EXISTS, RENAME, COPY, MOVE, KEYS, SCAN, OBJECT, EXPIRE, TTL
// and their relatives. They work on keys of every type.
#include <climits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "server/server.h"
#include "store/keyspace_ops.h"
#include "store/lock_set.h"

namespace strata::commands {
namespace {

using store::OpStatus;

constexpr std::string_view kObjectHelp[] = {
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
};

// Reads COPY's options (args[3] on) in order, as Redis does, so the first bad one decides the
// error. On success returns nullptr and sets *replace and *db (the last DB given, or -1);
// otherwise returns the error text. `databases` bounds the DB option.
const char* ParseCopyOptions(std::span<const std::string_view> args, int databases, bool* replace, int* db) {
  *replace = false;
  *db = -1;
  for (size_t j = 3; j < args.size(); ++j) {
    if (EqualsIgnoreCase(args[j], "REPLACE")) {
      *replace = true;
    } else if (EqualsIgnoreCase(args[j], "DB") && j + 1 < args.size()) {
      if (const char* error = ParseDbIndex(args[++j], databases, db)) return error;
    } else {
      return errors::kSyntax;
    }
  }
  return nullptr;
}

// Lock declaration of COPY: the destination key's stripe in the DB-option database. (The
// handler rejects a database the keyspace lacks; LockSet ignores it.)
void CopyExtraLocks(int /*db*/, std::span<const std::string_view> args, store::LockSet* locks) {
  bool replace;
  int db;
  if (ParseCopyOptions(args, INT_MAX, &replace, &db) == nullptr && db >= 0) locks->Add(db, args[2]);
}

// Lock declaration of MOVE: the key's stripe in the target database.
void MoveExtraLocks(int /*db*/, std::span<const std::string_view> args, store::LockSet* locks) {
  int db;
  if (ParseInt32(args[2], &db) == IntParse::kOk) locks->Add(db, args[1]);
}

// Lock declaration of SWAPDB: both databases. (The handler rejects bad indexes; LockSet ignores a
// database the keyspace lacks.)
void SwapdbExtraLocks(int /*db*/, std::span<const std::string_view> args, store::LockSet* locks) {
  for (size_t i = 1; i <= 2; ++i) {
    int index;
    if (ParseInt32(args[i], &index) == IntParse::kOk) locks->AddDatabase(index);
  }
}

// DEL and UNLINK.
void DeleteKeys(CommandContext& ctx, bool lazy) {
  store::Db db = ctx.db();
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) deleted += store::DeleteKey(db, ctx.arg(i), lazy) ? 1 : 0;
  ctx.reply.Integer(deleted);
}

// DEL key [key ...]
void CmdDel(CommandContext& ctx) { DeleteKeys(ctx, false); }

// UNLINK key [key ...]
void CmdUnlink(CommandContext& ctx) { DeleteKeys(ctx, true); }

// EXISTS key [key ...]
void CmdExists(CommandContext& ctx) {
  store::Db db = ctx.db();
  int64_t count = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) count += store::KeyExists(db, ctx.arg(i)) ? 1 : 0;
  ctx.reply.Integer(count);
}

// TOUCH key [key ...]
void CmdTouch(CommandContext& ctx) {
  store::Db db = ctx.db();
  int64_t count = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) count += store::TouchKey(db, ctx.arg(i)) ? 1 : 0;
  ctx.reply.Integer(count);
}

// TYPE key
void CmdType(CommandContext& ctx) {
  store::Db db = ctx.db();
  store::ValueType type;
  if (store::GetKeyType(db, ctx.arg(1), &type) == OpStatus::kOk) {
    ctx.reply.Simple(store::TypeName(type));
  } else {
    ctx.reply.Simple("none");
  }
}

// RENAME and RENAMENX.
void Rename(CommandContext& ctx, bool only_if_absent) {
  store::Db db = ctx.db();
  const OpStatus status = store::RenameKey(db, ctx.arg(1), ctx.arg(2), only_if_absent);
  if (status == OpStatus::kNoKey) {
    ctx.reply.Error(errors::kNoSuchKey);
  } else if (only_if_absent) {
    ctx.reply.Integer(status == OpStatus::kOk ? 1 : 0);
  } else {
    ctx.reply.Ok();
  }
}

// RENAME key newkey
void CmdRename(CommandContext& ctx) { Rename(ctx, false); }

// RENAMENX key newkey
void CmdRenamenx(CommandContext& ctx) { Rename(ctx, true); }

// COPY source destination [DB destination-db] [REPLACE]
void CmdCopy(CommandContext& ctx) {
  store::Db src = ctx.db();
  bool replace;
  int target;
  const char* error = ParseCopyOptions(ctx.args, ctx.server.keyspace().databases(), &replace, &target);
  if (error != nullptr) {
    ctx.reply.Error(error);
    return;
  }
  if (target < 0) target = src.index();
  if (target == src.index() && ctx.arg(1) == ctx.arg(2)) {
    ctx.reply.Error(errors::kSameObject);
    return;
  }
  store::Db dst(src.keyspace(), target, src.NowMs());
  const OpStatus status = store::CopyKey(src, ctx.arg(1), dst, ctx.arg(2), replace);
  ctx.reply.Integer(status == OpStatus::kOk ? 1 : 0);
}

// MOVE key db
void CmdMove(CommandContext& ctx) {
  store::Db src = ctx.db();
  int target;
  if (const char* error = ParseDbIndex(ctx.arg(2), ctx.server.keyspace().databases(), &target)) {
    ctx.reply.Error(error);
    return;
  }
  if (target == src.index()) {
    ctx.reply.Error(errors::kSameObject);
    return;
  }
  store::Db dst(src.keyspace(), target, src.NowMs());
  ctx.reply.Integer(store::MoveKey(src, dst, ctx.arg(1)) == OpStatus::kOk ? 1 : 0);
}

// RANDOMKEY
void CmdRandomkey(CommandContext& ctx) {
  const std::optional<std::string> key = ctx.db().RandomKey();
  if (key) {
    ctx.reply.Bulk(*key);
  } else {
    ctx.reply.Null();
  }
}

// DBSIZE
void CmdDbsize(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.keyspace().DbSize(ctx.client.db())));
}

// FLUSHDB and FLUSHALL: empties database `db` (-1: all) and replies. The lazyfree-lazy-user-flush
// default (no) makes a bare flush synchronous. Returns false after a syntax error.
bool Flush(CommandContext& ctx, int db) {
  bool async = false;
  if (ctx.argc() > 2) {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  if (ctx.argc() == 2) {
    if (ArgIs(ctx, 1, "ASYNC")) {
      async = true;
    } else if (!ArgIs(ctx, 1, "SYNC")) {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
  }
  ctx.server.keyspace().Flush(db, async);
  ctx.reply.Ok();
  return true;
}

// FLUSHDB [ASYNC | SYNC]
void CmdFlushdb(CommandContext& ctx) { Flush(ctx, ctx.client.db()); }

// FLUSHALL [ASYNC | SYNC]
void CmdFlushall(CommandContext& ctx) {
  // As Redis: a running snapshot is abandoned, and with save points the empty dataset is saved.
  if (Flush(ctx, -1)) ctx.server.persistence().OnFlushAll();
}

// SWAPDB index1 index2
void CmdSwapdb(CommandContext& ctx) {
  int a;
  int b;
  if (ParseInt32(ctx.arg(1), &a) != IntParse::kOk) {
    ctx.reply.Error(errors::kInvalidFirstDbIndex);
    return;
  }
  if (ParseInt32(ctx.arg(2), &b) != IntParse::kOk) {
    ctx.reply.Error(errors::kInvalidSecondDbIndex);
    return;
  }
  const int databases = ctx.server.keyspace().databases();
  if (a < 0 || a >= databases || b < 0 || b >= databases) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return;
  }
  ctx.server.keyspace().SwapDb(a, b);
  ctx.reply.Ok();
}

// KEYS pattern
void CmdKeys(CommandContext& ctx) {
  const size_t header = ctx.reply.BeginDeferredArray();
  size_t count = 0;
  store::Db db = ctx.db();
  store::MatchKeys(db, ctx.arg(1), [&](std::string_view key) {
    ctx.reply.Bulk(key);
    ++count;
  });
  ctx.reply.EndDeferredArray(header, count);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
void CmdScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseCursor(ctx.arg(1), &cursor)) {
    ctx.reply.Error(errors::kInvalidCursor);
    return;
  }
  ScanOptions options;
  if (const char* error = ParseScanOptions(ctx.args, 2, /*allow_type=*/true, &options)) {
    ctx.reply.Error(error);
    return;
  }
  store::ScanFilter filter;
  filter.has_pattern = options.pattern.has_value();
  filter.pattern = options.pattern.value_or("");
  filter.has_type = options.type.has_value();
  filter.type_name = options.type.value_or("");
  // The next cursor, which leads the reply, is known only after the step: gather the keys first.
  std::vector<std::string> keys;
  store::Db db = ctx.db();
  const uint64_t next = store::ScanKeys(db, cursor, options.count, filter,
                                        [&keys](std::string_view key) { keys.emplace_back(key); });
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& key : keys) ctx.reply.Bulk(key);
}

// OBJECT ENCODING key
void CmdObjectEncoding(CommandContext& ctx) {
  store::Db db = ctx.db();
  store::ObjectInfo info;
  if (store::InspectKey(db, ctx.arg(2), &info) != OpStatus::kOk) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(store::EncodingName(info.encoding));
}

// OBJECT REFCOUNT key
void CmdObjectRefcount(CommandContext& ctx) {
  store::Db db = ctx.db();
  store::ObjectInfo info;
  if (store::InspectKey(db, ctx.arg(2), &info) != OpStatus::kOk) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Integer(info.refcount);
}

// OBJECT IDLETIME key
void CmdObjectIdletime(CommandContext& ctx) {
  store::Db db = ctx.db();
  store::ObjectInfo info;
  if (store::InspectKey(db, ctx.arg(2), &info) != OpStatus::kOk) {
    ctx.reply.Null();
    return;
  }
  if (store::IsLfu(db.keyspace()->eviction_policy())) {
    ctx.reply.Error(errors::kLfuSelected);
    return;
  }
  ctx.reply.Integer(info.idle_seconds);
}

// OBJECT FREQ key
// Access frequency is tracked only under an LFU maxmemory-policy: otherwise a missing key still
// replies null first, and a present one gets the error. The counter is shown decayed to now.
void CmdObjectFreq(CommandContext& ctx) {
  store::Db db = ctx.db();
  store::ObjectInfo info;
  if (store::InspectKey(db, ctx.arg(2), &info) != OpStatus::kOk) {
    ctx.reply.Null();
    return;
  }
  store::Keyspace& ks = *db.keyspace();
  if (!store::IsLfu(ks.eviction_policy())) {
    ctx.reply.Error(errors::kLfuNotSelected);
    return;
  }
  ctx.reply.Integer(store::LfuDecayed(info.access, store::LfuMinutes(ctx.now_ms), ks.lfu_decay_time()));
}

// OBJECT HELP
void CmdObjectHelp(CommandContext& ctx) {
  ctx.reply.ArrayHeader(std::size(kObjectHelp));
  for (std::string_view line : kObjectHelp) ctx.reply.Simple(line);
}

// Reads EXPIRE's NX | XX | GT | LT options from argument 3 on. Replies Redis's error and
// returns false on an unknown option or an incompatible mix.
bool ParseExpireConditions(CommandContext& ctx, unsigned* conditions) {
  *conditions = store::kExpireAlways;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (ArgIs(ctx, i, "NX")) {
      *conditions |= store::kExpireNx;
    } else if (ArgIs(ctx, i, "XX")) {
      *conditions |= store::kExpireXx;
    } else if (ArgIs(ctx, i, "GT")) {
      *conditions |= store::kExpireGt;
    } else if (ArgIs(ctx, i, "LT")) {
      *conditions |= store::kExpireLt;
    } else {
      ctx.reply.Error(fmt::format(errors::kFmtUnsupportedOption, ctx.arg(i)));
      return false;
    }
  }
  if ((*conditions & store::kExpireNx) && (*conditions & ~unsigned{store::kExpireNx})) {
    ctx.reply.Error(errors::kExpireOptionsNxXxGtLt);
    return false;
  }
  if ((*conditions & store::kExpireGt) && (*conditions & store::kExpireLt)) {
    ctx.reply.Error(errors::kExpireOptionsGtLt);
    return false;
  }
  return true;
}

// EXPIRE and its relatives: argument 2 is seconds or milliseconds (`seconds`), relative to now
// or absolute (`relative`). Negative values are allowed (they delete the key); only overflow is
// an error.
void Expire(CommandContext& ctx, bool seconds, bool relative) {
  unsigned conditions;
  if (!ParseExpireConditions(ctx, &conditions)) return;
  int64_t when;
  if (!ParseIntArg(ctx, 2, &when)) return;
  const std::string invalid = fmt::format(errors::kFmtInvalidExpireTime, ctx.command.name);
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      ctx.reply.Error(invalid);
      return;
    }
    when *= 1000;
  }
  store::Db db = ctx.db();
  const int64_t base = relative ? db.NowMs() : 0;
  if (when > INT64_MAX - base) {
    ctx.reply.Error(invalid);
    return;
  }
  const OpStatus status = store::SetExpiry(db, ctx.arg(1), when + base, conditions);
  ctx.reply.Integer(status == OpStatus::kOk ? 1 : 0);
}

// EXPIRE key seconds [NX | XX | GT | LT]
void CmdExpire(CommandContext& ctx) { Expire(ctx, true, true); }

// PEXPIRE key milliseconds [NX | XX | GT | LT]
void CmdPexpire(CommandContext& ctx) { Expire(ctx, false, true); }

// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
void CmdExpireat(CommandContext& ctx) { Expire(ctx, true, false); }

// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
void CmdPexpireat(CommandContext& ctx) { Expire(ctx, false, false); }

// TTL and its relatives: -2 for a missing key, -1 for no deadline, otherwise the time left
// (`relative`) or the deadline, in ms or in seconds rounded to the nearest (`in_ms`).
void Ttl(CommandContext& ctx, bool in_ms, bool relative) {
  store::Db db = ctx.db();
  int64_t deadline;
  if (store::GetExpiry(db, ctx.arg(1), &deadline) != OpStatus::kOk) {
    ctx.reply.Integer(-2);
    return;
  }
  if (deadline == store::kNoExpire) {
    ctx.reply.Integer(-1);
    return;
  }
  int64_t value = relative ? deadline - db.NowMs() : deadline;
  if (value < 0) value = 0;
  ctx.reply.Integer(in_ms ? value : (value + 500) / 1000);
}

// TTL key
void CmdTtl(CommandContext& ctx) { Ttl(ctx, false, true); }

// PTTL key
void CmdPttl(CommandContext& ctx) { Ttl(ctx, true, true); }

// EXPIRETIME key
void CmdExpiretime(CommandContext& ctx) { Ttl(ctx, false, false); }

// PEXPIRETIME key
void CmdPexpiretime(CommandContext& ctx) { Ttl(ctx, true, false); }

// PERSIST key
void CmdPersist(CommandContext& ctx) {
  store::Db db = ctx.db();
  ctx.reply.Integer(store::ClearExpiry(db, ctx.arg(1)) == OpStatus::kOk ? 1 : 0);
}

}  // namespace

void RegisterKeyspaceFamily(server::CommandTable& table) {
  table.SetGroup("generic");
  table.Add({"del", -2, "write", 1, -1, 1, "@keyspace", CmdDel, "Delete a key", "1.0.0"});
  table.Add({"unlink", -2, "write fast", 1, -1, 1, "@keyspace", CmdUnlink,
             "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
             "4.0.0"});
  table.Add({"exists", -2, "readonly fast", 1, -1, 1, "@keyspace", CmdExists, "Determine if a key exists",
             "1.0.0"});
  table.Add({"touch", -2, "readonly fast", 1, -1, 1, "@keyspace", CmdTouch,
             "Alters the last access time of a key(s). Returns the number of existing keys specified.", "3.2.1"});
  table.Add({"type", 2, "readonly fast", 1, 1, 1, "@keyspace", CmdType, "Determine the type stored at key",
             "1.0.0"});
  table.Add({"rename", 3, "write", 1, 2, 1, "@keyspace", CmdRename, "Rename a key", "1.0.0"});
  table.Add({"renamenx", 3, "write fast", 1, 2, 1, "@keyspace", CmdRenamenx,
             "Rename a key, only if the new key does not exist", "1.0.0"});
  table.Add({"copy", -3, "write denyoom", 1, 2, 1, "@keyspace", CmdCopy, "Copy a key", "6.2.0", 0, nullptr,
             CopyExtraLocks});
  table.Add({"move", 3, "write fast", 1, 1, 1, "@keyspace", CmdMove, "Move a key to another database", "1.0.0",
             0, nullptr, MoveExtraLocks});
  table.Add({"randomkey", 1, "readonly", 0, 0, 0, "@keyspace", CmdRandomkey,
             "Return a random key from the keyspace", "1.0.0", 0, nullptr, server::LockClientDatabase});
  // Redis documents these four in its "server" group.
  table.SetGroup("server");
  table.Add({"dbsize", 1, "readonly fast", 0, 0, 0, "@keyspace", CmdDbsize,
             "Return the number of keys in the selected database", "1.0.0", 0, nullptr, server::LockClientDatabase});
  table.Add({"flushdb", -1, "write", 0, 0, 0, "@keyspace @dangerous", CmdFlushdb,
             "Remove all keys from the current database", "1.0.0", 0, nullptr, server::LockClientDatabase});
  table.Add({"flushall", -1, "write", 0, 0, 0, "@keyspace @dangerous", CmdFlushall,
             "Remove all keys from all databases", "1.0.0", 0, nullptr, server::LockAllDatabases});
  table.Add({"swapdb", 3, "write fast", 0, 0, 0, "@keyspace @dangerous", CmdSwapdb, "Swaps two Redis databases",
             "4.0.0", 0, nullptr, SwapdbExtraLocks});
  table.SetGroup("generic");
  table.Add({"keys", 2, "readonly", 0, 0, 0, "@keyspace @dangerous", CmdKeys,
             "Find all keys matching the given pattern", "1.0.0", 0, nullptr, server::LockClientDatabase});
  table.Add({"scan", -2, "readonly", 0, 0, 0, "@keyspace", CmdScan, "Incrementally iterate the keys space",
             "2.8.0", 0, nullptr, server::LockClientDatabase});
  table.Add({"object", -2, "", 0, 0, 0, "", nullptr, "A container for object introspection commands", "2.2.3"});
  table.Add({"object|encoding", 3, "readonly", 2, 2, 1, "@keyspace", CmdObjectEncoding,
             "Inspect the internal encoding of a Redis object", "2.2.3"});
  table.Add({"object|freq", 3, "readonly", 2, 2, 1, "@keyspace", CmdObjectFreq,
             "Get the logarithmic access frequency counter of a Redis object", "4.0.0"});
  table.Add({"object|help", 2, "loading stale", 0, 0, 0, "@keyspace", CmdObjectHelp,
             "Show helpful text about the different subcommands", "6.2.0"});
  table.Add({"object|idletime", 3, "readonly", 2, 2, 1, "@keyspace", CmdObjectIdletime,
             "Get the time since a Redis object was last accessed", "2.2.3"});
  table.Add({"object|refcount", 3, "readonly", 2, 2, 1, "@keyspace", CmdObjectRefcount,
             "Get the number of references to the value of the key", "2.2.3"});
  table.Add({"expire", -3, "write fast", 1, 1, 1, "@keyspace", CmdExpire, "Set a key's time to live in seconds",
             "1.0.0"});
  table.Add({"pexpire", -3, "write fast", 1, 1, 1, "@keyspace", CmdPexpire,
             "Set a key's time to live in milliseconds", "2.6.0"});
  table.Add({"expireat", -3, "write fast", 1, 1, 1, "@keyspace", CmdExpireat,
             "Set the expiration for a key as a UNIX timestamp", "1.2.0"});
  table.Add({"pexpireat", -3, "write fast", 1, 1, 1, "@keyspace", CmdPexpireat,
             "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0"});
  table.Add({"ttl", 2, "readonly fast", 1, 1, 1, "@keyspace", CmdTtl, "Get the time to live for a key in seconds",
             "1.0.0"});
  table.Add({"pttl", 2, "readonly fast", 1, 1, 1, "@keyspace", CmdPttl,
             "Get the time to live for a key in milliseconds", "2.6.0"});
  table.Add({"expiretime", 2, "readonly fast", 1, 1, 1, "@keyspace", CmdExpiretime,
             "Get the expiration Unix timestamp for a key", "7.0.0"});
  table.Add({"pexpiretime", 2, "readonly fast", 1, 1, 1, "@keyspace", CmdPexpiretime,
             "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0"});
  table.Add({"persist", 2, "write fast", 1, 1, 1, "@keyspace", CmdPersist, "Remove the expiration from a key",
             "2.2.0"});
}

}  // namespace strata::commands
