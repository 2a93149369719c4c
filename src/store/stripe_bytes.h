// How the keyspace splits keys into stripes, and the bytes of entries per stripe.
//
// A key's stripe is its hash's top kStripeBits bits (store/keyspace.h locks and stores by it).
// StripeEntryBytes counts, per stripe index, the bytes of the entries whose key falls there, in
// every database: each entry's own allocation (header, deadline, key, inline value) and, for a
// long string, its HeapString. Collection bodies (hashes, lists, sets, sorted sets) are left out:
// they grow and shrink in place inside their value types, which do not know their key. Kept by
// store/entry.cpp where entries are built, resized and freed: one key hash and one relaxed atomic
// add per change. Process-wide (a server has one keyspace); tests compare differences.
#ifndef STRATA_STORE_STRIPE_BYTES_H_
#define STRATA_STORE_STRIPE_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata::store {

inline constexpr int kStripeBits = 10;
inline constexpr size_t kStripes = size_t{1} << kStripeBits;

// The stripe a key hash falls in.
inline size_t StripeOf(uint64_t hash) { return static_cast<size_t>(hash >> (64 - kStripeBits)); }

// Bytes of the entries whose key falls in stripe `stripe_index` (see above). Any thread, no lock:
// a recent value. REQUIRES: stripe_index < kStripes.
int64_t StripeEntryBytes(size_t stripe_index);

// Adds `delta` to the count of the stripe of `key`. For store/entry.cpp.
void ChargeStripeBytes(std::string_view key, int64_t delta);

}  // namespace strata::store

#endif  // STRATA_STORE_STRIPE_BYTES_H_
