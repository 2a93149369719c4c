#include "store/set_ops.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "keyspace_fixture.h"
#include "store/string_ops.h"

namespace strata::store {
namespace {

using Strings = std::vector<std::string>;

class SetOpsTest : public HeldKeyspaceFixture {
 protected:
  SetOpsTest() : HeldKeyspaceFixture(16) {}

  int64_t Add(std::string_view key, std::vector<std::string_view> members) {
    int64_t added = -1;
    EXPECT_EQ(SetAdd(db_, key, members, &added), OpStatus::kOk);
    return added;
  }

  void AddRange(std::string_view key, int from, int to, std::string_view prefix = "") {
    std::vector<std::string> owned;
    for (int i = from; i < to; ++i) owned.push_back(std::string(prefix) + std::to_string(i));
    std::vector<std::string_view> views(owned.begin(), owned.end());
    int64_t added;
    ASSERT_EQ(SetAdd(db_, key, views, &added), OpStatus::kOk);
  }

  // The members in iteration order; empty for a missing key.
  Strings Members(std::string_view key) {
    const SetValue* set;
    Strings out;
    if (FindSetForRead(db_, key, &set) == OpStatus::kOk) set->ForEach([&](std::string_view m) { out.emplace_back(m); });
    return out;
  }

  static std::set<std::string> AsSet(const Strings& v) { return std::set<std::string>(v.begin(), v.end()); }

  bool Exists(std::string_view key) { return static_cast<bool>(db_.Find(key)); }

  // The encoding the key's entry reports (what OBJECT ENCODING shows).
  Encoding EntryEncoding(std::string_view key) {
    EntryRef ref = db_.Find(key);
    EXPECT_TRUE(ref) << key;
    return ref ? ref->encoding() : Encoding::kRaw;
  }

  void SetStringKey(std::string_view key, int64_t expire_ms = kNoExpire) {
    SetParams params;
    params.expire_ms = expire_ms;
    SetString(db_, key, "x", params);
  }

  Strings Inter(std::vector<std::string_view> keys, OpStatus expect = OpStatus::kOk) {
    Strings out;
    size_t count = 0;
    EXPECT_EQ(SetInter(db_, keys, [&](std::string_view m) { out.emplace_back(m); }, &count), expect);
    EXPECT_EQ(count, out.size());
    return out;
  }

