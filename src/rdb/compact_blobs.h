// Decoders for the compact containers Redis embeds in RDB files as strings: ziplist, listpack,
// zipmap and intset. Each walks the blob once, validating it deeply as it goes (header sizes,
// every entry's encoding and bounds, the back-links, the terminator and the element count), and
// hands each element to a visitor. A malformed blob yields false, after some elements may have
// been visited; the caller then discards what it built. Never reads outside the blob.
#ifndef STRATA_RDB_COMPACT_BLOBS_H_
#define STRATA_RDB_COMPACT_BLOBS_H_

#include <cstddef>
#include <string_view>

#include "common/function_ref.h"

namespace strata::rdb {

// Receives one element; integers are spelled in decimal. The view is valid during the call only.
// Returns false to stop the walk, which then returns false too.
using ElementVisitor = FunctionRef<bool(std::string_view element)>;

// Ziplist (Redis 2.6 to 6.2): visits every entry in order. Sets *count to the number of entries.
bool WalkZiplist(std::string_view blob, size_t* count, ElementVisitor visit);

// Listpack (Redis 7.0+).
bool WalkListpack(std::string_view blob, size_t* count, ElementVisitor visit);

// Zipmap (hashes before Redis 2.6): visits field, value, field, value ...
bool WalkZipmap(std::string_view blob, size_t* count, ElementVisitor visit);

// Intset: visits the members in ascending order; they must be strictly ascending.
bool WalkIntset(std::string_view blob, size_t* count, ElementVisitor visit);

}  // namespace strata::rdb

#endif  // STRATA_RDB_COMPACT_BLOBS_H_
