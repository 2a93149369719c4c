#include "store/access_policy.h"

#include <limits>

namespace strata::store {

uint32_t LfuDecayed(uint32_t access, uint32_t now_minutes, int64_t decay_time) {
  const uint32_t counter = LfuCounter(access);
  if (decay_time <= 0) return counter;
  const uint64_t periods = LfuElapsedMinutes(now_minutes, access >> 8 & 0xffff) / static_cast<uint64_t>(decay_time);
  return periods >= counter ? 0 : counter - static_cast<uint32_t>(periods);
}

uint32_t LfuIncremented(uint32_t counter, int64_t log_factor, double uniform) {
  if (counter >= 255) return 255;
  const double base = counter > kLfuInitCounter ? counter - kLfuInitCounter : 0;
  const double p = 1.0 / (base * static_cast<double>(log_factor) + 1.0);
  return uniform < p ? counter + 1 : counter;
}

uint32_t LfuTouched(uint32_t access, int64_t now_ms, int64_t log_factor, int64_t decay_time, double uniform) {
  const uint32_t minutes = LfuMinutes(now_ms);
  return LfuPack(minutes, LfuIncremented(LfuDecayed(access, minutes, decay_time), log_factor, uniform));
}

uint64_t VictimScore(EvictionPolicy policy, uint32_t access, uint16_t meta, int64_t expire_ms, uint32_t lru_clock,
                     uint32_t lfu_minutes, int64_t decay_time, bool small_over) {
  switch (policy) {
    case EvictionPolicy::kVolatileLfu:
    case EvictionPolicy::kAllkeysLfu:
      return 255 - LfuDecayed(access, lfu_minutes, decay_time);
    case EvictionPolicy::kVolatileTtl:
      return std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(expire_ms);
    case EvictionPolicy::kVolatileLru:
    case EvictionPolicy::kAllkeysLru: {
      const uint64_t first_class = MetaIsMain(meta) != small_over ? 1 : 0;
      return first_class << 40 | uint64_t{kMetaMaxHits - MetaHits(meta)} << 32 | LruIdleSeconds(access, lru_clock);
    }
    default:
      return LruIdleSeconds(access, lru_clock);
  }
}

}  // namespace strata::store
