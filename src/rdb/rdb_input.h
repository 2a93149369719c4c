// A bounded cursor over an RDB byte range that knows each byte's offset in the file, and reads
// the format's primitives (lengths, strings in every encoding, scores). Every read checks the
// bound first, so damaged input yields an error naming the offset, never an out-of-range read.
#ifndef STRATA_RDB_RDB_INPUT_H_
#define STRATA_RDB_RDB_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::rdb {

class RdbInput {
 public:
  // Reads `data`, whose first byte sits at offset `base` of the file (0 for a whole file; DUMP
  // payloads start at 0 too). `data` must outlive the cursor.
  explicit RdbInput(std::string_view data, size_t base = 0) : data_(data), base_(base) {}

  // The file offset of the next byte.
  size_t offset() const { return base_ + pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  // The bytes consumed so far, from the start of `data`.
  std::string_view consumed() const { return data_.substr(0, pos_); }

  // Whether an error was recorded; the first one wins and later reads all fail.
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  // Records "`what` at offset N" (N the current offset) and returns false.
  bool Fail(std::string_view what);
  // Records "`what` at offset N" for an earlier offset N (where a damaged item began).
  bool FailAt(size_t offset, std::string_view what);
  // Records `message` verbatim (a refusal that names a key rather than an offset); returns false.
  bool Refuse(std::string message);

  bool ReadByte(uint8_t* out);
  // Points *out at the next `n` bytes of the input (no copy) and skips them.
  bool ReadBytes(size_t n, std::string_view* out);
  // Fixed-width little-endian integers (expiries, DUMP trailers).
  bool ReadLe32(uint32_t* out);
  bool ReadLe64(uint64_t* out);

  // A length; *special is set (and *out holds the special encoding, kEncInt8...) when the
  // first byte is 11xxxxxx. With `special` null such a byte is a bad length.
  bool ReadLength(uint64_t* out, bool* special = nullptr);
  // A length that must be a plain count no larger than what the remaining bytes could hold
  // (`min_bytes_each` bytes per item), so no corrupt count makes us reserve huge memory.
  bool ReadCount(uint64_t* out, size_t min_bytes_each);

  // A string in any encoding: raw (a view into the input), an integer (spelled into *scratch),
  // or LZF (decompressed into *scratch). *out stays valid until *scratch next changes.
  bool ReadString(std::string* scratch, std::string_view* out);

  // A zset score: binary little-endian double (zset2) or the old length-prefixed ASCII form
  // (253 nan, 254 +inf, 255 -inf). NaN is corruption, as in Redis.
  bool ReadBinaryDouble(double* out);
  bool ReadAsciiDouble(double* out);

 private:
  std::string_view data_;
  size_t base_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace strata::rdb

#endif  // STRATA_RDB_RDB_INPUT_H_
