// Bitmap commands: single bits, counts and searches over ranges, bitwise operations between
// keys, and integer fields at arbitrary bit offsets.
#include <optional>
#include <vector>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "store/bitmap_ops.h"
#include "store/string_ops.h"

namespace strata::commands {
namespace {

using store::OpStatus;

// Parses argument `i` as a SETBIT/GETBIT bit offset; replies the error and returns false when it
// is not one.
bool ParseBitOffsetArg(CommandContext& ctx, size_t i, uint64_t* offset) {
  if (store::ParseBitOffset(ctx.arg(i), 0, offset)) return true;
  ctx.reply.Error(errors::kBitOffsetNotInteger);
  return false;
}

// SETBIT key offset value
void CmdSetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffsetArg(ctx, 2, &offset)) return;
  int64_t value;
  if (!ParseInt64(ctx.arg(3), &value) || (value & ~int64_t{1}) != 0) {
    ctx.reply.Error(errors::kBitNotInteger);
    return;
  }
  store::Db db = ctx.db();
  bool old_value;
  const OpStatus status = store::SetBit(db, ctx.arg(1), offset, value == 1, &old_value);
  if (status == OpStatus::kOk) {
    ctx.reply.Integer(old_value ? 1 : 0);
  } else {
    ReplyError(ctx, status);
  }
}

// GETBIT key offset
void CmdGetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffsetArg(ctx, 2, &offset)) return;
  store::Db db = ctx.db();
  std::string_view value;
  const OpStatus status = store::GetString(db, ctx.arg(1), &value);
  if (status == OpStatus::kWrongType) {
    ReplyError(ctx, status);
    return;
  }
  ctx.reply.Integer(store::BitAt(value, offset) ? 1 : 0);
}

// Parses the BYTE | BIT word at argument `i` into *in_bits; false when it is neither.
bool ParseRangeUnit(const CommandContext& ctx, size_t i, bool* in_bits) {
  if (ArgIs(ctx, i, "BIT")) {
    *in_bits = true;
  } else if (ArgIs(ctx, i, "BYTE")) {
    *in_bits = false;
  } else {
    return false;
  }
  return true;
}

// BITCOUNT key [start end [BYTE | BIT]]
void CmdBitCount(CommandContext& ctx) {
  store::Db db = ctx.db();
  std::string_view value;
  // Redis looks the key up before it reads the range: a missing key counts 0 whatever follows.
  const OpStatus status = store::GetString(db, ctx.arg(1), &value);
  if (status == OpStatus::kNoKey) {
    ctx.reply.Integer(0);
    return;
  }
  if (status != OpStatus::kOk) {
    ReplyError(ctx, status);
    return;
  }
  store::BitRange range;
  if (ctx.argc() == 4 || ctx.argc() == 5) {
    if (!ParseIntArg(ctx, 2, &range.start) || !ParseIntArg(ctx, 3, &range.end)) return;
    // Redis answers an empty negative range before it looks at the unit word.
    const bool empty_negative = range.start < 0 && range.end < 0 && range.start > range.end;
    if (ctx.argc() == 5 && !empty_negative && !ParseRangeUnit(ctx, 4, &range.in_bits)) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  } else if (ctx.argc() != 2) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  ctx.reply.Integer(store::CountBits(value, range));
}

