#include "store/ghost_table.h"

#include <bit>

namespace strata::store {

void GhostTable::Reserve(size_t slots) {
  slots = std::bit_ceil(slots < kMinSlots ? kMinSlots : slots > kMaxSlots ? kMaxSlots : slots);
  std::lock_guard<std::mutex> lock(grow_mu_);
  const Array* now = current_.load(std::memory_order_relaxed);
  if (now != nullptr && now->mask + 1 >= slots) return;
  arrays_.push_back(std::make_unique<Array>(slots));
  // Release: a reader that sees the new array sees its zeroed slots.
  current_.store(arrays_.back().get(), std::memory_order_release);
}

void GhostTable::Add(uint64_t hash) {
  Array* a = current_.load(std::memory_order_acquire);
  if (a != nullptr) a->slots[hash & a->mask].store(Fingerprint(hash), std::memory_order_relaxed);
}

bool GhostTable::Take(uint64_t hash) {
  Array* a = current_.load(std::memory_order_acquire);
  if (a == nullptr) return false;
  uint16_t fp = Fingerprint(hash);
  return a->slots[hash & a->mask].compare_exchange_strong(fp, 0, std::memory_order_relaxed);
}

size_t GhostTable::slots() const {
  const Array* a = current_.load(std::memory_order_acquire);
  return a == nullptr ? 0 : a->mask + 1;
}

size_t GhostTable::MemoryBytes() const {
  std::lock_guard<std::mutex> lock(grow_mu_);
  size_t bytes = 0;
  for (const auto& a : arrays_) bytes += (a->mask + 1) * sizeof(uint16_t);
  return bytes;
}

}  // namespace strata::store
