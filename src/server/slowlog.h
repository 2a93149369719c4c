// SLOWLOG: the newest calls that ran longer than slowlog-log-slower-than, with Redis 7.0's entry
// shape (id, unix time, microseconds, arguments as Redis trims and redacts them, client address,
// client name).
//
// One log for the whole server, whatever io-thread ran the call: an entry takes its id under the
// log's mutex, so ids are unique and the log's order is the ids' order. Only calls that are slow
// reach the mutex; the fast path pays one relaxed load and compare (SlowLog::IsSlow).
#ifndef STRATA_SERVER_SLOWLOG_H_
#define STRATA_SERVER_SLOWLOG_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace strata::server {

struct Command;

struct SlowLogEntry {
  uint64_t id = 0;
  int64_t unix_seconds = 0;
  int64_t duration_us = 0;
  std::vector<std::string> args;  // trimmed and redacted as Redis shows them
  std::string client_addr;
  std::string client_name;
};

// Redis keeps at most this many arguments of a call (the last one kept says how many more there
// were) and this many bytes of each.
inline constexpr size_t kSlowLogMaxArgs = 32;
inline constexpr size_t kSlowLogMaxArgBytes = 128;

// `args` as the slowlog keeps them for a call of `cmd`: at most kSlowLogMaxArgs, each cut to
// kSlowLogMaxArgBytes, with secrets replaced by "(redacted)" as Redis 7.0 does (AUTH's
// arguments, HELLO's AUTH pair, CONFIG SET's requirepass value, ACL SETUSER's rules).
std::vector<std::string> SlowLogArgs(const Command& cmd, std::span<const std::string_view> args);

class SlowLog {
 public:
  // slowlog-log-slower-than (microseconds; negative: off) and slowlog-max-len. Thread-safe.
  void set_threshold_us(int64_t us) { threshold_us_.store(us, std::memory_order_relaxed); }
  void SetMaxLen(size_t max_len);

  // Whether a call that took `elapsed_us` belongs in the log. The fast path's only cost.
  bool IsSlow(int64_t elapsed_us) const {
    const int64_t threshold = threshold_us_.load(std::memory_order_relaxed);
    return threshold >= 0 && elapsed_us >= threshold;
  }

  // Adds a call, newest first, dropping the oldest beyond slowlog-max-len. Thread-safe.
  void Record(const Command& cmd, std::span<const std::string_view> args, int64_t duration_us,
              int64_t unix_seconds, std::string client_addr, std::string client_name);

  // The newest `count` entries, newest first. Thread-safe.
  std::vector<SlowLogEntry> Newest(size_t count) const;
  size_t size() const;
  // Empties the log; ids go on from where they were, as in Redis. Thread-safe.
  void Reset();

 private:
  std::atomic<int64_t> threshold_us_{10000};
  mutable std::mutex mu_;
  std::deque<SlowLogEntry> entries_;  // newest at the front
  size_t max_len_ = 128;
  uint64_t next_id_ = 0;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_SLOWLOG_H_
