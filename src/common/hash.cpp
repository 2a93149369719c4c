#include "common/hash.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace strata {
namespace {
uint64_t g_seed = 0x5f3759df9e3779b9ULL;
}  // namespace

void SetHashSeed(uint64_t seed) { g_seed = seed; }

uint64_t HashKey(std::string_view key) { return XXH3_64bits_withSeed(key.data(), key.size(), g_seed); }

uint64_t HashStable(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }

}  // namespace strata
