// List commands: pushes, pops, indexes, ranges, searches and moves between lists, and their
// blocking forms (BLPOP ...), which wait through BlockOnKeys when there is nothing to take.
#include <fmt/format.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "store/list_ops.h"

namespace strata::commands {
namespace {

using store::ListEnd;
using store::OpStatus;

// Parses LEFT or RIGHT (any case); anything else replies a syntax error.
bool ParseEndArg(CommandContext& ctx, size_t i, ListEnd* end) {
  if (ArgIs(ctx, i, "LEFT")) {
    *end = ListEnd::kHead;
  } else if (ArgIs(ctx, i, "RIGHT")) {
    *end = ListEnd::kTail;
  } else {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  return true;
}

void ReplyStrings(CommandContext& ctx, const std::vector<std::string>& values) {
  ctx.reply.ArrayHeader(values.size());
  for (const std::string& v : values) ctx.reply.Bulk(v);
}

void Push(CommandContext& ctx, ListEnd end, bool only_if_exists) {
  store::Db db = ctx.db();
  size_t length = 0;
  const OpStatus status = store::ListPush(db, ctx.arg(1), end, ctx.args.subspan(2), only_if_exists, &length);
  if (status == OpStatus::kOk) {
    ctx.reply.Integer(static_cast<int64_t>(length));
  } else if (status == OpStatus::kNoKey) {
    ctx.reply.Integer(0);
  } else {
    ReplyError(ctx, status);
  }
}

// LPUSH key element [element ...]
void CmdLPush(CommandContext& ctx) { Push(ctx, ListEnd::kHead, false); }

// RPUSH key element [element ...]
void CmdRPush(CommandContext& ctx) { Push(ctx, ListEnd::kTail, false); }

// LPUSHX key element [element ...]
void CmdLPushX(CommandContext& ctx) { Push(ctx, ListEnd::kHead, true); }

// RPUSHX key element [element ...]
void CmdRPushX(CommandContext& ctx) { Push(ctx, ListEnd::kTail, true); }

void Pop(CommandContext& ctx, ListEnd end) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(fmt::format(errors::kFmtWrongArgs, ctx.command.name));
    return;
  }
  const bool has_count = ctx.argc() == 3;
  int64_t count = 1;
  if (has_count && (!ParseInt64(ctx.arg(2), &count) || count < 0)) {
    ctx.reply.Error(errors::kMustBePositive);
    return;
  }
  store::Db db = ctx.db();
  std::vector<std::string> values;
  const OpStatus status = store::ListPop(db, ctx.arg(1), end, static_cast<size_t>(count), &values);
  if (status == OpStatus::kNoKey) {
    if (has_count) {
      ctx.reply.NullArray();
    } else {
      ctx.reply.Null();
    }
  } else if (status != OpStatus::kOk) {
    ReplyError(ctx, status);
  } else if (has_count) {
    ReplyStrings(ctx, values);
  } else {
    ctx.reply.Bulk(values[0]);
  }
}

// LPOP key [count]
void CmdLPop(CommandContext& ctx) { Pop(ctx, ListEnd::kHead); }

// RPOP key [count]
void CmdRPop(CommandContext& ctx) { Pop(ctx, ListEnd::kTail); }

// LLEN key
void CmdLLen(CommandContext& ctx) {
  store::Db db = ctx.db();
  size_t length = 0;
  const OpStatus status = store::ListLength(db, ctx.arg(1), &length);
  if (status == OpStatus::kOk || status == OpStatus::kNoKey) {
    ctx.reply.Integer(static_cast<int64_t>(length));
  } else {
    ReplyError(ctx, status);
  }
}

// LRANGE key start stop
void CmdLRange(CommandContext& ctx) {
  int64_t start;
  int64_t stop;
  if (!ParseIntArg(ctx, 2, &start) || !ParseIntArg(ctx, 3, &stop)) return;
  store::Db db = ctx.db();
  const OpStatus status = store::ListRange(
      db, ctx.arg(1), start, stop, [&ctx](size_t n) { ctx.reply.ArrayHeader(n); },
      [&ctx](std::string_view element) { ctx.reply.Bulk(element); });
  if (status == OpStatus::kNoKey) {
    ctx.reply.ArrayHeader(0);
  } else if (status != OpStatus::kOk) {
    ReplyError(ctx, status);
  }
}

// Replies for a key that failed the index parse: Redis looks the key up first, so a missing or
// mistyped key wins over the bad index. `missing` is the reply for a missing key.
void ReplyBadIndex(CommandContext& ctx, bool for_write, void (*missing)(CommandContext&)) {
  store::Db db = ctx.db();
  const OpStatus status = store::ListCheck(db, ctx.arg(1), for_write);
  if (status == OpStatus::kNoKey) {
    missing(ctx);
  } else if (status == OpStatus::kWrongType) {
    ReplyError(ctx, status);
  } else {
    ctx.reply.Error(errors::kNotInteger);
  }
}

// LINDEX key index
void CmdLIndex(CommandContext& ctx) {
  int64_t index;
  if (!ParseInt64(ctx.arg(2), &index)) {
    ReplyBadIndex(ctx, false, [](CommandContext& c) { c.reply.Null(); });
    return;
  }
  store::Db db = ctx.db();
  std::string value;
  const OpStatus status = store::ListIndex(db, ctx.arg(1), index, &value);
  if (status == OpStatus::kOk) {
    ctx.reply.Bulk(value);
  } else if (status == OpStatus::kNoKey || status == OpStatus::kOutOfRange) {
    ctx.reply.Null();
  } else {
    ReplyError(ctx, status);
  }
}

// LSET key index element
void CmdLSet(CommandContext& ctx) {
  int64_t index;
  if (!ParseInt64(ctx.arg(2), &index)) {
    ReplyBadIndex(ctx, true, [](CommandContext& c) { c.reply.Error(errors::kNoSuchKey); });
    return;
  }
  store::Db db = ctx.db();
  const OpStatus status = store::ListSet(db, ctx.arg(1), index, ctx.arg(3));
  if (status == OpStatus::kOk) {
    ctx.reply.Ok();
  } else if (status == OpStatus::kOutOfRange) {
    ctx.reply.Error(errors::kIndexOutOfRange);
  } else {
    ReplyError(ctx, status);  // kNoKey: "no such key"
  }
}

// LINSERT key <BEFORE | AFTER> pivot element
void CmdLInsert(CommandContext& ctx) {
  bool after;
  if (ArgIs(ctx, 2, "AFTER")) {
    after = true;
  } else if (ArgIs(ctx, 2, "BEFORE")) {
    after = false;
  } else {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  store::Db db = ctx.db();
  size_t length = 0;
  const OpStatus status = store::ListInsert(db, ctx.arg(1), after, ctx.arg(3), ctx.arg(4), &length);
  if (status == OpStatus::kOk) {
    ctx.reply.Integer(static_cast<int64_t>(length));
  } else if (status == OpStatus::kNotDone) {
    ctx.reply.Integer(-1);
  } else if (status == OpStatus::kNoKey) {
    ctx.reply.Integer(0);
  } else {
    ReplyError(ctx, status);
  }
}

// LREM key count element
void CmdLRem(CommandContext& ctx) {
  int64_t count;
  if (!ParseIntArg(ctx, 2, &count)) return;
  store::Db db = ctx.db();
  size_t removed = 0;
  const OpStatus status = store::ListRemove(db, ctx.arg(1), count, ctx.arg(3), &removed);
  if (status == OpStatus::kOk || status == OpStatus::kNoKey) {
    ctx.reply.Integer(static_cast<int64_t>(removed));
  } else {
    ReplyError(ctx, status);
  }
}

// LTRIM key start stop
void CmdLTrim(CommandContext& ctx) {
  int64_t start;
  int64_t stop;
  if (!ParseIntArg(ctx, 2, &start) || !ParseIntArg(ctx, 3, &stop)) return;
  store::Db db = ctx.db();
  const OpStatus status = store::ListTrim(db, ctx.arg(1), start, stop);
  if (status == OpStatus::kOk || status == OpStatus::kNoKey) {
    ctx.reply.Ok();
  } else {
    ReplyError(ctx, status);
  }
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void CmdLPos(CommandContext& ctx) {
  store::ListPosParams params;
  bool has_count = false;
  // Options may repeat (the last wins); each error is reported as its option is met.
  for (size_t i = 3; i < ctx.argc(); ++i) {
    const bool has_value = i + 1 < ctx.argc();
    if (ArgIs(ctx, i, "RANK") && has_value) {
      if (!ParseIntArg(ctx, ++i, &params.rank)) return;
      if (params.rank == 0) {
        ctx.reply.Error(errors::kLposRankZero);
        return;
      }
    } else if (ArgIs(ctx, i, "COUNT") && has_value) {
      if (!ParseInt64(ctx.arg(++i), &params.count) || params.count < 0) {
        ctx.reply.Error(errors::kLposCountNegative);
        return;
      }
      has_count = true;
    } else if (ArgIs(ctx, i, "MAXLEN") && has_value) {
      if (!ParseInt64(ctx.arg(++i), &params.maxlen) || params.maxlen < 0) {
        ctx.reply.Error(errors::kLposMaxlenNegative);
        return;
      }
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  // Without COUNT the search stops at the first qualifying match.
  if (!has_count) params.count = 1;
  store::Db db = ctx.db();
  std::vector<int64_t> positions;
  const OpStatus status = store::ListPositions(db, ctx.arg(1), ctx.arg(2), params, &positions);
  if (status != OpStatus::kOk && status != OpStatus::kNoKey) {
    ReplyError(ctx, status);
  } else if (has_count) {
    ctx.reply.ArrayHeader(positions.size());
    for (int64_t p : positions) ctx.reply.Integer(p);
  } else if (positions.empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Integer(positions[0]);
  }
}

// LMOVE and friends. With a deadline (the blocking forms), a missing source blocks the client
// instead of replying null, where it may block. A blocked client's re-run passes over a source of another type, as
// Redis serves only a list; a destination of another type still fails it with WRONGTYPE.
void Move(CommandContext& ctx, ListEnd from, ListEnd to, const int64_t* block_deadline = nullptr) {
  store::Db db = ctx.db();
  std::string value;
  OpStatus status = store::ListMove(db, ctx.arg(1), ctx.arg(2), from, to, &value);
  if (status == OpStatus::kWrongType && ctx.client.blocked() &&
      store::ListCheck(db, ctx.arg(1), /*for_write=*/true) == OpStatus::kWrongType) {
    status = OpStatus::kNoKey;
  }
  if (status == OpStatus::kOk) {
    ctx.reply.Bulk(value);
  } else if (status != OpStatus::kNoKey) {
    ReplyError(ctx, status);
  } else if (block_deadline != nullptr && ctx.client.can_block()) {
    BlockOnKeys(ctx, ctx.args.subspan(1, 1), *block_deadline);
  } else {
    ctx.reply.Null();  // also the blocking form inside a transaction, as in Redis
  }
}

// LMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT>
void CmdLMove(CommandContext& ctx) {
  ListEnd from;
  ListEnd to;
  if (!ParseEndArg(ctx, 3, &from) || !ParseEndArg(ctx, 4, &to)) return;
  Move(ctx, from, to);
}

// BLMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout
void CmdBLMove(CommandContext& ctx) {
  ListEnd from;
  ListEnd to;
  int64_t deadline;
  if (!ParseEndArg(ctx, 3, &from) || !ParseEndArg(ctx, 4, &to) || !ParseBlockTimeout(ctx, 5, &deadline)) return;
  Move(ctx, from, to, &deadline);
}

// RPOPLPUSH source destination
void CmdRPopLPush(CommandContext& ctx) { Move(ctx, ListEnd::kTail, ListEnd::kHead); }

// BRPOPLPUSH source destination timeout
void CmdBRPopLPush(CommandContext& ctx) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, 3, &deadline)) return;
  Move(ctx, ListEnd::kTail, ListEnd::kHead, &deadline);
}

// Pops `count` elements from the first list among `keys` and replies as `nested` (LMPOP, BLMPOP:
// [key, [elements]]) or flat (BLPOP, BRPOP: [key, element]). With a deadline, finding nothing
// blocks the client; without one it replies a null array. A blocked client's re-run passes over
// keys of another type: only a list can have woken it.
void PopFirst(CommandContext& ctx, std::span<const std::string_view> keys, ListEnd end, size_t count, bool nested,
              const int64_t* block_deadline) {
  store::Db db = ctx.db();
  size_t key_index = 0;
  std::vector<std::string> values;
  const OpStatus status = store::ListPopFirst(db, keys, end, count, &key_index, &values, ctx.client.blocked());
  if (status == OpStatus::kOk) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(keys[key_index]);
    if (nested) {
      ReplyStrings(ctx, values);
    } else {
      ctx.reply.Bulk(values[0]);
    }
  } else if (status != OpStatus::kNoKey) {
    ReplyError(ctx, status);
  } else if (block_deadline != nullptr) {
    BlockOnKeys(ctx, keys, *block_deadline);
  } else {
    ctx.reply.NullArray();
  }
}

void BlockingPop(CommandContext& ctx, ListEnd end) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, ctx.argc() - 1, &deadline)) return;
  PopFirst(ctx, ctx.args.subspan(1, ctx.argc() - 2), end, 1, /*nested=*/false, &deadline);
}

