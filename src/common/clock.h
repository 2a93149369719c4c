// The source of time for everything that expires, idles or is timestamped.
//
// Expiry, eviction and idle timeouts read time only through a Clock so tests can move time by hand
// instead of sleeping.
#ifndef STRATA_COMMON_CLOCK_H_
#define STRATA_COMMON_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace strata {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in milliseconds since the Unix epoch (what EXPIREAT and TTL speak).
  // Thread-safe.
  virtual int64_t NowMs() const = 0;
  // Wall-clock time in microseconds since the Unix epoch. Thread-safe.
  virtual int64_t NowUs() const = 0;
};

// The real clock: the wall time, read cheaply (see clock.cpp) to microsecond precision.
class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
  int64_t NowUs() const override;
  // One shared instance; lives for the whole process.
  static const SystemClock* Get();
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_us_(start_ms * 1000) {}
  int64_t NowMs() const override { return now_us_.load(std::memory_order_relaxed) / 1000; }
  int64_t NowUs() const override { return now_us_.load(std::memory_order_relaxed); }
  void AdvanceMs(int64_t ms) { now_us_.fetch_add(ms * 1000, std::memory_order_relaxed); }
  void SetMs(int64_t ms) { now_us_.store(ms * 1000, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_us_;
};

// Monotonic microseconds, for measuring durations (command latency, cycle budgets); not injectable
// because nothing observable depends on its absolute value. Thread-safe.
int64_t MonotonicUs();

}  // namespace strata

#endif  // STRATA_COMMON_CLOCK_H_
