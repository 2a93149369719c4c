#include "store/list_value.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace strata::store {

// Elements are Redis listpack entries; store/listpack_entry.h describes the encoding.
namespace {

using listpack::kInt13;
using listpack::kInt16;
using listpack::kInt24;
using listpack::kInt32;
using listpack::kInt64;
using listpack::kStr12;
using listpack::kStr32;
using listpack::kStr6;
using listpack::TrailerSize;

// Element areas never go below this, so that tiny lists do not reallocate on every push.
constexpr size_t kMinData = 32;
// Nodes whose data area is at most this big are never shrunk.
constexpr size_t kNoShrinkCapacity = 192;
// The cap on a node's listpack bytes for a list with a positive fill, as Redis's safety limit.
constexpr size_t kCountFillMaxBytes = 8192;
// A Redis listpack's bytes beyond its elements: the 6-byte header and the end byte.
constexpr size_t kListpackOverhead = 7;
// What Redis adds to an element's length to estimate its growth of a node (its quicklist's
// SIZE_ESTIMATE_OVERHEAD): nodes fill exactly as Redis's do only with the same estimate.
constexpr size_t kInsertEstimate = 8;
// Redis clamps a positive fill to this.
constexpr int32_t kMaxFill = 1 << 15;

// The allocator size class `n` falls in, as jemalloc rounds (16-byte steps up to 128 bytes, then
// four classes per doubling), so that the space a node is given is the space it really costs.
size_t GoodAllocSize(size_t n) {
  if (n <= 16) return 16;
  if (n <= 128) return (n + 15) & ~size_t{15};
  int k = 63 - __builtin_clzll(static_cast<unsigned long long>(n - 1));  // 2^k < n <= 2^(k+1)
  const size_t step = size_t{1} << (k - 2);
  return (n + step - 1) & ~(step - 1);
}

uint32_t ReadLe(const unsigned char* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// The size of header plus payload of the element at p.
uint32_t BodySize(const unsigned char* p) {
  const unsigned char h = p[0];
  if (h < kStr6) return 1;
  if (h < kInt13) return 1 + (h & 0x3f);
  if (h < kStr12) return 2;
  if (h < kStr32) return 2 + (((h & 0x0fu) << 8) | p[1]);
  switch (h) {
    case kStr32: return 5 + ReadLe(p + 1, 4);
    case kInt16: return 3;
    case kInt24: return 4;
    case kInt32: return 5;
    default: return 9;  // kInt64
  }
}

// Bytes of the element that starts at p.
uint32_t EntrySize(const unsigned char* p) {
  const uint32_t body = BodySize(p);
  return body + TrailerSize(body);
}

// Bytes of the element that ends just before `end`, read from its trailer.
uint32_t EntrySizeBefore(const unsigned char* end) {
  uint32_t body = 0;
  uint32_t i = 0;
  unsigned char b;
  do {
    b = end[-1 - static_cast<int>(i)];
    body |= static_cast<uint32_t>(b & 0x7f) << (7 * i);
    ++i;
  } while (b & 0x80);
  return body + i;
}

// A decoded element: an integer or a view of string bytes in the node.
struct Decoded {
  bool is_int;
  int64_t int_value;
  std::string_view text;
};

Decoded Decode(const unsigned char* p) {
  const unsigned char h = p[0];
  const auto str = [](const unsigned char* bytes, size_t len) {
    return Decoded{false, 0, std::string_view(reinterpret_cast<const char*>(bytes), len)};
  };
  if (h < kStr6) return {true, h, {}};
  if (h < kInt13) return str(p + 1, h & 0x3f);
  if (h < kStr12) {
    int32_t v = static_cast<int32_t>(((h & 0x1fu) << 8) | p[1]);
    if (v & 0x1000) v -= 0x2000;
    return {true, v, {}};
  }
  if (h < kStr32) return str(p + 2, ((h & 0x0fu) << 8) | p[1]);
  switch (h) {
    case kStr32: return str(p + 5, ReadLe(p + 1, 4));
    case kInt16: return {true, static_cast<int16_t>(ReadLe(p + 1, 2)), {}};
    case kInt24: return {true, static_cast<int32_t>(ReadLe(p + 1, 3) << 8) >> 8, {}};
    case kInt32: return {true, static_cast<int32_t>(ReadLe(p + 1, 4)), {}};
    default: {  // kInt64
      uint64_t v;
      std::memcpy(&v, p + 1, 8);
      return {true, static_cast<int64_t>(v), {}};
    }
  }
}

std::string_view Spell(const Decoded& d, char* scratch) {
  if (!d.is_int) return d.text;
  return std::string_view(scratch, FormatInt64(d.int_value, scratch));
}

bool DecodedMatches(const unsigned char* p, bool is_int, int64_t int_value, std::string_view text) {
  const Decoded d = Decode(p);
  // Integer-looking strings are always stored as integers, so kinds that differ never match.
  if (d.is_int != is_int) return false;
  return is_int ? d.int_value == int_value : d.text == text;
}

}  // namespace

struct ListValue::Node {
  Node* prev;
  Node* next;
  uint32_t count;     // elements
  uint32_t begin;     // data offset of the first element
  uint32_t end;       // data offset just past the last element
  uint32_t capacity;  // bytes of the data area
  // The data area, an allocation of its own: a full node's elements are a Redis listpack's body,
  // up to 8185 bytes at the default fill, which keeps them in the allocator's 8 KiB class.
  unsigned char* bytes;

