// SORT and SORT_RO.
//
// Locking: BY and GET patterns make SORT read keys built from the values it sorts, which no
// argument names, so the dispatcher cannot lock them key by key before the handler runs. When a
// call's options read such keys, the command row's extra_locks hook asks the dispatcher to lock
// every stripe of the client's database instead (in the global order, so no deadlock); the call
// then reads its source, its pattern keys and writes its STORE destination atomically, as in
// Redis. Calls without such patterns lock only the source and the destination. The hooks and the
// handler parse the arguments with the same function, so a call that reads pattern keys is always
// one for which the whole database was locked.
//
// Why not lock just the pattern keys: they are known only after the source is read under its own
// lock; taking more stripes then would break the ascending lock order (a deadlock risk), and
// releasing to re-lock the union would let the source change in between, so the key set would
// have to be recomputed and the whole call retried. A SORT with patterns does a lookup per
// element anyway, and Redis runs it with the whole server to itself; the simple lock is correct
// and its cost (1024 uncontended mutexes) is small next to that work.
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "store/lock_set.h"
#include "store/sort_ops.h"

namespace strata::commands {
namespace {

using store::OpStatus;

// A parsed SORT call.
struct SortCall {
  store::SortOptions options;
  size_t store_at = 0;  // the index of the STORE destination argument; 0 when there is none
};

enum class SortArgsError { kNone, kSyntax, kNotInteger };

// Parses the options of SORT (or SORT_RO, `readonly`: no STORE) from args[2] on, as Redis does:
// left to right, stopping at the first error; repeated options override earlier ones (the last
// STORE and BY win), except that any BY pattern without '*' turns sorting off. An option word
// without enough arguments after it is a syntax error. Pure, so the key and lock hooks can run it
// before the handler does.
SortArgsError ParseSortArgs(std::span<const std::string_view> args, bool readonly, SortCall* call) {
  store::SortOptions& options = call->options;
  for (size_t j = 2; j < args.size(); ++j) {
    const size_t left = args.size() - j - 1;
    const std::string_view word = args[j];
    if (EqualsIgnoreCase(word, "asc")) {
      options.desc = false;
    } else if (EqualsIgnoreCase(word, "desc")) {
      options.desc = true;
    } else if (EqualsIgnoreCase(word, "alpha")) {
      options.alpha = true;
    } else if (EqualsIgnoreCase(word, "limit") && left >= 2) {
      if (!ParseInt64(args[j + 1], &options.limit_offset) || !ParseInt64(args[j + 2], &options.limit_count)) {
        return SortArgsError::kNotInteger;
      }
      j += 2;
    } else if (!readonly && EqualsIgnoreCase(word, "store") && left >= 1) {
      call->store_at = ++j;
    } else if (EqualsIgnoreCase(word, "by") && left >= 1) {
      options.by = args[++j];
      if (!store::SortPatternNamesKeys(*options.by)) options.dont_sort = true;
    } else if (EqualsIgnoreCase(word, "get") && left >= 1) {
      options.get.push_back(args[++j]);
    } else {
      return SortArgsError::kSyntax;
    }
  }
  return SortArgsError::kNone;
}

// Key finder of SORT: the sorted key and the STORE destination as Redis's COMMAND GETKEYS finds
// it, without reading option values: LIMIT skips two words, BY and GET one, any other word none,
// and the last "STORE word" names it (so `LIMIT 4 abc STORE d`, which SORT itself refuses, still
// names d). Where that walk and the real parse disagree (`STORE GET STORE d` writes d, Redis's
// walk says GET), the parsed destination is added too: the handler writes only locked keys.
void SortKeys(std::span<const std::string_view> args, std::vector<int>* keys) {
  keys->push_back(1);
  size_t store_at = 0;
  for (size_t i = 2; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "limit")) {
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "by") || EqualsIgnoreCase(args[i], "get")) {
      i += 1;
    } else if (EqualsIgnoreCase(args[i], "store") && i + 1 < args.size()) {
      store_at = i + 1;
    }
  }
  if (store_at != 0) keys->push_back(static_cast<int>(store_at));
  SortCall call;
  if (ParseSortArgs(args, false, &call) == SortArgsError::kNone && call.store_at != 0 && call.store_at != store_at) {
    keys->push_back(static_cast<int>(call.store_at));
  }
}

// Key finder of SORT_RO: only the sorted key. A finder rather than a fixed range because Redis
// declares the command's keys movable (its pattern keys are found while it runs).
void SortRoKeys([[maybe_unused]] std::span<const std::string_view> args, std::vector<int>* keys) {
  keys->push_back(1);
}

// Lock declarations: the whole database when the call reads keys named by its patterns. A call
// that does not parse reads nothing beyond its arguments (the handler replies the error first).
void LockPatternKeys(int db, std::span<const std::string_view> args, bool readonly, store::LockSet* locks) {
  SortCall call;
  if (ParseSortArgs(args, readonly, &call) == SortArgsError::kNone && store::SortReadsPatternKeys(call.options)) {
    locks->AddDatabase(db);
  }
}
void SortExtraLocks(int db, std::span<const std::string_view> args, store::LockSet* locks) {
  LockPatternKeys(db, args, false, locks);
}
void SortRoExtraLocks(int db, std::span<const std::string_view> args, store::LockSet* locks) {
  LockPatternKeys(db, args, true, locks);
}

void SortGeneric(CommandContext& ctx, bool readonly) {
  SortCall call;
  switch (ParseSortArgs(ctx.args, readonly, &call)) {
    case SortArgsError::kSyntax: return ctx.reply.Error(errors::kSyntax);
    case SortArgsError::kNotInteger: return ctx.reply.Error(errors::kNotInteger);
    case SortArgsError::kNone: break;
  }
  store::Db db = ctx.db();
  OpStatus status;
  if (call.store_at != 0) {
    size_t stored = 0;
    status = store::SortStore(db, ctx.arg(1), call.options, ctx.arg(call.store_at), &stored);
    if (status == OpStatus::kOk) ctx.reply.Integer(static_cast<int64_t>(stored));
  } else {
    status = store::Sort(
        db, ctx.arg(1), call.options, [&](size_t count) { ctx.reply.ArrayHeader(count); },
        [&](std::optional<std::string_view> value) {
          if (value) {
            ctx.reply.Bulk(*value);
          } else {
            ctx.reply.Null();
          }
        });
  }
  if (status == OpStatus::kNotFloat) {
    ctx.reply.Error(errors::kSortScoreNotDouble);
  } else if (status != OpStatus::kOk) {
    ReplyError(ctx, status);
  }
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]
void CmdSort(CommandContext& ctx) { SortGeneric(ctx, false); }

// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]
void CmdSortRo(CommandContext& ctx) { SortGeneric(ctx, true); }

}  // namespace

void RegisterSortFamily(server::CommandTable& table) {
  table.SetGroup("generic");
  table.Add({"sort", -2, "write denyoom", 1, 1, 1, "@set @sortedset @list @dangerous", CmdSort,
             "Sort the elements in a list, set or sorted set", "1.0.0", 0, SortKeys, SortExtraLocks});
  table.Add({"sort_ro", -2, "readonly", 1, 1, 1, "@set @sortedset @list @dangerous", CmdSortRo,
             "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", "7.0.0", 0,
             SortRoKeys, SortRoExtraLocks});
}

}  // namespace strata::commands
