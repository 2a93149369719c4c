#include "store/bitmap_ops.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "common/numbers.h"
#include "store/string_ops.h"

namespace strata::store {
namespace {

const unsigned char* Bytes(std::string_view value) { return reinterpret_cast<const unsigned char*>(value.data()); }

// Set bits in p[0, n), a word at a time.
int64_t Popcount(const unsigned char* p, size_t n) {
  int64_t count = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, sizeof(word));
    count += std::popcount(word);
  }
  for (; i < n; ++i) count += std::popcount(static_cast<unsigned>(p[i]));
  return count;
}

// The first index in [from, to) whose byte is not `skip`, or `to`. Skips a word at a time, so
// BITPOS over long runs of 0x00 or 0xff stays fast.
size_t SkipBytes(const unsigned char* p, size_t from, size_t to, unsigned char skip) {
  const uint64_t skip_word = 0x0101010101010101ULL * skip;
  size_t i = from;
  for (; i + 8 <= to; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, sizeof(word));
    if (word != skip_word) break;
  }
  while (i < to && p[i] == skip) ++i;
  return i;
}

// The `bits`-wide field at bit `offset` of `value`, most significant bit first; bits past the
// end read as 0.
uint64_t ReadField(std::string_view value, uint64_t offset, int bits) {
  const unsigned char* p = Bytes(value);
  uint64_t field = 0;
  for (int i = 0; i < bits; ++i) {
    const uint64_t pos = offset + static_cast<uint64_t>(i);
    const uint64_t byte = pos >> 3;
    const unsigned bit = byte < value.size() ? (p[byte] >> (7 - (pos & 7))) & 1u : 0u;
    field = (field << 1) | bit;
  }
  return field;
}

// Stores the low `bits` bits of `field` at bit `offset` of p. REQUIRES: the bytes exist.
void WriteField(unsigned char* p, uint64_t offset, int bits, uint64_t field) {
  for (int i = 0; i < bits; ++i) {
    const uint64_t pos = offset + static_cast<uint64_t>(i);
    const auto mask = static_cast<unsigned char>(0x80u >> (pos & 7));
    if ((field >> (bits - 1 - i)) & 1) {
      p[pos >> 3] |= mask;
    } else {
      p[pos >> 3] &= static_cast<unsigned char>(~mask);
    }
  }
}

// What a field's raw bits mean: zero-extended for unsigned fields, sign-extended for signed ones.
int64_t FieldValue(uint64_t raw, bool is_signed, int bits) {
  if (bits == 64) return static_cast<int64_t>(raw);
  raw &= (uint64_t{1} << bits) - 1;
  if (is_signed && (raw >> (bits - 1)) & 1) raw |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(raw);
}

// Fits the exact result `want` into a field per `mode`: *raw gets the bits to store. False when
// OVERFLOW FAIL refuses it.
bool FitField(__int128 want, bool is_signed, int bits, BitfieldOp::Overflow mode, uint64_t* raw) {
  const __int128 max = is_signed ? (static_cast<__int128>(1) << (bits - 1)) - 1 : (static_cast<__int128>(1) << bits) - 1;
  const __int128 min = is_signed ? -(static_cast<__int128>(1) << (bits - 1)) : 0;
  if (want >= min && want <= max) {
    *raw = static_cast<uint64_t>(want);
    return true;
  }
  switch (mode) {
    case BitfieldOp::Overflow::kFail:
      return false;
    case BitfieldOp::Overflow::kSat:
      *raw = static_cast<uint64_t>(want > max ? max : min);
      return true;
    case BitfieldOp::Overflow::kWrap:
      break;
  }
  // Two's complement: the low bits are the result modulo 2^bits.
  *raw = static_cast<uint64_t>(want);
  return true;
}

}  // namespace

bool ParseBitOffset(std::string_view text, int field_bits, uint64_t* offset) {
  const bool multiple = field_bits > 0 && text.size() > 1 && text[0] == '#';
  int64_t value;
  if (!ParseInt64(multiple ? text.substr(1) : text, &value)) return false;
  if (multiple) value = static_cast<int64_t>(static_cast<uint64_t>(value) * static_cast<uint64_t>(field_bits));
  if (value < 0 || static_cast<uint64_t>(value) > kMaxBitOffset) return false;
  *offset = static_cast<uint64_t>(value);
  return true;
}

