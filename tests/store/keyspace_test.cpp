#include "store/keyspace.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <future>
#include <thread>
#include <utility>
#include <vector>

#include "common/function_ref.h"
#include "common/hash.h"
#include "store/lock_set.h"
#include "store_test_util.h"

namespace strata::store {
namespace {

using testing::GetString;
using testing::NewObjectEntry;
using testing::OnDatabase;
using testing::OnKeys;
using testing::Put;
using testing::PutString;
using testing::RecordingObserver;
using testing::TestObject;

// SCAN cursors count units of 2^16 hashes; a stripe spans 2^(48 - kStripeBits) of them.
constexpr int kUnitsPerStripeBits = 48 - kStripeBits;

class KeyspaceTest : public ::testing::Test {
 protected:
  size_t TotalCapacity(int db) {
    size_t total = 0;
    for (size_t s = 0; s < kStripes; ++s) total += ks_.stripe(db, s).table.capacity();
    return total;
  }
  size_t LargestStripe(int db) {
    size_t largest = 0;
    for (size_t s = 0; s < kStripes; ++s) largest = std::max(largest, ks_.stripe(db, s).table.size());
    return largest;
  }
  void Remove(int db, const std::string& key) {
    OnKeys(ks_, db, {key}, [&](Db& d) {
      EntryRef ref = d.Find(key);
      ASSERT_TRUE(ref) << key;
      d.Erase(&ref);
    });
  }
  // The whole-database calls, each run as one command that holds the stripes it needs.
  uint64_t Scan(int db, uint64_t cursor, size_t count, FunctionRef<void(const Entry&)> visit) {
    return OnDatabase(ks_, db, [&](Db& d) { return d.Scan(cursor, count, visit); });
  }
  std::optional<std::string> RandomKey(int db) {
    return OnDatabase(ks_, db, [](Db& d) { return d.RandomKey(); });
  }
  void Flush(int db, bool async) {
    LockSet locks(&ks_);
    if (db < 0) {
      locks.AddAllDatabases();
    } else {
      locks.AddDatabase(db);
    }
    testing::RunCommand(ks_, locks, [&] { ks_.Flush(db, async); });
  }
  void SwapDb(int a, int b) {
    LockSet locks(&ks_);
    locks.AddDatabase(a);
    locks.AddDatabase(b);
    testing::RunCommand(ks_, locks, [&] { ks_.SwapDb(a, b); });
  }
  // Waits (briefly) for the background thread to finish what it was given.
  void DrainLazyFree() {
    for (int i = 0; i < 500 && ks_.PendingLazyFree() > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(ks_.PendingLazyFree(), 0u);
  }

  FakeClock clock_;
  RecordingObserver observer_;  // installed by the tests that watch events
  Keyspace ks_{4, &clock_};
};

// --- SCAN ---

TEST_F(KeyspaceTest, ScanOfAnEmptyDatabaseEndsAtOnce) {
  int visited = 0;
  EXPECT_EQ(Scan(0, 0, 10, [&](const Entry&) { ++visited; }), 0u);
  EXPECT_EQ(visited, 0);
}

TEST_F(KeyspaceTest, ScanCursorBeyondTheHashSpaceEnds) {
  PutString(ks_, 0, "k", "v");
  int visited = 0;
  EXPECT_EQ(Scan(0, uint64_t{1} << 48, 10, [&](const Entry&) { ++visited; }), 0u);
  EXPECT_EQ(Scan(0, UINT64_MAX, 10, [&](const Entry&) { ++visited; }), 0u);
  EXPECT_EQ(visited, 0);
}

// The guarantee SCAN gives clients: a key present from the first step to the last is returned,
// and no key is returned twice, whatever inserts and deletes (and the table growth and shrinking
// they cause, including in the stripe the cursor is in) happen between steps.
TEST_F(KeyspaceTest, ScanSeesStableKeysOnceWhileTablesGrowAndShrink) {
  constexpr int kStable = 5000;
  constexpr int kChurn = 20000;
  for (int i = 0; i < kStable; ++i) PutString(ks_, 0, "stable:" + std::to_string(i), "v");
  for (int i = 0; i < kChurn; ++i) PutString(ks_, 0, "churn:" + std::to_string(i), "v");
  const size_t start_capacity = TotalCapacity(0);
  size_t max_capacity = start_capacity;

  std::map<std::string, int> seen;
  std::vector<std::string> deletable;
  for (int i = 0; i < kChurn; ++i) deletable.push_back("churn:" + std::to_string(i));
  int next_new = 0;
  int resized_under_cursor = 0;
  uint64_t cursor = 0;
  for (int step = 0;; ++step) {
    const size_t cursor_stripe = static_cast<size_t>(cursor >> kUnitsPerStripeBits);
    const size_t capacity_before = ks_.stripe(0, cursor_stripe).table.capacity();
    cursor = Scan(0, cursor, 10, [&](const Entry& e) { ++seen[std::string(e.key())]; });
    if (cursor == 0) break;
    if (step < 1000) {
      // Grow: about 50k new keys over the first thousand steps.
      for (int k = 0; k < 50; ++k) {
        const std::string key = "new:" + std::to_string(next_new++);
        PutString(ks_, 0, key, "v");
        deletable.push_back(key);
      }
    } else {
      // Then shrink: delete everything but the stable keys, 100 per step.
      for (int k = 0; k < 100 && !deletable.empty(); ++k) {
        Remove(0, deletable.back());
        deletable.pop_back();
      }
    }
    max_capacity = std::max(max_capacity, TotalCapacity(0));
    const size_t mid_stripe = static_cast<size_t>(cursor >> kUnitsPerStripeBits);
    const bool mid = (cursor & ((uint64_t{1} << kUnitsPerStripeBits) - 1)) != 0;
    if (mid && mid_stripe == cursor_stripe && ks_.stripe(0, mid_stripe).table.capacity() != capacity_before) {
      ++resized_under_cursor;
    }
  }
  EXPECT_GT(max_capacity, 2 * start_capacity) << "the tables must have grown during the scan";
  EXPECT_LT(TotalCapacity(0), max_capacity / 2) << "and shrunk again";
  EXPECT_GT(resized_under_cursor, 0) << "some table must have resized while the cursor was inside it";
  for (int i = 0; i < kStable; ++i) {
    EXPECT_EQ(seen["stable:" + std::to_string(i)], 1) << "stable:" << i;
  }
  for (const auto& [key, times] : seen) EXPECT_LE(times, 1) << key;
}

TEST_F(KeyspaceTest, ScanCountBoundsTheBatches) {
  constexpr size_t kKeys = 30000;
  for (size_t i = 0; i < kKeys; ++i) PutString(ks_, 0, "c" + std::to_string(i), "v");
  const size_t largest_stripe = LargestStripe(0);
  for (size_t count : {size_t{1}, size_t{10}, size_t{100}, size_t{1000}}) {
    std::set<std::string> keys;
    size_t steps = 0;
    uint64_t cursor = 0;
    do {
      size_t batch = 0;
      cursor = Scan(0, cursor, count, [&](const Entry& e) {
        keys.emplace(e.key());
        ++batch;
      });
      ++steps;
      // A step stops once it has `count` keys, finishing at most the stripe it is in.
      if (cursor != 0) {
        EXPECT_GE(batch, count);
      }
      EXPECT_LT(batch, count + largest_stripe);
    } while (cursor != 0);
    EXPECT_EQ(keys.size(), kKeys) << "count " << count;
    EXPECT_LE(steps, kKeys / count + 1) << "count " << count;
  }
}

TEST_F(KeyspaceTest, ScanWithAHugeCountTakesEverythingInOneStep) {
  for (int i = 0; i < 5000; ++i) PutString(ks_, 0, "k" + std::to_string(i), "v");
  for (size_t count : {size_t{1} << 62, SIZE_MAX}) {
    size_t visited = 0;
    EXPECT_EQ(Scan(0, 0, count, [&](const Entry&) { ++visited; }), 0u);
    EXPECT_EQ(visited, 5000u);
  }
}

TEST_F(KeyspaceTest, ScanSkipsAndReclaimsExpiredKeys) {
  for (int i = 0; i < 100; ++i) PutString(ks_, 0, "gone" + std::to_string(i), "v", clock_.NowMs() + 10);
  for (int i = 0; i < 100; ++i) PutString(ks_, 0, "kept" + std::to_string(i), "v", clock_.NowMs() + 100000);
  clock_.AdvanceMs(11);
  EXPECT_EQ(ks_.DbSize(0), 200u) << "DBSIZE counts expired keys until they are reclaimed";
  std::set<std::string> keys;
  uint64_t cursor = 0;
  do {
    cursor = Scan(0, cursor, 7, [&](const Entry& e) { keys.emplace(e.key()); });
  } while (cursor != 0);
  EXPECT_EQ(keys.size(), 100u);
  for (const std::string& key : keys) EXPECT_EQ(key.substr(0, 4), "kept");
  EXPECT_EQ(ks_.DbSize(0), 100u);
  EXPECT_EQ(ks_.VolatileCount(0), 100u);
}

TEST_F(KeyspaceTest, ForEachVisitsLiveKeysOfOneDatabase) {
  PutString(ks_, 0, "a", "1");
  PutString(ks_, 0, "b", "2", clock_.NowMs() + 5);
  PutString(ks_, 1, "c", "3");
  clock_.AdvanceMs(6);
  std::set<std::string> keys;
  OnDatabase(ks_, 0, [&](Db& d) { d.ForEach([&](const Entry& e) { keys.emplace(e.key()); }); });
  EXPECT_EQ(keys, (std::set<std::string>{"a"}));
}

// --- Expiry ---

TEST_F(KeyspaceTest, LazyExpiryOnAccess) {
  const int64_t deadline = clock_.NowMs() + 1000;
  PutString(ks_, 0, "k", "v", deadline);
  clock_.SetMs(deadline);
  EXPECT_EQ(GetString(ks_, 0, "k"), "v") << "a key lives through its deadline's millisecond";
  clock_.AdvanceMs(1);
  EXPECT_EQ(ks_.DbSize(0), 1u);
  EXPECT_EQ(GetString(ks_, 0, "k"), "<none>");
  EXPECT_EQ(ks_.DbSize(0), 0u);
  EXPECT_EQ(ks_.VolatileCount(0), 0u);
  EXPECT_EQ(ks_.CounterTotals().expired_keys, 1u);
}

TEST_F(KeyspaceTest, ActiveExpiryReclaims200kKeysWithinItsBudget) {
  constexpr int kVolatile = 200000;
  const int64_t deadline = clock_.NowMs() + 1000;
  for (int i = 0; i < kVolatile; ++i) PutString(ks_, 0, "e" + std::to_string(i), "v", deadline);
  for (int i = 0; i < 500; ++i) PutString(ks_, 0, "p" + std::to_string(i), "v");
  for (int i = 0; i < 500; ++i) PutString(ks_, 2, "e" + std::to_string(i), "v", deadline);
  constexpr int64_t kBudgetUs = 25000;  // what hz 10 gives one cycle

  EXPECT_EQ(ks_.ActiveExpireCycle(0, 1, kBudgetUs).deleted, 0u) << "nothing is due yet";
  clock_.SetMs(deadline);
  EXPECT_EQ(ks_.ActiveExpireCycle(0, 1, kBudgetUs).deleted, 0u) << "nothing is past its deadline yet";
  clock_.AdvanceMs(1);

  // A cycle checks its budget after each sample of 20: with no budget it stops almost at once.
  const size_t first = ks_.ActiveExpireCycle(0, 1, 0).deleted;
  EXPECT_GT(first, 0u);
  EXPECT_LT(first, 1000u);

  size_t deleted = first;
  int cycles = 0;
  while (ks_.VolatileCount(0) + ks_.VolatileCount(2) > 0 && cycles < 1000) {
    deleted += ks_.ActiveExpireCycle(0, 1, kBudgetUs).deleted;
    ++cycles;
  }
  EXPECT_EQ(deleted, size_t{kVolatile} + 500);
  EXPECT_LE(cycles, 400) << "a few cycles, not one sample at a time";
  EXPECT_EQ(ks_.DbSize(0), 500u);
  EXPECT_EQ(ks_.DbSize(2), 0u);
  EXPECT_EQ(ks_.VolatileCount(0), 0u);
  EXPECT_EQ(GetString(ks_, 0, "p7"), "v");
}

TEST_F(KeyspaceTest, ActiveExpiryReportsItsSampleTimeAndBudget) {
  // 1,000 keys, of which 400 expire: a cycle with room for all of them samples every key with a TTL.
  for (int i = 0; i < 400; ++i) PutString(ks_, 0, "gone" + std::to_string(i), "v", clock_.NowMs() + 10);
  for (int i = 0; i < 600; ++i) PutString(ks_, 0, "kept" + std::to_string(i), "v", clock_.NowMs() + 100000);
  ExpireCycleReport r = ks_.ActiveExpireCycle(0, 1, 1'000'000);
  EXPECT_EQ(r.deleted, 0u);
  EXPECT_GT(r.sampled, 0u);
  EXPECT_FALSE(r.out_of_time);
  EXPECT_DOUBLE_EQ(ks_.ExpiredStaleRatio(), 0.0) << "nothing sampled had expired";

  clock_.AdvanceMs(11);
  r = ks_.ActiveExpireCycle(0, 1, 1'000'000);
  EXPECT_GT(r.deleted, 0u);
  EXPECT_GE(r.sampled, r.deleted);
  EXPECT_GE(r.elapsed_us, 0);
  // A running average in which this cycle's share of expired keys weighs 5%.
  const double first = 0.05 * static_cast<double>(r.deleted) / static_cast<double>(r.sampled);
  EXPECT_DOUBLE_EQ(ks_.ExpiredStaleRatio(), first);
  size_t deleted = r.deleted;
  while (ks_.VolatileCount(0) > 600) deleted += ks_.ActiveExpireCycle(0, 1, 1'000'000).deleted;
  EXPECT_EQ(deleted, 400u);
  const double before_quiet = ks_.ExpiredStaleRatio();
  r = ks_.ActiveExpireCycle(0, 1, 1'000'000);
  EXPECT_EQ(r.deleted, 0u);
  EXPECT_DOUBLE_EQ(ks_.ExpiredStaleRatio(), before_quiet * 0.95) << "a clean sample pulls the average down";

  EXPECT_EQ(ks_.CounterTotals().expire_time_cap_reached, 0u);
  for (int i = 0; i < 400; ++i) PutString(ks_, 0, "late" + std::to_string(i), "v", clock_.NowMs() + 10);
  clock_.AdvanceMs(11);
  r = ks_.ActiveExpireCycle(0, 1, -1);  // out of budget after its first sample
  EXPECT_TRUE(r.out_of_time);
  EXPECT_LE(r.deleted, 20u);
  EXPECT_EQ(ks_.CounterTotals().expire_time_cap_reached, 1u);

  ks_.ResetExpiredStaleRatio();
  EXPECT_DOUBLE_EQ(ks_.ExpiredStaleRatio(), 0.0);
}

TEST_F(KeyspaceTest, ActiveExpiryCountsItsTimeOnTheCallingThread) {
  for (int i = 0; i < 20000; ++i) PutString(ks_, 0, "t" + std::to_string(i), "v", clock_.NowMs() + 10);
  clock_.AdvanceMs(11);
  int64_t elapsed = 0;
  while (ks_.VolatileCount(0) > 0) elapsed += ks_.ActiveExpireCycle(0, 1, 1'000'000).elapsed_us;
  EXPECT_GT(elapsed, 0) << "20,000 deletions take more than a microsecond";
  EXPECT_EQ(ks_.CounterTotals().expire_cycle_us, static_cast<uint64_t>(elapsed));
}

TEST_F(KeyspaceTest, ActiveExpiryWorkersOwnDisjointStripes) {
  for (int i = 0; i < 6000; ++i) PutString(ks_, 1, "w" + std::to_string(i), "v", clock_.NowMs() + 10);
  clock_.AdvanceMs(11);
  constexpr int kWorkers = 3;
  while (ks_.ActiveExpireCycle(0, kWorkers, 1'000'000).deleted > 0) {
  }
  size_t left = 0;
  for (size_t s = 0; s < kStripes; ++s) {
    const size_t n = ks_.stripe(1, s).table.volatile_count();
    if (s % kWorkers == 0) {
      EXPECT_EQ(n, 0u) << "stripe " << s;
    }
    left += n;
  }
  EXPECT_GT(left, 3000u) << "worker 0 must leave the other workers' stripes alone";
  while (ks_.ActiveExpireCycle(1, kWorkers, 1'000'000).deleted +
             ks_.ActiveExpireCycle(2, kWorkers, 1'000'000).deleted >
         0) {
  }
  EXPECT_EQ(ks_.DbSize(1), 0u);
}

TEST_F(KeyspaceTest, AvgTtlEstimate) {
  EXPECT_EQ(ks_.AvgTtlMs(0), 0);
  for (int i = 0; i < 100; ++i) PutString(ks_, 0, "p" + std::to_string(i), "v");
  EXPECT_EQ(ks_.AvgTtlMs(0), 0) << "no key has a TTL";
  for (int i = 0; i < 2000; ++i) PutString(ks_, 0, "t" + std::to_string(i), "v", clock_.NowMs() + 10000);
  EXPECT_EQ(ks_.AvgTtlMs(0), 10000);
  clock_.AdvanceMs(4000);
  EXPECT_EQ(ks_.AvgTtlMs(0), 6000);
  EXPECT_EQ(ks_.AvgTtlMs(1), 0);
}

// --- RANDOMKEY ---

TEST_F(KeyspaceTest, RandomKeyOfEmptyAndSingleKeyDatabases) {
  EXPECT_FALSE(RandomKey(0).has_value());
  PutString(ks_, 0, "only", "v");
  EXPECT_EQ(RandomKey(0), std::optional<std::string>("only"));
  EXPECT_FALSE(RandomKey(1).has_value());
}

TEST_F(KeyspaceTest, RandomKeyReachesEveryKey) {
  std::set<std::string> all;
  for (int i = 0; i < 100; ++i) {
    all.insert("r" + std::to_string(i));
    PutString(ks_, 0, "r" + std::to_string(i), "v");
  }
  std::set<std::string> seen;
  for (int n = 0; n < 50000 && seen.size() < all.size(); ++n) {
    const std::optional<std::string> key = RandomKey(0);
    ASSERT_TRUE(key.has_value());
    ASSERT_TRUE(all.count(*key)) << *key;
    seen.insert(*key);
  }
  EXPECT_EQ(seen, all);
}

TEST_F(KeyspaceTest, RandomKeyFindsALiveKeyAmongManyExpired) {
  for (int i = 0; i < 5000; ++i) PutString(ks_, 0, "x" + std::to_string(i), "v", clock_.NowMs() + 1);
  PutString(ks_, 0, "alive", "v");
  clock_.AdvanceMs(2);
  EXPECT_EQ(RandomKey(0), std::optional<std::string>("alive"));
  Remove(0, "alive");
  const size_t before = ks_.DbSize(0);
  EXPECT_FALSE(RandomKey(0).has_value()) << "only expired keys left";
  EXPECT_LE(ks_.DbSize(0), before - 100) << "expired keys met on the way are reclaimed";
}

// --- FLUSHDB / FLUSHALL / SWAPDB ---

TEST_F(KeyspaceTest, FlushOneDatabaseSynchronously) {
  for (int i = 0; i < 1000; ++i) PutString(ks_, 0, "f" + std::to_string(i), "v", i % 2 ? clock_.NowMs() + 1000 : kNoExpire);
  for (int i = 0; i < 10; ++i) PutString(ks_, 1, "g" + std::to_string(i), "v");
  EXPECT_EQ(ks_.CounterTotals().dirty, 0u) << "storing a new key announces only \"new\"";
  Flush(0, false);
  EXPECT_EQ(ks_.CounterTotals().dirty, 1000u) << "one write per key removed";
  EXPECT_EQ(ks_.DbSize(0), 0u);
  EXPECT_EQ(ks_.VolatileCount(0), 0u);
  EXPECT_EQ(GetString(ks_, 0, "f1"), "<none>");
  EXPECT_EQ(ks_.DbSize(1), 10u);
  PutString(ks_, 0, "f1", "again");
  EXPECT_EQ(GetString(ks_, 0, "f1"), "again");
}

TEST_F(KeyspaceTest, FlushAllAsynchronouslyFreesOnTheBackgroundThread) {
  const int before = TestObject::live();
  for (int db = 0; db < 4; ++db) {
    for (int i = 0; i < 200; ++i) Put(ks_, db, NewObjectEntry("o" + std::to_string(i), ValueType::kSet, "m"));
  }
  EXPECT_EQ(TestObject::live(), before + 800);
  Flush(-1, true);
  for (int db = 0; db < 4; ++db) EXPECT_EQ(ks_.DbSize(db), 0u) << "empty as soon as Flush returns";
  DrainLazyFree();
  EXPECT_EQ(TestObject::live(), before);
  EXPECT_EQ(ks_.CounterTotals().lazyfreed_objects, 800u) << "one object per key, as Redis counts a flushed db";
}

TEST_F(KeyspaceTest, LazyFreeCountsPendingAndFreedObjects) {
  EXPECT_EQ(ks_.CounterTotals().lazyfreed_objects, 0u);
  ks_.FreeLater(NewObjectEntry("big", ValueType::kSet, "m"));
  ks_.FreeLater(NewObjectEntry("other", ValueType::kHash, "f"));
  DrainLazyFree();
  EXPECT_EQ(ks_.CounterTotals().lazyfreed_objects, 2u);
  for (int i = 0; i < 50; ++i) PutString(ks_, 1, "s" + std::to_string(i), "v");
  Flush(1, true);
  DrainLazyFree();
  EXPECT_EQ(ks_.CounterTotals().lazyfreed_objects, 52u);
  Flush(1, false);
  EXPECT_EQ(ks_.CounterTotals().lazyfreed_objects, 52u) << "a synchronous flush frees nothing lazily";
}

TEST_F(KeyspaceTest, SwapDbExchangesContentsAndAnnouncesIt) {
  ks_.AddObserver(&observer_);
  for (int i = 0; i < 300; ++i) PutString(ks_, 0, "a" + std::to_string(i), "zero", i < 30 ? clock_.NowMs() + 100 : kNoExpire);
  PutString(ks_, 3, "b", "three");
  observer_.Take();
  SwapDb(0, 3);
  EXPECT_EQ(observer_.Take(), std::vector<std::string>{"0:swapdb:3"});
  EXPECT_EQ(ks_.DbSize(0), 1u);
  EXPECT_EQ(ks_.DbSize(3), 300u);
  EXPECT_EQ(ks_.VolatileCount(0), 0u);
  EXPECT_EQ(ks_.VolatileCount(3), 30u);
  EXPECT_EQ(GetString(ks_, 0, "b"), "three");
  EXPECT_EQ(GetString(ks_, 3, "a5"), "zero");
  EXPECT_EQ(GetString(ks_, 0, "a5"), "<none>");

  SwapDb(3, 0);
  EXPECT_EQ(GetString(ks_, 0, "a5"), "zero");
  SwapDb(2, 2);
  EXPECT_EQ(observer_.Take(), std::vector<std::string>{"3:swapdb:0"}) << "a database swapped with itself is no change";
  EXPECT_EQ(ks_.DbSize(0), 300u);
  // Swapped tables keep working: expiry and scans see the moved keys.
  clock_.AdvanceMs(101);
  while (ks_.ActiveExpireCycle(0, 1, 1'000'000).deleted > 0) {
  }
  EXPECT_EQ(ks_.DbSize(0), 270u);
  std::vector<std::string> expired = observer_.Take();
  std::sort(expired.begin(), expired.end());
  std::vector<std::string> want;
  for (int i = 0; i < 30; ++i) want.push_back("0:expired:a" + std::to_string(i));
  std::sort(want.begin(), want.end());
  EXPECT_EQ(expired, want) << "each expired key announced once, in the database it moved to";
}

// --- Lock discipline ---

// Builds with assertions check every Db call's locking REQUIRES (NDEBUG builds check nothing, so
// the test exists only where there is something to check).
#ifndef NDEBUG
using KeyspaceDeathTest = KeyspaceTest;

TEST_F(KeyspaceDeathTest, DbCallsWithoutTheirStripeLocksAssert) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // the keyspace runs a background thread
  constexpr char kAssertion[] = "HeldByCurrentThread";
  Db db(&ks_, 0);
  EXPECT_DEATH(db.Find("k"), kAssertion);
  EXPECT_DEATH(db.Store(testing::NewStringEntry("k", "v")), kAssertion);
  EXPECT_DEATH(ks_.Flush(0, false), kAssertion);

