// PLACEHOLDER until the reader lands: lets the server layer link. Replaced wholesale.
#include "rdb/rdb_reader.h"

namespace strata::rdb {

bool LoadSnapshot(std::string_view, store::Keyspace*, const LoadOptions&, LoadStats*, std::string* error) {
  *error = "RDB reader not built yet";
  return false;
}

store::Entry* DecodeDump(std::string_view, std::string_view, int64_t, const store::EncodingLimits&,
                         std::string* error) {
  *error = "ERR DUMP payload version or checksum are wrong";
  return nullptr;
}

}  // namespace strata::rdb
