// Sorted set commands: ZADD, ZRANGE and their relatives, and the blocking pops (BZPOPMIN ...),
// which wait through BlockOnKeys when there is nothing to take.
#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "common/numbers.h"
#include "store/zset_ops.h"

namespace strata::commands {
namespace {

using store::OpStatus;
using store::ScoredMember;
using store::ZRangeSpec;

// ---- Replies.

// Elements with or without their scores: WITHSCORES pairs are [member, score] arrays in RESP3
// and flat in RESP2, as Redis 7.0 sends them.
class ElementWriter {
 public:
  ElementWriter(CommandContext& ctx, bool withscores) : ctx_(ctx), withscores_(withscores) {}

  void Begin(size_t count) {
    ctx_.reply.ArrayHeader(withscores_ && !ctx_.reply.resp3() ? count * 2 : count);
  }
  void Add(std::string_view member, double score) {
    if (!withscores_) {
      ctx_.reply.Bulk(member);
      return;
    }
    if (ctx_.reply.resp3()) ctx_.reply.ArrayHeader(2);
    ctx_.reply.Bulk(member);
    ctx_.reply.Double(score);
  }
  void All(const std::vector<ScoredMember>& elements) {
    Begin(elements.size());
    for (const ScoredMember& e : elements) Add(e.member, e.score);
  }

