// Error replies counted by error code ("ERR", "WRONGTYPE" ...), for INFO errorstats.
//
// Every error reply passes through CountErrorReply (the reply writer calls it), which bumps the
// calling thread's counter for the reply's code; SumErrorCounts merges the threads when INFO asks.
// Codes are registered once, on first sight, and never removed, so a code's index is stable.
#ifndef STRATA_COMMON_ERROR_STATS_H_
#define STRATA_COMMON_ERROR_STATS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata {

// Distinct codes tracked; replies with further codes are not counted by code (their total still
// counts in total_error_replies). Redis's own texts use about a dozen codes.
inline constexpr size_t kMaxErrorCodes = 128;

// The code of an error reply `text` (without the leading '-'), as Redis derives it: the bytes
// before the first space among the first 32 bytes, or "ERR" when there is no such space.
std::string_view ErrorCode(std::string_view text);

// Counts one error reply. Thread-safe; lock-free once the code has been seen.
void CountErrorReply(std::string_view text);

// Every code seen so far with its count summed over all threads, in code-index order (the order
// codes were first seen). Thread-safe.
std::vector<std::pair<std::string, uint64_t>> SumErrorCounts();

}  // namespace strata

#endif  // STRATA_COMMON_ERROR_STATS_H_