  // Another stripe, or one stripe for a whole-database call, is not enough.
  std::string other = "o";
  for (int i = 0; StripeOf(HashKey(other)) == StripeOf(HashKey("k")); ++i) other = "o" + std::to_string(i);
  OnKeys(ks_, 0, {other}, [&](Db& d) {
    EXPECT_DEATH(d.Find("k"), kAssertion);
    EXPECT_DEATH(d.ForEach([](const Entry&) {}), kAssertion);
  });

  // A stripe another thread holds is not the caller's. (The holder unlocks it itself: TSan
  // rightly reports an unlock by another thread.)
  LockSet locks(&ks_);
  locks.Add(0, "k");
  std::promise<void> locked;
  std::promise<void> checked;
  std::thread holder([&] {
    locks.Lock();
    locked.set_value();
    checked.get_future().wait();
    locks.Unlock();
  });
  locked.get_future().wait();
  EXPECT_DEATH(db.Find("k"), kAssertion);
  checked.set_value();
  holder.join();

  // The control: under its lock the same call is fine.
  EXPECT_EQ(OnKeys(ks_, 0, {"k"}, [](Db& d) { return static_cast<bool>(d.Find("k")); }), false);
}
#endif  // NDEBUG

// --- Copy-on-write: a snapshot child shares the pages ---

TEST_F(KeyspaceTest, LookupsLeaveTheAccessFieldAloneWhileASnapshotChildLives) {
  clock_.SetMs(1'000'000);
  ks_.Tick();
  OnKeys(ks_, 0, {"k"}, [](Db& d) { d.Insert(testing::NewStringEntry("k", "v")); });
  const auto access = [&] {
    uint32_t a = 0;
    OnKeys(ks_, 0, {"k"}, [&](Db& d) { a = d.Find("k")->access(); });
    return a;
  };
  ASSERT_EQ(access(), 1000u);
  clock_.SetMs(2'000'000);
  ks_.Tick();
  ks_.set_snapshot_child(true);
  OnKeys(ks_, 0, {"k"}, [](Db& d) {
    d.FindForRead("k");
    d.FindForWrite("k");
  });
  EXPECT_EQ(access(), 1000u);  // no page written for a read
  ks_.set_snapshot_child(false);
  OnKeys(ks_, 0, {"k"}, [](Db& d) { d.FindForRead("k"); });
  EXPECT_EQ(access(), 2000u);
}

}  // namespace
}  // namespace strata::store