// BLPOP key [key ...] timeout
void CmdBLPop(CommandContext& ctx) { BlockingPop(ctx, ListEnd::kHead); }

// BRPOP key [key ...] timeout
void CmdBRPop(CommandContext& ctx) { BlockingPop(ctx, ListEnd::kTail); }

// LMPOP numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
void CmdLMPop(CommandContext& ctx) {
  MPopArgs a;
  if (!ParseMPopArgs(ctx, 1, "LEFT", "RIGHT", &a)) return;
  PopFirst(ctx, ctx.args.subspan(2, a.numkeys), a.second_side ? ListEnd::kTail : ListEnd::kHead, a.count,
           /*nested=*/true, nullptr);
}

// BLMPOP timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
void CmdBLMPop(CommandContext& ctx) {
  MPopArgs a;
  int64_t deadline;
  if (!ParseMPopArgs(ctx, 2, "LEFT", "RIGHT", &a) || !ParseBlockTimeout(ctx, 1, &deadline)) return;
  PopFirst(ctx, ctx.args.subspan(3, a.numkeys), a.second_side ? ListEnd::kTail : ListEnd::kHead, a.count,
           /*nested=*/true, &deadline);
}

}  // namespace

void RegisterListFamily(server::CommandTable& table) {
  table.SetGroup("list");
  table.Add({"lpush", -3, "write denyoom fast", 1, 1, 1, "@list", CmdLPush,
             "Prepend one or multiple elements to a list", "1.0.0"});
  table.Add({"rpush", -3, "write denyoom fast", 1, 1, 1, "@list", CmdRPush,
             "Append one or multiple elements to a list", "1.0.0"});
  table.Add({"lpushx", -3, "write denyoom fast", 1, 1, 1, "@list", CmdLPushX,
             "Prepend an element to a list, only if the list exists", "2.2.0"});
  table.Add({"rpushx", -3, "write denyoom fast", 1, 1, 1, "@list", CmdRPushX,
             "Append an element to a list, only if the list exists", "2.2.0"});
  table.Add({"lpop", -2, "write fast", 1, 1, 1, "@list", CmdLPop, "Remove and get the first elements in a list",
             "1.0.0"});
  table.Add({"rpop", -2, "write fast", 1, 1, 1, "@list", CmdRPop, "Remove and get the last elements in a list",
             "1.0.0"});
  table.Add({"llen", 2, "readonly fast", 1, 1, 1, "@list", CmdLLen, "Get the length of a list", "1.0.0"});
  table.Add({"lrange", 4, "readonly", 1, 1, 1, "@list", CmdLRange, "Get a range of elements from a list", "1.0.0"});
  table.Add({"lindex", 3, "readonly", 1, 1, 1, "@list", CmdLIndex, "Get an element from a list by its index",
             "1.0.0"});
  table.Add({"lset", 4, "write denyoom", 1, 1, 1, "@list", CmdLSet,
             "Set the value of an element in a list by its index", "1.0.0"});
  table.Add({"linsert", 5, "write denyoom", 1, 1, 1, "@list", CmdLInsert,
             "Insert an element before or after another element in a list", "2.2.0"});
  table.Add({"lrem", 4, "write", 1, 1, 1, "@list", CmdLRem, "Remove elements from a list", "1.0.0"});
  table.Add({"ltrim", 4, "write", 1, 1, 1, "@list", CmdLTrim, "Trim a list to the specified range", "1.0.0"});
  table.Add({"lpos", -3, "readonly", 1, 1, 1, "@list", CmdLPos, "Return the index of matching elements on a list",
             "6.0.6"});
  table.Add({"lmove", 5, "write denyoom", 1, 2, 1, "@list", CmdLMove,
             "Pop an element from a list, push it to another list and return it", "6.2.0"});
  table.Add({"rpoplpush", 3, "write denyoom", 1, 2, 1, "@list", CmdRPopLPush,
             "Remove the last element in a list, prepend it to another list and return it", "1.2.0"});
  table.Add({"lmpop", -4, "write", 0, 0, 0, "@list", CmdLMPop, "Pop elements from a list", "7.0.0", 1});
  table.Add({"blpop", -3, "write noscript blocking", 1, -2, 1, "@list", CmdBLPop,
             "Remove and get the first element in a list, or block until one is available", "2.0.0"});
  table.Add({"brpop", -3, "write noscript blocking", 1, -2, 1, "@list", CmdBRPop,
             "Remove and get the last element in a list, or block until one is available", "2.0.0"});
  table.Add({"blmove", 6, "write denyoom noscript blocking", 1, 2, 1, "@list", CmdBLMove,
             "Pop an element from a list, push it to another list and return it; or block until one is available",
             "6.2.0"});
  table.Add({"brpoplpush", 4, "write denyoom noscript blocking", 1, 2, 1, "@list", CmdBRPopLPush,
             "Pop an element from a list, push it to another list and return it; or block until one is available",
             "2.2.0"});
  table.Add({"blmpop", -5, "write blocking", 0, 0, 0, "@list", CmdBLMPop,
             "Pop elements from a list, or block until one is available", "7.0.0", 2});
}

}  // namespace strata::commands
