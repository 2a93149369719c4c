#include "store/lock_set.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/hash.h"

namespace strata::store {
namespace {

class LockSetTest : public ::testing::Test {
 protected:
  // Whether another thread could take the stripe lock of `key` in `db` right now.
  bool LockableElsewhere(int db, const std::string& key) {
    bool got = false;
    std::thread probe([&] {
      SpinLock& mu = StripeMutex(db, key);
      got = mu.try_lock();
      if (got) mu.unlock();
    });
    probe.join();
    return got;
  }

  // Two distinct keys that fall in the same stripe.
  std::pair<std::string, std::string> SameStripeKeys() {
    const size_t want = StripeOf(HashKey("anchor"));
    for (int i = 0;; ++i) {
      std::string key = "same" + std::to_string(i);
      if (StripeOf(HashKey(key)) == want) return {"anchor", key};
    }
  }

  // Holds stripe lock `mu` on another thread from construction until Release().
  class HeldElsewhere {
   public:
    explicit HeldElsewhere(SpinLock& mu)
        : holder_([this, &mu] {
            mu.lock();
            taken_ = true;
            while (!done_) std::this_thread::yield();
            mu.unlock();
          }) {
      while (!taken_) std::this_thread::yield();
    }
    ~HeldElsewhere() { Release(); }
    void Release() {
      done_ = true;
      if (holder_.joinable()) holder_.join();
    }

   private:
    std::atomic<bool> taken_{false};
    std::atomic<bool> done_{false};
    std::thread holder_;
  };

  SpinLock& StripeMutex(int db, const std::string& key) { return *keyspace_.stripe(db, StripeOf(HashKey(key))).mu; }