 private:
  CommandContext& ctx_;
  bool withscores_;
};

// Replies an error for a store status other than kOk / kNoKey / kNotDone.
bool Failed(CommandContext& ctx, OpStatus status) {
  if (status == OpStatus::kOk || status == OpStatus::kNoKey) return false;
  if (status != OpStatus::kNotDone) ReplyError(ctx, status);
  return true;
}

// ---- Argument parsing.

bool ParseScoreRange(CommandContext& ctx, size_t min_at, size_t max_at, ZRangeSpec* spec) {
  if (store::ParseScoreBound(ctx.arg(min_at), &spec->score_min) &&
      store::ParseScoreBound(ctx.arg(max_at), &spec->score_max)) {
    return true;
  }
  ctx.reply.Error(errors::kMinMaxNotFloat);
  return false;
}

bool ParseLexRange(CommandContext& ctx, size_t min_at, size_t max_at, ZRangeSpec* spec) {
  if (store::ParseLexBound(ctx.arg(min_at), &spec->lex_min) && store::ParseLexBound(ctx.arg(max_at), &spec->lex_max)) {
    return true;
  }
  ctx.reply.Error(errors::kMinMaxNotLex);
  return false;
}

// Parses a numkeys argument as the set algebra commands do; replies and returns false on error.
bool ParseSetOpNumkeys(CommandContext& ctx, size_t at, size_t* numkeys) {
  int64_t n;
  if (!ParseIntArg(ctx, at, &n)) return false;
  if (n < 1) {
    ctx.reply.Error(fmt::format(errors::kFmtAtLeastOneKey, ctx.command.name));
    return false;
  }
  if (static_cast<uint64_t>(n) > ctx.argc() - at - 1) {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  *numkeys = static_cast<size_t>(n);
  return true;
}

std::vector<std::string_view> KeysAt(CommandContext& ctx, size_t first, size_t n) {
  return std::vector<std::string_view>(ctx.args.begin() + static_cast<std::ptrdiff_t>(first),
                                       ctx.args.begin() + static_cast<std::ptrdiff_t>(first + n));
}

// ---- ZADD / ZINCRBY

void ZAddGeneric(CommandContext& ctx, bool zincrby) {
  store::ZAddParams params;
  params.incr = zincrby;
  bool nx = false, xx = false, ch = false;
  size_t at = 2;
  for (; at < ctx.argc(); ++at) {
    if (ArgIs(ctx, at, "NX")) {
      nx = true;
    } else if (ArgIs(ctx, at, "XX")) {
      xx = true;
    } else if (ArgIs(ctx, at, "CH")) {
      ch = true;
    } else if (ArgIs(ctx, at, "INCR")) {
      params.incr = true;
    } else if (ArgIs(ctx, at, "GT")) {
      params.gt = true;
    } else if (ArgIs(ctx, at, "LT")) {
      params.lt = true;
    } else {
      break;
    }
  }
  const size_t words = ctx.argc() - at;
  if (words == 0 || words % 2 != 0) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (nx && xx) {
    ctx.reply.Error(errors::kZAddXxAndNx);
    return;
  }
  if ((params.gt && nx) || (params.lt && nx) || (params.gt && params.lt)) {
    ctx.reply.Error(errors::kZAddGtLtNx);
    return;
  }
  if (params.incr && words > 2) {
    ctx.reply.Error(errors::kZAddIncrPair);
    return;
  }
  if (nx) params.condition = store::ZAddParams::Condition::kIfAbsent;
  if (xx) params.condition = store::ZAddParams::Condition::kIfPresent;
  std::vector<store::ZAddElement> elements(words / 2);
  for (size_t i = 0; i < elements.size(); ++i) {
    if (!ParseDoubleArg(ctx, at + 2 * i, &elements[i].score)) return;
    elements[i].member = ctx.arg(at + 2 * i + 1);
  }
  store::Db db = ctx.db();
  store::ZAddResult result;
  const OpStatus status = store::ZAdd(db, ctx.arg(1), params, elements, &result);
  if (status == OpStatus::kNanOrInfinity) {
    ctx.reply.Error(errors::kZSetScoreNaN);
  } else if (!Failed(ctx, status)) {
    if (params.incr) {
      if (result.processed > 0) {
        ctx.reply.Double(result.score);
      } else {
        ctx.reply.Null();
      }
    } else {
      ctx.reply.Integer(static_cast<int64_t>(ch ? result.added + result.updated : result.added));
    }
  }
}

// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
void CmdZAdd(CommandContext& ctx) { ZAddGeneric(ctx, false); }

// ZINCRBY key increment member
void CmdZIncrBy(CommandContext& ctx) { ZAddGeneric(ctx, true); }

// ZREM key member [member ...]
void CmdZRem(CommandContext& ctx) {
  store::Db db = ctx.db();
  size_t removed = 0;
  const OpStatus status = store::ZRem(db, ctx.arg(1), ctx.args.subspan(2), &removed);
  if (!Failed(ctx, status)) ctx.reply.Integer(static_cast<int64_t>(removed));
}

// ZCARD key
void CmdZCard(CommandContext& ctx) {
  store::Db db = ctx.db();
  size_t card = 0;
  const OpStatus status = store::ZCard(db, ctx.arg(1), &card);
  if (!Failed(ctx, status)) ctx.reply.Integer(static_cast<int64_t>(card));
}

// ZCOUNT key min max
void CmdZCount(CommandContext& ctx) {
  ZRangeSpec spec;
  spec.by = ZRangeSpec::By::kScore;
  if (!ParseScoreRange(ctx, 2, 3, &spec)) return;
  store::Db db = ctx.db();
  size_t count = 0;
  const OpStatus status = store::ZCount(db, ctx.arg(1), spec, &count);
  if (!Failed(ctx, status)) ctx.reply.Integer(static_cast<int64_t>(count));
}

// ZLEXCOUNT key min max
void CmdZLexCount(CommandContext& ctx) {
  ZRangeSpec spec;
  spec.by = ZRangeSpec::By::kLex;
  if (!ParseLexRange(ctx, 2, 3, &spec)) return;
  store::Db db = ctx.db();
  size_t count = 0;
  const OpStatus status = store::ZCount(db, ctx.arg(1), spec, &count);
  if (!Failed(ctx, status)) ctx.reply.Integer(static_cast<int64_t>(count));
}

// ZSCORE key member
void CmdZScore(CommandContext& ctx) {
  store::Db db = ctx.db();
  std::optional<double> score;
  const OpStatus status = store::ZScore(db, ctx.arg(1), ctx.arg(2), &score);
  if (Failed(ctx, status)) return;
  if (score) {
    ctx.reply.Double(*score);
  } else {
    ctx.reply.Null();
  }
}

// ZMSCORE key member [member ...]
void CmdZMScore(CommandContext& ctx) {
  store::Db db = ctx.db();
  std::vector<std::optional<double>> scores;
  const OpStatus status = store::ZMScore(db, ctx.arg(1), ctx.args.subspan(2), &scores);
  if (Failed(ctx, status)) return;
  ctx.reply.ArrayHeader(scores.size());
  for (const std::optional<double>& s : scores) {
    if (s) {
      ctx.reply.Double(*s);
    } else {
      ctx.reply.Null();
    }
  }
}

void ZRankGeneric(CommandContext& ctx, bool reverse) {
  store::Db db = ctx.db();
  std::optional<size_t> rank;
  const OpStatus status = store::ZRank(db, ctx.arg(1), ctx.arg(2), reverse, &rank);
  if (Failed(ctx, status)) return;
  if (rank) {
    ctx.reply.Integer(static_cast<int64_t>(*rank));
  } else {
    ctx.reply.Null();
  }
}

// ZRANK key member
void CmdZRank(CommandContext& ctx) { ZRankGeneric(ctx, false); }

// ZREVRANK key member
void CmdZRevRank(CommandContext& ctx) { ZRankGeneric(ctx, true); }

// ---- The range family, parsed as Redis's zrangeGenericCommand parses it.

enum class Direction { kAuto, kForward, kReverse };
enum class RangeBy { kAuto, kRank, kScore, kLex };

// `src_at` is the source key's index; the bounds follow it. ZRANGESTORE stores at arg 1.
void RangeGeneric(CommandContext& ctx, size_t src_at, bool store, RangeBy by, Direction direction) {
  bool withscores = false;
  int64_t offset = 0, limit = -1;
  for (size_t j = src_at + 3; j < ctx.argc(); ++j) {
    const size_t left = ctx.argc() - j - 1;
    if (!store && ArgIs(ctx, j, "WITHSCORES")) {
      withscores = true;
    } else if (ArgIs(ctx, j, "LIMIT") && left >= 2) {
      if (!ParseIntArg(ctx, j + 1, &offset) || !ParseIntArg(ctx, j + 2, &limit)) return;
      j += 2;
    } else if (direction == Direction::kAuto && ArgIs(ctx, j, "REV")) {
      direction = Direction::kReverse;
    } else if (by == RangeBy::kAuto && ArgIs(ctx, j, "BYLEX")) {
      by = RangeBy::kLex;
    } else if (by == RangeBy::kAuto && ArgIs(ctx, j, "BYSCORE")) {
      by = RangeBy::kScore;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (by == RangeBy::kAuto) by = RangeBy::kRank;
  if (limit != -1 && by == RangeBy::kRank) {
    ctx.reply.Error(errors::kZRangeLimitNeedsBy);
    return;
  }
  if (withscores && by == RangeBy::kLex) {
    ctx.reply.Error(errors::kZRangeWithScoresByLex);
    return;
  }
  ZRangeSpec spec;
  spec.reverse = direction == Direction::kReverse;
  spec.offset = offset;
  spec.limit = limit;
  size_t min_at = src_at + 1, max_at = src_at + 2;
  // Reverse score and lex ranges are written max first.
  if (spec.reverse && by != RangeBy::kRank) std::swap(min_at, max_at);
  switch (by) {
    case RangeBy::kAuto:
    case RangeBy::kRank:
      spec.by = ZRangeSpec::By::kRank;
      if (!ParseIntArg(ctx, min_at, &spec.start) || !ParseIntArg(ctx, max_at, &spec.stop)) return;
      break;
    case RangeBy::kScore:
      spec.by = ZRangeSpec::By::kScore;
      if (!ParseScoreRange(ctx, min_at, max_at, &spec)) return;
      break;
    case RangeBy::kLex:
      spec.by = ZRangeSpec::By::kLex;
      if (!ParseLexRange(ctx, min_at, max_at, &spec)) return;
      break;
  }
  store::Db db = ctx.db();
  if (store) {
    size_t stored = 0;
    const OpStatus status = store::ZRangeStore(db, ctx.arg(1), ctx.arg(src_at), spec, &stored);
    if (!Failed(ctx, status)) ctx.reply.Integer(static_cast<int64_t>(stored));
    return;
  }
  ElementWriter out(ctx, withscores);
  const OpStatus status = store::ZRange(
      db, ctx.arg(src_at), spec, [&](size_t count) { out.Begin(count); },
      [&](std::string_view member, double score) {
        out.Add(member, score);
        return true;
      });
  if (status == OpStatus::kNoKey) {
    ctx.reply.ArrayHeader(0);
  } else {
    Failed(ctx, status);
  }
}

// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
void CmdZRange(CommandContext& ctx) { RangeGeneric(ctx, 1, false, RangeBy::kAuto, Direction::kAuto); }

// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
void CmdZRangeStore(CommandContext& ctx) { RangeGeneric(ctx, 2, true, RangeBy::kAuto, Direction::kAuto); }

// ZREVRANGE key start stop [WITHSCORES]
void CmdZRevRange(CommandContext& ctx) { RangeGeneric(ctx, 1, false, RangeBy::kRank, Direction::kReverse); }

// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
void CmdZRangeByScore(CommandContext& ctx) { RangeGeneric(ctx, 1, false, RangeBy::kScore, Direction::kForward); }

// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
void CmdZRevRangeByScore(CommandContext& ctx) {
  RangeGeneric(ctx, 1, false, RangeBy::kScore, Direction::kReverse);
}

// ZRANGEBYLEX key min max [LIMIT offset count]
void CmdZRangeByLex(CommandContext& ctx) { RangeGeneric(ctx, 1, false, RangeBy::kLex, Direction::kForward); }

// ZREVRANGEBYLEX key max min [LIMIT offset count]
void CmdZRevRangeByLex(CommandContext& ctx) { RangeGeneric(ctx, 1, false, RangeBy::kLex, Direction::kReverse); }

void RemRangeGeneric(CommandContext& ctx, ZRangeSpec::By by) {
  ZRangeSpec spec;
  spec.by = by;
  switch (by) {
    case ZRangeSpec::By::kRank:
      if (!ParseIntArg(ctx, 2, &spec.start) || !ParseIntArg(ctx, 3, &spec.stop)) return;
      break;
    case ZRangeSpec::By::kScore:
      if (!ParseScoreRange(ctx, 2, 3, &spec)) return;
      break;
    case ZRangeSpec::By::kLex:
      if (!ParseLexRange(ctx, 2, 3, &spec)) return;
      break;
  }
  store::Db db = ctx.db();
  size_t removed = 0;
  const OpStatus status = store::ZRemRange(db, ctx.arg(1), spec, &removed);
  if (!Failed(ctx, status)) ctx.reply.Integer(static_cast<int64_t>(removed));
}

// ZREMRANGEBYRANK key start stop
void CmdZRemRangeByRank(CommandContext& ctx) { RemRangeGeneric(ctx, ZRangeSpec::By::kRank); }

// ZREMRANGEBYSCORE key min max
void CmdZRemRangeByScore(CommandContext& ctx) { RemRangeGeneric(ctx, ZRangeSpec::By::kScore); }

// ZREMRANGEBYLEX key min max
void CmdZRemRangeByLex(CommandContext& ctx) { RemRangeGeneric(ctx, ZRangeSpec::By::kLex); }

// ---- Pops

void PopGeneric(CommandContext& ctx, bool max) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  const bool has_count = ctx.argc() == 3;
  int64_t count = 1;
  if (has_count && (!ParseInt64(ctx.arg(2), &count) || count < 0)) {
    ctx.reply.Error(errors::kMustBePositive);
    return;
  }
  store::Db db = ctx.db();
  std::vector<ScoredMember> popped;
  const OpStatus status = store::ZPop(db, ctx.arg(1), max, static_cast<size_t>(count), &popped);
  if (Failed(ctx, status)) return;
  if (!has_count) {
    // A single pop is a flat [member, score] in either protocol.
    ctx.reply.ArrayHeader(popped.empty() ? 0 : 2);
    if (!popped.empty()) {
      ctx.reply.Bulk(popped[0].member);
      ctx.reply.Double(popped[0].score);
    }
    return;
  }
  ElementWriter(ctx, true).All(popped);
}

// ZPOPMIN key [count]
void CmdZPopMin(CommandContext& ctx) { PopGeneric(ctx, false); }

// ZPOPMAX key [count]
void CmdZPopMax(CommandContext& ctx) { PopGeneric(ctx, true); }

// Pops from the first sorted set among the keys starting at argument `keys_at` and replies as
// ZMPOP ([key, [[member, score] ...]]) when `nested`, else as BZPOPMIN ([key, member, score]).
// With a deadline, finding nothing blocks the client; without one it replies a null array. A
// blocked client's re-run passes over keys of another type: only a sorted set can have woken it.
void PopFirst(CommandContext& ctx, size_t keys_at, size_t numkeys, bool max, size_t count, bool nested,
              const int64_t* block_deadline) {
  store::Db db = ctx.db();
  const std::vector<std::string_view> keys = KeysAt(ctx, keys_at, numkeys);
  std::vector<ScoredMember> popped;
  size_t which = 0;
  const OpStatus status = store::ZPopFirst(db, keys, max, count, &which, &popped, ctx.client.blocked());
  if (status == OpStatus::kNoKey) {
    if (block_deadline != nullptr) {
      BlockOnKeys(ctx, keys, *block_deadline);
    } else {
      ctx.reply.NullArray();
    }
    return;
  }
  if (Failed(ctx, status)) return;
  if (!nested) {
    ctx.reply.ArrayHeader(3);
    ctx.reply.Bulk(keys[which]);
    ctx.reply.Bulk(popped[0].member);
    ctx.reply.Double(popped[0].score);
    return;
  }
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(keys[which]);
  ctx.reply.ArrayHeader(popped.size());
  for (const ScoredMember& e : popped) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(e.member);
    ctx.reply.Double(e.score);
  }
}

// ZMPOP numkeys key [key ...] <MIN | MAX> [COUNT count]
void CmdZMPop(CommandContext& ctx) {
  MPopArgs a;
  if (!ParseMPopArgs(ctx, 1, "MIN", "MAX", &a)) return;
  PopFirst(ctx, 2, a.numkeys, a.second_side, a.count, /*nested=*/true, nullptr);
}

// BZMPOP timeout numkeys key [key ...] <MIN | MAX> [COUNT count]
void CmdBZMPop(CommandContext& ctx) {
  MPopArgs a;
  int64_t deadline;
  if (!ParseMPopArgs(ctx, 2, "MIN", "MAX", &a) || !ParseBlockTimeout(ctx, 1, &deadline)) return;
  PopFirst(ctx, 3, a.numkeys, a.second_side, a.count, /*nested=*/true, &deadline);
}

void BlockingPop(CommandContext& ctx, bool max) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, ctx.argc() - 1, &deadline)) return;
  PopFirst(ctx, 1, ctx.argc() - 2, max, 1, /*nested=*/false, &deadline);
}

