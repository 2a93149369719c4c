#include "store/sort_ops.h"

#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "keyspace_fixture.h"
#include "store/hash_ops.h"
#include "store/list_ops.h"
#include "store/lock_set.h"
#include "store/set_ops.h"
#include "store/string_ops.h"
#include "store/zset_ops.h"

namespace strata::store {
namespace {

using Strings = std::vector<std::string>;

// How a null reply value (a GET that found nothing) shows in the tests.
constexpr char kNil[] = "<nil>";

class SortOpsTest : public HeldKeyspaceFixture {
 protected:
  void RPush(std::string_view key, std::vector<std::string_view> values) {
    size_t length;
    ASSERT_EQ(ListPush(db_, key, ListEnd::kTail, values, false, &length), OpStatus::kOk);
  }
  void SAdd(std::string_view key, std::vector<std::string_view> members) {
    int64_t added;
    ASSERT_EQ(SetAdd(db_, key, members, &added), OpStatus::kOk);
  }
  void ZAddOne(std::string_view key, double score, std::string_view member) {
    ZAddResult result;
    const ZAddElement element{score, member};
    ASSERT_EQ(ZAdd(db_, key, ZAddParams{}, {&element, 1}, &result), OpStatus::kOk);
  }
  void HSet(std::string_view key, std::string_view field, std::string_view value) {
    size_t added;
    const std::string_view pair[] = {field, value};
    ASSERT_EQ(HashSet(db_, key, pair, &added), OpStatus::kOk);
  }
  void Set(std::string_view key, std::string_view value, int64_t expire_ms = kNoExpire) {
    SetParams params;
    params.expire_ms = expire_ms;
    SetString(db_, key, value, params);
  }

  // SORT without STORE; checks that the count announced matches the values emitted.
  Strings Sort(std::string_view key, const SortOptions& options, OpStatus expect = OpStatus::kOk) {
    Strings out;
    size_t announced = 0;
    bool began = false;
    const OpStatus status = store::Sort(
        db_, key, options,
        [&](size_t count) {
          began = true;
          announced = count;
        },
        [&](std::optional<std::string_view> v) { out.emplace_back(v ? std::string(*v) : kNil); });
    EXPECT_EQ(status, expect);
    EXPECT_EQ(began, status == OpStatus::kOk);
    EXPECT_EQ(announced, out.size());
    return out;
  }

  Strings ListContents(std::string_view key) {
    Strings out;
    ListRange(db_, key, 0, -1, [](size_t) {}, [&](std::string_view v) { out.emplace_back(v); });
    return out;
  }

