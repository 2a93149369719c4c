// DecodeDump (declared in rdb_reader.h): a DUMP payload into an entry. Apart from LoadSnapshot so
// that it needs no keyspace (RESTORE, the fuzz target).
#include <string>

#include "common/error_texts.h"
#include "rdb/crc64.h"
#include "rdb/format.h"
#include "rdb/rdb_input.h"
#include "rdb/rdb_reader.h"
#include "rdb/value_reader.h"

namespace strata::rdb {

store::Entry* DecodeDump(std::string_view payload, std::string_view key, int64_t expire_ms,
                         const store::EncodingLimits& limits, std::string* error) {
  // The trailer: the RDB version the payload was written with, then a CRC-64 of all before it.
  // Redis accepts versions up to its own; ours is kMaxReadVersion.
  if (payload.size() < kDumpTrailerSize + 1) {
    *error = errors::kDumpPayloadBad;
    return nullptr;
  }
  const size_t body = payload.size() - kDumpTrailerSize;
  RdbInput trailer(payload.substr(body));
  uint8_t lo = 0, hi = 0;
  uint64_t crc = 0;
  trailer.ReadByte(&lo);
  trailer.ReadByte(&hi);
  trailer.ReadLe64(&crc);
  const int version = lo | (hi << 8);
  if (version > kMaxReadVersion || crc != Crc64(0, payload.data(), body + 2)) {
    *error = errors::kDumpPayloadBad;
    return nullptr;
  }
  RdbInput in(payload.substr(0, body));
  uint8_t type;
  std::string scratch;
  store::Entry* entry = nullptr;
  if (!in.ReadByte(&type) || !ReadValue(in, type, key, expire_ms, limits, &scratch, &entry) || entry == nullptr) {
    *error = errors::kBadDataFormat;
    return nullptr;
  }
  return entry;
}

}  // namespace strata::rdb