// BITPOS key bit [start [end [BYTE | BIT]]]
void CmdBitPos(CommandContext& ctx) {
  int64_t bit;
  if (!ParseIntArg(ctx, 2, &bit)) return;
  if (bit != 0 && bit != 1) {
    ctx.reply.Error(errors::kBitArgument);
    return;
  }
  store::Db db = ctx.db();
  std::string_view value;
  const OpStatus status = store::GetString(db, ctx.arg(1), &value);
  if (status == OpStatus::kNoKey) {
    // A missing key is an endless run of zeros.
    ctx.reply.Integer(bit == 1 ? -1 : 0);
    return;
  }
  if (status != OpStatus::kOk) {
    ReplyError(ctx, status);
    return;
  }
  store::BitRange range;
  bool end_given = false;
  if (ctx.argc() >= 4 && ctx.argc() <= 6) {
    if (!ParseIntArg(ctx, 3, &range.start)) return;
    if (ctx.argc() == 6 && !ParseRangeUnit(ctx, 5, &range.in_bits)) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    if (ctx.argc() >= 5) {
      if (!ParseIntArg(ctx, 4, &range.end)) return;
      end_given = true;
    }
  } else if (ctx.argc() != 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  ctx.reply.Integer(store::FindBit(value, bit == 1, range, end_given));
}

// BITOP <AND | OR | XOR | NOT> destkey key [key ...]
void CmdBitOp(CommandContext& ctx) {
  store::BitOpKind kind;
  if (ArgIs(ctx, 1, "AND")) {
    kind = store::BitOpKind::kAnd;
  } else if (ArgIs(ctx, 1, "OR")) {
    kind = store::BitOpKind::kOr;
  } else if (ArgIs(ctx, 1, "XOR")) {
    kind = store::BitOpKind::kXor;
  } else if (ArgIs(ctx, 1, "NOT")) {
    kind = store::BitOpKind::kNot;
  } else {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (kind == store::BitOpKind::kNot && ctx.argc() != 4) {
    ctx.reply.Error(errors::kBitopNotSingleSource);
    return;
  }
  store::Db db = ctx.db();
  size_t length = 0;
  const OpStatus status = store::BitOp(db, kind, ctx.arg(2), ctx.args.subspan(3), &length);
  if (status == OpStatus::kOk) {
    ctx.reply.Integer(static_cast<int64_t>(length));
  } else {
    ReplyError(ctx, status);
  }
}

// Parses BITFIELD's subcommands (from argument 2) into *ops, each carrying the OVERFLOW mode in
// force where it stands. Replies the error and returns false at the first bad one.
bool ParseBitfieldOps(CommandContext& ctx, std::vector<store::BitfieldOp>* ops) {
  using Op = store::BitfieldOp;
  Op::Overflow overflow = Op::Overflow::kWrap;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const size_t remaining = ctx.argc() - i - 1;
    Op op;
    if (ArgIs(ctx, i, "GET") && remaining >= 2) {
      op.kind = Op::Kind::kGet;
    } else if (ArgIs(ctx, i, "SET") && remaining >= 3) {
      op.kind = Op::Kind::kSet;
    } else if (ArgIs(ctx, i, "INCRBY") && remaining >= 3) {
      op.kind = Op::Kind::kIncrBy;
    } else if (ArgIs(ctx, i, "OVERFLOW") && remaining >= 1) {
      ++i;
      if (ArgIs(ctx, i, "WRAP")) {
        overflow = Op::Overflow::kWrap;
      } else if (ArgIs(ctx, i, "SAT")) {
        overflow = Op::Overflow::kSat;
      } else if (ArgIs(ctx, i, "FAIL")) {
        overflow = Op::Overflow::kFail;
      } else {
        ctx.reply.Error(errors::kBitfieldOverflowType);
        return false;
      }
      continue;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
    if (!store::ParseBitfieldType(ctx.arg(i + 1), &op.is_signed, &op.bits)) {
      ctx.reply.Error(errors::kBitfieldType);
      return false;
    }
    if (!store::ParseBitOffset(ctx.arg(i + 2), op.bits, &op.offset)) {
      ctx.reply.Error(errors::kBitOffsetNotInteger);
      return false;
    }
    if (op.kind != Op::Kind::kGet && !ParseIntArg(ctx, i + 3, &op.value)) return false;
    op.overflow = overflow;
    ops->push_back(op);
    i += op.kind == Op::Kind::kGet ? 2 : 3;
  }
  return true;
}

// BITFIELD and BITFIELD_RO.
void RunBitfield(CommandContext& ctx, bool read_only) {
  std::vector<store::BitfieldOp> ops;
  if (!ParseBitfieldOps(ctx, &ops)) return;
  if (read_only) {
    for (const store::BitfieldOp& op : ops) {
      if (op.kind != store::BitfieldOp::Kind::kGet) {
        ctx.reply.Error(errors::kBitfieldRoOnlyGet);
        return;
      }
    }
  }
  store::Db db = ctx.db();
  std::vector<std::optional<int64_t>> results;
  const OpStatus status = store::Bitfield(db, ctx.arg(1), ops, &results);
  if (status != OpStatus::kOk) {
    ReplyError(ctx, status);
    return;
  }
  ctx.reply.ArrayHeader(results.size());
  for (const std::optional<int64_t>& result : results) {
    if (result) {
      ctx.reply.Integer(*result);
    } else {
      ctx.reply.Null();
    }
  }
}

// BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value |
//   INCRBY encoding offset increment> [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>]
//   <SET encoding offset value | INCRBY encoding offset increment> ...]]
void CmdBitfield(CommandContext& ctx) { RunBitfield(ctx, /*read_only=*/false); }

// BITFIELD_RO key [GET encoding offset [GET encoding offset ...]]
void CmdBitfieldRo(CommandContext& ctx) { RunBitfield(ctx, /*read_only=*/true); }

}  // namespace

void RegisterBitmapFamily(server::CommandTable& table) {
  table.SetGroup("bitmap");
  table.Add({"setbit", 4, "write denyoom", 1, 1, 1, "@bitmap", CmdSetBit,
             "Sets or clears the bit at offset in the string value stored at key", "2.2.0"});
  table.Add({"getbit", 3, "readonly fast", 1, 1, 1, "@bitmap", CmdGetBit,
             "Returns the bit value at offset in the string value stored at key", "2.2.0"});
  table.Add({"bitcount", -2, "readonly", 1, 1, 1, "@bitmap", CmdBitCount, "Count set bits in a string", "2.6.0"});
  table.Add({"bitpos", -3, "readonly", 1, 1, 1, "@bitmap", CmdBitPos, "Find first bit set or clear in a string",
             "2.8.7"});
  table.Add({"bitop", -4, "write denyoom", 2, -1, 1, "@bitmap", CmdBitOp, "Perform bitwise operations between strings",
             "2.6.0"});
  table.Add({"bitfield", -2, "write denyoom", 1, 1, 1, "@bitmap", CmdBitfield,
             "Perform arbitrary bitfield integer operations on strings", "3.2.0"});
  table.Add({"bitfield_ro", -2, "readonly fast", 1, 1, 1, "@bitmap", CmdBitfieldRo,
             "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", "6.0.0"});
}

}  // namespace strata::commands
