// The ghost table of the eviction policies (store/access_policy.h): a bounded memory of keys
// recently evicted (under an LRU policy, from the small class), so a key that comes back soon
// after its eviction is not evicted again as new: it goes straight to the main class (LRU), or
// starts one above the initial counter (LFU).
//
// What it holds: 32-bit fingerprints of key hashes in a direct-mapped array of 2^k slots (the
// slot from the hash's low bits, the fingerprint from its bits 32-63), so a newer ghost
// overwrites an older one in its slot: the table forgets in about the order it learns, like
// S3-FIFO's FIFO of ghosts, at 4 bytes per ghost. A fingerprint collision sends an unrelated new
// key to main: a placement mistake, never a wrong reply.
//
// Memory: 4 bytes per slot, kMinSlots to kMaxSlots (4 KB to 4 MB), counted in used_memory like
// any allocation. The table only grows (Reserve): earlier, smaller arrays stay allocated until
// the table is destroyed, so the total is under twice the current array.
//
// Thread-safety: Add and Take are lock-free (relaxed atomics on the slots) and may run under any
// stripe lock; Reserve takes the table's own mutex, a leaf lock (never held while taking a stripe
// lock), and publishes the new array atomically.
#ifndef STRATA_STORE_GHOST_TABLE_H_
#define STRATA_STORE_GHOST_TABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace strata::store {

class GhostTable {
 public:
  static constexpr size_t kMinSlots = size_t{1} << 10;
  static constexpr size_t kMaxSlots = size_t{1} << 20;

  GhostTable() = default;
  GhostTable(const GhostTable&) = delete;
  GhostTable& operator=(const GhostTable&) = delete;

  // Grows the table to at least `slots` slots (rounded up to a power of two, within kMinSlots
  // and kMaxSlots). Ghosts already recorded are dropped when it grows. Never shrinks.
  void Reserve(size_t slots);

  // Records the key whose HashKey is `hash` as evicted. No-op before the first Reserve.
  void Add(uint64_t hash);

  // Whether the key whose HashKey is `hash` is recorded; if so, forgets it (a ghost is used once).
  bool Take(uint64_t hash);

  // Slots in the current array (0 before the first Reserve), and the bytes of every array held.
  size_t slots() const;
  size_t MemoryBytes() const;

 private:
  struct Array {
    explicit Array(size_t n) : mask(n - 1), slots(new std::atomic<uint32_t>[n]) {
      for (size_t i = 0; i < n; ++i) slots[i].store(0, std::memory_order_relaxed);
    }
    size_t mask;
    std::unique_ptr<std::atomic<uint32_t>[]> slots;
  };
  // A fingerprint is never 0, which marks an empty slot.
  static uint32_t Fingerprint(uint64_t hash) { return static_cast<uint32_t>(hash >> 32) | 1; }

  std::atomic<Array*> current_{nullptr};
  mutable std::mutex grow_mu_;
  std::vector<std::unique_ptr<Array>> arrays_;  // every array made; guarded by grow_mu_
};

}  // namespace strata::store

#endif  // STRATA_STORE_GHOST_TABLE_H_
