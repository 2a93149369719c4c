#include "store/stripe_bytes.h"

#include <atomic>

#include "common/hash.h"

namespace strata::store {
namespace {

// One cache line per stripe: the thread changing a stripe's entries holds its lock (or owns the
// entry outright), so the lines are rarely shared between cores.
struct alignas(64) StripeCounter {
  std::atomic<int64_t> bytes{0};
};

StripeCounter g_stripe_bytes[kStripes];

}  // namespace

int64_t StripeEntryBytes(size_t stripe_index) { return g_stripe_bytes[stripe_index].bytes.load(std::memory_order_relaxed); }

void ChargeStripeBytes(std::string_view key, int64_t delta) {
  g_stripe_bytes[StripeOf(HashKey(key))].bytes.fetch_add(delta, std::memory_order_relaxed);
}

}  // namespace strata::store
