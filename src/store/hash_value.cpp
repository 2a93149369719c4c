#include "store/hash_value.h"

#include <malloc.h>

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>
#include <unordered_set>
#include <vector>

#include "common/hash.h"

namespace strata::store {
namespace {

// Both forms store a string as [length][bytes]: one length byte below 255, otherwise 255 and
// four little-endian bytes (fields and values are at most 512 MiB).
constexpr unsigned char kLongLength = 0xff;

size_t LengthBytes(size_t n) { return n < kLongLength ? 1 : 5; }
size_t StringBytes(std::string_view s) { return LengthBytes(s.size()) + s.size(); }
size_t PairBytes(std::string_view field, std::string_view value) { return StringBytes(field) + StringBytes(value); }

unsigned char* PutString(unsigned char* p, std::string_view s) {
  if (s.size() < kLongLength) {
    *p++ = static_cast<unsigned char>(s.size());
  } else {
    *p++ = kLongLength;
    const auto n = static_cast<uint32_t>(s.size());
    for (int i = 0; i < 4; ++i) *p++ = static_cast<unsigned char>(n >> (8 * i));
  }
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Reads the string at *p and moves *p past it.
std::string_view TakeString(const unsigned char** p) {
  const unsigned char* q = *p;
  size_t n = *q++;
  if (n == kLongLength) {
    n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<size_t>(q[i]) << (8 * i);
    q += 4;
  }
  *p = q + n;
  return std::string_view(reinterpret_cast<const char*>(q), n);
}

void* CheckedMalloc(size_t n) {
  void* p = std::malloc(n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

size_t UniformIndex(HashRng& rng, size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); }

// Past this many bytes the compact form converts, as Redis converts a listpack nearing 1 GiB;
// it also keeps the compact form's 32-bit offsets safe.
constexpr size_t kMaxCompactBytes = size_t{1} << 30;

class TableHash;

// The compact form: this header, then `used_` bytes of pairs within the allocation's usable size.
class CompactHash final : public HashValue {
 public:
  // An empty compact hash with room for at least `capacity` bytes of pairs.
  static CompactHash* Allocate(size_t capacity) {
    return new (CheckedMalloc(sizeof(CompactHash) + capacity)) CompactHash();
  }
  // Allocated by Allocate: `delete` through the base must hand the block back to free().
  static void operator delete(void* p) { std::free(p); }

  ObjectValue* Clone() const override {
    CompactHash* copy = Allocate(used_);
    if (used_ > 0) std::memcpy(copy->data(), data(), used_);
    copy->used_ = used_;
    copy->count_ = count_;
    return copy;
  }
  size_t MemoryUsage() const override { return malloc_usable_size(const_cast<CompactHash*>(this)); }

  Encoding encoding() const override { return Encoding::kListpack; }
  size_t size() const override { return count_; }

  bool Get(std::string_view field, std::string_view* value) const override {
    const unsigned char* p = Find(field);
    if (p == nullptr) return false;
    TakeString(&p);
    *value = TakeString(&p);
    return true;
  }

  HashValue* Set(std::string_view field, std::string_view value, const HashLimits& limits, bool* added) override;
  HashValue* Delete(std::string_view field, bool* deleted) override;
  HashValue* ToTable() override;

  void ForEach(PairVisitor visit) const override {
    const unsigned char* p = data();
    for (uint32_t i = 0; i < count_; ++i) {
      const std::string_view f = TakeString(&p);
      const std::string_view v = TakeString(&p);
      visit(f, v);
    }
  }

  void RandomPair(HashRng& rng, std::string_view* field, std::string_view* value) const override {
    const unsigned char* p = data();
    for (size_t skip = UniformIndex(rng, count_); skip > 0; --skip) {
      TakeString(&p);
      TakeString(&p);
    }
    *field = TakeString(&p);
    *value = TakeString(&p);
  }

  void SampleWithRepeats(size_t count, HashRng& rng, PairVisitor visit) const override {
    // Index the pairs once so that each draw is O(1).
    std::vector<uint32_t> offsets;
    offsets.reserve(count_);
    const unsigned char* p = data();
    for (uint32_t i = 0; i < count_; ++i) {
      offsets.push_back(static_cast<uint32_t>(p - data()));
      TakeString(&p);
      TakeString(&p);
    }
    for (size_t i = 0; i < count; ++i) {
      const unsigned char* q = data() + offsets[UniformIndex(rng, count_)];
      const std::string_view f = TakeString(&q);
      visit(f, TakeString(&q));
    }
  }

  void SampleDistinct(size_t count, HashRng& rng, PairVisitor visit) const override {
    // Selection sampling: take each pair with probability needed / remaining, which yields a
    // uniform subset in one pass, in insertion order (as Redis's listpack sampling does).
    size_t needed = count;
    size_t remaining = count_;
    const unsigned char* p = data();
    for (; needed > 0; --remaining) {
      const std::string_view f = TakeString(&p);
      const std::string_view v = TakeString(&p);
      if (UniformIndex(rng, remaining) < needed) {
        visit(f, v);
        --needed;
      }
    }
  }

  uint64_t Scan(uint64_t, size_t, PairVisitor visit) const override {
    ForEach(visit);
    return 0;
  }

 private:
  CompactHash() = default;

  unsigned char* data() { return reinterpret_cast<unsigned char*>(this + 1); }
  const unsigned char* data() const { return reinterpret_cast<const unsigned char*>(this + 1); }
  size_t capacity() const { return malloc_usable_size(const_cast<CompactHash*>(this)) - sizeof(CompactHash); }

  // The start of `field`'s pair, or nullptr.
  const unsigned char* Find(std::string_view field) const {
    const unsigned char* p = data();
    for (uint32_t i = 0; i < count_; ++i) {
      const unsigned char* pair = p;
      const std::string_view f = TakeString(&p);
      if (f == field) return pair;
      TakeString(&p);
    }
    return nullptr;
  }

  // Replaces the `old_len` bytes at `at` by `new_len` bytes (left for the caller to write at
  // *dst), moving the rest. Returns the hash holding the result: `this`, or a copy with a
  // capacity that fits when `this` is too small or, with `may_shrink`, would leave more than
  // half its block idle.
  CompactHash* Splice(size_t at, size_t old_len, size_t new_len, bool may_shrink, unsigned char** dst);

  uint32_t used_ = 0;
  uint32_t count_ = 0;
};

static_assert(sizeof(CompactHash) == 16, "the compact header is the vtable pointer and two counters");

// The table form.
class TableHash final : public HashValue {
 public:
  // An empty table sized for `expected` fields.
  static TableHash* ForFields(size_t expected) { return new TableHash(BitsFor(expected)); }
  ~TableHash() override {
    const size_t n = slot_count();
    for (size_t i = 0; i < n; ++i) {
      if (slots_[i] != 0) std::free(PairAt(slots_[i]));
    }
    std::free(slots_);
  }
  TableHash(const TableHash&) = delete;
  TableHash& operator=(const TableHash&) = delete;

  ObjectValue* Clone() const override {
    auto* copy = new TableHash(bits_);
    const size_t n = slot_count();
    for (size_t i = 0; i < n; ++i) {
      if (slots_[i] == 0) continue;
      const unsigned char* pair = PairAt(slots_[i]);
      const unsigned char* end = pair;
      TakeString(&end);
      TakeString(&end);
      const size_t len = static_cast<size_t>(end - pair);
      auto* dup = static_cast<unsigned char*>(CheckedMalloc(len));
      std::memcpy(dup, pair, len);
      copy->slots_[i] = (slots_[i] & ~kPointerMask) | reinterpret_cast<uint64_t>(dup);
      copy->pair_bytes_ += malloc_usable_size(dup);
    }
    copy->size_ = size_;
    return copy;
  }

  size_t MemoryUsage() const override {
    return malloc_usable_size(const_cast<TableHash*>(this)) + malloc_usable_size(slots_) + pair_bytes_;
  }

  Encoding encoding() const override { return Encoding::kHashtable; }
  size_t size() const override { return size_; }

  bool Get(std::string_view field, std::string_view* value) const override {
    const size_t i = Find(field, HashKey(field));
    if (i == kNotFound) return false;
    const unsigned char* p = PairAt(slots_[i]);
    TakeString(&p);
    *value = TakeString(&p);
    return true;
  }

  HashValue* Set(std::string_view field, std::string_view value, const HashLimits&, bool* added) override {
    const uint64_t hash = HashKey(field);
    const size_t i = Find(field, hash);
    *added = i == kNotFound;
    if (*added) {
      Add(hash, field, value);
      return this;
    }
    const size_t need = PairBytes(field, value);
    unsigned char* pair = PairAt(slots_[i]);
    const size_t usable = malloc_usable_size(pair);
    // Reallocate when the value outgrows the block, or shrank so much that half of it idles.
    if (need > usable || usable / 2 > need + 32) {
      pair_bytes_ -= usable;
      pair = static_cast<unsigned char*>(std::realloc(pair, need));
      if (pair == nullptr) throw std::bad_alloc();
      pair_bytes_ += malloc_usable_size(pair);
      slots_[i] = MakeSlot(hash, pair);
    }
    PutString(pair + StringBytes(field), value);
    return this;
  }

  HashValue* Delete(std::string_view field, bool* deleted) override {
    const size_t i = Find(field, HashKey(field));
    *deleted = i != kNotFound;
    if (!*deleted) return this;
    unsigned char* pair = PairAt(slots_[i]);
    pair_bytes_ -= malloc_usable_size(pair);
    std::free(pair);
    // Backward-shift deletion: pull later members of the run into the hole when their home
    // allows, so no tombstones are needed and every field stays reachable from its home.
    const size_t n = slot_count();
    size_t hole = i;
    slots_[hole] = 0;
    for (size_t j = i + 1; j < n && slots_[j] != 0; ++j) {
      if (HomeOf(SlotHash(slots_[j])) <= hole) {
        slots_[hole] = slots_[j];
        slots_[j] = 0;
        hole = j;
      }
    }
    --size_;
    const size_t capacity = size_t{1} << bits_;
    if (bits_ > kMinBits && size_ * 8 < capacity) Rebuild(BitsFor(size_));
    return this;
  }

  HashValue* ToTable() override { return this; }

  // Adds a pair. REQUIRES: `field` is absent (conversion from the compact form).
  void AddAbsent(std::string_view field, std::string_view value) { Add(HashKey(field), field, value); }

  void ForEach(PairVisitor visit) const override {
    const size_t n = slot_count();
    for (size_t i = 0; i < n; ++i) {
      if (slots_[i] != 0) VisitSlot(i, visit);
    }
  }

  void RandomPair(HashRng& rng, std::string_view* field, std::string_view* value) const override {
    // The load stays above 1/8 (or the table is minimal), so a few draws find a pair; every pair
    // has one slot, so each is equally likely.
    const size_t i = RandomOccupied(rng);
    const unsigned char* p = PairAt(slots_[i]);
    *field = TakeString(&p);
    *value = TakeString(&p);
  }

  void SampleWithRepeats(size_t count, HashRng& rng, PairVisitor visit) const override {
    for (size_t k = 0; k < count; ++k) VisitSlot(RandomOccupied(rng), visit);
  }

  void SampleDistinct(size_t count, HashRng& rng, PairVisitor visit) const override {
    if (count * 3 > size_) {
      // A large share: shuffle the first `count` of all occupied slots into place.
      std::vector<size_t> occupied;
      occupied.reserve(size_);
      const size_t n = slot_count();
      for (size_t i = 0; i < n; ++i) {
        if (slots_[i] != 0) occupied.push_back(i);
      }
      for (size_t k = 0; k < count; ++k) {
        std::swap(occupied[k], occupied[k + UniformIndex(rng, occupied.size() - k)]);
        VisitSlot(occupied[k], visit);
      }
      return;
    }
    // A small share: draw slots and skip repeats; at most a third are taken, so few draws repeat.
    std::unordered_set<size_t> taken;
    taken.reserve(count);
    while (taken.size() < count) {
      const size_t i = RandomOccupied(rng);
      if (taken.insert(i).second) VisitSlot(i, visit);
    }
  }

  uint64_t Scan(uint64_t cursor, size_t count, PairVisitor visit) const override {
    if (size_ == 0) return 0;
    // The step covers the hashes whose homes are the `cover` slots from the cursor's home: about
    // `count` fields at the current load. Its bounds are hash values, so the next step starts at
    // the same place in hash space whatever the table's size is by then.
    const int shift = 64 - bits_;
    const size_t capacity = size_t{1} << bits_;
    const size_t start = static_cast<size_t>(cursor >> shift);
    size_t cover = capacity;
    if (count < size_) cover = std::max<size_t>(1, count * capacity / size_);
    const bool to_end = cover >= capacity - start;
    const size_t last_home = to_end ? capacity - 1 : start + cover - 1;
    const uint64_t end = to_end ? 0 : static_cast<uint64_t>(start + cover) << shift;
    // A field sits at or after its home with no empty slot in between, so the fields homed in
    // [start, last_home] all lie before the first empty slot at or after last_home.
    const size_t n = slot_count();
    for (size_t i = start; i < n; ++i) {
      if (slots_[i] == 0) {
        if (i >= last_home) break;
        continue;
      }
      const uint64_t hash = SlotHash(slots_[i]);
      if (hash < cursor || (!to_end && hash >= end)) continue;
      VisitSlot(i, visit);
    }
    return end;
  }

 private:
  static constexpr size_t kNotFound = SIZE_MAX;
  static constexpr uint64_t kPointerMask = (uint64_t{1} << 48) - 1;
  static constexpr int kTagShift = 48;
  static constexpr int kMinBits = 3;
  static constexpr size_t kMaxSpill = 64;

  static unsigned char* PairAt(uint64_t slot) { return reinterpret_cast<unsigned char*>(slot & kPointerMask); }
  static uint64_t MakeSlot(uint64_t hash, const unsigned char* pair) {
    const auto address = reinterpret_cast<uint64_t>(pair);
    assert((address & ~kPointerMask) == 0);
    return address | ((hash & 0xffff) << kTagShift);
  }
  static std::string_view FieldOf(const unsigned char* pair) { return TakeString(&pair); }
  static uint64_t SlotHash(uint64_t slot) { return HashKey(FieldOf(PairAt(slot))); }
  // The smallest table (in bits) holding `fields` at a load of at most 3/4.
  static int BitsFor(size_t fields) {
    int bits = kMinBits;
    while ((size_t{3} << bits) < fields * 4) ++bits;
    return bits;
  }

  // Linear probing does not wrap: a run that reaches the last slot spills into up to kMaxSpill
  // extra slots, and a table whose spill overflows grows. Without wrapping, slot order follows
  // hash order, which Scan relies on.
  size_t slot_count() const { return (size_t{1} << bits_) + spill_; }
  size_t HomeOf(uint64_t hash) const { return static_cast<size_t>(hash >> (64 - bits_)); }

  void Allocate(int bits) {
    bits_ = static_cast<uint8_t>(bits);
    spill_ = static_cast<uint32_t>(std::min(size_t{1} << bits, kMaxSpill));
    slots_ = static_cast<uint64_t*>(std::calloc(slot_count(), sizeof(uint64_t)));
    if (slots_ == nullptr) throw std::bad_alloc();
  }

  size_t Find(std::string_view field, uint64_t hash) const {
    const uint64_t tag = hash & 0xffff;
    const size_t n = slot_count();
    for (size_t i = HomeOf(hash); i < n && slots_[i] != 0; ++i) {
      if ((slots_[i] >> kTagShift) == tag && FieldOf(PairAt(slots_[i])) == field) return i;
    }
    return kNotFound;
  }

  // Puts `slot` in the first free slot from its home; false when the run reaches the array's end.
  static bool Place(uint64_t* slots, size_t n, size_t home, uint64_t slot) {
    for (size_t i = home; i < n; ++i) {
      if (slots[i] == 0) {
        slots[i] = slot;
        return true;
      }
    }
    return false;
  }

  explicit TableHash(int bits) { Allocate(bits); }

  // Adds a pair whose field (with hash `hash`) is absent.
  void Add(uint64_t hash, std::string_view field, std::string_view value) {
    auto* pair = static_cast<unsigned char*>(CheckedMalloc(PairBytes(field, value)));
    PutString(PutString(pair, field), value);
    pair_bytes_ += malloc_usable_size(pair);
    if ((size_ + 1) * 4 > (size_t{3} << bits_)) Rebuild(bits_ + 1);
    while (!Place(slots_, slot_count(), HomeOf(hash), MakeSlot(hash, pair))) Rebuild(bits_ + 1);
    ++size_;
  }

  // Moves every pair into a table of 2^bits slots (more if the spill area overflows).
  void Rebuild(int bits) {
    uint64_t* old = slots_;
    const size_t old_n = slot_count();
    for (;; ++bits) {
      Allocate(bits);
      bool placed = true;
      for (size_t i = 0; i < old_n && placed; ++i) {
        if (old[i] != 0) placed = Place(slots_, slot_count(), HomeOf(SlotHash(old[i])), old[i]);
      }
      if (placed) break;
      std::free(slots_);
    }
    std::free(old);
  }

  size_t RandomOccupied(HashRng& rng) const {
    const size_t n = slot_count();
    size_t i = UniformIndex(rng, n);
    while (slots_[i] == 0) i = UniformIndex(rng, n);
    return i;
  }

  void VisitSlot(size_t i, PairVisitor visit) const {
    const unsigned char* p = PairAt(slots_[i]);
    const std::string_view f = TakeString(&p);
    visit(f, TakeString(&p));
  }

  uint64_t* slots_ = nullptr;
  uint8_t bits_ = 0;
  uint32_t spill_ = 0;
  size_t size_ = 0;
  size_t pair_bytes_ = 0;  // usable bytes of the pair allocations, for MemoryUsage
};

CompactHash* CompactHash::Splice(size_t at, size_t old_len, size_t new_len, bool may_shrink, unsigned char** dst) {
  const size_t new_used = used_ - old_len + new_len;
  const size_t tail = used_ - at - old_len;
  const size_t cap = capacity();
  if (new_used <= cap && !(may_shrink && cap > 2 * new_used + 64)) {
    if (tail > 0 && old_len != new_len) std::memmove(data() + at + new_len, data() + at + old_len, tail);
    used_ = static_cast<uint32_t>(new_used);
    *dst = data() + at;
    return this;
  }
  CompactHash* target = Allocate(new_used);
  std::memcpy(target->data(), data(), at);
  if (tail > 0) std::memcpy(target->data() + at + new_len, data() + at + old_len, tail);
  target->used_ = static_cast<uint32_t>(new_used);
  target->count_ = count_;
  *dst = target->data() + at;
  return target;
}

HashValue* CompactHash::Set(std::string_view field, std::string_view value, const HashLimits& limits, bool* added) {
  const unsigned char* pair = Find(field);
  *added = pair == nullptr;
  size_t at = used_;
  size_t old_len = 0;
  if (pair != nullptr) {
    // The value is rewritten where it is: the pair keeps its position, as in a listpack.
    const unsigned char* v = pair;
    TakeString(&v);
    const unsigned char* end = v;
    TakeString(&end);
    at = static_cast<size_t>(v - data());
    old_len = static_cast<size_t>(end - v);
  }
  const size_t new_len = pair != nullptr ? StringBytes(value) : PairBytes(field, value);
  // As in Redis, the entry limit is checked on every write, so a lowered limit converts a hash
  // at its next write even when that only updates a field.
  if (!limits.FitsCompact(field) || !limits.FitsCompact(value) ||
      count_ + (*added ? size_t{1} : 0) > limits.max_entries || used_ - old_len + new_len > kMaxCompactBytes) {
    HashValue* table = ToTable();
    return table->Set(field, value, limits, added);
  }
  unsigned char* dst;
  CompactHash* target = Splice(at, old_len, new_len, /*may_shrink=*/false, &dst);
  if (pair != nullptr) {
    PutString(dst, value);
  } else {
    PutString(PutString(dst, field), value);
    ++target->count_;
  }
  return target;
}

HashValue* CompactHash::Delete(std::string_view field, bool* deleted) {
  const unsigned char* pair = Find(field);
  *deleted = pair != nullptr;
  if (pair == nullptr) return this;
  const unsigned char* end = pair;
  TakeString(&end);
  TakeString(&end);
  unsigned char* dst;
  CompactHash* target =
      Splice(static_cast<size_t>(pair - data()), static_cast<size_t>(end - pair), 0, /*may_shrink=*/true, &dst);
  --target->count_;
  return target;
}

HashValue* CompactHash::ToTable() {
  TableHash* table = TableHash::ForFields(count_ + size_t{1});
  ForEach([table](std::string_view f, std::string_view v) { table->AddAbsent(f, v); });
  return table;
}

}  // namespace

HashLimits HashLimits::From(const EncodingLimits& limits) {
  HashLimits out;
  out.max_entries = static_cast<size_t>(std::max<int64_t>(0, EncodingLimits::Get(limits.hash_max_listpack_entries)));
  out.max_value = static_cast<size_t>(std::max<int64_t>(0, EncodingLimits::Get(limits.hash_max_listpack_value)));
  return out;
}

HashValue* HashValue::NewCompact(size_t pairs, size_t payload) {
  // One length byte per string covers every string the default limits allow.
  return CompactHash::Allocate(std::min(payload + 2 * pairs, kMaxCompactBytes));
}

}  // namespace strata::store
