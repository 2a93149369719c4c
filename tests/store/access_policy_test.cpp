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

// VictimScore with the LRU policies' class bits left out (a small key, the small class under
// its share).
uint64_t Score(EvictionPolicy policy, uint32_t access, int64_t expire_ms, uint32_t lru_clock, uint32_t minutes) {
  return VictimScore(policy, access, MetaPack(false, 0), expire_ms, lru_clock, minutes, 1, false);
}

TEST(AccessPolicyTest, VictimScoreRanksTheRightKeyFirst) {
  // LRU: the longer idle, the better victim.
  EXPECT_GT(Score(EvictionPolicy::kAllkeysLru, 10, 0, 100, 0), Score(EvictionPolicy::kAllkeysLru, 90, 0, 100, 0));
  // LFU: the less frequent, the better victim.
  EXPECT_GT(Score(EvictionPolicy::kAllkeysLfu, LfuPack(5, 2), 0, 0, 5),
            Score(EvictionPolicy::kAllkeysLfu, LfuPack(5, 40), 0, 0, 5));
  // volatile-ttl: the nearer deadline, the better victim.
  EXPECT_GT(Score(EvictionPolicy::kVolatileTtl, 0, 1000, 0, 0), Score(EvictionPolicy::kVolatileTtl, 0, 5000, 0, 0));
}

TEST(AccessPolicyTest, MetaBitsCountHitsUpToThree) {
  uint16_t m = MetaPack(false, 0);
  EXPECT_FALSE(MetaIsMain(m));
  for (uint32_t want : {1u, 2u, 3u, 3u}) {
    m = MetaTouched(m);
    EXPECT_EQ(MetaHits(m), want);
  }
  EXPECT_FALSE(MetaIsMain(m)) << "a hit does not change the class";
  EXPECT_TRUE(MetaIsMain(MetaTouched(MetaPack(true, 0))));
}

TEST(AccessPolicyTest, LruScoreTakesTheClassFirstThenHitsThenIdle) {
  const auto score = [](uint16_t meta, uint32_t access, bool small_over) {
    return VictimScore(EvictionPolicy::kAllkeysLru, access, meta, 0, 1000, 0, 1, small_over);
  };
  const uint16_t small = MetaPack(false, 0);
  const uint16_t main = MetaPack(true, 0);
  // The small class over its share: a fresh small key goes before a long-idle main key.
  EXPECT_GT(score(small, 999, true), score(main, 0, true));
  // Under its share: main first.
  EXPECT_GT(score(main, 999, false), score(small, 0, false));
  // In one class, fewer hits first, then longer idle.
  EXPECT_GT(score(MetaPack(true, 0), 999, false), score(MetaPack(true, 2), 0, false));
  EXPECT_GT(score(main, 0, false), score(main, 999, false));
  // volatile-lru ranks the same way; LFU ignores the bits.
  EXPECT_EQ(VictimScore(EvictionPolicy::kVolatileLru, 0, small, 0, 1000, 0, 1, true), score(small, 0, true));
  EXPECT_EQ(VictimScore(EvictionPolicy::kAllkeysLfu, LfuPack(0, 9), main, 0, 0, 0, 1, true),
            VictimScore(EvictionPolicy::kAllkeysLfu, LfuPack(0, 9), small, 0, 0, 0, 1, false));
}

TEST(AccessPolicyTest, PolicyClasses) {
  EXPECT_TRUE(IsLfu(EvictionPolicy::kVolatileLfu));
  EXPECT_FALSE(IsLfu(EvictionPolicy::kAllkeysLru));
  EXPECT_TRUE(IsVolatileOnly(EvictionPolicy::kVolatileTtl));
  EXPECT_FALSE(IsVolatileOnly(EvictionPolicy::kAllkeysRandom));
  EXPECT_FALSE(IsVolatileOnly(EvictionPolicy::kNoEviction));
  EXPECT_TRUE(IsRandom(EvictionPolicy::kVolatileRandom));
  EXPECT_TRUE(UsesClasses(EvictionPolicy::kAllkeysLru));
  EXPECT_TRUE(UsesClasses(EvictionPolicy::kVolatileLru));
  EXPECT_FALSE(UsesClasses(EvictionPolicy::kAllkeysLfu));
  EXPECT_FALSE(UsesClasses(EvictionPolicy::kAllkeysRandom));
}

}  // namespace
}  // namespace strata::store
