#include "store/member_table.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "common/hash.h"

namespace strata::store {
namespace {

constexpr size_t kMinCapacity = 4;
// SCAN cursors count in units of 2^16 hashes, as the keyspace's do: 48-bit cursors stay exact
// in clients that keep numbers as doubles, and a unit rarely holds more than one member.
constexpr int kUnitShift = 16;
constexpr uint64_t kUnitsTotal = uint64_t{1} << (64 - kUnitShift);

void* CheckedMalloc(size_t n) {
  void* p = std::malloc(n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

MemberTable::~MemberTable() { Rebuild(0); }

uint64_t MemberTable::Hash(std::string_view member) { return HashKey(member); }

uint64_t MemberTable::Word(const Slot& s, int i) {
  uint64_t w;
  std::memcpy(&w, s.bytes + 8 * i, sizeof(w));
  return w;
}

MemberTable::Needle MemberTable::MakeNeedle(std::string_view member) {
  Needle n{member, Hash(member), {}};
  std::memset(n.slot.bytes, 0, sizeof(n.slot.bytes));
  if (member.size() <= kMaxInline) {
    if (!member.empty()) std::memcpy(n.slot.bytes, member.data(), member.size());
    n.slot.bytes[15] = static_cast<unsigned char>(member.size());
  } else {
    const uint64_t word = static_cast<uint32_t>(member.size()) | ((n.hash & 0xffffff) << 32) | kLongFlag;
    std::memcpy(n.slot.bytes + 8, &word, sizeof(word));
  }
  return n;
}

bool MemberTable::Matches(const Slot& s, const Needle& n) {
  if (n.member.size() <= kMaxInline) return std::memcmp(s.bytes, n.slot.bytes, sizeof(s.bytes)) == 0;
  if (Word(s, 1) != Word(n.slot, 1)) return false;
  const auto* bytes = reinterpret_cast<const char*>(Word(s, 0));
  return std::memcmp(bytes, n.member.data(), n.member.size()) == 0;
}

std::string_view MemberTable::View(const Slot& s) {
  if (IsLong(s)) return std::string_view(reinterpret_cast<const char*>(Word(s, 0)), Word(s, 1) & 0xffffffff);
  return std::string_view(reinterpret_cast<const char*>(s.bytes), s.bytes[15]);
}

size_t MemberTable::FindNeedle(const Needle& n) const {
  if (capacity_ == 0) return kNotFound;
  const unsigned char* m = meta();
  size_t i = HomeIn(n.hash, capacity_);
  for (unsigned distance = 0;; ++distance) {
    // Robin Hood order: a resident closer to its home than we are to ours would have been
    // displaced by the member, so the member is absent.
    if (m[i] == 0 || m[i] - 1u < distance) return kNotFound;
    if (Matches(slots_[i], n)) return i;
    i = Next(i);
  }
}

size_t MemberTable::Find(std::string_view member) const { return FindNeedle(MakeNeedle(member)); }

bool MemberTable::PlaceInto(Slot* slots, unsigned char* meta, size_t capacity, Slot slot, size_t home, Slot* carry) {
  size_t i = home;
  unsigned distance = 0;
  while (true) {
    if (meta[i] == 0) {
      slots[i] = slot;
      meta[i] = static_cast<unsigned char>(distance + 1);
      return true;
    }
    const unsigned resident = meta[i] - 1u;
    if (resident < distance) {
      // Take the place of a member nearer its home, and carry it onward.
      std::swap(slots[i], slot);
      meta[i] = static_cast<unsigned char>(distance + 1);
      distance = resident;
    }
    i = i + 1 == capacity ? 0 : i + 1;
    if (++distance + 1 > kMaxMeta) {
      *carry = slot;
      return false;
    }
  }
}

void MemberTable::Rebuild(size_t capacity) {
  if (capacity == 0) {
    for (size_t i = 0; i < capacity_; ++i) {
      if (Occupied(i) && IsLong(slots_[i])) std::free(reinterpret_cast<void*>(Word(slots_[i], 0)));
    }
    std::free(slots_);
    slots_ = nullptr;
    capacity_ = size_ = long_bytes_ = 0;
    return;
  }
  while (true) {
    auto* fresh = static_cast<Slot*>(std::calloc(capacity, sizeof(Slot) + 1));
    if (fresh == nullptr) throw std::bad_alloc();
    auto* fresh_meta = reinterpret_cast<unsigned char*>(fresh + capacity);
    bool ok = true;
    for (size_t i = 0; i < capacity_ && ok; ++i) {
      if (!Occupied(i)) continue;
      Slot ignored;
      ok = PlaceInto(fresh, fresh_meta, capacity, slots_[i], HomeIn(Hash(At(i)), capacity), &ignored);
    }
    if (ok) {
      std::free(slots_);
      slots_ = fresh;
      capacity_ = capacity;
      return;
    }
    // Only pathological clustering gets here; a larger table spreads it.
    std::free(fresh);
    capacity *= 2;
  }
}

void MemberTable::Reserve(size_t n) {
  size_t want = (n * 8 + 6) / 7;
  if (want < kMinCapacity) want = kMinCapacity;
  if (want > capacity_) Rebuild(want);
}

void MemberTable::Place(const Slot& slot, uint64_t hash) {
  if (capacity_ == 0 || (size_ + 1) * 8 > capacity_ * 7) {
    Rebuild(capacity_ < kMinCapacity ? kMinCapacity : capacity_ + capacity_ / 2);
  }
  ++size_;
  Slot pending = slot;
  size_t home = HomeIn(hash, capacity_);
  while (!PlaceInto(slots_, meta(), capacity_, pending, home, &pending)) {
    Rebuild(capacity_ * 2);
    home = HomeIn(Hash(View(pending)), capacity_);
  }
}

bool MemberTable::Insert(std::string_view member) {
  Needle n = MakeNeedle(member);
  if (FindNeedle(n) != kNotFound) return false;
  if (member.size() > kMaxInline) {
    void* bytes = CheckedMalloc(member.size());
    std::memcpy(bytes, member.data(), member.size());
    long_bytes_ += malloc_usable_size(bytes);
    const auto ptr = reinterpret_cast<uint64_t>(bytes);
    std::memcpy(n.slot.bytes, &ptr, sizeof(ptr));
  }
  Place(n.slot, n.hash);
  return true;
}

void MemberTable::EraseAt(size_t slot) {
  if (IsLong(slots_[slot])) {
    void* bytes = reinterpret_cast<void*>(Word(slots_[slot], 0));
    long_bytes_ -= malloc_usable_size(bytes);
    std::free(bytes);
  }
  // Backward shift: pull the rest of the run back one slot while its members are displaced.
  unsigned char* m = meta();
  size_t hole = slot;
  size_t next = Next(hole);
  while (m[next] > 1) {
    slots_[hole] = slots_[next];
    m[hole] = static_cast<unsigned char>(m[next] - 1);
    hole = next;
    next = Next(next);
  }
  m[hole] = 0;
  --size_;
  MaybeShrink();
}

bool MemberTable::Erase(std::string_view member) {
  const size_t slot = Find(member);
  if (slot == kNotFound) return false;
  EraseAt(slot);
  return true;
}

void MemberTable::MaybeShrink() {
  if (size_ == 0) {
    Rebuild(0);
  } else if (capacity_ > kMinCapacity && size_ * 4 < capacity_) {
    Rebuild(size_ * 2 < kMinCapacity ? kMinCapacity : size_ * 2);
  }
}

void MemberTable::CopyFrom(const MemberTable& other) {
  Rebuild(0);
  if (other.capacity_ == 0) return;
  slots_ = static_cast<Slot*>(CheckedMalloc(other.capacity_ * (sizeof(Slot) + 1)));
  std::memcpy(slots_, other.slots_, other.capacity_ * (sizeof(Slot) + 1));
  capacity_ = other.capacity_;
  size_ = other.size_;
  for (size_t i = 0; i < capacity_; ++i) {
    if (!Occupied(i) || !IsLong(slots_[i])) continue;
    const std::string_view member = At(i);
    void* bytes = CheckedMalloc(member.size());
    std::memcpy(bytes, member.data(), member.size());
    long_bytes_ += malloc_usable_size(bytes);
    const auto ptr = reinterpret_cast<uint64_t>(bytes);
    std::memcpy(slots_[i].bytes, &ptr, sizeof(ptr));
  }
}

uint64_t MemberTable::Scan(uint64_t cursor, size_t count, FunctionRef<void(std::string_view)> visit) const {
  if (cursor >= kUnitsTotal || size_ == 0) return 0;
  if (count == 0) count = 1;
  // Cover enough home slots to yield about `count` members, then widen the range to whole units.
  const size_t start = HomeIn(cursor << kUnitShift, capacity_);
  size_t cover = count >= size_ ? capacity_
                                : static_cast<size_t>(static_cast<unsigned __int128>(count) * capacity_ / size_);
  if (cover == 0) cover = 1;
  const size_t end_slot = start + cover < capacity_ ? start + cover : capacity_;
  // The smallest hash whose home is at or after end_slot, rounded up to a unit.
  const unsigned __int128 end_hash = ((static_cast<unsigned __int128>(end_slot) << 64) + capacity_ - 1) / capacity_;
  const unsigned __int128 end_unit_wide = (end_hash + ((uint64_t{1} << kUnitShift) - 1)) >> kUnitShift;
  uint64_t end_unit = end_unit_wide < kUnitsTotal ? static_cast<uint64_t>(end_unit_wide) : kUnitsTotal;
  if (end_unit <= cursor) end_unit = cursor + 1;

  // Members hashing into [cursor, end_unit) have homes in [start, last_home]. They sit in hash
  // order from their home onward, so walk from `start` (wrapping past the end) until an empty
  // slot or a member whose home lies beyond last_home.
  const uint64_t last_hash = end_unit == kUnitsTotal ? UINT64_MAX : (end_unit << kUnitShift) - 1;
  const size_t last_home = HomeIn(last_hash, capacity_);
  const unsigned char* m = meta();
  for (size_t u = start; u < start + capacity_; ++u) {
    const size_t i = u < capacity_ ? u : u - capacity_;
    if (m[i] == 0) {
      if (u > last_home) break;
      continue;
    }
    const size_t distance = m[i] - 1u;
    if (u >= distance && u - distance > last_home) break;
    const std::string_view member = At(i);
    const uint64_t unit = Hash(member) >> kUnitShift;
    if (unit >= cursor && unit < end_unit) visit(member);
  }
  return end_unit == kUnitsTotal ? 0 : end_unit;
}

size_t MemberTable::MemoryUsage() const {
  return (slots_ == nullptr ? 0 : malloc_usable_size(slots_)) + long_bytes_;
}

}  // namespace strata::store
