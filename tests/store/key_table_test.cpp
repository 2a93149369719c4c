#include "store/key_table.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/hash.h"
#include "store/keyspace.h"
#include "store_test_util.h"

namespace strata::store {
namespace {

using testing::CheckTableInvariants;
using testing::NewStringEntry;

// Owns the entries of a table for the length of a test.
class TableTest : public ::testing::Test {
 protected:
  ~TableTest() override { table_.DestroyAll(); }

  size_t Add(const std::string& key, int64_t expire_ms = kNoExpire) {
    Entry* e = NewStringEntry(key, "v:" + key, expire_ms);
    const size_t index = table_.Insert(HashKey(key), e);
    EXPECT_EQ(table_.At(index), e) << "Insert must return where the entry went";
    return index;
  }
  bool Has(const std::string& key) const { return table_.Find(HashKey(key), key) != KeyTable::kNotFound; }
  void Drop(const std::string& key) {
    const size_t i = table_.Find(HashKey(key), key);
    ASSERT_NE(i, KeyTable::kNotFound) << key;
    Entry* e = table_.Remove(i);
    EXPECT_EQ(e->key(), key);
    Entry::Destroy(e);
  }

  KeyTable table_{kStripeBits};
};

TEST_F(TableTest, EmptyTableFindsNothing) {
  EXPECT_EQ(table_.size(), 0u);
  EXPECT_EQ(table_.capacity(), 0u);
  EXPECT_FALSE(Has("a"));
  EXPECT_FALSE(Has(""));
}

TEST_F(TableTest, InsertFindRemove) {
  for (int i = 0; i < 1000; ++i) Add("key:" + std::to_string(i));
  EXPECT_EQ(table_.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "key:" + std::to_string(i);
    const size_t index = table_.Find(HashKey(key), key);
    ASSERT_NE(index, KeyTable::kNotFound) << key;
    EXPECT_EQ(table_.At(index)->string_value(), "v:" + key);
  }
  EXPECT_FALSE(Has("key:1000"));
  EXPECT_FALSE(Has("key:"));
  for (int i = 0; i < 1000; i += 2) Drop("key:" + std::to_string(i));
  EXPECT_EQ(table_.size(), 500u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(Has("key:" + std::to_string(i)), i % 2 == 1) << i;
  CheckTableInvariants(table_);
}

TEST_F(TableTest, EmptyKeyIsAKey) {
  Add("");
  EXPECT_TRUE(Has(""));
  Drop("");
  EXPECT_FALSE(Has(""));
}

TEST_F(TableTest, GrowsByHalfAndStaysUnderSevenEighths) {
  size_t last_capacity = 0;
  int growths = 0;
  for (int i = 0; i < 20000; ++i) {
    Add("g" + std::to_string(i));
    const size_t cap = table_.capacity();
    EXPECT_LE(table_.size() * 8, cap * 7) << "at " << i;
    if (cap != last_capacity) {
      if (last_capacity >= 8) {
        EXPECT_EQ(cap, last_capacity + last_capacity / 2);
      }
      last_capacity = cap;
      ++growths;
    }
  }
  EXPECT_GT(growths, 10);
  CheckTableInvariants(table_);
}

TEST_F(TableTest, ShrinksWhenAQuarterFull) {
  for (int i = 0; i < 4000; ++i) Add("s" + std::to_string(i));
  const size_t full = table_.capacity();
  for (int i = 0; i < 3990; ++i) {
    Drop("s" + std::to_string(i));
    // A shrink leaves the table half full; removals never leave it under a quarter.
    if (table_.capacity() > 8) {
      EXPECT_GE(table_.size() * 4, table_.capacity()) << "after " << i;
    }
  }
  EXPECT_LT(table_.capacity(), full / 16);
  CheckTableInvariants(table_);
  for (int i = 3990; i < 4000; ++i) EXPECT_TRUE(Has("s" + std::to_string(i)));
  for (int i = 3990; i < 4000; ++i) Drop("s" + std::to_string(i));
  EXPECT_EQ(table_.size(), 0u);
  EXPECT_LE(table_.capacity(), 8u) << "down to the minimum table";
  Add("again");
  EXPECT_TRUE(Has("again"));
}

// Random inserts and removals, checking the Robin Hood order and that backward-shift deletion
// leaves no holes as the table grows and shrinks through many sizes.
TEST_F(TableTest, InvariantsHoldUnderRandomChurn) {
  std::mt19937 rng(42);
  std::set<std::string> present;
  for (int step = 0; step < 30000; ++step) {
    // Grow for the first third, shrink for the second, mixed afterwards.
    const int insert_percent = step < 10000 ? 80 : step < 20000 ? 20 : 50;
    const std::string key = "r" + std::to_string(rng() % 6000);
    const bool insert = static_cast<int>(rng() % 100) < insert_percent;
    if (insert && !present.count(key)) {
      Add(key, rng() % 3 == 0 ? 1'000'000 : kNoExpire);
      present.insert(key);
    } else if (!insert && present.count(key)) {
      Drop(key);
      present.erase(key);
    }
    if (step % 1000 == 0) CheckTableInvariants(table_);
  }
  CheckTableInvariants(table_);
  EXPECT_EQ(table_.size(), present.size());
  for (const std::string& key : present) EXPECT_TRUE(Has(key)) << key;
}

// Keys whose hashes share their top bits all want the same few slots: a run longer than the 255
// a slot's distance field can hold must make the table grow until the run fits, losing nothing.
TEST(KeyTableOverflowTest, CraftedClusterForcesGrowthBeyondLoadFactor) {
  KeyTable table(0);  // homes come straight from the top bits of the hash
  std::vector<std::string> keys;
  for (uint64_t i = 0; keys.size() < 400; ++i) {
    std::string key = "c" + std::to_string(i);
    if ((HashKey(key) >> 56) == 0) keys.push_back(std::move(key));
  }
  for (const std::string& key : keys) {
    Entry* e = NewStringEntry(key, "x");
    const size_t index = table.Insert(HashKey(key), e);
    ASSERT_EQ(table.At(index), e) << "Insert must report the slot even after growing";
  }
  // By load alone 400 keys fit in under 700 slots. Their homes all lie in the first 1/256 of the
  // table and they form one run from there, so the last of them sits 399 slots in: its distance
  // stays within 255 only once that 1/256 spans at least 144 slots.
  EXPECT_GE(table.capacity(), 256u * 144);
  EXPECT_LE(CheckTableInvariants(table), 255u);
  for (const std::string& key : keys) EXPECT_NE(table.Find(HashKey(key), key), KeyTable::kNotFound) << key;

  // Removing them shrinks the table back through rebuilds that must also fit the cluster.
  for (size_t k = 0; k < keys.size() - 1; ++k) {
    Entry::Destroy(table.Remove(table.Find(HashKey(keys[k]), keys[k])));
  }
  EXPECT_LE(CheckTableInvariants(table), 255u);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_NE(table.Find(HashKey(keys.back()), keys.back()), KeyTable::kNotFound);
  table.DestroyAll();
}

TEST_F(TableTest, VolatileCountFollowsInsertReplaceRemove) {
  Add("p1");
  Add("v1", 5000);
  Add("v2", 6000);
  EXPECT_EQ(table_.volatile_count(), 2u);
  CheckTableInvariants(table_);

  // Replacing with an entry that gains or loses its deadline moves the count and the slot bit.
  size_t i = table_.Find(HashKey("p1"), "p1");
  Entry* old = table_.At(i);
  table_.Replace(i, Entry::MoveTo(old, "p1", 7000));
  EXPECT_TRUE(table_.IsVolatile(i));
  EXPECT_EQ(table_.volatile_count(), 3u);
  i = table_.Find(HashKey("v1"), "v1");
  table_.Replace(i, Entry::MoveTo(table_.At(i), "v1", kNoExpire));
  EXPECT_FALSE(table_.IsVolatile(i));
  EXPECT_EQ(table_.volatile_count(), 2u);
  i = table_.Find(HashKey("v2"), "v2");
  table_.Replace(i, Entry::MoveTo(table_.At(i), "v2", 9000));
  EXPECT_EQ(table_.volatile_count(), 2u);
  CheckTableInvariants(table_);

  Drop("v2");
  EXPECT_EQ(table_.volatile_count(), 1u);
  Drop("v1");
  EXPECT_EQ(table_.volatile_count(), 1u);
  Drop("p1");
  EXPECT_EQ(table_.volatile_count(), 0u);
}

TEST_F(TableTest, VolatileCountSurvivesRebuilds) {
  for (int i = 0; i < 3000; ++i) Add("k" + std::to_string(i), i % 4 == 0 ? 100 : kNoExpire);
  EXPECT_EQ(table_.volatile_count(), 750u);
  for (int i = 0; i < 2800; ++i) Drop("k" + std::to_string(i));
  EXPECT_EQ(table_.volatile_count(), 50u);
  CheckTableInvariants(table_);
}

TEST_F(TableTest, SwapExchangesEverything) {
  KeyTable other(kStripeBits);
  for (int i = 0; i < 100; ++i) Add("mine" + std::to_string(i), i < 10 ? 100 : kNoExpire);
  for (int i = 0; i < 7; ++i) {
    const std::string key = "theirs" + std::to_string(i);
    other.Insert(HashKey(key), NewStringEntry(key, "t", 100));
  }
  const size_t my_capacity = table_.capacity();
  const size_t their_capacity = other.capacity();
  table_.Swap(&other);
  EXPECT_EQ(table_.size(), 7u);
  EXPECT_EQ(table_.volatile_count(), 7u);
  EXPECT_EQ(table_.capacity(), their_capacity);
  EXPECT_EQ(other.size(), 100u);
  EXPECT_EQ(other.volatile_count(), 10u);
  EXPECT_EQ(other.capacity(), my_capacity);
  EXPECT_TRUE(Has("theirs3"));
  EXPECT_FALSE(Has("mine3"));
  EXPECT_NE(other.Find(HashKey("mine3"), "mine3"), KeyTable::kNotFound);
  CheckTableInvariants(table_);
  CheckTableInvariants(other);
  other.DestroyAll();
}

TEST_F(TableTest, TrackerCountsTablesHoldingTtlKeys) {
  std::atomic<int64_t> tracker{0};
  table_.set_volatile_tracker(&tracker);
  Add("plain");
  EXPECT_EQ(tracker.load(), 0);
  Add("ttl1", 100);
  Add("ttl2", 100);
  EXPECT_EQ(tracker.load(), 1);  // one table, however many TTL keys
  Drop("ttl1");
  EXPECT_EQ(tracker.load(), 1);
  Drop("ttl2");
  EXPECT_EQ(tracker.load(), 0);

  // Swapping moves contents, not trackers: each tracker follows what its own table now holds.
  KeyTable other(kStripeBits);
  std::atomic<int64_t> other_tracker{0};
  other.set_volatile_tracker(&other_tracker);
  other.Insert(HashKey("theirs"), NewStringEntry("theirs", "t", 100));
  EXPECT_EQ(other_tracker.load(), 1);
  table_.Swap(&other);
  EXPECT_EQ(tracker.load(), 1);
  EXPECT_EQ(other_tracker.load(), 0);
  table_.DestroyAll();
  EXPECT_EQ(tracker.load(), 0);
  other.DestroyAll();
}

TEST_F(TableTest, DestroyAllEmptiesTheTable) {
  for (int i = 0; i < 50; ++i) Add("d" + std::to_string(i), 100);
  table_.DestroyAll();
  EXPECT_EQ(table_.size(), 0u);
  EXPECT_EQ(table_.volatile_count(), 0u);
  EXPECT_EQ(table_.capacity(), 0u);
  EXPECT_FALSE(Has("d1"));
}

// SCAN turns cursors into slot ranges with HomeOf and back with FirstOffsetAtOrAfter: homes must
// be monotone in the hash, and the offset must be the exact boundary.
TEST_F(TableTest, HomesAreMonotoneAndOffsetsExact) {
  for (int i = 0; i < 777; ++i) Add("h" + std::to_string(i));
  const size_t cap = table_.capacity();
  const uint64_t stripe_base = uint64_t{5} << (64 - kStripeBits);
  const uint64_t stripe_span = uint64_t{1} << (64 - kStripeBits);
  std::mt19937_64 rng(7);
  for (int n = 0; n < 2000; ++n) {
    const uint64_t a = stripe_base + rng() % stripe_span;
    const uint64_t b = stripe_base + rng() % stripe_span;
    if (a <= b) {
      EXPECT_LE(table_.HomeOf(a), table_.HomeOf(b));
    } else {
      EXPECT_GE(table_.HomeOf(a), table_.HomeOf(b));
    }
  }
  EXPECT_EQ(table_.FirstOffsetAtOrAfter(0), 0u);
  EXPECT_EQ(table_.FirstOffsetAtOrAfter(cap), stripe_span);
  for (size_t index = 1; index < cap; index += 1 + index / 16) {
    const uint64_t offset = table_.FirstOffsetAtOrAfter(index);
    EXPECT_GE(table_.HomeOf(stripe_base + offset), index);
    EXPECT_LT(table_.HomeOf(stripe_base + offset - 1), index);
  }
}

}  // namespace
}  // namespace strata::store
