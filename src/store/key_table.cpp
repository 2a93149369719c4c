#include "store/key_table.h"

#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "common/hash.h"

namespace strata::store {
namespace {

constexpr size_t kMinCapacity = 8;

// Grow when the table would be more than 7/8 full.
bool OverLoaded(size_t size, size_t capacity) { return size * 8 > capacity * 7; }

uint64_t* AllocateSlots(size_t capacity) {
  auto* slots = static_cast<uint64_t*>(std::calloc(capacity, sizeof(uint64_t)));
  if (slots == nullptr) throw std::bad_alloc();
  return slots;
}

}  // namespace

KeyTable::~KeyTable() { std::free(slots_); }

uint64_t KeyTable::MakeSlot(uint64_t hash, Entry* entry, uint64_t distance) {
  const auto ptr = reinterpret_cast<uint64_t>(entry);
  assert((ptr & ~kPointerMask) == 0 && "entries must be 16-byte aligned below 2^48");
  return (distance << kDistanceShift) | (Tag(hash) << kTagShift) | ptr | (entry->has_expire() ? kVolatileBit : 0);
}

size_t KeyTable::HomeIn(uint64_t hash, size_t capacity) const {
  const uint64_t local = hash << shift_;
  return static_cast<size_t>((static_cast<unsigned __int128>(local) * capacity) >> 64);
}

size_t KeyTable::HomeOf(uint64_t hash) const { return HomeIn(hash, capacity_); }

uint64_t KeyTable::FirstOffsetAtOrAfter(size_t index) const {
  // home(o) = floor(o * 2^shift * capacity / 2^64) >= index  <=>  o >= index * 2^(64-shift) / capacity.
  const unsigned __int128 numerator = static_cast<unsigned __int128>(index) << (64 - shift_);
  return static_cast<uint64_t>((numerator + capacity_ - 1) / capacity_);
}

size_t KeyTable::Find(uint64_t hash, std::string_view key) const {
  if (capacity_ == 0) return kNotFound;
  const uint64_t tag = Tag(hash);
  size_t i = HomeOf(hash);
  for (uint64_t distance = 0;; ++distance) {
    const uint64_t slot = slots_[i];
    // Robin Hood order: once a resident is closer to its home than we are to ours, the key
    // would have displaced it, so it is absent.
    if (slot == 0 || Distance(slot) < distance) return kNotFound;
    if (((slot >> kTagShift) & 0xff) == tag) {
      const Entry* e = SlotEntry(slot);
      if (e->key() == key) return i;
    }
    i = Next(i);
  }
}

bool KeyTable::PlaceInto(uint64_t* slots, size_t capacity, uint64_t slot, size_t home, size_t* landed,
                         uint64_t* carry) {
  constexpr uint64_t kDistanceMask = kMaxDistance << kDistanceShift;
  size_t i = home;
  uint64_t distance = 0;
  bool own_slot = true;  // still carrying the slot we were asked to place
  while (true) {
    const uint64_t resident = slots[i];
    if (resident == 0 || Distance(resident) < distance) {
      slots[i] = slot | (distance << kDistanceShift);
      if (own_slot) {
        *landed = i;
        own_slot = false;
      }
      if (resident == 0) return true;
      // Took a richer resident's place: carry it onward.
      distance = Distance(resident);
      slot = resident & ~kDistanceMask;
    }
    i = i + 1 == capacity ? 0 : i + 1;
    if (++distance > kMaxDistance) {
      *carry = slot;
      return false;
    }
  }
}

size_t KeyTable::Insert(uint64_t hash, Entry* entry) {
  if (capacity_ == 0 || OverLoaded(size() + 1, capacity_)) {
    Rebuild(capacity_ < kMinCapacity ? kMinCapacity : capacity_ + capacity_ / 2);
  }
  AddSize(1);
  if (entry->has_expire()) AddVolatile(1);
  uint64_t pending = MakeSlot(hash, entry, 0);
  size_t home = HomeOf(hash);
  size_t landed = kNotFound;
  bool rebuilt = false;
  // Only pathological clustering fails a placement; a larger table then takes the straggler.
  while (!PlaceInto(slots_, capacity_, pending, home, &landed, &pending)) {
    Rebuild(capacity_ * 2);
    rebuilt = true;
    home = HomeOf(HashKey(SlotEntry(pending)->key()));
  }
  return rebuilt ? Find(hash, entry->key()) : landed;
}

void KeyTable::Replace(size_t index, Entry* entry) {
  const uint64_t old = slots_[index];
  if (old & kVolatileBit) AddVolatile(-1);
  if (entry->has_expire()) AddVolatile(1);
  const uint64_t keep = old & ~(kPointerMask | kVolatileBit);
  slots_[index] = keep | reinterpret_cast<uint64_t>(entry) | (entry->has_expire() ? kVolatileBit : 0);
}

Entry* KeyTable::Remove(size_t index) {
  const uint64_t removed = slots_[index];
  if (removed & kVolatileBit) AddVolatile(-1);
  AddSize(-1);
  // Backward shift: pull the following run back one slot while its members are displaced.
  size_t hole = index;
  size_t next = Next(hole);
  while (slots_[next] != 0 && Distance(slots_[next]) > 0) {
    slots_[hole] = slots_[next] - (uint64_t{1} << kDistanceShift);
    hole = next;
    next = Next(next);
  }
  slots_[hole] = 0;
  Entry* entry = SlotEntry(removed);
  MaybeShrink();
  return entry;
}

void KeyTable::MaybeShrink() {
  const size_t n = size();
  if (capacity_ > kMinCapacity && n * 4 < capacity_) {
    size_t target = n * 2;
    if (target < kMinCapacity) target = kMinCapacity;
    if (n == 0) {
      std::free(slots_);
      slots_ = nullptr;
      capacity_ = 0;
      return;
    }
    Rebuild(target);
  }
}

void KeyTable::Rebuild(size_t new_capacity) {
  constexpr uint64_t kDistanceMask = kMaxDistance << kDistanceShift;
  uint64_t* fresh = nullptr;
  bool ok = false;
  while (!ok) {
    fresh = AllocateSlots(new_capacity);
    ok = true;
    for (size_t i = 0; i < capacity_ && ok; ++i) {
      const uint64_t slot = slots_[i];
      if (slot == 0) continue;
      const uint64_t hash = HashKey(SlotEntry(slot)->key());
      size_t ignored;
      uint64_t carry;
      ok = PlaceInto(fresh, new_capacity, slot & ~kDistanceMask, HomeIn(hash, new_capacity), &ignored, &carry);
    }
    if (!ok) {
      std::free(fresh);
      new_capacity *= 2;
    }
  }
  std::free(slots_);
  slots_ = fresh;
  capacity_ = new_capacity;
}

void KeyTable::Reserve(size_t n) {
  size_t want = n + n / 7 + 1;
  if (want < kMinCapacity) want = kMinCapacity;
  if (want > capacity_) Rebuild(want);
}

void KeyTable::DestroyAll() {
  for (size_t i = 0; i < capacity_; ++i) {
    if (slots_[i] != 0) Entry::Destroy(SlotEntry(slots_[i]));
  }
  std::free(slots_);
  slots_ = nullptr;
  capacity_ = 0;
  size_.store(0, std::memory_order_relaxed);
  SetVolatile(0);
}

void KeyTable::SetVolatile(size_t count) {
  const size_t before = volatile_count_.exchange(count, std::memory_order_relaxed);
  if (volatile_tracker_ != nullptr && (before == 0) != (count == 0)) {
    volatile_tracker_->fetch_add(count == 0 ? -1 : 1, std::memory_order_relaxed);
  }
}

void KeyTable::Swap(KeyTable* other) {
  assert(other->shift_ == shift_);
  std::swap(slots_, other->slots_);
  std::swap(capacity_, other->capacity_);
  // Contents move; each table's tracker stays with the table and sees the change.
  const size_t size = this->size();
  const size_t volatile_count = this->volatile_count();
  size_.store(other->size(), std::memory_order_relaxed);
  SetVolatile(other->volatile_count());
  other->size_.store(size, std::memory_order_relaxed);
  other->SetVolatile(volatile_count);
}

}  // namespace strata::store
