// SORT and SORT_RO over lists, sets and sorted sets, with Redis 7.0's semantics.
//
// Patterns. A BY or GET pattern names other keys: its first '*' is replaced by the element, and a
// "->field" after the '*' reads that field of a hash instead of a string; "#" (GET only) is the
// element itself, and a pattern without '*' names no key. Redis searches patterns as C strings, so
// a '*', "->" or "#" counts only before the first NUL byte; the same holds here.
//
// Locking. The keys patterns name are known only once the elements are read, so they cannot be
// locked up front key by key. A call whose options read pattern keys (SortReadsPatternKeys)
// REQUIRES the stripe locks of the whole database (the dispatcher takes them for SORT through its
// command row's extra_locks hook); any other call REQUIRES the locks of `key` and of the STORE
// destination only.
//
// Values handed to a visitor are valid during that call only.
#ifndef STRATA_STORE_SORT_OPS_H_
#define STRATA_STORE_SORT_OPS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/function_ref.h"
#include "store/keyspace.h"
#include "store/op_status.h"

namespace strata::store {

// SORT's options, as the command parsed them. Views point into the command's arguments.
struct SortOptions {
  bool desc = false;
  bool alpha = false;
  // A BY pattern without '*' ("BY nosort") was given, in any position: nothing is sorted and no
  // BY key is read. Lists and sorted sets keep their order (DESC walks it backwards, LIMIT takes
  // a range of it); a set keeps its iteration order (ascending for an intset) and ignores DESC,
  // except that with STORE it is sorted ALPHA, as Redis does so that the stored list does not
  // depend on the set's layout.
  bool dont_sort = false;
  // The last BY pattern given: sort by the values of the keys it names, not by the elements.
  std::optional<std::string_view> by;
  // LIMIT offset count; a negative count means to the end. Clamped to the value's size.
  int64_t limit_offset = 0;
  int64_t limit_count = -1;
  // GET patterns, in order: each selected element yields one reply value per pattern. Empty:
  // each yields itself.
  std::vector<std::string_view> get;
};

// Whether `pattern` names keys: it holds a '*' before any NUL byte.
bool SortPatternNamesKeys(std::string_view pattern);

// Whether running with `options` reads keys named by patterns (a BY pattern used for sorting, or
// a GET pattern that names keys), and so needs the whole database locked.
bool SortReadsPatternKeys(const SortOptions& options);

// Reads `text` as a numeric sort value the way Redis does (C's strtod): leading white space, a
// sign, hex and "inf" are accepted, and the number must run to the text's end or to its first NUL
// byte (so "" reads as 0); false for trailing characters, NaN, and values that overflow or
// underflow a double.
bool ParseSortScore(std::string_view text, double* score);

// SORT / SORT_RO without STORE: calls `begin` once with the number of values to reply, then
// `emit` with each, where nullopt is a GET pattern that found no string or hash field. Returns
// kOk; kWrongType when `key` holds a string or a hash (nothing is emitted); kNotFloat when a
// numeric sort met a value ParseSortScore refuses (Redis's "One or more scores can't be converted
// into double"; nothing is emitted). A missing key sorts as an empty list. As Redis does, sorting
// a sorted set converts it to its large form ("skiplist").
OpStatus Sort(Db& db, std::string_view key, const SortOptions& options, FunctionRef<void(size_t)> begin,
              FunctionRef<void(std::optional<std::string_view>)> emit);

// SORT ... STORE destination: stores the values Sort would reply as a list at `destination`,
// replacing whatever it held (any type; its TTL goes), a GET that found nothing storing "". An
// empty result deletes `destination`. *stored: the number of values. Statuses as for Sort; on an
// error `destination` is left alone.
OpStatus SortStore(Db& db, std::string_view key, const SortOptions& options, std::string_view destination,
                   size_t* stored);

}  // namespace strata::store

#endif  // STRATA_STORE_SORT_OPS_H_
