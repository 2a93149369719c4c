// Operations on hash values (HSET, HGET ... HSCAN), under the caller's stripe locks (see Db).
//
// Each returns kOk, kWrongType when the key holds another type, or the status named in its
// comment. Writes announce themselves once (Db::Notify) when they change the hash; a write that
// empties a hash deletes its key (and announces "del"). Values handed out as views point into the hash and stay valid while the
// stripe lock is held and the key is not written; what a PairSink receives is valid only during
// the call.
#ifndef STRATA_STORE_HASH_OPS_H_
#define STRATA_STORE_HASH_OPS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/hash_value.h"
#include "store/keyspace.h"
#include "store/op_status.h"

namespace strata::store {

// Receives a sequence of pairs: Begin once with how many pairs follow, then Pair for each.
class PairSink {
 public:
  virtual ~PairSink() = default;
  virtual void Begin(size_t pairs) = 0;
  virtual void Pair(std::string_view field, std::string_view value) = 0;
};

// HSET / HMSET: sets each (field, value) of `field_values` (alternating, at least one pair),
// creating the key if needed. *added counts the fields that were new.
OpStatus HashSet(Db& db, std::string_view key, std::span<const std::string_view> field_values, size_t* added);

// HSETNX: sets `field` only if absent (creating the key if needed); *set tells whether it did.
OpStatus HashSetIfAbsent(Db& db, std::string_view key, std::string_view field, std::string_view value, bool* set);

// HGET: kOk with *value set, or kNoKey when the key or the field is absent.
OpStatus HashGet(Db& db, std::string_view key, std::string_view field, std::string_view* value);

// HMGET: one entry per field in *values, nullopt for absent fields (all of them for an absent
// key, which is kOk).
OpStatus HashGetMany(Db& db, std::string_view key, std::span<const std::string_view> fields,
                     std::vector<std::optional<std::string_view>>* values);

// HGETALL, HKEYS, HVALS: sends every pair to `sink` (insertion order in the compact form).
// kNoKey (and nothing sent) for an absent key.
OpStatus HashGetAll(Db& db, std::string_view key, PairSink* sink);

// HDEL: removes `fields`; *deleted counts those that were present. kOk for an absent key (0).
OpStatus HashDelete(Db& db, std::string_view key, std::span<const std::string_view> fields, size_t* deleted);

// HLEN: *length is 0 for an absent key.
OpStatus HashLength(Db& db, std::string_view key, size_t* length);

// HSTRLEN: *length is 0 for an absent key or field.
OpStatus HashValueLength(Db& db, std::string_view key, std::string_view field, size_t* length);

// HEXISTS: *exists is false for an absent key.
OpStatus HashExists(Db& db, std::string_view key, std::string_view field, bool* exists);

// HINCRBY: adds `increment` to the field's integer value (0 when absent, creating the key if
// needed). kNotInteger when the value is not an integer, kOverflow when the sum overflows.
OpStatus HashIncrBy(Db& db, std::string_view key, std::string_view field, int64_t increment, int64_t* result);

// HINCRBYFLOAT: adds `increment` (finite) to the field's value as a long double and stores the
// sum as INCRBYFLOAT formats it (*result). kNotFloat when the value is not a number,
// kNanOrInfinity when the sum is not finite.
OpStatus HashIncrByFloat(Db& db, std::string_view key, std::string_view field, long double increment,
                         std::string* result);

// Parses a float as HINCRBYFLOAT reads both its increment and the stored value (Redis's
// string2ld): ParseLongDouble's rules, and texts of 5 KiB or more refused.
bool ParseHashFloat(std::string_view text, long double* value);

// HRANDFIELD key: one random field. kNoKey for an absent key.
OpStatus HashRandomField(Db& db, std::string_view key, HashRng& rng, std::string* field);

// HRANDFIELD key count: Redis's selection rules. A negative count draws |count| pairs
// independently (repeats allowed); a count at least the hash's size returns every pair in
// iteration order; a smaller positive count returns that many distinct pairs, chosen uniformly.
// Sends them to `sink`; for an absent key Begin(0) and kOk.
OpStatus HashRandomFields(Db& db, std::string_view key, int64_t count, HashRng& rng, PairSink* sink);

// The hash of `key` for a read (counts a hit or a miss): kOk with *hash set, or kNoKey.
OpStatus HashFindForRead(Db& db, std::string_view key, const HashValue** hash);

// One HSCAN step over `hash` from `cursor`, visiting about `count` pairs (count >= 1) and keeping
// those whose field matches the glob `pattern` (all when absent) in *pairs. Returns the next cursor.
uint64_t HashScan(const HashValue& hash, uint64_t cursor, size_t count, std::optional<std::string_view> pattern,
                  std::vector<std::pair<std::string, std::string>>* pairs);

}  // namespace strata::store

#endif  // STRATA_STORE_HASH_OPS_H_
