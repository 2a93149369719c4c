#include "store/zset_ops.h"
#include "store/set_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "keyspace_fixture.h"
#include "store/entry.h"
#include "store/string_ops.h"

namespace strata::store {
namespace {

using testing::ByLex;
using testing::ByRank;
using testing::ByScore;

constexpr double kInf = std::numeric_limits<double>::infinity();

class ZSetOpsTest : public HeldKeyspaceFixture {
 protected:

  // ZADD with default options; returns the number added.
  size_t Add(std::string_view key, std::vector<std::pair<double, std::string>> elements, ZAddParams params = {}) {
    std::vector<ZAddElement> in;
    for (const auto& [s, m] : elements) in.push_back({s, m});
    ZAddResult result;
    EXPECT_EQ(ZAdd(db_, key, params, in, &result), OpStatus::kOk);
    return result.added;
  }

  Encoding EncodingOf(std::string_view key) {
    EntryRef ref = db_.Find(key);
    EXPECT_TRUE(ref);
    const bool compact = static_cast<ZSetValue*>(ref->object())->compact();
    EXPECT_EQ(compact, ref->encoding() == Encoding::kListpack) << "entry and value disagree";
    return ref->encoding();
  }

  bool Exists(std::string_view key) { return static_cast<bool>(db_.Find(key)); }

  std::vector<ScoredMember> Range(std::string_view key, const ZRangeSpec& spec) {
    std::vector<ScoredMember> out;
    size_t announced = 0;
    ZRange(
        db_, key, spec, [&](size_t n) { announced = n; },
        [&](std::string_view m, double s) {
          out.push_back({std::string(m), s});
          return true;
        });
    EXPECT_EQ(announced, out.size());
    return out;
  }

  static std::vector<std::string> Members(const std::vector<ScoredMember>& elements) {
    std::vector<std::string> out;
    for (const ScoredMember& e : elements) out.push_back(e.member);
    return out;
  }

