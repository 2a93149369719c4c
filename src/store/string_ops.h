// Operations on string values, under the caller's stripe locks (see Db).
#ifndef STRATA_STORE_STRING_OPS_H_
#define STRATA_STORE_STRING_OPS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "store/entry.h"
#include "store/keyspace.h"
#include "store/op_status.h"

namespace strata::store {

// How SET and its relatives write.
struct SetParams {
  enum class Condition { kAlways, kIfAbsent, kIfPresent };
  Condition condition = Condition::kAlways;
  int64_t expire_ms = kNoExpire;  // absolute deadline, or kNoExpire
  bool keep_ttl = false;          // keep the key's current deadline (KEEPTTL)
  bool get_old = false;           // report the previous value (GET)
};

struct SetOutcome {
  OpStatus status = OpStatus::kOk;  // kOk, kNotDone (condition failed), kWrongType (get_old on a non-string)
  bool had_old = false;             // get_old: whether the key held a string
  std::string old_value;            // get_old: that string
};

// SET key value with `params`. A key holding another type is overwritten, unless get_old.
SetOutcome SetString(Db& db, std::string_view key, std::string_view value, const SetParams& params);

// The string value of `key` for a read (counts a hit or miss). kOk with *value set, kNoKey or
// kWrongType. The view is valid while the stripe lock is held and the key unchanged.
OpStatus GetString(Db& db, std::string_view key, std::string_view* value);

}  // namespace strata::store

#endif  // STRATA_STORE_STRING_OPS_H_
