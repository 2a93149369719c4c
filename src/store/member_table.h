// The "hashtable" representation of a set: an open-addressing table of byte strings.
//
// One allocation holds every slot (16 bytes each) followed by one metadata byte per slot. A
// member of up to 15 bytes lives inside its slot; a longer one lives in an allocation of exactly
// its length that the slot points to, beside its length and 24 bits of its hash (so most
// mismatches are rejected without touching it). There is no per-member object for short members
// and no per-member header for long ones. The metadata byte is 0 for an empty slot, otherwise
// 1 + the member's distance from its home slot.
//
// Placement is Robin Hood linear probing, and a member's home slot is a monotone function of its
// hash (the high bits scaled to the capacity, which need not be a power of two). Members
// therefore sit in hash order around the table, which gives SCAN a cursor that is a position in
// hash space: it stays exact while the table grows or shrinks between calls. The table is kept
// between 1/4 and 7/8 full and grows by half, so a random slot holds a member with probability
// at least 1/4: a uniformly random member costs O(1) expected probes.
//
// Not thread-safe; the owning set's stripe lock guards every call. Slot indexes (from Find,
// RandomSlot, iteration) stay valid until the next Insert, Erase, EraseAt or Reserve.
#ifndef STRATA_STORE_MEMBER_TABLE_H_
#define STRATA_STORE_MEMBER_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/function_ref.h"

namespace strata::store {

class MemberTable {
 public:
  static constexpr size_t kNotFound = SIZE_MAX;
  // Members up to this long are stored inside their slot.
  static constexpr size_t kMaxInline = 15;

  MemberTable() = default;
  ~MemberTable();
  MemberTable(const MemberTable&) = delete;
  MemberTable& operator=(const MemberTable&) = delete;

  // A deep copy of `other`.
  void CopyFrom(const MemberTable& other);

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }

  // Sizes the table for `n` members, so that adding up to n does not grow it again.
  void Reserve(size_t n);

  // Adds `member`. Returns false (and changes nothing) when it is already present.
  bool Insert(std::string_view member);

  // Removes `member`. Returns false when it is absent.
  bool Erase(std::string_view member);

  // The slot holding `member`, or kNotFound.
  size_t Find(std::string_view member) const;
  bool Contains(std::string_view member) const { return Find(member) != kNotFound; }

  // Whether slot `slot` holds a member. REQUIRES: slot < capacity().
  bool Occupied(size_t slot) const { return meta()[slot] != 0; }
  // The member in slot `slot`, valid until the table changes. REQUIRES: Occupied(slot).
  std::string_view At(size_t slot) const { return View(slots_[slot]); }
  // Removes the member in slot `slot`. REQUIRES: Occupied(slot).
  void EraseAt(size_t slot);

  // A uniformly random occupied slot, given a source of uniform 64-bit numbers.
  // REQUIRES: size() > 0.
  template <typename Rng>
  size_t RandomSlot(Rng& rng) const {
    while (true) {
      const size_t slot = static_cast<size_t>((static_cast<unsigned __int128>(rng()) * capacity_) >> 64);
      if (Occupied(slot)) return slot;
    }
  }

  // One SCAN step: visits the members whose hashes fall in the range that starts at `cursor`,
  // about `count` of them, and returns the cursor of the next range (0 when the scan is over).
  // Every member present for the whole scan is visited exactly once, however the table grows
  // or shrinks between steps. Cursors stay below 2^48.
  uint64_t Scan(uint64_t cursor, size_t count, FunctionRef<void(std::string_view)> visit) const;

  // Bytes allocated for the slots and for the long members (as the allocator rounds them).
  size_t MemoryUsage() const;

 private:
  struct Slot {
    // Inline: the member's bytes, zero padding, and its length in byte 15 (high bit clear).
    // Long: a pointer to the bytes, then a word with the length in bits 0-31, 24 bits of hash
    // in bits 32-55 and kLongFlag in bits 56-63.
    alignas(8) unsigned char bytes[16];
  };
  static constexpr uint64_t kLongFlag = uint64_t{0x80} << 56;
  static constexpr unsigned kMaxMeta = 255;  // 1 + the largest distance a member may drift

  // A member prepared for comparisons: its hash and the slot it would occupy (for a long member,
  // only the second word, since the pointer differs).
  struct Needle {
    std::string_view member;
    uint64_t hash;
    Slot slot;
  };

  static Needle MakeNeedle(std::string_view member);
  static bool IsLong(const Slot& s) { return (s.bytes[15] & 0x80) != 0; }
  static uint64_t Word(const Slot& s, int i);
  // The member a slot holds (for an inline member, a view into `s` itself).
  static std::string_view View(const Slot& s);
  static uint64_t Hash(std::string_view member);
  static bool Matches(const Slot& s, const Needle& n);

  unsigned char* meta() const { return reinterpret_cast<unsigned char*>(slots_ + capacity_); }
  size_t HomeIn(uint64_t hash, size_t capacity) const {
    return static_cast<size_t>((static_cast<unsigned __int128>(hash) * capacity) >> 64);
  }
  size_t Next(size_t i) const { return i + 1 == capacity_ ? 0 : i + 1; }
  size_t FindNeedle(const Needle& n) const;
  // Robin Hood placement of `slot` (home `home`) into `slots`/`meta` of `capacity` slots.
  // Returns false when a displaced member would drift too far from home: *carry then holds the
  // one slot left without a place.
  static bool PlaceInto(Slot* slots, unsigned char* meta, size_t capacity, Slot slot, size_t home, Slot* carry);
  // Moves every member into a fresh allocation of at least `capacity` slots (0 frees it all).
  void Rebuild(size_t capacity);
  void MaybeShrink();
  // Stores the owned slot `slot` (a member not present yet), growing as needed.
  void Place(const Slot& slot, uint64_t hash);

  Slot* slots_ = nullptr;  // capacity_ slots, then capacity_ metadata bytes
  size_t capacity_ = 0;
  size_t size_ = 0;
  size_t long_bytes_ = 0;  // usable bytes of the long members' allocations
};

}  // namespace strata::store

#endif  // STRATA_STORE_MEMBER_TABLE_H_
