// Error replies counted by error code ("ERR", "WRONGTYPE" ...), for INFO errorstats.
//
// Every error reply passes through ErrorStats::Count (the reply writer calls it for the server's
// ErrorStats), which bumps the calling thread's counter for the reply's code; Sum merges the
// threads when INFO asks. Codes are registered once, on first sight, and never removed, so a
// code's index is stable.
#ifndef STRATA_COMMON_ERROR_STATS_H_
#define STRATA_COMMON_ERROR_STATS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <atomic>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "common/per_thread.h"

namespace strata {

// Distinct codes tracked; replies with further codes are not counted by code (their total still
// counts in total_error_replies). Redis's own texts use about a dozen codes.
inline constexpr size_t kMaxErrorCodes = 128;

// The code of an error reply `text` (without the leading '-'), as Redis derives it: the bytes
// before the first space among the first 32 bytes, or "ERR" when there is no such space.
std::string_view ErrorCode(std::string_view text);

// Error replies counted by code, per thread. Owned by the server, so a fresh one counts from zero.
class ErrorStats {
 public:
  ErrorStats() = default;
  ErrorStats(const ErrorStats&) = delete;
  ErrorStats& operator=(const ErrorStats&) = delete;

  // Counts one error reply. Thread-safe; lock-free once the code has been seen.
  void Count(std::string_view text);

  // Every code seen so far with its count summed over all threads, in code-index order (the order
  // codes were first seen). Thread-safe.
  std::vector<std::pair<std::string, uint64_t>> Sum() const;

 private:
  // Redis looks for the space among the first 32 bytes only.
  static constexpr size_t kCodeScan = 32;
  struct Counters {
    Counter by_code[kMaxErrorCodes];
  };

  // The index of `code` among the first `n` registered codes, or n when absent.
  size_t FindCode(size_t n, std::string_view code) const;
  // The index of `code`, registering it if new; kMaxErrorCodes when the registry is full.
  size_t CodeIndex(std::string_view code);

  // The registered codes. A slot is written once, before `published_` grows past it, so readers
  // that load `published_` (acquire) may read the slots below it without the lock.
  std::mutex mu_;
  std::atomic<size_t> published_{0};
  char names_[kMaxErrorCodes][kCodeScan];
  size_t lengths_[kMaxErrorCodes];
  PerThreadSet<Counters> counters_;
};

}  // namespace strata

#endif  // STRATA_COMMON_ERROR_STATS_H_
