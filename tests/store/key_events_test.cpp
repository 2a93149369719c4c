// Keyspace events: every store operation announces its changes with Redis 7.0's event names and
// in Redis's order (the expectations were taken from redis-server 7.0 with
// notify-keyspace-events "EAn"); events are recorded only for the classes some observer wants,
// are handed over only by DeliverEvents, and count as writes and expiries exactly once.
#include "store/key_events.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "keyspace_fixture.h"
#include "store/bitmap_ops.h"
#include "store/hash_ops.h"
#include "store/keyspace_ops.h"
#include "store/list_ops.h"
#include "store/set_ops.h"
#include "store/sort_ops.h"
#include "store/string_ops.h"
#include "store/zset_ops.h"

namespace strata::store {
namespace {

using Strings = std::vector<std::string>;
using Views = std::vector<std::string_view>;
using testing::ByLex;
using testing::ByRank;
using testing::ByScore;

constexpr int64_t kFarFuture = 4'000'000'000'000;

class KeyEventsTest : public HeldKeyspaceFixture {
 protected:
  // Key misses (class m, which "EAn" leaves out) only where a test asks for them.
  KeyEventsTest() : HeldKeyspaceFixture(2) { observer_.Want(testing::kEveryEventClass & ~kClassKeyMiss); }

