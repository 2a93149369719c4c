#include "commands/command_util.h"

#include <climits>
#include <cmath>
#include <string>

#include "common/error_texts.h"
#include "common/numbers.h"

namespace strata::commands {

void ReplyError(CommandContext& ctx, store::OpStatus status) {
  using store::OpStatus;
  switch (status) {
    case OpStatus::kWrongType: ctx.reply.Error(errors::kWrongType); return;
    case OpStatus::kNotInteger: ctx.reply.Error(errors::kNotInteger); return;
    case OpStatus::kNotFloat: ctx.reply.Error(errors::kNotFloat); return;
    case OpStatus::kOverflow: ctx.reply.Error(errors::kOverflow); return;
    case OpStatus::kNanOrInfinity: ctx.reply.Error(errors::kNanOrInfinity); return;
    case OpStatus::kTooLarge: ctx.reply.Error(errors::kStringTooLong); return;
    case OpStatus::kOutOfRange: ctx.reply.Error(errors::kOffsetOutOfRange); return;
    case OpStatus::kNoKey: ctx.reply.Error(errors::kNoSuchKey); return;
    case OpStatus::kOk:
    case OpStatus::kNotDone: break;
  }
  ctx.reply.Error(errors::kSyntax);
}

void ReplyValueOrNull(CommandContext& ctx, store::OpStatus status, std::string_view value) {
  if (status == store::OpStatus::kOk) {
    ctx.reply.Bulk(value);
  } else if (status == store::OpStatus::kNoKey) {
    ctx.reply.Null();
  } else {
    ReplyError(ctx, status);
  }
}

IntParse ParseInt32(std::string_view text, int* value) {
  int64_t v;
  if (!ParseInt64(text, &v)) return IntParse::kNotInteger;
  if (v < INT_MIN || v > INT_MAX) return IntParse::kOutOfRange;
  *value = static_cast<int>(v);
  return IntParse::kOk;
}

const char* ParseDbIndex(std::string_view text, int databases, int* db) {
  switch (ParseInt32(text, db)) {
    case IntParse::kNotInteger: return errors::kNotInteger;
    case IntParse::kOutOfRange: return errors::kIntOutOfRange;
    case IntParse::kOk: break;
  }
  return *db < 0 || *db >= databases ? errors::kDbIndexOutOfRange : nullptr;
}

bool ParseMPopArgs(CommandContext& ctx, size_t numkeys_at, std::string_view first_side, std::string_view second_side,
                   MPopArgs* out) {
  int64_t n;
  if (!ParseInt64(ctx.arg(numkeys_at), &n) || n < 1) {
    ctx.reply.Error(errors::kNumkeysNotPositive);
    return false;
  }
  // The side must follow the keys.
  if (static_cast<uint64_t>(n) >= ctx.argc() - numkeys_at - 1) {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  const size_t side_at = numkeys_at + 1 + static_cast<size_t>(n);
  if (!ArgIs(ctx, side_at, first_side) && !ArgIs(ctx, side_at, second_side)) {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  out->second_side = ArgIs(ctx, side_at, second_side);
  int64_t count = 0;  // 0: not given
  for (size_t i = side_at + 1; i < ctx.argc(); ++i) {
    if (count == 0 && ArgIs(ctx, i, "COUNT") && i + 1 < ctx.argc()) {
      if (!ParseInt64(ctx.arg(++i), &count) || count < 1) {
        ctx.reply.Error(errors::kCountNotPositive);
        return false;
      }
    } else {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
  }
  out->numkeys = static_cast<size_t>(n);
  out->count = count == 0 ? 1 : static_cast<size_t>(count);
  return true;
}

bool ParseIntArg(CommandContext& ctx, size_t i, int64_t* value) {
  if (ParseInt64(ctx.arg(i), value)) return true;
  ctx.reply.Error(errors::kNotInteger);
  return false;
}

const char* ParseScanOptions(std::span<const std::string_view> args, size_t first, bool allow_type,
                             ScanOptions* out) {
  for (size_t i = first; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return errors::kSyntax;
    const std::string_view value = args[i + 1];
    if (EqualsIgnoreCase(args[i], "COUNT")) {
      int64_t count;
      if (!ParseInt64(value, &count)) return errors::kNotInteger;
      if (count < 1) return errors::kSyntax;
      out->count = static_cast<size_t>(count);
    } else if (EqualsIgnoreCase(args[i], "MATCH")) {
      out->pattern = value == "*" ? std::nullopt : std::optional<std::string_view>(value);
    } else if (allow_type && EqualsIgnoreCase(args[i], "TYPE")) {
      out->type = value;
    } else {
      return errors::kSyntax;
    }
  }
  return nullptr;
}

bool ParseDoubleArg(CommandContext& ctx, size_t i, double* value) {
  if (ParseDouble(ctx.arg(i), value)) return true;
  ctx.reply.Error(errors::kNotFloat);
  return false;
}

bool ParseBlockTimeout(CommandContext& ctx, size_t i, int64_t* deadline_ms) {
  long double seconds;
  if (!ParseLongDouble(ctx.arg(i), &seconds)) {
    ctx.reply.Error(errors::kTimeoutNotFloat);
    return false;
  }
  // Whole milliseconds, rounded up: 0.0001 s still times out. Redis then casts to a 64-bit
  // integer, so 2^63 ms and beyond (inf, 1e30) come out negative; say so the same way.
  const long double ms = std::ceil(seconds * 1000.0L);
  if (!(ms < 9223372036854775808.0L) || ms < 0) {
    ctx.reply.Error(errors::kTimeoutNegative);
    return false;
  }
  const auto whole = static_cast<int64_t>(ms);
  const int64_t now = ctx.db().NowMs();
  // Redis 7.0 accepts every timeout up to 2^63-1 ms; a deadline past the end of time blocks
  // forever there, as here.
  if (whole > INT64_MAX - now) {
    *deadline_ms = 0;
    return true;
  }
  *deadline_ms = whole == 0 ? 0 : now + whole;  // 0 blocks forever
  return true;
}

void BlockOnKeys(CommandContext& ctx, std::span<const std::string_view> keys, int64_t deadline_ms) {
  if (!ctx.client.can_block()) {
    ctx.reply.NullArray();
    return;
  }
  server::BlockRequest request;
  request.keys.assign(keys.begin(), keys.end());
  request.deadline_ms = deadline_ms;
  ctx.client.RequestBlock(std::move(request));
}

bool ValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

void ReplyHelp(CommandContext& ctx, std::string_view container, std::span<const std::string_view> lines) {
  ctx.reply.ArrayHeader(lines.size() + 3);
  std::string header(container);
  header += " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:";
  ctx.reply.Simple(header);
  for (std::string_view line : lines) ctx.reply.Simple(line);
  ctx.reply.Simple("HELP");
  ctx.reply.Simple("    Prints this help.");
}

std::span<const std::string_view> DeclaredKeys(std::span<const std::string_view> args) {
  int64_t n = 0;
  if (!ParseInt64(args[2], &n) || n < 0 || static_cast<uint64_t>(n) > args.size() - 3) return {};
  return args.subspan(3, static_cast<size_t>(n));
}

bool NumKeysInRange(CommandContext& ctx, int64_t numkeys) {
  if (numkeys > static_cast<int64_t>(ctx.argc() - 3)) {
    ctx.reply.Error(errors::kNumKeysTooMany);
    return false;
  }
  if (numkeys < 0) {
    ctx.reply.Error(errors::kNumKeysNegative);
    return false;
  }
  return true;
}

}  // namespace strata::commands
