// PLACEHOLDER until the writer lands: lets the server layer link. Replaced wholesale.
#include "rdb/rdb_writer.h"

namespace strata::rdb {

bool WriteSnapshot(store::Keyspace&, const SaveOptions&, int, SaveStats*, std::string* error) {
  *error = "RDB writer not built yet";
  return false;
}

bool SaveSnapshotFile(store::Keyspace&, const SaveOptions&, const std::string&, const std::string&, SaveStats*,
                      std::string* error) {
  *error = "RDB writer not built yet";
  return false;
}

std::string EncodeDump(const store::Entry&, bool) { return std::string(); }

}  // namespace strata::rdb