OpStatus SetBit(Db& db, std::string_view key, uint64_t offset, bool value, bool* old_value) {
  EntryRef ref;
  if (db.FindForWriteAs(key, ValueType::kString, &ref) == OpStatus::kWrongType) return OpStatus::kWrongType;
  const size_t old_size = ref ? ref->string_value().size() : 0;
  const bool existed = static_cast<bool>(ref);
  size_t size;
  auto* data = reinterpret_cast<unsigned char*>(GrowString(db, key, &ref, static_cast<size_t>(offset >> 3) + 1, &size));
  unsigned char& byte = data[offset >> 3];
  const auto mask = static_cast<unsigned char>(0x80u >> (offset & 7));
  *old_value = (byte & mask) != 0;
  byte = value ? static_cast<unsigned char>(byte | mask) : static_cast<unsigned char>(byte & ~mask);
  // Redis announces SETBIT only when it created, grew or changed the string.
  if (!existed || size != old_size || *old_value != value) db.Notify(KeyEvent::kSetBit, key);
  return OpStatus::kOk;
}

bool BitAt(std::string_view value, uint64_t offset) {
  const uint64_t byte = offset >> 3;
  return byte < value.size() && ((Bytes(value)[byte] >> (7 - (offset & 7))) & 1) != 0;
}

int64_t CountBits(std::string_view value, const BitRange& range) {
  if (range.start < 0 && range.end < 0 && range.start > range.end) return 0;
  const auto len = static_cast<int64_t>(value.size());
  int64_t start = range.start;
  int64_t end = range.end;
  if (!ResolveRange(range.in_bits ? len * 8 : len, &start, &end)) return 0;
  const unsigned char* p = Bytes(value);
  if (!range.in_bits) return Popcount(p + start, static_cast<size_t>(end - start + 1));
  const int64_t first = start >> 3;
  const int64_t last = end >> 3;
  int64_t count = Popcount(p + first, static_cast<size_t>(last - first + 1));
  // Take back the bits of the edge bytes that lie outside [start, end].
  count -= std::popcount(static_cast<unsigned>(p[first] & ~(0xffu >> (start & 7)) & 0xffu));
  count -= std::popcount(static_cast<unsigned>(p[last] & (0xffu >> ((end & 7) + 1))));
  return count;
}

int64_t FindBit(std::string_view value, bool bit, const BitRange& range, bool end_given) {
  const auto len = static_cast<int64_t>(value.size());
  int64_t start = range.start;
  int64_t end = range.end;
  if (!ResolveRange(range.in_bits ? len * 8 : len, &start, &end)) return -1;
  const auto first = static_cast<uint64_t>(range.in_bits ? start : start * 8);
  const auto last = static_cast<uint64_t>(range.in_bits ? end : end * 8 + 7);
  const unsigned char* p = Bytes(value);
  // Looking for a clear bit is looking for a set bit in the complement.
  auto probe = [&](uint64_t byte, unsigned mask) -> int64_t {
    const unsigned v = (bit ? p[byte] : ~static_cast<unsigned>(p[byte])) & mask & 0xffu;
    if (v == 0) return -1;
    return static_cast<int64_t>(byte * 8) + std::countl_zero(static_cast<uint8_t>(v));
  };
  const uint64_t first_byte = first >> 3;
  const uint64_t last_byte = last >> 3;
  const unsigned first_mask = 0xffu >> (first & 7);
  const unsigned last_mask = (0xffu << (7 - (last & 7))) & 0xffu;
  int64_t pos;
  if (first_byte == last_byte) {
    pos = probe(first_byte, first_mask & last_mask);
  } else {
    pos = probe(first_byte, first_mask);
    if (pos < 0) {
      const size_t at = SkipBytes(p, first_byte + 1, last_byte, bit ? 0x00 : 0xff);
      pos = at < last_byte ? probe(at, 0xffu) : probe(last_byte, last_mask);
    }
  }
  if (pos >= 0) return pos;
  if (bit || end_given) return -1;
  return static_cast<int64_t>(last + 1);
}

OpStatus BitOp(Db& db, BitOpKind kind, std::string_view dest, std::span<const std::string_view> sources,
               size_t* result_len) {
  std::vector<std::string_view> values;
  values.reserve(sources.size());
  size_t max_len = 0;
  for (size_t k = 0; k < sources.size(); ++k) {
    // A repeated key reuses its first view: looking it up again could expire (and free) it.
    const auto seen = std::find(sources.begin(), sources.begin() + static_cast<ptrdiff_t>(k), sources[k]);
    if (seen != sources.begin() + static_cast<ptrdiff_t>(k)) {
      values.push_back(values[static_cast<size_t>(seen - sources.begin())]);
      continue;
    }
    const EntryRef ref = db.FindForRead(sources[k]);
    if (!ref) {
      values.emplace_back();
      continue;
    }
    if (ref->type() != ValueType::kString) return OpStatus::kWrongType;
    values.push_back(ref->string_value());
    max_len = std::max(max_len, values.back().size());
  }
  *result_len = max_len;
  if (max_len == 0) {
    db.StoreResult(dest, nullptr, KeyEvent::kSet);
    return OpStatus::kOk;
  }

  // Compute into the new entry while the sources (dest may be one of them) are still intact.
  char* data;
  Entry* fresh = Entry::ResizeString(Entry::NewString(dest, std::string_view(), Encoding::kRaw, kNoExpire), max_len,
                                     Encoding::kRaw, &data);
  auto* out = reinterpret_cast<unsigned char*>(data);
  const std::string_view first = values[0];
  if (kind == BitOpKind::kNot) {
    for (size_t i = 0; i < first.size(); ++i) out[i] = static_cast<unsigned char>(~Bytes(first)[i]);
  } else {
    // ResizeString zeroed the tail past the first source, as shorter sources read.
    if (!first.empty()) std::memcpy(out, first.data(), first.size());
    for (size_t k = 1; k < values.size(); ++k) {
      const unsigned char* src = Bytes(values[k]);
      const size_t n = values[k].size();
      switch (kind) {
        case BitOpKind::kAnd:
          for (size_t i = 0; i < n; ++i) out[i] &= src[i];
          std::memset(out + n, 0, max_len - n);
          break;
        case BitOpKind::kOr:
          for (size_t i = 0; i < n; ++i) out[i] |= src[i];
          break;
        case BitOpKind::kXor:
          for (size_t i = 0; i < n; ++i) out[i] ^= src[i];
          break;
        case BitOpKind::kNot:
          break;
      }
    }
  }
  db.StoreResult(dest, fresh, KeyEvent::kSet);
  return OpStatus::kOk;
}

