#include "store/hash_ops.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "keyspace_fixture.h"
#include "store/string_ops.h"

namespace strata::store {
namespace {

// Collects what an operation sends to a PairSink.
struct Collected : PairSink {
  void Begin(size_t pairs) override {
    ++begins;
    announced = pairs;
  }
  void Pair(std::string_view f, std::string_view v) override { pairs.emplace_back(f, v); }
  int begins = 0;
  size_t announced = 0;
  std::vector<std::pair<std::string, std::string>> pairs;
};

class HashOpsTest : public HeldKeyspaceFixture {
 protected:
  // redis.conf's 128-field threshold rather than the built-in 512, so tables form with few fields.
  HashOpsTest() : HeldKeyspaceFixture(16) { keyspace_.limits().hash_max_listpack_entries.store(128); }

  size_t Set(std::string_view key, std::vector<std::string_view> fv) {
    size_t added = 0;
    EXPECT_EQ(HashSet(db_, key, fv, &added), OpStatus::kOk);
    return added;
  }
  Encoding EncodingOf(std::string_view key) {
    EntryRef ref = db_.Find(key);
    EXPECT_TRUE(ref);
    return ref ? ref->encoding() : Encoding::kRaw;
  }
  std::string Get(std::string_view key, std::string_view field) {
    std::string_view v;
    const OpStatus status = HashGet(db_, key, field, &v);
    return status == OpStatus::kOk ? std::string(v) : std::string("<") + std::to_string(static_cast<int>(status)) + ">";
  }
  void MakeString(std::string_view key) { SetString(db_, key, "text", SetParams()); }
  uint64_t Dirty() { return keyspace_.CounterTotals().dirty; }
};

TEST_F(HashOpsTest, SetCountsNewFieldsAndAnnouncesEachWrite) {
  EXPECT_EQ(Set("h", {"a", "1", "b", "2"}), 2u);
  EXPECT_EQ(Set("h", {"a", "3", "c", "4"}), 1u);
  EXPECT_EQ(Set("h", {"a", "5", "a", "6"}), 0u);
  EXPECT_EQ(Get("h", "a"), "6");
  EXPECT_EQ(Dirty(), 3u);
  EXPECT_EQ(Events(), (std::vector<std::string>{"0:new:h", "0:hset:h", "0:hset:h", "0:hset:h"}));
  EntryRef ref = db_.Find("h");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->type(), ValueType::kHash);
  EXPECT_EQ(ref->encoding(), Encoding::kListpack);
}

TEST_F(HashOpsTest, WrongTypeEverywhere) {
  MakeString("s");
  size_t n;
  bool b;
  int64_t i;
  std::string str;
  std::string_view sv;
  std::vector<std::optional<std::string_view>> values;
  Collected sink;
  const HashValue* hash;
  HashRng rng(1);
  const std::vector<std::string_view> fv = {"f", "v"};
  EXPECT_EQ(HashSet(db_, "s", fv, &n), OpStatus::kWrongType);
  EXPECT_EQ(HashSetIfAbsent(db_, "s", "f", "v", &b), OpStatus::kWrongType);
  EXPECT_EQ(HashGet(db_, "s", "f", &sv), OpStatus::kWrongType);
  EXPECT_EQ(HashGetMany(db_, "s", fv, &values), OpStatus::kWrongType);
  EXPECT_EQ(HashGetAll(db_, "s", &sink), OpStatus::kWrongType);
  EXPECT_EQ(HashDelete(db_, "s", fv, &n), OpStatus::kWrongType);
  EXPECT_EQ(HashLength(db_, "s", &n), OpStatus::kWrongType);
  EXPECT_EQ(HashValueLength(db_, "s", "f", &n), OpStatus::kWrongType);
  EXPECT_EQ(HashExists(db_, "s", "f", &b), OpStatus::kWrongType);
  EXPECT_EQ(HashIncrBy(db_, "s", "f", 1, &i), OpStatus::kWrongType);
  EXPECT_EQ(HashIncrByFloat(db_, "s", "f", 1, &str), OpStatus::kWrongType);
  EXPECT_EQ(HashRandomField(db_, "s", rng, &str), OpStatus::kWrongType);
  EXPECT_EQ(HashRandomFields(db_, "s", 3, rng, &sink), OpStatus::kWrongType);
  EXPECT_EQ(HashFindForRead(db_, "s", &hash), OpStatus::kWrongType);
  EXPECT_EQ(sink.begins, 0);
  std::string_view text;
  EXPECT_EQ(GetString(db_, "s", &text), OpStatus::kOk);
  EXPECT_EQ(text, "text");
}

TEST_F(HashOpsTest, ReadsOfAbsentKeysAndFields) {
  size_t n = 9;
  bool b = true;
  std::vector<std::optional<std::string_view>> values;
  const std::vector<std::string_view> fields = {"a", "b"};
  EXPECT_EQ(Get("none", "f"), "<1>");
  EXPECT_EQ(HashGetMany(db_, "none", fields, &values), OpStatus::kOk);
  EXPECT_EQ(values.size(), 2u);
  EXPECT_FALSE(values[0] || values[1]);
  EXPECT_EQ(HashLength(db_, "none", &n), OpStatus::kOk);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(HashExists(db_, "none", "f", &b), OpStatus::kOk);
  EXPECT_FALSE(b);
  Collected sink;
  EXPECT_EQ(HashGetAll(db_, "none", &sink), OpStatus::kNoKey);
  EXPECT_EQ(HashDelete(db_, "none", fields, &n), OpStatus::kOk);
  EXPECT_EQ(n, 0u);
  EXPECT_FALSE(db_.Find("none"));

  Set("h", {"a", "hello", "c", ""});
  EXPECT_EQ(HashGetMany(db_, "h", std::vector<std::string_view>{"c", "b", "a"}, &values), OpStatus::kOk);
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0], std::optional<std::string_view>(""));
  EXPECT_FALSE(values[1]);
  EXPECT_EQ(values[2], std::optional<std::string_view>("hello"));
  EXPECT_EQ(HashValueLength(db_, "h", "a", &n), OpStatus::kOk);
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(HashValueLength(db_, "h", "zz", &n), OpStatus::kOk);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(Get("h", "zz"), "<1>");
}

