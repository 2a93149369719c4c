#include "store/hash_value.h"

#include <malloc.h>

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/hash.h"
#include "store/varint.h"

namespace strata::store {
namespace {

// --- Encodings shared by both forms ---
//
// A pair body is [lengths][a][b]: one byte holding both lengths as nibbles, a nibble of 15
// meaning "15 or more, as a varint after this byte". Fields and values under 15 bytes, the
// common case, cost one byte of lengths per pair.

constexpr size_t kNibbleEscape = 15;

size_t BodyBytes(size_t a, size_t b) {
  return 1 + (a >= kNibbleEscape ? VarintLength(a) : 0) + (b >= kNibbleEscape ? VarintLength(b) : 0) + a + b;
}

unsigned char* PutBody(unsigned char* p, std::string_view a, std::string_view b) {
  *p++ = static_cast<unsigned char>((std::min(a.size(), kNibbleEscape) << 4) | std::min(b.size(), kNibbleEscape));
  if (a.size() >= kNibbleEscape) p = PutVarint(p, a.size());
  if (b.size() >= kNibbleEscape) p = PutVarint(p, b.size());
  if (!a.empty()) std::memcpy(p, a.data(), a.size());
  p += a.size();
  if (!b.empty()) std::memcpy(p, b.data(), b.size());
  return p + b.size();
}

// Reads the body at `p` and returns its end.
const unsigned char* TakeBody(const unsigned char* p, std::string_view* a, std::string_view* b) {
  uint64_t na = *p >> 4;
  uint64_t nb = *p & 0x0f;
  ++p;
  if (na == kNibbleEscape) p = GetVarint(p, &na);
  if (nb == kNibbleEscape) p = GetVarint(p, &nb);
  *a = std::string_view(reinterpret_cast<const char*>(p), na);
  p += na;
  *b = std::string_view(reinterpret_cast<const char*>(p), nb);
  return p + nb;
}

size_t CommonPrefix(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
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
      std::string_view f, v;
      const size_t len = static_cast<size_t>(TakeBody(pair, &f, &v) - pair);
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
    std::string_view f;
    TakeBody(PairAt(slots_[i]), &f, value);
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
    const size_t need = BodyBytes(field.size(), value.size());
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
    PutBody(pair, field, value);
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
  static std::string_view FieldOf(const unsigned char* pair) {
    std::string_view f, v;
    TakeBody(pair, &f, &v);
    return f;
  }
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
    auto* pair = static_cast<unsigned char*>(CheckedMalloc(BodyBytes(field.size(), value.size())));
    PutBody(pair, field, value);
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

  // A random occupied slot. The load stays above 1/8 (or the table is minimal), so a few draws
  // find one; every pair has one slot, so each is equally likely.
  size_t RandomOccupied(HashRng& rng) const {
    const size_t n = slot_count();
    size_t i = UniformIndex(rng, n);
    while (slots_[i] == 0) i = UniformIndex(rng, n);
    return i;
  }

  void VisitSlot(size_t i, PairVisitor visit) const {
    std::string_view f, v;
    TakeBody(PairAt(slots_[i]), &f, &v);
    visit(f, v);
  }

  uint64_t* slots_ = nullptr;
  uint8_t bits_ = 0;
  uint32_t spill_ = 0;
  size_t size_ = 0;
  size_t pair_bytes_ = 0;  // usable bytes of the pair allocations, for MemoryUsage
};

// The compact form: this header, then `used_` bytes of pairs within the allocation's usable size.
//
// A pair is [varint shared][body: field suffix, value]: its field is the first `shared` bytes of
// the previous pair's field followed by the suffix, `shared` always being the longest common
// prefix of the two (0 for the first pair). Fields of one hash often share prefixes ("field1",
// "field2"; "addr:city", "addr:zip"), and then most of their bytes are not stored. A field is rebuilt by
// walking from the first pair, which every operation of the compact form does anyway.
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
    Location at;
    if (!Locate(field, &at)) return false;
    *value = at.pair.value;
    return true;
  }

  HashValue* Set(std::string_view field, std::string_view value, const HashLimits& limits, bool* added) override;
  HashValue* Delete(std::string_view field, bool* deleted) override;
  HashValue* ToTable() override;

