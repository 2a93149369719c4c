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

  // Destroys `entry` on the background thread. Thread-safe.
  void Submit(Entry* entry);
  // Runs `job` on the background thread. Thread-safe.
  void SubmitJob(std::function<void()> job);
  // Jobs not finished yet (INFO's lazyfree_pending_objects).
  size_t pending() const { return pending_.load(std::memory_order_relaxed); }

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::atomic<size_t> pending_{0};
  std::thread thread_;
};

}  // namespace strata::store

#endif  // STRATA_STORE_LAZY_FREE_H_
