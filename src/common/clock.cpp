#include "common/clock.h"

#include <ctime>
#include <fstream>
#include <string>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace strata {
namespace {

int64_t ReadUs(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

// Every command reads the time at least once (expiry, latency statistics). In virtual machines
// clock_gettime costs well over 100 ns even without a system call, while the invariant TSC reads
// in a fraction of that: where the CPU has one, time is the TSC scaled by a rate measured at
// start-up, with the wall clock re-anchored on each thread every 100 ms so the two cannot drift
// apart. Elsewhere both clocks fall back to clock_gettime.
#if defined(__x86_64__)
bool HasInvariantTsc() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    const auto has = [&line](const char* flag) { return line.find(std::string(" ") + flag) != std::string::npos; };
    return has("constant_tsc") && has("nonstop_tsc");
  }
  return false;
}

// Microseconds per TSC tick, or 0 when the TSC is not to be trusted.
double UsPerTick() {
  static const double rate = [] {
    if (!HasInvariantTsc()) return 0.0;
    const int64_t m0 = ReadUs(CLOCK_MONOTONIC);
    const uint64_t t0 = __rdtsc();
    int64_t m1;
    do {
      m1 = ReadUs(CLOCK_MONOTONIC);
    } while (m1 - m0 < 10'000);
    const uint64_t t1 = __rdtsc();
    return static_cast<double>(m1 - m0) / static_cast<double>(t1 - t0);
  }();
  return rate;
}

constexpr int64_t kReanchorUs = 100'000;

struct WallAnchor {
  uint64_t tsc = 0;
  int64_t wall_us = 0;
};
thread_local WallAnchor g_anchor;
#endif

}  // namespace

int64_t SystemClock::NowMs() const { return NowUs() / 1000; }

int64_t SystemClock::NowUs() const {
#if defined(__x86_64__)
  const double us_per_tick = UsPerTick();
  if (us_per_tick > 0) {
    const uint64_t now = __rdtsc();
    WallAnchor& a = g_anchor;
    // Unsigned: a TSC that went backwards (another core's) also re-anchors.
    const double since = static_cast<double>(now - a.tsc) * us_per_tick;
    if (a.tsc == 0 || since >= static_cast<double>(kReanchorUs)) {
      a.wall_us = ReadUs(CLOCK_REALTIME);
      a.tsc = __rdtsc();
      return a.wall_us;
    }
    return a.wall_us + static_cast<int64_t>(since);
  }
#endif
  return ReadUs(CLOCK_REALTIME);
}

const SystemClock* SystemClock::Get() {
  static const SystemClock clock;
  return &clock;
}

int64_t MonotonicUs() {
#if defined(__x86_64__)
  const double us_per_tick = UsPerTick();
  if (us_per_tick > 0) return static_cast<int64_t>(static_cast<double>(__rdtsc()) * us_per_tick);
#endif
  return ReadUs(CLOCK_MONOTONIC);
}

}  // namespace strata