// BZPOPMIN key [key ...] timeout
void CmdBZPopMin(CommandContext& ctx) { BlockingPop(ctx, false); }

// BZPOPMAX key [key ...] timeout
void CmdBZPopMax(CommandContext& ctx) { BlockingPop(ctx, true); }

// ZRANDMEMBER key [count [WITHSCORES]]
void CmdZRandMember(CommandContext& ctx) {
  store::Db db = ctx.db();
  std::vector<ScoredMember> picked;
  if (ctx.argc() == 2) {
    const OpStatus status = store::ZRandMember(db, ctx.arg(1), 1, &picked);
    if (Failed(ctx, status)) return;
    if (picked.empty()) {
      ctx.reply.Null();
    } else {
      ctx.reply.Bulk(picked[0].member);
    }
    return;
  }
  int64_t count;
  if (!ParseIntArg(ctx, 2, &count)) return;
  if (count == INT64_MIN) {
    ctx.reply.Error(fmt::format(errors::kFmtValueOutOfRangeBetween, -INT64_MAX, INT64_MAX));
    return;
  }
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !ArgIs(ctx, 3, "WITHSCORES"))) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  const bool withscores = ctx.argc() == 4;
  // Pairs double the reply: Redis refuses counts whose reply length would overflow.
  if (withscores && (count < -INT64_MAX / 2 || count > INT64_MAX / 2)) {
    ctx.reply.Error(errors::kValueOutOfRange);
    return;
  }
  const OpStatus status = store::ZRandMember(db, ctx.arg(1), count, &picked);
  if (status == OpStatus::kNoKey) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  if (Failed(ctx, status)) return;
  ElementWriter(ctx, withscores).All(picked);
}

