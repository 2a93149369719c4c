#include "store/string_ops.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "keyspace_fixture.h"

namespace strata::store {
namespace {

class StringOpsTest : public KeyspaceFixture {
 protected:
  SetOutcome Set(std::string_view key, std::string_view value, const SetParams& params = SetParams()) {
    return Locked({key}, [&] { return SetString(db_, key, value, params); });
  }

  OpStatus Incr(std::string_view key, int64_t delta, int64_t* result) {
    return Locked({key}, [&] { return IncrBy(db_, key, delta, result); });
  }

  OpStatus IncrFloat(std::string_view key, std::string_view increment, std::string* result) {
    return Locked({key}, [&] { return IncrByFloat(db_, key, increment, result); });
  }

  OpStatus DoAppend(std::string_view key, std::string_view suffix, size_t* len) {
    return Locked({key}, [&] { return Append(db_, key, suffix, len); });
  }

  OpStatus DoSetRange(std::string_view key, int64_t offset, std::string_view value, size_t* len) {
    return Locked({key}, [&] { return SetRange(db_, key, offset, value, len); });
  }

  int64_t Later(int64_t ms) const { return clock_.NowMs() + ms; }
};

TEST_F(StringOpsTest, SetChoosesEncodingAsRedis) {
  Set("int", "12345");
  Set("neg", "-9223372036854775808");
  Set("too_big", "9223372036854775808");
  Set("lead_zero", "0123");
  Set("emb", std::string(44, 'x'));
  Set("raw", std::string(45, 'x'));
  Set("empty", "");
  EXPECT_EQ(EncodingOf("int"), Encoding::kInt);
  EXPECT_EQ(EncodingOf("neg"), Encoding::kInt);
  EXPECT_EQ(EncodingOf("too_big"), Encoding::kEmbStr);
  EXPECT_EQ(EncodingOf("lead_zero"), Encoding::kEmbStr);
  EXPECT_EQ(EncodingOf("emb"), Encoding::kEmbStr);
  EXPECT_EQ(EncodingOf("raw"), Encoding::kRaw);
  EXPECT_EQ(EncodingOf("empty"), Encoding::kEmbStr);
  EXPECT_EQ(Value("raw"), std::string(45, 'x'));
}

TEST_F(StringOpsTest, SetClearsTtlUnlessKeepTtl) {
  SetParams with_ttl;
  with_ttl.expire_ms = Later(100'000);
  Set("k", "v", with_ttl);
  EXPECT_EQ(DeadlineOf("k"), with_ttl.expire_ms);

  SetParams keep;
  keep.keep_ttl = true;
  Set("k", "w", keep);
  EXPECT_EQ(DeadlineOf("k"), with_ttl.expire_ms);

  Set("k", "x");
  EXPECT_EQ(DeadlineOf("k"), kNoExpire);
  EXPECT_EQ(Value("k"), "x");
}

TEST_F(StringOpsTest, SetConditionsAndGet) {
  SetParams nx;
  nx.condition = SetParams::Condition::kIfAbsent;
  EXPECT_EQ(Set("k", "1", nx).status, OpStatus::kOk);
  EXPECT_EQ(Set("k", "2", nx).status, OpStatus::kNotDone);
  EXPECT_EQ(Value("k"), "1");

  SetParams xx;
  xx.condition = SetParams::Condition::kIfPresent;
  EXPECT_EQ(Set("absent", "1", xx).status, OpStatus::kNotDone);
  EXPECT_EQ(Peek("absent"), nullptr);

  SetParams get;
  get.get_old = true;
  SetOutcome out = Set("k", "3", get);
  EXPECT_EQ(out.status, OpStatus::kOk);
  EXPECT_TRUE(out.had_old);
  EXPECT_EQ(out.old_value, "1");
  out = Set("fresh", "v", get);
  EXPECT_FALSE(out.had_old);
  EXPECT_EQ(Value("fresh"), "v");
}

TEST_F(StringOpsTest, SetOverwritesOtherTypesButGetRefuses) {
  PutObject("list");
  SetParams get;
  get.get_old = true;
  EXPECT_EQ(Set("list", "v", get).status, OpStatus::kWrongType);
  EXPECT_EQ(Peek("list")->type(), ValueType::kList);
  SetParams nx;
  nx.condition = SetParams::Condition::kIfAbsent;
  EXPECT_EQ(Set("list", "v", nx).status, OpStatus::kNotDone);
  EXPECT_EQ(Set("list", "v").status, OpStatus::kOk);
  EXPECT_EQ(Value("list"), "v");
}

TEST_F(StringOpsTest, GetDelCopiesThenDeletes) {
  Set("k", "hello");
  std::string value;
  EXPECT_EQ(Locked({"k"}, [&] { return GetDel(db_, "k", &value); }), OpStatus::kOk);
  EXPECT_EQ(value, "hello");
  EXPECT_EQ(Peek("k"), nullptr);
  EXPECT_EQ(Locked({"k"}, [&] { return GetDel(db_, "k", &value); }), OpStatus::kNoKey);

  PutObject("list");
  EXPECT_EQ(Locked({"list"}, [&] { return GetDel(db_, "list", &value); }), OpStatus::kWrongType);
  EXPECT_NE(Peek("list"), nullptr);
}

TEST_F(StringOpsTest, GetExChangesTheDeadline) {
  Set("k", "v");
  std::string value;
  auto getex = [&](const ExpiryChange& change) { return Locked({"k"}, [&] { return GetEx(db_, "k", change, &value); }); };

  EXPECT_EQ(getex(ExpiryChange()), OpStatus::kOk);
  EXPECT_EQ(value, "v");
  EXPECT_EQ(DeadlineOf("k"), kNoExpire);

  const int64_t deadline = Later(5'000);
  EXPECT_EQ(getex({ExpiryChange::Kind::kSet, deadline}), OpStatus::kOk);
  EXPECT_EQ(DeadlineOf("k"), deadline);
  EXPECT_EQ(Value("k"), "v");

  EXPECT_EQ(getex({ExpiryChange::Kind::kPersist, kNoExpire}), OpStatus::kOk);
  EXPECT_EQ(DeadlineOf("k"), kNoExpire);

  // A deadline already passed (EXAT in the past) deletes the key after reading it.
  value.clear();
  EXPECT_EQ(getex({ExpiryChange::Kind::kSet, clock_.NowMs()}), OpStatus::kOk);
  EXPECT_EQ(value, "v");
  EXPECT_EQ(Peek("k"), nullptr);
  EXPECT_EQ(getex(ExpiryChange()), OpStatus::kNoKey);

  PutObject("list");
  EXPECT_EQ(Locked({"list"}, [&] { return GetEx(db_, "list", {ExpiryChange::Kind::kSet, deadline}, &value); }),
            OpStatus::kWrongType);
  EXPECT_EQ(Peek("list")->expire_ms(), kNoExpire);
}

TEST_F(StringOpsTest, KeysExpireLazily) {
  SetParams params;
  params.expire_ms = Later(1'000);
  Set("k", "v", params);
  clock_.AdvanceMs(1'000);
  EXPECT_NE(Peek("k"), nullptr);  // Redis deletes once now > deadline
  clock_.AdvanceMs(1);
  std::string_view value;
  EXPECT_EQ(Locked({"k"}, [&] { return GetString(db_, "k", &value); }), OpStatus::kNoKey);
}

TEST_F(StringOpsTest, MGetSkipsMissingAndOtherTypes) {
  Set("a", "1");
  Set("b", "2");
  PutObject("list");
  const std::vector<std::string_view> keys = {"a", "missing", "list", "b", "a"};
  std::vector<std::string> seen;
  LockSet locks(&keyspace_);
  for (std::string_view k : keys) locks.Add(0, k);
  locks.Lock();
  MGet(db_, keys, [&](std::optional<std::string_view> v) { seen.push_back(v ? std::string(*v) : "<nil>"); });
  locks.Unlock();
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "<nil>", "<nil>", "2", "1"}));
}

TEST_F(StringOpsTest, MSetSetsEveryPairAndClearsTtls) {
  SetParams with_ttl;
  with_ttl.expire_ms = Later(100'000);
  Set("a", "old", with_ttl);
  PutObject("list");
  const std::vector<std::string_view> pairs = {"a", "1", "list", "hello", "b", std::string_view("x"), "b", "2"};
  EXPECT_EQ(Locked({"a", "list", "b"}, [&] { return MSet(db_, pairs, false); }), OpStatus::kOk);
  EXPECT_EQ(Value("a"), "1");
  EXPECT_EQ(DeadlineOf("a"), kNoExpire);
  EXPECT_EQ(EncodingOf("a"), Encoding::kInt);
  EXPECT_EQ(Value("list"), "hello");
  EXPECT_EQ(EncodingOf("list"), Encoding::kEmbStr);
  EXPECT_EQ(Value("b"), "2");  // a repeated key ends with its last value
}

TEST_F(StringOpsTest, MSetNxSetsAllOrNothing) {
  const std::vector<std::string_view> pairs = {"x", "1", "y", "2"};
  EXPECT_EQ(Locked({"x", "y"}, [&] { return MSet(db_, pairs, true); }), OpStatus::kOk);
  EXPECT_EQ(Value("y"), "2");

  PutObject("list");
  const std::vector<std::string_view> clash = {"z", "1", "list", "2"};
  EXPECT_EQ(Locked({"z", "list"}, [&] { return MSet(db_, clash, true); }), OpStatus::kNotDone);
  EXPECT_EQ(Peek("z"), nullptr);
  EXPECT_EQ(Peek("list")->type(), ValueType::kList);
}

TEST_F(StringOpsTest, AppendCreatesWithSetEncodingThenGoesRaw) {
  size_t len = 0;
  EXPECT_EQ(DoAppend("k", "123", &len), OpStatus::kOk);
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(EncodingOf("k"), Encoding::kInt);
  EXPECT_EQ(DoAppend("k", "4", &len), OpStatus::kOk);
  EXPECT_EQ(len, 4u);
  EXPECT_EQ(Value("k"), "1234");
  EXPECT_EQ(EncodingOf("k"), Encoding::kRaw);

  // Even an empty append turns an existing value raw, as Redis unshares it.
  Set("emb", "abc");
  EXPECT_EQ(DoAppend("emb", "", &len), OpStatus::kOk);
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(EncodingOf("emb"), Encoding::kRaw);

  PutObject("list");
  EXPECT_EQ(DoAppend("list", "x", &len), OpStatus::kWrongType);
}

TEST_F(StringOpsTest, AppendGrowsInPlaceKeepingContentAndTtl) {
  SetParams with_ttl;
  with_ttl.expire_ms = Later(100'000);
  Set("k", "start", with_ttl);
  std::string expected = "start";
  size_t len = 0;
  // Cross the inline/heap boundary and many capacity doublings.
  const char* previous_bytes = nullptr;
  int moves = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string piece = std::to_string(i) + ",";
    ASSERT_EQ(DoAppend("k", piece, &len), OpStatus::kOk);
    expected += piece;
    const char* bytes = Peek("k")->string_value().data();
    if (bytes != previous_bytes) ++moves;
    previous_bytes = bytes;
  }
  EXPECT_EQ(len, expected.size());
  EXPECT_EQ(Value("k"), expected);
  EXPECT_EQ(DeadlineOf("k"), with_ttl.expire_ms);
  EXPECT_EQ(EncodingOf("k"), Encoding::kRaw);
  // Geometric growth: the bytes move O(log n) times once on the heap, not once per append.
  EXPECT_LT(moves, 40);
}

TEST_F(StringOpsTest, SetRangeValidatesBeforeAllocating) {
  size_t len = 99;
  EXPECT_EQ(DoSetRange("k", -1, "x", &len), OpStatus::kOutOfRange);
  EXPECT_EQ(DoSetRange("k", INT64_MAX, "x", &len), OpStatus::kTooLarge);
  EXPECT_EQ(DoSetRange("k", static_cast<int64_t>(kMaxStringLen), "x", &len), OpStatus::kTooLarge);
  EXPECT_EQ(DoSetRange("k", static_cast<int64_t>(kMaxStringLen) - 1, "xy", &len), OpStatus::kTooLarge);
  EXPECT_EQ(Peek("k"), nullptr);
  // An empty value never creates the key, whatever the offset.
  EXPECT_EQ(DoSetRange("k", INT64_MAX, "", &len), OpStatus::kOk);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(Peek("k"), nullptr);
}

TEST_F(StringOpsTest, SetRangePadsWithZerosAndKeepsTtl) {
  size_t len = 0;
  EXPECT_EQ(DoSetRange("k", 3, "ab", &len), OpStatus::kOk);
  EXPECT_EQ(len, 5u);
  EXPECT_EQ(Value("k"), std::string("\0\0\0ab", 5));
  EXPECT_EQ(EncodingOf("k"), Encoding::kRaw);

  SetParams with_ttl;
  with_ttl.expire_ms = Later(100'000);
  Set("t", "Hello World", with_ttl);
  EXPECT_EQ(DoSetRange("t", 6, "Redis", &len), OpStatus::kOk);
  EXPECT_EQ(len, 11u);
  EXPECT_EQ(Value("t"), "Hello Redis");
  EXPECT_EQ(DeadlineOf("t"), with_ttl.expire_ms);

  // An empty value reports the length and leaves even the encoding alone.
  Set("i", "12345");
  EXPECT_EQ(DoSetRange("i", 100, "", &len), OpStatus::kOk);
  EXPECT_EQ(len, 5u);
  EXPECT_EQ(EncodingOf("i"), Encoding::kInt);
  EXPECT_EQ(DoSetRange("i", 0, "9", &len), OpStatus::kOk);
  EXPECT_EQ(Value("i"), "92345");
  EXPECT_EQ(EncodingOf("i"), Encoding::kRaw);

  PutObject("list");
  EXPECT_EQ(DoSetRange("list", 0, "", &len), OpStatus::kWrongType);
}

TEST_F(StringOpsTest, IncrByCountsAndStoresInts) {
  int64_t result = 0;
  EXPECT_EQ(Incr("n", 1, &result), OpStatus::kOk);
  EXPECT_EQ(result, 1);
  EXPECT_EQ(Incr("n", -11, &result), OpStatus::kOk);
  EXPECT_EQ(result, -10);
  EXPECT_EQ(Value("n"), "-10");
  EXPECT_EQ(EncodingOf("n"), Encoding::kInt);

  // A raw value that reads as an integer becomes int again.
  Put("raw", "41", Encoding::kRaw, Later(100'000));
  EXPECT_EQ(Incr("raw", 1, &result), OpStatus::kOk);
  EXPECT_EQ(result, 42);
  EXPECT_EQ(EncodingOf("raw"), Encoding::kInt);
  EXPECT_EQ(DeadlineOf("raw"), Later(100'000));
}

TEST_F(StringOpsTest, IncrByRefusesOverflowAndNonIntegers) {
  int64_t result = 0;
  Set("max", "9223372036854775807");
  EXPECT_EQ(Incr("max", 1, &result), OpStatus::kOverflow);
  EXPECT_EQ(Incr("max", 0, &result), OpStatus::kOk);
  EXPECT_EQ(Incr("max", INT64_MIN, &result), OpStatus::kOk);
  EXPECT_EQ(result, -1);

  Set("min", "-9223372036854775808");
  EXPECT_EQ(Incr("min", -1, &result), OpStatus::kOverflow);
  EXPECT_EQ(Incr("min", INT64_MAX, &result), OpStatus::kOk);
  EXPECT_EQ(result, -1);
  EXPECT_EQ(Incr("fresh", INT64_MIN, &result), OpStatus::kOk);
  EXPECT_EQ(Incr("fresh", -1, &result), OpStatus::kOverflow);
  EXPECT_EQ(Value("fresh"), "-9223372036854775808");

  for (const char* bad : {"hello", " 1", "1 ", "01", "+1", "1.5", "", "99999999999999999999", "-0"}) {
    Set("bad", bad);
    EXPECT_EQ(Incr("bad", 1, &result), OpStatus::kNotInteger) << bad;
    EXPECT_EQ(Value("bad"), bad);
  }
  PutObject("list");
  EXPECT_EQ(Incr("list", 1, &result), OpStatus::kWrongType);
}

TEST_F(StringOpsTest, IncrByFloatFormatsLikeRedis) {
  std::string result;
  EXPECT_EQ(IncrFloat("f", "10.50", &result), OpStatus::kOk);
  EXPECT_EQ(result, "10.5");
  EXPECT_EQ(IncrFloat("f", "0.1", &result), OpStatus::kOk);
  EXPECT_EQ(result, "10.6");
  EXPECT_EQ(IncrFloat("f", "-5.0e3", &result), OpStatus::kOk);
  EXPECT_EQ(result, "-4989.39999999999999991");
  EXPECT_EQ(Value("f"), result);

  Set("i", "1");
  EXPECT_EQ(IncrFloat("i", "2", &result), OpStatus::kOk);
  EXPECT_EQ(result, "3");
  EXPECT_EQ(EncodingOf("i"), Encoding::kEmbStr);  // never "int", unlike SET 3

  EXPECT_EQ(IncrFloat("z", "-0.0", &result), OpStatus::kOk);
  EXPECT_EQ(result, "0");
  Set("hex", "0x10");
  EXPECT_EQ(IncrFloat("hex", "1", &result), OpStatus::kOk);
  EXPECT_EQ(result, "17");

  // Long double headroom: 2e308 is fine, and its 309 digits make a raw string.
  Set("big", "1e308");
  EXPECT_EQ(IncrFloat("big", "1e308", &result), OpStatus::kOk);
  EXPECT_EQ(result.size(), 309u);
  EXPECT_EQ(result.substr(0, 5), "19999");
  EXPECT_EQ(EncodingOf("big"), Encoding::kRaw);

  Put("ttl", "1.5", Encoding::kEmbStr, Later(100'000));
  EXPECT_EQ(IncrFloat("ttl", "1", &result), OpStatus::kOk);
  EXPECT_EQ(result, "2.5");
  EXPECT_EQ(DeadlineOf("ttl"), Later(100'000));
}

TEST_F(StringOpsTest, IncrByFloatRefusesNanInfinityAndJunk) {
  std::string result = "unchanged";
  Set("f", "1");
  EXPECT_EQ(IncrFloat("f", "inf", &result), OpStatus::kNanOrInfinity);
  EXPECT_EQ(IncrFloat("f", "-inf", &result), OpStatus::kNanOrInfinity);
  EXPECT_EQ(IncrFloat("f", "1e5000", &result), OpStatus::kNotFloat);  // overflows long double
  EXPECT_EQ(IncrFloat("f", "nan", &result), OpStatus::kNotFloat);
  EXPECT_EQ(IncrFloat("f", "abc", &result), OpStatus::kNotFloat);
  EXPECT_EQ(IncrFloat("f", " 1", &result), OpStatus::kNotFloat);
  EXPECT_EQ(IncrFloat("f", "", &result), OpStatus::kNotFloat);
  EXPECT_EQ(IncrFloat("f", std::string(5119, '0') + "1", &result), OpStatus::kNotFloat);
  EXPECT_EQ(IncrFloat("f", std::string(5118, '0') + "1", &result), OpStatus::kOk);
  EXPECT_EQ(result, "2");

  Set("inf", "inf");
  EXPECT_EQ(IncrFloat("inf", "1", &result), OpStatus::kNanOrInfinity);
  Set("max", "1.18e4932");
  EXPECT_EQ(IncrFloat("max", "1e4932", &result), OpStatus::kNanOrInfinity);
  EXPECT_EQ(Value("max"), "1.18e4932");
  Set("junk", "hello");
  EXPECT_EQ(IncrFloat("junk", "1", &result), OpStatus::kNotFloat);
  PutObject("list");
  EXPECT_EQ(IncrFloat("list", "abc", &result), OpStatus::kWrongType);
}

TEST(ResolveRangeTest, ClampsLikeRedis) {
  int64_t start = -3;
  int64_t end = -1;
  EXPECT_TRUE(ResolveRange(10, &start, &end));
  EXPECT_EQ(start, 7);
  EXPECT_EQ(end, 9);
  start = -100;
  end = 100;
  EXPECT_TRUE(ResolveRange(10, &start, &end));
  EXPECT_EQ(start, 0);
  EXPECT_EQ(end, 9);
  start = 5;
  end = 3;
  EXPECT_FALSE(ResolveRange(10, &start, &end));
  start = 0;
  end = -1;
  EXPECT_FALSE(ResolveRange(0, &start, &end));
  start = INT64_MIN;
  end = INT64_MAX;
  EXPECT_TRUE(ResolveRange(10, &start, &end));
  EXPECT_EQ(start, 0);
  EXPECT_EQ(end, 9);
}

TEST(SubstringTest, MatchesGetRange) {
  const std::string_view s = "This is a string";
  EXPECT_EQ(Substring(s, 0, 3), "This");
  EXPECT_EQ(Substring(s, -3, -1), "ing");
  EXPECT_EQ(Substring(s, 0, -1), s);
  EXPECT_EQ(Substring(s, 10, 100), "string");
  EXPECT_EQ(Substring(s, 100, 200), "");
  EXPECT_EQ(Substring(s, 5, 3), "");
  // Both ends negative and reversed: empty, although clamping alone would give "T".
  EXPECT_EQ(Substring(s, -50, -100), "");
  EXPECT_EQ(Substring(s, -100, -50), "T");
  EXPECT_EQ(Substring(s, -100, 2), "Thi");
  EXPECT_EQ(Substring(s, 0, -100), "T");
  EXPECT_EQ(Substring("", 0, 0), "");
}

TEST(LcsTest, FindsTheSubsequenceRedisFinds) {
  LcsResult r = ComputeLcs("ohmytext", "mynewtext", true, true, 0);
  EXPECT_EQ(r.length, 6u);
  EXPECT_EQ(r.text, "mytext");
  ASSERT_EQ(r.matches.size(), 2u);
  EXPECT_EQ(r.matches[0].a_start, 4u);
  EXPECT_EQ(r.matches[0].a_end, 7u);
  EXPECT_EQ(r.matches[0].b_start, 5u);
  EXPECT_EQ(r.matches[0].b_end, 8u);
  EXPECT_EQ(r.matches[0].length(), 4u);
  EXPECT_EQ(r.matches[1].a_start, 2u);
  EXPECT_EQ(r.matches[1].a_end, 3u);
  EXPECT_EQ(r.matches[1].b_start, 0u);
  EXPECT_EQ(r.matches[1].b_end, 1u);

  r = ComputeLcs("ohmytext", "mynewtext", false, true, 4);
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].length(), 4u);
  EXPECT_TRUE(r.text.empty());

  // Ties go the way Redis's walk goes (drop from b first).
  EXPECT_EQ(ComputeLcs("ABCBDAB", "BDCABA", true, false, 0).text, "BDAB");
  EXPECT_EQ(ComputeLcs("1234567890", "0987654321", true, false, 0).text, "0");

  r = ComputeLcs("", "abc", true, true, 0);
  EXPECT_EQ(r.length, 0u);
  EXPECT_TRUE(r.text.empty());
  EXPECT_TRUE(r.matches.empty());
  EXPECT_EQ(ComputeLcs("abc", "abc", false, false, 0).length, 3u);
}

TEST(LcsTest, TableLimitIsProtoMaxBulkLen) {
  // (a+1) * (b+1) cells of 4 bytes, at most 512 MiB.
  EXPECT_TRUE(LcsTableFits(11584, 11584));
  EXPECT_FALSE(LcsTableFits(11585, 11585));
  EXPECT_TRUE(LcsTableFits(0, kMaxStringLen / 4 - 1));
  EXPECT_FALSE(LcsTableFits(0, kMaxStringLen / 4));
  EXPECT_FALSE(LcsTableFits(kMaxStringLen, kMaxStringLen));
}

}  // namespace
}  // namespace strata::store