  Strings UnionDiff(SetAlgebra op, std::vector<std::string_view> keys) {
    std::unique_ptr<SetValue> result;
    EXPECT_EQ(SetUnionDiff(db_, op, keys, &result), OpStatus::kOk);
    Strings out;
    if (result) result->ForEach([&](std::string_view m) { out.emplace_back(m); });
    return out;
  }
};

TEST_F(SetOpsTest, AddCreatesTheKeyAndCountsNewMembers) {
  EXPECT_EQ(Add("s", {"3", "1", "2", "1"}), 3);
  EXPECT_EQ(Add("s", {"2", "4"}), 1);
  EXPECT_EQ(Members("s"), (Strings{"1", "2", "3", "4"}));
  EXPECT_EQ(EntryEncoding("s"), Encoding::kIntset);
  EXPECT_EQ(db_.Find("s")->type(), ValueType::kSet);
}

TEST_F(SetOpsTest, EntryEncodingFollowsConversions) {
  keyspace_.limits().set_max_intset_entries = 3;
  Add("s", {"1", "2", "3"});
  EXPECT_EQ(EntryEncoding("s"), Encoding::kIntset);
  Add("s", {"4"});
  EXPECT_EQ(EntryEncoding("s"), Encoding::kHashtable);
  Add("t", {"1"});
  Add("t", {"x"});
  EXPECT_EQ(EntryEncoding("t"), Encoding::kHashtable);
  Add("u", {"a", "1"});
  EXPECT_EQ(EntryEncoding("u"), Encoding::kHashtable);
}

TEST_F(SetOpsTest, WritesCountAndAnnounceOnlyWhenTheyChangeSomething) {
  auto dirty = [this] { return keyspace_.CounterTotals().dirty; };
  Add("s", {"a", "b"});
  EXPECT_EQ(dirty(), 1u);
  Add("s", {"a"});
  EXPECT_EQ(dirty(), 1u);
  Add("s", {"c"});
  EXPECT_EQ(dirty(), 2u);
  int64_t removed;
  SetRemove(db_, "s", std::vector<std::string_view>{"zz"}, &removed);
  EXPECT_EQ(dirty(), 2u);
  SetRemove(db_, "s", std::vector<std::string_view>{"a"}, &removed);
  EXPECT_EQ(dirty(), 3u);
  EXPECT_EQ(Events(), (Strings{"0:new:s", "0:sadd:s", "0:sadd:s", "0:srem:s"}));
}

TEST_F(SetOpsTest, WrongTypeEverywhere) {
  SetStringKey("str");
  int64_t n;
  bool moved;
  std::vector<std::string> popped;
  size_t visited;
  std::unique_ptr<SetValue> result;
  const std::vector<std::string_view> one{"a"};
  EXPECT_EQ(SetAdd(db_, "str", one, &n), OpStatus::kWrongType);
  EXPECT_EQ(SetRemove(db_, "str", one, &n), OpStatus::kWrongType);
  const SetValue* set;
  EXPECT_EQ(FindSetForRead(db_, "str", &set), OpStatus::kWrongType);
  EXPECT_EQ(SetPop(db_, "str", 1, &popped), OpStatus::kWrongType);
  EXPECT_EQ(SetPop(db_, "str", 0, &popped), OpStatus::kWrongType);
  EXPECT_EQ(SetRandomMembers(db_, "str", 1, [](std::string_view) {}, &visited), OpStatus::kWrongType);
  EXPECT_EQ(SetRandomMembers(db_, "str", 0, [](std::string_view) {}, &visited), OpStatus::kWrongType);
  Add("s", {"a"});
  EXPECT_EQ(SetMove(db_, "str", "s", "a", &moved), OpStatus::kWrongType);
  EXPECT_EQ(SetMove(db_, "s", "str", "a", &moved), OpStatus::kWrongType);
  EXPECT_TRUE(Exists("s"));  // nothing moved
  // A missing source moves nothing before the destination's type is looked at.
  EXPECT_EQ(SetMove(db_, "nokey", "str", "a", &moved), OpStatus::kOk);
  EXPECT_FALSE(moved);
  // Set algebra checks every key, even after a missing one.
  for (const std::vector<std::string_view>& keys :
       {std::vector<std::string_view>{"nokey", "str"}, {"str", "nokey"}, {"s", "str"}}) {
    Inter(keys, OpStatus::kWrongType);
    EXPECT_EQ(SetInterCard(db_, keys, 0, &n), OpStatus::kWrongType);
    EXPECT_EQ(SetInterStore(db_, "dst", keys, &n), OpStatus::kWrongType);
    EXPECT_EQ(SetUnionDiff(db_, SetAlgebra::kUnion, keys, &result), OpStatus::kWrongType);
    EXPECT_EQ(SetUnionDiff(db_, SetAlgebra::kDiff, keys, &result), OpStatus::kWrongType);
    EXPECT_EQ(SetUnionDiffStore(db_, SetAlgebra::kUnion, "dst", keys, &n), OpStatus::kWrongType);
    EXPECT_EQ(SetUnionDiffStore(db_, SetAlgebra::kDiff, "dst", keys, &n), OpStatus::kWrongType);
  }
  EXPECT_FALSE(Exists("dst"));
}

TEST_F(SetOpsTest, RemoveDeletesAnEmptiedKey) {
  Add("s", {"1", "2"});
  int64_t removed;
  EXPECT_EQ(SetRemove(db_, "s", std::vector<std::string_view>{"1", "9", "01"}, &removed), OpStatus::kOk);
  EXPECT_EQ(removed, 1);
  EXPECT_EQ(SetRemove(db_, "s", std::vector<std::string_view>{"2", "2"}, &removed), OpStatus::kOk);
  EXPECT_EQ(removed, 1);
  EXPECT_FALSE(Exists("s"));
  EXPECT_EQ(SetRemove(db_, "s", std::vector<std::string_view>{"2"}, &removed), OpStatus::kOk);
  EXPECT_EQ(removed, 0);
}

TEST_F(SetOpsTest, MoveBetweenSets) {
  Add("src", {"1", "2"});
  Add("dst", {"3"});
  bool moved;
  EXPECT_EQ(SetMove(db_, "src", "dst", "1", &moved), OpStatus::kOk);
  EXPECT_TRUE(moved);
  EXPECT_EQ(Members("src"), (Strings{"2"}));
  EXPECT_EQ(Members("dst"), (Strings{"1", "3"}));
  EXPECT_EQ(SetMove(db_, "src", "dst", "9", &moved), OpStatus::kOk);
  EXPECT_FALSE(moved);
  // Same key: membership only.
  EXPECT_EQ(SetMove(db_, "src", "src", "2", &moved), OpStatus::kOk);
  EXPECT_TRUE(moved);
  EXPECT_EQ(Members("src"), (Strings{"2"}));
  // The last member leaves: the source goes; a missing destination is created for the member.
  EXPECT_EQ(SetMove(db_, "src", "fresh", "2", &moved), OpStatus::kOk);
  EXPECT_TRUE(moved);
  EXPECT_FALSE(Exists("src"));
  EXPECT_EQ(EntryEncoding("fresh"), Encoding::kIntset);
  // A string member converts an intset destination.
  Add("strings", {"a"});
  EXPECT_EQ(SetMove(db_, "strings", "dst", "a", &moved), OpStatus::kOk);
  EXPECT_EQ(EntryEncoding("dst"), Encoding::kHashtable);
  EXPECT_EQ(AsSet(Members("dst")), (std::set<std::string>{"1", "3", "a"}));
}

TEST_F(SetOpsTest, MoveManyKeysKeepsEveryReferenceValid) {
  // Many keys share stripes; deleting sources must not disturb the destination it moves into.
  for (int i = 0; i < 200; ++i) Add("k" + std::to_string(i), {"m"});
  bool moved;
  for (int i = 0; i < 199; ++i) {
    ASSERT_EQ(SetMove(db_, "k" + std::to_string(i), "k" + std::to_string(i + 1), "m", &moved), OpStatus::kOk);
    EXPECT_TRUE(moved);
    EXPECT_FALSE(Exists("k" + std::to_string(i)));
  }
  EXPECT_EQ(Members("k199"), (Strings{"m"}));
}

TEST_F(SetOpsTest, PopCounts) {
  Add("s", {"5", "3", "1", "4", "2"});
  std::vector<std::string> popped;
  EXPECT_EQ(SetPop(db_, "s", 0, &popped), OpStatus::kOk);
  EXPECT_TRUE(popped.empty());
  EXPECT_EQ(Members("s").size(), 5u);
  EXPECT_EQ(SetPop(db_, "s", 2, &popped), OpStatus::kOk);
  ASSERT_EQ(popped.size(), 2u);
  EXPECT_NE(popped[0], popped[1]);
  const Strings rest = Members("s");
  EXPECT_EQ(rest.size(), 3u);
  for (const std::string& p : popped) EXPECT_EQ(std::count(rest.begin(), rest.end(), p), 0);
  // Covering the set pops it whole, ascending for an intset, and deletes the key.
  popped.clear();
  EXPECT_EQ(SetPop(db_, "s", 100, &popped), OpStatus::kOk);
  EXPECT_EQ(popped, rest);
  EXPECT_FALSE(Exists("s"));
  EXPECT_EQ(SetPop(db_, "s", 1, &popped), OpStatus::kNoKey);
}

TEST_F(SetOpsTest, PopWholeHashtableOfIntegersListsThemInOrder) {
  Add("s", {"5", "3", "x", "1", "4"});
  int64_t removed;
  SetRemove(db_, "s", std::vector<std::string_view>{"x"}, &removed);
  ASSERT_EQ(EntryEncoding("s"), Encoding::kHashtable);
  std::vector<std::string> popped;
  EXPECT_EQ(SetPop(db_, "s", 4, &popped), OpStatus::kOk);
  EXPECT_EQ(popped, (Strings{"1", "3", "4", "5"}));
}

TEST_F(SetOpsTest, PoppingMostOfALargeSetRebuildsIt) {
  AddRange("big", 0, 600);
  ASSERT_EQ(EntryEncoding("big"), Encoding::kHashtable);
  std::vector<std::string> popped;
  EXPECT_EQ(SetPop(db_, "big", 500, &popped), OpStatus::kOk);
  EXPECT_EQ(EntryEncoding("big"), Encoding::kIntset);
  const Strings rest = Members("big");
  EXPECT_EQ(rest.size(), 100u);
  std::set<std::string> all(popped.begin(), popped.end());
  EXPECT_EQ(all.size(), 500u);
  all.insert(rest.begin(), rest.end());
  EXPECT_EQ(all.size(), 600u);
  // Popping a small part keeps the table.
  AddRange("big2", 0, 600);
  popped.clear();
  EXPECT_EQ(SetPop(db_, "big2", 50, &popped), OpStatus::kOk);
  EXPECT_EQ(EntryEncoding("big2"), Encoding::kHashtable);
  EXPECT_EQ(Members("big2").size(), 550u);
}

TEST_F(SetOpsTest, RandomMembersCounts) {
  Add("s", {"a", "b", "c"});
  auto draw = [&](int64_t count) {
    Strings out;
    size_t visited = 0;
    EXPECT_EQ(SetRandomMembers(db_, "s", count, [&](std::string_view m) { out.emplace_back(m); }, &visited),
              OpStatus::kOk);
    EXPECT_EQ(visited, out.size());
    return out;
  };
  EXPECT_TRUE(draw(0).empty());
  const Strings repeats = draw(-50);
  EXPECT_EQ(repeats.size(), 50u);
  EXPECT_EQ(AsSet(repeats), (std::set<std::string>{"a", "b", "c"}));  // all three come up in 50 draws
  const Strings two = draw(2);
  EXPECT_EQ(two.size(), 2u);
  EXPECT_EQ(AsSet(two).size(), 2u);
  EXPECT_EQ(AsSet(draw(3)), AsSet(Members("s")));
  EXPECT_EQ(draw(100).size(), 3u);
  EXPECT_EQ(Members("s").size(), 3u);  // nothing removed
  size_t visited;
  EXPECT_EQ(SetRandomMembers(db_, "nokey", 5, [](std::string_view) {}, &visited), OpStatus::kNoKey);
}

TEST_F(SetOpsTest, RandomDistinctMembersFromALargeSet) {
  AddRange("big", 0, 10000, "m");
  for (int64_t count : {5, 100, 4000, 9999}) {
    std::set<std::string> seen;
    size_t visited;
    SetRandomMembers(db_, "big", count, [&](std::string_view m) { EXPECT_TRUE(seen.emplace(m).second); }, &visited);
    EXPECT_EQ(seen.size(), static_cast<size_t>(count));
    EXPECT_EQ(visited, static_cast<size_t>(count));
  }
}

TEST_F(SetOpsTest, InterIteratesTheSmallestSet) {
  Add("a", {"1", "2", "3", "4", "5"});
  Add("b", {"5", "4", "x", "y", "z", "w"});
  Add("c", {"4", "5", "6"});
  EXPECT_EQ(Inter({"a", "c"}), (Strings{"4", "5"}));
  EXPECT_EQ(AsSet(Inter({"b", "a"})), (std::set<std::string>{"4", "5"}));
  EXPECT_EQ(Inter({"b", "c", "a"}), (Strings{"4", "5"}));  // c is the smallest, an intset
  EXPECT_EQ(Inter({"a", "a"}), Members("a"));
  EXPECT_TRUE(Inter({"a", "nokey"}).empty());
  int64_t card;
  EXPECT_EQ(SetInterCard(db_, std::vector<std::string_view>{"a", "c"}, 0, &card), OpStatus::kOk);
  EXPECT_EQ(card, 2);
  EXPECT_EQ(SetInterCard(db_, std::vector<std::string_view>{"a", "c"}, 1, &card), OpStatus::kOk);
  EXPECT_EQ(card, 1);
  EXPECT_EQ(SetInterCard(db_, std::vector<std::string_view>{"a"}, 3, &card), OpStatus::kOk);
  EXPECT_EQ(card, 3);
  EXPECT_EQ(SetInterCard(db_, std::vector<std::string_view>{"a", "nokey"}, 0, &card), OpStatus::kOk);
  EXPECT_EQ(card, 0);
}

TEST_F(SetOpsTest, InterStoreReplacesAndDeletes) {
  Add("a", {"1", "2", "x"});
  Add("b", {"2", "1", "x", "y"});
  SetStringKey("dst", clock_.NowMs() + 100000);
  int64_t size;
  EXPECT_EQ(SetInterStore(db_, "dst", std::vector<std::string_view>{"a", "b"}, &size), OpStatus::kOk);
  EXPECT_EQ(size, 3);
  EntryRef ref = db_.Find("dst");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->type(), ValueType::kSet);
  EXPECT_FALSE(ref->has_expire());
  EXPECT_EQ(ref->encoding(), Encoding::kHashtable);
  // Common members that are all integers make an intset, whatever the sources are.
  Add("c", {"1", "2", "z"});
  EXPECT_EQ(SetInterStore(db_, "dst", std::vector<std::string_view>{"b", "c"}, &size), OpStatus::kOk);
  EXPECT_EQ(EntryEncoding("dst"), Encoding::kIntset);
  EXPECT_EQ(Members("dst"), (Strings{"1", "2"}));
  // A missing source makes an empty result, which deletes the destination.
  EXPECT_EQ(SetInterStore(db_, "dst", std::vector<std::string_view>{"a", "nokey"}, &size), OpStatus::kOk);
  EXPECT_EQ(size, 0);
  EXPECT_FALSE(Exists("dst"));
  // The destination may be a source.
  EXPECT_EQ(SetInterStore(db_, "a", std::vector<std::string_view>{"a", "c"}, &size), OpStatus::kOk);
  EXPECT_EQ(Members("a"), (Strings{"1", "2"}));
}

TEST_F(SetOpsTest, UnionAndDiff) {
  Add("a", {"3", "1", "2"});
  Add("b", {"5", "4", "3"});
  Add("s", {"x", "1"});
  EXPECT_EQ(UnionDiff(SetAlgebra::kUnion, {"a", "nokey", "b"}), (Strings{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(AsSet(UnionDiff(SetAlgebra::kUnion, {"a", "s"})), (std::set<std::string>{"1", "2", "3", "x"}));
  EXPECT_EQ(UnionDiff(SetAlgebra::kDiff, {"a", "b"}), (Strings{"1", "2"}));
  EXPECT_EQ(UnionDiff(SetAlgebra::kDiff, {"a", "b", "s"}), (Strings{"2"}));
  EXPECT_TRUE(UnionDiff(SetAlgebra::kDiff, {"a", "a"}).empty());
  EXPECT_TRUE(UnionDiff(SetAlgebra::kDiff, {"nokey", "a"}).empty());
  EXPECT_EQ(UnionDiff(SetAlgebra::kDiff, {"a", "nokey"}), (Strings{"1", "2", "3"}));
  EXPECT_TRUE(UnionDiff(SetAlgebra::kUnion, {"nokey"}).empty());
  // The stored result takes the encoding its members call for.
  int64_t size;
  EXPECT_EQ(SetUnionDiffStore(db_, SetAlgebra::kDiff, "d", std::vector<std::string_view>{"s", "a"}, &size),
            OpStatus::kOk);
  EXPECT_EQ(size, 1);
  EXPECT_EQ(EntryEncoding("d"), Encoding::kHashtable);
  EXPECT_EQ(SetUnionDiffStore(db_, SetAlgebra::kUnion, "u", std::vector<std::string_view>{"a", "b"}, &size),
            OpStatus::kOk);
  EXPECT_EQ(size, 5);
  EXPECT_EQ(EntryEncoding("u"), Encoding::kIntset);
  EXPECT_EQ(SetUnionDiffStore(db_, SetAlgebra::kUnion, "u", std::vector<std::string_view>{"nokey"}, &size),
            OpStatus::kOk);
  EXPECT_FALSE(Exists("u"));
}

TEST_F(SetOpsTest, DiffBuildsItsResultAsRedisDoes) {
  AddRange("big", 0, 600);
  AddRange("a", 0, 40);
  AddRange("b", 40, 80);
  AddRange("c", 80, 120);
  AddRange("d", 0, 100);
  int64_t size;
  // Checking 600 members against three sets costs more than adding 600 and removing 120: Redis
  // adds them all (passing the intset limit) and removes, leaving a hash table.
  SetUnionDiffStore(db_, SetAlgebra::kDiff, "r1", std::vector<std::string_view>{"big", "a", "b", "c"}, &size);
  EXPECT_EQ(size, 480);
  EXPECT_EQ(EntryEncoding("r1"), Encoding::kHashtable);
  // Against one set it filters, adding only the 500 survivors: an intset.
  SetUnionDiffStore(db_, SetAlgebra::kDiff, "r2", std::vector<std::string_view>{"big", "d"}, &size);
  EXPECT_EQ(size, 500);
  EXPECT_EQ(EntryEncoding("r2"), Encoding::kIntset);
}

TEST_F(SetOpsTest, ScanFiltersAndCompletesUnderGrowth) {
  Add("ints", {"1", "2", "10", "20"});
  const SetValue* set;
  ASSERT_EQ(FindSetForRead(db_, "ints", &set), OpStatus::kOk);
  std::vector<std::string> members;
  EXPECT_EQ(SetScan(*set, 999, 1, "1*", &members), 0u);
  EXPECT_EQ(members, (Strings{"1", "10"}));
  members.clear();
  SetScan(*set, 0, 10, "*", &members);
  EXPECT_EQ(members.size(), 4u);
  Add("withempty", {"", "a"});
  ASSERT_EQ(FindSetForRead(db_, "withempty", &set), OpStatus::kOk);
  members.clear();
  SetScan(*set, 0, 10, "*", &members);
  EXPECT_EQ(AsSet(members), (std::set<std::string>{"", "a"}));
  members.clear();
  SetScan(*set, 0, 10, "", &members);
  EXPECT_EQ(members, (Strings{""}));

  AddRange("grow", 0, 2000, "m");
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  int next = 2000;
  do {
    ASSERT_EQ(FindSetForRead(db_, "grow", &set), OpStatus::kOk);
    members.clear();
    cursor = SetScan(*set, cursor, 10, std::nullopt, &members);
    for (const std::string& m : members) ++seen[m];
    AddRange("grow", next, next + 30, "m");
    next += 30;
  } while (cursor != 0);
  for (int i = 0; i < 2000; ++i) EXPECT_EQ(seen["m" + std::to_string(i)], 1) << i;
}

}  // namespace
}  // namespace strata::store