// ---- Set algebra

// Parses WEIGHTS / AGGREGATE / WITHSCORES from `at` on; replies and returns false on error.
bool ParseSetOpOptions(CommandContext& ctx, size_t at, size_t numkeys, store::ZSetOpParams::Op op, bool store,
                       store::ZSetOpParams* params, bool* withscores) {
  for (size_t j = at; j < ctx.argc(); ++j) {
    const size_t left = ctx.argc() - j - 1;
    if (op != store::ZSetOpParams::Op::kDiff && ArgIs(ctx, j, "WEIGHTS") && left >= numkeys) {
      params->weights.resize(numkeys);
      for (size_t i = 0; i < numkeys; ++i) {
        if (!ParseDouble(ctx.arg(j + 1 + i), &params->weights[i])) {
          ctx.reply.Error(errors::kWeightNotFloat);
          return false;
        }
      }
      j += numkeys;
    } else if (op != store::ZSetOpParams::Op::kDiff && ArgIs(ctx, j, "AGGREGATE") && left >= 1) {
      ++j;
      if (ArgIs(ctx, j, "SUM")) {
        params->aggregate = store::ZSetOpParams::Aggregate::kSum;
      } else if (ArgIs(ctx, j, "MIN")) {
        params->aggregate = store::ZSetOpParams::Aggregate::kMin;
      } else if (ArgIs(ctx, j, "MAX")) {
        params->aggregate = store::ZSetOpParams::Aggregate::kMax;
      } else {
        ctx.reply.Error(errors::kSyntax);
        return false;
      }
    } else if (!store && ArgIs(ctx, j, "WITHSCORES")) {
      *withscores = true;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

void SetOpGeneric(CommandContext& ctx, store::ZSetOpParams::Op op, bool store) {
  const size_t numkeys_at = store ? 2 : 1;
  size_t numkeys;
  if (!ParseSetOpNumkeys(ctx, numkeys_at, &numkeys)) return;
  const std::vector<std::string_view> keys = KeysAt(ctx, numkeys_at + 1, numkeys);
  bool withscores = false;
  auto options = [&](store::ZSetOpParams* params) {
    params->op = op;
    return ParseSetOpOptions(ctx, numkeys_at + 1 + numkeys, numkeys, op, store, params, &withscores);
  };
  store::Db db = ctx.db();
  if (store) {
    size_t stored = 0;
    const OpStatus status = store::ZSetOperationStore(db, ctx.arg(1), keys, options, &stored);
    if (!Failed(ctx, status)) ctx.reply.Integer(static_cast<int64_t>(stored));
    return;
  }
  std::vector<ScoredMember> result;
  const OpStatus status = store::ZSetOperation(db, keys, options, &result);
  if (!Failed(ctx, status)) ElementWriter(ctx, withscores).All(result);
}

// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]
void CmdZUnion(CommandContext& ctx) { SetOpGeneric(ctx, store::ZSetOpParams::Op::kUnion, false); }

// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]
void CmdZUnionStore(CommandContext& ctx) { SetOpGeneric(ctx, store::ZSetOpParams::Op::kUnion, true); }

// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]
void CmdZInter(CommandContext& ctx) { SetOpGeneric(ctx, store::ZSetOpParams::Op::kInter, false); }

// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]
void CmdZInterStore(CommandContext& ctx) { SetOpGeneric(ctx, store::ZSetOpParams::Op::kInter, true); }

// ZDIFF numkeys key [key ...] [WITHSCORES]
void CmdZDiff(CommandContext& ctx) { SetOpGeneric(ctx, store::ZSetOpParams::Op::kDiff, false); }

// ZDIFFSTORE destination numkeys key [key ...]
void CmdZDiffStore(CommandContext& ctx) { SetOpGeneric(ctx, store::ZSetOpParams::Op::kDiff, true); }

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
void CmdZInterCard(CommandContext& ctx) {
  size_t numkeys;
  if (!ParseSetOpNumkeys(ctx, 1, &numkeys)) return;
  const std::vector<std::string_view> keys = KeysAt(ctx, 2, numkeys);
  auto options = [&](size_t* limit) {
    for (size_t j = 2 + numkeys; j < ctx.argc(); ++j) {
      int64_t v;
      if (ArgIs(ctx, j, "LIMIT") && j + 1 < ctx.argc()) {
        if (!ParseInt64(ctx.arg(j + 1), &v) || v < 0) {
          ctx.reply.Error(errors::kLimitNegative);
          return false;
        }
        *limit = static_cast<size_t>(v);
        ++j;
      } else {
        ctx.reply.Error(errors::kSyntax);
        return false;
      }
    }
    return true;
  };
  store::Db db = ctx.db();
  size_t card = 0;
  const OpStatus status = store::ZInterCard(db, keys, options, &card);
  if (!Failed(ctx, status)) ctx.reply.Integer(static_cast<int64_t>(card));
}

// ---- ZSCAN

// ZSCAN key cursor [MATCH pattern] [COUNT count]
void CmdZScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseCursor(ctx.arg(2), &cursor)) {
    ctx.reply.Error(errors::kInvalidCursor);
    return;
  }
  store::Db db = ctx.db();
  ScanOptions options;
  const char* option_error = ParseScanOptions(ctx.args, 3, /*allow_type=*/false, &options);
  std::vector<std::pair<std::string, double>> found;
  uint64_t next = 0;
  bool compact = false;
  OpStatus status;
  if (option_error != nullptr) {
    // Redis looks the key up before it reads the options: a missing key answers an empty scan
    // whatever follows, so option errors are only reported for an existing sorted set.
    size_t card;
    status = store::ZCard(db, ctx.arg(1), &card);
    if (status == OpStatus::kOk) return ctx.reply.Error(option_error);
  } else {
    status = store::ZScan(
        db, ctx.arg(1), cursor, options.count, options.pattern,
        [&](std::string_view member, double score) { found.emplace_back(std::string(member), score); }, &next,
        &compact);
  }
  if (Failed(ctx, status)) return;
  char buf[kMaxDoubleChars];
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::string_view(buf, FormatInt64(static_cast<int64_t>(next), buf)));
  ctx.reply.ArrayHeader(found.size() * 2);
  for (const auto& [member, score] : found) {
    ctx.reply.Bulk(member);
    ctx.reply.Bulk(std::string_view(buf, compact ? FormatListpackDouble(score, buf) : FormatDouble(score, buf)));
  }
}

}  // namespace