  uint64_t Dirty() { return keyspace_.CounterTotals().dirty; }
};

TEST_F(ZSetOpsTest, ParsesScoreBoundsAsRedis) {
  ScoreBound b;
  ASSERT_TRUE(ParseScoreBound("1.5", &b));
  EXPECT_EQ(b.value, 1.5);
  EXPECT_FALSE(b.exclusive);
  ASSERT_TRUE(ParseScoreBound("(2", &b));
  EXPECT_EQ(b.value, 2);
  EXPECT_TRUE(b.exclusive);
  ASSERT_TRUE(ParseScoreBound("-inf", &b));
  EXPECT_EQ(b.value, -kInf);
  ASSERT_TRUE(ParseScoreBound("+inf", &b));
  EXPECT_EQ(b.value, kInf);
  ASSERT_TRUE(ParseScoreBound("(", &b));  // strtod of "" is 0
  EXPECT_EQ(b.value, 0);
  EXPECT_TRUE(b.exclusive);
  ASSERT_TRUE(ParseScoreBound(" 3", &b));
  EXPECT_EQ(b.value, 3);
  ASSERT_TRUE(ParseScoreBound("1e400", &b));
  EXPECT_EQ(b.value, kInf);
  ASSERT_TRUE(ParseScoreBound(std::string_view("4\0x", 3), &b));
  EXPECT_EQ(b.value, 4);
  EXPECT_FALSE(ParseScoreBound("nan", &b));
  EXPECT_FALSE(ParseScoreBound("(nan", &b));
  EXPECT_FALSE(ParseScoreBound("1x", &b));
  EXPECT_FALSE(ParseScoreBound("[1", &b));
}

TEST_F(ZSetOpsTest, ParsesLexBounds) {
  LexBound b;
  ASSERT_TRUE(ParseLexBound("-", &b));
  EXPECT_EQ(b.kind, LexBound::Kind::kMinusInfinity);
  ASSERT_TRUE(ParseLexBound("+", &b));
  EXPECT_EQ(b.kind, LexBound::Kind::kPlusInfinity);
  ASSERT_TRUE(ParseLexBound("[abc", &b));
  EXPECT_EQ(b.kind, LexBound::Kind::kInclusive);
  EXPECT_EQ(b.member, "abc");
  ASSERT_TRUE(ParseLexBound("(", &b));
  EXPECT_EQ(b.kind, LexBound::Kind::kExclusive);
  EXPECT_EQ(b.member, "");
  EXPECT_FALSE(ParseLexBound("", &b));
  EXPECT_FALSE(ParseLexBound("abc", &b));
  EXPECT_FALSE(ParseLexBound("-a", &b));
  EXPECT_FALSE(ParseLexBound("++", &b));
}

TEST_F(ZSetOpsTest, AddCreatesCompactAndConvertsAtTheEntryLimit) {
  std::vector<std::pair<double, std::string>> elements;
  for (int i = 0; i < 128; ++i) elements.emplace_back(i, "m" + std::to_string(i));
  EXPECT_EQ(Add("z", elements), 128u);
  EXPECT_EQ(EncodingOf("z"), Encoding::kListpack);
  EXPECT_EQ(Add("z", {{5, "m0"}}), 0u);  // an update does not convert
  EXPECT_EQ(EncodingOf("z"), Encoding::kListpack);
  EXPECT_EQ(Add("z", {{5, "new"}}), 1u);
  EXPECT_EQ(EncodingOf("z"), Encoding::kSkiplist);
  size_t removed;
  std::vector<std::string_view> doomed = {"m1", "m2", "m3", "new"};
  ASSERT_EQ(ZRem(db_, "z", doomed, &removed), OpStatus::kOk);
  EXPECT_EQ(removed, 4u);
  EXPECT_EQ(EncodingOf("z"), Encoding::kSkiplist);  // never converts back
}

TEST_F(ZSetOpsTest, AddConvertsOnLongMembers) {
  Add("v", {{1, std::string(64, 'x')}});
  EXPECT_EQ(EncodingOf("v"), Encoding::kListpack);
  Add("v", {{2, std::string(65, 'y')}});
  EXPECT_EQ(EncodingOf("v"), Encoding::kSkiplist);
  // A new key whose first member is long starts large.
  Add("w", {{1, std::string(65, 'x')}, {2, "a"}});
  EXPECT_EQ(EncodingOf("w"), Encoding::kSkiplist);
  // Duplicates of one short member keep a new key compact however many pairs ZADD has.
  std::vector<std::pair<double, std::string>> same(200, {1, "same"});
  Add("d", same);
  EXPECT_EQ(EncodingOf("d"), Encoding::kListpack);
}

TEST_F(ZSetOpsTest, AddFollowsTheConfiguredLimits) {
  keyspace_.limits().zset_max_listpack_entries = 2;
  keyspace_.limits().zset_max_listpack_value = 3;
  Add("a", {{1, "x"}, {2, "y"}});
  EXPECT_EQ(EncodingOf("a"), Encoding::kListpack);
  Add("a", {{3, "z"}});
  EXPECT_EQ(EncodingOf("a"), Encoding::kSkiplist);
  Add("b", {{1, "abcd"}});
  EXPECT_EQ(EncodingOf("b"), Encoding::kSkiplist);
  keyspace_.limits().zset_max_listpack_entries = 0;
  Add("c", {{1, "x"}});
  EXPECT_EQ(EncodingOf("c"), Encoding::kSkiplist);
}

TEST_F(ZSetOpsTest, AddConditionsAndCounts) {
  Add("z", {{1, "a"}, {2, "b"}});
  ZAddResult r;
  std::vector<ZAddElement> e = {{10, "a"}, {3, "c"}};
  ZAddParams nx;
  nx.condition = ZAddParams::Condition::kIfAbsent;
  ASSERT_EQ(ZAdd(db_, "z", nx, e, &r), OpStatus::kOk);
  EXPECT_EQ(r.added, 1u);
  EXPECT_EQ(r.updated, 0u);
  ZAddParams xx;
  xx.condition = ZAddParams::Condition::kIfPresent;
  e = {{10, "a"}, {4, "d"}};
  ASSERT_EQ(ZAdd(db_, "z", xx, e, &r), OpStatus::kOk);
  EXPECT_EQ(r.added, 0u);
  EXPECT_EQ(r.updated, 1u);
  ZAddParams gt;
  gt.gt = true;
  e = {{5, "a"}, {20, "b"}, {1, "new"}};
  ASSERT_EQ(ZAdd(db_, "z", gt, e, &r), OpStatus::kOk);
  EXPECT_EQ(r.added, 1u);    // GT does not stop new members
  EXPECT_EQ(r.updated, 1u);  // b only
  ZAddParams lt;
  lt.lt = true;
  e = {{5, "a"}, {30, "b"}};
  ASSERT_EQ(ZAdd(db_, "z", lt, e, &r), OpStatus::kOk);
  EXPECT_EQ(r.updated, 1u);
  std::optional<double> s;
  ZScore(db_, "z", "a", &s);
  EXPECT_EQ(s, 5);
  ZScore(db_, "z", "b", &s);
  EXPECT_EQ(s, 20);
  // Same score: neither added nor updated.
  e = {{5, "a"}};
  ASSERT_EQ(ZAdd(db_, "z", {}, e, &r), OpStatus::kOk);
  EXPECT_EQ(r.added + r.updated, 0u);
  EXPECT_EQ(r.processed, 1u);
}

TEST_F(ZSetOpsTest, IncrementsAndNaN) {
  ZAddParams incr;
  incr.incr = true;
  ZAddResult r;
  std::vector<ZAddElement> e = {{1.5, "a"}};
  ASSERT_EQ(ZAdd(db_, "z", incr, e, &r), OpStatus::kOk);
  EXPECT_EQ(r.score, 1.5);
  ASSERT_EQ(ZAdd(db_, "z", incr, e, &r), OpStatus::kOk);
  EXPECT_EQ(r.score, 3);
  e = {{kInf, "b"}};
  ASSERT_EQ(ZAdd(db_, "z", incr, e, &r), OpStatus::kOk);
  EXPECT_EQ(Dirty(), 3u);
  e = {{-kInf, "b"}};
  EXPECT_EQ(ZAdd(db_, "z", incr, e, &r), OpStatus::kNanOrInfinity);
  EXPECT_EQ(Dirty(), 3u);
  std::optional<double> s;
  ZScore(db_, "z", "b", &s);
  EXPECT_EQ(s, kInf);
  // A condition that skips the increment leaves nothing processed.
  incr.gt = true;
  e = {{-1, "a"}};
  ASSERT_EQ(ZAdd(db_, "z", incr, e, &r), OpStatus::kOk);
  EXPECT_EQ(r.processed, 0u);
  incr.gt = false;
  incr.condition = ZAddParams::Condition::kIfPresent;
  e = {{1, "absent"}};
  ASSERT_EQ(ZAdd(db_, "nokey", incr, e, &r), OpStatus::kOk);
  EXPECT_EQ(r.processed, 0u);
  EXPECT_FALSE(Exists("nokey"));
}

TEST_F(ZSetOpsTest, NegativeZeroDependsOnTheForm) {
  Add("c", {{-0.0, "a"}});
  std::optional<double> s;
  ZScore(db_, "c", "a", &s);
  ASSERT_TRUE(s);
  EXPECT_FALSE(std::signbit(*s));
  Add("l", {{-0.0, std::string(65, 'x')}, {-0.0, "a"}});
  ZScore(db_, "l", "a", &s);
  ASSERT_TRUE(s);
  EXPECT_TRUE(std::signbit(*s));
  // 0 and -0 are equal: no update.
  ZAddResult r;
  std::vector<ZAddElement> e = {{0.0, "a"}};
  ZAdd(db_, "l", {}, e, &r);
  EXPECT_EQ(r.updated, 0u);
  ZScore(db_, "l", "a", &s);
  EXPECT_TRUE(std::signbit(*s));
}

TEST_F(ZSetOpsTest, WrongTypeEverywhere) {
  SetString(db_, "s", "v", {});
  ZAddResult r;
  std::vector<ZAddElement> e = {{1, "a"}};
  EXPECT_EQ(ZAdd(db_, "s", {}, e, &r), OpStatus::kWrongType);
  size_t n;
  std::vector<std::string_view> members = {"a"};
  EXPECT_EQ(ZRem(db_, "s", members, &n), OpStatus::kWrongType);
  EXPECT_EQ(ZCard(db_, "s", &n), OpStatus::kWrongType);
  std::optional<double> s;
  EXPECT_EQ(ZScore(db_, "s", "a", &s), OpStatus::kWrongType);
  std::vector<ScoredMember> out;
  EXPECT_EQ(ZPop(db_, "s", false, 1, &out), OpStatus::kWrongType);
  EXPECT_EQ(ZRandMember(db_, "s", 0, &out), OpStatus::kWrongType);
  EXPECT_EQ(ZRangeStore(db_, "d", "s", ByRank(0, -1), &n), OpStatus::kWrongType);
  std::vector<std::string_view> keys = {"s"};
  EXPECT_EQ(ZSetOperation(db_, keys, [](ZSetOpParams*) { return true; }, &out), OpStatus::kWrongType);
  EXPECT_EQ(ZCard(db_, "missing", &n), OpStatus::kNoKey);
}

TEST_F(ZSetOpsTest, EmptiedKeysAreDeleted) {
  Add("z", {{1, "a"}, {2, "b"}});
  size_t removed;
  std::vector<std::string_view> members = {"a", "b", "c"};
  ASSERT_EQ(ZRem(db_, "z", members, &removed), OpStatus::kOk);
  EXPECT_EQ(removed, 2u);
  EXPECT_FALSE(Exists("z"));
  Add("p", {{1, "a"}});
  std::vector<ScoredMember> out;
  ASSERT_EQ(ZPop(db_, "p", true, 5, &out), OpStatus::kOk);
  EXPECT_FALSE(Exists("p"));
  Add("r", {{1, "a"}, {2, "b"}});
  ASSERT_EQ(ZRemRange(db_, "r", ByScore("-inf", "+inf"), &removed), OpStatus::kOk);
  EXPECT_EQ(removed, 2u);
  EXPECT_FALSE(Exists("r"));
}

TEST_F(ZSetOpsTest, WritesCountAndAnnounceOnlyWhenTheyChangeSomething) {
  Add("z", {{1, "a"}, {2, "b"}});
  EXPECT_EQ(Dirty(), 1u);
  EXPECT_EQ(Events(), (std::vector<std::string>{"0:new:z", "0:zadd:z"}));
  Add("z", {{1, "a"}});  // no change
  EXPECT_EQ(Dirty(), 1u);
  EXPECT_TRUE(Events().empty());
  Add("z", {{5, "a"}});  // an update
  EXPECT_EQ(Dirty(), 2u);
  EXPECT_EQ(Events(), (std::vector<std::string>{"0:zadd:z"}));
  size_t removed;
  std::vector<std::string_view> members = {"nope"};
  ZRem(db_, "z", members, &removed);
  EXPECT_EQ(Dirty(), 2u);
  EXPECT_TRUE(Events().empty());
}

TEST_F(ZSetOpsTest, RangesMatchBruteForceOnBothForms) {
  std::mt19937_64 rng(11);
  for (int size : {40, 700}) {
    const std::string key = "k" + std::to_string(size);
    std::map<std::string, double> model;
    std::vector<std::pair<double, std::string>> elements;
    for (int i = 0; i < size; ++i) {
      const std::string m(1 + rng() % 3, static_cast<char>('a' + rng() % 6));
      const double s = static_cast<double>(static_cast<int>(rng() % 21) - 10) / 2;
      elements.emplace_back(s, m + std::to_string(i % 50));
    }
    Add(key, elements);
    for (const auto& [s, m] : elements) model[m] = s;
    std::set<std::pair<double, std::string>> order;
    for (const auto& [m, s] : model) order.insert({s, m});
    const std::vector<std::pair<double, std::string>> all(order.begin(), order.end());
    const int64_t n = static_cast<int64_t>(all.size());
    EXPECT_EQ(EncodingOf(key), size > 128 ? Encoding::kSkiplist : Encoding::kListpack);
    for (int trial = 0; trial < 200; ++trial) {
      // Rank windows, either direction.
      const int64_t a = static_cast<int64_t>(rng() % (2 * n + 2)) - n - 1;
      const int64_t b = static_cast<int64_t>(rng() % (2 * n + 2)) - n - 1;
      const bool rev = rng() % 2;
      std::vector<std::string> want;
      int64_t s = a < 0 ? a + n : a, e = b < 0 ? b + n : b;
      if (s < 0) s = 0;
      if (e >= n) e = n - 1;
      for (int64_t i = s; i <= e && s < n; ++i) want.push_back(all[static_cast<size_t>(rev ? n - 1 - i : i)].second);
      EXPECT_EQ(Members(Range(key, ByRank(a, b, rev))), want);
      // Score windows with exclusive ends, offsets and limits.
      const double lo = static_cast<double>(static_cast<int>(rng() % 25) - 12) / 2;
      const double hi = lo + static_cast<double>(rng() % 12) / 2;
      const bool lo_ex = rng() % 2, hi_ex = rng() % 2;
      const int64_t offset = static_cast<int64_t>(rng() % 5);
      const int64_t limit = static_cast<int64_t>(rng() % 8) - 1;
      ZRangeSpec spec;
      spec.by = ZRangeSpec::By::kScore;
      spec.score_min = {lo, lo_ex};
      spec.score_max = {hi, hi_ex};
      spec.reverse = rev;
      spec.offset = offset;
      spec.limit = limit;
      std::vector<std::string> in_range;
      for (const auto& [sc, m] : all) {
        if ((lo_ex ? sc > lo : sc >= lo) && (hi_ex ? sc < hi : sc <= hi)) in_range.push_back(m);
      }
      size_t count;
      ZRangeSpec plain = spec;
      plain.reverse = false;
      plain.offset = 0;
      plain.limit = -1;
      ASSERT_EQ(ZCount(db_, key, plain, &count), OpStatus::kOk);
      EXPECT_EQ(count, in_range.size());
      if (rev) std::reverse(in_range.begin(), in_range.end());
      want.clear();
      for (size_t i = static_cast<size_t>(offset); i < in_range.size(); ++i) {
        if (limit >= 0 && want.size() == static_cast<size_t>(limit)) break;
        want.push_back(in_range[i]);
      }
      EXPECT_EQ(Members(Range(key, spec)), want) << lo << " " << hi << " " << offset << " " << limit;
    }
    // Ranks of every member, both ways.
    for (int64_t i = 0; i < n; ++i) {
      std::optional<size_t> r;
      ASSERT_EQ(ZRank(db_, key, all[static_cast<size_t>(i)].second, false, &r), OpStatus::kOk);
      EXPECT_EQ(r, static_cast<size_t>(i));
      ZRank(db_, key, all[static_cast<size_t>(i)].second, true, &r);
      EXPECT_EQ(r, static_cast<size_t>(n - 1 - i));
    }
  }
}

TEST_F(ZSetOpsTest, LexRanges) {
  Add("l", {{0, "a"}, {0, "b"}, {0, "c"}, {0, "d"}, {0, "e"}});
  EXPECT_EQ(Members(Range("l", ByLex("[b", "(d"))), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(Members(Range("l", ByLex("(b", "+"))), (std::vector<std::string>{"c", "d", "e"}));
  EXPECT_EQ(Members(Range("l", ByLex("-", "[a"))), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(Range("l", ByLex("+", "-")).empty());
  EXPECT_TRUE(Range("l", ByLex("[d", "[b")).empty());
  ZRangeSpec rev = ByLex("-", "+");
  rev.reverse = true;
  rev.offset = 1;
  rev.limit = 2;
  EXPECT_EQ(Members(Range("l", rev)), (std::vector<std::string>{"d", "c"}));
  size_t n;
  ASSERT_EQ(ZCount(db_, "l", ByLex("(a", "[c"), &n), OpStatus::kOk);
  EXPECT_EQ(n, 2u);
  ASSERT_EQ(ZRemRange(db_, "l", ByLex("[b", "[c"), &n), OpStatus::kOk);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(Members(Range("l", ByRank(0, -1))), (std::vector<std::string>{"a", "d", "e"}));
}

TEST_F(ZSetOpsTest, RemoveRangesByRank) {
  Add("r", {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}, {5, "e"}});
  size_t n;
  ASSERT_EQ(ZRemRange(db_, "r", ByRank(-2, -1), &n), OpStatus::kOk);
  EXPECT_EQ(n, 2u);
  ASSERT_EQ(ZRemRange(db_, "r", ByRank(5, 1), &n), OpStatus::kOk);
  EXPECT_EQ(n, 0u);
  ASSERT_EQ(ZRemRange(db_, "r", ByRank(0, 0), &n), OpStatus::kOk);
  EXPECT_EQ(Members(Range("r", ByRank(0, -1))), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(ZRemRange(db_, "missing", ByRank(0, -1), &n), OpStatus::kNoKey);
}

TEST_F(ZSetOpsTest, PopsInOrder) {
  Add("p", {{3, "c"}, {1, "a"}, {2, "b"}, {4, "d"}});
  std::vector<ScoredMember> out;
  ASSERT_EQ(ZPop(db_, "p", false, 2, &out), OpStatus::kOk);
  EXPECT_EQ(Members(out), (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(ZPop(db_, "p", true, 1, &out), OpStatus::kOk);
  EXPECT_EQ(Members(out), (std::vector<std::string>{"d"}));
  EXPECT_EQ(out[0].score, 4);
  ASSERT_EQ(ZPop(db_, "p", true, 0, &out), OpStatus::kOk);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(ZPop(db_, "missing", true, 1, &out), OpStatus::kNoKey);
}

TEST_F(ZSetOpsTest, PopFirstTakesTheFirstNonEmptyKey) {
  Add("b", {{1, "x"}, {2, "y"}});
  SetString(db_, "s", "v", {});
  std::vector<std::string_view> keys = {"a", "b", "s"};
  std::vector<ScoredMember> out;
  size_t which = 99;
  ASSERT_EQ(ZPopFirst(db_, keys, true, 5, &which, &out), OpStatus::kOk);
  EXPECT_EQ(which, 1u);
  EXPECT_EQ(Members(out), (std::vector<std::string>{"y", "x"}));
  // Nothing there (distinct from WRONGTYPE), then a wrong type before any sorted set.
  std::vector<std::string_view> none = {"a", "b"};
  EXPECT_EQ(ZPopFirst(db_, none, false, 1, &which, &out), OpStatus::kNoKey);
  EXPECT_EQ(ZPopFirst(db_, keys, false, 1, &which, &out), OpStatus::kWrongType);
}

TEST_F(ZSetOpsTest, RangeStoreReplacesOrDeletes) {
  Add("src", {{1, "a"}, {2, "b"}, {3, "c"}});
  SetString(db_, "dst", "v", {});
  size_t stored;
  ASSERT_EQ(ZRangeStore(db_, "dst", "src", ByScore("(1", "+inf"), &stored), OpStatus::kOk);
  EXPECT_EQ(stored, 2u);
  EXPECT_EQ(EncodingOf("dst"), Encoding::kListpack);
  EXPECT_EQ(Members(Range("dst", ByRank(0, -1))), (std::vector<std::string>{"b", "c"}));
  ASSERT_EQ(ZRangeStore(db_, "dst", "missing", ByRank(0, -1), &stored), OpStatus::kOk);
  EXPECT_EQ(stored, 0u);
  EXPECT_FALSE(Exists("dst"));
  // Storing onto the source itself.
  ASSERT_EQ(ZRangeStore(db_, "src", "src", ByRank(1, 1), &stored), OpStatus::kOk);
  EXPECT_EQ(Members(Range("src", ByRank(0, -1))), (std::vector<std::string>{"b"}));
  Add("long", {{1, std::string(70, 'l')}, {2, "s"}});
  ASSERT_EQ(ZRangeStore(db_, "dst", "long", ByRank(0, -1), &stored), OpStatus::kOk);
  EXPECT_EQ(EncodingOf("dst"), Encoding::kSkiplist);
  ASSERT_EQ(ZRangeStore(db_, "dst", "long", ByRank(1, 1), &stored), OpStatus::kOk);
  EXPECT_EQ(EncodingOf("dst"), Encoding::kListpack);
}

TEST_F(ZSetOpsTest, SetAlgebraWeightsAndAggregates) {
  Add("a", {{1, "x"}, {2, "y"}, {3, "z"}});
  Add("b", {{10, "y"}, {20, "z"}, {30, "w"}});
  std::vector<std::string_view> keys = {"a", "b"};
  auto with = [](ZSetOpParams::Op op, ZSetOpParams::Aggregate agg, std::vector<double> weights) {
    return [=](ZSetOpParams* p) {
      p->op = op;
      p->aggregate = agg;
      p->weights = weights;
      return true;
    };
  };
  using Op = ZSetOpParams::Op;
  using Agg = ZSetOpParams::Aggregate;
  std::vector<ScoredMember> out;
  ASSERT_EQ(ZSetOperation(db_, keys, with(Op::kUnion, Agg::kSum, {}), &out), OpStatus::kOk);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].member, "x");
  EXPECT_EQ(out[1].member, "y");
  EXPECT_EQ(out[1].score, 12);
  EXPECT_EQ(out[3].member, "w");
  ASSERT_EQ(ZSetOperation(db_, keys, with(Op::kInter, Agg::kMax, {2, -1}), &out), OpStatus::kOk);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].member, "y");  // max(4, -10)
  EXPECT_EQ(out[0].score, 4);
  EXPECT_EQ(out[1].score, 6);
  ASSERT_EQ(ZSetOperation(db_, keys, with(Op::kInter, Agg::kMin, {}), &out), OpStatus::kOk);
  EXPECT_EQ(out[0].score, 2);
  ASSERT_EQ(ZSetOperation(db_, keys, with(Op::kDiff, Agg::kSum, {}), &out), OpStatus::kOk);
  EXPECT_EQ(Members(out), (std::vector<std::string>{"x"}));
  // inf * 0 and inf + -inf become 0, as in Redis.
  ASSERT_EQ(ZSetOperation(db_, keys, with(Op::kUnion, Agg::kSum, {kInf, 0}), &out), OpStatus::kOk);
  Add("i", {{kInf, "q"}});
  Add("j", {{-kInf, "q"}, {0, "r"}});
  std::vector<std::string_view> ij = {"i", "j"};
  ASSERT_EQ(ZSetOperation(db_, ij, with(Op::kUnion, Agg::kSum, {}), &out), OpStatus::kOk);
  EXPECT_EQ(out[1].member, "r");
  EXPECT_EQ(out[0].score, 0);
  ASSERT_EQ(ZSetOperation(db_, ij, with(Op::kUnion, Agg::kSum, {1, 0}), &out), OpStatus::kOk);
  for (const ScoredMember& e : out) EXPECT_FALSE(std::isnan(e.score));
  // Options may refuse after the inputs were checked.
  EXPECT_EQ(ZSetOperation(db_, keys, [](ZSetOpParams*) { return false; }, &out), OpStatus::kNotDone);
  size_t stored;
  ASSERT_EQ(ZSetOperationStore(db_, "dst", keys, with(Op::kUnion, Agg::kSum, {}), &stored), OpStatus::kOk);
  EXPECT_EQ(stored, 4u);
  std::vector<std::string_view> missing = {"nothing"};
  ASSERT_EQ(ZSetOperationStore(db_, "dst", missing, with(Op::kUnion, Agg::kSum, {}), &stored), OpStatus::kOk);
  EXPECT_FALSE(Exists("dst"));
}

TEST_F(ZSetOpsTest, InterCardStopsAtTheLimit) {
  std::vector<std::pair<double, std::string>> elements;
  for (int i = 0; i < 300; ++i) elements.emplace_back(i, "m" + std::to_string(i));
  Add("a", elements);
  elements.resize(200);
  Add("b", elements);
  std::vector<std::string_view> keys = {"a", "b"};
  size_t card;
  ASSERT_EQ(ZInterCard(db_, keys, [](size_t* limit) { *limit = 0; return true; }, &card), OpStatus::kOk);
  EXPECT_EQ(card, 200u);
  ASSERT_EQ(ZInterCard(db_, keys, [](size_t* limit) { *limit = 17; return true; }, &card), OpStatus::kOk);
  EXPECT_EQ(card, 17u);
}

TEST_F(ZSetOpsTest, SetInputsScoreOne) {
  const std::string_view members[] = {"x", "s"};
  int64_t added;
  ASSERT_EQ(SetAdd(db_, "set", members, &added), OpStatus::kOk);
  Add("z", {{5, "x"}, {7, "y"}});
  std::vector<std::string_view> keys = {"z", "set"};
  auto sum = [](ZSetOpParams* p) {
    p->op = ZSetOpParams::Op::kUnion;
    return true;
  };
  std::vector<ScoredMember> out;
  ASSERT_EQ(ZSetOperation(db_, keys, sum, &out), OpStatus::kOk);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].member, "s");
  EXPECT_EQ(out[0].score, 1);
  EXPECT_EQ(out[1].member, "x");
  EXPECT_EQ(out[1].score, 6);
}

