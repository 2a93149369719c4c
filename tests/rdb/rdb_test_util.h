// Helpers for the RDB reader tests: a builder of RDB files and DUMP payloads byte by byte, the
// compact containers Redis embeds in them (ziplist, listpack, zipmap, intset), and a canonical
// text form of an entry's value to compare against.
#ifndef STRATA_TESTS_RDB_RDB_TEST_UTIL_H_
#define STRATA_TESTS_RDB_RDB_TEST_UTIL_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "store/entry.h"
#include "store/keyspace.h"

namespace strata::rdb::testing {

// Appends RDB primitives to a byte string.
class RdbBytes {
 public:
  RdbBytes& Raw(std::string_view bytes) {
    out_.append(bytes);
    return *this;
  }
  RdbBytes& Byte(uint8_t b) {
    out_.push_back(static_cast<char>(b));
    return *this;
  }
  RdbBytes& Le(uint64_t v, int bytes);
  // A length in the shortest encoding (or `force_bytes` = 4 / 8 for the long forms).
  RdbBytes& Len(uint64_t n, int force_bytes = 0);
  // A raw string.
  RdbBytes& Str(std::string_view s) { return Len(s.size()).Raw(s); }
  // An integer-encoded string (8, 16 or 32 bits).
  RdbBytes& IntStr(int64_t v, int bits);
  // An LZF-compressed string. REQUIRES: `s` compresses (long and repetitive).
  RdbBytes& LzfStr(std::string_view s);
  RdbBytes& BinaryDouble(double d);
  RdbBytes& AsciiDouble(std::string_view text);

  const std::string& bytes() const { return out_; }
  size_t size() const { return out_.size(); }

 private:
  std::string out_;
};

// "REDIS" and the version.
RdbBytes Header(int version);
// Appends EOF and, from version 5, the CRC-64 (or zero with `checksum` false). Returns the file.
std::string Finish(RdbBytes file, int version, bool checksum = true);
// A DUMP payload for a value (type byte included) with the given trailer version.
std::string DumpPayload(std::string_view value, int version);

// Compact containers, elements that read as integers stored as integers (as Redis does).
std::string Ziplist(const std::vector<std::string>& elements);
std::string Listpack(const std::vector<std::string>& elements);
std::string Zipmap(const std::vector<std::string>& fields_and_values);
std::string Intset(std::vector<int64_t> values, int width);

// The value of `entry` as text: "string:v", "list:a,b", "set:{sorted}", "zset:m=score,...",
// "hash:{sorted f=v}".
std::string Describe(const store::Entry& entry);

// One loaded key, as the tests compare it.
struct LoadedKey {
  std::string value;  // Describe()
  int64_t expire_ms = store::kNoExpire;
  store::Encoding encoding = store::Encoding::kRaw;
  uint32_t access = 0;
};

// Every key of every database, named "db:key". Locks each database while it reads it.
std::map<std::string, LoadedKey> Contents(store::Keyspace& keyspace);

}  // namespace strata::rdb::testing

#endif  // STRATA_TESTS_RDB_RDB_TEST_UTIL_H_
