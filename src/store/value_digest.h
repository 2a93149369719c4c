// DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis's order-aware SHA-1 signatures of a dataset and of
// values, computed exactly as Redis 7.0 computes them, so the same data gives the same 40 hex
// digits on both servers (tests compare datasets across servers and across a reload with them).
//
// Two ways of adding bytes to a 20-byte digest: XOR-ing in their SHA-1 (order-free: set members,
// hash fields, the keys of a database) and MIX-ing (XOR, then replace the digest by its own SHA-1:
// order matters, as for list elements). SHA-1 comes from OpenSSL's libcrypto.
#ifndef STRATA_STORE_VALUE_DIGEST_H_
#define STRATA_STORE_VALUE_DIGEST_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/entry.h"
#include "store/keyspace.h"

namespace strata::store {

using Digest = std::array<uint8_t, 20>;

// XORs SHA1(bytes) into *digest.
void XorDigest(Digest* digest, std::string_view bytes);
// XorDigest, then *digest = SHA1(*digest).
void MixDigest(Digest* digest, std::string_view bytes);

// Mixes the value of `entry` into *digest as Redis's xorObjectDigest does: its type number, its
// elements (ordered for lists, XOR-ed per element for sets, hashes and sorted sets), and a marker
// when the key has a deadline. The key itself is not part of it. REQUIRES: the entry's stripe lock.
void DigestValue(const Entry& entry, Digest* digest);

// The digest of every database (Redis's computeDatasetDigest): all zeros when every database is
// empty. Keys past their deadline that are still stored count, as in Redis.
// REQUIRES: the caller holds every stripe of every database.
Digest DatasetDigest(Keyspace& keyspace);

// 40 lower-case hex digits.
std::string DigestHex(const Digest& digest);

}  // namespace strata::store

#endif  // STRATA_STORE_VALUE_DIGEST_H_
