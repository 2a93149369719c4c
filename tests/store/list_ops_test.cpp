#include "store/list_ops.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "keyspace_fixture.h"
#include "store/entry.h"
#include "store/string_ops.h"

namespace strata::store {
namespace {

using Strings = std::vector<std::string>;

class ListOpsTest : public HeldKeyspaceFixture {
 protected:
  ListOpsTest() : HeldKeyspaceFixture(2) {}

  size_t Push(std::string_view key, ListEnd end, std::vector<std::string_view> values) {
    size_t length = 0;
    EXPECT_EQ(ListPush(db_, key, end, values, false, &length), OpStatus::kOk);
    return length;
  }

  Strings Range(std::string_view key, int64_t start, int64_t stop, OpStatus* status = nullptr) {
    Strings out;
    size_t announced = SIZE_MAX;
    const OpStatus s = ListRange(
        db_, key, start, stop, [&](size_t n) { announced = n; }, [&](std::string_view e) { out.emplace_back(e); });
    if (status != nullptr) *status = s;
    if (s == OpStatus::kOk) {
      EXPECT_EQ(announced, out.size());
    }
    return out;
  }

  Strings All(std::string_view key) { return Range(key, 0, -1); }

  void SetString(std::string_view key, std::string_view value, int64_t expire_ms = kNoExpire) {
    SetParams params;
    params.expire_ms = expire_ms;
    store::SetString(db_, key, value, params);
  }

  bool Exists(std::string_view key) { return static_cast<bool>(db_.Find(key)); }

