#include "store/lazy_free.h"

#include <utility>

namespace strata::store {

LazyFree::LazyFree() : thread_([this] { Run(); }) {}

LazyFree::~LazyFree() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void LazyFree::Submit(Entry* entry) {
  SubmitJob([entry] { Entry::Destroy(entry); }, 1);
}

void LazyFree::SubmitJob(std::function<void()> job, size_t objects) {
  pending_.fetch_add(objects, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(Job{std::move(job), objects});
  }
  cv_.notify_one();
}

void LazyFree::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and everything is done
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job.run();
    freed_.fetch_add(job.objects, std::memory_order_relaxed);
    pending_.fetch_sub(job.objects, std::memory_order_release);  // after freed_: see pending()
    lock.lock();
  }
}

}  // namespace strata::store
