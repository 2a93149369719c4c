// A background thread that destroys what commands want gone without paying for it themselves
// (UNLINK of large values, FLUSHALL ASYNC).
#ifndef STRATA_STORE_LAZY_FREE_H_
#define STRATA_STORE_LAZY_FREE_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "store/entry.h"

namespace strata::store {

class LazyFree {
 public:
  LazyFree();
  // Finishes every submitted job, then stops the thread.
  ~LazyFree();
  LazyFree(const LazyFree&) = delete;
  LazyFree& operator=(const LazyFree&) = delete;

  // Destroys `entry` on the background thread: one object. Thread-safe.
  void Submit(Entry* entry);
  // Runs `job`, which frees `objects` objects (a flushed database's keys), on the background
  // thread. Thread-safe.
  void SubmitJob(std::function<void()> job, size_t objects);
  // Objects submitted and not freed yet (INFO's lazyfree_pending_objects). Once it reads 0,
  // freed() counts every object submitted before.
  size_t pending() const { return pending_.load(std::memory_order_acquire); }
  // Objects freed since start (INFO's lazyfreed_objects, counted as Redis counts them: a value
  // UNLINK hands over is one, a database FLUSHALL ASYNC empties is one per key).
  uint64_t freed() const { return freed_.load(std::memory_order_relaxed); }

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  struct Job {
    std::function<void()> run;
    size_t objects;
  };
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::atomic<size_t> pending_{0};
  std::atomic<uint64_t> freed_{0};
  std::thread thread_;
};

}  // namespace strata::store

#endif  // STRATA_STORE_LAZY_FREE_H_
