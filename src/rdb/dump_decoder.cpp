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
// Sets *body to the size of what precedes it, or returns false with *error set.
bool CheckTrailer(std::string_view payload, size_t* body_size, std::string* error) {
  if (payload.size() < kDumpTrailerSize) {
    *error = errors::kDumpPayloadBad;
    return false;
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
    return false;
  }
  *body_size = body;
  return true;
}

}  // namespace

store::Entry* DecodeDump(std::string_view payload, std::string_view key, int64_t expire_ms,
                         const store::EncodingLimits& limits, std::string* error) {
  size_t body = 0;
  if (!CheckTrailer(payload, &body, error)) return nullptr;
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
  size_t body = 0;
  if (!CheckTrailer(payload, &body, error)) return false;
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
