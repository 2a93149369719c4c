// Helpers shared by command handlers: argument parsing that replies Redis's error on failure,
// and the error reply for each store status.
#ifndef STRATA_COMMANDS_COMMAND_UTIL_H_
#define STRATA_COMMANDS_COMMAND_UTIL_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/numbers.h"
#include "server/dispatcher.h"
#include "store/op_status.h"

namespace strata::commands {

using server::CommandContext;

// Replies with the error text for `status`. REQUIRES: status is an error (not kOk, kNoKey or
// kNotDone, whose replies depend on the command).
void ReplyError(CommandContext& ctx, store::OpStatus status);

// The reply of a read of one value (GET, HGET ...): `value` for kOk, a null for kNoKey, the
// error for any other status.
void ReplyValueOrNull(CommandContext& ctx, store::OpStatus status, std::string_view value);

// Parses argument `i` as a 64-bit integer; on failure replies
// "ERR value is not an integer or out of range" and returns false.
bool ParseIntArg(CommandContext& ctx, size_t i, int64_t* value);

// Reads `text` as a C int the way Redis's getIntFromObjectOrReply does.
enum class IntParse { kOk, kNotInteger, kOutOfRange };
IntParse ParseInt32(std::string_view text, int* value);

// Reads `text` as the index of a database below `databases`, as SELECT, MOVE and COPY ... DB do.
// Returns nullptr, or the error text to reply.
const char* ParseDbIndex(std::string_view text, int databases, int* db);

// What LMPOP, BLMPOP, ZMPOP and BZMPOP share: "numkeys key [key ...] <side> [COUNT count]", where
// <side> is one of two words (LEFT | RIGHT, MIN | MAX).
struct MPopArgs {
  size_t numkeys = 0;
  bool second_side = false;  // <side> is the second of the two words
  size_t count = 1;
};

// Parses those arguments with numkeys at argument `numkeys_at`, in Redis's order of checks
// (numkeys, then <side>, then COUNT), replying the first error and returning false.
bool ParseMPopArgs(CommandContext& ctx, size_t numkeys_at, std::string_view first_side, std::string_view second_side,
                   MPopArgs* out);

// The options of SCAN, HSCAN, SSCAN and ZSCAN.
struct ScanOptions {
  size_t count = 10;
  // MATCH's glob; absent without MATCH and for MATCH "*", which Redis does not even match
  // (so "*" finds what no MATCH finds). MATCH "" is present: it matches only the empty name.
  std::optional<std::string_view> pattern;
  std::optional<std::string_view> type;  // TYPE's name (SCAN only)
};

// Parses "[MATCH pattern] [COUNT count] [TYPE type]" from args[first] on, as Redis's scan
// commands do: option/value pairs in any order, a repeated option's last value wins, TYPE only
// when `allow_type`. Returns nullptr, or the error of the first bad pair in order: a COUNT that
// is not an integer is "value is not an integer", a COUNT below 1, a missing value or any other
// word a syntax error. Views in *out point into `args`.
const char* ParseScanOptions(std::span<const std::string_view> args, size_t first, bool allow_type,
                             ScanOptions* out);

// Parses argument `i` as a double; on failure replies "ERR value is not a valid float".
bool ParseDoubleArg(CommandContext& ctx, size_t i, double* value);

// Parses a blocking command's timeout (seconds, fractions allowed, 0 = forever) at argument `i`
// into an absolute deadline in Unix ms (0 for forever). On failure replies Redis's error
// ("ERR timeout is not a float or out of range", "ERR timeout is negative") and returns false.
bool ParseBlockTimeout(CommandContext& ctx, size_t i, int64_t* deadline_ms);

// A blocking command found nothing on `keys`: blocks the client until one of them gets elements
// or `deadline_ms` passes (0: forever); where the client may not block, replies the timeout reply
// (a null array) at once.
void BlockOnKeys(CommandContext& ctx, std::span<const std::string_view> keys, int64_t deadline_ms);

// The declared keys of an EVAL- or FCALL-like call `args` (name script numkeys key ... arg ...):
// none when numkeys is not an integer in range (the handler then refuses the call).
std::span<const std::string_view> DeclaredKeys(std::span<const std::string_view> args);
// EVAL's and FCALL's check of their parsed numkeys: replies Redis's error and returns false when it
// is negative or more than the arguments after it.
bool NumKeysInRange(CommandContext& ctx, int64_t numkeys);

// Whether argument `i` equals `token`, ignoring case (option words such as "NX").
inline bool ArgIs(const CommandContext& ctx, size_t i, std::string_view token) {
  return EqualsIgnoreCase(ctx.arg(i), token);
}

// Whether `name` may be a client name (CLIENT SETNAME, HELLO SETNAME) or a CLIENT SETINFO value:
// printable ASCII without spaces.
bool ValidClientName(std::string_view name);

// Replies with a container's HELP text as Redis writes it: an array of simple strings, the
// header "<CONTAINER> <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", then `lines`,
// then the entry for HELP itself. `container` is upper case ("CONFIG").
void ReplyHelp(CommandContext& ctx, std::string_view container, std::span<const std::string_view> lines);

}  // namespace strata::commands

#endif  // STRATA_COMMANDS_COMMAND_UTIL_H_
