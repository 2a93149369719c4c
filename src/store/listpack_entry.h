// One element encoded as a Redis listpack entry: the element encoding of list nodes, and what the
// RDB writer uses to build listpacks of hash and sorted set pairs.
//
// An entry is [header][payload][trailer]. The header byte says what follows:
//   0x00-0x7f  the integer 0..127 itself, no payload
//   0x80-0xbf  a string of 0..63 bytes (low 6 bits), then the bytes
//   0xc0-0xdf  a 13-bit signed integer: low 5 bits and the next byte
//   0xe0-0xef  a string of up to 4095 bytes: low 4 bits and the next byte are the length
//   0xf0       a string with a 4-byte little-endian length, then the bytes
//   0xf1 0xf2 0xf3 0xf4  a signed integer in 2, 3, 4, 8 little-endian bytes
// Only strings that read back as the same 64-bit integer (canonical, as Redis's string2ll wants
// them) are stored as integers, so every element reads back byte for byte.
//
// The trailer is the size of header plus payload ("body") in 7-bit groups, written so that it
// reads from its last byte backwards: the last byte holds the low 7 bits and has its high bit
// set when one more group precedes it; it is what lets a listpack be walked from its end. Its
// length steps up one value early at each boundary past 127 bytes (16383, 2097151, ...), as
// Redis's does, so that sizes agree to the byte.
#ifndef STRATA_STORE_LISTPACK_ENTRY_H_
#define STRATA_STORE_LISTPACK_ENTRY_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata::store {

namespace listpack {

inline constexpr unsigned char kStr6 = 0x80;
inline constexpr unsigned char kInt13 = 0xc0;
inline constexpr unsigned char kStr12 = 0xe0;
inline constexpr unsigned char kStr32 = 0xf0;
inline constexpr unsigned char kInt16 = 0xf1;
inline constexpr unsigned char kInt24 = 0xf2;
inline constexpr unsigned char kInt32 = 0xf3;
inline constexpr unsigned char kInt64 = 0xf4;
// The byte that ends a listpack.
inline constexpr unsigned char kEnd = 0xff;
// A listpack's header: its total bytes (4, little-endian) and its element count (2).
inline constexpr size_t kHeaderSize = 6;

// Bytes of the trailer of an entry whose body is `body` bytes.
inline uint32_t TrailerSize(uint32_t body) {
  if (body < (1u << 7)) return 1;
  if (body < (1u << 14) - 1) return 2;
  if (body < (1u << 21) - 1) return 3;
  if (body < (1u << 28) - 1) return 4;
  return 5;
}

}  // namespace listpack

// An element classified and sized, ready to be written. Holds a view of the value, which must
// outlive it. REQUIRES: value.size() < 4 GiB.
struct ListpackEntry {
  explicit ListpackEntry(std::string_view value);

  // Writes the entry's `size` bytes at p.
  void Write(unsigned char* p) const;

  std::string_view text;
  int64_t int_value = 0;
  bool is_int = false;
  uint32_t body = 0;  // header and payload
  uint32_t size = 0;  // body and trailer
};

}  // namespace strata::store

#endif  // STRATA_STORE_LISTPACK_ENTRY_H_
