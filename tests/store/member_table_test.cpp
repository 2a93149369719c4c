#include "store/member_table.h"

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace strata::store {
namespace {

std::multiset<std::string> Contents(const MemberTable& t) {
  std::multiset<std::string> out;
  for (size_t i = 0; i < t.capacity(); ++i) {
    if (t.Occupied(i)) out.emplace(t.At(i));
  }
  return out;
}

// The table's load stays between 1/4 and 7/8 (tiny tables excepted), so a random slot holds a
// member with probability at least 1/4.
void ExpectLoadBounds(const MemberTable& t) {
  EXPECT_LE(t.size() * 8, t.capacity() * 7);
  if (t.capacity() > 4) {
    EXPECT_GE(t.size() * 4, t.capacity());
  }
}

// Runs a whole SCAN with `count`, calling `between` after each step; returns how often each
// member was visited.
template <typename F>
std::map<std::string, int> ScanAll(const MemberTable& t, size_t count, F between) {
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  int steps = 0;
  do {
    cursor = t.Scan(cursor, count, [&](std::string_view m) { ++seen[std::string(m)]; });
    between();
    EXPECT_LT(++steps, 1'000'000) << "scan does not terminate";
    if (steps >= 1'000'000) break;
  } while (cursor != 0);
  return seen;
}

std::string Member(int i) { return "member:" + std::to_string(i); }

TEST(MemberTable, InsertFindErase) {
  MemberTable t;
  EXPECT_EQ(t.Find("a"), MemberTable::kNotFound);
  EXPECT_TRUE(t.Insert("a"));
  EXPECT_FALSE(t.Insert("a"));
  EXPECT_TRUE(t.Insert(""));
  EXPECT_TRUE(t.Insert(std::string("a\0b", 3)));
  EXPECT_TRUE(t.Contains(""));
  EXPECT_TRUE(t.Contains(std::string("a\0b", 3)));
  EXPECT_FALSE(t.Contains(std::string("a\0c", 3)));
  EXPECT_EQ(t.size(), 3u);
  EXPECT_TRUE(t.Erase("a"));
  EXPECT_FALSE(t.Erase("a"));
  EXPECT_FALSE(t.Contains("a"));
  EXPECT_EQ(t.size(), 2u);
}

TEST(MemberTable, InlineAndLongMembersAtTheBoundary) {
  MemberTable t;
  const std::string at_limit(MemberTable::kMaxInline, 'x');
  const std::string beyond(MemberTable::kMaxInline + 1, 'x');
  const std::string longer(1000, 'y');
  EXPECT_TRUE(t.Insert(at_limit));
  const size_t inline_only = t.MemoryUsage();
  EXPECT_TRUE(t.Insert(beyond));
  EXPECT_TRUE(t.Insert(longer));
  EXPECT_GE(t.MemoryUsage(), inline_only + beyond.size() + longer.size());
  EXPECT_TRUE(t.Contains(at_limit));
  EXPECT_TRUE(t.Contains(beyond));
  EXPECT_TRUE(t.Contains(longer));
  EXPECT_FALSE(t.Contains(std::string(MemberTable::kMaxInline + 1, 'z')));
  EXPECT_FALSE(t.Contains(std::string(999, 'y')));
  EXPECT_EQ(Contents(t), (std::multiset<std::string>{at_limit, beyond, longer}));
  EXPECT_TRUE(t.Erase(longer));
  EXPECT_TRUE(t.Erase(beyond));
  EXPECT_TRUE(t.Erase(at_limit));
  EXPECT_EQ(t.MemoryUsage(), 0u);
}

TEST(MemberTable, MatchesAReferenceSetUnderRandomOperations) {
  std::mt19937_64 rng(7);
  MemberTable t;
  std::set<std::string> model;
  for (int step = 0; step < 60000; ++step) {
    // Lengths on both sides of the inline limit; a small key space so that finds hit.
    const size_t len = rng() % 40;
    std::string m = std::to_string(rng() % 3000);
    m.resize(len, static_cast<char>('a' + len % 26));
    // Grow for the first half, then mostly shrink.
    const bool erase = step < 30000 ? rng() % 4 == 0 : rng() % 4 != 0;
    if (erase) {
      EXPECT_EQ(t.Erase(m), model.erase(m) == 1);
    } else {
      EXPECT_EQ(t.Insert(m), model.insert(m).second);
    }
    if (step % 1000 == 0) ExpectLoadBounds(t);
  }
  EXPECT_EQ(t.size(), model.size());
  EXPECT_EQ(Contents(t), std::multiset<std::string>(model.begin(), model.end()));
  for (const std::string& m : model) EXPECT_TRUE(t.Contains(m));
}

TEST(MemberTable, ReserveAvoidsGrowth) {
  MemberTable t;
  t.Reserve(1000);
  const size_t capacity = t.capacity();
  for (int i = 0; i < 1000; ++i) t.Insert(Member(i));
  EXPECT_EQ(t.capacity(), capacity);
}

TEST(MemberTable, CopyIsDeep) {
  MemberTable t;
  for (int i = 0; i < 100; ++i) t.Insert(Member(i) + std::string(i % 30, 'p'));
  MemberTable copy;
  copy.CopyFrom(t);
  EXPECT_EQ(Contents(copy), Contents(t));
  // The allocator may round differently (glibc reuses larger free chunks), but the copy holds
  // the same slots and its own long members.
  size_t long_bytes = 0;
  for (int i = 0; i < 100; ++i) {
    const size_t len = Member(i).size() + i % 30;
    if (len > MemberTable::kMaxInline) long_bytes += len;
  }
  EXPECT_GE(copy.MemoryUsage(), copy.capacity() * 17 + long_bytes);
  for (int i = 0; i < 50; ++i) copy.Erase(Member(i) + std::string(i % 30, 'p'));
  EXPECT_EQ(t.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(t.Contains(Member(i) + std::string(i % 30, 'p')));
}

TEST(MemberTable, RandomSlotIsUniform) {
  MemberTable t;
  for (int i = 0; i < 8; ++i) t.Insert(Member(i));
  std::mt19937_64 rng(1);
  std::map<std::string, int> hits;
  constexpr int kDraws = 80000;
  for (int i = 0; i < kDraws; ++i) ++hits[std::string(t.At(t.RandomSlot(rng)))];
  ASSERT_EQ(hits.size(), 8u);
  // Expected 10000 each, standard deviation about 94.
  for (const auto& [member, n] : hits) {
    EXPECT_GT(n, 9400) << member;
    EXPECT_LT(n, 10600) << member;
  }
}

TEST(MemberTable, ScanVisitsEachMemberOnce) {
  MemberTable t;
  for (int i = 0; i < 5000; ++i) t.Insert(Member(i));
  for (size_t count : {1, 10, 100, 10000}) {
    const auto seen = ScanAll(t, count, [] {});
    ASSERT_EQ(seen.size(), 5000u) << count;
    for (const auto& [m, n] : seen) EXPECT_EQ(n, 1) << m;
  }
  MemberTable empty;
  EXPECT_EQ(empty.Scan(0, 10, [](std::string_view) { ADD_FAILURE(); }), 0u);
  // A cursor past the hash space ends the scan.
  EXPECT_EQ(t.Scan(uint64_t{1} << 50, 10, [](std::string_view) { ADD_FAILURE(); }), 0u);
}

TEST(MemberTable, ScanStaysExactWhileTheTableGrows) {
  MemberTable t;
  for (int i = 0; i < 1000; ++i) t.Insert(Member(i));
  int next = 1000;
  const size_t capacity_before = t.capacity();
  const auto seen = ScanAll(t, 10, [&] {
    for (int k = 0; k < 20; ++k) t.Insert(Member(next++));
  });
  EXPECT_GT(t.capacity(), capacity_before * 4);
  for (int i = 0; i < 1000; ++i) {
    const auto it = seen.find(Member(i));
    ASSERT_NE(it, seen.end()) << Member(i);
    EXPECT_EQ(it->second, 1) << Member(i);
  }
  for (const auto& [m, n] : seen) EXPECT_EQ(n, 1) << m;
}

TEST(MemberTable, ScanStaysExactWhileTheTableShrinks) {
  MemberTable t;
  for (int i = 0; i < 20000; ++i) t.Insert(Member(i));
  // Members below 500 stay; the others go, a few hundred per step.
  int doomed = 19999;
  const size_t capacity_before = t.capacity();
  const auto seen = ScanAll(t, 10, [&] {
    for (int k = 0; k < 300 && doomed >= 500; ++k) t.Erase(Member(doomed--));
  });
  EXPECT_LT(t.capacity() * 8, capacity_before);
  for (int i = 0; i < 500; ++i) {
    const auto it = seen.find(Member(i));
    ASSERT_NE(it, seen.end()) << Member(i);
    EXPECT_EQ(it->second, 1) << Member(i);
  }
}

}  // namespace
}  // namespace strata::store
