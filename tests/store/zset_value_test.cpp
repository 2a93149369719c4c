#include "store/zset_value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace strata::store {
namespace {

using Element = std::pair<double, std::string>;

// A sorted set as the obvious ordered containers: the model every test checks against.
class Model {
 public:
  void Insert(const std::string& m, double s) {
    scores_[m] = s;
    order_.insert({s, m});
  }
  void Erase(const std::string& m) {
    order_.erase({scores_[m], m});
    scores_.erase(m);
  }
  bool Has(const std::string& m) const { return scores_.count(m) != 0; }
  double ScoreOf(const std::string& m) const { return scores_.at(m); }
  std::vector<Element> All() const { return {order_.begin(), order_.end()}; }
  size_t size() const { return scores_.size(); }

 private:
  std::map<std::string, double> scores_;
  std::set<Element> order_;
};

std::vector<Element> Contents(const ZSetValue& zs, bool reverse = false) {
  std::vector<Element> out;
  zs.Visit(0, zs.size(), reverse, [&](std::string_view m, double s) {
    out.emplace_back(s, std::string(m));
    return true;
  });
  return out;
}

// Checks every query of `zs` against `model`, at every rank and at sampled bounds.
void ExpectMatches(const ZSetValue& zs, const Model& model, std::mt19937_64& rng) {
  const std::vector<Element> all = model.All();
  ASSERT_EQ(zs.size(), all.size());
  ASSERT_EQ(Contents(zs), all);
  std::vector<Element> reversed(all.rbegin(), all.rend());
  ASSERT_EQ(Contents(zs, true), reversed);
  for (size_t probe = 0; probe < 40 && !all.empty(); ++probe) {
    const size_t i = rng() % all.size();
    size_t rank = 0;
    ASSERT_TRUE(zs.Rank(all[i].second, &rank));
    EXPECT_EQ(rank, i);
    double score = 0;
    ASSERT_TRUE(zs.Score(all[i].second, &score));
    EXPECT_EQ(score, all[i].first);
    // Windows starting at i, both ways.
    const size_t end = std::min(all.size(), i + 1 + rng() % 100);
    std::vector<Element> window;
    zs.Visit(i, end, false, [&](std::string_view m, double s) {
      window.emplace_back(s, std::string(m));
      return true;
    });
    EXPECT_EQ(window, std::vector<Element>(all.begin() + static_cast<long>(i), all.begin() + static_cast<long>(end)));
    window.clear();
    zs.Visit(i, end, true, [&](std::string_view m, double s) {
      window.emplace_back(s, std::string(m));
      return true;
    });
    EXPECT_EQ(window, std::vector<Element>(all.rend() - static_cast<long>(end), all.rend() - static_cast<long>(i)));
    // Score bounds at an existing score and just around it.
    const double s = all[i].first;
    size_t below = 0, at_or_below = 0;
    for (const Element& e : all) {
      below += e.first < s;
      at_or_below += e.first <= s;
    }
    EXPECT_EQ(zs.CountScoreBelow(s, false), below);
    EXPECT_EQ(zs.CountScoreBelow(s, true), at_or_below);
  }
}

// Runs random inserts, updates and erasures against both the value and the model.
void RandomWorkload(ZSetValue* zs, Model* model, int ops, int members, int score_range, std::mt19937_64& rng) {
  for (int op = 0; op < ops; ++op) {
    const std::string m = "m" + std::to_string(rng() % members);
    const double score = static_cast<double>(static_cast<int>(rng() % score_range)) / 2;
    switch (rng() % 4) {
      case 0:
      case 1:
        if (model->Has(m)) {
          zs->UpdateScore(m, score);
          model->Erase(m);
        } else {
          zs->Insert(m, score);
        }
        model->Insert(m, score);
        break;
      case 2:
        EXPECT_EQ(zs->Erase(m), model->Has(m));
        if (model->Has(m)) model->Erase(m);
        break;
      default: {
        if (zs->size() == 0) break;
        const size_t a = rng() % zs->size();
        const size_t b = std::min(zs->size(), a + rng() % 8);
        // Whatever the window holds leaves both; ExpectMatches later checks it was the right one.
        std::vector<std::string> doomed;
        zs->Visit(a, b, false, [&](std::string_view name, double) {
          doomed.emplace_back(name);
          return true;
        });
        zs->EraseRange(a, b);
        for (const std::string& name : doomed) model->Erase(name);
        break;
      }
    }
  }
}

TEST(ZSetValueTest, StartsEmptyAndCompact) {
  ZSetValue zs;
  EXPECT_TRUE(zs.compact());
  EXPECT_EQ(zs.size(), 0u);
  double s;
  EXPECT_FALSE(zs.Score("x", &s));
  EXPECT_FALSE(zs.Erase("x"));
  size_t r;
  EXPECT_FALSE(zs.Rank("x", &r));
  EXPECT_EQ(zs.CountScoreBelow(0, true), 0u);
  EXPECT_EQ(zs.CountLexBelow("a", true), 0u);
}

TEST(ZSetValueTest, OrdersByScoreThenMemberBytes) {
  for (bool large : {false, true}) {
    ZSetValue zs;
    if (large) zs.ConvertToLarge();
    zs.Insert("b", 1);
    zs.Insert("a", 1);
    zs.Insert("\xff", 1);
    zs.Insert("ab", 1);
    zs.Insert("z", -5);
    zs.Insert(std::string("a\0", 2), 1);
    const std::vector<Element> want = {
        {-5, "z"}, {1, "a"}, {1, std::string("a\0", 2)}, {1, "ab"}, {1, "b"}, {1, "\xff"}};
    EXPECT_EQ(Contents(zs), want) << "large=" << large;
  }
}

TEST(ZSetValueTest, CompactFormStoresNegativeZeroAsZero) {
  ZSetValue compact;
  compact.Insert("a", -0.0);
  double s = 1;
  ASSERT_TRUE(compact.Score("a", &s));
  EXPECT_FALSE(std::signbit(s));

  ZSetValue large;
  large.ConvertToLarge();
  large.Insert("a", -0.0);
  ASSERT_TRUE(large.Score("a", &s));
  EXPECT_TRUE(std::signbit(s));
}

TEST(ZSetValueTest, NegativeZeroTiesWithZeroByMember) {
  ZSetValue zs;
  zs.ConvertToLarge();
  zs.Insert("b", 0.0);
  zs.Insert("a", -0.0);
  zs.Insert("c", -0.0);
  const std::vector<Element> got = Contents(zs);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].second, "a");
  EXPECT_EQ(got[1].second, "b");
  EXPECT_EQ(got[2].second, "c");
  EXPECT_EQ(zs.CountScoreBelow(0.0, false), 0u);
  EXPECT_EQ(zs.CountScoreBelow(-0.0, true), 3u);
}