TEST_F(HashOpsTest, GetAllInInsertionOrderWhileCompact) {
  Set("h", {"z", "1", "y", "2", "x", "3"});
  Set("h", {"y", "20"});
  Collected sink;
  EXPECT_EQ(HashGetAll(db_, "h", &sink), OpStatus::kOk);
  EXPECT_EQ(sink.announced, 3u);
  EXPECT_EQ(sink.pairs, (std::vector<std::pair<std::string, std::string>>{{"z", "1"}, {"y", "20"}, {"x", "3"}}));
}

TEST_F(HashOpsTest, EntryEncodingFollowsConversionAtBothThresholds) {
  std::vector<std::string> storage;
  for (int i = 0; i < 129; ++i) storage.push_back("f" + std::to_string(i));
  for (int i = 0; i < 128; ++i) Set("h", {storage[i], "v"});
  EXPECT_EQ(EncodingOf("h"), Encoding::kListpack);
  Set("h", {storage[128], "v"});
  EXPECT_EQ(EncodingOf("h"), Encoding::kHashtable);

  Set("v", {"f", std::string(64, 'x')});
  EXPECT_EQ(EncodingOf("v"), Encoding::kListpack);
  Set("v", {"f", std::string(65, 'x')});
  EXPECT_EQ(EncodingOf("v"), Encoding::kHashtable);
}

TEST_F(HashOpsTest, ConfigChangesTakeEffectForNewConversions) {
  Set("a", {"f1", "v", "f2", "v", "f3", "v"});
  keyspace_.limits().hash_max_listpack_entries.store(2);
  EXPECT_EQ(EncodingOf("a"), Encoding::kListpack);  // nothing converts until written
  Set("b", {"f1", "v", "f2", "v"});
  EXPECT_EQ(EncodingOf("b"), Encoding::kListpack);
  Set("b", {"f3", "v"});
  EXPECT_EQ(EncodingOf("b"), Encoding::kHashtable);
  Set("a", {"f1", "w"});
  EXPECT_EQ(EncodingOf("a"), Encoding::kHashtable);

  keyspace_.limits().hash_max_listpack_entries.store(128);
  keyspace_.limits().hash_max_listpack_value.store(3);
  Set("c", {"abc", "def"});
  EXPECT_EQ(EncodingOf("c"), Encoding::kListpack);
  int64_t result;
  EXPECT_EQ(HashIncrBy(db_, "c", "n", 1000, &result), OpStatus::kOk);
  EXPECT_EQ(EncodingOf("c"), Encoding::kHashtable);
}