TEST_F(ZSetOpsTest, RandMemberCounts) {
  Add("r", {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}, {5, "e"}});
  std::vector<ScoredMember> out;
  ASSERT_EQ(ZRandMember(db_, "r", 10, &out), OpStatus::kOk);
  EXPECT_EQ(Members(out), (std::vector<std::string>{"e", "d", "c", "b", "a"}));
  for (int64_t count : {1, 2, 4}) {
    ASSERT_EQ(ZRandMember(db_, "r", count, &out), OpStatus::kOk);
    std::set<std::string> distinct;
    for (const ScoredMember& e : out) distinct.insert(e.member);
    EXPECT_EQ(distinct.size(), static_cast<size_t>(count));
  }
  ASSERT_EQ(ZRandMember(db_, "r", -50, &out), OpStatus::kOk);
  EXPECT_EQ(out.size(), 50u);
  for (const ScoredMember& e : out) EXPECT_EQ(e.score, e.member[0] - 'a' + 1);
  ASSERT_EQ(ZRandMember(db_, "r", 0, &out), OpStatus::kOk);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(ZRandMember(db_, "missing", 3, &out), OpStatus::kNoKey);
}

TEST_F(ZSetOpsTest, ScanFiltersAndCompletes) {
  std::vector<std::pair<double, std::string>> elements;
  for (int i = 0; i < 500; ++i) elements.emplace_back(i, (i % 2 ? "odd" : "even") + std::to_string(i));
  Add("s", elements);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  bool compact = true;
  do {
    ASSERT_EQ(ZScan(db_, "s", cursor, 20, "odd*", [&](std::string_view m, double) { seen.emplace(m); }, &cursor,
                    &compact),
              OpStatus::kOk);
  } while (cursor != 0);
  EXPECT_FALSE(compact);
  EXPECT_EQ(seen.size(), 250u);
  for (const std::string& m : seen) EXPECT_EQ(m.rfind("odd", 0), 0u);
  uint64_t next = 7;
  EXPECT_EQ(ZScan(db_, "missing", 0, 10, "", [](std::string_view, double) {}, &next, &compact), OpStatus::kNoKey);
  EXPECT_EQ(next, 0u);
}

TEST_F(ZSetOpsTest, ScanEmptyPatternMatchesOnlyTheEmptyMember) {
  Add("s", {{1, ""}, {2, "a"}});
  std::vector<std::string> seen;
  uint64_t next;
  bool compact = false;
  ASSERT_EQ(ZScan(db_, "s", 0, 10, "", [&](std::string_view m, double) { seen.emplace_back(m); }, &next, &compact),
            OpStatus::kOk);
  EXPECT_TRUE(compact);
  EXPECT_EQ(seen, std::vector<std::string>{""});
  seen.clear();
  ASSERT_EQ(ZScan(db_, "s", 0, 10, std::nullopt, [&](std::string_view m, double) { seen.emplace_back(m); }, &next,
                  &compact),
            OpStatus::kOk);
  EXPECT_EQ(seen.size(), 2u);
}

}  // namespace
}  // namespace strata::store