  void ForEach(PairVisitor visit) const override {
    Walker walker(data());
    for (uint32_t i = 0; i < count_; ++i) {
      walker.Next();
      visit(walker.field(), walker.value());
    }
  }

  void SampleWithRepeats(size_t count, HashRng& rng, PairVisitor visit) const override {
    if (count == 1) {
      Walker walker(data());
      for (size_t skip = UniformIndex(rng, count_); skip > 0; --skip) walker.Next();
      walker.Next();
      visit(walker.field(), walker.value());
      return;
    }
    // Rebuild the fields once so that each draw is O(1).
    std::vector<std::pair<std::string, std::string_view>> pairs;
    pairs.reserve(count_);
    ForEach([&pairs](std::string_view f, std::string_view v) { pairs.emplace_back(f, v); });
    for (size_t i = 0; i < count; ++i) {
      const auto& [f, v] = pairs[UniformIndex(rng, pairs.size())];
      visit(f, v);
    }
  }

  void SampleDistinct(size_t count, HashRng& rng, PairVisitor visit) const override {
    // Selection sampling: take each pair with probability needed / remaining, which yields a
    // uniform subset in one pass, in insertion order (as Redis's listpack sampling does).
    size_t needed = count;
    size_t remaining = count_;
    Walker walker(data());
    for (; needed > 0; --remaining) {
      walker.Next();
      if (UniformIndex(rng, remaining) < needed) {
        visit(walker.field(), walker.value());
        --needed;
      }
    }
  }

  uint64_t Scan(uint64_t, size_t, PairVisitor visit) const override {
    ForEach(visit);
    return 0;
  }

 private:
  // A pair as stored.
  struct Pair {
    size_t shared = 0;
    std::string_view suffix;
    std::string_view value;
  };

  static const unsigned char* TakePair(const unsigned char* p, Pair* pair) {
    uint64_t shared;
    p = GetVarint(p, &shared);
    pair->shared = shared;
    return TakeBody(p, &pair->suffix, &pair->value);
  }
  static size_t PairBytes(size_t shared, size_t suffix, size_t value) {
    return VarintLength(shared) + BodyBytes(suffix, value);
  }
  static unsigned char* PutPair(unsigned char* p, size_t shared, std::string_view suffix, std::string_view value) {
    return PutBody(PutVarint(p, shared), suffix, value);
  }

  // Walks the pairs in order, rebuilding each field.
  class Walker {
   public:
    explicit Walker(const unsigned char* p) : p_(p) {}
    void Next() {
      start_ = p_;
      p_ = TakePair(p_, &pair_);
      field_.resize(pair_.shared);
      field_.append(pair_.suffix);
    }
    std::string_view field() const { return field_; }
    std::string_view value() const { return pair_.value; }
    const Pair& pair() const { return pair_; }
    const unsigned char* start() const { return start_; }
    const unsigned char* end() const { return p_; }

   private:
    const unsigned char* p_;
    const unsigned char* start_ = nullptr;
    Pair pair_;
    std::string field_;
  };

  // Where Locate found a field, or where it would be appended.
  struct Location {
    size_t start = 0;  // offset of the pair (used_ when absent)
    size_t end = 0;
    Pair pair;          // the pair, when found
    size_t shared = 0;  // when absent: the longest prefix the field shares with the last field
  };

  // Finds `target` without rebuilding fields: m, the longest common prefix of the target and the
  // previous field, carries over. A pair sharing fewer than m bytes with the previous field
  // differs from the target right there; one sharing more differs where the previous field did;
  // only a pair sharing exactly m bytes needs its suffix compared.
  bool Locate(std::string_view target, Location* at) const {
    size_t m = 0;
    const unsigned char* p = data();
    for (uint32_t i = 0; i < count_; ++i) {
      const unsigned char* start = p;
      Pair pair;
      p = TakePair(p, &pair);
      if (pair.shared < m) {
        m = pair.shared;
      } else if (pair.shared == m) {
        const size_t k = CommonPrefix(target.substr(m), pair.suffix);
        if (k == pair.suffix.size() && m + k == target.size()) {
          at->start = static_cast<size_t>(start - data());
          at->end = static_cast<size_t>(p - data());
          at->pair = pair;
          return true;
        }
        m += k;
      }
    }
    at->start = at->end = used_;
    at->shared = m;
    return false;
  }

