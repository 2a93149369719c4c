#include "store/evictor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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
  uint16_t Meta(std::string_view key) { return Peek(key)->meta(); }
  void Read(std::string_view key) {
    Locked({key}, [&] { db_.FindForRead(key); });
  }
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
  EXPECT_EQ(evictor_.pool_at(2).score & 0xffffffff, 100u) << "the idle seconds are the score's low bits";
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

TEST_F(EvictorTest, LruKeysStartSmallAndCountHitsKeepingTheIdleClock) {
  keyspace_.set_eviction_policy(EvictionPolicy::kAllkeysLru);
  Put("k", "v", Encoding::kEmbStr);
  EXPECT_EQ(Meta("k"), MetaPack(false, 0));
  Age(5'000);
  Read("k");
  EXPECT_EQ(Meta("k"), MetaPack(false, 1));
  // The access field stays the LRU clock: OBJECT IDLETIME reads it.
  EXPECT_EQ(Peek("k")->access(), keyspace_.lru_clock());
  Read("k");
  Read("k");
  Read("k");
  EXPECT_EQ(MetaHits(Meta("k")), kMetaMaxHits);
  // Overwriting a present key is a hit; RENAME keeps the bits.
  Put("k", "w", Encoding::kEmbStr);
  EXPECT_EQ(Meta("k"), MetaPack(false, 3));
  Locked({"k", "k2"}, [&] {
    EntryRef ref = db_.FindForWrite("k");
    Entry* e = db_.Detach(&ref);
    db_.Insert(Entry::MoveTo(e, "k2", kNoExpire), Access::kKeep);
  });
  EXPECT_EQ(Meta("k2"), MetaPack(false, 3));
  // Under LFU the bits are left alone.
  keyspace_.set_eviction_policy(EvictionPolicy::kAllkeysLfu);
  Put("f", "v", Encoding::kEmbStr);
  Read("f");
  EXPECT_EQ(Meta("f"), MetaPack(false, 0));
}

TEST_F(EvictorTest, SmallClassEvictsUnhitKeysAndPromotesHitOnes) {
  keyspace_.set_eviction_policy(EvictionPolicy::kAllkeysLru);
  Put("b", "v", Encoding::kEmbStr);
  Age(10'000);
  Put("c", "v", Encoding::kEmbStr);
  Age(10'000);
  Put("a", "v", Encoding::kEmbStr);
  Read("a");
  // Every key small: the unhit ones go first, the idle longest first.
  ASSERT_TRUE(evictor_.EvictOne(64));
  EXPECT_FALSE(Has("b"));
  ASSERT_TRUE(evictor_.EvictOne(64));
  EXPECT_FALSE(Has("c"));
  EXPECT_TRUE(Has("a"));
  // Beside a main key (back from the ghost table), the small class is over its share and looked
  // at first: "a" was hit, so it is promoted instead of evicted, and the main key goes.
  keyspace_.ghost().Add(HashKey("m"));
  Put("m", "v", Encoding::kEmbStr);
  ASSERT_EQ(Meta("m"), MetaPack(true, 0));
  ASSERT_TRUE(evictor_.EvictOne(64));
  EXPECT_EQ(Meta("a"), MetaPack(true, 0));
  EXPECT_FALSE(Has("m"));
}

TEST_F(EvictorTest, EvictedSmallKeysComeBackToMain) {
  keyspace_.set_eviction_policy(EvictionPolicy::kAllkeysLru);
  Put("gone", "v", Encoding::kEmbStr);
  Age(10'000);
  Put("stay", "v", Encoding::kEmbStr);
  ASSERT_TRUE(evictor_.EvictOne(64));
  ASSERT_FALSE(Has("gone"));
  EXPECT_GE(keyspace_.ghost().slots(), GhostTable::kMinSlots) << "sized at the first eviction";
  Put("gone", "v", Encoding::kEmbStr);
  EXPECT_EQ(Meta("gone"), MetaPack(true, 0)) << "a ghost hit goes to main";
  Put("never", "v", Encoding::kEmbStr);
  EXPECT_EQ(Meta("never"), MetaPack(false, 0));
  // A ghost is used once.
  Locked({"gone"}, [&] {
    EntryRef ref = db_.FindForWrite("gone");
    db_.Erase(&ref);
  });
  Put("gone", "v", Encoding::kEmbStr);
  EXPECT_EQ(Meta("gone"), MetaPack(false, 0));
}

TEST_F(EvictorTest, LfuKeysBackFromTheGhostTableStartOneHigher) {
  keyspace_.set_eviction_policy(EvictionPolicy::kAllkeysLfu);
  Put("gone", "v", Encoding::kEmbStr);
  Put("hot", "v", Encoding::kEmbStr);
  for (int i = 0; i < 50; ++i) Read("hot");
  ASSERT_TRUE(evictor_.EvictOne(64));
  ASSERT_FALSE(Has("gone"));
  Put("gone", "v", Encoding::kEmbStr);
  EXPECT_EQ(LfuCounter(Peek("gone")->access()), kLfuReturnCounter);
  Put("new", "v", Encoding::kEmbStr);
  EXPECT_EQ(LfuCounter(Peek("new")->access()), kLfuInitCounter);
}

TEST_F(EvictorTest, MainKeysSpendTheirHitsBeforeEviction) {
  keyspace_.set_eviction_policy(EvictionPolicy::kAllkeysLru);
  // Two main keys (back from the ghost table); "hot" idle longer but hit twice.
  keyspace_.ghost().Reserve(1);
  for (const char* k : {"hot", "cold"}) keyspace_.ghost().Add(HashKey(k));
  Put("hot", "v", Encoding::kEmbStr);
  Read("hot");
  Read("hot");
  Age(10'000);
  Put("cold", "v", Encoding::kEmbStr);
  Age(10'000);
  ASSERT_EQ(Meta("hot"), MetaPack(true, 2));
  ASSERT_EQ(Meta("cold"), MetaPack(true, 0));
  ASSERT_TRUE(evictor_.EvictOne(64));
  EXPECT_TRUE(Has("hot"));
  EXPECT_FALSE(Has("cold"));
  // Alone, "hot" spends its two hits, one per look, then goes.
  ASSERT_TRUE(evictor_.EvictOne(64));
  EXPECT_EQ(Keys(), 0u);
  // Main-class victims leave no ghost: back, they start small.
  Put("cold", "v", Encoding::kEmbStr);
  EXPECT_EQ(Meta("cold"), MetaPack(false, 0));
}

TEST_F(EvictorTest, OneEvictionReprievesABoundedNumberOfKeys) {
  keyspace_.set_eviction_policy(EvictionPolicy::kAllkeysLru);
  keyspace_.ghost().Reserve(4096);
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) keys.push_back("k" + std::to_string(i));
  for (const std::string& k : keys) {
    keyspace_.ghost().Add(HashKey(k));
    Put(k, "v", Encoding::kEmbStr);
    for (int r = 0; r < 3; ++r) Read(k);
  }
  ASSERT_TRUE(evictor_.EvictOne(5));
  EXPECT_EQ(Keys(), 299u);
  size_t spent = 0;
  for (const std::string& k : keys) {
    if (Has(k)) spent += kMetaMaxHits - MetaHits(Meta(k));
  }
  EXPECT_GT(spent, 0u);
  EXPECT_LE(spent, 64u);
}

TEST_F(EvictorTest, VolatileLruUsesTheClassesToo) {
  keyspace_.set_eviction_policy(EvictionPolicy::kVolatileLru);
  Put("persistent", "v", Encoding::kEmbStr);
  Put("t1", "v", Encoding::kEmbStr, clock_.NowMs() + 900'000);
  Age(10'000);
  Put("t2", "v", Encoding::kEmbStr, clock_.NowMs() + 900'000);
  Read("t1");
  ASSERT_TRUE(evictor_.EvictOne(64));
  EXPECT_TRUE(Has("t1")) << "hit, so promoted rather than evicted";
  EXPECT_FALSE(Has("t2"));
  EXPECT_TRUE(Has("persistent"));
}

}  // namespace
}  // namespace strata::store