TEST(ZSetValueTest, InfiniteScoresSortAtTheEnds) {
  const double inf = std::numeric_limits<double>::infinity();
  for (bool large : {false, true}) {
    ZSetValue zs;
    if (large) zs.ConvertToLarge();
    zs.Insert("hi", inf);
    zs.Insert("lo", -inf);
    zs.Insert("mid", 1e308);
    zs.Insert("tiny", -1e-320);
    EXPECT_EQ(Contents(zs), (std::vector<Element>{{-inf, "lo"}, {-1e-320, "tiny"}, {1e308, "mid"}, {inf, "hi"}}));
    EXPECT_EQ(zs.CountScoreBelow(inf, false), 3u);
    EXPECT_EQ(zs.CountScoreBelow(inf, true), 4u);
    EXPECT_EQ(zs.CountScoreBelow(-inf, false), 0u);
    EXPECT_EQ(zs.CountScoreBelow(-inf, true), 1u);
  }
}

TEST(ZSetValueTest, LexCountsWalkMembers) {
  for (bool large : {false, true}) {
    ZSetValue zs;
    if (large) zs.ConvertToLarge();
    for (const char* m : {"a", "b", "bb", "c", "d"}) zs.Insert(m, 0);
    EXPECT_EQ(zs.CountLexBelow("b", false), 1u);
    EXPECT_EQ(zs.CountLexBelow("b", true), 2u);
    EXPECT_EQ(zs.CountLexBelow("bc", false), 3u);
    EXPECT_EQ(zs.CountLexBelow("", true), 0u);
    EXPECT_EQ(zs.CountLexBelow("zzz", false), 5u);
  }
}

