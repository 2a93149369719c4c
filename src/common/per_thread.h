// Counters each thread bumps without atomics' read-modify-write cost, summed on demand.
//
// Every thread that touches PerThread<T>::Local() gets its own T, registered once and kept for the
// life of the process (so its counts survive the thread). Only the owning thread writes its T;
// any thread may read all of them through ForEach.
#ifndef STRATA_COMMON_PER_THREAD_H_
#define STRATA_COMMON_PER_THREAD_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace strata {

// A counter with one writer: increments are a plain load and store, reads from other threads
// see some recent value.
class Counter {
 public:
  void Add(uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

template <typename T>
class PerThread {
 public:
  // The calling thread's instance.
  static T& Local() {
    thread_local T* mine = Register();
    return *mine;
  }

  // Calls f(const T&) for every thread's instance.
  template <typename F>
  static void ForEach(F&& f) {
    std::lock_guard<std::mutex> lock(Mutex());
    for (const T* t : All()) f(*t);
  }

 private:
  static T* Register() {
    T* t = new T();
    std::lock_guard<std::mutex> lock(Mutex());
    All().push_back(t);
    return t;
  }
  static std::mutex& Mutex() {
    static std::mutex mu;
    return mu;
  }
  // Never destroyed: the instances must stay reachable until the process is gone (threads may
  // still count during exit, and a leak checker must not take them for leaks).
  static std::vector<T*>& All() {
    static auto* all = new std::vector<T*>();
    return *all;
  }
};

}  // namespace strata

#endif  // STRATA_COMMON_PER_THREAD_H_
