#include "store/evictor.h"

#include <gtest/gtest.h>

#include <string>

#include "common/hash.h"
#include "keyspace_fixture.h"

namespace strata::store {
namespace {

class EvictorTest : public KeyspaceFixture {
 protected:
  EvictorTest() { keyspace_.AddObserver(&observer_); }

  size_t StripeOfKey(std::string_view key) { return StripeOf(HashKey(key)); }
  size_t Keys() { return keyspace_.DbSize(0); }
  bool Has(std::string_view key) { return Peek(key) != nullptr; }
  // Moves the clock and the keyspace's LRU clock on by `ms`.
  void Age(int64_t ms) {
    clock_.AdvanceMs(ms);
    keyspace_.Tick();
  }

  testing::RecordingObserver observer_;
  Evictor evictor_{&keyspace_};
};

TEST_F(EvictorTest, PoolKeepsTheLongestIdleLast) {
  keyspace_.set_eviction_policy(EvictionPolicy::kAllkeysLru);
  Put("old", "v", Encoding::kEmbStr);
  Age(50'000);
  Put("middle", "v", Encoding::kEmbStr);
  Age(50'000);
  Put("new", "v", Encoding::kEmbStr);
  for (const char* k : {"new", "old", "middle"}) evictor_.Populate(0, StripeOfKey(k), 64);
  ASSERT_EQ(evictor_.pool_size(), 3u);
  EXPECT_EQ(evictor_.pool_at(0).key, "new");
  EXPECT_EQ(evictor_.pool_at(1).key, "middle");
  EXPECT_EQ(evictor_.pool_at(2).key, "old");
  EXPECT_EQ(evictor_.pool_at(2).score, 100u);
}

TEST_F(EvictorTest, LruEvictsTheIdleKeyAndAnnouncesIt) {
  keyspace_.set_eviction_policy(EvictionPolicy::kAllkeysLru);
  Put("idle", "v", Encoding::kEmbStr);
  Age(100'000);
  Put("fresh", "v", Encoding::kEmbStr);
  observer_.Take();
  ASSERT_TRUE(evictor_.EvictOne(64));
  EXPECT_FALSE(Has("idle"));
  EXPECT_TRUE(Has("fresh"));
  EXPECT_EQ(observer_.Take(), std::vector<std::string>{"0:evicted:idle"});
  EXPECT_EQ(keyspace_.CounterTotals().evicted_keys, 1u);
}

TEST_F(EvictorTest, LfuEvictsTheLeastFrequentKey) {
  keyspace_.set_eviction_policy(EvictionPolicy::kAllkeysLfu);
  Put("rare", "v", Encoding::kEmbStr);
  Put("hot", "v", Encoding::kEmbStr);
  for (int i = 0; i < 200; ++i) Locked({"hot"}, [&] { db_.FindForRead("hot"); });
  ASSERT_TRUE(evictor_.EvictOne(64));
  EXPECT_FALSE(Has("rare"));
  EXPECT_TRUE(Has("hot"));
}

TEST_F(EvictorTest, VolatilePoliciesNeverTouchPersistentKeys) {
  for (EvictionPolicy p : {EvictionPolicy::kVolatileLru, EvictionPolicy::kVolatileLfu, EvictionPolicy::kVolatileRandom,
                           EvictionPolicy::kVolatileTtl}) {
    keyspace_.set_eviction_policy(p);
    for (int i = 0; i < 50; ++i) Put("p" + std::to_string(i), "v", Encoding::kEmbStr);
    for (int i = 0; i < 5; ++i) {
      Put("t" + std::to_string(i), "v", Encoding::kEmbStr, clock_.NowMs() + 100'000 + i);
    }
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(evictor_.EvictOne(5)) << static_cast<int>(p);
    EXPECT_FALSE(evictor_.EvictOne(5)) << "only persistent keys are left";
    EXPECT_EQ(Keys(), 50u);
    for (int i = 0; i < 50; ++i) EXPECT_TRUE(Has("p" + std::to_string(i)));
  }
}

TEST_F(EvictorTest, VolatileTtlPicksTheNearestDeadline) {
  keyspace_.set_eviction_policy(EvictionPolicy::kVolatileTtl);
  Put("late", "v", Encoding::kEmbStr, clock_.NowMs() + 900'000);
  Put("soon", "v", Encoding::kEmbStr, clock_.NowMs() + 1'000);
  Put("mid", "v", Encoding::kEmbStr, clock_.NowMs() + 60'000);
  ASSERT_TRUE(evictor_.EvictOne(64));
  EXPECT_FALSE(Has("soon"));
  ASSERT_TRUE(evictor_.EvictOne(64));
  EXPECT_FALSE(Has("mid"));
  EXPECT_TRUE(Has("late"));
}

TEST_F(EvictorTest, NoEvictionAndEmptyKeyspaceEvictNothing) {
  keyspace_.set_eviction_policy(EvictionPolicy::kAllkeysLru);
  EXPECT_FALSE(evictor_.EvictOne(5));
  Put("k", "v", Encoding::kEmbStr);
  keyspace_.set_eviction_policy(EvictionPolicy::kNoEviction);
  EXPECT_FALSE(evictor_.EvictOne(5));
  EXPECT_TRUE(Has("k"));
}

TEST_F(EvictorTest, FreeMemoryStopsWhenUnderTheLimit) {
  keyspace_.set_eviction_policy(EvictionPolicy::kAllkeysRandom);
  for (int i = 0; i < 100; ++i) Put("k" + std::to_string(i), "v", Encoding::kEmbStr);
  // "Over the limit" while more than 60 keys remain.
  EXPECT_EQ(evictor_.FreeMemory([&] { return Keys() > 60; }, 5, 1'000'000), Evictor::Result::kDone);
  EXPECT_EQ(Keys(), 60u);
  EXPECT_EQ(evictor_.FreeMemory([] { return true; }, 5, 1'000'000), Evictor::Result::kFailed);
  EXPECT_EQ(Keys(), 0u);
}

TEST_F(EvictorTest, SwitchingToLfuReinterpretsTheField) {
  keyspace_.set_eviction_policy(EvictionPolicy::kAllkeysLru);
  Put("k", "v", Encoding::kEmbStr);
  keyspace_.set_eviction_policy(EvictionPolicy::kAllkeysLfu);
  Put("k2", "v", Encoding::kEmbStr);
  const Entry* e = Peek("k2");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(LfuCounter(e->access()), kLfuInitCounter);
  EXPECT_EQ(e->access() >> 8, LfuMinutes(clock_.NowMs()));
}

}  // namespace
}  // namespace strata::store
