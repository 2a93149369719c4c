#include "store/keyspace_ops.h"

#include <gtest/gtest.h>

#include <chrono>
#include <climits>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "keyspace_fixture.h"
#include "store/string_ops.h"
#include "store_test_util.h"

namespace strata::store {
namespace {

using testing::NewObjectEntry;
using testing::NewStringEntry;
using testing::TestObject;

using Strings = std::vector<std::string>;

class KeyspaceOpsTest : public HeldKeyspaceFixture {
 protected:
  KeyspaceOpsTest() : HeldKeyspaceFixture(3) {}

  void Set(std::string_view key, std::string_view value, int64_t expire_ms = kNoExpire, Db* db = nullptr) {
    (db != nullptr ? *db : db_).Store(NewStringEntry(key, value, expire_ms));
  }
  std::string Get(std::string_view key, Db* db = nullptr) {
    EntryRef ref = (db != nullptr ? *db : db_).Find(key);
    if (!ref) return "<none>";
    if (ref->type() != ValueType::kString) return "<object>";
    return std::string(ref->string_value());
  }
  int64_t Deadline(std::string_view key, Db* db = nullptr) {
    EntryRef ref = (db != nullptr ? *db : db_).Find(key);
    return ref ? ref->expire_ms() : -2;
  }
  int64_t Now() const { return clock_.NowMs(); }
  // The access field of `key` (0 when absent), read without touching it.
  uint32_t AccessOf(std::string_view key, Db* db = nullptr) {
    EntryRef ref = (db != nullptr ? *db : db_).Find(key);
    return ref ? ref->access() : 0;
  }
  // Moves the clock `seconds` on, refreshes the LRU clock and starts a new command.
  void Later(int seconds) {
    Advance(int64_t{seconds} * 1000);
    keyspace_.Tick();
  }
};

TEST_F(KeyspaceOpsTest, DeleteKey) {
  Set("a", "1");
  EXPECT_TRUE(DeleteKey(db_, "a", false));
  EXPECT_FALSE(DeleteKey(db_, "a", false));
  EXPECT_EQ(Get("a"), "<none>");
  Set("e", "1", Now() + 5);
  Advance(6);
  EXPECT_FALSE(DeleteKey(db_, "e", false)) << "an expired key counts as absent";
  EXPECT_EQ(keyspace_.DbSize(0), 0u);
}

TEST_F(KeyspaceOpsTest, LazyDeleteHandsCollectionsToTheBackgroundThread) {
  const int destroyed = TestObject::destroyed();
  db_.Store(NewObjectEntry("big", ValueType::kList, "elements"));
  Set("s", std::string(1000, 'x'));
  EXPECT_TRUE(DeleteKey(db_, "big", true));
  EXPECT_TRUE(DeleteKey(db_, "s", true));
  EXPECT_EQ(keyspace_.DbSize(0), 0u);
  for (int i = 0; i < 500 && keyspace_.PendingLazyFree() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(keyspace_.PendingLazyFree(), 0u);
  EXPECT_EQ(TestObject::destroyed(), destroyed + 1);
}

TEST_F(KeyspaceOpsTest, ExistsCountsHitsWithoutTouching) {
  Set("a", "1");
  EntryRef ref = db_.Find("a");
  ref->set_access(5);
  EXPECT_TRUE(KeyExists(db_, "a"));
  EXPECT_FALSE(KeyExists(db_, "b"));
  EXPECT_EQ(keyspace_.CounterTotals().keyspace_hits, 1u);
  EXPECT_EQ(keyspace_.CounterTotals().keyspace_misses, 1u);
  EXPECT_EQ(db_.Find("a")->access(), 5u);

  Advance(7000);
  keyspace_.Tick();
  EXPECT_TRUE(TouchKey(db_, "a"));
  EXPECT_EQ(db_.Find("a")->access(), keyspace_.lru_clock()) << "TOUCH refreshes the access time";
  EXPECT_FALSE(TouchKey(db_, "b"));
}

TEST_F(KeyspaceOpsTest, GetKeyType) {
  Set("s", "v");
  db_.Store(NewObjectEntry("z", ValueType::kZSet, "m"));
  ValueType type;
  EXPECT_EQ(GetKeyType(db_, "s", &type), OpStatus::kOk);
  EXPECT_EQ(type, ValueType::kString);
  EXPECT_EQ(GetKeyType(db_, "z", &type), OpStatus::kOk);
  EXPECT_EQ(type, ValueType::kZSet);
  EXPECT_EQ(GetKeyType(db_, "none", &type), OpStatus::kNoKey);
}

TEST_F(KeyspaceOpsTest, RenameMovesValueAndDeadline) {
  Set("a", "va", 4'000'000'000'000);
  EXPECT_EQ(RenameKey(db_, "a", "b", false), OpStatus::kOk);
  EXPECT_EQ(Get("a"), "<none>");
  EXPECT_EQ(Get("b"), "va");
  EXPECT_EQ(Deadline("b"), 4'000'000'000'000);
  EXPECT_EQ(keyspace_.VolatileCount(0), 1u);

  // An existing destination, with its own deadline, is replaced entirely.
  Set("c", "vc");
  Set("d", "vd", 5'000'000'000'000);
  EXPECT_EQ(RenameKey(db_, "c", "d", false), OpStatus::kOk);
  EXPECT_EQ(Get("d"), "vc");
  EXPECT_EQ(Deadline("d"), kNoExpire);
  EXPECT_EQ(keyspace_.VolatileCount(0), 1u);
  EXPECT_EQ(keyspace_.DbSize(0), 2u);

  EXPECT_EQ(RenameKey(db_, "missing", "x", false), OpStatus::kNoKey);
  EXPECT_EQ(RenameKey(db_, "d", "d", false), OpStatus::kOk);
  EXPECT_EQ(Get("d"), "vc");
}

TEST_F(KeyspaceOpsTest, RenameNx) {
  Set("a", "1");
  Set("b", "2");
  EXPECT_EQ(RenameKey(db_, "a", "b", true), OpStatus::kNotDone);
  EXPECT_EQ(Get("a"), "1");
  EXPECT_EQ(Get("b"), "2");
  EXPECT_EQ(RenameKey(db_, "a", "a", true), OpStatus::kNotDone) << "Redis 7.0 answers 0 for the same name";
  EXPECT_EQ(RenameKey(db_, "nope", "nope", true), OpStatus::kNoKey);
  EXPECT_EQ(RenameKey(db_, "a", "c", true), OpStatus::kOk);
  EXPECT_EQ(Get("c"), "1");
  // An expired destination is no obstacle.
  Set("old", "x", Now() + 1);
  Advance(2);
  EXPECT_EQ(RenameKey(db_, "c", "old", true), OpStatus::kOk);
  EXPECT_EQ(Get("old"), "1");
}

// Keys sharing a stripe: reclaiming an expired destination shifts the source's slot.
TEST_F(KeyspaceOpsTest, RenameOverAnExpiredKeyInTheSameStripe) {
  const size_t stripe = StripeOf(HashKey("src"));
  std::vector<std::string> neighbours;
  for (int i = 0; neighbours.size() < 40; ++i) {
    std::string key = "n" + std::to_string(i);
    if (StripeOf(HashKey(key)) == stripe) neighbours.push_back(key);
  }
  for (const std::string& key : neighbours) Set(key, "x", Now() + 1);
  Set("src", "value");
  Advance(2);
  for (const std::string& key : neighbours) {
    ASSERT_EQ(RenameKey(db_, "src", key, false), OpStatus::kOk) << key;
    ASSERT_EQ(RenameKey(db_, key, "src", false), OpStatus::kOk) << key;
  }
  EXPECT_EQ(Get("src"), "value");
  EXPECT_EQ(keyspace_.DbSize(0), 1u);
  testing::CheckTableInvariants(keyspace_.stripe(0, stripe).table);
}

TEST_F(KeyspaceOpsTest, RenameAnnouncesBothNames) {
  db_.Store(NewObjectEntry("list", ValueType::kList, "e"));
  Set("str", "v");
  Events();
  EXPECT_EQ(RenameKey(db_, "list", "queue", false), OpStatus::kOk);
  EXPECT_EQ(RenameKey(db_, "str", "other", false), OpStatus::kOk);
  EXPECT_EQ(Events(), (Strings{"0:new:queue", "0:rename_from:list", "0:rename_to:queue", "0:new:other",
                               "0:rename_from:str", "0:rename_to:other"}));
}

TEST_F(KeyspaceOpsTest, CopyWithinAndAcrossDatabases) {
  Set("src", "v", 4'000'000'000'000);
  EXPECT_EQ(CopyKey(db_, "src", db_, "dst", false), OpStatus::kOk);
  EXPECT_EQ(Get("dst"), "v");
  EXPECT_EQ(Deadline("dst"), 4'000'000'000'000);
  EXPECT_EQ(Get("src"), "v");
  EXPECT_EQ(keyspace_.VolatileCount(0), 2u);

  Set("src", "w");
  EXPECT_EQ(CopyKey(db_, "src", db_, "dst", false), OpStatus::kNotDone);
  EXPECT_EQ(Get("dst"), "v");
  EXPECT_EQ(CopyKey(db_, "src", db_, "dst", true), OpStatus::kOk);
  EXPECT_EQ(Get("dst"), "w");
  EXPECT_EQ(Deadline("dst"), kNoExpire);

  EXPECT_EQ(CopyKey(db_, "src", db1_, "src", false), OpStatus::kOk);
  EXPECT_EQ(Get("src", &db1_), "w");
  EXPECT_EQ(CopyKey(db_, "missing", db1_, "x", true), OpStatus::kNoKey);
}

TEST_F(KeyspaceOpsTest, CopyOfACollectionIsDeep) {
  const int live = TestObject::live();
  db_.Store(NewObjectEntry("h", ValueType::kHash, "fields"));
  EXPECT_EQ(CopyKey(db_, "h", db1_, "h2", false), OpStatus::kOk);
  EXPECT_EQ(TestObject::live(), live + 2);
  EntryRef a = db_.Find("h");
  EntryRef b = db1_.Find("h2");
  EXPECT_NE(a->object(), b->object());
  EXPECT_EQ(b->type(), ValueType::kHash);
  EXPECT_TRUE(DeleteKey(db_, "h", false));
  EXPECT_EQ(TestObject::live(), live + 1);
}

TEST_F(KeyspaceOpsTest, MoveKey) {
  Set("m", "v", 4'000'000'000'000);
  EXPECT_EQ(MoveKey(db_, db1_, "m"), OpStatus::kOk);
  EXPECT_EQ(Get("m"), "<none>");
  EXPECT_EQ(Get("m", &db1_), "v");
  EXPECT_EQ(Deadline("m", &db1_), 4'000'000'000'000);
  EXPECT_EQ(keyspace_.VolatileCount(0), 0u);
  EXPECT_EQ(keyspace_.VolatileCount(1), 1u);
  EXPECT_EQ(MoveKey(db_, db1_, "m"), OpStatus::kNoKey);
  Set("m", "here");
  EXPECT_EQ(MoveKey(db_, db1_, "m"), OpStatus::kNotDone);
  EXPECT_EQ(Get("m"), "here");
  EXPECT_EQ(Get("m", &db1_), "v");
}

TEST_F(KeyspaceOpsTest, SetExpiryConditions) {
  const int64_t t = Now() + 100000;
  EXPECT_EQ(SetExpiry(db_, "missing", t, kExpireAlways), OpStatus::kNoKey);
  Set("k", "v");
  EXPECT_EQ(SetExpiry(db_, "k", t, kExpireXx), OpStatus::kNotDone);
  EXPECT_EQ(SetExpiry(db_, "k", t, kExpireGt), OpStatus::kNotDone) << "no deadline is infinite";
  EXPECT_EQ(SetExpiry(db_, "k", t, kExpireNx), OpStatus::kOk);
  EXPECT_EQ(Deadline("k"), t);
  EXPECT_EQ(SetExpiry(db_, "k", t + 1, kExpireNx), OpStatus::kNotDone);
  EXPECT_EQ(SetExpiry(db_, "k", t, kExpireGt), OpStatus::kNotDone);
  EXPECT_EQ(SetExpiry(db_, "k", t + 5, kExpireGt | kExpireXx), OpStatus::kOk);
  EXPECT_EQ(SetExpiry(db_, "k", t + 5, kExpireLt), OpStatus::kNotDone);
  EXPECT_EQ(SetExpiry(db_, "k", t + 4, kExpireLt), OpStatus::kOk);
  EXPECT_EQ(Deadline("k"), t + 4);
  EXPECT_EQ(keyspace_.VolatileCount(0), 1u);

  Set("p", "v");
  EXPECT_EQ(SetExpiry(db_, "p", t, kExpireLt), OpStatus::kOk) << "anything is less than infinite";
  EXPECT_EQ(Deadline("p"), t);
}

TEST_F(KeyspaceOpsTest, PastDeadlinesDeleteAtOnce) {
  Set("now", "v");
  EXPECT_EQ(SetExpiry(db_, "now", Now(), kExpireAlways), OpStatus::kOk);
  EXPECT_EQ(Get("now"), "<none>");
  Set("past", "v", Now() + 1000);
  EXPECT_EQ(SetExpiry(db_, "past", INT64_MIN, kExpireLt), OpStatus::kOk);
  EXPECT_EQ(keyspace_.DbSize(0), 0u);
  EXPECT_EQ(keyspace_.VolatileCount(0), 0u);
  Set("future", "v");
  EXPECT_EQ(SetExpiry(db_, "future", Now() + 1, kExpireAlways), OpStatus::kOk);
  EXPECT_EQ(Get("future"), "v");
}

TEST_F(KeyspaceOpsTest, ClearAndGetExpiry) {
  Set("k", "v", 4'000'000'000'000);
  int64_t deadline;
  EXPECT_EQ(GetExpiry(db_, "k", &deadline), OpStatus::kOk);
  EXPECT_EQ(deadline, 4'000'000'000'000);
  EXPECT_EQ(ClearExpiry(db_, "k"), OpStatus::kOk);
  EXPECT_EQ(GetExpiry(db_, "k", &deadline), OpStatus::kOk);
  EXPECT_EQ(deadline, kNoExpire);
  EXPECT_EQ(keyspace_.VolatileCount(0), 0u);
  EXPECT_EQ(ClearExpiry(db_, "k"), OpStatus::kNotDone);
  EXPECT_EQ(ClearExpiry(db_, "missing"), OpStatus::kNoKey);
  EXPECT_EQ(GetExpiry(db_, "missing", &deadline), OpStatus::kNoKey);
  EXPECT_EQ(Get("k"), "v");
}

TEST_F(KeyspaceOpsTest, InspectKey) {
  ObjectInfo info;
  EXPECT_EQ(InspectKey(db_, "missing", &info), OpStatus::kNoKey);
  const std::pair<const char*, int64_t> cases[] = {
      {"0", INT_MAX}, {"9999", INT_MAX}, {"10000", 1}, {"-1", 1}, {"007", 1}, {"hello", 1},
  };
  for (const auto& [value, refcount] : cases) {
    Set("k", value);
    ASSERT_EQ(InspectKey(db_, "k", &info), OpStatus::kOk);
    EXPECT_EQ(info.refcount, refcount) << value;
  }
  EXPECT_EQ(info.encoding, Encoding::kEmbStr);
  db_.Store(NewObjectEntry("o", ValueType::kSet, "m"));
  ASSERT_EQ(InspectKey(db_, "o", &info), OpStatus::kOk);
  EXPECT_EQ(info.refcount, 1);
  EXPECT_EQ(info.encoding, Encoding::kHashtable);

  keyspace_.Tick();
  Set("idle", "v");
  Advance(42'000);
  keyspace_.Tick();
  ASSERT_EQ(InspectKey(db_, "idle", &info), OpStatus::kOk);
  EXPECT_EQ(info.idle_seconds, 42);
  ASSERT_EQ(InspectKey(db_, "idle", &info), OpStatus::kOk);
  EXPECT_EQ(info.idle_seconds, 42) << "inspecting does not count as an access";
  db_.FindForRead("idle");
  ASSERT_EQ(InspectKey(db_, "idle", &info), OpStatus::kOk);
  EXPECT_EQ(info.idle_seconds, 0);
}

TEST_F(KeyspaceOpsTest, MatchKeys) {
  for (const char* key : {"", "foo", "foobar", "bar", "f*o"}) Set(key, "v");
  Set("fexpired", "v", Now() + 1);
  Advance(2);
  auto match = [&](std::string_view pattern) {
    std::set<std::string> keys;
    MatchKeys(db_, pattern, [&](std::string_view key) { keys.emplace(key); });
    return keys;
  };
  EXPECT_EQ(match("*"), (std::set<std::string>{"", "foo", "foobar", "bar", "f*o"}));
  EXPECT_EQ(match("**"), (std::set<std::string>{"foo", "foobar", "bar", "f*o"})) << "as Redis: only a lone * matches \"\"";
  EXPECT_EQ(match("f*"), (std::set<std::string>{"foo", "foobar", "f*o"}));
  EXPECT_EQ(match("f\\*o"), (std::set<std::string>{"f*o"}));
  EXPECT_EQ(match(""), (std::set<std::string>{""}));
  EXPECT_EQ(match("zzz"), (std::set<std::string>{}));
}

TEST_F(KeyspaceOpsTest, ScanKeysFilters) {
  for (int i = 0; i < 50; ++i) Set("s" + std::to_string(i), "v");
  for (int i = 0; i < 20; ++i) db_.Store(NewObjectEntry("h" + std::to_string(i), ValueType::kHash, "f"));
  auto scan = [&](const ScanFilter& filter) {
    std::set<std::string> keys;
    uint64_t cursor = 0;
    do {
      cursor = ScanKeys(db_, cursor, 5, filter, [&](std::string_view key) { keys.emplace(key); });
    } while (cursor != 0);
    return keys;
  };
  EXPECT_EQ(scan(ScanFilter{}).size(), 70u);
  ScanFilter by_pattern;
  by_pattern.has_pattern = true;
  by_pattern.pattern = "s1*";
  EXPECT_EQ(scan(by_pattern).size(), 11u);
  ScanFilter by_type;
  by_type.has_type = true;
  by_type.type_name = "HASH";
  EXPECT_EQ(keyspace_.CounterTotals().keyspace_hits, 0u);
  EXPECT_EQ(scan(by_type).size(), 20u);
  EXPECT_EQ(keyspace_.CounterTotals().keyspace_hits, 70u) << "each key checked for its type counts a hit";
  by_type.type_name = "nosuchtype";
  EXPECT_TRUE(scan(by_type).empty());
  ScanFilter both;
  both.has_pattern = true;
  both.pattern = "h1?";
  both.has_type = true;
  both.type_name = "hash";
  EXPECT_EQ(scan(both).size(), 10u);
}

// --- The access field (LRU clock) a stored value gets ---

TEST_F(KeyspaceOpsTest, ANewKeyGetsTheLruClockOfItsWrite) {
  Later(1000);
  ASSERT_NE(keyspace_.lru_clock(), 0u);
  SetString(db_, "k", "v", SetParams{});
  EXPECT_EQ(AccessOf("k"), keyspace_.lru_clock());
}

TEST_F(KeyspaceOpsTest, AValueReplacingAnotherTypeGetsAFreshAccessField) {
  db_.Store(NewObjectEntry("k", ValueType::kList, "e"));
  db_.Find("k")->set_access(5);
  Later(1000);
  SetString(db_, "k", "v", SetParams{});
  EXPECT_EQ(AccessOf("k"), keyspace_.lru_clock());
}

// The rule the operations rely on: Access::kFresh stamps the LRU clock, Access::kKeep leaves the
// entry's own field, for a new key and over an existing one alike.
TEST_F(KeyspaceOpsTest, StoreAndInsertStampOrKeepTheAccessFieldAsAsked) {
  Later(1000);
  auto aged = [](std::string_view key) {
    Entry* e = NewStringEntry(key, "v");
    e->set_access(5);
    return e;
  };
  db_.Insert(aged("inserted_fresh"));
  db_.Insert(aged("inserted_kept"), Access::kKeep);
  db_.Store(aged("stored_fresh"));
  db_.Store(aged("stored_kept"), Access::kKeep);
  db_.Store(aged("stored_kept"), Access::kKeep);  // over an existing key
  db_.Store(aged("stored_fresh"));
  EXPECT_EQ(AccessOf("inserted_fresh"), keyspace_.lru_clock());
  EXPECT_EQ(AccessOf("inserted_kept"), 5u);
  EXPECT_EQ(AccessOf("stored_fresh"), keyspace_.lru_clock());
  EXPECT_EQ(AccessOf("stored_kept"), 5u);
}

// RENAME, MOVE and COPY store the source's own entry (or its copy) with Access::kKeep. As in
// Redis, they look the source up as a write (COPY as a read), which touches it first, so the key
// they make is as fresh as that lookup left the source: idle 0, not the source's old idle time
// (Redis 7.0: OBJECT IDLETIME is 0 right after each of them).
TEST_F(KeyspaceOpsTest, RenameMoveAndCopyCarryTheAccessTheirLookupGaveTheSource) {
  Set("r", "v");
  Set("m", "v");
  Set("c", "v");
  for (const char* key : {"r", "m", "c"}) db_.Find(key)->set_access(5);
  Later(1000);
  const uint32_t now = keyspace_.lru_clock();
  ASSERT_EQ(RenameKey(db_, "r", "r2", false), OpStatus::kOk);
  EXPECT_EQ(AccessOf("r2"), now);
  ASSERT_EQ(MoveKey(db_, db1_, "m"), OpStatus::kOk);
  EXPECT_EQ(AccessOf("m", &db1_), now);
  ASSERT_EQ(CopyKey(db_, "c", db1_, "c2", false), OpStatus::kOk);
  EXPECT_EQ(AccessOf("c2", &db1_), now);
  EXPECT_EQ(AccessOf("c"), now);
}

}  // namespace
}  // namespace strata::store
