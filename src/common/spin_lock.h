// A small lock for stripes of the keyspace: critical sections are short (one command's keys) and
// rarely contended, so taking it is one atomic exchange and releasing it a plain store, cheaper
// than a futex-based mutex. Waiters spin briefly, then yield the CPU. Meets the Lockable
// requirements (std::lock_guard, std::unique_lock).
#ifndef STRATA_COMMON_SPIN_LOCK_H_
#define STRATA_COMMON_SPIN_LOCK_H_

#include <atomic>

namespace strata {

class SpinLock {
 public:
  void lock() {
    if (!locked_.exchange(true, std::memory_order_acquire)) return;
    LockContended();
  }
  bool try_lock() {
    return !locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  void LockContended();

  std::atomic<bool> locked_{false};
};

}  // namespace strata

#endif  // STRATA_COMMON_SPIN_LOCK_H_
