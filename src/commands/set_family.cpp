// Set commands: SADD, SREM, SMEMBERS, the set algebra and their relatives.
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "store/set_ops.h"

namespace strata::commands {
namespace {

using store::OpStatus;

// The arguments from `first` on (keys, members).
std::span<const std::string_view> ArgsFrom(const CommandContext& ctx, size_t first) { return ctx.args.subspan(first); }

// Replies a set reply of `members` ("~" in RESP3, an array in RESP2).
void ReplyMembers(CommandContext& ctx, const std::vector<std::string>& members) {
  ctx.reply.SetHeader(members.size());
  for (const std::string& m : members) ctx.reply.Bulk(m);
}

// SADD key member [member ...]
void CmdSAdd(CommandContext& ctx) {
  store::Db db = ctx.db();
  int64_t added;
  const OpStatus status = store::SetAdd(db, ctx.arg(1), ArgsFrom(ctx, 2), &added);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Integer(added);
}

// SREM key member [member ...]
void CmdSRem(CommandContext& ctx) {
  store::Db db = ctx.db();
  int64_t removed;
  const OpStatus status = store::SetRemove(db, ctx.arg(1), ArgsFrom(ctx, 2), &removed);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Integer(removed);
}

// SMEMBERS key
void CmdSMembers(CommandContext& ctx) {
  store::Db db = ctx.db();
  const store::SetValue* set;
  const OpStatus status = store::FindSetForRead(db, ctx.arg(1), &set);
  if (status == OpStatus::kNoKey) return ctx.reply.SetHeader(0);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.SetHeader(set->size());
  set->ForEach([&](std::string_view member) { ctx.reply.Bulk(member); });
}

// SISMEMBER key member
void CmdSIsMember(CommandContext& ctx) {
  store::Db db = ctx.db();
  const store::SetValue* set;
  const OpStatus status = store::FindSetForRead(db, ctx.arg(1), &set);
  if (status == OpStatus::kNoKey) return ctx.reply.Integer(0);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Integer(set->Contains(ctx.arg(2)) ? 1 : 0);
}

// SMISMEMBER key member [member ...]
void CmdSMIsMember(CommandContext& ctx) {
  store::Db db = ctx.db();
  const store::SetValue* set = nullptr;
  const OpStatus status = store::FindSetForRead(db, ctx.arg(1), &set);
  if (status != OpStatus::kOk && status != OpStatus::kNoKey) return ReplyError(ctx, status);
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) ctx.reply.Integer(set != nullptr && set->Contains(ctx.arg(i)) ? 1 : 0);
}

// SCARD key
void CmdSCard(CommandContext& ctx) {
  store::Db db = ctx.db();
  const store::SetValue* set;
  const OpStatus status = store::FindSetForRead(db, ctx.arg(1), &set);
  if (status == OpStatus::kNoKey) return ctx.reply.Integer(0);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Integer(static_cast<int64_t>(set->size()));
}

// SPOP key [count]
void CmdSPop(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.reply.Error(errors::kSyntax);
  store::Db db = ctx.db();
  std::vector<std::string> popped;
  if (ctx.argc() == 2) {
    const OpStatus status = store::SetPop(db, ctx.arg(1), 1, &popped);
    if (status == OpStatus::kNoKey) return ctx.reply.Null();
    if (status != OpStatus::kOk) return ReplyError(ctx, status);
    return ctx.reply.Bulk(popped[0]);
  }
  // Redis reads the count as a non-negative integer, with one error for both failures.
  int64_t count;
  if (!ParseInt64(ctx.arg(2), &count) || count < 0) return ctx.reply.Error(errors::kMustBePositive);
  const OpStatus status = store::SetPop(db, ctx.arg(1), static_cast<uint64_t>(count), &popped);
  if (status == OpStatus::kNoKey) return ctx.reply.SetHeader(0);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ReplyMembers(ctx, popped);
}

// SRANDMEMBER key [count]
void CmdSRandMember(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.reply.Error(errors::kSyntax);
  store::Db db = ctx.db();
  if (ctx.argc() == 2) {
    const store::SetValue* set;
    const OpStatus status = store::FindSetForRead(db, ctx.arg(1), &set);
    if (status == OpStatus::kNoKey) return ctx.reply.Null();
    if (status != OpStatus::kOk) return ReplyError(ctx, status);
    store::MemberBuffer buffer;
    return ctx.reply.Bulk(set->MemberAt(set->RandomPosition(), &buffer));
  }
  int64_t count;
  if (!ParseIntArg(ctx, 2, &count)) return;
  // -count must fit, so the most negative integer is out of range.
  if (count == INT64_MIN) return ctx.reply.Error(fmt::format(errors::kFmtValueOutOfRangeBetween, -INT64_MAX, INT64_MAX));
  // Always an array, even in RESP3: a negative count may repeat members.
  const size_t header = ctx.reply.BeginDeferredArray();
  size_t visited;
  const OpStatus status = store::SetRandomMembers(
      db, ctx.arg(1), count, [&](std::string_view member) { ctx.reply.Bulk(member); }, &visited);
  if (status == OpStatus::kNoKey) return ctx.reply.ArrayHeader(0);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.EndDeferredArray(header, visited);
}

// SMOVE source destination member
void CmdSMove(CommandContext& ctx) {
  store::Db db = ctx.db();
  bool moved;
  const OpStatus status = store::SetMove(db, ctx.arg(1), ctx.arg(2), ctx.arg(3), &moved);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Integer(moved ? 1 : 0);
}

// SINTER key [key ...]
void CmdSInter(CommandContext& ctx) {
  store::Db db = ctx.db();
  size_t count;
  const size_t header = ctx.reply.BeginDeferredSet();
  const OpStatus status =
      store::SetInter(db, ArgsFrom(ctx, 1), [&](std::string_view member) { ctx.reply.Bulk(member); }, &count);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.EndDeferredSet(header, count);
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void CmdSInterCard(CommandContext& ctx) {
  int64_t numkeys;
  if (!ParseInt64(ctx.arg(1), &numkeys) || numkeys <= 0) return ctx.reply.Error(errors::kNumkeysNotPositive);
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 2) return ctx.reply.Error(errors::kNumkeysExceedArgs);
  const size_t first_option = 2 + static_cast<size_t>(numkeys);
  uint64_t limit = 0;
  for (size_t i = first_option; i < ctx.argc(); i += 2) {
    if (!ArgIs(ctx, i, "LIMIT") || i + 1 >= ctx.argc()) return ctx.reply.Error(errors::kSyntax);
    int64_t v;
    if (!ParseInt64(ctx.arg(i + 1), &v) || v < 0) return ctx.reply.Error(errors::kLimitNegative);
    limit = static_cast<uint64_t>(v);
  }
  store::Db db = ctx.db();
  int64_t cardinality;
  const OpStatus status =
      store::SetInterCard(db, ctx.args.subspan(2, static_cast<size_t>(numkeys)), limit, &cardinality);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Integer(cardinality);
}

// SINTERSTORE destination key [key ...]
void CmdSInterStore(CommandContext& ctx) {
  store::Db db = ctx.db();
  int64_t size;
  const OpStatus status = store::SetInterStore(db, ctx.arg(1), ArgsFrom(ctx, 2), &size);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Integer(size);
}

// SUNION / SDIFF: replies the result set.
void ReplyUnionDiff(CommandContext& ctx, store::SetAlgebra op) {
  store::Db db = ctx.db();
  std::unique_ptr<store::SetValue> result;
  const OpStatus status = store::SetUnionDiff(db, op, ArgsFrom(ctx, 1), &result);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.SetHeader(result->size());
  result->ForEach([&](std::string_view member) { ctx.reply.Bulk(member); });
}

// SUNIONSTORE / SDIFFSTORE: replies the stored result's size.
void ReplyUnionDiffStore(CommandContext& ctx, store::SetAlgebra op) {
  store::Db db = ctx.db();
  int64_t size;
  const OpStatus status = store::SetUnionDiffStore(db, op, ctx.arg(1), ArgsFrom(ctx, 2), &size);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Integer(size);
}

// SUNION key [key ...]
void CmdSUnion(CommandContext& ctx) { ReplyUnionDiff(ctx, store::SetAlgebra::kUnion); }

// SUNIONSTORE destination key [key ...]
void CmdSUnionStore(CommandContext& ctx) { ReplyUnionDiffStore(ctx, store::SetAlgebra::kUnion); }

// SDIFF key [key ...]
void CmdSDiff(CommandContext& ctx) { ReplyUnionDiff(ctx, store::SetAlgebra::kDiff); }

// SDIFFSTORE destination key [key ...]
void CmdSDiffStore(CommandContext& ctx) { ReplyUnionDiffStore(ctx, store::SetAlgebra::kDiff); }

// SSCAN key cursor [MATCH pattern] [COUNT count]
void CmdSScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseCursor(ctx.arg(2), &cursor)) return ctx.reply.Error(errors::kInvalidCursor);
  // As in Redis, the key is looked up before the options are read: a missing key replies an
  // empty scan whatever the options say.
  store::Db db = ctx.db();
  const store::SetValue* set;
  const OpStatus status = store::FindSetForRead(db, ctx.arg(1), &set);
  if (status == OpStatus::kNoKey) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("0");
    return ctx.reply.ArrayHeader(0);
  }
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ScanOptions options;
  if (const char* error = ParseScanOptions(ctx.args, 3, /*allow_type=*/false, &options)) {
    return ctx.reply.Error(error);
  }
  std::vector<std::string> members;
  const uint64_t next = store::SetScan(*set, cursor, options.count, options.pattern, &members);
  char digits[kMaxInt64Chars];
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::string_view(digits, FormatInt64(static_cast<int64_t>(next), digits)));
  ctx.reply.ArrayHeader(members.size());
  for (const std::string& m : members) ctx.reply.Bulk(m);
}

}  // namespace

