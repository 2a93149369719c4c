// String commands: GET, SET and their relatives.
#include <fmt/format.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "store/string_ops.h"

namespace strata::commands {
namespace {

using store::OpStatus;

// Turns a relative or absolute expire argument into an absolute deadline in ms, replying
// Redis's error and returning false when it is not a positive integer or overflows.
bool ParseExpireArg(CommandContext& ctx, size_t i, bool seconds, bool relative, int64_t* deadline_ms) {
  int64_t v;
  if (!ParseIntArg(ctx, i, &v)) return false;
  if (v <= 0 || (seconds && v > INT64_MAX / 1000)) {
    ctx.reply.Error(fmt::format(errors::kFmtInvalidExpireTime, ctx.command.name));
    return false;
  }
  if (seconds) v *= 1000;
  if (relative) {
    const int64_t now = ctx.db().NowMs();
    if (v > INT64_MAX - now) {
      ctx.reply.Error(fmt::format(errors::kFmtInvalidExpireTime, ctx.command.name));
      return false;
    }
    v += now;
  }
  *deadline_ms = v;
  return true;
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
//   PXAT unix-time-milliseconds | KEEPTTL]
void CmdSet(CommandContext& ctx) {
  store::SetParams params;
  enum class Expiry { kNone, kEx, kPx, kExAt, kPxAt, kKeepTtl } expiry = Expiry::kNone;
  size_t expire_arg = 0;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    const bool has_next = i + 1 < ctx.argc();
    const bool timed = expiry != Expiry::kNone && expiry != Expiry::kKeepTtl;
    // Each option may repeat, but not meet its rivals (NX with XX, EX with PX ...).
    if (ArgIs(ctx, i, "NX") && params.condition != store::SetParams::Condition::kIfPresent) {
      params.condition = store::SetParams::Condition::kIfAbsent;
    } else if (ArgIs(ctx, i, "XX") && params.condition != store::SetParams::Condition::kIfAbsent) {
      params.condition = store::SetParams::Condition::kIfPresent;
    } else if (ArgIs(ctx, i, "GET")) {
      params.get_old = true;
    } else if (ArgIs(ctx, i, "KEEPTTL") && !timed) {
      expiry = Expiry::kKeepTtl;
    } else if (ArgIs(ctx, i, "EX") && has_next && (expiry == Expiry::kNone || expiry == Expiry::kEx)) {
      expiry = Expiry::kEx;
      expire_arg = ++i;
    } else if (ArgIs(ctx, i, "PX") && has_next && (expiry == Expiry::kNone || expiry == Expiry::kPx)) {
      expiry = Expiry::kPx;
      expire_arg = ++i;
    } else if (ArgIs(ctx, i, "EXAT") && has_next && (expiry == Expiry::kNone || expiry == Expiry::kExAt)) {
      expiry = Expiry::kExAt;
      expire_arg = ++i;
    } else if (ArgIs(ctx, i, "PXAT") && has_next && (expiry == Expiry::kNone || expiry == Expiry::kPxAt)) {
      expiry = Expiry::kPxAt;
      expire_arg = ++i;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (expiry == Expiry::kKeepTtl) params.keep_ttl = true;
  if (expire_arg != 0) {
    const bool seconds = expiry == Expiry::kEx || expiry == Expiry::kExAt;
    const bool relative = expiry == Expiry::kEx || expiry == Expiry::kPx;
    if (!ParseExpireArg(ctx, expire_arg, seconds, relative, &params.expire_ms)) return;
  }
  store::Db db = ctx.db();
  const store::SetOutcome out = store::SetString(db, ctx.arg(1), ctx.arg(2), params);
  if (out.status == OpStatus::kWrongType) {
    ReplyError(ctx, out.status);
  } else if (params.get_old) {
    if (out.had_old) {
      ctx.reply.Bulk(out.old_value);
    } else {
      ctx.reply.Null();
    }
  } else if (out.status == OpStatus::kNotDone) {
    ctx.reply.Null();
  } else {
    ctx.reply.Ok();
  }
}

// GET key
void CmdGet(CommandContext& ctx) {
  store::Db db = ctx.db();
  std::string_view value;
  const OpStatus status = store::GetString(db, ctx.arg(1), &value);
  if (status == OpStatus::kOk) {
    ctx.reply.Bulk(value);
  } else if (status == OpStatus::kNoKey) {
    ctx.reply.Null();
  } else {
    ReplyError(ctx, status);
  }
}

}  // namespace

void RegisterStringFamily(server::CommandTable& table) {
  table.SetGroup("string");
  table.Add({"set", -3, "write denyoom", 1, 1, 1, "@string", CmdSet, "Set the string value of a key", "1.0.0"});
  table.Add({"get", 2, "readonly fast", 1, 1, 1, "@string", CmdGet, "Get the value of a key", "1.0.0"});
}

}  // namespace strata::commands
