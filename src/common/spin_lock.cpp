#include "common/spin_lock.h"

#include <sched.h>

namespace strata {
namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins this many times before yielding: a holder on another core usually finishes by then; a
// holder that was preempted needs the CPU back.
constexpr int kSpinsBeforeYield = 128;

}  // namespace

void SpinLock::LockContended() {
  // Never gives up: asked only between yields, so the spin stays as cheap as ever.
  LockContendedUnless([] { return false; });
}

bool SpinLock::LockContendedUnless(FunctionRef<bool()> give_up) {
  int spins = 0;
  do {
    while (locked_.load(std::memory_order_relaxed)) {
      if (++spins < kSpinsBeforeYield) {
        CpuRelax();
      } else {
        if (give_up()) return false;
        sched_yield();
      }
    }
  } while (locked_.exchange(true, std::memory_order_acquire));
  return true;
}

}  // namespace strata
