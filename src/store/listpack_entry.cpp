#include "store/listpack_entry.h"

#include <cstring>

#include "common/numbers.h"

namespace strata::store {

namespace {

void WriteLe(unsigned char* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    p[i] = static_cast<unsigned char>(v);
    v >>= 8;
  }
}

}  // namespace

ListpackEntry::ListpackEntry(std::string_view value) : text(value) {
  if (value.size() <= 20 && ParseInt64(value, &int_value)) {
    is_int = true;
    if (int_value >= 0 && int_value <= 127) {
      body = 1;
    } else if (int_value >= -4096 && int_value <= 4095) {
      body = 2;
    } else if (int_value >= INT16_MIN && int_value <= INT16_MAX) {
      body = 3;
    } else if (int_value >= -(1 << 23) && int_value < (1 << 23)) {
      body = 4;
    } else if (int_value >= INT32_MIN && int_value <= INT32_MAX) {
      body = 5;
    } else {
      body = 9;
    }
  } else {
    const size_t len = value.size();
    body = static_cast<uint32_t>(len + (len < 64 ? 1 : len < 4096 ? 2 : 5));
  }
  size = body + listpack::TrailerSize(body);
}

void ListpackEntry::Write(unsigned char* p) const {
  unsigned char* q = p;
  if (is_int) {
    const auto u = static_cast<uint64_t>(int_value);
    switch (body) {
      case 1: *q++ = static_cast<unsigned char>(int_value); break;
      case 2:
        *q++ = static_cast<unsigned char>(listpack::kInt13 | ((u >> 8) & 0x1f));
        *q++ = static_cast<unsigned char>(u);
        break;
      case 3: *q++ = listpack::kInt16; WriteLe(q, u, 2); q += 2; break;
      case 4: *q++ = listpack::kInt24; WriteLe(q, u, 3); q += 3; break;
      case 5: *q++ = listpack::kInt32; WriteLe(q, u, 4); q += 4; break;
      default: *q++ = listpack::kInt64; WriteLe(q, u, 8); q += 8; break;
    }
  } else {
    const size_t len = text.size();
    if (len < 64) {
      *q++ = static_cast<unsigned char>(listpack::kStr6 | len);
    } else if (len < 4096) {
      *q++ = static_cast<unsigned char>(listpack::kStr12 | (len >> 8));
      *q++ = static_cast<unsigned char>(len);
    } else {
      *q++ = listpack::kStr32;
      WriteLe(q, len, 4);
      q += 4;
    }
    if (len > 0) std::memcpy(q, text.data(), len);
    q += len;
  }
  const uint32_t trailer = size - body;
  for (uint32_t i = 0; i < trailer; ++i) {
    q[trailer - 1 - i] = static_cast<unsigned char>(((body >> (7 * i)) & 0x7f) | (i + 1 < trailer ? 0x80 : 0));
  }
}

}  // namespace strata::store