bool ParseBitfieldType(std::string_view text, bool* is_signed, int* bits) {
  text = text.substr(0, text.find('\0'));
  if (text.empty() || (text[0] != 'i' && text[0] != 'u')) return false;
  int64_t n;
  if (!ParseInt64(text.substr(1), &n)) return false;
  const bool sign = text[0] == 'i';
  if (n < 1 || n > (sign ? 64 : 63)) return false;
  *is_signed = sign;
  *bits = static_cast<int>(n);
  return true;
}

OpStatus Bitfield(Db& db, std::string_view key, std::span<const BitfieldOp> ops,
                  std::vector<std::optional<int64_t>>* results) {
  results->clear();
  results->reserve(ops.size());
  uint64_t write_end = 0;  // one past the last bit a SET or INCRBY touches
  for (const BitfieldOp& op : ops) {
    if (op.kind != BitfieldOp::Kind::kGet) write_end = std::max(write_end, op.offset + static_cast<uint64_t>(op.bits));
  }
  EntryRef ref;
  if (write_end == 0) {
    const OpStatus status = db.FindForReadAs(key, ValueType::kString, &ref);
    if (status == OpStatus::kWrongType) return status;
    const std::string_view value = ref ? ref->string_value() : std::string_view();
    for (const BitfieldOp& op : ops) {
      results->emplace_back(FieldValue(ReadField(value, op.offset, op.bits), op.is_signed, op.bits));
    }
    return OpStatus::kOk;
  }

  if (db.FindForWriteAs(key, ValueType::kString, &ref) == OpStatus::kWrongType) return OpStatus::kWrongType;
  const bool existed = static_cast<bool>(ref);
  const size_t old_size = existed ? ref->string_value().size() : 0;
  // Like Redis, this may pass kMaxStringLen by the few bytes of a field starting at the last
  // allowed offset.
  size_t size;
  auto* data = reinterpret_cast<unsigned char*>(GrowString(db, key, &ref, static_cast<size_t>((write_end - 1) >> 3) + 1, &size));
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  // Redis announces a BITFIELD only when a SET or INCRBY it carried out created or grew the
  // string or changed its field: not when every write failed its OVERFLOW FAIL, nor when each
  // wrote the value already there.
  const bool grew = !existed || size != old_size;
  bool changed = false;
  for (const BitfieldOp& op : ops) {
    const int64_t old = FieldValue(ReadField(value, op.offset, op.bits), op.is_signed, op.bits);
    if (op.kind == BitfieldOp::Kind::kGet) {
      results->emplace_back(old);
      continue;
    }
    // The exact result; an unsigned SET takes its argument as an unsigned 64-bit value, so a
    // negative one overflows upwards, as in Redis.
    __int128 want;
    if (op.kind == BitfieldOp::Kind::kIncrBy) {
      want = static_cast<__int128>(old) + op.value;
    } else {
      want = op.is_signed ? static_cast<__int128>(op.value) : static_cast<__int128>(static_cast<uint64_t>(op.value));
    }
    uint64_t raw;
    if (!FitField(want, op.is_signed, op.bits, op.overflow, &raw)) {
      results->emplace_back(std::nullopt);
      continue;
    }
    WriteField(data, op.offset, op.bits, raw);
    const int64_t now = FieldValue(raw, op.is_signed, op.bits);
    changed = changed || grew || now != old;
    results->emplace_back(op.kind == BitfieldOp::Kind::kSet ? old : now);
  }
  if (changed) db.Notify(KeyEvent::kSetBit, key);
  return OpStatus::kOk;
}

}  // namespace strata::store
