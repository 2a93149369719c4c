#include "store/intset.h"

#include <random>
#include <set>

#include <gtest/gtest.h>

namespace strata::store {
namespace {

std::set<int64_t> Contents(const IntSet& s) {
  std::set<int64_t> out;
  for (size_t i = 0; i < s.size(); ++i) out.insert(s.At(i));
  return out;
}

bool Ascending(const IntSet& s) {
  for (size_t i = 1; i < s.size(); ++i) {
    if (s.At(i - 1) >= s.At(i)) return false;
  }
  return true;
}

TEST(IntSet, KeepsDistinctValuesInOrder) {
  IntSet s;
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.Contains(0));
  EXPECT_TRUE(s.Insert(5));
  EXPECT_TRUE(s.Insert(-3));
  EXPECT_TRUE(s.Insert(1));
  EXPECT_FALSE(s.Insert(5));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s.At(0), -3);
  EXPECT_EQ(s.At(1), 1);
  EXPECT_EQ(s.At(2), 5);
  EXPECT_TRUE(s.Contains(1));
  EXPECT_FALSE(s.Contains(2));
}

TEST(IntSet, WidensForLargeValuesAtEitherEnd) {
  IntSet s;
  s.Insert(7);
  s.Insert(-7);
  const size_t narrow = s.MemoryUsage();
  EXPECT_TRUE(s.Insert(100000));  // needs 32 bits, goes last
  EXPECT_TRUE(s.Insert(-5'000'000'000));  // needs 64 bits, goes first
  EXPECT_TRUE(s.Insert(INT64_MAX));
  EXPECT_TRUE(s.Insert(INT64_MIN));
  EXPECT_EQ(Contents(s), (std::set<int64_t>{INT64_MIN, -5'000'000'000, -7, 7, 100000, INT64_MAX}));
  EXPECT_TRUE(Ascending(s));
  EXPECT_GE(s.MemoryUsage(), narrow);
  // A value wider than every element is never found, and removing it changes nothing.
  IntSet small;
  small.Insert(1);
  EXPECT_FALSE(small.Contains(1LL << 40));
  EXPECT_FALSE(small.Erase(1LL << 40));
  EXPECT_EQ(small.size(), 1u);
}

TEST(IntSet, EraseToEmptyFreesTheArray) {
  IntSet s;
  s.Insert(1);
  s.Insert(2);
  EXPECT_TRUE(s.Erase(1));
  EXPECT_FALSE(s.Erase(1));
  EXPECT_EQ(s.size(), 1u);
  s.EraseAt(0);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.MemoryUsage(), 0u);
  EXPECT_TRUE(s.Insert(3));
  EXPECT_EQ(s.At(0), 3);
}

TEST(IntSet, MatchesAReferenceSetUnderRandomOperations) {
  std::mt19937_64 rng(42);
  IntSet s;
  std::set<int64_t> model;
  const int64_t ranges[] = {100, 40000, 3'000'000'000LL, INT64_MAX};
  for (int step = 0; step < 20000; ++step) {
    const int64_t range = ranges[step / 5000];
    const int64_t v = static_cast<int64_t>(rng() % static_cast<uint64_t>(range)) * (rng() % 2 ? 1 : -1);
    if (rng() % 3 == 0) {
      EXPECT_EQ(s.Erase(v), model.erase(v) == 1);
    } else {
      EXPECT_EQ(s.Insert(v), model.insert(v).second);
    }
  }
  EXPECT_EQ(Contents(s), model);
  EXPECT_TRUE(Ascending(s));
  IntSet copy;
  copy.CopyFrom(s);
  EXPECT_EQ(Contents(copy), model);
}

}  // namespace
}  // namespace strata::store
