#include "common/clock.h"

#include <ctime>
#include <thread>

#include <gtest/gtest.h>

namespace strata {
namespace {

int64_t RealtimeUs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

TEST(SystemClock, TracksTheWallClock) {
  const SystemClock* clock = SystemClock::Get();
  for (int i = 0; i < 20; ++i) {
    const int64_t before = RealtimeUs();
    const int64_t ours = clock->NowUs();
    const int64_t after = RealtimeUs();
    // Within a couple of milliseconds of the kernel's wall clock, even across re-anchoring.
    EXPECT_GE(ours, before - 2000);
    EXPECT_LE(ours, after + 2000);
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
  }
}

TEST(MonotonicUs, MeasuresElapsedTime) {
  const int64_t start = MonotonicUs();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int64_t elapsed = MonotonicUs() - start;
  EXPECT_GE(elapsed, 45'000);
  EXPECT_LT(elapsed, 5'000'000);
  int64_t last = MonotonicUs();
  for (int i = 0; i < 100000; ++i) {
    const int64_t now = MonotonicUs();
    ASSERT_GE(now, last);
    last = now;
  }
}

TEST(FakeClock, MovesOnlyWhenTold) {
  FakeClock clock(1000);
  EXPECT_EQ(clock.NowMs(), 1000);
  clock.AdvanceMs(5);
  EXPECT_EQ(clock.NowUs(), 1'005'000);
  clock.SetMs(42);
  EXPECT_EQ(clock.NowMs(), 42);
}

}  // namespace
}  // namespace strata
