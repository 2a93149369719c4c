// Operations on set values, under the caller's stripe locks (see Db): one per set command, with
// Redis 7.0's semantics. A missing key reads as an empty set; an operation that empties a set
// deletes its key; every write announces itself once (Db::Notify).
//
// Operations that return members either copy them (when the set changes under them) or visit
// them in the order Redis replies them; views passed to a visitor are valid during its call.
#ifndef STRATA_STORE_SET_OPS_H_
#define STRATA_STORE_SET_OPS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/function_ref.h"
#include "store/keyspace.h"
#include "store/op_status.h"
#include "store/set_value.h"

namespace strata::store {

// --- Single-key reads and writes. Each returns kOk, kWrongType, or kNoKey where stated. ---

// The set at `key` for a read command (a hit or miss counted): kOk with *set pointing at it,
// kNoKey or kWrongType. *set is valid while the locks are held and the key is unchanged.
OpStatus FindSetForRead(Db& db, std::string_view key, const SetValue** set);

// SADD: adds `members` to the set at `key`, creating the key. *added: how many were new.
OpStatus SetAdd(Db& db, std::string_view key, std::span<const std::string_view> members, int64_t* added);

// SREM: removes `members`. *removed: how many were present. A missing key removes none.
OpStatus SetRemove(Db& db, std::string_view key, std::span<const std::string_view> members, int64_t* removed);

// SMOVE: moves `member` from the set at `source` to the one at `destination` (created if
// missing). *moved: whether `source` held it. kWrongType when either key holds another type
// (a missing source is checked first: it moves nothing, whatever the destination holds). With
// source == destination it only reports membership.
OpStatus SetMove(Db& db, std::string_view source, std::string_view destination, std::string_view member,
                 bool* moved);

// SPOP key count: removes up to `count` random distinct members and appends them to *popped.
// When count covers the set, every member is popped, in the order SUNION would list them, and
// the key is deleted. As Redis does, popping most of a large set rebuilds it from the members
// that stay, so the rest may become an intset again. kNoKey for a missing key.
OpStatus SetPop(Db& db, std::string_view key, uint64_t count, std::vector<std::string>* popped);

// SRANDMEMBER key count: visits |count| random members, distinct when count > 0 (then at most
// the set's size: the whole set, in its own order, when count covers it), possibly repeated
// when count < 0. Picks are uniform and cost O(1) expected time each (O(size) when a positive
// count is a large part of the set). *visited: how many were visited. kNoKey for a missing key.
OpStatus SetRandomMembers(Db& db, std::string_view key, int64_t count, FunctionRef<void(std::string_view)> visit,
                          size_t* visited);

// SSCAN's step over a set already looked up (SSCAN replies for a missing key, or a key of
// another type, before it reads its options): one step from `cursor` (see SetValue::Scan),
// keeping the members that match the glob `pattern` (all members when absent). Returns the
// next cursor.
uint64_t SetScan(const SetValue& set, uint64_t cursor, size_t count, std::optional<std::string_view> pattern,
                 std::vector<std::string>* members);

// --- Set algebra over `keys` (a missing key is an empty set). kWrongType if any key holds
// another type, whatever the others hold; kOk otherwise. ---

// SINTER: visits the intersection in Redis's order (that of the smallest set; the first such
// set on a tie). *count: how many were visited.
OpStatus SetInter(Db& db, std::span<const std::string_view> keys, FunctionRef<void(std::string_view)> visit,
                  size_t* count);

// SINTERCARD: the size of the intersection, counting stops at `limit` (0: no limit).
OpStatus SetInterCard(Db& db, std::span<const std::string_view> keys, uint64_t limit, int64_t* cardinality);

enum class SetAlgebra { kUnion, kDiff };

// SUNION / SDIFF (the members of the first set that no other set holds): the result, built
// member by member as Redis builds it, so its encoding and its iteration order are Redis's.
OpStatus SetUnionDiff(Db& db, SetAlgebra op, std::span<const std::string_view> keys,
                      std::unique_ptr<SetValue>* result);

// SINTERSTORE / SUNIONSTORE / SDIFFSTORE: stores the result at `destination`, replacing what it
// held (of any type, and its TTL); an empty result deletes it. *size: the result's size.
OpStatus SetInterStore(Db& db, std::string_view destination, std::span<const std::string_view> keys, int64_t* size);
OpStatus SetUnionDiffStore(Db& db, SetAlgebra op, std::string_view destination,
                           std::span<const std::string_view> keys, int64_t* size);

}  // namespace strata::store

#endif  // STRATA_STORE_SET_OPS_H_
