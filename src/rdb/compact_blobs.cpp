#include "rdb/compact_blobs.h"

#include <charconv>
#include <cstdint>
#include <cstring>

#include "store/listpack_entry.h"

namespace strata::rdb {
namespace {

constexpr uint8_t kEnd = 0xff;

uint64_t Le(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

// Spells `value` and hands it to `visit`.
bool VisitInt(int64_t value, ElementVisitor visit) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), value);
  return visit(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

// Sign-extends the low `bits` bits of `v`.
int64_t SignExtend(uint64_t v, int bits) {
  const uint64_t m = uint64_t{1} << (bits - 1);
  v &= (m << 1) - 1;
  return static_cast<int64_t>((v ^ m) - m);
}

// Whether the blob has room for a `header`-byte header and a terminator, starts with its own size
// (4 bytes, as ziplists and listpacks both do) and ends with the terminator.
bool Framed(const unsigned char* b, size_t size, size_t header) {
  return size >= header + 1 && Le(b, 4) == size && b[size - 1] == kEnd;
}

}  // namespace

bool WalkZiplist(std::string_view blob, size_t* count, ElementVisitor visit) {
  const auto* b = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t size = blob.size();
  constexpr size_t kHeader = 10;
  if (!Framed(b, size, kHeader)) return false;
  const size_t tail = Le(b + 4, 4);
  const size_t declared = Le(b + 8, 2);
  size_t pos = kHeader, prev_size = 0, last = kHeader, n = 0;
  while (b[pos] != kEnd) {
    const size_t start = pos;
    // prevlen: the previous entry's size.
    size_t prevlen = b[pos++];
    if (prevlen == 0xfe) {
      if (size - 1 - pos < 4) return false;
      prevlen = Le(b + pos, 4);
      pos += 4;
    }
    if (prevlen != prev_size) return false;
    if (pos >= size - 1) return false;
    const uint8_t enc = b[pos++];
    const size_t left = size - 1 - pos;  // bytes before the terminator
    const uint8_t kind = enc >> 6;
    if (kind < 3) {
      size_t len;
      if (kind == 0) {
        len = enc & 0x3f;
      } else if (kind == 1) {
        if (left < 1) return false;
        len = (static_cast<size_t>(enc & 0x3f) << 8) | b[pos++];
      } else {
        if (enc != 0x80 || left < 4) return false;
        len = (size_t{b[pos]} << 24) | (size_t{b[pos + 1]} << 16) | (size_t{b[pos + 2]} << 8) | b[pos + 3];
        pos += 4;
      }
      if (len > size - 1 - pos) return false;
      if (!visit(std::string_view(blob.data() + pos, len))) return false;
      pos += len;
    } else {
      int64_t v;
      size_t w;
      switch (enc) {
        case 0xc0: w = 2; break;
        case 0xd0: w = 4; break;
        case 0xe0: w = 8; break;
        case 0xf0: w = 3; break;
        case 0xfe: w = 1; break;
        default:
          if (enc < 0xf1 || enc > 0xfd) return false;
          w = 0;
      }
      if (w > left) return false;
      v = w == 0 ? (enc & 0x0f) - 1 : SignExtend(Le(b + pos, w), static_cast<int>(w * 8));
      pos += w;
      if (!VisitInt(v, visit)) return false;
    }
    prev_size = pos - start;
    last = start;
    ++n;
  }
  if (pos != size - 1 || tail != last) return false;
  if (declared != 0xffff && declared != n) return false;
  *count = n;
  return true;
}

namespace {

// Whether the `n` bytes at `p` encode back-length `len`: the first byte holds the highest seven
// bits, each later one seven more with the high bit set.
bool BacklenMatches(const unsigned char* p, size_t n, size_t len) {
  for (size_t i = 0; i < n; ++i) {
    const size_t shift = 7 * (n - 1 - i);
    const unsigned expect = static_cast<unsigned>((len >> shift) & 127) | (i == 0 ? 0 : 128);
    if (p[i] != expect) return false;
  }
  return true;
}

}  // namespace

bool WalkListpack(std::string_view blob, size_t* count, ElementVisitor visit) {
  const auto* b = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t size = blob.size();
  constexpr size_t kHeader = 6;
  if (!Framed(b, size, kHeader)) return false;
  const size_t declared = Le(b + 4, 2);
  size_t pos = kHeader, n = 0;
  while (b[pos] != kEnd) {
    const size_t start = pos;
    const uint8_t enc = b[pos++];
    const size_t left = size - 1 - pos;
    size_t str_len = 0, int_bytes = 0;
    bool is_string = false;
    int64_t v = 0;
    if ((enc & 0x80) == 0) {
      v = enc & 0x7f;
    } else if ((enc & 0xc0) == 0x80) {
      is_string = true;
      str_len = enc & 0x3f;
    } else if ((enc & 0xe0) == 0xc0) {
      if (left < 1) return false;
      v = SignExtend((static_cast<uint64_t>(enc & 0x1f) << 8) | b[pos++], 13);
    } else if ((enc & 0xf0) == 0xe0) {
      if (left < 1) return false;
      is_string = true;
      str_len = (static_cast<size_t>(enc & 0x0f) << 8) | b[pos++];
    } else if (enc == 0xf0) {
      if (left < 4) return false;
      is_string = true;
      str_len = Le(b + pos, 4);
      pos += 4;
    } else if (enc >= 0xf1 && enc <= 0xf4) {
      static constexpr size_t kWidths[] = {2, 3, 4, 8};
      int_bytes = kWidths[enc - 0xf1];
      if (left < int_bytes) return false;
      v = SignExtend(Le(b + pos, int_bytes), static_cast<int>(int_bytes * 8));
      pos += int_bytes;
    } else {
      return false;
    }
    if (is_string && str_len > size - 1 - pos) return false;
    const size_t data_at = pos;
    pos += str_len;
    const size_t entry_len = pos - start;
    if (entry_len > UINT32_MAX) return false;
    const size_t back = store::listpack::TrailerSize(static_cast<uint32_t>(entry_len));
    if (back > size - 1 - pos || !BacklenMatches(b + pos, back, entry_len)) return false;
    pos += back;
    const bool ok = is_string ? visit(std::string_view(blob.data() + data_at, str_len)) : VisitInt(v, visit);
    if (!ok) return false;
    ++n;
  }
  if (pos != size - 1) return false;
  if (declared != 0xffff && declared != n) return false;
  *count = n;
  return true;
}

bool WalkZipmap(std::string_view blob, size_t* count, ElementVisitor visit) {
  const auto* b = reinterpret_cast<const unsigned char*>(blob.data());
  const size_t size = blob.size();
  if (size < 2 || b[size - 1] != kEnd) return false;
  const size_t declared = b[0];
  size_t pos = 1, n = 0;
  // Reads one length (1 byte below 254, or 254 then 4 bytes); false past the terminator.
  auto read_len = [&](size_t* len) {
    if (pos >= size - 1) return false;
    const uint8_t first = b[pos++];
    if (first < 254) {
      *len = first;
      return true;
    }
    if (first != 254 || size - 1 - pos < 4) return false;
    *len = Le(b + pos, 4);
    pos += 4;
    return true;
  };
  while (pos < size && b[pos] != kEnd) {
    size_t klen, vlen;
    if (!read_len(&klen) || klen > size - 1 - pos) return false;
    if (!visit(std::string_view(blob.data() + pos, klen))) return false;
    pos += klen;
    if (!read_len(&vlen) || pos >= size - 1) return false;
    const size_t free = b[pos++];
    if (vlen > size - 1 - pos || free > size - 1 - pos - vlen) return false;
    if (!visit(std::string_view(blob.data() + pos, vlen))) return false;
    pos += vlen + free;
    n += 2;
  }
  if (pos != size - 1) return false;
  if (declared < 254 && declared * 2 != n) return false;
  *count = n;
  return true;
}

bool WalkIntset(std::string_view blob, size_t* count, ElementVisitor visit) {
  const auto* b = reinterpret_cast<const unsigned char*>(blob.data());
  if (blob.size() < 8) return false;
  const size_t width = Le(b, 4);
  const size_t n = Le(b + 4, 4);
  if ((width != 2 && width != 4 && width != 8) || (blob.size() - 8) / width != n || (blob.size() - 8) % width != 0) {
    return false;
  }
  int64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    const int64_t v = SignExtend(Le(b + 8 + i * width, width), static_cast<int>(width * 8));
    if (i > 0 && v <= prev) return false;
    prev = v;
    if (!VisitInt(v, visit)) return false;
  }
  *count = n;
  return true;
}

}  // namespace strata::rdb
