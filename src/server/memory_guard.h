// Keeps used memory under maxmemory by evicting keys before commands run, as Redis's
// performEvictions: one MemoryGuard per io-thread (its Evictor and pool are the thread's own).
//
// Where it runs: Dispatcher::Resolve calls BeforeCommand() for every command once maxmemory is
// set, before the command's stripes are locked (the Evictor takes one stripe lock at a time, so
// the lock order is never broken). Work per call is bounded by maxmemory-eviction-tenacity;
// when the bound is hit the command runs anyway and the io-thread's cron (Cron()) goes on
// evicting, as Redis's eviction timer does. Lowering maxmemory with CONFIG SET is applied the
// same way, by the next commands and the cron.
//
// What counts: AllocatedBytes() (common/alloc_counter.h), everything the allocator handed out,
// including entries waiting on the lazy-free thread (as Redis, which does not subtract them).
#ifndef STRATA_SERVER_MEMORY_GUARD_H_
#define STRATA_SERVER_MEMORY_GUARD_H_

#include <atomic>
#include <cstdint>

#include "server/client_pause.h"
#include "server/config.h"
#include "store/evictor.h"

namespace strata::server {


// How long used memory has been over maxmemory (INFO stats total_eviction_exceeded_time,
// current_eviction_exceeded_time). Shared by every io-thread; thread-safe.
class EvictionExceededTime {
 public:
  // Records whether memory is over the limit at monotonic time `now_us`.
  void Update(bool over, int64_t now_us);
  // Milliseconds over the limit in the current stretch (0 when under).
  int64_t current_ms(int64_t now_us) const;
  // Milliseconds over the limit in all stretches, the current one included.
  int64_t total_ms(int64_t now_us) const;
  void Reset();

 private:
  std::atomic<int64_t> since_us_{0};  // start of the current stretch, 0 when under the limit
  std::atomic<int64_t> total_us_{0};  // finished stretches
};

// Redis's eviction time budget per call for a tenacity 0-100: 50 us per step up to 10, then 15%
// more per step, and no limit at 100.
int64_t EvictionBudgetUs(int64_t tenacity);

class MemoryGuard {
 public:
  // `pause` stops eviction while clients are paused. All must outlive the guard.
  MemoryGuard(const Config* config, store::Keyspace* keyspace, EvictionExceededTime* exceeded,
              const ClientPause* pause)
      : config_(config), keyspace_(keyspace), exceeded_(exceeded), pause_(pause), evictor_(keyspace) {}

  // Before a command: when used memory is over maxmemory, evicts within the tenacity budget.
  // Returns false when memory stays over the limit and nothing more can be evicted (the
  // policy is noeviction or no key qualifies): then a denyoom command gets -OOM. While clients
  // are paused nothing is evicted and nothing refused, as in Redis (the dataset stands still).
  // REQUIRES: the calling thread holds no stripe lock.
  bool BeforeCommand() {
    const int64_t limit = config_->Int(ConfigId::kMaxMemory);
    return limit == 0 || Paused() || MakeRoom(limit, BudgetUs());
  }

  // From the io-thread's cron: goes on evicting while over the limit, for at most `budget_us`.
  void Cron(int64_t budget_us);

 private:
  int64_t BudgetUs() const;
  bool Paused() const { return pause_->set() && pause_->ActiveAt(keyspace_->clock()->NowMs()); }
  bool MakeRoom(int64_t limit, int64_t budget_us);

  const Config* config_;
  store::Keyspace* keyspace_;
  EvictionExceededTime* exceeded_;
  const ClientPause* pause_;
  store::Evictor evictor_;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_MEMORY_GUARD_H_