TEST_F(HashOpsTest, SetIfAbsent) {
  bool set = false;
  EXPECT_EQ(HashSetIfAbsent(db_, "h", "f", "1", &set), OpStatus::kOk);
  EXPECT_TRUE(set);
  EXPECT_EQ(Dirty(), 1u);
  EXPECT_EQ(HashSetIfAbsent(db_, "h", "f", std::string(100, 'x'), &set), OpStatus::kOk);
  EXPECT_FALSE(set);
  EXPECT_EQ(Dirty(), 1u);
  EXPECT_EQ(Events(), (std::vector<std::string>{"0:new:h", "0:hset:h"}));
  EXPECT_EQ(Get("h", "f"), "1");
  // No write, no conversion (as Redis 7.0: the existence check comes first).
  EXPECT_EQ(EncodingOf("h"), Encoding::kListpack);
}

TEST_F(HashOpsTest, DeletingTheLastFieldDeletesTheKey) {
  Set("h", {"a", "1", "b", "2", "c", "3"});
  size_t deleted;
  EXPECT_EQ(HashDelete(db_, "h", std::vector<std::string_view>{"a", "zz", "a"}, &deleted), OpStatus::kOk);
  EXPECT_EQ(deleted, 1u);
  EXPECT_TRUE(db_.Find("h"));
  EXPECT_EQ(HashDelete(db_, "h", std::vector<std::string_view>{"b", "c", "d"}, &deleted), OpStatus::kOk);
  EXPECT_EQ(deleted, 2u);
  EXPECT_FALSE(db_.Find("h"));

  std::vector<std::string> fields;
  for (int i = 0; i < 200; ++i) fields.push_back("f" + std::to_string(i));
  for (const auto& f : fields) Set("t", {f, "v"});
  EXPECT_EQ(EncodingOf("t"), Encoding::kHashtable);
  std::vector<std::string_view> views(fields.begin(), fields.end());
  EXPECT_EQ(HashDelete(db_, "t", views, &deleted), OpStatus::kOk);
  EXPECT_EQ(deleted, 200u);
  EXPECT_FALSE(db_.Find("t"));
}

TEST_F(HashOpsTest, IncrBy) {
  int64_t r;
  EXPECT_EQ(HashIncrBy(db_, "h", "n", 5, &r), OpStatus::kOk);
  EXPECT_EQ(r, 5);
  EXPECT_EQ(HashIncrBy(db_, "h", "n", -7, &r), OpStatus::kOk);
  EXPECT_EQ(r, -2);
  EXPECT_EQ(Get("h", "n"), "-2");
  Set("h", {"s", "abc", "big", "9223372036854775807", "sp", " 1", "neg", "-9223372036854775808"});
  EXPECT_EQ(HashIncrBy(db_, "h", "s", 1, &r), OpStatus::kNotInteger);
  EXPECT_EQ(HashIncrBy(db_, "h", "sp", 1, &r), OpStatus::kNotInteger);
  EXPECT_EQ(HashIncrBy(db_, "h", "big", 1, &r), OpStatus::kOverflow);
  EXPECT_EQ(HashIncrBy(db_, "h", "neg", -1, &r), OpStatus::kOverflow);
  EXPECT_EQ(HashIncrBy(db_, "h", "big", -1, &r), OpStatus::kOk);
  EXPECT_EQ(r, INT64_MAX - 1);
  EXPECT_EQ(Get("h", "big"), "9223372036854775806");
}

