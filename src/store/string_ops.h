// Operations on string values, under the caller's stripe locks (see Db).
//
// Every function here REQUIRES that the caller holds the stripe lock of each key it names, and
// returns views that stay valid only while those locks are held and the keys unchanged.
#ifndef STRATA_STORE_STRING_OPS_H_
#define STRATA_STORE_STRING_OPS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/function_ref.h"
#include "store/entry.h"
#include "store/keyspace.h"
#include "store/op_status.h"

namespace strata::store {

// How SET and its relatives write.
struct SetParams {
  enum class Condition { kAlways, kIfAbsent, kIfPresent };
  Condition condition = Condition::kAlways;
  int64_t expire_ms = kNoExpire;  // absolute deadline, or kNoExpire
  bool keep_ttl = false;          // keep the key's current deadline (KEEPTTL)
  bool get_old = false;           // report the previous value (GET)
};

struct SetOutcome {
  OpStatus status = OpStatus::kOk;  // kOk, kNotDone (condition failed), kWrongType (get_old on a non-string)
  bool had_old = false;             // get_old: whether the key held a string
  std::string old_value;            // get_old: that string
};

// SET key value with `params` (also SETNX, SETEX, PSETEX and GETSET, which are SETs with fixed
// options). A key holding another type is overwritten, unless get_old. The value gets the
// encoding ChooseStringEncoding picks; the deadline is params.expire_ms unless keep_ttl.
SetOutcome SetString(Db& db, std::string_view key, std::string_view value, const SetParams& params);

// The string value of `key` for a read (counts a hit or miss). kOk with *value set, kNoKey or
// kWrongType.
OpStatus GetString(Db& db, std::string_view key, std::string_view* value);

// GETDEL: copies the string value of `key` to *value and deletes the key. kOk, kNoKey or
// kWrongType (the key is then left alone).
OpStatus GetDel(Db& db, std::string_view key, std::string* value);

// What GETEX does to the deadline of the key it reads.
struct ExpiryChange {
  enum class Kind { kKeep, kSet, kPersist };
  Kind kind = Kind::kKeep;
  int64_t deadline_ms = kNoExpire;  // kSet: the new absolute deadline
};

// GETEX: copies the string value of `key` to *value, then applies `change`. A kSet deadline at
// or before now (EXAT/PXAT in the past) deletes the key, as Redis does. kOk, kNoKey or
// kWrongType (nothing changes).
OpStatus GetEx(Db& db, std::string_view key, const ExpiryChange& change, std::string* value);

// MGET: calls `visit` for each of `keys` in order with its string value, or with nothing when
// the key is missing or holds another type. Counts a hit or miss per key. A view is valid only
// during its visit: looking up a repeated key again may expire it.
void MGet(Db& db, std::span<const std::string_view> keys, FunctionRef<void(std::optional<std::string_view>)> visit);

// MSET / MSETNX: `pairs` alternates keys and values (REQUIRES: an even count). Each key is set
// as SET does without options (any type is overwritten, deadlines cleared); a repeated key ends
// with its last value. With `only_if_none_exist`, sets nothing and returns kNotDone when any of
// the keys exists (of any type). Returns kOk otherwise.
OpStatus MSet(Db& db, std::span<const std::string_view> pairs, bool only_if_none_exist);

// APPEND: appends `suffix` to the string at `key`, creating the key (with SET's encoding rules)
// when missing; an existing value becomes "raw" and keeps its deadline. *new_len gets the
// resulting length. kOk, kWrongType, or kTooLarge beyond kMaxStringLen (nothing changes).
OpStatus Append(Db& db, std::string_view key, std::string_view suffix, size_t* new_len);

// SETRANGE: writes `value` at byte `offset` of the string at `key`, zero-padding as needed and
// creating a "raw" string when the key is missing. An empty `value` changes nothing (and does not
// create the key). *new_len gets the resulting length (0 for a missing key and an empty value).
// kOk, kOutOfRange (offset < 0), kWrongType, or kTooLarge when offset + value size exceeds
// kMaxStringLen; all three are checked before anything is allocated.
OpStatus SetRange(Db& db, std::string_view key, int64_t offset, std::string_view value, size_t* new_len);

// INCRBY (and INCR, DECR, DECRBY): adds `delta` to the integer at `key` (a missing key counts as
// 0) and stores the result with the "int" encoding, keeping the deadline. *result gets it.
// kOk, kWrongType, kNotInteger (the value is not a 64-bit integer) or kOverflow.
OpStatus IncrBy(Db& db, std::string_view key, int64_t delta, int64_t* result);

// INCRBYFLOAT: adds the long double spelled by `increment` to the number at `key` (a missing key
// counts as 0), keeping the deadline. The result is stored, and copied to *result, as
// FormatLongDoubleHuman spells it, with the "embstr" encoding up to 44 bytes and "raw" above
// (never "int": Redis does not re-encode it). kOk, kWrongType, kNotFloat (the stored value is
// checked before the increment) or kNanOrInfinity.
OpStatus IncrByFloat(Db& db, std::string_view key, std::string_view increment, std::string* result);

// Resolves an inclusive [start, end] range over `len` items as GETRANGE, BITCOUNT and BITPOS
// do: negative indexes count from the end, then both clamp into [0, len - 1]. Returns false when
// the resolved range is empty.
bool ResolveRange(int64_t len, int64_t* start, int64_t* end);

// GETRANGE / SUBSTR: the bytes of `value` in [start, end]. A range with both ends negative and
// start > end is empty even when clamping would make it overlap the string.
std::string_view Substring(std::string_view value, int64_t start, int64_t end);

// Makes `key` a "raw" string of at least `min_size` bytes, zero-padding it (or creating it, all
// zeros, when *ref is empty), and returns its writable bytes, valid until the entry next changes.
// *ref is updated to the (possibly rebuilt) entry and *size gets the string's length. The
// deadline is kept. This is how SETBIT, SETRANGE, APPEND and BITFIELD write.
// REQUIRES: *ref is the entry of `key` and holds a string, or is empty and the key is absent.
char* GrowString(Db& db, std::string_view key, EntryRef* ref, size_t min_size, size_t* size);

// LCS: the table Redis builds holds (|a|+1) * (|b|+1) 32-bit cells and is refused beyond
// kMaxStringLen bytes. Whether strings of these lengths fit.
bool LcsTableFits(size_t a_len, size_t b_len);

// One run of matching bytes reported by LCS IDX: a[a_start..a_end] == b[b_start..b_end].
struct LcsMatch {
  uint32_t a_start = 0;
  uint32_t a_end = 0;
  uint32_t b_start = 0;
  uint32_t b_end = 0;
  uint32_t length() const { return a_end - a_start + 1; }
};

struct LcsResult {
  uint32_t length = 0;          // length of the longest common subsequence
  std::string text;             // the subsequence itself, when asked for
  std::vector<LcsMatch> matches;  // its runs, last run first, when asked for
};

// Computes the longest common subsequence of `a` and `b` as Redis's LCS does (same table, same
// tie-breaking walk, so the same subsequence and runs). `want_text` fills result->text;
// `want_matches` fills result->matches with the runs at least `min_match_len` long.
// REQUIRES: LcsTableFits(a.size(), b.size()). Pure: no keyspace access.
LcsResult ComputeLcs(std::string_view a, std::string_view b, bool want_text, bool want_matches,
                     int64_t min_match_len);

}  // namespace strata::store

#endif  // STRATA_STORE_STRING_OPS_H_
