// Hash commands: HSET, HGET and their relatives.
#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "store/hash_ops.h"

namespace strata::commands {
namespace {

using store::OpStatus;

// HRANDFIELD's random source, one per io-thread.
store::HashRng& ThreadRng() {
  thread_local store::HashRng rng(std::random_device{}());
  return rng;
}

// Writes the pairs a store operation produces in one of the reply shapes hash commands use.
class PairReply final : public store::PairSink {
 public:
  enum class Shape {
    kFields,  // HKEYS, HRANDFIELD count: an array of fields
    kValues,  // HVALS: an array of values
    kMap,     // HGETALL: a map (a flat array in RESP2)
    kPairs,   // HRANDFIELD count WITHVALUES: [field, value] arrays in RESP3, a flat array in RESP2
  };

  PairReply(resp::ReplyBuilder& reply, Shape shape) : reply_(reply), shape_(shape) {}

  void Begin(size_t pairs) override {
    switch (shape_) {
      case Shape::kFields:
      case Shape::kValues: reply_.ArrayHeader(pairs); break;
      case Shape::kMap: reply_.MapHeader(pairs); break;
      case Shape::kPairs: reply_.ArrayHeader(reply_.resp3() ? pairs : pairs * 2); break;
    }
  }

  void Pair(std::string_view field, std::string_view value) override {
    if (shape_ == Shape::kPairs && reply_.resp3()) reply_.ArrayHeader(2);
    if (shape_ != Shape::kValues) reply_.Bulk(field);
    if (shape_ != Shape::kFields) reply_.Bulk(value);
  }