  FakeClock clock_;
  Keyspace keyspace_{4, &clock_};
};

TEST_F(LockSetTest, LocksTheStripesOfItsKeysUntilUnlock) {
  LockSet locks(&keyspace_);
  EXPECT_TRUE(locks.empty());
  locks.Add(0, "a");
  locks.Add(2, "b");
  EXPECT_FALSE(locks.empty());
  EXPECT_TRUE(LockableElsewhere(0, "a")) << "Add alone takes nothing";
  locks.Lock();
  EXPECT_FALSE(LockableElsewhere(0, "a"));
  EXPECT_FALSE(LockableElsewhere(2, "b"));
  EXPECT_TRUE(LockableElsewhere(1, "a")) << "only the named database's stripe";
  locks.Unlock();
  EXPECT_TRUE(LockableElsewhere(0, "a"));
  EXPECT_TRUE(LockableElsewhere(2, "b"));
  EXPECT_TRUE(locks.empty()) << "Unlock forgets the keys, so the set can be reused";
}

TEST_F(LockSetTest, RepeatedKeysAndSharedStripesLockOnce) {
  // std::mutex is not recursive: a second lock of the same stripe would deadlock.
  const auto [a, b] = SameStripeKeys();
  LockSet locks(&keyspace_);
  locks.Add(1, a);
  locks.Add(1, b);
  locks.Add(1, a);
  locks.Lock();
  EXPECT_FALSE(LockableElsewhere(1, a));
  locks.Unlock();
  EXPECT_TRUE(LockableElsewhere(1, b));
}

TEST_F(LockSetTest, DatabasesOutsideTheKeyspaceAreIgnored) {
  LockSet locks(&keyspace_);
  locks.Add(-1, "x");
  locks.Add(4, "x");
  locks.Add(1000, "x");
  EXPECT_TRUE(locks.empty());
  locks.Lock();
  locks.Unlock();
}

TEST_F(LockSetTest, DestructorReleases) {
  {
    LockSet locks(&keyspace_);
    locks.Add(3, "k");
    locks.Lock();
    EXPECT_FALSE(LockableElsewhere(3, "k"));
  }
  EXPECT_TRUE(LockableElsewhere(3, "k"));
}

TEST_F(LockSetTest, AddDatabaseLocksEveryStripeOfThatDatabaseOnly) {
  LockSet locks(&keyspace_);
  locks.Add(2, "k");  // also in the database: must not be locked twice
  locks.AddDatabase(2);
  locks.Add(3, "k");
  locks.AddDatabase(7);  // no such database: ignored
  locks.Lock();
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(LockableElsewhere(2, "key" + std::to_string(i)));
  EXPECT_FALSE(LockableElsewhere(3, "k"));
  EXPECT_TRUE(LockableElsewhere(3, "other"));
  EXPECT_TRUE(LockableElsewhere(1, "k"));
  locks.Unlock();
  EXPECT_TRUE(LockableElsewhere(2, "k"));
}

// A whole-database lock against single-key writers in both orders of arrival: no deadlock, and
// the writers' updates are never seen half done.
TEST_F(LockSetTest, WholeDatabaseLocksMixWithKeyLocks) {
  constexpr int kRounds = 2000;
  int64_t a = 0;  // guarded by the stripe of "a" in db 0
  int64_t b = 0;  // guarded by the stripe of "b" in db 0
  std::atomic<bool> torn{false};
  std::thread writer([&] {
    LockSet locks(&keyspace_);
    for (int r = 0; r < kRounds; ++r) {
      locks.Add(0, "b");
      locks.Add(0, "a");
      locks.Lock();
      ++a;
      ++b;
      locks.Unlock();
    }
  });
  std::thread reader([&] {
    LockSet locks(&keyspace_);
    for (int r = 0; r < kRounds / 10; ++r) {
      locks.Add(0, "a");
      locks.AddDatabase(0);
      locks.Lock();
      if (a != b) torn = true;
      locks.Unlock();
    }
  });
  writer.join();
  reader.join();
  EXPECT_FALSE(torn.load());
  EXPECT_EQ(a, kRounds);
}

// Threads naming overlapping keys in opposite orders, across databases, would deadlock without
// the global lock order; the counters they bump under the locks must add up.
TEST_F(LockSetTest, WidenTakesStripesAboveAndFreeStripesBelow) {
  LockSet locks(&keyspace_);
  locks.Add(1, "held");
  locks.Lock();
  LockSet wanted(&keyspace_);
  wanted.Add(3, "above");  // a higher database: above every held stripe
  wanted.Add(0, "below");  // a lower one: only tried
  wanted.Add(1, "held");   // held already
  EXPECT_TRUE(locks.Widen(&wanted));
  EXPECT_TRUE(wanted.empty());
  EXPECT_FALSE(LockableElsewhere(3, "above"));
  EXPECT_FALSE(LockableElsewhere(0, "below"));
  EXPECT_TRUE(locks.Holds(0, StripeOf(HashKey("below"))));
  EXPECT_TRUE(LockSet::HeldByCallingThread(3, StripeOf(HashKey("above"))));
  locks.Unlock();
  EXPECT_TRUE(LockableElsewhere(3, "above"));
  EXPECT_TRUE(LockableElsewhere(0, "below"));
  EXPECT_TRUE(LockableElsewhere(1, "held"));
}

TEST_F(LockSetTest, WidenFailsOnAStripeBelowThatAnotherThreadHolds) {
  HeldElsewhere holder(StripeMutex(0, "taken"));
  LockSet locks(&keyspace_);
  locks.Add(2, "mine");
  locks.Lock();
  LockSet wanted(&keyspace_);
  wanted.Add(0, "taken");
  EXPECT_FALSE(locks.Widen(&wanted)) << "waiting below a held stripe could deadlock";
  EXPECT_TRUE(wanted.empty());
  locks.Unlock();
  EXPECT_TRUE(LockableElsewhere(2, "mine"));
}

TEST_F(LockSetTest, LockGivesUpWhileAnotherThreadHoldsAStripe) {
  HeldElsewhere holder(StripeMutex(3, "held"));
  LockSet locks(&keyspace_);
  locks.Add(1, "first");  // taken before the held stripe, released when giving up
  locks.Add(3, "held");
  int asked = 0;
  EXPECT_FALSE(locks.Lock([&] { return ++asked == 3; }));
  EXPECT_EQ(asked, 3) << "asked only while waiting, until it says so";
  EXPECT_TRUE(locks.empty());
  EXPECT_TRUE(LockableElsewhere(1, "first"));
  holder.Release();
  // Uncontended, it never asks.
  locks.Add(1, "first");
  locks.Add(3, "held");
  EXPECT_TRUE(locks.Lock([] { return true; }));
  EXPECT_FALSE(LockableElsewhere(3, "held"));
  locks.Unlock();
}

TEST_F(LockSetTest, CoversComparesAddedStripes) {
  LockSet declared(&keyspace_);
  declared.Add(0, "a");
  declared.Add(0, "b");
  LockSet call(&keyspace_);
  call.Add(0, "b");
  EXPECT_TRUE(declared.Covers(&call));
  call.Add(1, "a");
  EXPECT_FALSE(declared.Covers(&call)) << "the same key in another database";
}

TEST_F(LockSetTest, OppositeOrdersDoNotDeadlock) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 5000;
  std::vector<std::string> keys;
  for (int i = 0; i < 8; ++i) keys.push_back("key" + std::to_string(i));
  int64_t shared_counter = 0;  // guarded by the stripe of keys[0] in db 0
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      LockSet locks(&keyspace_);
      for (int r = 0; r < kRounds; ++r) {
        for (int k = 0; k < 8; ++k) {
          const int index = (t % 2 == 0) ? k : 7 - k;
          locks.Add((r + index) % 2, keys[static_cast<size_t>(index)]);
        }
        locks.Add(0, keys[0]);
        locks.Lock();
        ++shared_counter;
        locks.Unlock();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(shared_counter, int64_t{kThreads} * kRounds);
}

}  // namespace
}  // namespace strata::store
