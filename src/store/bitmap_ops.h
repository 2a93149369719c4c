// Operations on strings as arrays of bits: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD.
//
// Bit 0 is the most significant bit of byte 0, as in Redis, and bits beyond a string's end read
// as 0. Functions taking a Db REQUIRE the caller to hold the stripe lock of every key they name;
// the others are pure functions of their arguments.
#ifndef STRATA_STORE_BITMAP_OPS_H_
#define STRATA_STORE_BITMAP_OPS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "store/keyspace.h"
#include "store/op_status.h"
#include "store/value_types.h"

namespace strata::store {

// The highest bit offset SETBIT, GETBIT and BITFIELD accept (its byte is the last one a
// kMaxStringLen string has).
inline constexpr uint64_t kMaxBitOffset = uint64_t{kMaxStringLen} * 8 - 1;

// Parses a bit offset argument as Redis does: a 64-bit integer in [0, kMaxBitOffset]. With
// `field_bits` > 0 (BITFIELD), "#n" means n * field_bits, the product wrapping around 64 bits as
// it does in Redis. False when the text is not such an offset.
bool ParseBitOffset(std::string_view text, int field_bits, uint64_t* offset);

// SETBIT: sets bit `offset` of the string at `key` to `value`, zero-padding the string up to
// that bit (or creating it when missing). The value becomes "raw" and keeps its deadline.
// *old_value gets the bit's previous value. kOk or kWrongType.
// REQUIRES: offset <= kMaxBitOffset.
OpStatus SetBit(Db& db, std::string_view key, uint64_t offset, bool value, bool* old_value);

// GETBIT: bit `offset` of `value`.
bool BitAt(std::string_view value, uint64_t offset);

// The optional range of BITCOUNT and BITPOS: inclusive, in bytes or (BIT) in bits, negative
// indexes counting from the end. The default covers the whole string.
struct BitRange {
  int64_t start = 0;
  int64_t end = -1;
  bool in_bits = false;
};

// BITCOUNT: the number of set bits of `value` within `range`. As in Redis, a range whose ends
// are both negative with start > end counts nothing, even when clamping would overlap the string.
int64_t CountBits(std::string_view value, const BitRange& range);

// BITPOS: the position (from the start of `value`) of the first bit equal to `bit` within
// `range`, or -1. An empty range gives -1. When no clear bit is found and `end_given` is false,
// the string counts as followed by zeros and the answer is the first bit past the range.
int64_t FindBit(std::string_view value, bool bit, const BitRange& range, bool end_given);

enum class BitOpKind { kAnd, kOr, kXor, kNot };

// BITOP: combines the strings at `sources` (missing keys read as empty strings, shorter strings
// as zero-padded) and stores the result at `dest` as a "raw" string without a deadline,
// overwriting whatever `dest` held. When every source is empty the result is empty and `dest` is
// deleted instead. *result_len gets the result's length (the longest source's). kOk, or
// kWrongType when a source is not a string (nothing changes).
// REQUIRES: sources is non-empty; exactly one source for kNot.
OpStatus BitOp(Db& db, BitOpKind kind, std::string_view dest, std::span<const std::string_view> sources,
               size_t* result_len);

// Parses a BITFIELD type: "i1".."i64" or "u1".."u63" (lower-case letter; like Redis, the text is
// read up to its first NUL byte). False when invalid.
bool ParseBitfieldType(std::string_view text, bool* is_signed, int* bits);

// One BITFIELD subcommand.
struct BitfieldOp {
  enum class Kind : uint8_t { kGet, kSet, kIncrBy };
  // What SET and INCRBY do with a result that does not fit the field.
  enum class Overflow : uint8_t { kWrap, kSat, kFail };

  Kind kind = Kind::kGet;
  Overflow overflow = Overflow::kWrap;
  bool is_signed = false;
  int bits = 8;         // 1..64 signed, 1..63 unsigned
  uint64_t offset = 0;  // in bits, <= kMaxBitOffset
  int64_t value = 0;    // kSet: the new value; kIncrBy: the increment
};

// BITFIELD / BITFIELD_RO: runs `ops` in order on the string at `key` and appends one result per
// op to *results (cleared first): GET the field, SET the field's previous value, INCRBY its new
// value; nothing for a SET or INCRBY that OVERFLOW FAIL refused (the field is left alone).
// Without SET or INCRBY ops the key is only read (a missing key reads as zeros and is not
// created). Otherwise the string is first zero-padded (or created) up to the last bit any SET or
// INCRBY touches, even if all of them then fail, and becomes "raw". kOk or kWrongType.
OpStatus Bitfield(Db& db, std::string_view key, std::span<const BitfieldOp> ops,
                  std::vector<std::optional<int64_t>>* results);

}  // namespace strata::store

#endif  // STRATA_STORE_BITMAP_OPS_H_
