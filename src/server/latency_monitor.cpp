#include "server/latency_monitor.h"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "common/numbers.h"

namespace strata::server {

void LatencyMonitor::Add(std::string_view event, int64_t ms, int64_t unix_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(series_.begin(), series_.end(), [&](const Series& s) { return s.event == event; });
  if (it == series_.end()) {
    series_.push_back(Series{std::string(event)});
    it = series_.end() - 1;
  }
  Series& s = *it;
  s.max_ms = std::max(s.max_ms, ms);
  LatencySample& last = s.ring[(s.next + kLatencySamples - 1) % kLatencySamples];
  if (last.unix_seconds == unix_seconds) {
    last.ms = std::max(last.ms, ms);
    return;
  }
  s.ring[s.next] = LatencySample{unix_seconds, ms};
  s.next = (s.next + 1) % kLatencySamples;
}

std::vector<LatencyEventSeries> LatencyMonitor::Events() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<LatencyEventSeries> out;
  for (const Series& s : series_) {
    LatencyEventSeries e{s.event, {}, s.max_ms};
    for (size_t i = 0; i < kLatencySamples; ++i) {
      const LatencySample& sample = s.ring[(s.next + i) % kLatencySamples];
      if (sample.unix_seconds != 0) e.samples.push_back(sample);
    }
    out.push_back(std::move(e));
  }
  return out;
}

size_t LatencyMonitor::Reset(const std::vector<std::string_view>& names) {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t before = series_.size();
  std::erase_if(series_, [&](const Series& s) {
    return names.empty() ||
           std::any_of(names.begin(), names.end(), [&](std::string_view n) { return EqualsIgnoreCase(n, s.event); });
  });
  return before - series_.size();
}

namespace {

// How long ago, as the graph labels it: 5s, 3m, 2h, 1d.
std::string AgoLabel(int64_t seconds) {
  if (seconds < 60) return fmt::format("{}s", seconds);
  if (seconds < 3600) return fmt::format("{}m", seconds / 60);
  if (seconds < 86400) return fmt::format("{}h", seconds / 3600);
  return fmt::format("{}d", seconds / 86400);
}

// Draws `samples` (value, label) as a filled sparkline of `rows` rows, each row three levels
// ('_', 'o', '#'; '|' where a taller column passes through), then each label written downwards
// under its column after one blank row.
void RenderSparkline(const std::vector<std::pair<int64_t, std::string>>& samples, size_t begin, size_t end,
                     int64_t min, int64_t max, std::string* out) {
  constexpr int kRows = 4;
  constexpr std::string_view kLevels = "_o#";
  const int steps = kRows * static_cast<int>(kLevels.size());
  const double range = max == min ? 1.0 : static_cast<double>(max - min);
  size_t longest_label = 0;
  for (size_t i = begin; i < end; ++i) longest_label = std::max(longest_label, samples[i].second.size());
  for (int row = 0; row < kRows; ++row) {
    for (size_t i = begin; i < end; ++i) {
      const int step = std::clamp(static_cast<int>(static_cast<double>(samples[i].first - min) * steps / range), 0,
                                  steps - 1);
      const int level = step - (kRows - row - 1) * static_cast<int>(kLevels.size());
      if (level < 0) {
        *out += ' ';
      } else if (level < static_cast<int>(kLevels.size())) {
        *out += kLevels[static_cast<size_t>(level)];
      } else {
        *out += '|';
      }
    }
    *out += '\n';
  }
  if (longest_label == 0) return;
  out->append(end - begin, ' ');
  *out += '\n';
  for (size_t c = 0; c < longest_label; ++c) {
    for (size_t i = begin; i < end; ++i) *out += c < samples[i].second.size() ? samples[i].second[c] : ' ';
    *out += '\n';
  }
}

}  // namespace

std::string LatencyGraph(const LatencyEventSeries& series, int64_t now_unix) {
  constexpr size_t kColumns = 80;
  std::vector<std::pair<int64_t, std::string>> samples;
  int64_t low = 0;
  int64_t high = 0;
  for (const LatencySample& s : series.samples) {
    if (samples.empty()) {
      low = high = s.ms;
    } else {
      low = std::min(low, s.ms);
      high = std::max(high, s.ms);
    }
    samples.emplace_back(s.ms, AgoLabel(now_unix - s.unix_seconds));
  }
  std::string out = fmt::format("{} - high {} ms, low {} ms (all time high {} ms)\n", series.event, high, low,
                                series.max_ms);
  out.append(kColumns, '-');
  out += '\n';
  for (size_t begin = 0; begin < samples.size(); begin += kColumns) {
    if (begin != 0) out += '\n';
    RenderSparkline(samples, begin, std::min(samples.size(), begin + kColumns), low, high, &out);
  }
  return out;
}

namespace {

// One piece of LATENCY DOCTOR's advice, in the order the report lists them.
enum Advice : uint32_t {
  kBetterVm = 1u << 0,
  kSlowlogEnable = 1u << 1,
  kSlowlogTuning = 1u << 2,
  kSlowlogInspect = 1u << 3,
  kScheduler = 1u << 4,
  kLocalDisk = 1u << 5,
  kDiskContention = 1u << 6,
  kHz = 1u << 7,
  kLargeObjects = 1u << 8,
  kMassEviction = 1u << 9,
  kDisableThp = 1u << 10,
};

// Mean and mean absolute deviation of an event's samples, and the seconds they span.
struct SeriesStats {
  int64_t avg = 0;
  int64_t mad = 0;
  int64_t period = 0;
};

SeriesStats Analyze(const LatencyEventSeries& e, int64_t now_unix) {
  SeriesStats st;
  if (e.samples.empty()) return st;
  int64_t sum = 0;
  int64_t oldest = e.samples.front().unix_seconds;
  for (const LatencySample& s : e.samples) {
    sum += s.ms;
    oldest = std::min(oldest, s.unix_seconds);
  }
  const auto n = static_cast<int64_t>(e.samples.size());
  st.avg = sum / n;
  st.period = std::max<int64_t>(1, now_unix - oldest);
  int64_t deviation = 0;
  for (const LatencySample& s : e.samples) deviation += std::abs(st.avg - s.ms);
  st.mad = deviation / n;
  return st;
}

}  // namespace

