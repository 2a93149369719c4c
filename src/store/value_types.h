// What a key holds: its type and the encoding OBJECT ENCODING reports.
#ifndef STRATA_STORE_VALUE_TYPES_H_
#define STRATA_STORE_VALUE_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata::store {

// Numbered as Redis numbers its object types (OBJ_STRING ...), which the RDB format also uses.
enum class ValueType : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZSet = 3,
  kHash = 4,
  kStream = 6,
};

// The name TYPE replies with ("string", "list", ...).
std::string_view TypeName(ValueType type);

// The representations OBJECT ENCODING can report.
enum class Encoding : uint8_t {
  kRaw,
  kInt,
  kEmbStr,
  kHashtable,
  kIntset,
  kSkiplist,
  kQuicklist,
  kListpack,
  kStream,
};

// The name OBJECT ENCODING replies with ("embstr", "listpack", ...).
std::string_view EncodingName(Encoding encoding);

// Strings up to this length that are not integers get the "embstr" encoding, as in Redis.
inline constexpr size_t kEmbStrMaxLen = 44;

// Strings can be at most this long (proto-max-bulk-len's default and Redis's hard limit).
inline constexpr size_t kMaxStringLen = 512ull * 1024 * 1024;

// Base of every non-string value. The entry owns its value and destroys it through this base.
class ObjectValue {
 public:
  virtual ~ObjectValue() = default;
  // A deep copy (COPY, and collections handed to another key).
  virtual ObjectValue* Clone() const = 0;
  // Bytes of memory the value holds, for MEMORY USAGE and eviction.
  virtual size_t MemoryUsage() const = 0;
};

}  // namespace strata::store

#endif  // STRATA_STORE_VALUE_TYPES_H_
