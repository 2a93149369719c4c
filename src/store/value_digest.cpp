#include "store/value_digest.h"

#include <openssl/sha.h>

#include <arpa/inet.h>

#include <cstdio>

#include "store/hash_value.h"
#include "store/list_value.h"
#include "store/set_value.h"
#include "store/zset_value.h"

namespace strata::store {
namespace {

Digest Sha1(const void* bytes, size_t len) {
  Digest out;
  SHA1(static_cast<const unsigned char*>(bytes), len, out.data());
  return out;
}

// Big-endian 32 bits, as Redis feeds its type and database numbers (htonl).
std::string_view BigEndian32(uint32_t v, uint32_t* scratch) {
  *scratch = htonl(v);
  return std::string_view(reinterpret_cast<const char*>(scratch), sizeof(*scratch));
}

std::string_view AsBytes(const Digest& d) { return std::string_view(reinterpret_cast<const char*>(d.data()), d.size()); }

// A sorted-set score as Redis's digest spells it: %.17g.
std::string ScoreText(double score) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof(buf), "%.17g", score);
  return std::string(buf, static_cast<size_t>(n));
}

// One element made of two ordered parts (a hash pair, a member and its score), XOR-ed into the
// digest as a unit so that the elements' order does not matter.
void XorPair(Digest* digest, std::string_view first, std::string_view second) {
  Digest element{};
  MixDigest(&element, first);
  MixDigest(&element, second);
  XorDigest(digest, AsBytes(element));
}

}  // namespace

void XorDigest(Digest* digest, std::string_view bytes) {
  const Digest h = Sha1(bytes.data(), bytes.size());
  for (size_t i = 0; i < h.size(); ++i) (*digest)[i] ^= h[i];
}

void MixDigest(Digest* digest, std::string_view bytes) {
  XorDigest(digest, bytes);
  *digest = Sha1(digest->data(), digest->size());
}

void DigestValue(const Entry& entry, Digest* digest) {
  uint32_t scratch;
  MixDigest(digest, BigEndian32(static_cast<uint32_t>(entry.type()), &scratch));
  switch (entry.type()) {
    case ValueType::kString:
      MixDigest(digest, entry.string_value());
      break;
    case ValueType::kList: {
      const auto* list = static_cast<const ListValue*>(entry.object());
      if (list->empty()) break;
      for (ListValue::Iterator it = list->At(0); it.Valid(); it.Next()) MixDigest(digest, it.value());
      break;
    }
    case ValueType::kSet:
      static_cast<const SetValue*>(entry.object())->ForEach([digest](std::string_view m) { XorDigest(digest, m); });
      break;
    case ValueType::kZSet: {
      const auto* zset = static_cast<const ZSetValue*>(entry.object());
      zset->Visit(0, zset->size(), false, [digest](std::string_view member, double score) {
        XorPair(digest, member, ScoreText(score));
        return true;
      });
      break;
    }
    case ValueType::kHash:
      static_cast<const HashValue*>(entry.object())->ForEach([digest](std::string_view f, std::string_view v) {
        XorPair(digest, f, v);
      });
      break;
    case ValueType::kStream:
      break;  // Strata stores no streams
  }
  if (entry.has_expire()) XorDigest(digest, "!!expire!!");
}

Digest DatasetDigest(Keyspace& keyspace) {
  Digest final_digest{};
  for (int db = 0; db < keyspace.databases(); ++db) {
    if (keyspace.DbSize(db) == 0) continue;
    uint32_t scratch;
    MixDigest(&final_digest, BigEndian32(static_cast<uint32_t>(db), &scratch));
    for (size_t s = 0; s < kStripes; ++s) {
      const KeyTable& t = keyspace.stripe(db, s).table;
      if (t.size() == 0) continue;
      for (size_t i = 0; i < t.capacity(); ++i) {
        const Entry* e = t.At(i);
        if (e == nullptr) continue;
        Digest pair{};
        MixDigest(&pair, e->key());
        DigestValue(*e, &pair);
        XorDigest(&final_digest, AsBytes(pair));
      }
    }
  }
  return final_digest;
}

std::string DigestHex(const Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(40);
  for (uint8_t b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace strata::store