  unsigned char* data() { return bytes; }
  const unsigned char* data() const { return bytes; }
  uint32_t used() const { return end - begin; }
  size_t alloc() const { return GoodAllocSize(sizeof(Node)) + capacity; }
};

ListNeedle::ListNeedle(std::string_view value) : text_(value) {
  is_int_ = value.size() <= 20 && ParseInt64(value, &int_value_);
}

// --- Iterator ---

void ListValue::Iterator::Next() {
  offset_ += EntrySize(node_->data() + offset_);
  if (offset_ == node_->end) {
    node_ = node_->next;
    offset_ = node_ != nullptr ? node_->begin : 0;
  }
}

void ListValue::Iterator::Prev() {
  if (offset_ == node_->begin) {
    node_ = node_->prev;
    if (node_ == nullptr) return;
    offset_ = node_->end;
  }
  offset_ -= EntrySizeBefore(node_->data() + offset_);
}

std::string_view ListValue::Iterator::value() { return Spell(Decode(node_->data() + offset_), scratch_); }

bool ListValue::Iterator::Matches(const ListNeedle& needle) const {
  return DecodedMatches(node_->data() + offset_, needle.is_int_, needle.int_value_, needle.text_);
}

// --- Nodes ---

ListValue::ListValue(int64_t fill)
    : fill_(static_cast<int32_t>(fill > kMaxFill ? kMaxFill : fill < -5 ? -5 : fill)) {}

ListValue::~ListValue() {
  Node* n = head_;
  while (n != nullptr) {
    Node* next = n->next;
    std::free(n->bytes);
    std::free(n);
    n = next;
  }
}

size_t ListValue::MaxNodeData() const {
  const size_t max_bytes = fill_ < 0 ? size_t{4096} << (-fill_ - 1) : kCountFillMaxBytes;
  return max_bytes - kListpackOverhead;
}

bool ListValue::Allows(const Node* node, size_t value_length) const {
  if (node->count == 0) return true;
  if (fill_ >= 0 && node->count >= static_cast<uint32_t>(fill_)) return false;
  // Redis's estimate, not the encoded size: the node then splits where Redis's does.
  return node->used() + value_length + kInsertEstimate <= MaxNodeData();
}

bool ListValue::MayMerge(const Node* a, const Node* b) const {
  // Three quarters, not all: a node just split in two halves must not merge back at the first
  // removal and split again at the next insertion.
  if (fill_ >= 0 && (a->count + b->count) * 4 > static_cast<uint32_t>(fill_) * 3) return false;
  return (a->used() + b->used()) * 4 <= MaxNodeData() * 3;
}

ListValue::Slack ListValue::SlackFor(const Node* node, uint32_t at) const {
  // An end node of a longer list grows outwards; anything else keeps room on both sides.
  if (node->prev != nullptr && node->next == nullptr && at == node->end) return Slack::kBack;
  if (node->next != nullptr && node->prev == nullptr && at == node->begin) return Slack::kFront;
  return Slack::kBoth;
}

ListValue::Node* ListValue::NewNode(size_t data_bytes, Slack slack) {
  const size_t capacity = GoodAllocSize(data_bytes < kMinData ? kMinData : data_bytes);
  auto* node = static_cast<Node*>(std::malloc(sizeof(Node)));
  if (node == nullptr) throw std::bad_alloc();
  node->bytes = static_cast<unsigned char*>(std::malloc(capacity));
  if (node->bytes == nullptr) {
    std::free(node);
    throw std::bad_alloc();
  }
  node->prev = node->next = nullptr;
  node->count = 0;
  node->capacity = static_cast<uint32_t>(capacity);
  const uint32_t start = slack == Slack::kFront  ? node->capacity
                         : slack == Slack::kBack ? 0
                                                 : static_cast<uint32_t>((node->capacity - data_bytes) / 2);
  node->begin = node->end = start;
  bytes_ += node->alloc();
  return node;
}

void ListValue::LinkAfter(Node* pos, Node* node) {
  node->prev = pos;
  node->next = pos != nullptr ? pos->next : head_;
  if (node->next != nullptr) {
    node->next->prev = node;
  } else {
    tail_ = node;
  }
  if (pos != nullptr) {
    pos->next = node;
  } else {
    head_ = node;
  }
}

void ListValue::LinkBefore(Node* pos, Node* node) { LinkAfter(pos != nullptr ? pos->prev : tail_, node); }

void ListValue::FreeNode(Node* node) {
  (node->prev != nullptr ? node->prev->next : head_) = node->next;
  (node->next != nullptr ? node->next->prev : tail_) = node->prev;
  bytes_ -= node->alloc();
  std::free(node->bytes);
  std::free(node);
}

ListValue::Node* ListValue::Relocate(Node* node, uint32_t at, uint32_t gap, size_t capacity, Slack slack) {
  auto* fresh = static_cast<unsigned char*>(std::malloc(capacity));
  if (fresh == nullptr) throw std::bad_alloc();
  const uint32_t front = at - node->begin;
  const uint32_t back = node->end - at;
  const auto free_bytes = static_cast<uint32_t>(capacity - front - back - gap);
  const uint32_t begin = slack == Slack::kFront ? free_bytes : slack == Slack::kBack ? 0 : free_bytes / 2;
  std::memcpy(fresh + begin, node->data() + node->begin, front);
  std::memcpy(fresh + begin + front + gap, node->data() + at, back);
  bytes_ -= node->alloc();
  std::free(node->bytes);
  node->bytes = fresh;
  node->capacity = static_cast<uint32_t>(capacity);
  node->begin = begin;
  node->end = begin + front + gap + back;
  bytes_ += node->alloc();
  return node;
}

uint32_t ListValue::OpenGap(Node** node_ptr, uint32_t at, uint32_t len) {
  Node* node = *node_ptr;
  unsigned char* d = node->data();
  const uint32_t front = at - node->begin;
  const uint32_t back = node->end - at;
  // Move the shorter side when it has room. Otherwise do not shift the longer side by just `len`
  // (a queue pushing at one end and popping at the other would move the whole node on every
  // push): lay the node out again so that the free space goes where it is wanted, at once.
  if (front <= back ? node->begin >= len : node->capacity - node->end >= len) {
    if (front <= back) {
      std::memmove(d + node->begin - len, d + node->begin, front);
      node->begin -= len;
      return at - len;
    }
    std::memmove(d + at + len, d + at, back);
    node->end += len;
    return at;
  }
  const Slack slack = SlackFor(node, at);
  const size_t needed = static_cast<size_t>(front) + back + len;
  if (needed <= node->capacity) {
    // Enough room in total: lay the node out again in place. Move first whichever part moves
    // away from the other, so that neither overwrites the other before it has moved.
    const uint32_t free_bytes = static_cast<uint32_t>(node->capacity - needed);
    const uint32_t begin = slack == Slack::kFront ? free_bytes : slack == Slack::kBack ? 0 : free_bytes / 2;
    if (begin <= node->begin) {
      std::memmove(d + begin, d + node->begin, front);
      std::memmove(d + begin + front + len, d + at, back);
    } else {
      std::memmove(d + begin + front + len, d + at, back);
      std::memmove(d + begin, d + node->begin, front);
    }
    node->begin = begin;
    node->end = static_cast<uint32_t>(begin + needed);
    return begin + front;
  }
  // Grow geometrically up to the node cap; past it only for a node's single oversized element.
  const size_t max_data = MaxNodeData();
  size_t target = 2 * static_cast<size_t>(node->capacity);
  if (target > max_data) target = max_data;
  if (target < needed) target = needed;
  node = Relocate(node, at, len, GoodAllocSize(target), slack);
  *node_ptr = node;
  return node->begin + front;
}

uint32_t ListValue::CloseGap(Node* node, uint32_t at, uint32_t len) {
  unsigned char* d = node->data();
  const uint32_t front = at - node->begin;
  const uint32_t back = node->end - at - len;
  if (front <= back) {
    std::memmove(d + node->begin + len, d + node->begin, front);
    node->begin += len;
    return at + len;
  }
  std::memmove(d + at, d + at + len, back);
  node->end -= len;
  return at;
}

ListValue::Node* ListValue::MaybeShrink(Node* node) {
  if (node->capacity <= kNoShrinkCapacity || static_cast<size_t>(node->used()) * 4 >= node->capacity) return node;
  return Relocate(node, node->end, 0, GoodAllocSize(2 * static_cast<size_t>(node->used())), Slack::kBoth);
}

void ListValue::MergeWithNext(Node* a) {
  Node* b = a->next;
  const uint32_t at = OpenGap(&a, a->end, b->used());
  std::memcpy(a->data() + at, b->data() + b->begin, b->used());
  a->count += b->count;
  FreeNode(b);
}

void ListValue::Tidy(Node* node, ListEnd side) {
  if (node->count == 0) {
    FreeNode(node);
    return;
  }
  node = MaybeShrink(node);
  if (side == ListEnd::kHead) {
    if (node->prev != nullptr && MayMerge(node->prev, node)) MergeWithNext(node->prev);
  } else if (node->next != nullptr && MayMerge(node, node->next)) {
    MergeWithNext(node);
  }
}

ListValue::Node* ListValue::Split(Node* node, uint32_t at, uint32_t index) {
  const uint32_t moved = node->end - at;
  Node* right = NewNode(moved, Slack::kBoth);
  std::memcpy(right->data() + right->begin, node->data() + at, moved);
  right->end = right->begin + moved;
  right->count = node->count - index;
  node->count = index;
  node->end = at;
  LinkAfter(node, right);
  return right;
}

void ListValue::InsertAt(Node* node, uint32_t at, uint32_t index, const ListpackEntry& e) {
  while (true) {
    if (Allows(node, e.text.size())) {
      const uint32_t gap = OpenGap(&node, at, e.size);
      e.Write(node->data() + gap);
      ++node->count;
      ++size_;
      return;
    }
    if (at == node->begin || at == node->end) {
      // At an edge of a full node: the neighbour on that side, or a new node between them.
      const bool before = at == node->begin;
      Node* neighbour = before ? node->prev : node->next;
      if (neighbour != nullptr && Allows(neighbour, e.text.size())) {
        node = neighbour;
        at = before ? node->end : node->begin;
        index = before ? node->count : 0;
        continue;
      }
      Node* fresh = NewNode(e.size, before ? Slack::kFront : Slack::kBack);
      if (before) {
        LinkBefore(node, fresh);
      } else {
        LinkAfter(node, fresh);
      }
      node = fresh;
      at = fresh->begin;
      index = 0;
      continue;
    }
    // Inside a full node. An element that would fill half a node or more gets a node of its own
    // (split exactly here); otherwise split near the middle so both halves have room to grow.
    if (static_cast<size_t>(e.size) * 2 > MaxNodeData()) {
      Split(node, at, index);
      continue;  // `at` is now the node's end
    }
    const unsigned char* d = node->data();
    uint32_t mid = node->begin;
    uint32_t k = 0;
    const uint32_t half = node->begin + node->used() / 2;
    while (mid < half) {
      mid += EntrySize(d + mid);
      ++k;
    }
    if (k == node->count) {
      mid -= EntrySizeBefore(d + mid);
      --k;
    }
    Node* right = Split(node, mid, k);
    if (at > mid) {
      at = right->begin + (at - mid);
      index -= k;
      node = right;
    }
  }
}

ListValue::Position ListValue::Locate(size_t index) const {
  Node* node;
  size_t i;  // index within `node`
  if (index < size_ / 2) {
    node = head_;
    i = index;
    while (i >= node->count) {
      i -= node->count;
      node = node->next;
    }
  } else {
    node = tail_;
    size_t from_tail = size_ - 1 - index;
    while (from_tail >= node->count) {
      from_tail -= node->count;
      node = node->prev;
    }
    i = node->count - 1 - from_tail;
  }
  // Within the node, walk from its nearer end.
  const unsigned char* d = node->data();
  uint32_t offset;
  if (i < node->count / 2) {
    offset = node->begin;
    for (size_t k = 0; k < i; ++k) offset += EntrySize(d + offset);
  } else {
    offset = node->end;
    for (size_t k = node->count; k > i; --k) offset -= EntrySizeBefore(d + offset);
  }
  return {node, offset, static_cast<uint32_t>(i)};
}

// --- Operations ---

ObjectValue* ListValue::Clone() const {
  auto* copy = new ListValue(fill_);
  for (const Node* n = head_; n != nullptr; n = n->next) {
    Node* c = copy->NewNode(n->used(), Slack::kBoth);
    std::memcpy(c->data() + c->begin, n->data() + n->begin, n->used());
    c->end = c->begin + n->used();
    c->count = n->count;
    copy->LinkBefore(nullptr, c);
  }
  copy->size_ = size_;
  return copy;
}

size_t ListValue::MemoryUsage() const { return GoodAllocSize(sizeof(ListValue)) + bytes_; }

void ListValue::Push(ListEnd end, std::string_view value) {
  const ListpackEntry e(value);
  Node* node = end == ListEnd::kHead ? head_ : tail_;
  if (node == nullptr || !Allows(node, e.text.size())) {
    // Size a node that starts a list for the element alone; one added at an end of a longer list
    // will likely fill up, so give it room for a few more, within the node cap.
    size_t room = e.size;
    if (node != nullptr && 4 * room <= MaxNodeData()) room *= 4;
    Node* fresh = NewNode(room, end == ListEnd::kHead ? Slack::kFront : Slack::kBack);
    if (end == ListEnd::kHead) {
      LinkAfter(nullptr, fresh);
    } else {
      LinkBefore(nullptr, fresh);
    }
    node = fresh;
  }
  const uint32_t gap = OpenGap(&node, end == ListEnd::kHead ? node->begin : node->end, e.size);
  e.Write(node->data() + gap);
  ++node->count;
  ++size_;
}

void ListValue::Pop(ListEnd end, std::string* value) {
  Node* node = end == ListEnd::kHead ? head_ : tail_;
  const unsigned char* d = node->data();
  uint32_t size;
  if (end == ListEnd::kHead) {
    size = EntrySize(d + node->begin);
    char scratch[kMaxInt64Chars];
    value->assign(Spell(Decode(d + node->begin), scratch));
    node->begin += size;
  } else {
    size = EntrySizeBefore(d + node->end);
    char scratch[kMaxInt64Chars];
    value->assign(Spell(Decode(d + node->end - size), scratch));
    node->end -= size;
  }
  --node->count;
  --size_;
  if (node->count == 0) {
    FreeNode(node);
  } else {
    MaybeShrink(node);
  }
}

void ListValue::Erase(ListEnd end, size_t n) {
  if (n == 0) return;
  size_ -= n;
  const bool head = end == ListEnd::kHead;
  Node* node = head ? head_ : tail_;
  while (n >= node->count) {
    n -= node->count;
    Node* inner = head ? node->next : node->prev;
    FreeNode(node);
    if (n == 0) return;
    node = inner;
  }
  const unsigned char* d = node->data();
  for (size_t k = 0; k < n; ++k) {
    if (head) {
      node->begin += EntrySize(d + node->begin);
    } else {
      node->end -= EntrySizeBefore(d + node->end);
    }
  }
  node->count -= static_cast<uint32_t>(n);
  Tidy(node, Opposite(end));
}

void ListValue::Set(size_t index, std::string_view value) {
  const ListpackEntry e(value);
  Position pos = Locate(index);
  Node* node = pos.node;
  const uint32_t old_size = EntrySize(node->data() + pos.offset);
  if (e.size == old_size) {
    e.Write(node->data() + pos.offset);
    return;
  }
  if (e.size < old_size) {
    // Write over the old element's front, then drop its remaining tail bytes.
    e.Write(node->data() + pos.offset);
    CloseGap(node, pos.offset + e.size, old_size - e.size);
    MaybeShrink(node);
    return;
  }
  if (node->used() + (e.size - old_size) <= MaxNodeData()) {
    // Grow the element in place: open the difference just after it, then write over both.
    const uint32_t gap = OpenGap(&node, pos.offset + old_size, e.size - old_size);
    e.Write(node->data() + gap - old_size);
    return;
  }
  // No room in this node: remove the old element and insert the new one where it was, which may
  // split the node or use a neighbour.
  const uint32_t at = CloseGap(node, pos.offset, old_size);
  --node->count;
  --size_;
  InsertAt(node, at, pos.index, e);
}

bool ListValue::InsertAtPivot(const ListNeedle& pivot, bool after, std::string_view value) {
  for (Node* node = head_; node != nullptr; node = node->next) {
    const unsigned char* d = node->data();
    uint32_t offset = node->begin;
    for (uint32_t i = 0; i < node->count; ++i) {
      const uint32_t size = EntrySize(d + offset);
      if (DecodedMatches(d + offset, pivot.is_int_, pivot.int_value_, pivot.text_)) {
        const ListpackEntry e(value);
        InsertAt(node, after ? offset + size : offset, after ? i + 1 : i, e);
        return true;
      }
      offset += size;
    }
  }
  return false;
}

size_t ListValue::RemoveInNode(Node* node, const ListNeedle& needle, ListEnd from, size_t limit) {
  // One compacting pass: kept elements slide over removed ones, towards the end the pass starts
  // from, and the untouched rest moves once when the limit is reached.
  unsigned char* d = node->data();
  size_t removed = 0;
  if (from == ListEnd::kHead) {
    uint32_t read = node->begin;
    uint32_t write = node->begin;
    while (read < node->end && removed < limit) {
      const uint32_t size = EntrySize(d + read);
      if (DecodedMatches(d + read, needle.is_int_, needle.int_value_, needle.text_)) {
        ++removed;
      } else {
        if (write != read) std::memmove(d + write, d + read, size);
        write += size;
      }
      read += size;
    }
    if (write != read) std::memmove(d + write, d + read, node->end - read);
    node->end -= read - write;
  } else {
    uint32_t read = node->end;
    uint32_t write = node->end;
    while (read > node->begin && removed < limit) {
      const uint32_t size = EntrySizeBefore(d + read);
      read -= size;
      if (DecodedMatches(d + read, needle.is_int_, needle.int_value_, needle.text_)) {
        ++removed;
      } else {
        write -= size;
        if (write != read) std::memmove(d + write, d + read, size);
      }
    }
    if (write != read) std::memmove(d + write - (read - node->begin), d + node->begin, read - node->begin);
    node->begin += write - read;
  }
  node->count -= static_cast<uint32_t>(removed);
  return removed;
}

size_t ListValue::Remove(const ListNeedle& needle, ListEnd from, size_t limit) {
  if (limit == 0) limit = SIZE_MAX;
  size_t removed = 0;
  const bool head = from == ListEnd::kHead;
  Node* node = head ? head_ : tail_;
  while (node != nullptr && removed < limit) {
    // Tidy may merge `node` into the neighbour already visited, never into the next one.
    Node* following = head ? node->next : node->prev;
    const size_t r = RemoveInNode(node, needle, from, limit - removed);
    if (r > 0) {
      removed += r;
      size_ -= r;
      Tidy(node, from);
    }
    node = following;
  }
  return removed;
}

ListValue::Iterator ListValue::At(size_t index) const {
  const Position pos = Locate(index);
  return Iterator(pos.node, pos.offset);
}

void ListValue::ForEachNode(FunctionRef<void(uint32_t count, std::string_view entries)> visit) const {
  for (const Node* n = head_; n != nullptr; n = n->next) {
    visit(n->count, std::string_view(reinterpret_cast<const char*>(n->data() + n->begin), n->used()));
  }
}

std::vector<size_t> ListValue::NodeCounts() const {
  std::vector<size_t> counts;
  for (const Node* n = head_; n != nullptr; n = n->next) counts.push_back(n->count);
  return counts;
}

bool ListValue::CheckInvariants() const {
  size_t elements = 0;
  size_t bytes = 0;
  const Node* prev = nullptr;
  for (const Node* n = head_; n != nullptr; prev = n, n = n->next) {
    if (n->prev != prev || n->count == 0) return false;
    if (n->begin > n->end || n->end > n->capacity) return false;
    // A node that held an oversized element may keep a large allocation; what it holds is capped.
    if (n->count > 1 &&
        (n->used() > MaxNodeData() || (fill_ >= 0 && n->count > static_cast<uint32_t>(fill_)))) {
      return false;
    }
    uint32_t offset = n->begin;
    for (uint32_t i = 0; i < n->count; ++i) {
      if (offset >= n->end) return false;
      const uint32_t size = EntrySize(n->data() + offset);
      offset += size;
      if (offset > n->end || EntrySizeBefore(n->data() + offset) != size) return false;
    }
    if (offset != n->end) return false;
    elements += n->count;
    bytes += n->alloc();
  }
  return prev == tail_ && elements == size_ && bytes == bytes_;
}

}  // namespace strata::store