TEST(ZSetValueTest, UpdateScoreMovesTheMember) {
  for (bool large : {false, true}) {
    ZSetValue zs;
    if (large) zs.ConvertToLarge();
    zs.Insert("a", 1);
    zs.Insert("b", 2);
    zs.Insert("c", 3);
    zs.UpdateScore("a", 10);
    zs.UpdateScore("c", 2.5);  // stays in place
    EXPECT_EQ(Contents(zs), (std::vector<Element>{{2, "b"}, {2.5, "c"}, {10, "a"}}));
  }
}

TEST(ZSetValueTest, VisitStopsWhenAsked) {
  ZSetValue zs;
  zs.ConvertToLarge();
  for (int i = 0; i < 500; ++i) zs.Insert("m" + std::to_string(i), i);
  int seen = 0;
  zs.Visit(0, zs.size(), false, [&](std::string_view, double) { return ++seen < 7; });
  EXPECT_EQ(seen, 7);
}

TEST(ZSetValueTest, CompactMatchesModelUnderRandomOperations) {
  std::mt19937_64 rng(1);
  ZSetValue zs;
  Model model;
  for (int round = 0; round < 30; ++round) {
    RandomWorkload(&zs, &model, 50, 60, 20, rng);
    ExpectMatches(zs, model, rng);
  }
  EXPECT_TRUE(zs.compact());
}

TEST(ZSetValueTest, LargeMatchesModelUnderRandomOperations) {
  std::mt19937_64 rng(2);
  ZSetValue zs;
  zs.ConvertToLarge();
  Model model;
  // Grow well past a few tree levels, churn, then shrink back to nothing.
  for (int round = 0; round < 12; ++round) {
    RandomWorkload(&zs, &model, 2000, 20000, 300, rng);
    ExpectMatches(zs, model, rng);
  }
  for (int round = 0; round < 8; ++round) {
    for (int i = 0; i < 5000; ++i) {
      const std::string victim = "m" + std::to_string(rng() % 20000);
      ASSERT_EQ(zs.Erase(victim), model.Has(victim));
      if (model.Has(victim)) model.Erase(victim);
    }
    ExpectMatches(zs, model, rng);
  }
  for (int i = 0; i < 20000; ++i) {
    const std::string victim = "m" + std::to_string(i);
    if (model.Has(victim)) {
      ASSERT_TRUE(zs.Erase(victim));
      model.Erase(victim);
    }
  }
  EXPECT_EQ(zs.size(), 0u);
}

TEST(ZSetValueTest, LargeHandlesManyEqualScores) {
  std::mt19937_64 rng(3);
  ZSetValue zs;
  zs.ConvertToLarge();
  Model model;
  RandomWorkload(&zs, &model, 6000, 5000, 1, rng);  // every score 0
  ExpectMatches(zs, model, rng);
  EXPECT_EQ(zs.CountLexBelow("m2", false), zs.CountLexBelow("m2", true) - (model.Has("m2") ? 1 : 0));
}

TEST(ZSetValueTest, EraseRangeAcrossLeaves) {
  std::mt19937_64 rng(4);
  ZSetValue zs;
  zs.ConvertToLarge();
  Model model;
  for (int i = 0; i < 5000; ++i) {
    zs.Insert("k" + std::to_string(i), i % 97);
    model.Insert("k" + std::to_string(i), i % 97);
  }
  const std::vector<Element> all = model.All();
  zs.EraseRange(100, 4000);
  for (size_t k = 100; k < 4000; ++k) model.Erase(all[k].second);
  ExpectMatches(zs, model, rng);
  zs.EraseRange(0, zs.size());
  EXPECT_EQ(zs.size(), 0u);
  zs.Insert("again", 1);
  EXPECT_EQ(Contents(zs), (std::vector<Element>{{1, "again"}}));
}

