// The key hash: one 64-bit hash per key picks the stripe, the slot and the SCAN position.
#ifndef STRATA_COMMON_HASH_H_
#define STRATA_COMMON_HASH_H_

#include <cstdint>
#include <string_view>

namespace strata {

// Seeds the key hash. Called once at start-up before any key is hashed (a per-process random seed
// keeps crafted keys from colliding on purpose); tests may leave the default.
void SetHashSeed(uint64_t seed);

// XXH3 of `key` under the process seed. Thread-safe after SetHashSeed.
uint64_t HashKey(std::string_view key);

// Hash of `data` with a fixed seed, for uses that must be stable across processes.
uint64_t HashStable(std::string_view data);

}  // namespace strata

#endif  // STRATA_COMMON_HASH_H_
