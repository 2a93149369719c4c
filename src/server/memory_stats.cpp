#include "server/memory_stats.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <mutex>

// jemalloc's control interface. Declared weak so the program links without jemalloc; when the
// final executable links jemalloc, these resolve to it.
extern "C" {
int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen) __attribute__((weak));
void malloc_stats_print(void (*write_cb)(void*, const char*), void* cbopaque, const char* opts) __attribute__((weak));
}

namespace strata::server {
namespace {

// jemalloc's "all arenas" index for arena.<i>.purge.
constexpr unsigned kAllArenas = 4096;

bool HaveJemalloc() { return mallctl != nullptr; }

size_t JemallocSize(const char* name) {
  size_t value = 0;
  size_t len = sizeof(value);
  if (mallctl(name, &value, &len, nullptr, 0) != 0) return 0;
  return value;
}

}  // namespace

AllocatorFigures ReadAllocator() {
  AllocatorFigures f;
  if (HaveJemalloc()) {
    // jemalloc's statistics are a snapshot refreshed by bumping the epoch; the bump is global, so
    // concurrent readers serialize on it.
    static std::mutex epoch_mu;
    std::lock_guard<std::mutex> lock(epoch_mu);
    uint64_t epoch = 1;
    size_t len = sizeof(epoch);
    mallctl("epoch", &epoch, &len, &epoch, len);
    f.allocated = JemallocSize("stats.allocated");
    f.active = JemallocSize("stats.active");
    f.resident = JemallocSize("stats.resident");
    return f;
  }
  const struct mallinfo2 mi = mallinfo2();
  f.allocated = mi.uordblks + mi.hblkhd;
  f.active = f.allocated;
  f.resident = mi.arena + mi.hblkhd;
  return f;
}

size_t UsedMemory() { return ReadAllocator().allocated; }

size_t ResidentSetSize() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0;
  unsigned long resident = 0;
  const int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<size_t>(resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

size_t TotalSystemMemory() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<size_t>(pages) * static_cast<size_t>(page_size);
}

std::string AllocatorName() {
  if (!HaveJemalloc()) return "libc";
  const char* version = nullptr;
  size_t len = sizeof(version);
  if (mallctl("version", &version, &len, nullptr, 0) != 0 || version == nullptr) return "jemalloc";
  // "5.3.0-0-g54eaed1d..." -> "jemalloc-5.3.0"
  std::string v(version);
  return "jemalloc-" + v.substr(0, v.find('-'));
}

std::string AllocatorReport() {
  if (!HaveJemalloc() || malloc_stats_print == nullptr) return "Stats not supported for the current allocator";
  std::string out;
  malloc_stats_print([](void* opaque, const char* text) { static_cast<std::string*>(opaque)->append(text); }, &out,
                     nullptr);
  return out;
}

void PurgeAllocator() {
  if (HaveJemalloc()) {
    char name[32];
    std::snprintf(name, sizeof(name), "arena.%u.purge", kAllArenas);
    mallctl(name, nullptr, nullptr, nullptr, 0);
    return;
  }
  malloc_trim(0);
}

size_t MemoryPeak::Update(size_t used) {
  size_t peak = peak_.load(std::memory_order_relaxed);
  while (used > peak && !peak_.compare_exchange_weak(peak, used, std::memory_order_relaxed)) {
  }
  return used > peak ? used : peak;
}

}  // namespace strata::server