TEST(ZSetValueTest, ConvertToLargeKeepsEverything) {
  std::mt19937_64 rng(5);
  ZSetValue zs;
  Model model;
  RandomWorkload(&zs, &model, 300, 200, 50, rng);
  ASSERT_TRUE(zs.compact());
  zs.ConvertToLarge();
  EXPECT_FALSE(zs.compact());
  ExpectMatches(zs, model, rng);
  RandomWorkload(&zs, &model, 3000, 2000, 50, rng);
  ExpectMatches(zs, model, rng);
}

TEST(ZSetValueTest, CloneIsDeepAndIndependent) {
  std::mt19937_64 rng(6);
  for (int size : {10, 3000}) {
    ZSetValue zs;
    if (size > 128) zs.ConvertToLarge();
    Model model;
    for (int i = 0; i < size; ++i) {
      zs.Insert("c" + std::to_string(i), i * 0.5);
      model.Insert("c" + std::to_string(i), i * 0.5);
    }
    std::unique_ptr<ZSetValue> copy(static_cast<ZSetValue*>(zs.Clone()));
    EXPECT_EQ(copy->compact(), zs.compact());
    ExpectMatches(*copy, model, rng);
    copy->Erase("c1");
    copy->Insert("new", -1);
    ExpectMatches(zs, model, rng);
    Model copy_model = model;
    copy_model.Erase("c1");
    copy_model.Insert("new", -1);
    ExpectMatches(*copy, copy_model, rng);
  }
}

TEST(ZSetValueTest, MemoryUsageGrowsAndShrinksWithContent) {
  ZSetValue zs;
  const size_t empty = zs.MemoryUsage();
  zs.Insert("a", 1);
  EXPECT_GT(zs.MemoryUsage(), empty);
  ZSetValue large;
  large.ConvertToLarge();
  for (int i = 0; i < 10000; ++i) large.Insert("member:" + std::to_string(i), i);
  const size_t full = large.MemoryUsage();
  // Each element holds at least its record (score, hash, length, bytes) and a table slot.
  EXPECT_GT(full, 10000u * (8 + 4 + 1 + 10 + 8));
  EXPECT_LT(full, 10000u * 100);
  std::unique_ptr<ObjectValue> copy(large.Clone());
  EXPECT_GT(copy->MemoryUsage(), full / 2);
  large.EraseRange(0, 9990);
  EXPECT_LT(large.MemoryUsage(), full / 50);
}

TEST(ZSetValueTest, ScanVisitsEachElementOnceAcrossResizes) {
  ZSetValue zs;
  zs.ConvertToLarge();
  for (int i = 0; i < 3000; ++i) zs.Insert("s" + std::to_string(i), i);
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  int steps = 0;
  do {
    cursor = zs.Scan(cursor, 10, [&](std::string_view m, double) { ++seen[std::string(m)]; });
    ++steps;
    // Grow and shrink the table under the scan; the original members stay.
    if (steps == 20) {
      for (int i = 0; i < 5000; ++i) zs.Insert("extra" + std::to_string(i), -1);
    }
    if (steps == 60) {
      for (int i = 0; i < 5000; ++i) zs.Erase("extra" + std::to_string(i));
    }
  } while (cursor != 0);
  EXPECT_GT(steps, 50);
  for (int i = 0; i < 3000; ++i) EXPECT_EQ(seen["s" + std::to_string(i)], 1) << i;
}

TEST(ZSetValueTest, CompactScanVisitsAllAtOnce) {
  ZSetValue zs;
  zs.Insert("a", 1);
  zs.Insert("b", 2);
  std::vector<std::string> seen;
  EXPECT_EQ(zs.Scan(0, 1, [&](std::string_view m, double) { seen.emplace_back(m); }), 0u);
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

TEST(ZSetValueTest, LongMembersRoundTrip) {
  ZSetValue zs;
  zs.ConvertToLarge();
  const std::string big(100000, 'x');
  zs.Insert(big, 3);
  zs.Insert("short", 4);
  double s;
  ASSERT_TRUE(zs.Score(big, &s));
  EXPECT_EQ(s, 3);
  EXPECT_EQ(Contents(zs)[0].second, big);
  ZSetValue compact;
  compact.Insert(big, 1);
  ASSERT_TRUE(compact.Score(big, &s));
  EXPECT_EQ(Contents(compact)[0].second, big);
}

}  // namespace
}  // namespace strata::store
