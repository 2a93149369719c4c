// Little-endian base-128 varints: the length prefixes of keys in entries and of members and
// values in the compact encodings. Seven bits a byte, high bit set on every byte but the last.
#ifndef STRATA_STORE_VARINT_H_
#define STRATA_STORE_VARINT_H_

#include <cstddef>
#include <cstdint>

namespace strata::store {

// How many bytes PutVarint writes for `v` (1 to 10).
inline size_t VarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes `v` at `p` and returns the byte after it. REQUIRES: VarintLength(v) bytes of room.
inline unsigned char* PutVarint(unsigned char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<unsigned char>(v);
  return p;
}

// Reads the varint at `p` into *v and returns the byte after it. REQUIRES: a varint PutVarint
// wrote.
inline const unsigned char* GetVarint(const unsigned char* p, uint64_t* v) {
  uint64_t result = 0;
  int shift = 0;
  while (*p & 0x80) {
    result |= static_cast<uint64_t>(*p++ & 0x7f) << shift;
    shift += 7;
  }
  result |= static_cast<uint64_t>(*p++) << shift;
  *v = result;
  return p;
}

}  // namespace strata::store

#endif  // STRATA_STORE_VARINT_H_