  static SortOptions Alpha() {
    SortOptions options;
    options.alpha = true;
    return options;
  }
  static SortOptions NoSort() {
    SortOptions options;
    options.dont_sort = true;
    options.by = "nosort";
    return options;
  }
};

TEST_F(SortOpsTest, NumericSortTieBreaksOnBytesAndDescReversesEverything) {
  RPush("l", {"10", "2", "1.0", "1", "01", "1e0", "-3"});
  EXPECT_EQ(Sort("l", {}), (Strings{"-3", "01", "1", "1.0", "1e0", "2", "10"}));
  SortOptions desc;
  desc.desc = true;
  EXPECT_EQ(Sort("l", desc), (Strings{"10", "2", "1e0", "1.0", "1", "01", "-3"}));
}

TEST_F(SortOpsTest, NumericSortRefusesNonNumbersEvenOutsideTheLimit) {
  RPush("l", {"1", "x", "2"});
  Sort("l", {}, OpStatus::kNotFloat);
  SortOptions limited;
  limited.limit_count = 0;
  Sort("l", limited, OpStatus::kNotFloat);
  EXPECT_EQ(Sort("l", NoSort()), (Strings{"1", "x", "2"})) << "nothing is converted without sorting";
  EXPECT_EQ(Sort("l", Alpha()), (Strings{"1", "2", "x"}));
}

TEST_F(SortOpsTest, ParseSortScoreFollowsStrtod) {
  double score = -1;
  EXPECT_TRUE(ParseSortScore("", &score));
  EXPECT_EQ(score, 0);
  EXPECT_TRUE(ParseSortScore(" 1.5", &score));
  EXPECT_EQ(score, 1.5);
  EXPECT_TRUE(ParseSortScore("0x10", &score));
  EXPECT_EQ(score, 16);
  EXPECT_TRUE(ParseSortScore("-inf", &score));
  EXPECT_TRUE(std::isinf(score) && score < 0);
  EXPECT_TRUE(ParseSortScore(std::string_view("7\0junk", 6), &score)) << "stops at the first NUL byte";
  EXPECT_EQ(score, 7);
  EXPECT_TRUE(ParseSortScore(std::string(80, '0') + "42", &score)) << "longer than the stack buffer";
  EXPECT_EQ(score, 42);
  EXPECT_FALSE(ParseSortScore(" ", &score));
  EXPECT_FALSE(ParseSortScore("1abc", &score));
  EXPECT_FALSE(ParseSortScore("1 ", &score));
  EXPECT_FALSE(ParseSortScore("nan", &score));
  EXPECT_FALSE(ParseSortScore("1e999", &score)) << "overflow";
  EXPECT_FALSE(ParseSortScore("1e-320", &score)) << "underflow";
  EXPECT_TRUE(ParseSortScore("2", &score)) << "an earlier range error does not stick";
}

TEST_F(SortOpsTest, AlphaCollatesAsCStringsButStoreComparesBytes) {
  // The tests run in the C locale, where strcoll is strcmp: bytes, unsigned, up to a NUL.
  using std::string_view_literals::operator""sv;
  RPush("l", {"\xff", "b", "B", "a\0b"sv, "a\0a"sv, "a"});
  EXPECT_EQ(Sort("l", Alpha()), (Strings{"B", std::string("a\0b", 3), std::string("a\0a", 3), "a", "b", "\xff"}))
      << "strings equal up to a NUL tie and keep their list order";
  size_t stored;
  ASSERT_EQ(SortStore(db_, "l", Alpha(), "dst", &stored), OpStatus::kOk);
  EXPECT_EQ(stored, 6u);
  EXPECT_EQ(ListContents("dst"), (Strings{"B", "a", std::string("a\0a", 3), std::string("a\0b", 3), "b", "\xff"}));
}

TEST_F(SortOpsTest, LimitFollowsRedisArithmetic) {
  RPush("l", {"a", "b", "c", "d"});
  struct Case {
    int64_t offset, count;
    Strings want;
  };
  const Case cases[] = {
      {0, -1, {"a", "b", "c", "d"}},
      {1, 2, {"b", "c"}},
      {1, -5, {"b", "c", "d"}},
      {-5, 2, {"a", "b"}},
      {2, 0, {}},
      {3, 10, {"d"}},
      {4, 1, {}},
      {INT64_MAX, INT64_MAX, {}},
      {INT64_MIN, INT64_MIN, {"a", "b", "c", "d"}},
  };
  for (const Case& c : cases) {
    SortOptions options = Alpha();
    options.limit_offset = c.offset;
    options.limit_count = c.count;
    EXPECT_EQ(Sort("l", options), c.want) << c.offset << " " << c.count;
    options.desc = true;
    options.alpha = false;
    options.dont_sort = true;
    Strings reversed = c.want;
    for (std::string& s : reversed) s = std::string(1, static_cast<char>('a' + 'd' - s[0]));
    EXPECT_EQ(Sort("l", options), reversed) << "nosort desc " << c.offset << " " << c.count;
  }
}

TEST_F(SortOpsTest, NoSortKeepsListAndSortedSetOrder) {
  RPush("l", {"3", "1", "2", "10"});
  SortOptions options = NoSort();
  EXPECT_EQ(Sort("l", options), (Strings{"3", "1", "2", "10"}));
  options.desc = true;
  options.limit_offset = 1;
  options.limit_count = 2;
  EXPECT_EQ(Sort("l", options), (Strings{"2", "1"}));

  ZAddOne("z", 3, "c");
  ZAddOne("z", 1, "a");
  ZAddOne("z", 2, "b");
  ZAddOne("z", 5, "e");
  ZAddOne("z", 4, "d");
  EXPECT_EQ(Sort("z", NoSort()), (Strings{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(Sort("z", options), (Strings{"d", "c"}));
  options.limit_offset = 4;
  options.limit_count = 10;
  EXPECT_EQ(Sort("z", options), (Strings{"a"}));
  options.desc = false;
  options.limit_offset = 1;
  options.limit_count = 2;
  EXPECT_EQ(Sort("z", options), (Strings{"b", "c"}));
}

TEST_F(SortOpsTest, NoSortOnASetIgnoresDescButStoreSortsItAlpha) {
  SAdd("s", {"5", "30", "9", "1"});
  SortOptions options = NoSort();
  options.desc = true;
  EXPECT_EQ(Sort("s", options), (Strings{"1", "5", "9", "30"})) << "an intset's own order";
  options.limit_offset = 1;
  options.limit_count = 2;
  EXPECT_EQ(Sort("s", options), (Strings{"5", "9"}));
  options.limit_offset = 0;
  options.limit_count = -1;
  size_t stored;
  ASSERT_EQ(SortStore(db_, "s", options, "dst", &stored), OpStatus::kOk);
  EXPECT_EQ(ListContents("dst"), (Strings{"9", "5", "30", "1"})) << "ALPHA, DESC";
}

TEST_F(SortOpsTest, SortingASortedSetConvertsItToSkiplist) {
  ZAddOne("z", 1, "x");
  ASSERT_EQ(db_.Find("z")->encoding(), Encoding::kListpack);
  Sort("z", NoSort());
  EXPECT_EQ(db_.Find("z")->encoding(), Encoding::kSkiplist);
  ZAddOne("z2", 1, "y");
  Sort("z2", {}, OpStatus::kNotFloat);
  EXPECT_EQ(db_.Find("z2")->encoding(), Encoding::kSkiplist) << "even when the sort then fails";
}

TEST_F(SortOpsTest, WrongTypeAndMissingKeys) {
  Set("str", "1");
  HSet("h", "f", "1");
  Sort("str", {}, OpStatus::kWrongType);
  Sort("h", NoSort(), OpStatus::kWrongType);
  EXPECT_EQ(Sort("missing", {}), Strings{});
  size_t stored = 99;
  EXPECT_EQ(SortStore(db_, "str", {}, "dst", &stored), OpStatus::kWrongType);
  EXPECT_FALSE(db_.Find("dst"));
}

TEST_F(SortOpsTest, ByPatternsReadStringsAndHashFields) {
  RPush("l", {"a", "b", "c", "d"});
  Set("w_a", "3");
  Set("w_b", "1");
  Set("w_c", "2.5");
  // w_d is missing: it sorts as 0.
  SortOptions options;
  options.by = "w_*";
  EXPECT_EQ(Sort("l", options), (Strings{"d", "b", "c", "a"}));
  HSet("h_a", "f", "z");
  HSet("h_b", "f", "x");
  HSet("h_b", "g", "1");
  Set("h_c", "y");  // not a hash: no value
  options.by = "h_*->f";
  options.alpha = true;
  EXPECT_EQ(Sort("l", options), (Strings{"c", "d", "b", "a"})) << "no value sorts first, ties keep list order";
  options.desc = true;
  EXPECT_EQ(Sort("l", options), (Strings{"a", "b", "c", "d"})) << "no value sorts last, ties keep list order";
  options.alpha = false;
  Sort("l", options, OpStatus::kNotFloat);
}

TEST_F(SortOpsTest, GetPatterns) {
  RPush("l", {"2", "1"});
  Set("k_1", "one");
  HSet("h_2", "f", "two");
  HSet("h_2", std::string_view("f\0x", 3), "nul");
  Set("h_1->", "arrow");
  SortOptions options;
  options.get = {"#", "k_*", "h_*->f", "h_*->", "nostar", std::string_view("#\0ignored", 9),
                 std::string_view("h_*->f\0x", 8), std::string_view("k_\0*", 4)};
  EXPECT_EQ(Sort("l", options), (Strings{"1", "one", kNil, "arrow", kNil, "1", kNil, kNil,  //
                                         "2", kNil, "two", kNil, kNil, "2", "nul", kNil}));
  size_t stored;
  ASSERT_EQ(SortStore(db_, "l", options, "dst", &stored), OpStatus::kOk);
  EXPECT_EQ(stored, 16u);
  EXPECT_EQ(ListContents("dst"),
            (Strings{"1", "one", "", "arrow", "", "1", "", "", "2", "", "two", "", "", "2", "nul", ""}));
}

TEST_F(SortOpsTest, FieldIsWhatFollowsTheFirstArrowAfterTheStar) {
  RPush("l", {"x"});
  HSet("a->b_x", "f", "1");
  HSet("k_x", "b->c", "2");
  SortOptions options = NoSort();
  options.get = {"a->b_*->f", "k_*->b->c"};
  EXPECT_EQ(Sort("l", options), (Strings{"1", "2"}));
}

TEST_F(SortOpsTest, StoreReplacesAnyValueAndDeletesOnEmpty) {
  RPush("l", {"b", "a"});
  Set("dst", "old", clock_.NowMs() + 100000);
  size_t stored = 0;
  ASSERT_EQ(SortStore(db_, "l", Alpha(), "dst", &stored), OpStatus::kOk);
  EXPECT_EQ(stored, 2u);
  EntryRef ref = db_.Find("dst");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->type(), ValueType::kList);
  EXPECT_EQ(ref->encoding(), Encoding::kQuicklist);
  EXPECT_FALSE(ref->has_expire());
  EXPECT_EQ(ListContents("dst"), (Strings{"a", "b"}));

  ASSERT_EQ(SortStore(db_, "l", Alpha(), "l", &stored), OpStatus::kOk) << "onto the source itself";
  EXPECT_EQ(ListContents("l"), (Strings{"a", "b"}));

  ASSERT_EQ(SortStore(db_, "missing", {}, "dst", &stored), OpStatus::kOk);
  EXPECT_EQ(stored, 0u);
  EXPECT_FALSE(db_.Find("dst"));
  ASSERT_EQ(SortStore(db_, "missing", {}, "dst", &stored), OpStatus::kOk) << "nothing to delete";

  RPush("n", {"x"});
  Set("keep", "v");
  EXPECT_EQ(SortStore(db_, "n", {}, "keep", &stored), OpStatus::kNotFloat);
  EXPECT_EQ(db_.Find("keep")->string_value(), "v") << "an error stores nothing";
}

TEST_F(SortOpsTest, ExpiredPatternKeysReadAsMissing) {
  RPush("l", {"a", "b"});
  Set("w_a", "5", clock_.NowMs() + 1000);
  Set("w_b", "3");
  SortOptions options;
  options.by = "w_*";
  EXPECT_EQ(Sort("l", options), (Strings{"b", "a"}));
  Advance(2000);
  EXPECT_EQ(Sort("l", options), (Strings{"a", "b"}));
}

TEST_F(SortOpsTest, WhichOptionsReadPatternKeys) {
  EXPECT_TRUE(SortPatternNamesKeys("w_*"));
  EXPECT_FALSE(SortPatternNamesKeys("nosort"));
  EXPECT_FALSE(SortPatternNamesKeys(std::string_view("w_\0*", 4)));
  SortOptions options;
  EXPECT_FALSE(SortReadsPatternKeys(options));
  options.get = {"#", "fixed"};
  EXPECT_FALSE(SortReadsPatternKeys(options));
  options.by = "w_*";
  EXPECT_TRUE(SortReadsPatternKeys(options));
  options.dont_sort = true;  // an earlier BY nosort: the BY pattern is never read
  EXPECT_FALSE(SortReadsPatternKeys(options));
  options.get.push_back("h_*->f");
  EXPECT_TRUE(SortReadsPatternKeys(options));
}

// A sort by pattern keys under the whole-database lock, against writers that change each pair of
// pattern keys (w_i, h_i) together under their own stripe locks: every sort must see each pair
// whole and order by what it saw. Under ThreadSanitizer this also checks that no pattern read
// races a write.
TEST_F(SortOpsTest, WholeDatabaseLockGivesPatternReadsASnapshot) {
  constexpr int kElements = 32;
  constexpr int kWriters = 2;
  constexpr int kWrites = 3000;
  std::vector<std::string> elements;
  for (int i = 0; i < kElements; ++i) elements.push_back(std::to_string(i));
  {
    std::vector<std::string_view> views(elements.begin(), elements.end());
    RPush("src", views);
  }
  Release();  // from here on, every thread locks as the dispatcher does
  std::atomic<int> writers_done{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      LockSet locks(&keyspace_);
      for (int n = 0; n < kWrites; ++n) {
        const std::string& i = elements[static_cast<size_t>((n * 7 + t) % kElements)];
        const std::string w = "w_" + i;
        const std::string h = "h_" + i;
        const std::string value = std::to_string((n * 31 + t) % 1000);
        locks.Add(0, w);
        locks.Add(0, h);
        testing::RunCommand(keyspace_, locks, [&] {
          Db db(&keyspace_, 0);
          SetString(db, w, value, SetParams{});
          const std::string_view pair[] = {"f", value};
          size_t added;
          HashSet(db, h, pair, &added);
        });
      }
      writers_done.fetch_add(1);
    });
  }
  SortOptions options;
  options.by = "w_*";
  options.get = {"w_*", "h_*->f"};
  int sorts = 0;
  while (writers_done.load() < kWriters || sorts < 5) {
    LockSet locks(&keyspace_);
    locks.Add(0, "src");
    locks.AddDatabase(0);
    Strings out;
    const OpStatus status = testing::RunCommand(keyspace_, locks, [&] {
      Db db(&keyspace_, 0);
      return store::Sort(db, "src", options, [](size_t) {},
                         [&](std::optional<std::string_view> v) { out.emplace_back(v ? std::string(*v) : kNil); });
    });
    ASSERT_EQ(status, OpStatus::kOk);
    ASSERT_EQ(out.size(), 2u * kElements);
    double previous = -1;
    for (size_t k = 0; k < out.size(); k += 2) {
      EXPECT_EQ(out[k] == kNil ? "" : out[k], out[k + 1] == kNil ? "" : out[k + 1]) << "a torn pair";
      const double value = out[k] == kNil ? 0 : std::stod(out[k]);
      EXPECT_LE(previous, value) << "out of order";
      previous = value;
    }
    ++sorts;
  }
  for (auto& w : writers) w.join();
}

}  // namespace
}  // namespace strata::store