std::string LatencyDoctorReport(const std::vector<LatencyEventSeries>& events, const LatencyDoctorInputs& in,
                                int64_t now_unix) {
  if (events.empty() && in.threshold_ms == 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "
           "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep "
           "space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
  }
  std::string out;
  uint32_t advice = 0;
  int number = 0;
  for (const LatencyEventSeries& e : events) {
    if (++number == 1) {
      out += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you "
             "Dave?\n\n";
    }
    const SeriesStats st = Analyze(e, now_unix);
    out += fmt::format(
        "{}. {}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2f} sec). Worst all time event {}ms.",
        number, e.event, e.samples.size(), st.avg, st.mad,
        static_cast<double>(st.period) / static_cast<double>(e.samples.size()), e.max_ms);
    const std::string event = AsciiLower(e.event);
    if (event == "fork") {
      const double rate = in.fork_rate_gb_per_sec;
      const char* quality = rate < 10 ? "terrible" : rate < 25 ? "poor" : rate < 100 ? "good" : "excellent";
      if (rate < 25) advice |= kBetterVm;
      out += fmt::format(" Fork rate is {:.2f} GB/sec ({}).", rate, quality);
    } else if (event == "command") {
      if (in.slowlog_slower_than_us < 0) {
        advice |= kSlowlogEnable;
      } else if (in.slowlog_slower_than_us / 1000 > in.threshold_ms) {
        advice |= kSlowlogTuning;
      }
      advice |= kSlowlogInspect | kLargeObjects;
    } else if (event == "fast-command") {
      advice |= kScheduler;
    } else if (event == "rdb-unlink-temp-file") {
      advice |= kDiskContention | kLocalDisk;
    } else if (event == "expire-cycle") {
      advice |= kHz | kLargeObjects;
    } else if (event == "eviction-del") {
      advice |= kLargeObjects;
    } else if (event == "eviction-cycle") {
      advice |= kMassEviction;
    }
    out += '\n';
  }
  if (in.anon_huge_pages) advice |= kDisableThp;
  if (number == 0 && advice == 0) {
    return out + "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest "
                 "bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n";
  }
  if (advice == 0) {
    return out + "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis "
                 "community to get some help, providing this report in your help request.\n";
  }
  out += "\nI have a few advices for you:\n\n";
  if (advice & kBetterVm) {
    out += "- If you are using a virtual machine, consider upgrading it with a faster one using a hypervisior that "
           "provides less latency during fork() calls. Xen is known to have poor fork() performance. Even in the "
           "context of the same VM provider, certain kinds of instances can execute fork faster than others.\n";
  }
  if (advice & kSlowlogEnable) {
    out += fmt::format(
        "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis "
        "feature using the command 'CONFIG SET slowlog-log-slower-than {}'. If the Slow log is disabled Redis is not "
        "able to log slow commands execution for you.\n",
        in.threshold_ms * 1000);
  }
  if (advice & kSlowlogTuning) {
    out += fmt::format(
        "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor "
        "threshold. Please use 'CONFIG SET slowlog-log-slower-than {}'.\n",
        in.threshold_ms * 1000);
  }
  if (advice & kSlowlogInspect) {
    out += "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. "
           "Please check https://redis.io/commands/slowlog for more information.\n";
  }
  if (advice & kScheduler) {
    out += "- The system is slow to execute Redis code paths not containing system calls. This usually means the "
           "system does not provide Redis CPU time to run for long periods. You should try to:\n"
           "  1) Lower the system load.\n"
           "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n"
           "  3) Check if you have a \"noisy neighbour\" problem.\n"
           "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n"
           "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using "
           "Jemalloc. However this may create fragmentation problems.\n";
  }
  if (advice & kLocalDisk) {
    out += "- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks "
           "provided by platform-as-a-service providers are known to be slow.\n";
  }
  if (advice & kDiskContention) {
    out += "- Try to lower the disk contention. This is often caused by other disk intensive processes running in the "
           "same computer (including other Redis instances).\n";
  }
  if ((advice & kHz) && in.hz < 100) {
    out += "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration "
           "parameter to 100 using 'CONFIG SET hz 100'.\n";
  }
  if (advice & kLargeObjects) {
    out += "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If "
           "you have very large objects that are often deleted, expired, or evicted, try to fragment those objects "
           "into multiple smaller objects.\n";
  }
  if (advice & kMassEviction) {
    out += "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or "
           "sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), "
           "may create sudden memory pressure forcing the server to block trying to evict keys. \n";
  }
  if (advice & kDisableThp) {
    out += "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious "
           "latency events in different conditions, especially when Redis is persisting on disk. To disable THP "
           "support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also "
           "add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if "
           "you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages "
           "already created.\n";
  }
  return out;
}

bool ProcessHasAnonHugePages() {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  constexpr std::string_view kField = "AnonHugePages:";
  while (std::getline(smaps, line)) {
    if (!line.starts_with(kField)) continue;
    int64_t kb = 0;
    const size_t digits = line.find_first_of("0123456789", kField.size());
    if (digits != std::string::npos && std::sscanf(line.c_str() + digits, "%ld", &kb) == 1 && kb > 0) return true;
  }
  return false;
}

}  // namespace strata::server
