#include "store/zset_value.h"

#include <malloc.h>

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "common/hash.h"
#include "store/varint.h"

namespace strata::store {
namespace {

// ---------------------------------------------------------------------------------------------
// Encoding helpers.

double LoadDouble(const unsigned char* p) {
  double d;
  std::memcpy(&d, p, sizeof(d));
  return d;
}

void StoreDouble(unsigned char* p, double d) { std::memcpy(p, &d, sizeof(d)); }

// The sort key of an element.
struct Key {
  double score;
  std::string_view member;
};

bool KeyLess(const Key& a, const Key& b) {
  if (a.score < b.score) return true;
  if (a.score > b.score) return false;
  return a.member < b.member;
}

// The compact form keeps -0 as 0 (Redis's listpack prints the score and reads it back).
double CompactScore(double score) { return score == 0 ? 0.0 : score; }

// ---------------------------------------------------------------------------------------------
// Compact form: entries of [varint length][member][8-byte score].

struct Packed {
  std::string_view member;
  double score;
  size_t size;  // bytes of the whole entry
};

Packed ReadPacked(const unsigned char* buf, size_t offset) {
  uint64_t len;
  const unsigned char* m = GetVarint(buf + offset, &len);
  const size_t n = static_cast<size_t>(m - (buf + offset));
  return {{reinterpret_cast<const char*>(m), len}, LoadDouble(m + len), n + len + sizeof(double)};
}

size_t PackedSize(std::string_view member) { return VarintLength(member.size()) + member.size() + sizeof(double); }

void WritePacked(unsigned char* at, std::string_view member, double score) {
  unsigned char* m = PutVarint(at, member.size());
  std::memcpy(m, member.data(), member.size());
  StoreDouble(m + member.size(), score);
}

// ---------------------------------------------------------------------------------------------
// Large form: records, the B+-tree and the member table.

// A member record, in one allocation: [8-byte score][4-byte member hash][varint length][bytes].
// Handled through these functions only; never constructed as a C++ object.
struct Rec;

constexpr size_t kRecHeader = sizeof(double) + sizeof(uint32_t);

unsigned char* Bytes(Rec* r) { return reinterpret_cast<unsigned char*>(r); }
const unsigned char* Bytes(const Rec* r) { return reinterpret_cast<const unsigned char*>(r); }
double RecScore(const Rec* r) { return LoadDouble(Bytes(r)); }
void SetRecScore(Rec* r, double score) { StoreDouble(Bytes(r), score); }
uint32_t RecHash(const Rec* r) {
  uint32_t h;
  std::memcpy(&h, Bytes(r) + sizeof(double), sizeof(h));
  return h;
}
std::string_view RecMember(const Rec* r) {
  uint64_t len;
  const unsigned char* m = GetVarint(Bytes(r) + kRecHeader, &len);
  return {reinterpret_cast<const char*>(m), len};
}
size_t RecSize(const Rec* r) {
  uint64_t len;
  const unsigned char* m = GetVarint(Bytes(r) + kRecHeader, &len);
  return static_cast<size_t>(m - Bytes(r)) + len;
}
Key RecKey(const Rec* r) { return {RecScore(r), RecMember(r)}; }

uint32_t MemberHash(std::string_view member) { return static_cast<uint32_t>(HashKey(member) >> 32); }

// Tag byte kept beside each table slot, so most probes need not visit the record. 0 is "empty".
uint8_t TagOf(uint32_t hash) {
  const uint8_t t = static_cast<uint8_t>(hash);
  return t == 0 ? 1 : t;
}

// Nodes. A leaf holds records in order and links to its neighbours for walks; an inner node
// holds its children, each child's element count, and for each child but the first the child's
// smallest record as separator. Every non-root node is at least half full.
constexpr uint32_t kLeafCap = 60;
constexpr uint32_t kLeafMin = kLeafCap / 2;
constexpr uint32_t kInnerCap = 31;
constexpr uint32_t kInnerMin = kInnerCap / 2;

struct Leaf {
  uint32_t n = 0;
  Leaf* prev = nullptr;
  Leaf* next = nullptr;
  Rec* items[kLeafCap];
};

struct Inner {
  uint32_t n = 0;
  void* children[kInnerCap];
  size_t counts[kInnerCap];
  Rec* seps[kInnerCap];  // seps[0] unused
};

// The index of the child to descend into: the last i >= 1 whose separator satisfies `right`
// (monotone: true for a prefix of the separators), else 0.
template <typename F>
uint32_t ChildIndex(const Inner* in, F right) {
  uint32_t lo = 1, hi = in->n;
  while (lo < hi) {
    const uint32_t mid = (lo + hi) / 2;
    if (right(in->seps[mid])) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo - 1;
}

// The number of leading items of `leaf` that satisfy `before` (monotone).
template <typename F>
uint32_t LeafCount(const Leaf* leaf, F before) {
  uint32_t lo = 0, hi = leaf->n;
  while (lo < hi) {
    const uint32_t mid = (lo + hi) / 2;
    if (before(leaf->items[mid])) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// How many nodes to cut `n` items into when building a level bottom-up: nodes about 7/8 full
// (room for inserts before they split), none below `min` unless there is only one.
size_t NodesFor(size_t n, size_t cap, size_t min) {
  const size_t fill = cap * 7 / 8;
  size_t k = (n + fill - 1) / fill;
  if (k >= 2 && n / k < min) k = n <= cap ? 1 : n / min;
  return std::max<size_t>(k, 1);
}

}  // namespace

class ZSetValue::Large {
 public:
  Large() = default;
  ~Large() { Clear(); }
  Large(const Large&) = delete;
  Large& operator=(const Large&) = delete;

  size_t size() const { return size_; }
  size_t bytes() const { return bytes_; }

  // The record of `member`, or nullptr.
  Rec* Find(std::string_view member) const {
    if (size_ == 0) return nullptr;
    const uint32_t h = MemberHash(member);
    const size_t i = FindSlot(member, h);
    return i == kNone ? nullptr : slots_[i];
  }

  // A new record, not yet in the table or the tree.
  Rec* MakeRec(std::string_view member, double score) {
    const size_t len = member.size();
    Rec* r = static_cast<Rec*>(Alloc(kRecHeader + VarintLength(len) + len));
    SetRecScore(r, score);
    const uint32_t h = MemberHash(member);
    std::memcpy(Bytes(r) + sizeof(double), &h, sizeof(h));
    std::memcpy(PutVarint(Bytes(r) + kRecHeader, len), member.data(), len);
    return r;
  }

  void Insert(std::string_view member, double score) {
    Rec* r = MakeRec(member, score);
    TableInsert(r);
    TreeInsert(r);
  }

  void UpdateScore(Rec* r, double score) {
    // Stay in place when the new score keeps the record between its neighbours.
    Leaf* leaf;
    uint32_t pos;
    LocateRec(r, &leaf, &pos);
    const Key key{score, RecMember(r)};
    const Rec* prev = pos > 0 ? leaf->items[pos - 1] : (leaf->prev ? leaf->prev->items[leaf->prev->n - 1] : nullptr);
    const Rec* next = pos + 1 < leaf->n ? leaf->items[pos + 1] : (leaf->next ? leaf->next->items[0] : nullptr);
    if ((prev == nullptr || KeyLess(RecKey(prev), key)) && (next == nullptr || KeyLess(key, RecKey(next)))) {
      SetRecScore(r, score);
      return;
    }
    TreeErase(r);
    SetRecScore(r, score);
    TreeInsert(r);
  }

  void Erase(Rec* r) {
    TreeErase(r);
    TableErase(r);
    Free(r);
  }

  // The number of elements satisfying `before` (monotone: true for a prefix of the order).
  template <typename F>
  size_t CountBefore(F before) const {
    if (size_ == 0) return 0;
    size_t rank = 0;
    const void* node = root_;
    for (int level = height_; level > 0; --level) {
      const Inner* in = static_cast<const Inner*>(node);
      const uint32_t i = ChildIndex(in, before);
      for (uint32_t j = 0; j < i; ++j) rank += in->counts[j];
      node = in->children[i];
    }
    return rank + LeafCount(static_cast<const Leaf*>(node), before);
  }

  size_t RankOf(const Rec* r) const {
    const Key key = RecKey(r);
    return CountBefore([&](const Rec* x) { return KeyLess(RecKey(x), key); });
  }

  // The leaf and slot of the element at `rank`. REQUIRES: rank < size().
  void Locate(size_t rank, Leaf** leaf, uint32_t* pos) const {
    void* node = root_;
    for (int level = height_; level > 0; --level) {
      Inner* in = static_cast<Inner*>(node);
      uint32_t i = 0;
      while (rank >= in->counts[i]) rank -= in->counts[i++];
      node = in->children[i];
    }
    *leaf = static_cast<Leaf*>(node);
    *pos = static_cast<uint32_t>(rank);
  }

  void Visit(size_t start, size_t end, bool reverse, ZSetVisitor visit) const {
    if (start >= end) return;
    Leaf* leaf;
    uint32_t pos;
    Locate(reverse ? end - 1 : start, &leaf, &pos);
    for (size_t left = end - start; left > 0; --left) {
      const Rec* r = leaf->items[pos];
      if (!visit(RecMember(r), RecScore(r))) return;
      if (left == 1) return;
      if (reverse) {
        if (pos == 0) {
          leaf = leaf->prev;
          pos = leaf->n - 1;
        } else {
          --pos;
        }
      } else if (++pos == leaf->n) {
        leaf = leaf->next;
        pos = 0;
      }
    }
  }

  void EraseRange(size_t start, size_t end) {
    if (start == 0 && end == size_) {
      Clear();
      return;
    }
    std::vector<Rec*> doomed;
    doomed.reserve(end - start);
    if (start < end) {
      Leaf* leaf;
      uint32_t pos;
      Locate(start, &leaf, &pos);
      for (size_t k = start; k < end; ++k) {
        doomed.push_back(leaf->items[pos]);
        if (++pos == leaf->n && leaf->next != nullptr) {
          leaf = leaf->next;
          pos = 0;
        }
      }
    }
    for (Rec* r : doomed) Erase(r);
  }

  uint64_t Scan(uint64_t cursor, size_t count, ZSetScanVisitor visit) const {
    if (size_ == 0 || cursor >= (uint64_t{1} << 32)) return 0;
    const uint64_t first = HomeOf(static_cast<uint32_t>(cursor));
    // Cover about `count` elements' worth of home slots.
    const uint64_t span = std::max<uint64_t>(1, static_cast<uint64_t>(count) * capacity_ / size_);
    const uint64_t end_home = first + span;
    // The smallest hash whose home is end_home: the next step's cursor.
    const uint64_t end_hash = end_home >= capacity_ ? (uint64_t{1} << 32)
                                                     : ((end_home << 32) + capacity_ - 1) / capacity_;
    for (uint64_t u = first; u < first + capacity_; ++u) {
      const size_t slot = static_cast<size_t>(u % capacity_);
      if (tags_[slot] == 0) {
        if (u >= end_home) break;
        continue;
      }
      const Rec* r = slots_[slot];
      const uint64_t h = RecHash(r);
      if (h >= cursor && h < end_hash) visit(RecMember(r), RecScore(r));
    }
    return end_hash >= (uint64_t{1} << 32) ? 0 : end_hash;
  }

  // Builds the set from records already in order, with no table yet. Takes ownership.
  void BuildFrom(std::vector<Rec*>* recs) {
    TableResize(recs->size() * 5 / 3 + 1);
    for (Rec* r : *recs) TableInsert(r);
    BuildTree(*recs);
  }

  Large* Clone() const {
    Large* copy = new Large;
    std::vector<Rec*> recs;
    recs.reserve(size_);
    for (const Leaf* leaf = FirstLeaf(); leaf != nullptr; leaf = leaf->next) {
      for (uint32_t i = 0; i < leaf->n; ++i) {
        const size_t n = RecSize(leaf->items[i]);
        Rec* r = static_cast<Rec*>(copy->Alloc(n));
        std::memcpy(r, leaf->items[i], n);
        recs.push_back(r);
      }
    }
    copy->BuildFrom(&recs);
    return copy;
  }

  // Frees everything; the set is then empty.
  void Clear() {
    if (root_ != nullptr) FreeSubtree(root_, height_, true);
    root_ = nullptr;
    height_ = 0;
    size_ = 0;
    if (slots_ != nullptr) Free(slots_);
    slots_ = nullptr;
    tags_ = nullptr;
    capacity_ = 0;
  }

 private:
  static constexpr size_t kNone = ~size_t{0};

  void* Alloc(size_t n) {
    void* p = std::malloc(n);
    if (p == nullptr) throw std::bad_alloc();
    bytes_ += malloc_usable_size(p);
    return p;
  }
  void Free(void* p) {
    bytes_ -= malloc_usable_size(p);
    std::free(p);
  }
  Leaf* NewLeaf() { return new (Alloc(sizeof(Leaf))) Leaf; }
  Inner* NewInner() { return new (Alloc(sizeof(Inner))) Inner; }

  // --- Member table: linear probing over capacity_ slots, home slot (hash * capacity) >> 32,
  // so homes follow hash order (Scan relies on it). Deletion shifts followers back: no
  // tombstones.

  size_t HomeOf(uint32_t h) const { return static_cast<size_t>((static_cast<uint64_t>(h) * capacity_) >> 32); }
  size_t NextSlot(size_t i) const { return i + 1 == capacity_ ? 0 : i + 1; }

  size_t FindSlot(std::string_view member, uint32_t h) const {
    const uint8_t tag = TagOf(h);
    for (size_t i = HomeOf(h);; i = NextSlot(i)) {
      if (tags_[i] == 0) return kNone;
      if (tags_[i] == tag && RecHash(slots_[i]) == h && RecMember(slots_[i]) == member) return i;
    }
  }

  void TableInsert(Rec* r) {
    if ((size_ + 1) * 20 > capacity_ * 17) TableResize((size_ + 1) * 5 / 3 + 1);  // load above 0.85
    const uint32_t h = RecHash(r);
    size_t i = HomeOf(h);
    while (tags_[i] != 0) i = NextSlot(i);
    slots_[i] = r;
    tags_[i] = TagOf(h);
  }

  void TableErase(const Rec* r) {
    const uint32_t h = RecHash(r);
    size_t i = HomeOf(h);
    while (tags_[i] == 0 || slots_[i] != r) i = NextSlot(i);
    // Shift back each follower in the cluster whose home lies cyclically outside (i, j].
    for (size_t j = NextSlot(i);; j = NextSlot(j)) {
      if (tags_[j] == 0) break;
      const size_t home = HomeOf(RecHash(slots_[j]));
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      tags_[i] = tags_[j];
      i = j;
    }
    tags_[i] = 0;
    slots_[i] = nullptr;
    // size_ is the tree's count; TreeErase has already decremented it.
    if (capacity_ > 16 && size_ * 4 < capacity_) TableResize(std::max<size_t>(16, size_ * 5 / 3 + 1));
  }

  void TableResize(size_t capacity) {
    capacity = std::max<size_t>(capacity, 4);
    Rec** old_slots = slots_;
    const uint8_t* old_tags = tags_;
    const size_t old_capacity = capacity_;
    void* block = Alloc(capacity * (sizeof(Rec*) + 1));
    slots_ = static_cast<Rec**>(block);
    tags_ = reinterpret_cast<uint8_t*>(slots_ + capacity);
    std::memset(tags_, 0, capacity);
    capacity_ = capacity;
    for (size_t i = 0; i < old_capacity; ++i) {
      if (old_tags[i] == 0) continue;
      const uint32_t h = RecHash(old_slots[i]);
      size_t j = HomeOf(h);
      while (tags_[j] != 0) j = NextSlot(j);
      slots_[j] = old_slots[i];
      tags_[j] = old_tags[i];
    }
    if (old_slots != nullptr) Free(old_slots);
  }

  // --- The tree.

  const Leaf* FirstLeaf() const {
    const void* node = root_;
    if (node == nullptr) return nullptr;
    for (int level = height_; level > 0; --level) node = static_cast<const Inner*>(node)->children[0];
    return static_cast<const Leaf*>(node);
  }

  // The leaf and slot holding `r`.
  void LocateRec(const Rec* r, Leaf** leaf, uint32_t* pos) const {
    const Key key = RecKey(r);
    void* node = root_;
    for (int level = height_; level > 0; --level) {
      Inner* in = static_cast<Inner*>(node);
      node = in->children[ChildIndex(in, [&](const Rec* s) { return s == r || !KeyLess(key, RecKey(s)); })];
    }
    *leaf = static_cast<Leaf*>(node);
    *pos = LeafCount(*leaf, [&](const Rec* x) { return x != r && KeyLess(RecKey(x), key); });
  }

  bool Full(const void* node, int level) const {
    return level == 0 ? static_cast<const Leaf*>(node)->n == kLeafCap : static_cast<const Inner*>(node)->n == kInnerCap;
  }

  // Splits the full child i of `parent` (at `level`) in two; the new right half becomes child i+1.
  void SplitChild(Inner* parent, uint32_t i, int level) {
    void* right_node;
    Rec* sep;
    size_t right_count = 0;
    if (level == 0) {
      Leaf* left = static_cast<Leaf*>(parent->children[i]);
      Leaf* right = NewLeaf();
      const uint32_t keep = left->n / 2;
      right->n = left->n - keep;
      std::memcpy(right->items, left->items + keep, right->n * sizeof(Rec*));
      left->n = keep;
      right->prev = left;
      right->next = left->next;
      if (left->next != nullptr) left->next->prev = right;
      left->next = right;
      right_node = right;
      sep = right->items[0];
      right_count = right->n;
    } else {
      Inner* left = static_cast<Inner*>(parent->children[i]);
      Inner* right = NewInner();
      const uint32_t keep = left->n / 2;
      right->n = left->n - keep;
      for (uint32_t j = 0; j < right->n; ++j) {
        right->children[j] = left->children[keep + j];
        right->counts[j] = left->counts[keep + j];
        right->seps[j] = left->seps[keep + j];
        right_count += right->counts[j];
      }
      sep = left->seps[keep];
      left->n = keep;
      right_node = right;
    }
    for (uint32_t j = parent->n; j > i + 1; --j) {
      parent->children[j] = parent->children[j - 1];
      parent->counts[j] = parent->counts[j - 1];
      parent->seps[j] = parent->seps[j - 1];
    }
    parent->children[i + 1] = right_node;
    parent->counts[i + 1] = right_count;
    parent->seps[i + 1] = sep;
    parent->counts[i] -= right_count;
    ++parent->n;
  }

  // Adds `r` (its key absent from the tree), splitting full nodes on the way down.
  void TreeInsert(Rec* r) {
    if (root_ == nullptr) {
      root_ = NewLeaf();
      height_ = 0;
    }
    if (Full(root_, height_)) {
      Inner* top = NewInner();
      top->n = 1;
      top->children[0] = root_;
      top->counts[0] = size_;
      root_ = top;
      ++height_;
      SplitChild(top, 0, height_ - 1);
    }
    const Key key = RecKey(r);
    auto right = [&](const Rec* s) { return KeyLess(RecKey(s), key); };
    void* node = root_;
    for (int level = height_; level > 0; --level) {
      Inner* in = static_cast<Inner*>(node);
      uint32_t i = ChildIndex(in, right);
      if (Full(in->children[i], level - 1)) {
        SplitChild(in, i, level - 1);
        if (right(in->seps[i + 1])) ++i;
      }
      ++in->counts[i];
      node = in->children[i];
    }
    Leaf* leaf = static_cast<Leaf*>(node);
    const uint32_t pos = LeafCount(leaf, right);
    std::memmove(leaf->items + pos + 1, leaf->items + pos, (leaf->n - pos) * sizeof(Rec*));
    leaf->items[pos] = r;
    ++leaf->n;
    ++size_;
  }

  // Removes `r` from the tree (not from the table; the record stays allocated).
  void TreeErase(Rec* r) {
    const Key key = RecKey(r);
    Inner* path[64];
    uint32_t path_index[64];
    Inner* sep_node = nullptr;
    uint32_t sep_index = 0;
    void* node = root_;
    for (int level = height_; level > 0; --level) {
      Inner* in = static_cast<Inner*>(node);
      const uint32_t i = ChildIndex(in, [&](const Rec* s) { return s == r || !KeyLess(key, RecKey(s)); });
      if (i > 0 && in->seps[i] == r) {
        sep_node = in;
        sep_index = i;
      }
      --in->counts[i];
      path[level] = in;
      path_index[level] = i;
      node = in->children[i];
    }
    Leaf* leaf = static_cast<Leaf*>(node);
    const uint32_t pos = LeafCount(leaf, [&](const Rec* x) { return x != r && KeyLess(RecKey(x), key); });
    assert(leaf->items[pos] == r);
    std::memmove(leaf->items + pos, leaf->items + pos + 1, (leaf->n - pos - 1) * sizeof(Rec*));
    --leaf->n;
    --size_;
    // A separator naming `r` names the smallest record of its subtree, which was `r`, first in
    // this leaf; its successor takes over (a non-root leaf keeps at least one record here).
    if (sep_node != nullptr) sep_node->seps[sep_index] = leaf->items[0];
    // Refill underfull nodes from a sibling, bottom-up.
    for (int level = 0; level < height_; ++level) {
      const uint32_t n = level == 0 ? leaf->n : path[level]->n;
      if (n >= (level == 0 ? kLeafMin : kInnerMin)) break;
      Inner* parent = path[level + 1];
      const uint32_t i = path_index[level + 1];
      if (!Refill(parent, i, level)) break;
    }
    if (height_ > 0 && static_cast<Inner*>(root_)->n == 1) {
      Inner* top = static_cast<Inner*>(root_);
      root_ = top->children[0];
      --height_;
      Free(top);
    } else if (height_ == 0 && leaf->n == 0) {
      Free(leaf);
      root_ = nullptr;
    }
  }

  // Brings child i of `parent` (at `level`, below the minimum) back up by borrowing from or
  // merging with a sibling. Returns whether the parent lost a child (and may now be underfull).
  bool Refill(Inner* parent, uint32_t i, int level) {
    const uint32_t min = level == 0 ? kLeafMin : kInnerMin;
    auto count_of = [&](uint32_t j) {
      return level == 0 ? static_cast<Leaf*>(parent->children[j])->n : static_cast<Inner*>(parent->children[j])->n;
    };
    if (i > 0 && count_of(i - 1) > min) {
      BorrowFromLeft(parent, i, level);
      return false;
    }
    if (i + 1 < parent->n && count_of(i + 1) > min) {
      BorrowFromRight(parent, i, level);
      return false;
    }
    Merge(parent, i > 0 ? i - 1 : i, level);
    return true;
  }

  // Moves the last element (or child) of child i-1 to the front of child i.
  void BorrowFromLeft(Inner* parent, uint32_t i, int level) {
    size_t moved;
    if (level == 0) {
      Leaf* left = static_cast<Leaf*>(parent->children[i - 1]);
      Leaf* node = static_cast<Leaf*>(parent->children[i]);
      std::memmove(node->items + 1, node->items, node->n * sizeof(Rec*));
      node->items[0] = left->items[--left->n];
      ++node->n;
      parent->seps[i] = node->items[0];
      moved = 1;
    } else {
      Inner* left = static_cast<Inner*>(parent->children[i - 1]);
      Inner* node = static_cast<Inner*>(parent->children[i]);
      for (uint32_t j = node->n; j > 0; --j) {
        node->children[j] = node->children[j - 1];
        node->counts[j] = node->counts[j - 1];
        node->seps[j] = node->seps[j - 1];
      }
      const uint32_t last = --left->n;
      node->children[0] = left->children[last];
      node->counts[0] = left->counts[last];
      node->seps[1] = parent->seps[i];
      parent->seps[i] = left->seps[last];
      ++node->n;
      moved = node->counts[0];
    }
    parent->counts[i - 1] -= moved;
    parent->counts[i] += moved;
  }

  // Moves the first element (or child) of child i+1 to the end of child i.
  void BorrowFromRight(Inner* parent, uint32_t i, int level) {
    size_t moved;
    if (level == 0) {
      Leaf* node = static_cast<Leaf*>(parent->children[i]);
      Leaf* right = static_cast<Leaf*>(parent->children[i + 1]);
      node->items[node->n++] = right->items[0];
      std::memmove(right->items, right->items + 1, (--right->n) * sizeof(Rec*));
      parent->seps[i + 1] = right->items[0];
      moved = 1;
    } else {
      Inner* node = static_cast<Inner*>(parent->children[i]);
      Inner* right = static_cast<Inner*>(parent->children[i + 1]);
      node->children[node->n] = right->children[0];
      node->counts[node->n] = right->counts[0];
      node->seps[node->n] = parent->seps[i + 1];
      ++node->n;
      moved = right->counts[0];
      parent->seps[i + 1] = right->seps[1];
      for (uint32_t j = 0; j + 1 < right->n; ++j) {
        right->children[j] = right->children[j + 1];
        right->counts[j] = right->counts[j + 1];
        right->seps[j] = right->seps[j + 1];
      }
      --right->n;
    }
    parent->counts[i] += moved;
    parent->counts[i + 1] -= moved;
  }

  // Appends child j+1 of `parent` to child j and drops it.
  void Merge(Inner* parent, uint32_t j, int level) {
    if (level == 0) {
      Leaf* left = static_cast<Leaf*>(parent->children[j]);
      Leaf* right = static_cast<Leaf*>(parent->children[j + 1]);
      std::memcpy(left->items + left->n, right->items, right->n * sizeof(Rec*));
      left->n += right->n;
      left->next = right->next;
      if (right->next != nullptr) right->next->prev = left;
      Free(right);
    } else {
      Inner* left = static_cast<Inner*>(parent->children[j]);
      Inner* right = static_cast<Inner*>(parent->children[j + 1]);
      for (uint32_t k = 0; k < right->n; ++k) {
        left->children[left->n + k] = right->children[k];
        left->counts[left->n + k] = right->counts[k];
        left->seps[left->n + k] = k == 0 ? parent->seps[j + 1] : right->seps[k];
      }
      left->n += right->n;
      Free(right);
    }
    parent->counts[j] += parent->counts[j + 1];
    for (uint32_t k = j + 1; k + 1 < parent->n; ++k) {
      parent->children[k] = parent->children[k + 1];
      parent->counts[k] = parent->counts[k + 1];
      parent->seps[k] = parent->seps[k + 1];
    }
    --parent->n;
  }

  // Builds the tree over `recs` (in order) bottom-up. REQUIRES: the tree is empty.
  void BuildTree(const std::vector<Rec*>& recs) {
    size_ = recs.size();
    if (recs.empty()) return;
    std::vector<void*> nodes;
    std::vector<size_t> counts;
    std::vector<Rec*> mins;
    const size_t leaves = NodesFor(recs.size(), kLeafCap, kLeafMin);
    Leaf* prev = nullptr;
    for (size_t k = 0, at = 0; k < leaves; ++k) {
      const size_t take = recs.size() / leaves + (k < recs.size() % leaves ? 1 : 0);
      Leaf* leaf = NewLeaf();
      leaf->n = static_cast<uint32_t>(take);
      std::memcpy(leaf->items, recs.data() + at, take * sizeof(Rec*));
      leaf->prev = prev;
      if (prev != nullptr) prev->next = leaf;
      prev = leaf;
      nodes.push_back(leaf);
      counts.push_back(take);
      mins.push_back(leaf->items[0]);
      at += take;
    }
    height_ = 0;
    while (nodes.size() > 1) {
      const size_t parents = NodesFor(nodes.size(), kInnerCap, kInnerMin);
      std::vector<void*> up_nodes;
      std::vector<size_t> up_counts;
      std::vector<Rec*> up_mins;
      for (size_t k = 0, at = 0; k < parents; ++k) {
        const size_t take = nodes.size() / parents + (k < nodes.size() % parents ? 1 : 0);
        Inner* in = NewInner();
        in->n = static_cast<uint32_t>(take);
        size_t total = 0;
        for (size_t j = 0; j < take; ++j) {
          in->children[j] = nodes[at + j];
          in->counts[j] = counts[at + j];
          in->seps[j] = mins[at + j];
          total += counts[at + j];
        }
        up_nodes.push_back(in);
        up_counts.push_back(total);
        up_mins.push_back(mins[at]);
        at += take;
      }
      nodes.swap(up_nodes);
      counts.swap(up_counts);
      mins.swap(up_mins);
      ++height_;
    }
    root_ = nodes[0];
  }

  void FreeSubtree(void* node, int level, bool records) {
    if (level == 0) {
      Leaf* leaf = static_cast<Leaf*>(node);
      if (records) {
        for (uint32_t i = 0; i < leaf->n; ++i) Free(leaf->items[i]);
      }
      Free(leaf);
      return;
    }
    Inner* in = static_cast<Inner*>(node);
    for (uint32_t i = 0; i < in->n; ++i) FreeSubtree(in->children[i], level - 1, records);
    Free(in);
  }

  void* root_ = nullptr;
  int height_ = 0;  // 0: the root is a leaf
  size_t size_ = 0;
  Rec** slots_ = nullptr;
  uint8_t* tags_ = nullptr;  // in the same allocation as slots_
  size_t capacity_ = 0;
  size_t bytes_ = 0;  // usable bytes of every allocation above
};

// ---------------------------------------------------------------------------------------------
// ZSetValue

namespace {

// Walks the compact entries of `buf` from offset 0.
class PackedCursor {
 public:
  PackedCursor(const unsigned char* buf, size_t bytes) : buf_(buf), bytes_(bytes) {}
  bool done() const { return offset_ >= bytes_; }
  Packed entry() const { return ReadPacked(buf_, offset_); }
  size_t offset() const { return offset_; }
  void Next() { offset_ += ReadPacked(buf_, offset_).size; }

 private:
  const unsigned char* buf_;
  size_t bytes_;
  size_t offset_ = 0;
};

}  // namespace

ZSetValue::~ZSetValue() {
  std::free(packed_);
  delete large_;
}

size_t ZSetValue::size() const { return large_ != nullptr ? large_->size() : packed_count_; }

bool ZSetValue::Score(std::string_view member, double* score) const {
  if (large_ != nullptr) {
    const Rec* r = large_->Find(member);
    if (r == nullptr) return false;
    *score = RecScore(r);
    return true;
  }
  for (PackedCursor c(packed_, packed_bytes_); !c.done(); c.Next()) {
    const Packed e = c.entry();
    if (e.member == member) {
      *score = e.score;
      return true;
    }
  }
  return false;
}

void ZSetValue::Insert(std::string_view member, double score) {
  if (large_ != nullptr) {
    large_->Insert(member, score);
    return;
  }
  score = CompactScore(score);
  const Key key{score, member};
  PackedCursor c(packed_, packed_bytes_);
  while (!c.done()) {
    const Packed e = c.entry();
    if (KeyLess(key, {e.score, e.member})) break;
    c.Next();
  }
  const size_t at = c.offset();
  const size_t grow = PackedSize(member);
  unsigned char* buf = static_cast<unsigned char*>(std::realloc(packed_, packed_bytes_ + grow));
  if (buf == nullptr) throw std::bad_alloc();
  std::memmove(buf + at + grow, buf + at, packed_bytes_ - at);
  WritePacked(buf + at, member, score);
  packed_ = buf;
  packed_bytes_ += grow;
  ++packed_count_;
}

void ZSetValue::UpdateScore(std::string_view member, double score) {
  if (large_ != nullptr) {
    large_->UpdateScore(large_->Find(member), score);
    return;
  }
  Erase(member);
  Insert(member, score);
}

bool ZSetValue::Erase(std::string_view member) {
  if (large_ != nullptr) {
    Rec* r = large_->Find(member);
    if (r == nullptr) return false;
    large_->Erase(r);
    return true;
  }
  for (PackedCursor c(packed_, packed_bytes_); !c.done(); c.Next()) {
    const Packed e = c.entry();
    if (e.member != member) continue;
    const size_t at = c.offset();
    std::memmove(packed_ + at, packed_ + at + e.size, packed_bytes_ - at - e.size);
    packed_bytes_ -= e.size;
    --packed_count_;
    if (packed_count_ == 0) {
      std::free(packed_);
      packed_ = nullptr;
    }
    return true;
  }
  return false;
}

bool ZSetValue::Rank(std::string_view member, size_t* rank) const {
  if (large_ != nullptr) {
    const Rec* r = large_->Find(member);
    if (r == nullptr) return false;
    *rank = large_->RankOf(r);
    return true;
  }
  size_t i = 0;
  for (PackedCursor c(packed_, packed_bytes_); !c.done(); c.Next(), ++i) {
    if (c.entry().member == member) {
      *rank = i;
      return true;
    }
  }
  return false;
}

size_t ZSetValue::CountScoreBelow(double score, bool inclusive) const {
  auto before = [&](double s) { return inclusive ? s <= score : s < score; };
  if (large_ != nullptr) return large_->CountBefore([&](const Rec* r) { return before(RecScore(r)); });
  size_t n = 0;
  for (PackedCursor c(packed_, packed_bytes_); !c.done() && before(c.entry().score); c.Next()) ++n;
  return n;
}

size_t ZSetValue::CountLexBelow(std::string_view member, bool inclusive) const {
  auto before = [&](std::string_view m) { return inclusive ? m <= member : m < member; };
  if (large_ != nullptr) return large_->CountBefore([&](const Rec* r) { return before(RecMember(r)); });
  size_t n = 0;
  for (PackedCursor c(packed_, packed_bytes_); !c.done() && before(c.entry().member); c.Next()) ++n;
  return n;
}

void ZSetValue::Visit(size_t start, size_t end, bool reverse, ZSetVisitor visit) const {
  if (large_ != nullptr) {
    large_->Visit(start, end, reverse, visit);
    return;
  }
  if (start >= end) return;
  PackedCursor c(packed_, packed_bytes_);
  for (size_t i = 0; i < start; ++i) c.Next();
  if (!reverse) {
    for (size_t i = start; i < end; ++i, c.Next()) {
      const Packed e = c.entry();
      if (!visit(e.member, e.score)) return;
    }
    return;
  }
  // Entries are only walkable forwards: note where each one starts first.
  std::vector<size_t> offsets;
  offsets.reserve(end - start);
  for (size_t i = start; i < end; ++i, c.Next()) offsets.push_back(c.offset());
  for (size_t k = offsets.size(); k > 0; --k) {
    const Packed e = ReadPacked(packed_, offsets[k - 1]);
    if (!visit(e.member, e.score)) return;
  }
}

void ZSetValue::EraseRange(size_t start, size_t end) {
  if (large_ != nullptr) {
    large_->EraseRange(start, end);
    return;
  }
  if (start >= end) return;
  PackedCursor c(packed_, packed_bytes_);
  for (size_t i = 0; i < start; ++i) c.Next();
  const size_t from = c.offset();
  for (size_t i = start; i < end; ++i) c.Next();
  const size_t to = c.offset();
  std::memmove(packed_ + from, packed_ + to, packed_bytes_ - to);
  packed_bytes_ -= to - from;
  packed_count_ -= end - start;
  if (packed_count_ == 0) {
    std::free(packed_);
    packed_ = nullptr;
  }
}

void ZSetValue::ConvertToLarge() {
  Large* large = new Large;
  // The compact entries are already in order: build the large form in one pass.
  std::vector<Rec*> recs;
  recs.reserve(packed_count_);
  for (PackedCursor c(packed_, packed_bytes_); !c.done(); c.Next()) {
    const Packed e = c.entry();
    recs.push_back(large->MakeRec(e.member, e.score));
  }
  large->BuildFrom(&recs);
  std::free(packed_);
  packed_ = nullptr;
  packed_bytes_ = 0;
  packed_count_ = 0;
  large_ = large;
}

uint64_t ZSetValue::Scan(uint64_t cursor, size_t count, ZSetScanVisitor visit) const {
  if (large_ != nullptr) return large_->Scan(cursor, count, visit);
  for (PackedCursor c(packed_, packed_bytes_); !c.done(); c.Next()) {
    const Packed e = c.entry();
    visit(e.member, e.score);
  }
  return 0;
}

ObjectValue* ZSetValue::Clone() const {
  ZSetValue* copy = new ZSetValue;
  if (large_ != nullptr) {
    copy->large_ = large_->Clone();
  } else if (packed_ != nullptr) {
    copy->packed_ = static_cast<unsigned char*>(std::malloc(packed_bytes_));
    if (copy->packed_ == nullptr) throw std::bad_alloc();
    std::memcpy(copy->packed_, packed_, packed_bytes_);
    copy->packed_bytes_ = packed_bytes_;
    copy->packed_count_ = packed_count_;
  }
  return copy;
}

size_t ZSetValue::MemoryUsage() const {
  // The object itself is counted by its size: it may live outside the heap (tests).
  size_t bytes = sizeof(*this);
  if (large_ != nullptr) {
    bytes += malloc_usable_size(large_) + large_->bytes();
  } else if (packed_ != nullptr) {
    bytes += malloc_usable_size(packed_);
  }
  return bytes;
}

}  // namespace strata::store
