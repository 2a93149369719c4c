// One stripe's hash table: open addressing over 8-byte slots, Robin Hood probing.
//
// A slot packs an entry pointer with what lookups need without touching the entry: 8 bits of the
// key's hash (a tag that rules out most mismatches), the slot's distance from its home position
// (so deletion shifts neighbours back without rehashing them) and whether the key has a TTL (so
// the expiry sweep reads only slots). An empty slot is 0. The table is kept up to 7/8 full and
// grows by half, about 10 bytes of table per key.
//
// The home of a key is a monotone function of its hash, so a range of hashes maps to a run of
// slots: SCAN walks hash ranges and stays exact while the table grows or shrinks.
//
// Not thread-safe: the owning stripe's lock guards every call, except size() and volatile_count(),
// which any thread may read without the lock (DBSIZE). Indexes returned by Find or Insert stay
// valid until the next Insert, Remove, DestroyAll or Swap.
#ifndef STRATA_STORE_KEY_TABLE_H_
#define STRATA_STORE_KEY_TABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/entry.h"

namespace strata::store {

class KeyTable {
 public:
  static constexpr size_t kNotFound = SIZE_MAX;

  // `hash_shift` is how many high bits of every hash are already spent choosing the stripe; the
  // table positions keys by the bits below them.
  explicit KeyTable(int hash_shift = 0) : shift_(hash_shift) {}
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;
  // Frees the slots but not the entries: the owner destroys them first (DestroyAll) or hands them
  // to another owner (TakeSlots).
  ~KeyTable();

  size_t size() const { return size_.load(std::memory_order_relaxed); }
  size_t capacity() const { return capacity_; }
  size_t volatile_count() const { return volatile_count_.load(std::memory_order_relaxed); }

  // Points the table at a counter of "tables with keys that have a TTL" that it keeps current
  // (+1 when its first such key arrives, -1 when its last one leaves), so whole databases without
  // TTLs can be skipped by the expiry sweep. Not owned; the counter outlives the table.
  void set_volatile_tracker(std::atomic<int64_t>* tracker) { volatile_tracker_ = tracker; }
  // Bytes of the slot array.
  size_t SlotBytes() const { return capacity_ * sizeof(uint64_t); }

  // The index of `key`'s slot, or kNotFound. `hash` is HashKey(key).
  size_t Find(uint64_t hash, std::string_view key) const;

  // Adds `entry`, whose key has hash `hash`. REQUIRES: the key is absent. Returns its index.
  size_t Insert(uint64_t hash, Entry* entry);

  // The entry in slot `index`, or nullptr for an empty slot. REQUIRES: index < capacity().
  Entry* At(size_t index) const { return SlotEntry(slots_[index]); }
  bool IsVolatile(size_t index) const { return (slots_[index] & kVolatileBit) != 0; }

  // Puts `entry` (same key, possibly rebuilt) in place of the one at `index`. The caller owns
  // the old entry.
  void Replace(size_t index, Entry* entry);

  // Removes the entry at `index` and returns it (the caller owns it). Later slots of the same
  // run shift back by one.
  Entry* Remove(size_t index);

  // Grows the table so that it takes `n` keys without growing again: a bulk load's size hint,
  // which spares the rehashing of every key at each growth step. Never shrinks.
  void Reserve(size_t n);

  // Destroys every entry and frees the slots.
  void DestroyAll();

  // Exchanges the contents of two tables with the same hash_shift.
  void Swap(KeyTable* other);

  // The slot a key with `hash` would occupy if nothing collided. REQUIRES: capacity() > 0.
  size_t HomeOf(uint64_t hash) const;

  // For walking the table by hash ranges: the smallest offset o, counted in hashes from the
  // first hash of this table's stripe, such that every hash at or beyond it has its home at or
  // after slot `index`. Between 0 and 2^(64 - hash_shift) (the stripe's end, for index ==
  // capacity()). REQUIRES: capacity() > 0.
  uint64_t FirstOffsetAtOrAfter(size_t index) const;

 private:
  static constexpr uint64_t kVolatileBit = 1;
  static constexpr uint64_t kPointerMask = 0x0000'FFFF'FFFF'FFF0ULL;
  static constexpr int kTagShift = 48;
  static constexpr int kDistanceShift = 56;
  static constexpr uint64_t kMaxDistance = 255;

  static Entry* SlotEntry(uint64_t slot) { return reinterpret_cast<Entry*>(slot & kPointerMask); }
  static uint64_t Distance(uint64_t slot) { return slot >> kDistanceShift; }
  static uint64_t Tag(uint64_t hash) { return hash & 0xff; }
  static uint64_t MakeSlot(uint64_t hash, Entry* entry, uint64_t distance);

  size_t Next(size_t i) const { return i + 1 == capacity_ ? 0 : i + 1; }
  size_t HomeIn(uint64_t hash, size_t capacity) const;
  // Robin Hood placement of `slot` (distance bits zero) into `slots`, starting at `home`. Sets
  // *landed to where `slot` itself lands, if it does. Returns false when some displaced slot would
  // drift kMaxDistance from its home: then *carry holds the one slot left without a place.
  static bool PlaceInto(uint64_t* slots, size_t capacity, uint64_t slot, size_t home, size_t* landed,
                        uint64_t* carry);
  // Moves every slot into a fresh array of at least `new_capacity` slots.
  void Rebuild(size_t new_capacity);
  void MaybeShrink();

  // Changed only under the stripe lock; atomic so that DBSIZE may read them without it.
  void AddSize(ptrdiff_t delta) { size_.store(size_.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed); }
  void AddVolatile(ptrdiff_t delta) { SetVolatile(volatile_count() + delta); }
  void SetVolatile(size_t count);

  uint64_t* slots_ = nullptr;
  size_t capacity_ = 0;
  std::atomic<size_t> size_{0};
  std::atomic<size_t> volatile_count_{0};
  std::atomic<int64_t>* volatile_tracker_ = nullptr;
  int shift_;
};

}  // namespace strata::store

#endif  // STRATA_STORE_KEY_TABLE_H_