 private:
  resp::ReplyBuilder& reply_;
  const Shape shape_;
};

// The reply for a store status that is an error.
void ReplyHashError(CommandContext& ctx, OpStatus status) {
  switch (status) {
    case OpStatus::kNotInteger: ctx.reply.Error(errors::kHashValueNotInteger); break;
    case OpStatus::kNotFloat: ctx.reply.Error(errors::kHashValueNotFloat); break;
    default: ReplyError(ctx, status); break;
  }
}

// Field/value arguments from argument 2 on, as pairs; replies the arity error when one is odd.
bool FieldValueArgs(CommandContext& ctx, std::span<const std::string_view>* field_values) {
  if (ctx.argc() % 2 != 0) {
    ctx.reply.Error(fmt::format(errors::kFmtWrongArgs, ctx.command.name));
    return false;
  }
  *field_values = ctx.args.subspan(2);
  return true;
}

// HSET key field value [field value ...]
void CmdHset(CommandContext& ctx) {
  std::span<const std::string_view> field_values;
  if (!FieldValueArgs(ctx, &field_values)) return;
  store::Db db = ctx.db();
  size_t added;
  const OpStatus status = store::HashSet(db, ctx.arg(1), field_values, &added);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Integer(static_cast<int64_t>(added));
}

// HMSET key field value [field value ...]
void CmdHmset(CommandContext& ctx) {
  std::span<const std::string_view> field_values;
  if (!FieldValueArgs(ctx, &field_values)) return;
  store::Db db = ctx.db();
  size_t added;
  const OpStatus status = store::HashSet(db, ctx.arg(1), field_values, &added);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Ok();
}

// HSETNX key field value
void CmdHsetnx(CommandContext& ctx) {
  store::Db db = ctx.db();
  bool set;
  const OpStatus status = store::HashSetIfAbsent(db, ctx.arg(1), ctx.arg(2), ctx.arg(3), &set);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Integer(set ? 1 : 0);
}

// HGET key field
void CmdHget(CommandContext& ctx) {
  store::Db db = ctx.db();
  std::string_view value;
  const OpStatus status = store::HashGet(db, ctx.arg(1), ctx.arg(2), &value);
  ReplyValueOrNull(ctx, status, value);
}

// HMGET key field [field ...]
void CmdHmget(CommandContext& ctx) {
  store::Db db = ctx.db();
  std::vector<std::optional<std::string_view>> values;
  const OpStatus status = store::HashGetMany(db, ctx.arg(1), ctx.args.subspan(2), &values);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.ArrayHeader(values.size());
  for (const auto& v : values) {
    if (v) {
      ctx.reply.Bulk(*v);
    } else {
      ctx.reply.Null();
    }
  }
}

// HGETALL, HKEYS and HVALS differ only in what they write of each pair.
void ReplyAllPairs(CommandContext& ctx, PairReply::Shape shape) {
  store::Db db = ctx.db();
  PairReply sink(ctx.reply, shape);
  const OpStatus status = store::HashGetAll(db, ctx.arg(1), &sink);
  if (status == OpStatus::kNoKey) {
    sink.Begin(0);
  } else if (status != OpStatus::kOk) {
    ReplyError(ctx, status);
  }
}

// HGETALL key
void CmdHgetall(CommandContext& ctx) { ReplyAllPairs(ctx, PairReply::Shape::kMap); }

// HKEYS key
void CmdHkeys(CommandContext& ctx) { ReplyAllPairs(ctx, PairReply::Shape::kFields); }

// HVALS key
void CmdHvals(CommandContext& ctx) { ReplyAllPairs(ctx, PairReply::Shape::kValues); }

// HDEL key field [field ...]
void CmdHdel(CommandContext& ctx) {
  store::Db db = ctx.db();
  size_t deleted;
  const OpStatus status = store::HashDelete(db, ctx.arg(1), ctx.args.subspan(2), &deleted);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Integer(static_cast<int64_t>(deleted));
}

// HLEN key
void CmdHlen(CommandContext& ctx) {
  store::Db db = ctx.db();
  size_t length;
  const OpStatus status = store::HashLength(db, ctx.arg(1), &length);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Integer(static_cast<int64_t>(length));
}

// HSTRLEN key field
void CmdHstrlen(CommandContext& ctx) {
  store::Db db = ctx.db();
  size_t length;
  const OpStatus status = store::HashValueLength(db, ctx.arg(1), ctx.arg(2), &length);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Integer(static_cast<int64_t>(length));
}

// HEXISTS key field
void CmdHexists(CommandContext& ctx) {
  store::Db db = ctx.db();
  bool exists;
  const OpStatus status = store::HashExists(db, ctx.arg(1), ctx.arg(2), &exists);
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ctx.reply.Integer(exists ? 1 : 0);
}

// HINCRBY key field increment
void CmdHincrby(CommandContext& ctx) {
  int64_t increment;
  if (!ParseIntArg(ctx, 3, &increment)) return;
  store::Db db = ctx.db();
  int64_t result;
  const OpStatus status = store::HashIncrBy(db, ctx.arg(1), ctx.arg(2), increment, &result);
  if (status != OpStatus::kOk) return ReplyHashError(ctx, status);
  ctx.reply.Integer(result);
}

// HINCRBYFLOAT key field increment
void CmdHincrbyfloat(CommandContext& ctx) {
  long double increment;
  if (!store::ParseHashFloat(ctx.arg(3), &increment)) {
    ctx.reply.Error(errors::kNotFloat);
    return;
  }
  if (std::isinf(increment)) {
    ctx.reply.Error(errors::kIncrementNanOrInfinity);
    return;
  }
  store::Db db = ctx.db();
  std::string result;
  const OpStatus status = store::HashIncrByFloat(db, ctx.arg(1), ctx.arg(2), increment, &result);
  if (status != OpStatus::kOk) return ReplyHashError(ctx, status);
  ctx.reply.Bulk(result);
}

// HRANDFIELD key [count [WITHVALUES]]
void CmdHrandfield(CommandContext& ctx) {
  store::Db db = ctx.db();
  if (ctx.argc() == 2) {
    std::string field;
    const OpStatus status = store::HashRandomField(db, ctx.arg(1), ThreadRng(), &field);
    ReplyValueOrNull(ctx, status, field);
    return;
  }
  int64_t count;
  if (!ParseIntArg(ctx, 2, &count)) return;
  // Redis takes the count as a long in [-LONG_MAX, LONG_MAX], so that it can be negated.
  if (count == INT64_MIN) {
    ctx.reply.Error(fmt::format(errors::kFmtValueOutOfRangeBetween, -INT64_MAX, INT64_MAX));
    return;
  }
  const bool with_values = ctx.argc() == 4 && ArgIs(ctx, 3, "WITHVALUES");
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !with_values)) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  // WITHVALUES doubles the reply's length, which must stay within a long.
  if (with_values && (count < -(INT64_MAX / 2) || count > INT64_MAX / 2)) {
    ctx.reply.Error(errors::kValueOutOfRange);
    return;
  }
  PairReply sink(ctx.reply, with_values ? PairReply::Shape::kPairs : PairReply::Shape::kFields);
  const OpStatus status = store::HashRandomFields(db, ctx.arg(1), count, ThreadRng(), &sink);
  if (status != OpStatus::kOk) ReplyError(ctx, status);
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
void CmdHscan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseCursor(ctx.arg(2), &cursor)) {
    ctx.reply.Error(errors::kInvalidCursor);
    return;
  }
  store::Db db = ctx.db();
  const store::HashValue* hash;
  const OpStatus status = store::HashFindForRead(db, ctx.arg(1), &hash);
  if (status == OpStatus::kNoKey) {
    // As Redis, options are not even parsed for an absent key.
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("0");
    ctx.reply.ArrayHeader(0);
    return;
  }
  if (status != OpStatus::kOk) return ReplyError(ctx, status);
  ScanOptions options;
  if (const char* error = ParseScanOptions(ctx.args, 3, /*allow_type=*/false, &options)) {
    ctx.reply.Error(error);
    return;
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  const uint64_t next = store::HashScan(*hash, cursor, options.count, options.pattern, &pairs);
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.ArrayHeader(pairs.size() * 2);
  for (const auto& [field, value] : pairs) {
    ctx.reply.Bulk(field);
    ctx.reply.Bulk(value);
  }
}

}  // namespace

