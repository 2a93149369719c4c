#include "store/access_policy.h"

#include <gtest/gtest.h>

namespace strata::store {
namespace {

TEST(AccessPolicyTest, LruIdleIsClockDistanceAndNeverNegative) {
  EXPECT_EQ(LruIdleSeconds(100, 130), 30u);
  EXPECT_EQ(LruIdleSeconds(130, 100), 0u);  // stamped by a thread that read a newer clock
}

TEST(AccessPolicyTest, LfuIncrementIsCertainNearInitAndRareWhenHigh) {
  EXPECT_EQ(LfuIncremented(0, 10, 0.999), 1u);  // at or below the initial value: always
  EXPECT_EQ(LfuIncremented(kLfuInitCounter, 10, 0.999), kLfuInitCounter + 1);
  // At 105 with factor 10 the chance is 1 / 1001.
  EXPECT_EQ(LfuIncremented(105, 10, 0.0005), 106u);
  EXPECT_EQ(LfuIncremented(105, 10, 0.002), 105u);
  EXPECT_EQ(LfuIncremented(255, 0, 0.0), 255u);  // saturates
}

TEST(AccessPolicyTest, LfuCounterGrowsLogarithmically) {
  uint32_t counter = kLfuInitCounter;
  double u = 0.0;
  for (int i = 0; i < 100000; ++i) {
    u += 0.6180339887;  // an even spread of draws in [0, 1)
    if (u >= 1) u -= 1;
    counter = LfuIncremented(counter, 10, u);
  }
  // Redis's table for factor 10: 142 after 100K hits, 255 only after 1M.
  EXPECT_GT(counter, 125u);
  EXPECT_LT(counter, 160u);
}

TEST(AccessPolicyTest, LfuDecaysOnePerDecayPeriod) {
  const uint32_t access = LfuPack(1000, 20);
  EXPECT_EQ(LfuDecayed(access, 1000, 1), 20u);
  EXPECT_EQ(LfuDecayed(access, 1007, 1), 13u);
  EXPECT_EQ(LfuDecayed(access, 1007, 2), 17u);
  EXPECT_EQ(LfuDecayed(access, 1100, 1), 0u);
  EXPECT_EQ(LfuDecayed(access, 1100, 0), 20u);  // lfu-decay-time 0: never decays
  // The minutes clock wraps at 2^16.
  EXPECT_EQ(LfuDecayed(LfuPack(65530, 20), 4, 1), 10u);
}

TEST(AccessPolicyTest, LfuTouchedRestampsTheMinute) {
  const int64_t now_ms = int64_t{1'700'000'000'000};
  const uint32_t touched = LfuTouched(LfuPack(LfuMinutes(now_ms) - 3, 10), now_ms, 10, 1, 0.0);
  EXPECT_EQ(touched >> 8, LfuMinutes(now_ms));
  EXPECT_EQ(LfuCounter(touched), 8u);  // decayed by 3, then incremented (draw 0 always wins)
}

TEST(AccessPolicyTest, VictimScoreRanksTheRightKeyFirst) {
  // LRU: the longer idle, the better victim.
  EXPECT_GT(VictimScore(EvictionPolicy::kAllkeysLru, 10, 0, 100, 0, 1),
            VictimScore(EvictionPolicy::kAllkeysLru, 90, 0, 100, 0, 1));
  // LFU: the less frequent, the better victim.
  EXPECT_GT(VictimScore(EvictionPolicy::kAllkeysLfu, LfuPack(5, 2), 0, 0, 5, 1),
            VictimScore(EvictionPolicy::kAllkeysLfu, LfuPack(5, 40), 0, 0, 5, 1));
  // volatile-ttl: the nearer deadline, the better victim.
  EXPECT_GT(VictimScore(EvictionPolicy::kVolatileTtl, 0, 1000, 0, 0, 1),
            VictimScore(EvictionPolicy::kVolatileTtl, 0, 5000, 0, 0, 1));
}

TEST(AccessPolicyTest, PolicyClasses) {
  EXPECT_TRUE(IsLfu(EvictionPolicy::kVolatileLfu));
  EXPECT_FALSE(IsLfu(EvictionPolicy::kAllkeysLru));
  EXPECT_TRUE(IsVolatileOnly(EvictionPolicy::kVolatileTtl));
  EXPECT_FALSE(IsVolatileOnly(EvictionPolicy::kAllkeysRandom));
  EXPECT_FALSE(IsVolatileOnly(EvictionPolicy::kNoEviction));
  EXPECT_TRUE(IsRandom(EvictionPolicy::kVolatileRandom));
}

}  // namespace
}  // namespace strata::store
