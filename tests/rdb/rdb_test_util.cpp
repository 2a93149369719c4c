#include "rdb_test_util.h"

#include <lzf.h>

#include <algorithm>
#include <cstring>

#include "common/numbers.h"
#include "rdb/crc64.h"
#include "store/hash_value.h"
#include "store/list_value.h"
#include "store/listpack_entry.h"
#include "store/lock_set.h"
#include "store/set_value.h"
#include "store/zset_value.h"

namespace strata::rdb::testing {
namespace {

bool AsInt(const std::string& s, int64_t* v) { return ParseInt64(s, v) && std::to_string(*v) == s; }

std::string LeBytes(uint64_t v, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

std::string Join(std::vector<std::string> parts, bool sort) {
  if (sort) std::sort(parts.begin(), parts.end());
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

}  // namespace

RdbBytes& RdbBytes::Le(uint64_t v, int bytes) { return Raw(LeBytes(v, bytes)); }

RdbBytes& RdbBytes::Len(uint64_t n, int force_bytes) {
  if (force_bytes == 0 && n < 64) return Byte(static_cast<uint8_t>(n));
  if (force_bytes == 0 && n < 16384) return Byte(static_cast<uint8_t>(0x40 | (n >> 8))).Byte(n & 0xff);
  const int width = force_bytes != 0 ? force_bytes : (n <= 0xffffffffu ? 4 : 8);
  Byte(width == 4 ? 0x80 : 0x81);
  for (int i = width - 1; i >= 0; --i) Byte(static_cast<uint8_t>((n >> (8 * i)) & 0xff));
  return *this;
}

RdbBytes& RdbBytes::IntStr(int64_t v, int bits) {
  Byte(static_cast<uint8_t>(0xc0 | (bits == 8 ? 0 : bits == 16 ? 1 : 2)));
  return Le(static_cast<uint64_t>(v), bits / 8);
}

RdbBytes& RdbBytes::LzfStr(std::string_view s) {
  std::string c(s.size(), '\0');
  const unsigned n = lzf_compress(s.data(), static_cast<unsigned>(s.size()), c.data(), static_cast<unsigned>(c.size()));
  c.resize(n);
  return Byte(0xc3).Len(c.size()).Len(s.size()).Raw(c);
}

RdbBytes& RdbBytes::BinaryDouble(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return Le(bits, 8);
}

RdbBytes& RdbBytes::AsciiDouble(std::string_view text) {
  if (text == "inf") return Byte(254);
  if (text == "-inf") return Byte(255);
  return Byte(static_cast<uint8_t>(text.size())).Raw(text);
}

RdbBytes Header(int version) {
  RdbBytes b;
  char digits[8];
  std::snprintf(digits, sizeof(digits), "%04d", version);
  b.Raw("REDIS").Raw(digits);
  return b;
}

std::string Finish(RdbBytes file, int version, bool checksum) {
  file.Byte(0xff);
  if (version >= 5) file.Le(checksum ? Crc64(0, file.bytes().data(), file.size()) : 0, 8);
  return file.bytes();
}

std::string DumpPayload(std::string_view value, int version) {
  std::string p(value);
  p += LeBytes(static_cast<uint64_t>(version), 2);
  p += LeBytes(Crc64(0, p.data(), p.size()), 8);
  return p;
}

std::string Ziplist(const std::vector<std::string>& elements) {
  std::string body;
  size_t prev = 0, last = 10;
  for (const std::string& e : elements) {
    std::string entry = prev < 254 ? std::string(1, static_cast<char>(prev)) : "\xfe" + LeBytes(prev, 4);
    int64_t v;
    if (AsInt(e, &v)) {
      if (v >= 0 && v <= 12) {
        entry.push_back(static_cast<char>(0xf1 + v));
      } else if (v >= INT8_MIN && v <= INT8_MAX) {
        entry += "\xfe" + LeBytes(static_cast<uint64_t>(v), 1);
      } else if (v >= INT16_MIN && v <= INT16_MAX) {
        entry += "\xc0" + LeBytes(static_cast<uint64_t>(v), 2);
      } else if (v >= -(1 << 23) && v < (1 << 23)) {
        entry += "\xf0" + LeBytes(static_cast<uint64_t>(v), 3);
      } else if (v >= INT32_MIN && v <= INT32_MAX) {
        entry += "\xd0" + LeBytes(static_cast<uint64_t>(v), 4);
      } else {
        entry += "\xe0" + LeBytes(static_cast<uint64_t>(v), 8);
      }
    } else if (e.size() < 64) {
      entry.push_back(static_cast<char>(e.size()));
      entry += e;
    } else if (e.size() < 16384) {
      entry.push_back(static_cast<char>(0x40 | (e.size() >> 8)));
      entry.push_back(static_cast<char>(e.size() & 0xff));
      entry += e;
    } else {
      entry.push_back('\x80');
      for (int i = 3; i >= 0; --i) entry.push_back(static_cast<char>((e.size() >> (8 * i)) & 0xff));
      entry += e;
    }
    last = 10 + body.size();
    prev = entry.size();
    body += entry;
  }
  const size_t total = 10 + body.size() + 1;
  return LeBytes(total, 4) + LeBytes(last, 4) + LeBytes(std::min<size_t>(elements.size(), 0xffff), 2) + body + "\xff";
}

std::string Listpack(const std::vector<std::string>& elements) {
  std::string body;
  for (const std::string& e : elements) {
    std::string entry;
    int64_t v;
    if (AsInt(e, &v)) {
      if (v >= 0 && v <= 127) {
        entry.push_back(static_cast<char>(v));
      } else if (v >= -4096 && v <= 4095) {
        const uint64_t u = static_cast<uint64_t>(v) & 0x1fff;
        entry.push_back(static_cast<char>(0xc0 | (u >> 8)));
        entry.push_back(static_cast<char>(u & 0xff));
      } else if (v >= INT16_MIN && v <= INT16_MAX) {
        entry += "\xf1" + LeBytes(static_cast<uint64_t>(v), 2);
      } else if (v >= -(1 << 23) && v < (1 << 23)) {
        entry += "\xf2" + LeBytes(static_cast<uint64_t>(v), 3);
      } else if (v >= INT32_MIN && v <= INT32_MAX) {
        entry += "\xf3" + LeBytes(static_cast<uint64_t>(v), 4);
      } else {
        entry += "\xf4" + LeBytes(static_cast<uint64_t>(v), 8);
      }
    } else if (e.size() < 64) {
      entry.push_back(static_cast<char>(0x80 | e.size()));
      entry += e;
    } else if (e.size() < 4096) {
      entry.push_back(static_cast<char>(0xe0 | (e.size() >> 8)));
      entry.push_back(static_cast<char>(e.size() & 0xff));
      entry += e;
    } else {
      entry += "\xf0" + LeBytes(e.size(), 4) + e;
    }
    const size_t l = entry.size();
    const size_t n = store::listpack::TrailerSize(static_cast<uint32_t>(l));
    for (size_t i = 0; i < n; ++i) {
      const size_t shift = 7 * (n - 1 - i);
      entry.push_back(static_cast<char>(((l >> shift) & 127) | (i == 0 ? 0 : 128)));
    }
    body += entry;
  }
  return LeBytes(6 + body.size() + 1, 4) + LeBytes(std::min<size_t>(elements.size(), 0xffff), 2) + body + "\xff";
}

std::string Zipmap(const std::vector<std::string>& fields_and_values) {
  std::string out(1, static_cast<char>(std::min<size_t>(fields_and_values.size() / 2, 254)));
  auto len = [&](size_t n) { out += n < 254 ? std::string(1, static_cast<char>(n)) : "\xfe" + LeBytes(n, 4); };
  for (size_t i = 0; i + 1 < fields_and_values.size(); i += 2) {
    len(fields_and_values[i].size());
    out += fields_and_values[i];
    len(fields_and_values[i + 1].size());
    out.push_back('\0');  // no free bytes
    out += fields_and_values[i + 1];
  }
  return out + "\xff";
}

std::string Intset(std::vector<int64_t> values, int width) {
  std::sort(values.begin(), values.end());
  std::string out = LeBytes(static_cast<uint64_t>(width), 4) + LeBytes(values.size(), 4);
  for (int64_t v : values) out += LeBytes(static_cast<uint64_t>(v), width);
  return out;
}

std::string Describe(const store::Entry& entry) {
  std::vector<std::string> parts;
  switch (entry.type()) {
    case store::ValueType::kString:
      return "string:" + std::string(entry.string_value());
    case store::ValueType::kList: {
      auto* list = static_cast<store::ListValue*>(entry.object());
      for (auto it = list->At(0); it.Valid(); it.Next()) parts.emplace_back(it.value());
      return "list:" + Join(parts, false);
    }
    case store::ValueType::kSet:
      static_cast<store::SetValue*>(entry.object())->ForEach([&](std::string_view m) { parts.emplace_back(m); });
      return "set:{" + Join(parts, true) + "}";
    case store::ValueType::kZSet: {
      auto* z = static_cast<store::ZSetValue*>(entry.object());
      z->Visit(0, z->size(), false, [&](std::string_view m, double s) {
        char buf[kMaxDoubleChars];
        parts.push_back(std::string(m) + "=" + std::string(buf, FormatDouble(s, buf)));
        return true;
      });
      return "zset:" + Join(parts, false);
    }
    case store::ValueType::kHash:
      static_cast<store::HashValue*>(entry.object())->ForEach([&](std::string_view f, std::string_view v) {
        parts.push_back(std::string(f) + "=" + std::string(v));
      });
      return "hash:{" + Join(parts, true) + "}";
    default:
      return "other";
  }
}

std::map<std::string, LoadedKey> Contents(store::Keyspace& keyspace) {
  std::map<std::string, LoadedKey> out;
  for (int db = 0; db < keyspace.databases(); ++db) {
    store::LockSet locks(&keyspace);
    locks.AddDatabase(db);
    locks.Lock();
    store::Db view(&keyspace, db, 0);
    view.ForEach([&](const store::Entry& e) {
      out[std::to_string(db) + ":" + std::string(e.key())] = {Describe(e), e.expire_ms(), e.encoding(), e.access()};
    });
    locks.Unlock();
  }
  return out;
}

}  // namespace strata::rdb::testing
