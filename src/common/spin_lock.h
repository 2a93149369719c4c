// A small lock for stripes of the keyspace: critical sections are short (one command's keys) and
// rarely contended, so taking it is one atomic exchange and releasing it a plain store, cheaper
// than a futex-based mutex. Waiters spin briefly, then yield the CPU. Meets the Lockable
// requirements (std::lock_guard, std::unique_lock).
//
// Builds with assertions (no NDEBUG) also record the owning thread, so code that requires a lock
// can assert that its caller holds it (HeldByCurrentThread). ThreadSanitizer builds tell TSan
// that this is a mutex (lock order, double unlock, the locks held at a race); other builds
// compile the annotations away.
#ifndef STRATA_COMMON_SPIN_LOCK_H_
#define STRATA_COMMON_SPIN_LOCK_H_

#include <atomic>

#include "common/function_ref.h"

#ifndef NDEBUG
#define STRATA_LOCK_CHECKS 1
#endif

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
    LockUntracked();
    STRATA_TSAN_ANNOTATE(__tsan_mutex_post_lock(this, 0, 0));
  }
  bool try_lock() {
    STRATA_TSAN_ANNOTATE(__tsan_mutex_pre_lock(this, __tsan_mutex_try_lock));
    const bool got = !locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire);
    if (got) SetOwner();
    STRATA_TSAN_ANNOTATE(__tsan_mutex_post_lock(
        this, got ? __tsan_mutex_try_lock : __tsan_mutex_try_lock | __tsan_mutex_try_lock_failed, 0));
    return got;
  }
  void unlock() {
    STRATA_TSAN_ANNOTATE(__tsan_mutex_pre_unlock(this, 0));
    UnlockUntracked();
    STRATA_TSAN_ANNOTATE(__tsan_mutex_post_unlock(this, 0));
  }

  // lock() and unlock() for a thread that holds many of these at once, all taken in one global
  // order (the stripes of a whole database): TSan's deadlock detector tracks at most 64 held
  // mutexes per thread and aborts past that. TSan still sees the happens-before edges (through
  // the atomic) but does not count the lock as held, so such a holder should take its first lock
  // with lock() and the rest with LockUntracked(), releasing the same way. Outside TSan builds
  // these are lock() and unlock().
  void LockUntracked() {
    if (locked_.exchange(true, std::memory_order_acquire)) LockContended();
    SetOwner();
  }
  // try_lock() for such a holder: a lock it adds to the many it holds, out of their order
  // (scripts that reach an undeclared key: store::LockSet::Widen).
  bool TryLockUntracked() {
    if (locked_.load(std::memory_order_relaxed) || locked_.exchange(true, std::memory_order_acquire)) return false;
    SetOwner();
    return true;
  }
  // lock() and LockUntracked() for a waiter that may stop waiting: while the lock is held by
  // another, `give_up` is asked between spins, and once it says so these return false without
  // the lock (a client waiting for a busy script's stripes: store::LockSet::Lock). TSan sees a
  // try-lock.
  bool LockUnless(FunctionRef<bool()> give_up) {
    STRATA_TSAN_ANNOTATE(__tsan_mutex_pre_lock(this, __tsan_mutex_try_lock));
    const bool got = LockUntrackedUnless(give_up);
    STRATA_TSAN_ANNOTATE(__tsan_mutex_post_lock(
        this, got ? __tsan_mutex_try_lock : __tsan_mutex_try_lock | __tsan_mutex_try_lock_failed, 0));
    return got;
  }
  bool LockUntrackedUnless(FunctionRef<bool()> give_up) {
    if (locked_.exchange(true, std::memory_order_acquire) && !LockContendedUnless(give_up)) return false;
    SetOwner();
    return true;
  }
  void UnlockUntracked() {
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
  // LockContended that returns false, unlocked, once `give_up()` is true.
  bool LockContendedUnless(FunctionRef<bool()> give_up);
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
#endif

  // First member: TSan's mutex (at `this`) and the atomic share one address, so an untracked
  // acquisition synchronizes with a tracked release and back.
  std::atomic<bool> locked_{false};
#ifdef STRATA_LOCK_CHECKS
  std::atomic<const void*> owner_{nullptr};
#endif
};

}  // namespace strata

#endif  // STRATA_COMMON_SPIN_LOCK_H_