  CompactHash() = default;

  unsigned char* data() { return reinterpret_cast<unsigned char*>(this + 1); }
  const unsigned char* data() const { return reinterpret_cast<const unsigned char*>(this + 1); }
  size_t capacity() const { return malloc_usable_size(const_cast<CompactHash*>(this)) - sizeof(CompactHash); }

  // Replaces the `old_len` bytes at `at` by `new_len` bytes (left for the caller to write at
  // *dst), moving the rest. Returns the hash holding the result: `this`, or a copy with a
  // capacity that fits when `this` is too small or, with `may_shrink`, would leave more than
  // half its block idle.
  CompactHash* Splice(size_t at, size_t old_len, size_t new_len, bool may_shrink, unsigned char** dst);

  uint32_t used_ = 0;
  uint32_t count_ = 0;
};

static_assert(sizeof(CompactHash) == 16, "the compact header is the vtable pointer and two counters");

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
  // Growing allocates just what is needed: the allocator rounds up to its size class, and the
  // next appends fill that slack before another copy.
  CompactHash* target = Allocate(new_used);
  std::memcpy(target->data(), data(), at);
  if (tail > 0) std::memcpy(target->data() + at + new_len, data() + at + old_len, tail);
  target->used_ = static_cast<uint32_t>(new_used);
  target->count_ = count_;
  *dst = target->data() + at;
  return target;
}

HashValue* CompactHash::Set(std::string_view field, std::string_view value, const HashLimits& limits, bool* added) {
  Location at;
  *added = !Locate(field, &at);
  // An update keeps the pair where it is (as in a listpack) and its shared prefix; a new pair
  // goes last, sharing what it can with the last field.
  const size_t shared = *added ? at.shared : at.pair.shared;
  const size_t new_len = PairBytes(shared, field.size() - shared, value.size());
  const size_t old_len = at.end - at.start;
  // As in Redis, the entry limit is checked on every write, so a lowered limit converts a hash
  // at its next write even when that only updates a field.
  if (!limits.FitsCompact(field) || !limits.FitsCompact(value) ||
      count_ + (*added ? size_t{1} : 0) > limits.max_entries || used_ - old_len + new_len > kMaxCompactBytes) {
    HashValue* table = ToTable();
    return table->Set(field, value, limits, added);
  }
  unsigned char* dst;
  CompactHash* target = Splice(at.start, old_len, new_len, /*may_shrink=*/false, &dst);
  // The suffix is written from `field`, not from the old bytes, which the splice may have moved.
  PutPair(dst, shared, field.substr(shared), value);
  if (*added) ++target->count_;
  return target;
}

HashValue* CompactHash::Delete(std::string_view field, bool* deleted) {
  // Find the pair with the fields before and after it rebuilt: the next pair's shared prefix was
  // relative to the deleted field and must be recomputed against the one before.
  Walker walker(data());
  std::string previous;
  uint32_t i = 0;
  for (; i < count_; ++i) {
    walker.Next();
    if (walker.field() == field) break;
    previous.assign(walker.field());
  }
  *deleted = i < count_;
  if (!*deleted) return this;
  const size_t start = static_cast<size_t>(walker.start() - data());
  size_t end = static_cast<size_t>(walker.end() - data());
  std::string replacement;
  if (i + 1 < count_) {
    walker.Next();
    end = static_cast<size_t>(walker.end() - data());
    const std::string_view next = walker.field();
    const size_t shared = CommonPrefix(previous, next);
    replacement.resize(PairBytes(shared, next.size() - shared, walker.value().size()));
    PutPair(reinterpret_cast<unsigned char*>(replacement.data()), shared, next.substr(shared), walker.value());
  }
  unsigned char* dst;
  CompactHash* target = Splice(start, end - start, replacement.size(), /*may_shrink=*/true, &dst);
  if (!replacement.empty()) std::memcpy(dst, replacement.data(), replacement.size());
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

HashValue* HashValue::NewCompact() { return CompactHash::Allocate(0); }

}  // namespace strata::store
