#include "common/clock.h"

#include <ctime>

namespace strata {

int64_t SystemClock::NowMs() const { return NowUs() / 1000; }

int64_t SystemClock::NowUs() const {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

const SystemClock* SystemClock::Get() {
  static const SystemClock clock;
  return &clock;
}

int64_t MonotonicUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

}  // namespace strata
