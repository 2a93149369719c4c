// A small lock for stripes of the keyspace: critical sections are short (one command's keys) and
// rarely contended, so taking it is one atomic exchange and releasing it a plain store, cheaper
// than a futex-based mutex. Waiters spin briefly, then yield the CPU. Meets the Lockable
// requirements (std::lock_guard, std::unique_lock).
//
// Builds with assertions (no NDEBUG) also record the owning thread, so code that requires a lock
// can assert that its caller holds it (HeldByCurrentThread).
#ifndef STRATA_COMMON_SPIN_LOCK_H_
#define STRATA_COMMON_SPIN_LOCK_H_

#include <atomic>

#ifndef NDEBUG
#define STRATA_LOCK_CHECKS 1
#endif

namespace strata {

class SpinLock {
 public:
  void lock() {
    if (locked_.exchange(true, std::memory_order_acquire)) LockContended();
    SetOwner();
  }
  bool try_lock() {
    if (locked_.load(std::memory_order_relaxed) || locked_.exchange(true, std::memory_order_acquire)) return false;
    SetOwner();
    return true;
  }
  void unlock() {
#ifdef STRATA_LOCK_CHECKS
    owner_.store(nullptr, std::memory_order_relaxed);
#endif
    locked_.store(false, std::memory_order_release);
  }

  // Whether the calling thread holds the lock. Only builds with STRATA_LOCK_CHECKS track the
  // owner; in others this is always true, so use it only inside assert().
  bool HeldByCurrentThread() const {
#ifdef STRATA_LOCK_CHECKS
    return owner_.load(std::memory_order_relaxed) == CurrentThreadToken();
#else
    return true;
#endif
  }

 private:
  void LockContended();
  void SetOwner() {
#ifdef STRATA_LOCK_CHECKS
    owner_.store(CurrentThreadToken(), std::memory_order_relaxed);
#endif
  }
#ifdef STRATA_LOCK_CHECKS
  // A per-thread address, cheaper to read than std::this_thread::get_id().
  static const void* CurrentThreadToken() {
    thread_local const char token = 0;
    return &token;
  }
  std::atomic<const void*> owner_{nullptr};
#endif

  std::atomic<bool> locked_{false};
};

}  // namespace strata

#endif  // STRATA_COMMON_SPIN_LOCK_H_