TEST_F(HashOpsTest, IncrByFloat) {
  std::string r;
  Set("h", {"x", "10.50", "e", "5.0e3", "s", "abc", "huge", "1e4932"});
  EXPECT_EQ(HashIncrByFloat(db_, "h", "x", 0.1L, &r), OpStatus::kOk);
  EXPECT_EQ(r, "10.6");
  EXPECT_EQ(Get("h", "x"), "10.6");
  EXPECT_EQ(HashIncrByFloat(db_, "h", "e", 200, &r), OpStatus::kOk);
  EXPECT_EQ(r, "5200");
  EXPECT_EQ(HashIncrByFloat(db_, "h", "new", -3, &r), OpStatus::kOk);
  EXPECT_EQ(r, "-3");
  EXPECT_EQ(HashIncrByFloat(db_, "h", "s", 1, &r), OpStatus::kNotFloat);
  EXPECT_EQ(HashIncrByFloat(db_, "h", "huge", 1e4932L, &r), OpStatus::kNanOrInfinity);
  EXPECT_EQ(HashIncrByFloat(db_, "fresh", "f", 2.5L, &r), OpStatus::kOk);
  EXPECT_EQ(r, "2.5");
  // A result longer than hash-max-listpack-value converts the hash.
  EXPECT_EQ(HashIncrByFloat(db_, "h", "e", 1e300L, &r), OpStatus::kOk);
  EXPECT_GT(r.size(), 64u);
  EXPECT_EQ(EncodingOf("h"), Encoding::kHashtable);
}

TEST_F(HashOpsTest, ParseHashFloatFollowsString2ld) {
  long double v;
  EXPECT_TRUE(ParseHashFloat("1.5", &v));
  EXPECT_TRUE(ParseHashFloat("inf", &v));
  EXPECT_FALSE(ParseHashFloat("nan", &v));
  EXPECT_FALSE(ParseHashFloat(" 1", &v));
  EXPECT_FALSE(ParseHashFloat("", &v));
  EXPECT_TRUE(ParseHashFloat("0." + std::string(5117, '1'), &v));
  EXPECT_FALSE(ParseHashFloat("0." + std::string(5118, '1'), &v));
}

TEST_F(HashOpsTest, RandomFieldsCountRules) {
  HashRng rng(3);
  Set("h", {"a", "1", "b", "2", "c", "3", "d", "4", "e", "5"});
  Collected zero;
  EXPECT_EQ(HashRandomFields(db_, "h", 0, rng, &zero), OpStatus::kOk);
  EXPECT_EQ(zero.announced, 0u);
  EXPECT_TRUE(zero.pairs.empty());

  Collected missing;
  EXPECT_EQ(HashRandomFields(db_, "none", 5, rng, &missing), OpStatus::kOk);
  EXPECT_EQ(missing.begins, 1);
  EXPECT_EQ(missing.announced, 0u);

  // At least the size: every pair, in insertion order.
  Collected all;
  EXPECT_EQ(HashRandomFields(db_, "h", 100, rng, &all), OpStatus::kOk);
  EXPECT_EQ(all.announced, 5u);
  EXPECT_EQ(all.pairs,
            (std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}}));

  // Fewer: distinct.
  Collected some;
  EXPECT_EQ(HashRandomFields(db_, "h", 3, rng, &some), OpStatus::kOk);
  EXPECT_EQ(some.announced, 3u);
  ASSERT_EQ(some.pairs.size(), 3u);
  std::set<std::string> distinct;
  for (const auto& p : some.pairs) distinct.insert(p.first);
  EXPECT_EQ(distinct.size(), 3u);

  // Negative: that many draws, repeats allowed, every field showing up.
  Collected many;
  EXPECT_EQ(HashRandomFields(db_, "h", -1000, rng, &many), OpStatus::kOk);
  EXPECT_EQ(many.announced, 1000u);
  ASSERT_EQ(many.pairs.size(), 1000u);
  std::map<std::string, int> hits;
  for (const auto& p : many.pairs) {
    EXPECT_EQ(Get("h", p.first), p.second);
    ++hits[p.first];
  }
  EXPECT_EQ(hits.size(), 5u);
  for (const auto& [f, n] : hits) EXPECT_GT(n, 120) << f;

  std::string f;
  EXPECT_EQ(HashRandomField(db_, "none", rng, &f), OpStatus::kNoKey);
  EXPECT_EQ(HashRandomField(db_, "h", rng, &f), OpStatus::kOk);
  EXPECT_EQ(Get("h", f), std::string(1, static_cast<char>(f[0] - 'a' + '1')));
}

