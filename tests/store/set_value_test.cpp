#include "store/set_value.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace strata::store {
namespace {

constexpr int64_t kLimit = 512;

std::vector<std::string> Members(const SetValue& s) {
  std::vector<std::string> out;
  s.ForEach([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

std::set<std::string> MemberSet(const SetValue& s) {
  const std::vector<std::string> v = Members(s);
  return std::set<std::string>(v.begin(), v.end());
}

TEST(SetValue, StartsAsAnEmptyIntset) {
  SetValue s;
  EXPECT_EQ(s.encoding(), Encoding::kIntset);
  EXPECT_TRUE(s.empty());
  EXPECT_FALSE(s.Contains("1"));
}

TEST(SetValue, IntegersStayAnIntsetInAscendingOrder) {
  SetValue s;
  for (const char* m : {"30", "-5", "7", "9223372036854775807", "-9223372036854775808", "0"}) {
    EXPECT_TRUE(s.Add(m, kLimit)) << m;
  }
  EXPECT_FALSE(s.Add("7", kLimit));
  EXPECT_EQ(s.encoding(), Encoding::kIntset);
  EXPECT_EQ(Members(s), (std::vector<std::string>{"-9223372036854775808", "-5", "0", "7", "30",
                                                  "9223372036854775807"}));
  EXPECT_TRUE(s.Contains("30"));
  EXPECT_FALSE(s.Contains("31"));
  EXPECT_TRUE(s.Remove("30"));
  EXPECT_FALSE(s.Remove("30"));
  EXPECT_FALSE(s.Remove("abc"));
  EXPECT_EQ(s.size(), 5u);
}

TEST(SetValue, NonCanonicalIntegersAreStrings) {
  // string2ll's rules: these are not integers, so each converts an intset.
  for (const char* m : {"007", "-0", "+1", " 1", "1 ", "1.0", "9223372036854775808", ""}) {
    SetValue s;
    s.Add("1", kLimit);
    EXPECT_FALSE(s.Contains(m)) << m;
    EXPECT_TRUE(s.Add(m, kLimit)) << m;
    EXPECT_EQ(s.encoding(), Encoding::kHashtable) << m;
    EXPECT_EQ(MemberSet(s), (std::set<std::string>{"1", m})) << m;
  }
  // An intset never finds them either.
  SetValue ints;
  ints.Add("7", kLimit);
  EXPECT_FALSE(ints.Contains("007"));
  EXPECT_FALSE(ints.Remove("007"));
}

TEST(SetValue, ConvertsOnTheFirstNonInteger) {
  SetValue s;
  s.Add("3", kLimit);
  s.Add("1", kLimit);
  s.Add("2", kLimit);
  EXPECT_TRUE(s.Add("a", kLimit));
  EXPECT_EQ(s.encoding(), Encoding::kHashtable);
  EXPECT_EQ(MemberSet(s), (std::set<std::string>{"1", "2", "3", "a"}));
  // The integers are now strings of the table, found by their canonical spelling.
  EXPECT_TRUE(s.Contains("2"));
  EXPECT_FALSE(s.Contains("02"));
  // Removing the string does not convert back, as in Redis.
  EXPECT_TRUE(s.Remove("a"));
  EXPECT_EQ(s.encoding(), Encoding::kHashtable);
  EXPECT_TRUE(s.Add("4", kLimit));
  EXPECT_EQ(s.encoding(), Encoding::kHashtable);
}

TEST(SetValue, ConvertsWhenTheCountPassesTheLimit) {
  SetValue s;
  for (int i = 0; i < 4; ++i) s.Add(std::to_string(i), 4);
  EXPECT_EQ(s.encoding(), Encoding::kIntset);
  // A duplicate adds nothing and converts nothing.
  EXPECT_FALSE(s.Add("2", 4));
  EXPECT_EQ(s.encoding(), Encoding::kIntset);
  EXPECT_TRUE(s.Add("4", 4));
  EXPECT_EQ(s.encoding(), Encoding::kHashtable);
  EXPECT_EQ(MemberSet(s), (std::set<std::string>{"0", "1", "2", "3", "4"}));

  SetValue never;
  never.Add("1", 0);
  EXPECT_EQ(never.encoding(), Encoding::kHashtable);
}

TEST(SetValue, ThresholdAtTheDefaultLimit) {
  SetValue s;
  for (int i = 0; i < 512; ++i) s.Add(std::to_string(i * 3), kLimit);
  EXPECT_EQ(s.encoding(), Encoding::kIntset);
  s.Add("-1", kLimit);
  EXPECT_EQ(s.encoding(), Encoding::kHashtable);
  EXPECT_EQ(s.size(), 513u);
  for (int i = 0; i < 512; ++i) EXPECT_TRUE(s.Contains(std::to_string(i * 3)));
}

TEST(SetValue, CloneIsDeepInBothEncodings) {
  SetValue ints;
  for (const char* m : {"1", "2", "100000"}) ints.Add(m, kLimit);
  std::unique_ptr<SetValue> ints_copy(static_cast<SetValue*>(ints.Clone()));
  EXPECT_EQ(ints_copy->encoding(), Encoding::kIntset);
  EXPECT_EQ(Members(*ints_copy), Members(ints));
  ints_copy->Remove("1");
  EXPECT_TRUE(ints.Contains("1"));

  SetValue table;
  const std::string long_member(200, 'z');
  for (const std::string& m : {std::string("a"), long_member, std::string("1")}) table.Add(m, kLimit);
  std::unique_ptr<SetValue> table_copy(static_cast<SetValue*>(table.Clone()));
  EXPECT_EQ(table_copy->encoding(), Encoding::kHashtable);
  EXPECT_EQ(MemberSet(*table_copy), MemberSet(table));
  EXPECT_GE(table_copy->MemoryUsage(), sizeof(SetValue) + long_member.size());
  table_copy->Remove(long_member);
  EXPECT_TRUE(table.Contains(long_member));
}

TEST(SetValue, MemoryIsLean) {
  SetValue ints;
  for (int i = 0; i < 512; ++i) ints.Add(std::to_string(i), kLimit);
  // 2 bytes per small integer, plus the header and the value object.
  EXPECT_LT(ints.MemoryUsage(), 512 * 2 + 128u);

  SetValue strings;
  for (int i = 0; i < 100000; ++i) strings.Add("user:" + std::to_string(i), kLimit);
  // 17 bytes a slot at a load of at least 7/12 after growing by half: under 30 per member.
  EXPECT_LT(strings.MemoryUsage(), 100000 * 30u);
  const size_t before = strings.MemoryUsage();
  strings.Add(std::string(1000, 'q'), kLimit);
  EXPECT_GE(strings.MemoryUsage(), before + 1000);
}

// Draws `draws` random positions and counts the members they name.
std::map<std::string, int> Draw(const SetValue& s, int draws) {
  std::map<std::string, int> hits;
  MemberBuffer buffer;
  for (int i = 0; i < draws; ++i) ++hits[std::string(s.MemberAt(s.RandomPosition(), &buffer))];
  return hits;
}

TEST(SetValue, RandomMembersAreFairInBothEncodings) {
  SetValue ints;
  SetValue table;
  for (int i = 0; i < 10; ++i) {
    ints.Add(std::to_string(i * 1000), kLimit);
    table.Add("m" + std::to_string(i), kLimit);
  }
  ASSERT_EQ(table.encoding(), Encoding::kHashtable);
  for (const SetValue* s : {&ints, &table}) {
    const auto hits = Draw(*s, 100000);
    ASSERT_EQ(hits.size(), 10u);
    // Expected 10000 each, standard deviation about 95.
    for (const auto& [m, n] : hits) {
      EXPECT_GT(n, 9400) << m;
      EXPECT_LT(n, 10600) << m;
    }
  }
}

TEST(SetValue, RandomDistinctPositionsAreDistinctAndFair) {
  SetValue s;
  for (int i = 0; i < 1000; ++i) s.Add("m" + std::to_string(i), kLimit);
  // Both strategies: a small share (rejection) and a large one (shuffle).
  for (size_t k : {10u, 400u, 1000u}) {
    std::vector<size_t> positions;
    s.RandomDistinctPositions(k, &positions);
    ASSERT_EQ(positions.size(), k);
    std::set<size_t> distinct(positions.begin(), positions.end());
    EXPECT_EQ(distinct.size(), k);
    for (size_t p : positions) EXPECT_TRUE(s.HasMemberAt(p));
  }
  // Each member is picked about equally often over many small draws.
  SetValue small;
  for (int i = 0; i < 10; ++i) small.Add(std::to_string(i), kLimit);
  std::map<size_t, int> hits;
  for (int round = 0; round < 20000; ++round) {
    std::vector<size_t> positions;
    small.RandomDistinctPositions(3, &positions);
    for (size_t p : positions) ++hits[p];
  }
  ASSERT_EQ(hits.size(), 10u);
  for (const auto& [p, n] : hits) {
    EXPECT_GT(n, 5600) << p;  // expected 6000
    EXPECT_LT(n, 6400) << p;
  }
}

TEST(SetValue, RemoveAtAPosition) {
  SetValue s;
  for (int i = 0; i < 5; ++i) s.Add(std::to_string(i), kLimit);
  MemberBuffer buffer;
  const size_t p = s.RandomPosition();
  const std::string member(s.MemberAt(p, &buffer));
  s.RemoveAt(p);
  EXPECT_FALSE(s.Contains(member));
  EXPECT_EQ(s.size(), 4u);
}

TEST(SetValue, ScanOfAnIntsetIsOneStep) {
  SetValue s;
  for (int i = 0; i < 100; ++i) s.Add(std::to_string(i), kLimit);
  std::vector<std::string> seen;
  EXPECT_EQ(s.Scan(12345, 1, [&](std::string_view m) { seen.emplace_back(m); }), 0u);
  EXPECT_EQ(seen, Members(s));
}

TEST(SetValue, ScanOfAHashtableIsCompleteUnderGrowth) {
  SetValue s;
  for (int i = 0; i < 600; ++i) s.Add(std::to_string(i), kLimit);
  ASSERT_EQ(s.encoding(), Encoding::kHashtable);
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  int next = 600;
  do {
    cursor = s.Scan(cursor, 5, [&](std::string_view m) { ++seen[std::string(m)]; });
    for (int k = 0; k < 4; ++k) s.Add("new" + std::to_string(next++), kLimit);
  } while (cursor != 0);
  for (int i = 0; i < 600; ++i) EXPECT_EQ(seen[std::to_string(i)], 1) << i;
}

}  // namespace
}  // namespace strata::store
