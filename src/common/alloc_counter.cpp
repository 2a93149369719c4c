#include "common/alloc_counter.h"

#include <atomic>

extern "C" {
int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen) __attribute__((weak));
}

namespace strata {
namespace {

std::atomic<int64_t> g_base{0};    // set by Resync: exact reading minus g_folded at that time
std::atomic<int64_t> g_folded{0};  // the sum of every thread's folded changes

// One thread's jemalloc totals and how much of them it has folded.
struct ThreadTotals {
  bool ready = false;
  const uint64_t* allocated = nullptr;
  const uint64_t* deallocated = nullptr;
  int64_t folded = 0;  // allocated - deallocated at the last fold

  int64_t Net() const { return static_cast<int64_t>(*allocated - *deallocated); }

  bool Init() {
    if (mallctl == nullptr) return false;
    uint64_t* p = nullptr;
    size_t len = sizeof(p);
    if (mallctl("thread.allocatedp", &p, &len, nullptr, 0) != 0) return false;
    allocated = p;
    len = sizeof(p);
    if (mallctl("thread.deallocatedp", &p, &len, nullptr, 0) != 0) return false;
    deallocated = p;
    // What the thread did before its first reading is in the next Resync's exact figure.
    folded = Net();
    ready = true;
    return true;
  }
};

ThreadTotals* Local() {
  thread_local ThreadTotals totals;
  if (!totals.ready && !totals.Init()) return nullptr;
  return &totals;
}

}  // namespace

bool HaveThreadAllocCounters() { return Local() != nullptr; }

size_t AllocatedBytes() {
  int64_t unfolded = 0;
  if (ThreadTotals* t = Local()) {
    unfolded = t->Net() - t->folded;
    if (unfolded >= kFoldStep || unfolded <= -kFoldStep) {
      g_folded.fetch_add(unfolded, std::memory_order_relaxed);
      t->folded += unfolded;
      unfolded = 0;
    }
  }
  const int64_t total = g_base.load(std::memory_order_relaxed) + g_folded.load(std::memory_order_relaxed) + unfolded;
  return total > 0 ? static_cast<size_t>(total) : 0;
}

void ResyncAllocated(size_t exact) {
  // The calling thread's unfolded change is part of `exact`: fold it first so it is not counted twice.
  if (ThreadTotals* t = Local()) {
    const int64_t unfolded = t->Net() - t->folded;
    g_folded.fetch_add(unfolded, std::memory_order_relaxed);
    t->folded += unfolded;
  }
  g_base.store(static_cast<int64_t>(exact) - g_folded.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

}  // namespace strata
