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
#include <thread>
#include <utility>
#include <vector>

namespace strata {

// A counter with one writer: increments are a plain load and store, reads from other threads
// see some recent value.
class Counter {
 public:
  void Add(uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t Get() const { return value_.load(std::memory_order_relaxed); }
  // Back to zero. REQUIRES: the writing thread.
  void Reset() { value_.store(0, std::memory_order_relaxed); }

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


// Like PerThread, but owned by an object (the keyspace, the server) rather than the process, so
// that each instance counts from zero and tests can assert exact values. Every thread that calls
// Local() gets its own T for this instance, kept until the instance is destroyed.
template <typename T>
class PerThreadSet {
 public:
  PerThreadSet() : id_(NextId()) {}
  ~PerThreadSet() {
    for (auto& [thread, t] : all_) delete t;
  }
  PerThreadSet(const PerThreadSet&) = delete;
  PerThreadSet& operator=(const PerThreadSet&) = delete;

  // The calling thread's instance. The fast path is one thread-local comparison.
  T& Local() {
    Cache& cache = LocalCache();
    if (cache.owner == id_) return *cache.t;
    return Register(&cache);
  }

  // Calls f(const T&) for every thread's instance.
  template <typename F>
  void ForEach(F&& f) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [thread, t] : all_) f(*t);
  }

 private:
  // The instance a thread used last. Ids are never reused, so a cache naming a destroyed
  // instance never matches a new one.
  struct Cache {
    uint64_t owner = 0;
    T* t = nullptr;
  };
  static Cache& LocalCache() {
    thread_local Cache cache;
    return cache;
  }
  static uint64_t NextId() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
  }
  T& Register(Cache* cache) {
    const std::thread::id me = std::this_thread::get_id();
    std::lock_guard<std::mutex> lock(mu_);
    T* mine = nullptr;
    for (const auto& [thread, t] : all_) {
      if (thread == me) mine = t;
    }
    if (mine == nullptr) {
      mine = new T();
      all_.emplace_back(me, mine);
    }
    *cache = Cache{id_, mine};
    return *mine;
  }

  const uint64_t id_;
  mutable std::mutex mu_;
  std::vector<std::pair<std::thread::id, T*>> all_;
};

}  // namespace strata

#endif  // STRATA_COMMON_PER_THREAD_H_
