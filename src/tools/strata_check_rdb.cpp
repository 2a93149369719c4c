// strata-check-rdb FILE: validates an RDB dump (Strata's or Redis's) with the parser the server
// loads with, and prints a summary per database. Exit status: 0 valid, 1 damaged or refused (the
// message names the offset or what Strata cannot represent), 2 usage error.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "rdb/rdb_parser.h"
#include "store/encoding_limits.h"
#include "store/value_types.h"

namespace {

constexpr char kUsage[] =
    "Usage: strata-check-rdb FILE\n"
    "Validates an RDB snapshot (written by Strata or Redis, format versions 1 to 12) and prints, per\n"
    "database, the keys of each type, the keys with an expiry and the bytes their records take.\n"
    "Exit status: 0 the file is valid, 1 it is damaged or holds something Strata cannot load\n"
    "(the message gives the byte offset or names the key and type), 2 usage error.\n";

struct DbSummary {
  std::map<std::string, uint64_t> by_type;
  uint64_t keys = 0;
  uint64_t expires = 0;
  uint64_t bytes = 0;
};

// Counts what the file holds; keeps no values.
class Summary final : public strata::rdb::RdbVisitor {
 public:
  void OnVersion(int version) override { version_ = version; }
  void OnAux(std::string_view name, std::string_view value) override {
    if (name == "redis-ver") redis_ver_ = value;
  }
  bool OnSelectDb(uint64_t db, std::string* error) override {
    if (db > 0xffffff) {
      *error = "database index " + std::to_string(db) + " is implausible";
      return false;
    }
    return true;
  }
  bool OnKey(const strata::rdb::ParsedKey& k, std::string*) override {
    DbSummary& s = dbs_[k.db];
    ++s.keys;
    ++s.by_type[std::string(strata::store::TypeName(k.entry->type()))];
    if (k.entry->has_expire()) ++s.expires;
    s.bytes += k.bytes;
    strata::store::Entry::Destroy(k.entry);
    return true;
  }
  void OnEmptyKey(int) override { ++empty_; }
  // The libraries' Lua is not checked here: the server compiles it when it loads the file.
  void OnFunction(std::string_view) override { ++functions_; }

  void Print(size_t file_size) const {
    std::printf("RDB format version %d%s%s, %zu bytes\n", version_, redis_ver_.empty() ? "" : ", written by ",
                redis_ver_.empty() ? "" : ("version " + redis_ver_).c_str(), file_size);
    uint64_t total = 0;
    for (const auto& [db, s] : dbs_) {
      std::printf("db%d: keys=%llu expires=%llu bytes=%llu", db, static_cast<unsigned long long>(s.keys),
                  static_cast<unsigned long long>(s.expires), static_cast<unsigned long long>(s.bytes));
      for (const auto& [type, n] : s.by_type) std::printf(" %s=%llu", type.c_str(), static_cast<unsigned long long>(n));
      std::printf("\n");
      total += s.keys;
    }
    if (functions_ > 0) std::printf("function libraries: %llu\n", static_cast<unsigned long long>(functions_));
    if (empty_ > 0) std::printf("empty collections skipped: %llu\n", static_cast<unsigned long long>(empty_));
    std::printf("OK: %llu keys\n", static_cast<unsigned long long>(total));
  }

 private:
  int version_ = 0;
  std::string redis_ver_;
  std::map<int, DbSummary> dbs_;
  uint64_t empty_ = 0;
  uint64_t functions_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc != 2 || argv[1][0] == '-') {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::ifstream f(argv[1], std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "strata-check-rdb: cannot open %s: %s\n", argv[1], std::strerror(errno));
    return 2;
  }
  std::ostringstream buf;
  buf << f.rdbuf();
  const std::string file = buf.str();
  strata::store::EncodingLimits limits;
  Summary summary;
  std::string error;
  if (!strata::rdb::ParseRdb(file, limits, &summary, &error)) {
    std::fprintf(stderr, "strata-check-rdb: %s: %s\n", argv[1], error.c_str());
    return 1;
  }
  summary.Print(file.size());
  return 0;
}