void RegisterSetFamily(server::CommandTable& table) {
  table.SetGroup("set");
  table.Add({"sadd", -3, "write denyoom fast", 1, 1, 1, "@set", CmdSAdd, "Add one or more members to a set",
             "1.0.0"});
  table.Add({"srem", -3, "write fast", 1, 1, 1, "@set", CmdSRem, "Remove one or more members from a set", "1.0.0"});
  table.Add({"smembers", 2, "readonly", 1, 1, 1, "@set", CmdSMembers, "Get all the members in a set", "1.0.0"});
  table.Add({"sismember", 3, "readonly fast", 1, 1, 1, "@set", CmdSIsMember,
             "Determine if a given value is a member of a set", "1.0.0"});
  table.Add({"smismember", -3, "readonly fast", 1, 1, 1, "@set", CmdSMIsMember,
             "Returns the membership associated with the given elements for a set", "6.2.0"});
  table.Add({"scard", 2, "readonly fast", 1, 1, 1, "@set", CmdSCard, "Get the number of members in a set", "1.0.0"});
  table.Add({"spop", -2, "write fast", 1, 1, 1, "@set", CmdSPop,
             "Remove and return one or multiple random members from a set", "1.0.0"});
  table.Add({"srandmember", -2, "readonly", 1, 1, 1, "@set", CmdSRandMember,
             "Get one or multiple random members from a set", "1.0.0"});
  table.Add({"smove", 4, "write fast", 1, 2, 1, "@set", CmdSMove, "Move a member from one set to another", "1.0.0"});
  table.Add({"sinter", -2, "readonly", 1, -1, 1, "@set", CmdSInter, "Intersect multiple sets", "1.0.0"});
  table.Add({"sintercard", -3, "readonly", 0, 0, 0, "@set", CmdSInterCard,
             "Intersect multiple sets and return the cardinality of the result", "7.0.0", 1});
  table.Add({"sinterstore", -3, "write denyoom", 1, -1, 1, "@set", CmdSInterStore,
             "Intersect multiple sets and store the resulting set in a key", "1.0.0"});
  table.Add({"sunion", -2, "readonly", 1, -1, 1, "@set", CmdSUnion, "Add multiple sets", "1.0.0"});
  table.Add({"sunionstore", -3, "write denyoom", 1, -1, 1, "@set", CmdSUnionStore,
             "Add multiple sets and store the resulting set in a key", "1.0.0"});
  table.Add({"sdiff", -2, "readonly", 1, -1, 1, "@set", CmdSDiff, "Subtract multiple sets", "1.0.0"});
  table.Add({"sdiffstore", -3, "write denyoom", 1, -1, 1, "@set", CmdSDiffStore,
             "Subtract multiple sets and store the resulting set in a key", "1.0.0"});
  table.Add({"sscan", -3, "readonly", 1, 1, 1, "@set", CmdSScan, "Incrementally iterate Set elements", "2.8.0"});
}

}  // namespace strata::commands
