// libFuzzer target for the RDB reader: the parser that LoadSnapshot and strata-check-rdb share,
// and DecodeDump.
//
// The first input byte picks the encoding limits (the defaults, or tiny ones so that small inputs
// reach the conversions to the large encodings); the rest is parsed as a whole RDB file, and as
// a DUMP payload. Every value built is walked, so a value that reads fine but was built wrong
// shows up under the sanitizers. Besides crashes, leaks and undefined behaviour, the target
// checks that every refusal of a file carries a message.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rdb/rdb_parser.h"
#include "rdb/rdb_reader.h"
#include "store/hash_value.h"
#include "store/list_value.h"
#include "store/set_value.h"
#include "store/zset_value.h"

namespace {

using strata::store::Entry;
using strata::store::ValueType;

// Reads every element of the entry's value; returns a count so the walk is not optimized away.
size_t Walk(const Entry& e) {
  size_t n = 0;
  switch (e.type()) {
    case ValueType::kString:
      return e.string_value().size();
    case ValueType::kList:
      for (auto it = static_cast<strata::store::ListValue*>(e.object())->At(0); it.Valid(); it.Next()) {
        n += it.value().size();
      }
      return n;
    case ValueType::kSet:
      static_cast<strata::store::SetValue*>(e.object())->ForEach([&](std::string_view m) { n += m.size(); });
      return n;
    case ValueType::kZSet: {
      auto* z = static_cast<strata::store::ZSetValue*>(e.object());
      z->Visit(0, z->size(), false, [&](std::string_view m, double) { return (n += m.size(), true); });
      return n;
    }
    case ValueType::kHash:
      static_cast<strata::store::HashValue*>(e.object())->ForEach([&](std::string_view f, std::string_view v) {
        n += f.size() + v.size();
      });
      return n;
    default:
      return 0;
  }
}

class WalkingVisitor final : public strata::rdb::RdbVisitor {
 public:
  bool OnSelectDb(uint64_t db, std::string* error) override {
    if (db < 16) return true;
    *error = "database out of range";
    return false;
  }
  bool OnKey(const strata::rdb::ParsedKey& k, std::string*) override {
    total += Walk(*k.entry) + k.entry->MemoryUsage();
    Entry::Destroy(k.entry);
    return true;
  }
  size_t total = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  strata::store::EncodingLimits limits;
  if (data[0] & 1) {
    limits.hash_max_listpack_entries = 2;
    limits.hash_max_listpack_value = 4;
    limits.set_max_intset_entries = 2;
    limits.zset_max_listpack_entries = 2;
    limits.zset_max_listpack_value = 4;
    limits.list_max_listpack_size = 2;
  }
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  WalkingVisitor visitor;
  std::string error;
  if (!strata::rdb::ParseRdb(input, limits, &visitor, &error) && error.empty()) {
    std::fprintf(stderr, "refused without a message\n");
    std::abort();
  }
  Entry* e = strata::rdb::DecodeDump(input, "key", strata::store::kNoExpire, limits, &error);
  if (e != nullptr) {
    visitor.total += Walk(*e);
    Entry::Destroy(e);
  }
  return visitor.total == SIZE_MAX;  // never: keeps the walks observable
}
