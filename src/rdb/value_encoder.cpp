#include "rdb/value_encoder.h"

#include <lzf.h>

#include <cstring>

#include "common/numbers.h"
#include "rdb/format.h"
#include "store/hash_value.h"
#include "store/list_value.h"
#include "store/set_value.h"
#include "store/zset_value.h"

namespace strata::rdb {

namespace {

// Strings at most this long are tried as integers (the longest 32-bit one: "-2147483648").
constexpr size_t kMaxIntEncodedLen = 11;
// Strings longer than this are tried with LZF.
constexpr size_t kMinLzfLen = 20;
// LZF is kept only when it saves at least this many bytes.
constexpr size_t kMinLzfSaving = 4;

void AppendLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void AppendBe(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint8_t Special(uint8_t encoding) { return static_cast<uint8_t>((kLenEncoded << 6) | encoding); }

}  // namespace

void ValueEncoder::Length(uint64_t len) {
  if (len < (1u << 6)) {
    Byte(static_cast<uint8_t>((kLen6Bit << 6) | len));
  } else if (len < (1u << 14)) {
    Byte(static_cast<uint8_t>((kLen14Bit << 6) | (len >> 8)));
    Byte(static_cast<uint8_t>(len));
  } else if (len <= UINT32_MAX) {
    Byte(kLen32Bit);
    AppendBe(out_, len, 4);
  } else {
    Byte(kLen64Bit);
    AppendBe(out_, len, 8);
  }
}

void ValueEncoder::String(std::string_view s) {
  int64_t v;
  if (s.size() <= kMaxIntEncodedLen && ParseInt64(s, &v)) {
    if (v >= INT8_MIN && v <= INT8_MAX) {
      Byte(Special(kEncInt8));
      AppendLe(out_, static_cast<uint64_t>(v), 1);
      return;
    }
    if (v >= INT16_MIN && v <= INT16_MAX) {
      Byte(Special(kEncInt16));
      AppendLe(out_, static_cast<uint64_t>(v), 2);
      return;
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
      Byte(Special(kEncInt32));
      AppendLe(out_, static_cast<uint64_t>(v), 4);
      return;
    }
  }
  if (compress_ && s.size() > kMinLzfLen && Lzf(s)) return;
  Length(s.size());
  out_->append(s);
}

bool ValueEncoder::Lzf(std::string_view s) {
  const size_t limit = s.size() - kMinLzfSaving;
  if (lzf_.size() < limit) lzf_.resize(limit);
  const unsigned int packed = lzf_compress(s.data(), static_cast<unsigned int>(s.size()), lzf_.data(),
                                           static_cast<unsigned int>(limit));
  if (packed == 0) return false;
  Byte(Special(kEncLzf));
  Length(packed);
  Length(s.size());
  out_->append(lzf_.data(), packed);
  return true;
}

void ValueEncoder::Fixed64(uint64_t v) { AppendLe(out_, v, 8); }

void ValueEncoder::BinaryDouble(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  AppendLe(out_, bits, 8);
}

uint8_t ValueEncoder::TypeByte(const store::Entry& entry) {
  const store::Encoding enc = entry.encoding();
  switch (entry.type()) {
    case store::ValueType::kString: return kTypeString;
    case store::ValueType::kList: return kTypeListQuicklist2;
    case store::ValueType::kSet: return enc == store::Encoding::kIntset ? kTypeSetIntset : kTypeSet;
    case store::ValueType::kZSet:
      return static_cast<const store::ZSetValue*>(entry.object())->compact() ? kTypeZSetListpack : kTypeZSet2;
    case store::ValueType::kHash:
      return static_cast<const store::HashValue*>(entry.object())->encoding() == store::Encoding::kListpack
                 ? kTypeHashListpack
                 : kTypeHash;
    case store::ValueType::kStream: break;
  }
  // Nothing creates streams (no stream commands), so no entry has that type.
  __builtin_unreachable();
}

void ValueEncoder::Value(const store::Entry& entry) {
  switch (entry.type()) {
    case store::ValueType::kString: String(entry.string_value()); return;
    case store::ValueType::kList: List(entry); return;
    case store::ValueType::kSet: Set(entry); return;
    case store::ValueType::kZSet: ZSet(entry); return;
    case store::ValueType::kHash: Hash(entry); return;
    case store::ValueType::kStream: break;
  }
  __builtin_unreachable();
}

void ValueEncoder::List(const store::Entry& entry) {
  const auto& list = *static_cast<const store::ListValue*>(entry.object());
  uint64_t nodes = 0;
  list.ForEachNode([&](uint32_t, std::string_view) { ++nodes; });
  Length(nodes);
  // Every node is packed: Strata strings stop at 512 MiB, below Redis's 1 GiB plain-node size.
  list.ForEachNode([&](uint32_t count, std::string_view entries) {
    Length(kQuicklistNodePacked);
    listpack_.Begin();
    listpack_.AddEncoded(count, entries);
    String(listpack_.Finish());
  });
}

void ValueEncoder::Set(const store::Entry& entry) {
  const auto& set = *static_cast<const store::SetValue*>(entry.object());
  if (set.encoding() == store::Encoding::kIntset) {
    const store::IntSet& ints = set.intset();
    const size_t data = ints.size() * ints.width();
    // Redis's intset blob: element width and count (4 bytes little-endian each), the elements.
    intset_.clear();
    AppendLe(&intset_, ints.width(), 4);
    AppendLe(&intset_, ints.size(), 4);
    if (data > 0) intset_.append(reinterpret_cast<const char*>(ints.elements()), data);
    String(intset_);
    return;
  }
  Length(set.size());
  set.ForEach([&](std::string_view member) { String(member); });
}

void ValueEncoder::ZSet(const store::Entry& entry) {
  const auto& zset = *static_cast<const store::ZSetValue*>(entry.object());
  if (zset.compact()) {
    listpack_.Begin();
    zset.Visit(0, zset.size(), false, [&](std::string_view member, double score) {
      char buf[kMaxDoubleChars];
      listpack_.Add(member);
      listpack_.Add(std::string_view(buf, FormatListpackDouble(score, buf)));
      return true;
    });
    String(listpack_.Finish());
    return;
  }
  // From the highest rank down, as Redis walks its skiplist from the tail: a loader inserting in
  // file order then always inserts at the head.
  Length(zset.size());
  zset.Visit(0, zset.size(), true, [&](std::string_view member, double score) {
    String(member);
    BinaryDouble(score);
    return true;
  });
}

void ValueEncoder::Hash(const store::Entry& entry) {
  const auto& hash = *static_cast<const store::HashValue*>(entry.object());
  if (hash.encoding() == store::Encoding::kListpack) {
    listpack_.Begin();
    hash.ForEach([&](std::string_view field, std::string_view value) {
      listpack_.Add(field);
      listpack_.Add(value);
    });
    String(listpack_.Finish());
    return;
  }
  Length(hash.size());
  hash.ForEach([&](std::string_view field, std::string_view value) {
    String(field);
    String(value);
  });
}

}  // namespace strata::rdb