void RegisterHashFamily(server::CommandTable& table) {
  table.SetGroup("hash");
  table.Add({"hset", -4, "write denyoom fast", 1, 1, 1, "@hash", CmdHset, "Set the string value of a hash field",
             "2.0.0"});
  table.Add({"hsetnx", 4, "write denyoom fast", 1, 1, 1, "@hash", CmdHsetnx,
             "Set the value of a hash field, only if the field does not exist", "2.0.0"});
  table.Add({"hget", 3, "readonly fast", 1, 1, 1, "@hash", CmdHget, "Get the value of a hash field", "2.0.0"});
  table.Add({"hmget", -3, "readonly fast", 1, 1, 1, "@hash", CmdHmget, "Get the values of all the given hash fields",
             "2.0.0"});
  table.Add({"hmset", -4, "write denyoom fast", 1, 1, 1, "@hash", CmdHmset,
             "Set multiple hash fields to multiple values", "2.0.0"});
  table.Add({"hgetall", 2, "readonly", 1, 1, 1, "@hash", CmdHgetall, "Get all the fields and values in a hash",
             "2.0.0"});
  table.Add({"hdel", -3, "write fast", 1, 1, 1, "@hash", CmdHdel, "Delete one or more hash fields", "2.0.0"});
  table.Add({"hlen", 2, "readonly fast", 1, 1, 1, "@hash", CmdHlen, "Get the number of fields in a hash", "2.0.0"});
  table.Add({"hstrlen", 3, "readonly fast", 1, 1, 1, "@hash", CmdHstrlen,
             "Get the length of the value of a hash field", "3.2.0"});
  table.Add({"hexists", 3, "readonly fast", 1, 1, 1, "@hash", CmdHexists, "Determine if a hash field exists",
             "2.0.0"});
  table.Add({"hkeys", 2, "readonly", 1, 1, 1, "@hash", CmdHkeys, "Get all the fields in a hash", "2.0.0"});
  table.Add({"hvals", 2, "readonly", 1, 1, 1, "@hash", CmdHvals, "Get all the values in a hash", "2.0.0"});
  table.Add({"hincrby", 4, "write denyoom fast", 1, 1, 1, "@hash", CmdHincrby,
             "Increment the integer value of a hash field by the given number", "2.0.0"});
  table.Add({"hincrbyfloat", 4, "write denyoom fast", 1, 1, 1, "@hash", CmdHincrbyfloat,
             "Increment the float value of a hash field by the given amount", "2.6.0"});
  table.Add({"hrandfield", -2, "readonly", 1, 1, 1, "@hash", CmdHrandfield,
             "Get one or multiple random fields from a hash", "6.2.0"});
  table.Add({"hscan", -3, "readonly", 1, 1, 1, "@hash", CmdHscan,
             "Incrementally iterate hash fields and associated values", "2.8.0"});
}

}  // namespace strata::commands