TEST_F(HashOpsTest, RandomFieldsOnTables) {
  HashRng rng(11);
  std::vector<std::string> fields;
  for (int i = 0; i < 300; ++i) fields.push_back("f" + std::to_string(i));
  for (const auto& f : fields) Set("t", {f, "v" + f});
  ASSERT_EQ(EncodingOf("t"), Encoding::kHashtable);
  for (int64_t count : {1, 50, 150, 299, 300, 301}) {
    Collected c;
    EXPECT_EQ(HashRandomFields(db_, "t", count, rng, &c), OpStatus::kOk);
    const size_t want = std::min<size_t>(static_cast<size_t>(count), 300);
    EXPECT_EQ(c.announced, want);
    std::set<std::string> distinct;
    for (const auto& p : c.pairs) {
      EXPECT_EQ(p.second, "v" + p.first);
      distinct.insert(p.first);
    }
    EXPECT_EQ(distinct.size(), want) << count;
  }
}

TEST_F(HashOpsTest, ScanWithPatternAndGrowthBetweenSteps) {
  Set("c", {"apple", "1", "banana", "2", "avocado", "3"});
  const HashValue* hash;
  ASSERT_EQ(HashFindForRead(db_, "c", &hash), OpStatus::kOk);
  std::vector<std::pair<std::string, std::string>> pairs;
  EXPECT_EQ(HashScan(*hash, 0, 10, "a*", &pairs), 0u);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].first, "apple");
  EXPECT_EQ(pairs[1].first, "avocado");
  // An empty pattern matches only an empty field; no pattern matches all.
  Set("e", {"", "1", "x", "2"});
  ASSERT_EQ(HashFindForRead(db_, "e", &hash), OpStatus::kOk);
  HashScan(*hash, 0, 10, "", &pairs);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].first, "");
  HashScan(*hash, 0, 10, std::nullopt, &pairs);
  EXPECT_EQ(pairs.size(), 2u);
  ASSERT_EQ(HashFindForRead(db_, "c", &hash), OpStatus::kOk);

  for (int i = 0; i < 500; ++i) Set("t", {"orig" + std::to_string(i), "v"});
  std::multiset<std::string> seen;
  uint64_t cursor = 0;
  int step = 0;
  do {
    ASSERT_EQ(HashFindForRead(db_, "t", &hash), OpStatus::kOk);
    cursor = HashScan(*hash, cursor, 10, "orig*", &pairs);
    for (const auto& p : pairs) seen.emplace(p.first);
    // Quadruple the hash over the first steps (a scan that kept pace with endless growth would
    // never end: each step covers a share of hash space proportional to count / size).
    if (step < 15) {
      for (int i = 0; i < 100; ++i) Set("t", {"new" + std::to_string(step * 100 + i), "v"});
    }
    ++step;
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(seen.count("orig" + std::to_string(i)), 1u);
}

TEST_F(HashOpsTest, CopyAndMemoryUsageThroughTheEntry) {
  Set("h", {"a", "1", "b", "2"});
  std::vector<std::string> fields;
  for (int i = 0; i < 200; ++i) fields.push_back("f" + std::to_string(i));
  for (const auto& f : fields) Set("t", {f, "v"});
  for (const char* key : {"h", "t"}) {
    EntryRef ref = db_.Find(key);
    ASSERT_TRUE(ref);
    const std::string copy_key = std::string(key) + "-copy";
    Entry* copy = Entry::CopyTo(ref.entry, copy_key, kNoExpire);
    EXPECT_EQ(copy->encoding(), ref->encoding());
    EXPECT_EQ(copy->MemoryUsage() > 0, true);
    db_.Insert(copy);
    size_t deleted;
    EXPECT_EQ(HashDelete(db_, copy_key, std::vector<std::string_view>{"a", "f0"}, &deleted), OpStatus::kOk);
    EXPECT_EQ(deleted, 1u);
    size_t original;
    size_t copied;
    HashLength(db_, key, &original);
    HashLength(db_, copy_key, &copied);
    EXPECT_EQ(copied + 1, original);
  }
  EXPECT_GT(db_.Find("t")->MemoryUsage(), db_.Find("h")->MemoryUsage() + 200 * 8);
}

}  // namespace
}  // namespace strata::store
