// Operations on list values, under the caller's stripe locks (see Db).
//
// Every operation that empties a list deletes its key; every write announces itself with Redis's
// event name (Db::Notify: "lpush", "rpop" ..., then "del" for a key it emptied). The pop and move operations are written for the
// blocking commands too: they report "nothing to pop" (kNoKey) apart from WRONGTYPE, so a
// blocking caller can decide to wait.
#ifndef STRATA_STORE_LIST_OPS_H_
#define STRATA_STORE_LIST_OPS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/function_ref.h"
#include "store/keyspace.h"
#include "store/list_value.h"
#include "store/op_status.h"

namespace strata::store {

// Pushes `values`, in order, at `end` of the list at `key` (so LPUSH a b c leaves c at the head),
// creating the list unless `only_if_exists` (LPUSHX, RPUSHX). Returns kOk with *length set to the
// new length, kNoKey (only_if_exists and no key; nothing written) or kWrongType.
OpStatus ListPush(Db& db, std::string_view key, ListEnd end, std::span<const std::string_view> values,
                  bool only_if_exists, size_t* length);

// Pops up to `count` elements from `end` of the list at `key` into *values (in pop order).
// Returns kOk, kNoKey or kWrongType. count 0 pops nothing and still reports kOk for a list.
OpStatus ListPop(Db& db, std::string_view key, ListEnd end, size_t count, std::vector<std::string>* values);

// Pops up to `count` (>= 1) elements from `end` of the first of `keys` that holds a list
// (LMPOP, BLPOP, BRPOP, BLMPOP). Returns kOk with *key_index (into `keys`) and *values set;
// kNoKey when no key holds a list: nothing to pop yet; kWrongType when a key of another type comes
// before the first list (Redis checks the keys in order).
// With `skip_other_types`, keys of another type are passed over instead (a blocked client's
// re-run takes only from lists).
OpStatus ListPopFirst(Db& db, std::span<const std::string_view> keys, ListEnd end, size_t count,
                      size_t* key_index, std::vector<std::string>* values, bool skip_other_types = false);

// Moves one element from `from` of list `source` to `to` of list `destination`, creating it as
// needed (LMOVE, RPOPLPUSH, BLMOVE, BRPOPLPUSH). source == destination rotates the list. Returns
// kOk with *value set to the element moved; kNoKey when `source` does not exist: nothing to move
// yet (whatever `destination` holds); kWrongType when either key holds another type (then nothing
// moves).
OpStatus ListMove(Db& db, std::string_view source, std::string_view destination, ListEnd from, ListEnd to,
                  std::string* value);

// Whether `key` holds a list: kOk, kNoKey or kWrongType. Looks the key up as a read (counting a
// hit or miss) or, with `for_write`, as a write. For commands that report the key's state before
// an argument error (LINDEX, LSET with a bad index).
OpStatus ListCheck(Db& db, std::string_view key, bool for_write);

// The length of the list at `key` (LLEN). kOk with *length, kNoKey or kWrongType.
OpStatus ListLength(Db& db, std::string_view key, size_t* length);

// The element at `index` (negative counts from the tail) (LINDEX). kOk with *value set, kNoKey,
// kWrongType, or kOutOfRange when the index falls outside the list.
OpStatus ListIndex(Db& db, std::string_view key, int64_t index, std::string* value);

// Replaces the element at `index` (negative counts from the tail) (LSET). kOk, kNoKey, kWrongType
// or kOutOfRange.
OpStatus ListSet(Db& db, std::string_view key, int64_t index, std::string_view value);

// Visits the elements from `start` to `stop` inclusive, with LRANGE's index rules (negative
// counts from the tail, the range is clamped to the list). `count` is called once, first, with
// the number of elements; `element` then once per element, with a view valid for that call.
// kOk (also for an empty range), kNoKey or kWrongType; on kNoKey neither callback runs.
OpStatus ListRange(Db& db, std::string_view key, int64_t start, int64_t stop, FunctionRef<void(size_t)> count,
                   FunctionRef<void(std::string_view)> element);

// Keeps only the elements from `start` to `stop` inclusive, with LRANGE's index rules (LTRIM).
// An empty range deletes the key. kOk, kNoKey or kWrongType.
OpStatus ListTrim(Db& db, std::string_view key, int64_t start, int64_t stop);

// Removes elements equal to `value` (LREM): the first `count` from the head when count > 0, the
// last -count from the tail when count < 0, all when 0. kOk with *removed set, kNoKey or
// kWrongType.
OpStatus ListRemove(Db& db, std::string_view key, int64_t count, std::string_view value, size_t* removed);

// Inserts `value` before (or `after`) the first element equal to `pivot` (LINSERT). kOk with
// *length set to the new length, kNotDone when no element equals `pivot`, kNoKey or kWrongType.
OpStatus ListInsert(Db& db, std::string_view key, bool after, std::string_view pivot, std::string_view value,
                    size_t* length);

// LPOS's options, already validated (rank != 0, count >= 0, maxlen >= 0).
struct ListPosParams {
  int64_t rank = 1;     // the rank-th match first; negative searches from the tail
  int64_t count = 1;    // matches to report; 0 reports them all
  int64_t maxlen = 0;   // elements to compare at most; 0 compares them all
};

// The indexes (from the head) of elements equal to `value`, in search order, per `params` (LPOS).
// kOk with *positions set (possibly empty), kNoKey or kWrongType.
OpStatus ListPositions(Db& db, std::string_view key, std::string_view value, const ListPosParams& params,
                       std::vector<int64_t>* positions);

}  // namespace strata::store

#endif  // STRATA_STORE_LIST_OPS_H_
