// The bytes the program has allocated, current enough to consult before every write.
//
// With jemalloc, each thread reads its own running totals (thread.allocatedp / deallocatedp:
// two loads, no lock) and folds the change into one global atomic when it has moved by more than
// kFoldStep since its last fold. AllocatedBytes() is the global figure plus the calling thread's
// unfolded change: exact for the calling thread, off by less than kFoldStep for each other one.
// Resync() re-bases the global figure on a full allocator reading (the cron, every tick), which
// absorbs what threads that never fold (the lazy-free thread) or that exited did.
// Without jemalloc (sanitizer builds) the figure is the last Resync() reading.
// All functions are thread-safe.
#ifndef STRATA_COMMON_ALLOC_COUNTER_H_
#define STRATA_COMMON_ALLOC_COUNTER_H_

#include <cstddef>
#include <cstdint>

namespace strata {

inline constexpr int64_t kFoldStep = 128 * 1024;

// The program's allocated bytes as of the last fold of each thread (see above), never negative.
size_t AllocatedBytes();

// Re-bases the figure on `exact`, a full reading of the allocator's allocated bytes.
void ResyncAllocated(size_t exact);

// Whether the per-thread counters are in use (jemalloc linked in).
bool HaveThreadAllocCounters();

}  // namespace strata

#endif  // STRATA_COMMON_ALLOC_COUNTER_H_
