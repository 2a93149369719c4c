#include "rdb/rdb_input.h"

#include <lzf.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "rdb/format.h"

namespace strata::rdb {

bool RdbInput::Fail(std::string_view what) {
  if (error_.empty()) error_ = std::string(what) + " at offset " + std::to_string(offset());
  pos_ = data_.size();  // every later read fails
  return false;
}

bool RdbInput::FailAt(size_t offset, std::string_view what) {
  return Refuse(std::string(what) + " at offset " + std::to_string(offset));
}

bool RdbInput::Refuse(std::string message) {
  if (error_.empty()) error_ = std::move(message);
  pos_ = data_.size();
  return false;
}

bool RdbInput::ReadByte(uint8_t* out) {
  if (pos_ >= data_.size()) return Fail("unexpected end of file");
  *out = static_cast<uint8_t>(data_[pos_++]);
  return true;
}

bool RdbInput::ReadBytes(size_t n, std::string_view* out) {
  if (n > data_.size() - pos_) return Fail("unexpected end of file");
  *out = data_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool RdbInput::ReadLe32(uint32_t* out) {
  std::string_view b;
  if (!ReadBytes(4, &b)) return false;
  std::memcpy(out, b.data(), 4);  // little-endian targets only, as crc64.cpp assumes
  return true;
}

bool RdbInput::ReadLe64(uint64_t* out) {
  std::string_view b;
  if (!ReadBytes(8, &b)) return false;
  std::memcpy(out, b.data(), 8);
  return true;
}

bool RdbInput::ReadLength(uint64_t* out, bool* special) {
  const size_t at = pos_;
  uint8_t first;
  if (!ReadByte(&first)) return false;
  const uint8_t kind = first >> 6;
  if (kind == kLen6Bit) {
    *out = first & 0x3f;
  } else if (kind == kLen14Bit) {
    uint8_t second;
    if (!ReadByte(&second)) return false;
    *out = (static_cast<uint64_t>(first & 0x3f) << 8) | second;
  } else if (first == kLen32Bit || first == kLen64Bit) {
    std::string_view b;
    if (!ReadBytes(first == kLen32Bit ? 4 : 8, &b)) return false;
    uint64_t v = 0;
    for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
    *out = v;
  } else if (kind == kLenEncoded && special != nullptr) {
    *special = true;
    *out = first & 0x3f;
    return true;
  } else {
    pos_ = at;
    return Fail("bad length encoding");
  }
  if (special != nullptr) *special = false;
  return true;
}

bool RdbInput::ReadCount(uint64_t* out, size_t min_bytes_each) {
  const size_t at = pos_;
  if (!ReadLength(out)) return false;
  if (*out > remaining() / (min_bytes_each == 0 ? 1 : min_bytes_each)) {
    pos_ = at;
    return Fail("length beyond the end of the file");
  }
  return true;
}

bool RdbInput::ReadString(std::string* scratch, std::string_view* out) {
  const size_t at = pos_;
  uint64_t len;
  bool special;
  if (!ReadLength(&len, &special)) return false;
  if (!special) return len <= remaining() ? ReadBytes(len, out) : (pos_ = at, Fail("string beyond the end of the file"));
  int64_t value;
  std::string_view b;
  switch (len) {
    case kEncInt8:
      if (!ReadBytes(1, &b)) return false;
      value = static_cast<int8_t>(b[0]);
      break;
    case kEncInt16:
      if (!ReadBytes(2, &b)) return false;
      value = static_cast<int16_t>(static_cast<uint8_t>(b[0]) | (static_cast<uint8_t>(b[1]) << 8));
      break;
    case kEncInt32: {
      uint32_t v;
      if (!ReadLe32(&v)) return false;
      value = static_cast<int32_t>(v);
      break;
    }
    case kEncLzf: {
      uint64_t clen, ulen;
      if (!ReadLength(&clen) || !ReadLength(&ulen)) return false;
      if (clen > remaining()) return Fail("compressed string beyond the end of the file");
      // An LZF token of 3 bytes expands to at most 264: a larger claim is damage, refused before
      // it makes us allocate.
      if (ulen > clen * 96 + 64 || ulen > (uint64_t{512} << 20)) return FailAt(base_ + at, "bad LZF lengths");
      const size_t payload_at = pos_;
      if (!ReadBytes(clen, &b)) return false;
      scratch->resize(ulen);
      if (ulen == 0 ||
          lzf_decompress(b.data(), static_cast<unsigned>(clen), scratch->data(), static_cast<unsigned>(ulen)) != ulen) {
        pos_ = payload_at;
        return Fail("bad LZF data");
      }
      *out = *scratch;
      return true;
    }
    default:
      pos_ = at;
      return Fail("unknown string encoding");
  }
  scratch->resize(24);
  const auto r = std::to_chars(scratch->data(), scratch->data() + scratch->size(), value);
  scratch->resize(static_cast<size_t>(r.ptr - scratch->data()));
  *out = *scratch;
  return true;
}

bool RdbInput::ReadBinaryDouble(double* out) {
  std::string_view b;
  if (!ReadBytes(8, &b)) return false;
  std::memcpy(out, b.data(), 8);
  if (std::isnan(*out)) return Fail("NaN score");
  return true;
}

bool RdbInput::ReadAsciiDouble(double* out) {
  uint8_t len;
  if (!ReadByte(&len)) return false;
  if (len == 253) return Fail("NaN score");
  if (len == 254 || len == 255) {
    *out = len == 254 ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
    return true;
  }
  std::string_view b;
  if (!ReadBytes(len, &b)) return false;
  const std::string text(b);  // strtod needs a terminator
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || std::isnan(*out)) return Fail("bad score");
  return true;
}

}  // namespace strata::rdb
