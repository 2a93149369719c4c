// What the process's memory looks like from the allocator's and the kernel's side, for INFO
// memory and the MEMORY command.
//
// With jemalloc linked in (the default build), figures come from its mallctl statistics; otherwise
// from glibc's mallinfo2. The jemalloc entry points are looked up as weak symbols, so code linking
// this file without jemalloc (tests, sanitizer builds) still links and falls back to glibc.
// All functions are thread-safe.
#ifndef STRATA_SERVER_MEMORY_STATS_H_
#define STRATA_SERVER_MEMORY_STATS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace strata::server {

struct AllocatorFigures {
  size_t allocated = 0;  // bytes handed out to the program (used_memory)
  size_t active = 0;     // bytes in pages the allocator has in use (jemalloc only, else = allocated)
  size_t resident = 0;   // bytes of allocator memory resident in RAM (jemalloc only, else = active)
};

// A fresh reading of the allocator's figures.
AllocatorFigures ReadAllocator();

// Bytes the program has allocated: ReadAllocator().allocated.
size_t UsedMemory();

// The process's resident set size in bytes, from /proc/self/statm (0 if unreadable).
size_t ResidentSetSize();

// Physical memory of the machine in bytes (0 if unknown).
size_t TotalSystemMemory();

// "jemalloc-5.3.0" or "libc", as INFO's mem_allocator shows it.
std::string AllocatorName();

// The allocator's own statistics report (MEMORY MALLOC-STATS), or Redis's text for allocators
// without one.
std::string AllocatorReport();

// Asks the allocator to return unused dirty pages to the kernel (MEMORY PURGE).
void PurgeAllocator();

// The largest UsedMemory() seen by Update().
class MemoryPeak {
 public:
  // Records `used` if it is a new peak; returns the peak.
  size_t Update(size_t used);
  size_t peak() const { return peak_.load(std::memory_order_relaxed); }

 private:
  std::atomic<size_t> peak_{0};
};

}  // namespace strata::server

#endif  // STRATA_SERVER_MEMORY_STATS_H_
