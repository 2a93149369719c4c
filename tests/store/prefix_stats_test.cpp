// Per-prefix statistics: the matcher, and the keyspace's counting through its write, lookup,
// expiry, eviction, flush and swap paths.
#include "store/prefix_stats.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "keyspace_fixture.h"
#include "store/keyspace_ops.h"

namespace strata::store {
namespace {

TEST(PrefixMatcherTest, LongestPrefixWins) {
  const std::string prefixes[] = {"user:", "user:admin:", "session:", "u"};
  PrefixMatcher m(prefixes);
  EXPECT_EQ(m.Match("user:1"), 0);
  EXPECT_EQ(m.Match("user:admin:7"), 1);
  EXPECT_EQ(m.Match("user:admin:"), 1);
  EXPECT_EQ(m.Match("user:admin"), 0);
  EXPECT_EQ(m.Match("ux"), 3);
  EXPECT_EQ(m.Match("session:abc"), 2);
  EXPECT_EQ(m.Match("sess"), -1);
  EXPECT_EQ(m.Match("other"), -1);
  EXPECT_EQ(m.Match(""), -1);
}

TEST(PrefixMatcherTest, DuplicatesCountOnceInTheOrderGiven) {
  const std::string prefixes[] = {"b:", "a:", "b:"};
  PrefixMatcher m(prefixes);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m.prefix(0), "b:");
  EXPECT_EQ(m.prefix(1), "a:");
  EXPECT_EQ(m.Match("a:x"), 1);
}

TEST(PrefixMatcherTest, SixtyFourPrefixesWithBinaryBytes) {
  std::vector<std::string> prefixes;
  for (int i = 0; i < 64; ++i) prefixes.push_back(std::string(1, static_cast<char>(i * 4)) + "k" + std::to_string(i));
  PrefixMatcher m(prefixes);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(m.Match(prefixes[i] + ":rest"), i) << i;
  EXPECT_EQ(m.Match(std::string(1, '\xff')), -1);
}

class PrefixStatsTest : public HeldKeyspaceFixture {
 protected:
  PrefixStatsTest() : HeldKeyspaceFixture(2) {}

  void Set(Db& db, std::string_view key, int64_t expire_ms = kNoExpire) {
    db.Store(Entry::NewString(key, "v", Encoding::kEmbStr, expire_ms));
  }
  // The figures of the prefix configured at `index`, read with no stripe held.
  PrefixFigures Figures(size_t index) {
    Release();
    const std::vector<PrefixFigures> all = keyspace_.PrefixStatistics();
    NextCommand();
    EXPECT_LT(index, all.size());
    return index < all.size() ? all[index] : PrefixFigures();
  }
  void Configure(std::vector<std::string> prefixes) {
    Release();
    keyspace_.SetStatsPrefixes(prefixes);
    NextCommand();
  }
};

TEST_F(PrefixStatsTest, OffCountsNothing) {
  EXPECT_EQ(keyspace_.prefix_stats(), nullptr);
  Set(db_, "user:1");
  db_.FindForRead("user:1");
  EXPECT_TRUE(keyspace_.PrefixStatistics().empty());
}

TEST_F(PrefixStatsTest, HitsMissesAndKeys) {
  Configure({"user:", "session:"});
  Set(db_, "user:1");
  Set(db_, "user:2");
  Set(db_, "user:2");  // a new value for a present key: still one key
  Set(db1_, "user:3");
  Set(db_, "other");
  db_.FindForRead("user:1");
  db_.FindForRead("user:1");
  db_.FindForRead("user:9");
  db_.FindForRead("session:x");
  db_.FindForRead("other");
  ObjectInfo info;
  InspectKey(db_, "user:2", &info);  // OBJECT counts a hit, as Redis
  const PrefixFigures user = Figures(0);
  EXPECT_EQ(user.prefix, "user:");
  EXPECT_EQ(user.hits, 3u);
  EXPECT_EQ(user.misses, 1u);
  EXPECT_EQ(user.keys, (std::vector<int64_t>{2, 1}));
  const PrefixFigures session = Figures(1);
  EXPECT_EQ(session.hits, 0u);
  EXPECT_EQ(session.misses, 1u);
  EXPECT_EQ(session.keys, (std::vector<int64_t>{0, 0}));

  EXPECT_TRUE(DeleteKey(db_, "user:1", false));
  EXPECT_EQ(Figures(0).keys, (std::vector<int64_t>{1, 1}));
}

TEST_F(PrefixStatsTest, ExpiredKeysLeaveAndCount) {
  Configure({"session:"});
  Set(db_, "session:a", clock_.NowMs() + 100);
  Set(db_, "session:b", clock_.NowMs() + 100);
  Set(db_, "session:c");
  EXPECT_EQ(Figures(0).keys[0], 3);
  Advance(1000);
  db_.FindForRead("session:a");  // lazy expiry: a miss and an expiry
  const PrefixFigures f = Figures(0);
  EXPECT_EQ(f.expired, 1u);
  EXPECT_EQ(f.misses, 1u);
  EXPECT_EQ(f.keys[0], 2);
  Release();
  keyspace_.ActiveExpireCycle(0, 1, 1000000);
  NextCommand();
  EXPECT_EQ(Figures(0).expired, 2u);
  EXPECT_EQ(Figures(0).keys[0], 1);
}

TEST_F(PrefixStatsTest, FlushSwapAndReconfigure) {
  Set(db_, "a:1");
  Set(db_, "a:2");
  Set(db1_, "b:1");
  Configure({"a:", "b:"});  // keys already present are counted by the rescan
  EXPECT_EQ(Figures(0).keys, (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(Figures(1).keys, (std::vector<int64_t>{0, 1}));
  db_.FindForRead("a:1");
  keyspace_.SwapDb(0, 1);
  EXPECT_EQ(Figures(0).keys, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(Figures(1).keys, (std::vector<int64_t>{1, 0}));
  keyspace_.Flush(1, /*async=*/false);
  EXPECT_EQ(Figures(0).keys, (std::vector<int64_t>{0, 0}));
  // A prefix that stays keeps its counts; a new one starts from zero.
  Configure({"c:", "a:"});
  EXPECT_EQ(Figures(0).hits, 0u);
  EXPECT_EQ(Figures(1).prefix, "a:");
  EXPECT_EQ(Figures(1).hits, 1u);
  Configure({});
  EXPECT_EQ(keyspace_.prefix_stats(), nullptr);
  EXPECT_TRUE(keyspace_.PrefixStatistics().empty());
}

TEST_F(PrefixStatsTest, CountsFromManyThreadsAddUp) {
  Configure({"k:"});
  Release();
  constexpr int kThreads = 4;
  constexpr int kLookups = 1000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < kLookups; ++i) {
        LockSet locks(&keyspace_);
        locks.Add(0, "k:x");
        locks.Lock();
        Db db(&keyspace_, 0);
        ObjectInfo info;
        InspectKey(db, "k:x", &info);  // a counted miss that announces nothing
      }
    });
  }
  for (std::thread& t : threads) t.join();
  NextCommand();
  EXPECT_EQ(Figures(0).misses, static_cast<uint64_t>(kThreads * kLookups));
}

}  // namespace
}  // namespace strata::store
