// A small lock for stripes of the keyspace: critical sections are short (one command's keys) and
// rarely contended, so taking it is one atomic exchange and releasing it a plain store, cheaper
// than a futex-based mutex. Waiters spin briefly, then yield the CPU. Meets the Lockable
// requirements (std::lock_guard, std::unique_lock).
//
// ThreadSanitizer builds tell TSan that this is a mutex (lock order, double unlock, the locks held
// at a race); other builds compile the annotations away.
#ifndef STRATA_COMMON_SPIN_LOCK_H_
#define STRATA_COMMON_SPIN_LOCK_H_

#include <atomic>

#if defined(__SANITIZE_THREAD__)
#define STRATA_TSAN_MUTEX 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STRATA_TSAN_MUTEX 1
#endif
#endif

// STRATA_TSAN_ANNOTATE(call) makes `call` only in ThreadSanitizer builds.
#ifdef STRATA_TSAN_MUTEX
#include <sanitizer/tsan_interface.h>
#define STRATA_TSAN_ANNOTATE(call) call
#else
#define STRATA_TSAN_ANNOTATE(call) static_cast<void>(0)
#endif

namespace strata {

class SpinLock {
 public:
  SpinLock() { STRATA_TSAN_ANNOTATE(__tsan_mutex_create(this, 0)); }
  ~SpinLock() { STRATA_TSAN_ANNOTATE(__tsan_mutex_destroy(this, 0)); }
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  void lock() {
    STRATA_TSAN_ANNOTATE(__tsan_mutex_pre_lock(this, 0));
    Acquire();
    STRATA_TSAN_ANNOTATE(__tsan_mutex_post_lock(this, 0, 0));
  }
  bool try_lock() {
    STRATA_TSAN_ANNOTATE(__tsan_mutex_pre_lock(this, __tsan_mutex_try_lock));
    const bool got = !locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire);
    STRATA_TSAN_ANNOTATE(__tsan_mutex_post_lock(
        this, got ? __tsan_mutex_try_lock : __tsan_mutex_try_lock | __tsan_mutex_try_lock_failed, 0));
    return got;
  }
  void unlock() {
    STRATA_TSAN_ANNOTATE(__tsan_mutex_pre_unlock(this, 0));
    locked_.store(false, std::memory_order_release);
    STRATA_TSAN_ANNOTATE(__tsan_mutex_post_unlock(this, 0));
  }

  // lock() and unlock() for a thread that holds many of these at once, all taken in one global
  // order (the stripes of a whole database): TSan's deadlock detector tracks at most 64 held
  // mutexes per thread and aborts past that. TSan still sees the happens-before edges (through
  // the atomic) but does not count the lock as held, so such a holder should take its first lock
  // with lock() and the rest with LockUntracked(), releasing the same way. Outside TSan builds
  // these are lock() and unlock().
  void LockUntracked() { Acquire(); }
  void UnlockUntracked() { locked_.store(false, std::memory_order_release); }

 private:
  void Acquire() {
    if (!locked_.exchange(true, std::memory_order_acquire)) return;
    LockContended();
  }
  void LockContended();

  // First member: TSan's mutex (at `this`) and the atomic share one address, so an untracked
  // acquisition synchronizes with a tracked release and back.
  std::atomic<bool> locked_{false};
};

}  // namespace strata

#endif  // STRATA_COMMON_SPIN_LOCK_H_
