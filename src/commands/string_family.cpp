// String commands: GET, SET and their relatives, counters, ranges and LCS.
#include <fmt/format.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "store/string_ops.h"

namespace strata::commands {
namespace {

using store::OpStatus;

// The expiry options of SET and GETEX.
enum class Expiry { kNone, kEx, kPx, kExAt, kPxAt, kKeepTtl, kPersist };

// If argument *i is an expiry option of this command (KEEPTTL belongs to SET, PERSIST to GETEX)
// that does not clash with the one already in *expiry (an option may repeat but not meet a
// rival), records it, points *time_arg at its time argument if it has one, moves *i onto the
// last argument it used and returns true. Returns false, changing nothing, otherwise.
bool TakeExpiryOption(const CommandContext& ctx, size_t* i, bool for_set, Expiry* expiry, size_t* time_arg) {
  struct Option {
    std::string_view word;
    Expiry kind;
    bool timed;
  };
  static constexpr Option kOptions[] = {
      {"EX", Expiry::kEx, true},           {"PX", Expiry::kPx, true},
      {"EXAT", Expiry::kExAt, true},       {"PXAT", Expiry::kPxAt, true},
      {"KEEPTTL", Expiry::kKeepTtl, false}, {"PERSIST", Expiry::kPersist, false},
  };
  for (const Option& option : kOptions) {
    if (!ArgIs(ctx, *i, option.word)) continue;
    if ((option.kind == Expiry::kKeepTtl && !for_set) || (option.kind == Expiry::kPersist && for_set)) return false;
    if (*expiry != Expiry::kNone && *expiry != option.kind) return false;
    if (option.timed) {
      if (*i + 1 >= ctx.argc()) return false;
      *time_arg = ++*i;
    }
    *expiry = option.kind;
    return true;
  }
  return false;
}

enum class DeadlineError { kNone, kNotInteger, kInvalid };

// The absolute deadline in ms that the time argument `text` of expiry option `kind` asks for,
// validated as Redis does: a positive integer that does not overflow once scaled and added to now.
DeadlineError ComputeDeadline(std::string_view text, Expiry kind, int64_t now_ms, int64_t* deadline_ms) {
  int64_t v;
  if (!ParseInt64(text, &v)) return DeadlineError::kNotInteger;
  const bool seconds = kind == Expiry::kEx || kind == Expiry::kExAt;
  const bool relative = kind == Expiry::kEx || kind == Expiry::kPx;
  if (v <= 0 || (seconds && v > INT64_MAX / 1000)) return DeadlineError::kInvalid;
  if (seconds) v *= 1000;
  if (relative) {
    if (v > INT64_MAX - now_ms) return DeadlineError::kInvalid;
    v += now_ms;
  }
  *deadline_ms = v;
  return DeadlineError::kNone;
}

void ReplyDeadlineError(CommandContext& ctx, DeadlineError error) {
  if (error == DeadlineError::kNotInteger) {
    ctx.reply.Error(errors::kNotInteger);
  } else {
    ctx.reply.Error(fmt::format(errors::kFmtInvalidExpireTime, ctx.command.name));
  }
}

// Parses the time argument `i` of expiry option `kind` into *deadline_ms; replies the error and
// returns false when it is invalid.
bool ParseDeadlineArg(CommandContext& ctx, size_t i, Expiry kind, int64_t* deadline_ms) {
  const DeadlineError error = ComputeDeadline(ctx.arg(i), kind, ctx.db().NowMs(), deadline_ms);
  if (error == DeadlineError::kNone) return true;
  ReplyDeadlineError(ctx, error);
  return false;
}

// Replies the old value a SET ... GET or GETSET read: the string, a null, or WRONGTYPE.
void ReplyOldValue(CommandContext& ctx, const store::SetOutcome& out) {
  if (out.status == OpStatus::kWrongType) {
    ReplyError(ctx, out.status);
  } else if (out.had_old) {
    ctx.reply.Bulk(out.old_value);
  } else {
    ctx.reply.Null();
  }
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
//   PXAT unix-time-milliseconds | KEEPTTL]
void CmdSet(CommandContext& ctx) {
  store::SetParams params;
  Expiry expiry = Expiry::kNone;
  size_t time_arg = 0;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    // NX and XX may repeat, but not meet each other.
    if (ArgIs(ctx, i, "NX") && params.condition != store::SetParams::Condition::kIfPresent) {
      params.condition = store::SetParams::Condition::kIfAbsent;
    } else if (ArgIs(ctx, i, "XX") && params.condition != store::SetParams::Condition::kIfAbsent) {
      params.condition = store::SetParams::Condition::kIfPresent;
    } else if (ArgIs(ctx, i, "GET")) {
      params.get_old = true;
    } else if (!TakeExpiryOption(ctx, &i, /*for_set=*/true, &expiry, &time_arg)) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  params.keep_ttl = expiry == Expiry::kKeepTtl;
  if (time_arg != 0 && !ParseDeadlineArg(ctx, time_arg, expiry, &params.expire_ms)) return;
  store::Db db = ctx.db();
  const store::SetOutcome out = store::SetString(db, ctx.arg(1), ctx.arg(2), params);
  if (params.get_old) {
    ReplyOldValue(ctx, out);
  } else if (out.status == OpStatus::kNotDone) {
    ctx.reply.Null();
  } else {
    ctx.reply.Ok();
  }
}

// SETNX key value
void CmdSetNx(CommandContext& ctx) {
  store::SetParams params;
  params.condition = store::SetParams::Condition::kIfAbsent;
  store::Db db = ctx.db();
  const store::SetOutcome out = store::SetString(db, ctx.arg(1), ctx.arg(2), params);
  ctx.reply.Integer(out.status == OpStatus::kOk ? 1 : 0);
}

// SETEX and PSETEX: a SET with a relative deadline in the unit `kind` names.
void SetWithExpiry(CommandContext& ctx, Expiry kind) {
  store::SetParams params;
  if (!ParseDeadlineArg(ctx, 2, kind, &params.expire_ms)) return;
  store::Db db = ctx.db();
  store::SetString(db, ctx.arg(1), ctx.arg(3), params);
  ctx.reply.Ok();
}

// SETEX key seconds value
void CmdSetEx(CommandContext& ctx) { SetWithExpiry(ctx, Expiry::kEx); }

// PSETEX key milliseconds value
void CmdPSetEx(CommandContext& ctx) { SetWithExpiry(ctx, Expiry::kPx); }

// GETSET key value
void CmdGetSet(CommandContext& ctx) {
  store::SetParams params;
  params.get_old = true;
  store::Db db = ctx.db();
  ReplyOldValue(ctx, store::SetString(db, ctx.arg(1), ctx.arg(2), params));
}

// GET key
void CmdGet(CommandContext& ctx) {
  store::Db db = ctx.db();
  std::string_view value;
  const OpStatus status = store::GetString(db, ctx.arg(1), &value);
  ReplyValueOrNull(ctx, status, value);
}

// GETDEL key
void CmdGetDel(CommandContext& ctx) {
  store::Db db = ctx.db();
  std::string value;
  const OpStatus status = store::GetDel(db, ctx.arg(1), &value);
  ReplyValueOrNull(ctx, status, value);
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds |
//   PERSIST]
void CmdGetEx(CommandContext& ctx) {
  Expiry expiry = Expiry::kNone;
  size_t time_arg = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!TakeExpiryOption(ctx, &i, /*for_set=*/false, &expiry, &time_arg)) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  store::Db db = ctx.db();
  // Redis validates the time only once it has found the string: a missing key answers nil
  // whatever the time says. So a bad time only turns the change off here and is reported below.
  store::ExpiryChange change;
  DeadlineError error = DeadlineError::kNone;
  if (time_arg != 0) {
    error = ComputeDeadline(ctx.arg(time_arg), expiry, db.NowMs(), &change.deadline_ms);
    if (error == DeadlineError::kNone) change.kind = store::ExpiryChange::Kind::kSet;
  } else if (expiry == Expiry::kPersist) {
    change.kind = store::ExpiryChange::Kind::kPersist;
  }
  std::string value;
  const OpStatus status = store::GetEx(db, ctx.arg(1), change, &value);
  if (status == OpStatus::kOk && error != DeadlineError::kNone) {
    ReplyDeadlineError(ctx, error);
    return;
  }
  ReplyValueOrNull(ctx, status, value);
}

// MGET key [key ...]
void CmdMGet(CommandContext& ctx) {
  store::Db db = ctx.db();
  ctx.reply.ArrayHeader(ctx.argc() - 1);
  store::MGet(db, ctx.args.subspan(1), [&ctx](std::optional<std::string_view> value) {
    if (value) {
      ctx.reply.Bulk(*value);
    } else {
      ctx.reply.Null();
    }
  });
}

// MSET and MSETNX. Returns the store status, or nothing after replying an arity error.
std::optional<OpStatus> SetPairs(CommandContext& ctx, bool only_if_none_exist) {
  if (ctx.argc() % 2 == 0) {
    ctx.reply.Error(fmt::format(errors::kFmtWrongArgs, ctx.command.name));
    return std::nullopt;
  }
  store::Db db = ctx.db();
  return store::MSet(db, ctx.args.subspan(1), only_if_none_exist);
}

// MSET key value [key value ...]
void CmdMSet(CommandContext& ctx) {
  if (SetPairs(ctx, /*only_if_none_exist=*/false)) ctx.reply.Ok();
}

// MSETNX key value [key value ...]
void CmdMSetNx(CommandContext& ctx) {
  const std::optional<OpStatus> status = SetPairs(ctx, /*only_if_none_exist=*/true);
  if (status) ctx.reply.Integer(*status == OpStatus::kOk ? 1 : 0);
}

// Replies a new length or the error of `status`.
void ReplyLength(CommandContext& ctx, OpStatus status, size_t length) {
  if (status == OpStatus::kOk) {
    ctx.reply.Integer(static_cast<int64_t>(length));
  } else {
    ReplyError(ctx, status);
  }
}

// APPEND key value
void CmdAppend(CommandContext& ctx) {
  store::Db db = ctx.db();
  size_t length = 0;
  const OpStatus status = store::Append(db, ctx.arg(1), ctx.arg(2), &length);
  ReplyLength(ctx, status, length);
}

// STRLEN key
void CmdStrLen(CommandContext& ctx) {
  store::Db db = ctx.db();
  std::string_view value;
  const OpStatus status = store::GetString(db, ctx.arg(1), &value);
  ReplyLength(ctx, status == OpStatus::kNoKey ? OpStatus::kOk : status, value.size());
}

// GETRANGE key start end
void CmdGetRange(CommandContext& ctx) {
  int64_t start;
  int64_t end;
  if (!ParseIntArg(ctx, 2, &start) || !ParseIntArg(ctx, 3, &end)) return;
  store::Db db = ctx.db();
  std::string_view value;
  const OpStatus status = store::GetString(db, ctx.arg(1), &value);
  if (status == OpStatus::kWrongType) {
    ReplyError(ctx, status);
    return;
  }
  ctx.reply.Bulk(store::Substring(value, start, end));
}

// SUBSTR key start end
void CmdSubstr(CommandContext& ctx) { CmdGetRange(ctx); }

// SETRANGE key offset value
void CmdSetRange(CommandContext& ctx) {
  int64_t offset;
  if (!ParseIntArg(ctx, 2, &offset)) return;
  store::Db db = ctx.db();
  size_t length = 0;
  const OpStatus status = store::SetRange(db, ctx.arg(1), offset, ctx.arg(3), &length);
  ReplyLength(ctx, status, length);
}

// INCR, DECR, INCRBY and DECRBY: adds `delta` and replies the result.
void AddToCounter(CommandContext& ctx, int64_t delta) {
  store::Db db = ctx.db();
  int64_t result;
  const OpStatus status = store::IncrBy(db, ctx.arg(1), delta, &result);
  if (status == OpStatus::kOk) {
    ctx.reply.Integer(result);
  } else {
    ReplyError(ctx, status);
  }
}

// INCR key
void CmdIncr(CommandContext& ctx) { AddToCounter(ctx, 1); }

// DECR key
void CmdDecr(CommandContext& ctx) { AddToCounter(ctx, -1); }

// INCRBY key increment
void CmdIncrBy(CommandContext& ctx) {
  int64_t delta;
  if (ParseIntArg(ctx, 2, &delta)) AddToCounter(ctx, delta);
}

// DECRBY key decrement
void CmdDecrBy(CommandContext& ctx) {
  int64_t delta;
  if (!ParseIntArg(ctx, 2, &delta)) return;
  if (delta == INT64_MIN) {  // its negation does not exist
    ctx.reply.Error(errors::kDecrementOverflow);
    return;
  }
  AddToCounter(ctx, -delta);
}

// INCRBYFLOAT key increment
void CmdIncrByFloat(CommandContext& ctx) {
  store::Db db = ctx.db();
  std::string result;
  const OpStatus status = store::IncrByFloat(db, ctx.arg(1), ctx.arg(2), &result);
  if (status == OpStatus::kOk) {
    ctx.reply.Bulk(result);
  } else {
    ReplyError(ctx, status);
  }
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
void CmdLcs(CommandContext& ctx) {
  store::Db db = ctx.db();
  std::string_view a;
  std::string_view b;
  const OpStatus a_status = store::GetString(db, ctx.arg(1), &a);
  // The same key twice is looked up once: a second lookup could expire what `a` views.
  const bool same_key = ctx.arg(2) == ctx.arg(1);
  const OpStatus b_status = same_key ? a_status : store::GetString(db, ctx.arg(2), &b);
  if (same_key) b = a;
  if (a_status == OpStatus::kWrongType || b_status == OpStatus::kWrongType) {
    ctx.reply.Error(errors::kLcsNotStrings);
    return;
  }
  bool want_len = false;
  bool want_idx = false;
  bool with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (ArgIs(ctx, i, "IDX")) {
      want_idx = true;
    } else if (ArgIs(ctx, i, "LEN")) {
      want_len = true;
    } else if (ArgIs(ctx, i, "WITHMATCHLEN")) {
      with_match_len = true;
    } else if (ArgIs(ctx, i, "MINMATCHLEN") && i + 1 < ctx.argc()) {
      if (!ParseIntArg(ctx, ++i, &min_match_len)) return;
      if (min_match_len < 0) min_match_len = 0;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (want_idx && want_len) {
    ctx.reply.Error(errors::kLcsLenAndIdx);
    return;
  }
  if (!store::LcsTableFits(a.size(), b.size())) {
    ctx.reply.Error(errors::kLcsTooMuchMemory);
    return;
  }
  const store::LcsResult lcs = store::ComputeLcs(a, b, !want_idx && !want_len, want_idx, min_match_len);
  if (want_len) {
    ctx.reply.Integer(lcs.length);
  } else if (!want_idx) {
    ctx.reply.Bulk(lcs.text);
  } else {
    ctx.reply.MapHeader(2);
    ctx.reply.Bulk("matches");
    ctx.reply.ArrayHeader(lcs.matches.size());
    for (const store::LcsMatch& m : lcs.matches) {
      ctx.reply.ArrayHeader(with_match_len ? 3 : 2);
      ctx.reply.ArrayHeader(2);
      ctx.reply.Integer(m.a_start);
      ctx.reply.Integer(m.a_end);
      ctx.reply.ArrayHeader(2);
      ctx.reply.Integer(m.b_start);
      ctx.reply.Integer(m.b_end);
      if (with_match_len) ctx.reply.Integer(m.length());
    }
    ctx.reply.Bulk("len");
    ctx.reply.Integer(lcs.length);
  }
}

}  // namespace

void RegisterStringFamily(server::CommandTable& table) {
  table.SetGroup("string");
  table.Add({"set", -3, "write denyoom", 1, 1, 1, "@string", CmdSet, "Set the string value of a key", "1.0.0"});
  table.Add({"get", 2, "readonly fast", 1, 1, 1, "@string", CmdGet, "Get the value of a key", "1.0.0"});
  table.Add({"setnx", 3, "write denyoom fast", 1, 1, 1, "@string", CmdSetNx,
             "Set the value of a key, only if the key does not exist", "1.0.0"});
  table.Add({"setex", 4, "write denyoom", 1, 1, 1, "@string", CmdSetEx, "Set the value and expiration of a key",
             "2.0.0"});
  table.Add({"psetex", 4, "write denyoom", 1, 1, 1, "@string", CmdPSetEx,
             "Set the value and expiration in milliseconds of a key", "2.6.0"});
  table.Add({"getset", 3, "write denyoom fast", 1, 1, 1, "@string", CmdGetSet,
             "Set the string value of a key and return its old value", "1.0.0"});
  table.Add({"getdel", 2, "write fast", 1, 1, 1, "@string", CmdGetDel, "Get the value of a key and delete the key",
             "6.2.0"});
  table.Add({"getex", -2, "write fast", 1, 1, 1, "@string", CmdGetEx,
             "Get the value of a key and optionally set its expiration", "6.2.0"});
  table.Add({"mget", -2, "readonly fast", 1, -1, 1, "@string", CmdMGet, "Get the values of all the given keys",
             "1.0.0"});
  table.Add({"mset", -3, "write denyoom", 1, -1, 2, "@string", CmdMSet, "Set multiple keys to multiple values",
             "1.0.1"});
  table.Add({"msetnx", -3, "write denyoom", 1, -1, 2, "@string", CmdMSetNx,
             "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1"});
  table.Add({"append", 3, "write denyoom fast", 1, 1, 1, "@string", CmdAppend, "Append a value to a key", "2.0.0"});
  table.Add({"strlen", 2, "readonly fast", 1, 1, 1, "@string", CmdStrLen,
             "Get the length of the value stored in a key", "2.2.0"});
  table.Add({"getrange", 4, "readonly", 1, 1, 1, "@string", CmdGetRange,
             "Get a substring of the string stored at a key", "2.4.0"});
  table.Add({"substr", 4, "readonly", 1, 1, 1, "@string", CmdSubstr,
             "Get a substring of the string stored at a key", "1.0.0"});
  table.Add({"setrange", 4, "write denyoom", 1, 1, 1, "@string", CmdSetRange,
             "Overwrite part of a string at key starting at the specified offset", "2.2.0"});
  table.Add({"incr", 2, "write denyoom fast", 1, 1, 1, "@string", CmdIncr,
             "Increment the integer value of a key by one", "1.0.0"});
  table.Add({"decr", 2, "write denyoom fast", 1, 1, 1, "@string", CmdDecr,
             "Decrement the integer value of a key by one", "1.0.0"});
  table.Add({"incrby", 3, "write denyoom fast", 1, 1, 1, "@string", CmdIncrBy,
             "Increment the integer value of a key by the given amount", "1.0.0"});
  table.Add({"decrby", 3, "write denyoom fast", 1, 1, 1, "@string", CmdDecrBy,
             "Decrement the integer value of a key by the given number", "1.0.0"});
  table.Add({"incrbyfloat", 3, "write denyoom fast", 1, 1, 1, "@string", CmdIncrByFloat,
             "Increment the float value of a key by the given amount", "2.6.0"});
  table.Add({"lcs", -3, "readonly", 1, 2, 1, "@string", CmdLcs, "Find longest common substring", "7.0.0"});
}

}  // namespace strata::commands
