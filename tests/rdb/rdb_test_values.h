// Helpers for the rdb tests: store values built as commands would build them, hex dumps for
// readable failures, and a scratch directory.
#ifndef STRATA_TESTS_RDB_RDB_TEST_VALUES_H_
#define STRATA_TESTS_RDB_RDB_TEST_VALUES_H_

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../store/store_test_util.h"
#include "common/clock.h"
#include "store/hash_value.h"
#include "store/list_value.h"
#include "store/set_value.h"
#include "store/zset_value.h"

namespace strata::rdb::testing {

using store::testing::Put;

// "00 c0 7b ..." for comparing byte strings with readable failures.
inline std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
    out += ' ';
  }
  return out;
}

// The bytes of a string literal, embedded zeros included.
template <size_t N>
std::string Bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

// The contents of `path`, or "<missing>".
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "<missing>";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh directory, removed with its contents when the object goes.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "strata-rdb-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline store::Entry* String(std::string_view key, std::string_view value, int64_t expire_ms = store::kNoExpire) {
  return store::Entry::NewString(key, value, store::ChooseStringEncoding(value), expire_ms);
}

// A list built by RPUSHing `values` with the default fill (-2).
inline store::Entry* List(std::string_view key, const std::vector<std::string>& values) {
  auto* list = new store::ListValue(-2);
  for (const std::string& v : values) list->Push(store::ListEnd::kTail, v);
  return store::Entry::NewObject(key, store::ValueType::kList, store::Encoding::kQuicklist, list, store::kNoExpire);
}

// A hash built by HSETting the pairs in order, with Redis's default limits.
inline store::Entry* Hash(std::string_view key, const std::vector<std::pair<std::string, std::string>>& pairs) {
  const store::HashLimits limits;
  store::HashValue* hash = store::HashValue::NewCompact();
  for (const auto& [field, value] : pairs) {
    bool added;
    store::HashValue* next = hash->Set(field, value, limits, &added);
    if (next != hash) {
      delete hash;
      hash = next;
    }
  }
  return store::Entry::NewObject(key, store::ValueType::kHash, hash->encoding(), hash, store::kNoExpire);
}

// A set built by SADDing `members`, with Redis's default intset limit.
inline store::Entry* Set(std::string_view key, const std::vector<std::string>& members) {
  auto* set = new store::SetValue();
  for (const std::string& m : members) set->Add(m, 512);
  return store::Entry::NewObject(key, store::ValueType::kSet, set->encoding(), set, store::kNoExpire);
}

// A sorted set built by ZADD, in the skiplist form when Redis's default limits say so.
inline store::Entry* ZSet(std::string_view key, const std::vector<std::pair<std::string, double>>& elements) {
  auto* zset = new store::ZSetValue();
  bool large = elements.size() > 128;
  for (const auto& [member, score] : elements) {
    zset->Insert(member, score);
    large = large || member.size() > 64;
  }
  if (large) zset->ConvertToLarge();
  return store::Entry::NewObject(key, store::ValueType::kZSet,
                                 large ? store::Encoding::kSkiplist : store::Encoding::kListpack, zset,
                                 store::kNoExpire);
}

// Sets the access field of `key` in `db` (the LFU counter under an LFU policy).
inline void SetAccess(store::Keyspace& ks, int db, std::string_view key, uint32_t access) {
  store::testing::OnKeys(ks, db, {key}, [&](store::Db& d) { d.Find(key)->set_access(access); });
}

}  // namespace strata::rdb::testing

#endif  // STRATA_TESTS_RDB_RDB_TEST_VALUES_H_
