// The ghost table of the eviction policies (store/access_policy.h): a bounded memory of keys
// recently evicted (under an LRU policy, from the small class), so a key that comes back soon
// after its eviction is not evicted again as new: it goes straight to the main class (LRU), or
// starts one above the initial counter (LFU).
//
// What it holds: 16-bit fingerprints of key hashes in a direct-mapped array of 2^k slots (the
// slot from the hash's low bits, the fingerprint from its bits 32-47, so one key in 65,535 with
// the slot of a ghost matches it by chance), and a newer ghost overwrites an older one in its
// slot: the table forgets in about the order it learns, like S3-FIFO's FIFO of ghosts. A false
// match sends an unrelated new key to main (LRU) or one counter step up (LFU): a placement
// mistake, never a wrong reply.
//
// Memory: 2 bytes per slot, kMinSlots to kMaxSlots (2 KB to 2 MB), counted in used_memory like
// any allocation; the Evictor sizes it to half the key count rounded up to a power of two (0.5
// to 1 slot, at most 2 bytes, per key: 2% or less of the memory of keys of 100 bytes or more). The table only grows
// (Reserve): earlier, smaller arrays stay allocated until the table is destroyed, so the total is
// under twice the current array.
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
    explicit Array(size_t n) : mask(n - 1), slots(new std::atomic<uint16_t>[n]) {
      for (size_t i = 0; i < n; ++i) slots[i].store(0, std::memory_order_relaxed);
    }
    size_t mask;
    std::unique_ptr<std::atomic<uint16_t>[]> slots;
  };
  // A fingerprint is never 0, which marks an empty slot.
  static uint16_t Fingerprint(uint64_t hash) { return static_cast<uint16_t>(hash >> 32) | 1; }

  std::atomic<Array*> current_{nullptr};
  mutable std::mutex grow_mu_;
  std::vector<std::unique_ptr<Array>> arrays_;  // every array made; guarded by grow_mu_
};

}  // namespace strata::store

#endif  // STRATA_STORE_GHOST_TABLE_H_