void RegisterZSetFamily(server::CommandTable& table) {
  table.SetGroup("sorted-set");
  table.Add({"zadd", -4, "write denyoom fast", 1, 1, 1, "@sortedset", CmdZAdd,
             "Add one or more members to a sorted set, or update its score if it already exists", "1.2.0"});
  table.Add({"zincrby", 4, "write denyoom fast", 1, 1, 1, "@sortedset", CmdZIncrBy,
             "Increment the score of a member in a sorted set", "1.2.0"});
  table.Add({"zrem", -3, "write fast", 1, 1, 1, "@sortedset", CmdZRem, "Remove one or more members from a sorted set",
             "1.2.0"});
  table.Add({"zcard", 2, "readonly fast", 1, 1, 1, "@sortedset", CmdZCard, "Get the number of members in a sorted set",
             "1.2.0"});
  table.Add({"zcount", 4, "readonly fast", 1, 1, 1, "@sortedset", CmdZCount,
             "Count the members in a sorted set with scores within the given values", "2.0.0"});
  table.Add({"zlexcount", 4, "readonly fast", 1, 1, 1, "@sortedset", CmdZLexCount,
             "Count the number of members in a sorted set between a given lexicographical range", "2.8.9"});
  table.Add({"zscore", 3, "readonly fast", 1, 1, 1, "@sortedset", CmdZScore,
             "Get the score associated with the given member in a sorted set", "1.2.0"});
  table.Add({"zmscore", -3, "readonly fast", 1, 1, 1, "@sortedset", CmdZMScore,
             "Get the score associated with the given members in a sorted set", "6.2.0"});
  table.Add({"zrank", 3, "readonly fast", 1, 1, 1, "@sortedset", CmdZRank,
             "Determine the index of a member in a sorted set", "2.0.0"});
  table.Add({"zrevrank", 3, "readonly fast", 1, 1, 1, "@sortedset", CmdZRevRank,
             "Determine the index of a member in a sorted set, with scores ordered from high to low", "2.0.0"});
  table.Add({"zrange", -4, "readonly", 1, 1, 1, "@sortedset", CmdZRange, "Return a range of members in a sorted set",
             "1.2.0"});
  table.Add({"zrangestore", -5, "write denyoom", 1, 2, 1, "@sortedset", CmdZRangeStore,
             "Store a range of members from sorted set into another key", "6.2.0"});
  table.Add({"zrevrange", -4, "readonly", 1, 1, 1, "@sortedset", CmdZRevRange,
             "Return a range of members in a sorted set, by index, with scores ordered from high to low", "1.2.0"});
  table.Add({"zrangebyscore", -4, "readonly", 1, 1, 1, "@sortedset", CmdZRangeByScore,
             "Return a range of members in a sorted set, by score", "1.0.5"});
  table.Add({"zrevrangebyscore", -4, "readonly", 1, 1, 1, "@sortedset", CmdZRevRangeByScore,
             "Return a range of members in a sorted set, by score, with scores ordered from high to low", "2.2.0"});
  table.Add({"zrangebylex", -4, "readonly", 1, 1, 1, "@sortedset", CmdZRangeByLex,
             "Return a range of members in a sorted set, by lexicographical range", "2.8.9"});
  table.Add({"zrevrangebylex", -4, "readonly", 1, 1, 1, "@sortedset", CmdZRevRangeByLex,
             "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower "
             "strings.",
             "2.8.9"});
  table.Add({"zremrangebyrank", 4, "write", 1, 1, 1, "@sortedset", CmdZRemRangeByRank,
             "Remove all members in a sorted set within the given indexes", "2.0.0"});
  table.Add({"zremrangebyscore", 4, "write", 1, 1, 1, "@sortedset", CmdZRemRangeByScore,
             "Remove all members in a sorted set within the given scores", "1.2.0"});
  table.Add({"zremrangebylex", 4, "write", 1, 1, 1, "@sortedset", CmdZRemRangeByLex,
             "Remove all members in a sorted set between the given lexicographical range", "2.8.9"});
  table.Add({"zpopmin", -2, "write fast", 1, 1, 1, "@sortedset", CmdZPopMin,
             "Remove and return members with the lowest scores in a sorted set", "5.0.0"});
  table.Add({"zpopmax", -2, "write fast", 1, 1, 1, "@sortedset", CmdZPopMax,
             "Remove and return members with the highest scores in a sorted set", "5.0.0"});
  table.Add({"zmpop", -4, "write", 0, 0, 0, "@sortedset", CmdZMPop,
             "Remove and return members with scores in a sorted set", "7.0.0", 1});
  table.Add({"bzpopmin", -3, "write noscript blocking fast", 1, -2, 1, "@sortedset", CmdBZPopMin,
             "Remove and return the member with the lowest score from one or more sorted sets, or block until one "
             "is available",
             "5.0.0"});
  table.Add({"bzpopmax", -3, "write noscript blocking fast", 1, -2, 1, "@sortedset", CmdBZPopMax,
             "Remove and return the member with the highest score from one or more sorted sets, or block until one "
             "is available",
             "5.0.0"});
  table.Add({"bzmpop", -5, "write blocking", 0, 0, 0, "@sortedset", CmdBZMPop,
             "Remove and return members with scores in a sorted set or block until one is available", "7.0.0",
             2});
  table.Add({"zrandmember", -2, "readonly", 1, 1, 1, "@sortedset", CmdZRandMember,
             "Get one or multiple random elements from a sorted set", "6.2.0"});
  table.Add({"zunion", -3, "readonly", 0, 0, 0, "@sortedset", CmdZUnion, "Add multiple sorted sets", "6.2.0",
             1});
  table.Add({"zunionstore", -4, "write denyoom", 1, 1, 1, "@sortedset", CmdZUnionStore,
             "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0",
             2});
  table.Add({"zinter", -3, "readonly", 0, 0, 0, "@sortedset", CmdZInter, "Intersect multiple sorted sets", "6.2.0",
             1});
  table.Add({"zinterstore", -4, "write denyoom", 1, 1, 1, "@sortedset", CmdZInterStore,
             "Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0",
             2});
  table.Add({"zintercard", -3, "readonly", 0, 0, 0, "@sortedset", CmdZInterCard,
             "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0", 1});
  table.Add({"zdiff", -3, "readonly", 0, 0, 0, "@sortedset", CmdZDiff, "Subtract multiple sorted sets", "6.2.0",
             1});
  table.Add({"zdiffstore", -4, "write denyoom", 1, 1, 1, "@sortedset", CmdZDiffStore,
             "Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0",
             2});
  table.Add({"zscan", -3, "readonly", 1, 1, 1, "@sortedset", CmdZScan,
             "Incrementally iterate sorted sets elements and associated scores", "2.8.0"});
}

}  // namespace strata::commands
