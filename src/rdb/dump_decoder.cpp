// DecodeDump (declared in rdb_reader.h): a DUMP payload into an entry. Apart from LoadSnapshot so
// that it needs no keyspace (RESTORE, the fuzz target).
#include <string>
#include <vector>

#include "common/error_texts.h"
#include "rdb/crc64.h"
#include "rdb/format.h"
#include "rdb/rdb_input.h"
#include "rdb/rdb_reader.h"
#include "rdb/value_reader.h"

namespace strata::rdb {

namespace {

// Checks the trailer of a DUMP payload: the RDB version the payload was written with (Redis
// accepts versions up to its own; ours is kMaxReadVersion), then a CRC-64 of all before it.
// Returns the size of the body before it, or 0 with *error set.
size_t CheckTrailer(std::string_view payload, std::string* error) {
  if (payload.size() < kDumpTrailerSize + 1) {
    *error = errors::kDumpPayloadBad;
    return 0;
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
    return 0;
  }
  return body;
}

}  // namespace

store::Entry* DecodeDump(std::string_view payload, std::string_view key, int64_t expire_ms,
                         const store::EncodingLimits& limits, std::string* error) {
  const size_t body = CheckTrailer(payload, error);
  if (body == 0) return nullptr;
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

bool DecodeFunctionsDump(std::string_view payload, std::vector<std::string>* codes, std::string* error) {
  const size_t body = CheckTrailer(payload, error);
  if (body == 0) return false;
  RdbInput in(payload.substr(0, body));
  std::string scratch;
  while (in.offset() < body) {
    uint8_t type;
    in.ReadByte(&type);
    if (type != kOpFunction2) {
      *error = errors::kRestoreNotFunction;
      return false;
    }
    std::string_view code;
    if (!in.ReadString(&scratch, &code)) {
      *error = errors::kRestoreBadLibrary;
      return false;
    }
    codes->emplace_back(code);
  }
  return true;
}

}  // namespace strata::rdb
