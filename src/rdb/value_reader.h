// Reads one RDB value (the bytes after a key, for every type byte Redis has written) and builds
// the entry Strata stores for it, directly in the encoding the keyspace's limits choose, as Redis
// converts on load: a small source stays compact, a source past the limits becomes the large form.
#ifndef STRATA_RDB_VALUE_READER_H_
#define STRATA_RDB_VALUE_READER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "rdb/rdb_input.h"
#include "store/encoding_limits.h"
#include "store/entry.h"

namespace strata::rdb {

// Reads a value of RDB type `type` for `key` from `in` and sets *out to a new entry (owned by the
// caller) with deadline `expire_ms`, or to nullptr when the value is an empty collection (Redis
// skips such keys too). Returns false with in's error set on damage ("... at offset N", including
// duplicate members or fields, as Redis treats them) or on a type Strata cannot represent (a
// message naming the key and the type). `scratch` is reused between calls to save allocations.
bool ReadValue(RdbInput& in, uint8_t type, std::string_view key, int64_t expire_ms,
               const store::EncodingLimits& limits, std::string* scratch, store::Entry** out);

// Whether `type` is a value type byte some Redis version writes (whether or not Strata can
// represent it).
bool KnownValueType(uint8_t type);

// The name of the module whose 64-bit id is `module_id` (nine characters from the id's top 54
// bits, as Redis spells module type names).
std::string ModuleName(uint64_t module_id);

}  // namespace strata::rdb

#endif  // STRATA_RDB_VALUE_READER_H_
