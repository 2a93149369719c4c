#include "server/memory_guard.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/alloc_counter.h"
#include "common/clock.h"

namespace strata::server {

void EvictionExceededTime::Update(bool over, int64_t now_us) {
  const int64_t since = since_us_.load(std::memory_order_relaxed);
  if (over && since == 0) {
    int64_t expected = 0;
    since_us_.compare_exchange_strong(expected, now_us, std::memory_order_relaxed);
  } else if (!over && since != 0) {
    int64_t expected = since;
    if (since_us_.compare_exchange_strong(expected, 0, std::memory_order_relaxed)) {
      total_us_.fetch_add(now_us - since, std::memory_order_relaxed);
    }
  }
}

int64_t EvictionExceededTime::current_ms(int64_t now_us) const {
  const int64_t since = since_us_.load(std::memory_order_relaxed);
  return since == 0 ? 0 : (now_us - since) / 1000;
}

int64_t EvictionExceededTime::total_ms(int64_t now_us) const {
  return total_us_.load(std::memory_order_relaxed) / 1000 + current_ms(now_us);
}

void EvictionExceededTime::Reset() {
  total_us_.store(0, std::memory_order_relaxed);
  // A stretch in progress restarts now, so the total does not count time before the reset.
  if (since_us_.load(std::memory_order_relaxed) != 0) since_us_.store(MonotonicUs(), std::memory_order_relaxed);
}

int64_t EvictionBudgetUs(int64_t tenacity) {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return static_cast<int64_t>(500.0 * std::pow(1.15, static_cast<double>(tenacity - 10)));
  return std::numeric_limits<int64_t>::max();
}

int64_t MemoryGuard::BudgetUs() const { return EvictionBudgetUs(config_->Int(ConfigId::kMaxMemoryEvictionTenacity)); }

bool MemoryGuard::MakeRoom(int64_t limit, int64_t budget_us) {
  const auto over = [limit] { return AllocatedBytes() > static_cast<size_t>(limit); };
  if (!over()) {
    exceeded_->Update(false, MonotonicUs());
    return true;
  }
  exceeded_->Update(true, MonotonicUs());
  const int samples = static_cast<int>(config_->Int(ConfigId::kMaxMemorySamples));
  store::Evictor::Result result = evictor_.FreeMemory(over, samples, budget_us);
  if (result == store::Evictor::Result::kFailed && keyspace_->PendingLazyFree() > 0) {
    // Nothing left to evict, but the lazy-free thread is releasing memory: give it a moment,
    // as Redis does, before refusing.
    usleep(static_cast<useconds_t>(std::min<int64_t>(budget_us, 1000)));
    if (!over()) result = store::Evictor::Result::kDone;
  }
  if (result == store::Evictor::Result::kDone) exceeded_->Update(false, MonotonicUs());
  return result != store::Evictor::Result::kFailed;
}

void MemoryGuard::Cron(int64_t budget_us) {
  const int64_t limit = config_->Int(ConfigId::kMaxMemory);
  if (limit != 0 && !Paused()) MakeRoom(limit, budget_us);
}

}  // namespace strata::server
