// Operations on keys whatever their values hold: deletion, existence, renaming, copying and
// moving, expiry, introspection, and the pattern walks of KEYS and SCAN.
//
// They look only at Entry::type() and Entry::encoding(), so they work for every value type.
// They run under the caller's stripe locks (see Db): the keys' stripes, or for the pattern walks
// every stripe of the database.
#ifndef STRATA_STORE_KEYSPACE_OPS_H_
#define STRATA_STORE_KEYSPACE_OPS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/function_ref.h"
#include "store/entry.h"
#include "store/keyspace.h"
#include "store/op_status.h"

namespace strata::store {

// Deletes `key` if it is live (an expired key counts as absent and is reclaimed). With `lazy`
// (UNLINK), a collection is handed to the background thread, since freeing it costs a free per
// element; a string is one or two allocations and is freed at once, as Redis does.
// Returns whether a key was deleted.
bool DeleteKey(Db& db, std::string_view key, bool lazy);

// Whether `key` is live, counting a keyspace hit or miss (a miss announced "keymiss") without
// refreshing its access time (EXISTS).
bool KeyExists(Db& db, std::string_view key);

// Whether `key` is live, counting a hit or miss and refreshing its access time (TOUCH).
bool TouchKey(Db& db, std::string_view key);

// The type of `key`: kOk with *type set, or kNoKey. Counts a hit or miss (a miss announced
// "keymiss"), does not refresh the access time (TYPE).
OpStatus GetKeyType(Db& db, std::string_view key, ValueType* type);

// Renames `from` to `to`, keeping the value, the deadline and the access field; an existing `to`
// is replaced unless `only_if_absent` (RENAMENX). Renaming a key to itself changes nothing.
// Returns kOk, kNoKey (`from` is absent) or kNotDone (`only_if_absent` and `to` exists, or the
// names are equal).
// REQUIRES: the stripe locks of both keys.
OpStatus RenameKey(Db& db, std::string_view from, std::string_view to, bool only_if_absent);

// Copies `from` in `src` to `to` in `dst`, deadline included; an existing `to` is replaced only
// with `replace`. Counts a hit or miss for `from` (COPY reads its source as a read command).
// Returns kOk, kNoKey (`from` is absent) or kNotDone (`to` exists and not `replace`).
// REQUIRES: the stripe locks of both keys; not the same key in the same database.
OpStatus CopyKey(Db& src, std::string_view from, Db& dst, std::string_view to, bool replace);

// Moves `key` from `src` to `dst` with its deadline. Returns kOk, kNoKey (absent in `src`) or
// kNotDone (`key` exists in `dst`).
// REQUIRES: the stripe locks of `key` in both databases; src and dst are different databases.
OpStatus MoveKey(Db& src, Db& dst, std::string_view key);

// Conditions of EXPIRE and its relatives; kExpireNx excludes the others, kExpireGt excludes
// kExpireLt (the command rejects other mixes before calling).
enum ExpireCondition : unsigned {
  kExpireAlways = 0,
  kExpireNx = 1,  // only when the key has no deadline
  kExpireXx = 2,  // only when it has one
  kExpireGt = 4,  // only when the new deadline is later (no deadline counts as infinite)
  kExpireLt = 8,  // only when the new deadline is earlier
};

// Gives `key` the deadline `deadline_ms` (Unix ms) if `conditions` allow. A deadline at or before
// now deletes the key at once, as Redis does. Returns kOk (deadline set or key deleted), kNoKey
// or kNotDone (a condition failed).
OpStatus SetExpiry(Db& db, std::string_view key, int64_t deadline_ms, unsigned conditions);

// Removes the deadline of `key`. Returns kOk, kNoKey, or kNotDone when it had none (PERSIST).
OpStatus ClearExpiry(Db& db, std::string_view key);

// The deadline of `key` (Unix ms, or kNoExpire): kOk or kNoKey. Counts a hit or miss (a miss
// announced "keymiss"), does not refresh the access time (TTL and friends).
OpStatus GetExpiry(Db& db, std::string_view key, int64_t* deadline_ms);

// What OBJECT reports about a key.
struct ObjectInfo {
  Encoding encoding = Encoding::kRaw;
  // Redis shares one object per integer in [0, 10000) among every key that holds it, and reports
  // the shared object's refcount, INT_MAX. Strata shares nothing, but replies must match, so a
  // string that Redis would hold as a shared integer reports INT_MAX and every other value 1.
  int64_t refcount = 1;
  // Seconds since the key was last accessed, at the LRU clock's one-second resolution.
  int64_t idle_seconds = 0;
  // The raw access field (store/access_policy.h), for OBJECT FREQ.
  uint32_t access = 0;
};

// What OBJECT reports about `entry`, its idle time measured on `lru_clock`. No statistics.
ObjectInfo DescribeEntry(const Entry& entry, uint32_t lru_clock);

// Fills *info for `key`: kOk or kNoKey. Counts a hit or miss, does not refresh the access time,
// announces no miss (OBJECT).
OpStatus InspectKey(Db& db, std::string_view key, ObjectInfo* info);

// The keys of `db` that match the glob `pattern` (a lone "*" matches every key, including the
// empty one), each passed to `emit` once. Expired keys not yet reclaimed are skipped. `emit` must
// not touch the keyspace. REQUIRES: every stripe of `db`.
void MatchKeys(Db& db, std::string_view pattern, FunctionRef<void(std::string_view)> emit);

// The filters of one SCAN step.
struct ScanFilter {
  bool has_pattern = false;  // false for no MATCH, and for MATCH * (which Redis does not match)
  std::string_view pattern;
  bool has_type = false;
  std::string_view type_name;  // compared case-insensitively with TypeName(); unknown names match nothing
};

// One SCAN step over `db` from `cursor`, examining about `count` keys (see Db::Scan for the
// guarantees) and passing those that pass `filter` to `emit`. Each key examined under a TYPE
// filter counts a keyspace hit, as Redis's type lookup does. Returns the next cursor, 0 when the
// scan is over. `emit` must not touch the keyspace. REQUIRES: every stripe of `db`.
uint64_t ScanKeys(Db& db, uint64_t cursor, size_t count, const ScanFilter& filter,
                  FunctionRef<void(std::string_view)> emit);

}  // namespace strata::store

#endif  // STRATA_STORE_KEYSPACE_OPS_H_
