// Operations on sorted set values, under the caller's stripe locks (see Db).
//
// Every operation looks its keys up itself, keeps the entry's reported encoding in step with the
// value's form (compact while the zset-max-listpack-* limits allow, large from then on), deletes
// a key its operation emptied, and announces each write once with Redis's event name (Db::Notify).
// Statuses: kOk, kNoKey (callers pick the reply),
// kWrongType, and kNanOrInfinity when an increment would make a NaN score.
#ifndef STRATA_STORE_ZSET_OPS_H_
#define STRATA_STORE_ZSET_OPS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/function_ref.h"
#include "store/keyspace.h"
#include "store/op_status.h"
#include "store/zset_value.h"

namespace strata::store {

// ---- Argument forms shared by the commands, parsed with Redis's rules.

// One end of a score range: "1.5", "(1.5" (exclusive), "-inf", "+inf".
struct ScoreBound {
  double value = 0;
  bool exclusive = false;
};

// Parses a score bound as Redis's zslParseRange does (strtod up to the first NUL byte, so
// "", " 1" and "1e999" pass); false for trailing garbage or NaN.
bool ParseScoreBound(std::string_view text, ScoreBound* bound);

// One end of a lex range: "-", "+", "[member" (inclusive) or "(member" (exclusive).
struct LexBound {
  enum class Kind { kMinusInfinity, kPlusInfinity, kInclusive, kExclusive };
  Kind kind = Kind::kMinusInfinity;
  std::string_view member;  // a view into the parsed text
};

// Parses a lex bound; false for anything but the four forms above.
bool ParseLexBound(std::string_view text, LexBound* bound);

// What a range command selects. Bounds are given in the order the command takes them from the
// user: for REV ranges by score or lex, `score_min`/`lex_min` is still the lower end.
struct ZRangeSpec {
  enum class By { kRank, kScore, kLex };
  By by = By::kRank;
  int64_t start = 0, stop = -1;  // kRank: inclusive indexes, negative from the end
  ScoreBound score_min, score_max;
  LexBound lex_min, lex_max;
  bool reverse = false;
  int64_t offset = 0;  // LIMIT offset (kScore, kLex): elements skipped from the start of the range
  int64_t limit = -1;  // LIMIT count; negative means all
};

struct ScoredMember {
  std::string member;
  double score = 0;
};

// ---- Writes.

// ZADD's options.
struct ZAddParams {
  enum class Condition { kAlways, kIfAbsent, kIfPresent };  // -, NX, XX
  Condition condition = Condition::kAlways;
  bool gt = false;
  bool lt = false;
  bool incr = false;  // the score is an increment (ZINCRBY, ZADD INCR); one element only
};

struct ZAddElement {
  double score;
  std::string_view member;
};

struct ZAddResult {
  size_t added = 0;
  size_t updated = 0;    // existing members whose score changed
  size_t processed = 0;  // elements not skipped by a condition
  double score = 0;      // incr: the member's score afterwards
};

// ZADD / ZINCRBY: adds or updates `elements` in order, creating the key if needed (not with XX).
// A new key starts compact unless zset-max-listpack-entries is 0 or the first member is longer
// than zset-max-listpack-value; the set turns large before an insert would break either limit.
// kNanOrInfinity (nothing changed) when an increment makes NaN. REQUIRES: no NaN scores.
OpStatus ZAdd(Db& db, std::string_view key, const ZAddParams& params, std::span<const ZAddElement> elements,
              ZAddResult* result);

// ZREM: removes `members`; *removed counts those that were there.
OpStatus ZRem(Db& db, std::string_view key, std::span<const std::string_view> members, size_t* removed);

// ZREMRANGEBYRANK/SCORE/LEX: removes what `spec` selects (its reverse/offset/limit unused).
OpStatus ZRemRange(Db& db, std::string_view key, const ZRangeSpec& spec, size_t* removed);

// ZPOPMIN / ZPOPMAX (`max`): removes and returns up to `count` lowest (highest) elements in pop
// order. kNoKey when the key is absent.
OpStatus ZPop(Db& db, std::string_view key, bool max, size_t count, std::vector<ScoredMember>* out);

// ZMPOP, and the blocking pops once a key is ready: pops from the first key of `keys` that
// holds a sorted set, setting *which to its index. kNoKey when none does; kWrongType as soon as
// a key before the first sorted set holds another type.
// With `skip_other_types`, keys of another type are passed over instead (a blocked client's
// re-run takes only from sorted sets).
OpStatus ZPopFirst(Db& db, std::span<const std::string_view> keys, bool max, size_t count, size_t* which,
                   std::vector<ScoredMember>* out, bool skip_other_types = false);

// ZRANGESTORE: stores what `spec` selects from `src` at `dst` (replacing any value there, or
// deleting `dst` when the selection is empty) and sets *stored to its size. A missing `src` is
// an empty selection.
OpStatus ZRangeStore(Db& db, std::string_view dst, std::string_view src, const ZRangeSpec& spec, size_t* stored);

// ---- Reads.

OpStatus ZCard(Db& db, std::string_view key, size_t* card);

// ZSCORE: kOk with *score (empty when the member is absent), kNoKey, kWrongType.
OpStatus ZScore(Db& db, std::string_view key, std::string_view member, std::optional<double>* score);

// ZMSCORE: one entry per member, empty where absent.
OpStatus ZMScore(Db& db, std::string_view key, std::span<const std::string_view> members,
                 std::vector<std::optional<double>>* scores);

// ZRANK / ZREVRANK (`reverse`): *rank empty when the member is absent.
OpStatus ZRank(Db& db, std::string_view key, std::string_view member, bool reverse, std::optional<size_t>* rank);

// ZCOUNT / ZLEXCOUNT: the number of elements `spec` (kScore or kLex) selects.
OpStatus ZCount(Db& db, std::string_view key, const ZRangeSpec& spec, size_t* count);

// ZRANGE and its relatives: calls `begin` with the number of selected elements, then `visit`
// with each in reply order. Neither is called for kNoKey or kWrongType.
OpStatus ZRange(Db& db, std::string_view key, const ZRangeSpec& spec, FunctionRef<void(size_t)> begin,
                ZSetVisitor visit);

// ZRANDMEMBER key count: `count` > 0 picks that many distinct members (all of them, highest
// first, when the set has no more), `count` < 0 picks -count members with repeats.
OpStatus ZRandMember(Db& db, std::string_view key, int64_t count, std::vector<ScoredMember>* out);

// ZSCAN: one step from `cursor`, visiting elements whose member matches `pattern` (all when
// absent). *compact tells whether the set is in its compact ("listpack") form, where Redis
// replies the scores as its listpack holds them (common/numbers.h FormatListpackDouble).
OpStatus ZScan(Db& db, std::string_view key, uint64_t cursor, size_t count, std::optional<std::string_view> pattern,
               ZSetScanVisitor visit, uint64_t* next_cursor, bool* compact);

// ---- Set algebra: ZUNION, ZINTER, ZDIFF (and their STORE forms), ZINTERCARD.

struct ZSetOpParams {
  enum class Op { kUnion, kInter, kDiff };
  enum class Aggregate { kSum, kMin, kMax };
  Op op = Op::kUnion;
  Aggregate aggregate = Aggregate::kSum;
  std::vector<double> weights;  // one per key, or empty for all 1
};

// The options of these commands are parsed only once their keys have been read and
// type-checked (so WRONGTYPE wins over a bad option, as in Redis): `options` runs then, fills
// in its argument and returns false after replying an error, which makes the operation stop
// with kNotDone.
using ZSetOpOptions = FunctionRef<bool(ZSetOpParams* params)>;

// Computes the operation over `keys` (sorted sets, or sets whose members score 1; a missing key
// is empty) into *out, in (score, member) order. kWrongType when a key holds another type.
// REQUIRES: `options` leaves one weight per key or none.
OpStatus ZSetOperation(Db& db, std::span<const std::string_view> keys, ZSetOpOptions options,
                       std::vector<ScoredMember>* out);

// The STORE form: writes the result to `dst` (deleting it when empty), *stored = its size.
OpStatus ZSetOperationStore(Db& db, std::string_view dst, std::span<const std::string_view> keys,
                            ZSetOpOptions options, size_t* stored);

// ZINTERCARD: the size of the intersection; counting stops at the limit `options` sets (0: no
// limit). `options` runs as for ZSetOperation.
OpStatus ZInterCard(Db& db, std::span<const std::string_view> keys, FunctionRef<bool(size_t* limit)> options,
                    size_t* card);

}  // namespace strata::store

#endif  // STRATA_STORE_ZSET_OPS_H_