  void Set(std::string_view key, std::string_view value, int64_t expire_ms = kNoExpire) {
    SetParams params;
    params.expire_ms = expire_ms;
    ASSERT_EQ(SetString(db_, key, value, params).status, OpStatus::kOk);
  }
  void RPush(std::string_view key, Views values) {
    size_t length;
    ASSERT_EQ(ListPush(db_, key, ListEnd::kTail, values, false, &length), OpStatus::kOk);
  }
  void HSet(std::string_view key, Views field_values) {
    size_t added;
    ASSERT_EQ(HashSet(db_, key, field_values, &added), OpStatus::kOk);
  }
  void SAdd(std::string_view key, Views members) {
    int64_t added;
    ASSERT_EQ(SetAdd(db_, key, members, &added), OpStatus::kOk);
  }
  void ZAddAll(std::string_view key, std::vector<ZAddElement> elements, ZAddParams params = {}) {
    ZAddResult result;
    ASSERT_EQ(ZAdd(db_, key, params, elements, &result), OpStatus::kOk);
  }
  // ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE dst keys...
  size_t ZStore(ZSetOpParams::Op op, std::string_view dst, Views keys) {
    size_t stored = 0;
    EXPECT_EQ(ZSetOperationStore(
                  db_, dst, keys,
                  [op](ZSetOpParams* params) {
                    params->op = op;
                    return true;
                  },
                  &stored),
              OpStatus::kOk);
    return stored;
  }
  // Ends the setup of a case: forgets the events it made.
  void ForgetEvents() { Events(); }
};

// --- Strings ---

TEST_F(KeyEventsTest, SetAnnouncesNewOnlyForAnAbsentKey) {
  Set("k", "v");
  EXPECT_EQ(Events(), (Strings{"0:new:k", "0:set:k"}));
  Set("k", "w");
  EXPECT_EQ(Events(), (Strings{"0:set:k"}));
  RPush("l", {"a"});
  ForgetEvents();
  Set("l", "v");
  EXPECT_EQ(Events(), (Strings{"0:set:l"})) << "another type overwritten: the key was there";

  SetParams nx;
  nx.condition = SetParams::Condition::kIfAbsent;
  EXPECT_EQ(SetString(db_, "k", "x", nx).status, OpStatus::kNotDone);
  RPush("q", {"a"});
  ForgetEvents();
  SetParams get;
  get.get_old = true;
  EXPECT_EQ(SetString(db_, "q", "x", get).status, OpStatus::kWrongType);
  EXPECT_EQ(Events(), Strings{}) << "a SET that writes nothing announces nothing";
}

TEST_F(KeyEventsTest, SetWithADeadlineAlsoAnnouncesExpire) {
  Set("k", "v", kFarFuture);  // SET k v EX ..., SETEX, PSETEX
  EXPECT_EQ(Events(), (Strings{"0:new:k", "0:set:k", "0:expire:k"}));
  SetParams keep;
  keep.keep_ttl = true;
  SetString(db_, "k", "w", keep);
  EXPECT_EQ(Events(), (Strings{"0:set:k"}));
}

TEST_F(KeyEventsTest, MSetAnnouncesEachKey) {
  const Views pairs = {"a", "1", "b", "2"};
  ASSERT_EQ(MSet(db_, pairs, false), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:a", "0:set:a", "0:new:b", "0:set:b"}));
  const Views clash = {"c", "3", "a", "4"};
  EXPECT_EQ(MSet(db_, clash, true), OpStatus::kNotDone);
  EXPECT_EQ(Events(), Strings{});
}

TEST_F(KeyEventsTest, GetDel) {
  Set("k", "v");
  RPush("l", {"a"});
  ForgetEvents();
  std::string value;
  ASSERT_EQ(GetDel(db_, "k", &value), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:del:k"}));
  EXPECT_EQ(GetDel(db_, "k", &value), OpStatus::kNoKey);
  EXPECT_EQ(GetDel(db_, "l", &value), OpStatus::kWrongType);
  EXPECT_EQ(Events(), Strings{});
}

TEST_F(KeyEventsTest, GetEx) {
  Set("k", "v");
  ForgetEvents();
  std::string value;
  ASSERT_EQ(GetEx(db_, "k", ExpiryChange{}, &value), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{}) << "GETEX without options only reads";
  ASSERT_EQ(GetEx(db_, "k", ExpiryChange{ExpiryChange::Kind::kPersist, kNoExpire}, &value), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{}) << "nothing to persist";
  ASSERT_EQ(GetEx(db_, "k", ExpiryChange{ExpiryChange::Kind::kSet, kFarFuture}, &value), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:expire:k"}));
  ASSERT_EQ(GetEx(db_, "k", ExpiryChange{ExpiryChange::Kind::kPersist, kNoExpire}, &value), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:persist:k"}));
  ASSERT_EQ(GetEx(db_, "k", ExpiryChange{ExpiryChange::Kind::kSet, 1}, &value), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:del:k"})) << "a deadline in the past deletes";
}

TEST_F(KeyEventsTest, CountersAppendAndSetRange) {
  int64_t n;
  ASSERT_EQ(IncrBy(db_, "n", 2, &n), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:n", "0:incrby:n"}));
  ASSERT_EQ(IncrBy(db_, "n", -1, &n), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:incrby:n"}));
  std::string f;
  ASSERT_EQ(IncrByFloat(db_, "f", "1.5", &f), OpStatus::kOk);
  ASSERT_EQ(IncrByFloat(db_, "f", "1", &f), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:f", "0:incrbyfloat:f", "0:incrbyfloat:f"}));

  size_t len;
  ASSERT_EQ(Append(db_, "a", "x", &len), OpStatus::kOk);
  ASSERT_EQ(Append(db_, "a", "y", &len), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:a", "0:append:a", "0:append:a"}));

  ASSERT_EQ(SetRange(db_, "r", 2, "x", &len), OpStatus::kOk);
  ASSERT_EQ(SetRange(db_, "r", 0, "ab", &len), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:r", "0:setrange:r", "0:setrange:r"}));
  ASSERT_EQ(SetRange(db_, "r", 0, "", &len), OpStatus::kOk);
  ASSERT_EQ(SetRange(db_, "none", 0, "", &len), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{}) << "an empty SETRANGE writes nothing";
}

// --- Bitmaps ---

TEST_F(KeyEventsTest, SetBitAnnouncesOnlyAChange) {
  bool old;
  ASSERT_EQ(SetBit(db_, "b", 3, true, &old), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:b", "0:setbit:b"}));
  ASSERT_EQ(SetBit(db_, "b", 4, true, &old), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:setbit:b"}));
  ASSERT_EQ(SetBit(db_, "b", 100, false, &old), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:setbit:b"})) << "the string grew";
  ASSERT_EQ(SetBit(db_, "b", 3, true, &old), OpStatus::kOk);
  ASSERT_EQ(SetBit(db_, "b", 5, false, &old), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{}) << "as Redis: a bit set to the value it had is no change";
}

TEST_F(KeyEventsTest, BitOpStoresAsSetOrDeletes) {
  Set("a", "x");
  ForgetEvents();
  size_t len;
  const Views a = {"a"};
  ASSERT_EQ(BitOp(db_, BitOpKind::kNot, "d", a, &len), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:d", "0:set:d"}));
  ASSERT_EQ(BitOp(db_, BitOpKind::kOr, "d", a, &len), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:set:d"}));
  const Views missing = {"missing", "gone"};
  ASSERT_EQ(BitOp(db_, BitOpKind::kAnd, "d", missing, &len), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:del:d"})) << "an empty result deletes the destination";
  ASSERT_EQ(BitOp(db_, BitOpKind::kAnd, "d", missing, &len), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{});
}

TEST_F(KeyEventsTest, BitfieldAnnouncesWritesAsSetBit) {
  std::vector<std::optional<int64_t>> results;
  BitfieldOp set;
  set.kind = BitfieldOp::Kind::kSet;
  set.value = 5;
  ASSERT_EQ(Bitfield(db_, "k", std::vector<BitfieldOp>{set}, &results), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:k", "0:setbit:k"}));
  ASSERT_EQ(Bitfield(db_, "k", std::vector<BitfieldOp>{BitfieldOp{}}, &results), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{}) << "GET only reads";
  BitfieldOp refused;
  refused.kind = BitfieldOp::Kind::kIncrBy;
  refused.overflow = BitfieldOp::Overflow::kFail;
  refused.bits = 2;
  refused.value = 5;
  ASSERT_EQ(Bitfield(db_, "k", std::vector<BitfieldOp>{refused}, &results), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{}) << "OVERFLOW FAIL changed nothing";
  ASSERT_EQ(Bitfield(db_, "k", std::vector<BitfieldOp>{set}, &results), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{}) << "SET of the value already there";
  BitfieldOp grow = set;
  grow.offset = 64;
  grow.value = 0;
  ASSERT_EQ(Bitfield(db_, "k", std::vector<BitfieldOp>{grow}, &results), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:setbit:k"})) << "a zero written past the end grew the string";
}

TEST_F(KeyEventsTest, NoTouchLookupsAnnounceAMissButObjectDoesNot) {
  observer_.Want(testing::kEveryEventClass);
  Set("k", "v");
  ForgetEvents();
  ValueType type;
  int64_t deadline;
  ObjectInfo info;
  EXPECT_TRUE(KeyExists(db_, "k"));
  EXPECT_FALSE(KeyExists(db_, "a"));
  EXPECT_EQ(GetKeyType(db_, "b", &type), OpStatus::kNoKey);
  EXPECT_EQ(GetExpiry(db_, "c", &deadline), OpStatus::kNoKey);
  EXPECT_EQ(InspectKey(db_, "d", &info), OpStatus::kNoKey);
  EXPECT_EQ(Events(), (Strings{"0:keymiss:a", "0:keymiss:b", "0:keymiss:c"}));
}

// --- Lists ---

TEST_F(KeyEventsTest, PushesAndPops) {
  size_t length;
  ASSERT_EQ(ListPush(db_, "l", ListEnd::kHead, Views{"a", "b"}, false, &length), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:l", "0:lpush:l"}));
  ASSERT_EQ(ListPush(db_, "l", ListEnd::kTail, Views{"c"}, false, &length), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:rpush:l"}));
  EXPECT_EQ(ListPush(db_, "x", ListEnd::kHead, Views{"a"}, true, &length), OpStatus::kNoKey);
  EXPECT_EQ(Events(), Strings{}) << "LPUSHX on a missing key";

  std::vector<std::string> popped;
  ASSERT_EQ(ListPop(db_, "l", ListEnd::kHead, 1, &popped), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:lpop:l"}));
  ASSERT_EQ(ListPop(db_, "l", ListEnd::kTail, 5, &popped), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:rpop:l", "0:del:l"})) << "the pop that empties the list deletes it";

  RPush("m", {"a", "b"});
  ForgetEvents();
  size_t index;
  ASSERT_EQ(ListPopFirst(db_, Views{"none", "m"}, ListEnd::kHead, 3, &index, &popped), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:lpop:m", "0:del:m"})) << "LMPOP";
}

TEST_F(KeyEventsTest, MovesPushBeforeTheyPop) {
  RPush("l", {"a", "b"});
  ForgetEvents();
  std::string v;
  ASSERT_EQ(ListMove(db_, "l", "d", ListEnd::kHead, ListEnd::kTail, &v), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:d", "0:rpush:d", "0:lpop:l"}));
  ASSERT_EQ(ListMove(db_, "l", "d", ListEnd::kTail, ListEnd::kHead, &v), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:lpush:d", "0:rpop:l", "0:del:l"}));
  ASSERT_EQ(ListMove(db_, "d", "d", ListEnd::kHead, ListEnd::kTail, &v), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:rpush:d", "0:lpop:d"})) << "a rotation keeps the key";
}

TEST_F(KeyEventsTest, ListEdits) {
  RPush("l", {"a", "b", "a", "c"});
  ForgetEvents();
  size_t n;
  ASSERT_EQ(ListInsert(db_, "l", false, "b", "x", &n), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:linsert:l"}));
  EXPECT_EQ(ListInsert(db_, "l", false, "zz", "x", &n), OpStatus::kNotDone);
  EXPECT_EQ(Events(), Strings{}) << "no pivot, no insert";
  ASSERT_EQ(ListSet(db_, "l", 0, "z"), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:lset:l"}));
  ASSERT_EQ(ListRemove(db_, "l", 0, "a", &n), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:lrem:l"}));
  ASSERT_EQ(ListRemove(db_, "l", 0, "zz", &n), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{}) << "nothing removed";
  ASSERT_EQ(ListTrim(db_, "l", 0, -1), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:ltrim:l"})) << "as Redis: LTRIM announces even when it keeps everything";
  ASSERT_EQ(ListTrim(db_, "l", 5, 10), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:ltrim:l", "0:del:l"}));
  RPush("r", {"a", "a"});
  ForgetEvents();
  ASSERT_EQ(ListRemove(db_, "r", 0, "a", &n), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:lrem:r", "0:del:r"}));
}

// --- Hashes ---

TEST_F(KeyEventsTest, HashWrites) {
  HSet("h", {"f", "1", "g", "2"});
  EXPECT_EQ(Events(), (Strings{"0:new:h", "0:hset:h"}));
  HSet("h", {"f", "1"});
  EXPECT_EQ(Events(), (Strings{"0:hset:h"})) << "as Redis: HSET announces even an unchanged value";
  bool set;
  ASSERT_EQ(HashSetIfAbsent(db_, "h", "f", "x", &set), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{});
  ASSERT_EQ(HashSetIfAbsent(db_, "h", "n", "x", &set), OpStatus::kOk);
  ASSERT_EQ(HashSetIfAbsent(db_, "h2", "n", "x", &set), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:hset:h", "0:new:h2", "0:hset:h2"}));

  size_t deleted;
  ASSERT_EQ(HashDelete(db_, "h", Views{"zz"}, &deleted), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{});
  ASSERT_EQ(HashDelete(db_, "h", Views{"f", "zz"}, &deleted), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:hdel:h"}));
  ASSERT_EQ(HashDelete(db_, "h", Views{"g", "n"}, &deleted), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:hdel:h", "0:del:h"}));

  int64_t i;
  ASSERT_EQ(HashIncrBy(db_, "c", "f", 2, &i), OpStatus::kOk);
  ASSERT_EQ(HashIncrBy(db_, "c", "f", 2, &i), OpStatus::kOk);
  std::string x;
  ASSERT_EQ(HashIncrByFloat(db_, "c", "g", 2.5L, &x), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:c", "0:hincrby:c", "0:hincrby:c", "0:hincrbyfloat:c"}));
}

// --- Sets ---

TEST_F(KeyEventsTest, SetWrites) {
  SAdd("s", {"a", "b", "c"});
  EXPECT_EQ(Events(), (Strings{"0:new:s", "0:sadd:s"}));
  SAdd("s", {"a"});
  EXPECT_EQ(Events(), Strings{}) << "nothing added";
  int64_t removed;
  ASSERT_EQ(SetRemove(db_, "s", Views{"zz"}, &removed), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{});
  ASSERT_EQ(SetRemove(db_, "s", Views{"a"}, &removed), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:srem:s"}));
  std::vector<std::string> popped;
  ASSERT_EQ(SetPop(db_, "s", 1, &popped), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:spop:s"}));
  ASSERT_EQ(SetPop(db_, "s", 0, &popped), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{}) << "SPOP s 0";
  ASSERT_EQ(SetPop(db_, "s", 5, &popped), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:spop:s", "0:del:s"}));
  SAdd("t", {"x"});
  ForgetEvents();
  ASSERT_EQ(SetRemove(db_, "t", Views{"x"}, &removed), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:srem:t", "0:del:t"}));
}

TEST_F(KeyEventsTest, SMoveRemovesThenAdds) {
  SAdd("s", {"a", "b"});
  ForgetEvents();
  bool moved;
  ASSERT_EQ(SetMove(db_, "s", "d", "a", &moved), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:srem:s", "0:new:d", "0:sadd:d"}));
  ASSERT_EQ(SetMove(db_, "s", "d", "b", &moved), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:srem:s", "0:del:s", "0:sadd:d"}));
  ASSERT_EQ(SetMove(db_, "d", "d", "a", &moved), OpStatus::kOk);
  ASSERT_EQ(SetMove(db_, "d", "e", "zz", &moved), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{}) << "the same set, or a member it does not hold";
}

TEST_F(KeyEventsTest, SetStoresAnnounceTheResultOrItsDeletion) {
  SAdd("a", {"x", "y"});
  SAdd("b", {"y", "z"});
  ForgetEvents();
  int64_t size;
  ASSERT_EQ(SetInterStore(db_, "d", Views{"a", "b"}, &size), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:d", "0:sinterstore:d"}));
  Set("str", "v");
  ForgetEvents();
  ASSERT_EQ(SetUnionDiffStore(db_, SetAlgebra::kUnion, "str", Views{"a", "b"}, &size), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:sunionstore:str"})) << "a replaced value of another type is no new key";
  ASSERT_EQ(SetInterStore(db_, "d", Views{"a", "missing"}, &size), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:del:d"})) << "an empty result deletes the destination";
  ASSERT_EQ(SetUnionDiffStore(db_, SetAlgebra::kDiff, "d", Views{"a", "a"}, &size), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{}) << "an empty result and no destination";
}

// --- Sorted sets ---

TEST_F(KeyEventsTest, ZAddAndZIncrBy) {
  ZAddAll("z", {{1, "a"}, {2, "b"}});
  EXPECT_EQ(Events(), (Strings{"0:new:z", "0:zadd:z"}));
  ZAddAll("z", {{1, "a"}});
  EXPECT_EQ(Events(), Strings{}) << "no change";
  ZAddAll("z", {{1, "a"}, {3, "c"}});
  EXPECT_EQ(Events(), (Strings{"0:zadd:z"}));
  ZAddParams xx;
  xx.condition = ZAddParams::Condition::kIfPresent;
  ZAddAll("none", {{1, "a"}}, xx);
  EXPECT_EQ(Events(), Strings{});
  ZAddParams incr;
  incr.incr = true;
  ZAddAll("i", {{1, "a"}}, incr);
  ZAddAll("i", {{1, "a"}}, incr);
  EXPECT_EQ(Events(), (Strings{"0:new:i", "0:zincr:i", "0:zincr:i"}));
}

TEST_F(KeyEventsTest, ZSetRemovals) {
  ZAddAll("z", {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}});
  ForgetEvents();
  size_t removed;
  ASSERT_EQ(ZRem(db_, "z", Views{"a"}, &removed), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:zrem:z"}));
  ASSERT_EQ(ZRemRange(db_, "z", ByScore("10", "20"), &removed), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{}) << "nothing in range";
  ASSERT_EQ(ZRemRange(db_, "z", ByScore("2", "2"), &removed), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:zremrangebyscore:z"}));
  std::vector<ScoredMember> out;
  ASSERT_EQ(ZPop(db_, "z", false, 1, &out), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:zpopmin:z"}));
  ASSERT_EQ(ZPop(db_, "z", true, 0, &out), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{}) << "ZPOPMAX z 0";
  ASSERT_EQ(ZPop(db_, "z", true, 5, &out), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:zpopmax:z", "0:del:z"}));

  ZAddAll("r", {{1, "a"}, {2, "b"}});
  ZAddAll("x", {{0, "a"}, {0, "b"}});
  ForgetEvents();
  ASSERT_EQ(ZRemRange(db_, "r", ByRank(0, -1), &removed), OpStatus::kOk);
  ASSERT_EQ(ZRemRange(db_, "x", ByLex("[a", "[a"), &removed), OpStatus::kOk);
  ASSERT_EQ(ZRem(db_, "x", Views{"b"}, &removed), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:zremrangebyrank:r", "0:del:r", "0:zremrangebylex:x", "0:zrem:x", "0:del:x"}));
}

TEST_F(KeyEventsTest, ZSetStoresAnnounceTheResultOrItsDeletion) {
  ZAddAll("z", {{1, "a"}, {2, "b"}});
  ZAddAll("y", {{2, "b"}});
  ForgetEvents();
  EXPECT_EQ(ZStore(ZSetOpParams::Op::kUnion, "d", {"z", "y"}), 2u);
  EXPECT_EQ(Events(), (Strings{"0:new:d", "0:zunionstore:d"}));
  EXPECT_EQ(ZStore(ZSetOpParams::Op::kUnion, "d", {"y"}), 1u);
  EXPECT_EQ(Events(), (Strings{"0:zunionstore:d"}));
  EXPECT_EQ(ZStore(ZSetOpParams::Op::kInter, "d", {"z", "missing"}), 0u);
  EXPECT_EQ(Events(), (Strings{"0:del:d"}));
  EXPECT_EQ(ZStore(ZSetOpParams::Op::kInter, "d", {"z", "missing"}), 0u);
  EXPECT_EQ(Events(), Strings{});
  EXPECT_EQ(ZStore(ZSetOpParams::Op::kDiff, "d", {"z", "y"}), 1u);
  EXPECT_EQ(Events(), (Strings{"0:new:d", "0:zdiffstore:d"}));

  size_t stored;
  ASSERT_EQ(ZRangeStore(db_, "r", "z", ByRank(0, 0), &stored), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:r", "0:zrangestore:r"}));
  ASSERT_EQ(ZRangeStore(db_, "r", "z", ByRank(5, 6), &stored), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:del:r"}));
  ASSERT_EQ(ZRangeStore(db_, "r", "z", ByRank(5, 6), &stored), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{});
}

// --- Keys ---

TEST_F(KeyEventsTest, Del) {
  Set("a", "1");
  RPush("l", {"x"});
  ForgetEvents();
  EXPECT_TRUE(DeleteKey(db_, "a", false));
  EXPECT_FALSE(DeleteKey(db_, "a", false));
  EXPECT_TRUE(DeleteKey(db_, "l", true));  // UNLINK
  EXPECT_EQ(Events(), (Strings{"0:del:a", "0:del:l"}));
}

TEST_F(KeyEventsTest, Rename) {
  Set("a", "1");
  ForgetEvents();
  ASSERT_EQ(RenameKey(db_, "a", "b", false), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:b", "0:rename_from:a", "0:rename_to:b"}));
  ASSERT_EQ(RenameKey(db_, "b", "b", false), OpStatus::kOk);
  Set("c", "2");
  ForgetEvents();
  EXPECT_EQ(RenameKey(db_, "b", "c", true), OpStatus::kNotDone);
  EXPECT_EQ(Events(), Strings{}) << "RENAME to itself, RENAMENX onto a key";
}

// Redis deletes the destination and adds the key anew, so an overwriting RENAME or COPY also
// announces "new".
TEST_F(KeyEventsTest, RenameAndCopyOverAnExistingKeyAnnounceNew) {
  Set("a", "1");
  Set("b", "2", kFarFuture);
  ForgetEvents();
  ASSERT_EQ(RenameKey(db_, "a", "b", false), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:b", "0:rename_from:a", "0:rename_to:b"}));
  Set("c", "3");
  ForgetEvents();
  ASSERT_EQ(CopyKey(db_, "b", db_, "c", true), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:c", "0:copy_to:c"}));
}

TEST_F(KeyEventsTest, MoveAndCopy) {
  Set("a", "1");
  ForgetEvents();
  ASSERT_EQ(MoveKey(db_, db1_, "a"), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"1:new:a", "0:move_from:a", "1:move_to:a"}));
  Set("a", "2");
  ForgetEvents();
  EXPECT_EQ(MoveKey(db_, db1_, "a"), OpStatus::kNotDone);
  EXPECT_EQ(Events(), Strings{});

  ASSERT_EQ(CopyKey(db_, "a", db_, "b", false), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:b", "0:copy_to:b"}));
  ASSERT_EQ(CopyKey(db_, "a", db1_, "c", false), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"1:new:c", "1:copy_to:c"}));
  EXPECT_EQ(CopyKey(db_, "a", db_, "b", false), OpStatus::kNotDone);
  EXPECT_EQ(Events(), Strings{});
}

TEST_F(KeyEventsTest, ExpireAndPersist) {
  Set("a", "1");
  ForgetEvents();
  ASSERT_EQ(SetExpiry(db_, "a", kFarFuture, kExpireAlways), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:expire:a"}));
  EXPECT_EQ(SetExpiry(db_, "a", kFarFuture + 1, kExpireNx), OpStatus::kNotDone);
  EXPECT_EQ(SetExpiry(db_, "a", kFarFuture - 1, kExpireGt), OpStatus::kNotDone);
  EXPECT_EQ(Events(), Strings{});
  ASSERT_EQ(ClearExpiry(db_, "a"), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:persist:a"}));
  EXPECT_EQ(ClearExpiry(db_, "a"), OpStatus::kNotDone);
  EXPECT_EQ(Events(), Strings{});
  ASSERT_EQ(SetExpiry(db_, "a", clock_.NowMs(), kExpireAlways), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:del:a"})) << "a deadline that has passed deletes, as a DEL";
}

TEST_F(KeyEventsTest, SortStore) {
  RPush("l", {"3", "1", "2"});
  ForgetEvents();
  size_t stored;
  ASSERT_EQ(SortStore(db_, "l", SortOptions{}, "d", &stored), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:d", "0:sortstore:d"}));
  ASSERT_EQ(SortStore(db_, "l", SortOptions{}, "d", &stored), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:sortstore:d"}));
  ASSERT_EQ(SortStore(db_, "missing", SortOptions{}, "d", &stored), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:del:d"}));
  ASSERT_EQ(SortStore(db_, "missing", SortOptions{}, "d", &stored), OpStatus::kOk);
  EXPECT_EQ(Events(), Strings{});
}

// --- Expiry ---

TEST_F(KeyEventsTest, LazyExpiryAnnouncesAndCountsOnce) {
  Set("k", "v", clock_.NowMs() + 10);
  ForgetEvents();
  Advance(11);
  EXPECT_FALSE(db_.Find("k"));
  EXPECT_FALSE(db_.Find("k"));
  EXPECT_EQ(Events(), (Strings{"0:expired:k"}));
  EXPECT_EQ(keyspace_.CounterTotals().expired_keys, 1u);

  // A write over an expired key: the old one expires, the new one is new.
  Set("w", "old", clock_.NowMs() + 10);
  ForgetEvents();
  Advance(11);
  Set("w", "new");
  EXPECT_EQ(Events(), (Strings{"0:expired:w", "0:new:w", "0:set:w"}));
  EXPECT_EQ(keyspace_.CounterTotals().expired_keys, 2u);
}

TEST_F(KeyEventsTest, ActiveExpiryAnnouncesAndCountsOnce) {
  Set("k", "v", clock_.NowMs() + 10);
  Set("p", "v");
  ForgetEvents();
  clock_.AdvanceMs(11);
  Release();
  EXPECT_EQ(keyspace_.ActiveExpireCycle(0, 1, 1'000'000).deleted, 1u);
  EXPECT_EQ(observer_.Take(), (Strings{"0:expired:k"})) << "the cycle delivers its own events";
  EXPECT_EQ(keyspace_.ActiveExpireCycle(0, 1, 1'000'000).deleted, 0u);
  NextCommand();
  EXPECT_FALSE(db_.Find("k"));
  EXPECT_EQ(Events(), Strings{});
  EXPECT_EQ(keyspace_.CounterTotals().expired_keys, 1u);
}

// A command sees one instant: a key that expires while it runs is still there for all of it.
TEST_F(KeyEventsTest, ExpiryIsJudgedAtTheCommandsInstant) {
  Set("k", "v", clock_.NowMs() + 10);
  ForgetEvents();
  clock_.AdvanceMs(11);
  EXPECT_TRUE(db_.Find("k")) << "this command began before the deadline";
  EXPECT_EQ(Events(), Strings{});
  EXPECT_FALSE(db_.Find("k"));
  EXPECT_EQ(Events(), (Strings{"0:expired:k"}));
}

// --- Recording and delivery ---

TEST_F(KeyEventsTest, NothingIsRecordedForClassesNobodyWants) {
  observer_.Want(0);
  Set("k", "v");
  RPush("l", {"a"});
  EXPECT_TRUE(DeleteKey(db_, "k", false));
  EXPECT_TRUE(LocalEventQueue().empty());
  EXPECT_EQ(Events(), Strings{});
  EXPECT_EQ(keyspace_.CounterTotals().dirty, 3u) << "writes count whether or not anyone listens";

  observer_.Want(kClassList);
  Set("k", "v");
  RPush("l", {"b"});
  size_t length;
  ASSERT_EQ(ListPush(db_, "n", ListEnd::kHead, Views{"x"}, false, &length), OpStatus::kOk);
  EXPECT_EQ(LocalEventQueue().size(), 2u) << "only the list events: not set, not new";
  EXPECT_EQ(Events(), (Strings{"0:rpush:l", "0:lpush:n"}));
}

TEST_F(KeyEventsTest, EventsAreDeliveredOnlyByDeliverEventsInOrder) {
  Set("a", "1");
  RPush("l", {"x"});
  ASSERT_EQ(RenameKey(db_, "l", "m", false), OpStatus::kOk);
  EXPECT_EQ(observer_.Take(), Strings{}) << "nothing is delivered while the command runs";
  EXPECT_EQ(LocalEventQueue().size(), 7u);
  Release();
  EXPECT_TRUE(LocalEventQueue().empty());
  EXPECT_EQ(observer_.Take(), (Strings{"0:new:a", "0:set:a", "0:new:l", "0:rpush:l", "0:new:m", "0:rename_from:l",
                                      "0:rename_to:m"}));
  keyspace_.DeliverEvents();
  EXPECT_EQ(observer_.Take(), Strings{}) << "each event is delivered once";
  NextCommand();
}

// Commands run as the dispatcher runs them (testing::OnKeys): each delivers its events once its
// locks are released, to each observer the events of the classes it wants.
TEST(KeyEventsDeliveryTest, EachObserverGetsTheClassesItWants) {
  FakeClock clock;
  testing::RecordingObserver all;
  testing::RecordingObserver lists;
  lists.Want(kClassList | kClassGeneric);
  Keyspace keyspace(1, &clock);
  keyspace.AddObserver(&all);
  keyspace.AddObserver(&lists);
  testing::OnKeys(keyspace, 0, {"a"}, [](Db& db) { SetString(db, "a", "1", SetParams{}); });
  EXPECT_EQ(all.Take(), (Strings{"0:new:a", "0:set:a"}));
  testing::OnKeys(keyspace, 0, {"l"}, [](Db& db) {
    size_t length;
    ListPush(db, "l", ListEnd::kTail, Views{"x"}, false, &length);
  });
  testing::OnKeys(keyspace, 0, {"a"}, [](Db& db) { DeleteKey(db, "a", false); });
  EXPECT_EQ(all.Take(), (Strings{"0:new:l", "0:rpush:l", "0:del:a"}));
  EXPECT_EQ(lists.Take(), (Strings{"0:rpush:l", "0:del:a"}));
  EXPECT_TRUE(LocalEventQueue().empty());
}

TEST_F(KeyEventsTest, DirtyCountsEachAnnouncedWrite) {
  auto dirty = [this] { return keyspace_.CounterTotals().dirty; };
  Set("k", "v");
  EXPECT_EQ(dirty(), 1u) << "\"new\" is part of the write, not another one";
  Set("k", "v", kFarFuture);
  EXPECT_EQ(dirty(), 3u) << "set, expire";
  RPush("l", {"a", "b", "c"});
  EXPECT_EQ(dirty(), 4u);
  ASSERT_EQ(RenameKey(db_, "l", "m", false), OpStatus::kOk);
  EXPECT_EQ(dirty(), 6u) << "rename_from, rename_to";
  SetParams nx;
  nx.condition = SetParams::Condition::kIfAbsent;
  EXPECT_EQ(SetString(db_, "k", "x", nx).status, OpStatus::kNotDone);
  EXPECT_EQ(dirty(), 6u);
  Set("e", "v", clock_.NowMs() + 1);
  EXPECT_EQ(dirty(), 8u);
  Advance(2);
  EXPECT_FALSE(db_.Find("e"));
  EXPECT_EQ(dirty(), 8u) << "an expiry is no write";
  EXPECT_EQ(keyspace_.CounterTotals().expired_keys, 1u);
}

}  // namespace
}  // namespace strata::store
