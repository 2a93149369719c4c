// The byte layouts of RDB values: lengths, strings (integer and LZF encodings), doubles, and each
// store value as Redis 7.0 writes it. Shared by snapshot files and DUMP payloads.
#ifndef STRATA_RDB_VALUE_ENCODER_H_
#define STRATA_RDB_VALUE_ENCODER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "rdb/listpack_writer.h"
#include "store/entry.h"

namespace strata::rdb {

// Appends RDB encodings to a caller-owned string. Keeps scratch buffers (LZF output, listpacks)
// between calls, so one encoder per snapshot allocates only while its largest value grows.
// Not thread-safe.
class ValueEncoder {
 public:
  // `out` must outlive the encoder. `compress` is rdbcompression.
  ValueEncoder(std::string* out, bool compress) : out_(out), compress_(compress) {}

  void Byte(uint8_t b) { out_->push_back(static_cast<char>(b)); }
  // A length: 1, 2, 5 or 9 bytes (format.h's kLen* prefixes).
  void Length(uint64_t len);
  // A string as Redis's rdbSaveRawString writes it: an INT8/16/32 encoding when it is a canonical
  // decimal integer of at most 11 characters that fits 32 bits; LZF when compression is on, it is
  // longer than 20 bytes and LZF saves at least 4 bytes; otherwise length and bytes.
  void String(std::string_view s);
  // 8 bytes little-endian (Unix-ms deadlines, checksums).
  void Fixed64(uint64_t v);
  // A double as its 8 IEEE-754 bytes, little-endian.
  void BinaryDouble(double value);

  // The type byte of `entry`'s value (format.h's kType*), as chosen by its type and encoding.
  static uint8_t TypeByte(const store::Entry& entry);
  // The value of `entry` in the layout of TypeByte(entry). REQUIRES: the entry's stripe lock, or
  // a forked copy of the keyspace.
  void Value(const store::Entry& entry);

 private:
  void List(const store::Entry& entry);
  void Set(const store::Entry& entry);
  void ZSet(const store::Entry& entry);
  void Hash(const store::Entry& entry);
  // Tries the LZF form of `s`; false (nothing appended) when it would not save space.
  bool Lzf(std::string_view s);

  std::string* out_;
  bool compress_;
  std::string lzf_;     // compressed bytes
  std::string intset_;  // an intset blob
  ListpackWriter listpack_;
};

}  // namespace strata::rdb

#endif  // STRATA_RDB_VALUE_ENCODER_H_
