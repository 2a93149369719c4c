#include "common/spin_lock.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace strata {
namespace {

TEST(SpinLockTest, TryLockFailsWhileHeld) {
  SpinLock mu;
  ASSERT_TRUE(mu.try_lock());
  bool got_elsewhere = true;
  std::thread([&] { got_elsewhere = mu.try_lock(); }).join();
  EXPECT_FALSE(got_elsewhere);
  mu.unlock();
  std::thread([&] {
    got_elsewhere = mu.try_lock();
    if (got_elsewhere) mu.unlock();
  }).join();
  EXPECT_TRUE(got_elsewhere);
}

// Tracked and untracked holders exclude each other, and (under ThreadSanitizer) a plain counter
// guarded only by the lock is not reported as a race whichever way each side took it: the mutex
// annotation and the atomic synchronize through the same address.
TEST(SpinLockTest, TrackedAndUntrackedHoldersExcludeEachOther) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 20000;
  SpinLock mu;
  int64_t counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        if ((t + r) % 2 == 0) {
          std::lock_guard<SpinLock> lock(mu);
          ++counter;
        } else {
          mu.LockUntracked();
          ++counter;
          mu.UnlockUntracked();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(counter, int64_t{kThreads} * kRounds);
}

#if defined(STRATA_TSAN_MUTEX)
// The annotations make SpinLock a mutex to ThreadSanitizer: taking two in opposite orders is a
// reported lock-order inversion (one thread suffices for the detector).
TEST(SpinLockDeathTest, ThreadSanitizerSeesLockOrder) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        SpinLock a;
        SpinLock b;
        {
          std::scoped_lock<SpinLock> first(a);
          std::scoped_lock<SpinLock> second(b);
        }
        {
          std::scoped_lock<SpinLock> first(b);
          std::scoped_lock<SpinLock> second(a);
        }
      },
      "lock-order-inversion");
}
#endif

}  // namespace
}  // namespace strata

#if defined(STRATA_TSAN_MUTEX)
// The death test needs a report to end the process (TSAN_OPTIONS may still override this).
extern "C" const char* __tsan_default_options() { return "halt_on_error=1:detect_deadlocks=1"; }
#endif