  std::vector<int64_t> Positions(std::string_view key, std::string_view value, int64_t rank, int64_t count,
                                 int64_t maxlen) {
    std::vector<int64_t> out;
    ListPosParams params;
    params.rank = rank;
    params.count = count;
    params.maxlen = maxlen;
    EXPECT_EQ(ListPositions(db_, key, value, params, &out), OpStatus::kOk);
    return out;
  }
};

TEST_F(ListOpsTest, PushCreatesAQuicklistAndAnnouncesIt) {
  EXPECT_EQ(Push("l", ListEnd::kHead, {"a", "b", "c"}), 3u);
  EXPECT_EQ(Push("l", ListEnd::kTail, {"d"}), 4u);
  EXPECT_EQ(All("l"), (Strings{"c", "b", "a", "d"}));
  EntryRef ref = db_.Find("l");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->type(), ValueType::kList);
  EXPECT_EQ(ref->encoding(), Encoding::kQuicklist);
  EXPECT_EQ(Events(), (Strings{"0:new:l", "0:lpush:l", "0:rpush:l"}));
}

TEST_F(ListOpsTest, PushCountsOneWritePerCommand) {
  Push("l", ListEnd::kTail, {"a", "b"});
  EXPECT_EQ(keyspace_.CounterTotals().dirty, 1u);
  Push("l", ListEnd::kHead, {"c", "d", "e"});
  EXPECT_EQ(keyspace_.CounterTotals().dirty, 2u);
}

TEST_F(ListOpsTest, PushOnlyIfExists) {
  std::vector<std::string_view> values = {"a"};
  size_t length = 99;
  EXPECT_EQ(ListPush(db_, "l", ListEnd::kTail, values, true, &length), OpStatus::kNoKey);
  EXPECT_FALSE(Exists("l"));
  EXPECT_TRUE(Events().empty());
  Push("l", ListEnd::kTail, {"x"});
  EXPECT_EQ(ListPush(db_, "l", ListEnd::kHead, values, true, &length), OpStatus::kOk);
  EXPECT_EQ(length, 2u);
  EXPECT_EQ(All("l"), (Strings{"a", "x"}));
}

TEST_F(ListOpsTest, EveryOperationRejectsOtherTypes) {
  SetString("s", "v");
  std::vector<std::string_view> values = {"a"};
  size_t n;
  std::string v;
  Strings popped;
  std::vector<int64_t> positions;
  EXPECT_EQ(ListPush(db_, "s", ListEnd::kTail, values, false, &n), OpStatus::kWrongType);
  EXPECT_EQ(ListPush(db_, "s", ListEnd::kTail, values, true, &n), OpStatus::kWrongType);
  EXPECT_EQ(ListPop(db_, "s", ListEnd::kHead, 0, &popped), OpStatus::kWrongType);
  EXPECT_EQ(ListLength(db_, "s", &n), OpStatus::kWrongType);
  EXPECT_EQ(ListCheck(db_, "s", true), OpStatus::kWrongType);
  EXPECT_EQ(ListIndex(db_, "s", 0, &v), OpStatus::kWrongType);
  EXPECT_EQ(ListSet(db_, "s", 0, "x"), OpStatus::kWrongType);
  OpStatus status;
  Range("s", 0, -1, &status);
  EXPECT_EQ(status, OpStatus::kWrongType);
  EXPECT_EQ(ListTrim(db_, "s", 0, 1), OpStatus::kWrongType);
  EXPECT_EQ(ListRemove(db_, "s", 0, "v", &n), OpStatus::kWrongType);
  EXPECT_EQ(ListInsert(db_, "s", true, "v", "x", &n), OpStatus::kWrongType);
  EXPECT_EQ(ListPositions(db_, "s", "v", ListPosParams{}, &positions), OpStatus::kWrongType);
  // Nothing was written over the string.
  std::string_view value;
  EXPECT_EQ(GetString(db_, "s", &value), OpStatus::kOk);
  EXPECT_EQ(value, "v");
}

TEST_F(ListOpsTest, MissingKeys) {
  size_t n = 7;
  std::string v;
  Strings popped;
  std::vector<int64_t> positions;
  EXPECT_EQ(ListPop(db_, "none", ListEnd::kHead, 1, &popped), OpStatus::kNoKey);
  EXPECT_EQ(ListLength(db_, "none", &n), OpStatus::kNoKey);
  EXPECT_EQ(ListCheck(db_, "none", false), OpStatus::kNoKey);
  EXPECT_EQ(ListIndex(db_, "none", 0, &v), OpStatus::kNoKey);
  EXPECT_EQ(ListSet(db_, "none", 0, "x"), OpStatus::kNoKey);
  EXPECT_EQ(ListTrim(db_, "none", 0, 1), OpStatus::kNoKey);
  EXPECT_EQ(ListRemove(db_, "none", 0, "v", &n), OpStatus::kNoKey);
  EXPECT_EQ(ListInsert(db_, "none", true, "v", "x", &n), OpStatus::kNoKey);
  EXPECT_EQ(ListPositions(db_, "none", "v", ListPosParams{}, &positions), OpStatus::kNoKey);
  OpStatus status;
  EXPECT_TRUE(Range("none", 0, -1, &status).empty());
  EXPECT_EQ(status, OpStatus::kNoKey);
  EXPECT_FALSE(Exists("none"));
}

TEST_F(ListOpsTest, PopCountsAndDeletesTheEmptiedKey) {
  Push("l", ListEnd::kTail, {"a", "b", "c"});
  Strings popped;
  EXPECT_EQ(ListPop(db_, "l", ListEnd::kHead, 0, &popped), OpStatus::kOk);
  EXPECT_TRUE(popped.empty());
  EXPECT_EQ(ListPop(db_, "l", ListEnd::kTail, 2, &popped), OpStatus::kOk);
  EXPECT_EQ(popped, (Strings{"c", "b"}));
  EXPECT_EQ(ListPop(db_, "l", ListEnd::kHead, 10, &popped), OpStatus::kOk);
  EXPECT_EQ(popped, (Strings{"a"}));
  EXPECT_FALSE(Exists("l"));
  EXPECT_EQ(ListPop(db_, "l", ListEnd::kHead, 1, &popped), OpStatus::kNoKey);
}

TEST_F(ListOpsTest, PopFirstTakesTheFirstListInKeyOrder) {
  Push("b", ListEnd::kTail, {"b1", "b2", "b3"});
  Push("c", ListEnd::kTail, {"c1"});
  std::vector<std::string_view> keys = {"a", "b", "c"};
  size_t index = 99;
  Strings popped;
  EXPECT_EQ(ListPopFirst(db_, keys, ListEnd::kTail, 2, &index, &popped), OpStatus::kOk);
  EXPECT_EQ(index, 1u);
  EXPECT_EQ(popped, (Strings{"b3", "b2"}));
  EXPECT_EQ(ListPopFirst(db_, keys, ListEnd::kHead, 5, &index, &popped), OpStatus::kOk);
  EXPECT_EQ(index, 1u);
  EXPECT_EQ(popped, (Strings{"b1"}));
  EXPECT_FALSE(Exists("b"));
  EXPECT_EQ(ListPopFirst(db_, keys, ListEnd::kHead, 1, &index, &popped), OpStatus::kOk);
  EXPECT_EQ(index, 2u);
  EXPECT_EQ(ListPopFirst(db_, keys, ListEnd::kHead, 1, &index, &popped), OpStatus::kNoKey);
  EXPECT_TRUE(popped.empty());
}

TEST_F(ListOpsTest, PopFirstReportsAWrongTypeOnlyBeforeTheFirstList) {
  SetString("s", "v");
  Push("l", ListEnd::kTail, {"x"});
  size_t index;
  Strings popped;
  std::vector<std::string_view> wrong_first = {"none", "s", "l"};
  EXPECT_EQ(ListPopFirst(db_, wrong_first, ListEnd::kHead, 1, &index, &popped), OpStatus::kWrongType);
  EXPECT_TRUE(Exists("l"));
  std::vector<std::string_view> list_first = {"l", "s"};
  EXPECT_EQ(ListPopFirst(db_, list_first, ListEnd::kHead, 1, &index, &popped), OpStatus::kOk);
  EXPECT_EQ(popped, (Strings{"x"}));
  std::vector<std::string_view> nothing = {"none", "l"};
  EXPECT_EQ(ListPopFirst(db_, nothing, ListEnd::kHead, 1, &index, &popped), OpStatus::kNoKey);
}

TEST_F(ListOpsTest, MoveBetweenListsCreatesAndDeletes) {
  Push("src", ListEnd::kTail, {"a", "b"});
  Events();
  std::string v;
  EXPECT_EQ(ListMove(db_, "src", "dst", ListEnd::kHead, ListEnd::kTail, &v), OpStatus::kOk);
  EXPECT_EQ(v, "a");
  EXPECT_EQ(Events(), (Strings{"0:new:dst", "0:rpush:dst", "0:lpop:src"}));
  EXPECT_EQ(ListMove(db_, "src", "dst", ListEnd::kTail, ListEnd::kHead, &v), OpStatus::kOk);
  EXPECT_EQ(v, "b");
  EXPECT_EQ(Events(), (Strings{"0:lpush:dst", "0:rpop:src", "0:del:src"}));
  EXPECT_FALSE(Exists("src"));
  EXPECT_EQ(All("dst"), (Strings{"b", "a"}));
  EXPECT_EQ(ListMove(db_, "src", "dst", ListEnd::kHead, ListEnd::kTail, &v), OpStatus::kNoKey);
}

TEST_F(ListOpsTest, MoveWithinOneListRotatesAndKeepsTheKey) {
  Push("l", ListEnd::kTail, {"a", "b", "c"});
  std::string v;
  EXPECT_EQ(ListMove(db_, "l", "l", ListEnd::kTail, ListEnd::kHead, &v), OpStatus::kOk);
  EXPECT_EQ(v, "c");
  EXPECT_EQ(All("l"), (Strings{"c", "a", "b"}));
  Push("one", ListEnd::kTail, {"x"});
  EXPECT_EQ(ListMove(db_, "one", "one", ListEnd::kHead, ListEnd::kTail, &v), OpStatus::kOk);
  EXPECT_EQ(All("one"), (Strings{"x"}));
}

TEST_F(ListOpsTest, MoveChecksBothTypesBeforeMoving) {
  SetString("s", "v");
  Push("l", ListEnd::kTail, {"a"});
  std::string v;
  EXPECT_EQ(ListMove(db_, "l", "s", ListEnd::kHead, ListEnd::kHead, &v), OpStatus::kWrongType);
  EXPECT_EQ(All("l"), (Strings{"a"}));
  EXPECT_EQ(ListMove(db_, "s", "l", ListEnd::kHead, ListEnd::kHead, &v), OpStatus::kWrongType);
  // A missing source means nothing to move, whatever the destination holds.
  EXPECT_EQ(ListMove(db_, "none", "s", ListEnd::kHead, ListEnd::kHead, &v), OpStatus::kNoKey);
}

TEST_F(ListOpsTest, MoveTreatsAnExpiredDestinationAsMissing) {
  Push("src", ListEnd::kTail, {"a"});
  SetString("dst", "old", clock_.NowMs() + 100);
  Advance(200);
  std::string v;
  EXPECT_EQ(ListMove(db_, "src", "dst", ListEnd::kHead, ListEnd::kHead, &v), OpStatus::kOk);
  EXPECT_EQ(All("dst"), (Strings{"a"}));
  EXPECT_FALSE(Exists("src"));
}

TEST_F(ListOpsTest, IndexAndSetWithNegativeIndexes) {
  Push("l", ListEnd::kTail, {"a", "b", "c"});
  std::string v;
  EXPECT_EQ(ListIndex(db_, "l", -1, &v), OpStatus::kOk);
  EXPECT_EQ(v, "c");
  EXPECT_EQ(ListIndex(db_, "l", -3, &v), OpStatus::kOk);
  EXPECT_EQ(v, "a");
  EXPECT_EQ(ListIndex(db_, "l", -4, &v), OpStatus::kOutOfRange);
  EXPECT_EQ(ListIndex(db_, "l", 3, &v), OpStatus::kOutOfRange);
  EXPECT_EQ(ListIndex(db_, "l", INT64_MIN, &v), OpStatus::kOutOfRange);
  EXPECT_EQ(ListSet(db_, "l", -1, "C"), OpStatus::kOk);
  EXPECT_EQ(ListSet(db_, "l", 0, "A"), OpStatus::kOk);
  EXPECT_EQ(ListSet(db_, "l", 3, "x"), OpStatus::kOutOfRange);
  EXPECT_EQ(ListSet(db_, "l", -4, "x"), OpStatus::kOutOfRange);
  EXPECT_EQ(All("l"), (Strings{"A", "b", "C"}));
}

TEST_F(ListOpsTest, RangeClampsLikeRedis) {
  Push("l", ListEnd::kTail, {"a", "b", "c", "d"});
  EXPECT_EQ(Range("l", -100, 100), (Strings{"a", "b", "c", "d"}));
  EXPECT_EQ(Range("l", 1, 2), (Strings{"b", "c"}));
  EXPECT_EQ(Range("l", -2, -1), (Strings{"c", "d"}));
  EXPECT_TRUE(Range("l", 2, 1).empty());
  EXPECT_TRUE(Range("l", -1, -2).empty());
  EXPECT_TRUE(Range("l", 4, 10).empty());
  EXPECT_EQ(Range("l", 3, INT64_MAX), (Strings{"d"}));
  EXPECT_TRUE(Range("l", INT64_MIN, INT64_MIN).empty());
}

TEST_F(ListOpsTest, TrimKeepsTheRangeOrDeletesTheKey) {
  Push("l", ListEnd::kTail, {"a", "b", "c", "d", "e"});
  EXPECT_EQ(ListTrim(db_, "l", 1, -2), OpStatus::kOk);
  EXPECT_EQ(All("l"), (Strings{"b", "c", "d"}));
  EXPECT_EQ(ListTrim(db_, "l", -100, 100), OpStatus::kOk);
  EXPECT_EQ(All("l"), (Strings{"b", "c", "d"}));
  EXPECT_EQ(ListTrim(db_, "l", 2, 1), OpStatus::kOk);
  EXPECT_FALSE(Exists("l"));
}

TEST_F(ListOpsTest, TrimALongListAcrossNodes) {
  keyspace_.limits().list_max_listpack_size = 3;
  std::vector<std::string_view> values;
  std::vector<std::string> storage;
  for (int i = 0; i < 20; ++i) storage.push_back(std::to_string(i));
  for (const std::string& s : storage) values.push_back(s);
  Push("l", ListEnd::kTail, values);
  EXPECT_EQ(ListTrim(db_, "l", 4, 10), OpStatus::kOk);
  EXPECT_EQ(All("l"), (Strings{"4", "5", "6", "7", "8", "9", "10"}));
}

TEST_F(ListOpsTest, RemoveFromHeadTailOrEverywhere) {
  Push("l", ListEnd::kTail, {"x", "a", "x", "b", "x", "c", "x"});
  size_t removed;
  EXPECT_EQ(ListRemove(db_, "l", 2, "x", &removed), OpStatus::kOk);
  EXPECT_EQ(removed, 2u);
  EXPECT_EQ(All("l"), (Strings{"a", "b", "x", "c", "x"}));
  EXPECT_EQ(ListRemove(db_, "l", -1, "x", &removed), OpStatus::kOk);
  EXPECT_EQ(removed, 1u);
  EXPECT_EQ(All("l"), (Strings{"a", "b", "x", "c"}));
  EXPECT_EQ(ListRemove(db_, "l", INT64_MIN, "nothing", &removed), OpStatus::kOk);
  EXPECT_EQ(removed, 0u);
  EXPECT_EQ(ListRemove(db_, "l", 0, "x", &removed), OpStatus::kOk);
  EXPECT_EQ(removed, 1u);
  Push("gone", ListEnd::kTail, {"z", "z"});
  EXPECT_EQ(ListRemove(db_, "gone", 0, "z", &removed), OpStatus::kOk);
  EXPECT_EQ(removed, 2u);
  EXPECT_FALSE(Exists("gone"));
}

TEST_F(ListOpsTest, InsertBeforeAndAfterThePivot) {
  Push("l", ListEnd::kTail, {"a", "c", "a"});
  size_t length;
  EXPECT_EQ(ListInsert(db_, "l", false, "c", "b", &length), OpStatus::kOk);
  EXPECT_EQ(length, 4u);
  EXPECT_EQ(ListInsert(db_, "l", true, "a", "a2", &length), OpStatus::kOk);
  EXPECT_EQ(All("l"), (Strings{"a", "a2", "b", "c", "a"}));
  EXPECT_EQ(ListInsert(db_, "l", true, "zz", "x", &length), OpStatus::kNotDone);
  EXPECT_EQ(All("l"), (Strings{"a", "a2", "b", "c", "a"}));
}

TEST_F(ListOpsTest, PositionsWithRankCountAndMaxlen) {
  Push("l", ListEnd::kTail, {"a", "b", "a", "c", "a"});
  using P = std::vector<int64_t>;
  EXPECT_EQ(Positions("l", "a", 1, 1, 0), (P{0}));
  EXPECT_EQ(Positions("l", "a", 2, 1, 0), (P{2}));
  EXPECT_EQ(Positions("l", "a", 3, 1, 0), (P{4}));
  EXPECT_EQ(Positions("l", "a", 4, 1, 0), (P{}));
  EXPECT_EQ(Positions("l", "a", -1, 1, 0), (P{4}));
  EXPECT_EQ(Positions("l", "a", 1, 0, 0), (P{0, 2, 4}));
  EXPECT_EQ(Positions("l", "a", 1, 2, 0), (P{0, 2}));
  EXPECT_EQ(Positions("l", "a", -2, 0, 0), (P{2, 0}));
  EXPECT_EQ(Positions("l", "a", 1, 0, 3), (P{0, 2}));
  EXPECT_EQ(Positions("l", "a", -1, 0, 1), (P{4}));
  EXPECT_EQ(Positions("l", "a", 2, 2, 3), (P{2}));
  EXPECT_EQ(Positions("l", "a", -2, 2, 3), (P{2}));
  EXPECT_EQ(Positions("l", "a", -1, 1, 0), (P{4}));
  EXPECT_EQ(Positions("l", "b", 1, 1, 1), (P{}));
  EXPECT_EQ(Positions("l", "z", 1, 0, 0), (P{}));
  EXPECT_EQ(Positions("l", "a", INT64_MAX, 1, 0), (P{}));
  EXPECT_EQ(Positions("l", "a", INT64_MAX, 0, 0), (P{}));
  // Redis's wrapping arithmetic: INT64_MIN matches from the tail and COUNT never stops it.
  EXPECT_EQ(Positions("l", "a", INT64_MIN, 1, 0), (P{4, 2, 0}));
  EXPECT_EQ(Positions("l", "a", INT64_MIN + 1, 1, 0), (P{}));
}

TEST_F(ListOpsTest, ListsKeepTheFillTheyWereCreatedWith) {
  keyspace_.limits().list_max_listpack_size = 2;
  Push("small", ListEnd::kTail, {"a", "b", "c", "d", "e"});
  keyspace_.limits().list_max_listpack_size = -2;
  Push("small", ListEnd::kTail, {"f"});
  EntryRef ref = db_.Find("small");
  ASSERT_TRUE(ref);
  EXPECT_EQ(static_cast<ListValue*>(ref->object())->NodeCounts(), (std::vector<size_t>{2, 2, 2}));
}

TEST_F(ListOpsTest, CopyOfAListIsIndependent) {
  Push("l", ListEnd::kTail, {"a", "b"});
  EntryRef ref = db_.Find("l");
  Entry* copy = Entry::CopyTo(ref.entry, "copy", kNoExpire);
  db_.Insert(copy);
  Strings popped;
  ListPop(db_, "l", ListEnd::kHead, 1, &popped);
  EXPECT_EQ(All("copy"), (Strings{"a", "b"}));
  EXPECT_EQ(All("l"), (Strings{"b"}));
  EXPECT_GT(db_.Find("copy")->MemoryUsage(), 0u);
}

}  // namespace
}  // namespace strata::store
