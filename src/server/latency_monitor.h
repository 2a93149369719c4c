// The latency monitor (LATENCY LATEST / HISTORY / RESET / GRAPH / DOCTOR): for each event class
// Redis names ("command", "fast-command", "expire-cycle", "fork" ...), the worst latency of each
// of the last 160 seconds in which it took at least latency-monitor-threshold milliseconds, and
// the worst ever.
//
// Adding a sample takes the monitor's mutex, but only an event at least as slow as the
// threshold is a sample; with the threshold at 0 (off, the default) nothing is.
#ifndef STRATA_SERVER_LATENCY_MONITOR_H_
#define STRATA_SERVER_LATENCY_MONITOR_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace strata::server {

// Redis keeps this many samples per event.
inline constexpr size_t kLatencySamples = 160;

struct LatencySample {
  int64_t unix_seconds = 0;  // 0: an unused slot
  int64_t ms = 0;
};

// One event class's samples, oldest first.
struct LatencyEventSeries {
  std::string event;
  std::vector<LatencySample> samples;
  int64_t max_ms = 0;  // the worst ever, since the last reset of the event
};

class LatencyMonitor {
 public:
  // latency-monitor-threshold, in milliseconds (0: off). Thread-safe.
  void set_threshold_ms(int64_t ms) { threshold_ms_.store(ms, std::memory_order_relaxed); }
  int64_t threshold_ms() const { return threshold_ms_.load(std::memory_order_relaxed); }

  // Records that `event` took `ms` milliseconds now (`clock`'s time), if the monitor is on and
  // `ms` reaches the threshold. Within one second only the worst sample is kept. Thread-safe.
  void AddIfNeeded(std::string_view event, int64_t ms, const Clock& clock) {
    const int64_t threshold = threshold_ms();
    if (threshold > 0 && ms >= threshold) Add(event, ms, clock.NowMs() / 1000);
  }
  void Add(std::string_view event, int64_t ms, int64_t unix_seconds);

  // Every event with samples, in the order first seen. Thread-safe.
  std::vector<LatencyEventSeries> Events() const;
  // Forgets the events named (any case; all when `names` is empty). Returns how many went.
  // Thread-safe.
  size_t Reset(const std::vector<std::string_view>& names);

 private:
  struct Series {
    std::string event;
    std::array<LatencySample, kLatencySamples> ring{};
    size_t next = 0;  // the slot the next new second goes to
    int64_t max_ms = 0;
  };

  std::atomic<int64_t> threshold_ms_{0};
  mutable std::mutex mu_;
  std::vector<Series> series_;
};

// LATENCY GRAPH's text for `series` at `now_unix`: a title line, a rule, and the samples as
// Redis's sparkline (80 columns, 4 rows, labelled with how long ago each was).
std::string LatencyGraph(const LatencyEventSeries& series, int64_t now_unix);

// What LATENCY DOCTOR needs besides the events.
struct LatencyDoctorInputs {
  int64_t threshold_ms = 0;
  int64_t slowlog_slower_than_us = 0;
  int64_t hz = 10;
  double fork_rate_gb_per_sec = 0;
  bool anon_huge_pages = false;  // the process has transparent huge pages (smaps AnonHugePages)
};
// LATENCY DOCTOR's report, with Redis's wording, for `events` at `now_unix`.
std::string LatencyDoctorReport(const std::vector<LatencyEventSeries>& events, const LatencyDoctorInputs& in,
                                int64_t now_unix);

// Whether /proc/self/smaps shows anonymous huge pages.
bool ProcessHasAnonHugePages();

}  // namespace strata::server

#endif  // STRATA_SERVER_LATENCY_MONITOR_H_
