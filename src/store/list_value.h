// The list value: a doubly linked chain of compact nodes, each a small header and one allocation
// holding many encoded elements back to back (the idea of Redis's quicklist; the elements are
// encoded exactly as in a Redis listpack, so a node is a listpack's body and snapshots copy it as
// it is).
//
// Why this shape: a list of a million short elements must not cost a million heap objects. Each
// element costs its bytes plus two (a header byte and a trailer byte that lets a node be walked
// backwards); canonical integers ("42", "-7") are stored in 1 to 9 bytes. Elements sit in the range
// [begin, end) of a node's data area with free space on either side, so pushing or popping at an
// end of a node moves nothing else, and a removal in the middle moves only the shorter side.
// Index operations walk whole nodes by their element counts from the nearer end of the list.
//
// Node size follows list-max-listpack-size ("fill"), fixed when the list is created, as Redis
// fixes it: a negative fill -1..-5 caps a node's size as a Redis listpack at 4, 8, 16, 32 or
// 64 KiB (below -5 counts as -5); a positive fill caps a node at that many elements and at 8 KiB;
// 0 puts one element in each node. An element too large for the cap gets a node of its own.
// Pushes use Redis 7.0's admission test (the node's listpack bytes plus the element's length plus
// 8 within the cap), so lists built by pushes split into the same nodes as Redis's.
// Nodes split when an insertion in the middle finds them full, and neighbours merge when removals
// leave them together at most three quarters full; a node left mostly empty is reallocated smaller.
//
// Not thread-safe: the caller holds the stripe lock of the key that owns the list.
#ifndef STRATA_STORE_LIST_VALUE_H_
#define STRATA_STORE_LIST_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/function_ref.h"
#include "common/numbers.h"
#include "store/listpack_entry.h"
#include "store/value_types.h"

namespace strata::store {

// An end of a list: the head is Redis's LEFT, the tail its RIGHT.
enum class ListEnd : uint8_t { kHead, kTail };

// The other end.
inline ListEnd Opposite(ListEnd end) { return end == ListEnd::kHead ? ListEnd::kTail : ListEnd::kHead; }

// A value to compare list elements with (LREM's element, LINSERT's pivot, LPOS's element),
// classified once so that each comparison is a cheap integer or byte comparison.
// Holds a view of `value`, which must outlive it.
class ListNeedle {
 public:
  explicit ListNeedle(std::string_view value);

 private:
  friend class ListValue;

  std::string_view text_;
  int64_t int_value_ = 0;
  bool is_int_ = false;
};

class ListValue final : public ObjectValue {
 public:
  class Iterator;

  // An empty list whose nodes follow `fill` (list-max-listpack-size).
  explicit ListValue(int64_t fill);
  ~ListValue() override;
  ListValue(const ListValue&) = delete;
  ListValue& operator=(const ListValue&) = delete;

  // A deep copy with compacted nodes and the same fill, owned by the caller.
  ObjectValue* Clone() const override;
  // The list object plus every node allocation, rounded to the allocator's size classes.
  size_t MemoryUsage() const override;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Adds `value` at `end`. REQUIRES: value.size() < 4 GiB.
  void Push(ListEnd end, std::string_view value);

  // Removes the element at `end` and stores it in *value. REQUIRES: !empty().
  void Pop(ListEnd end, std::string* value);

  // Removes `n` elements at `end` (LTRIM). REQUIRES: n <= size().
  void Erase(ListEnd end, size_t n);

  // Replaces the element at `index` (0 is the head). REQUIRES: index < size().
  void Set(size_t index, std::string_view value);

  // Inserts `value` before (or, with `after`, after) the first element equal to `pivot`, searching
  // from the head. Returns false, changing nothing, when no element equals `pivot`.
  bool InsertAtPivot(const ListNeedle& pivot, bool after, std::string_view value);

  // Removes up to `limit` elements equal to `needle`, the ones nearest to `from` first; limit 0
  // removes them all (LREM). Returns how many were removed.
  size_t Remove(const ListNeedle& needle, ListEnd from, size_t limit);

  // An iterator at element `index`. REQUIRES: index < size(). Valid until the list changes.
  Iterator At(size_t index) const;

  // Visits the nodes from head to tail: each one's element count and its elements' bytes, which
  // are the entries of a Redis listpack (store/listpack_entry.h), so a snapshot writes them as
  // they are. The view is valid during the call; `visit` must not change the list.
  void ForEachNode(FunctionRef<void(uint32_t count, std::string_view entries)> visit) const;

  // Element counts of the nodes from head to tail, for tests and diagnostics.
  std::vector<size_t> NodeCounts() const;

  // Whether every internal invariant holds (links, counts, encodings, byte totals, node limits).
  // Walks the whole list; for tests.
  bool CheckInvariants() const;

 private:
  struct Node;
  // Where free space goes when a node's contents are laid out again.
  enum class Slack : uint8_t { kFront, kBack, kBoth };
  // An element's place: its node, its byte offset in the node's data, its index in the node.
  struct Position {
    Node* node;
    uint32_t offset;
    uint32_t index;
  };

  // The most element bytes a node may hold while it holds more than one element: those of a
  // Redis listpack at the fill's cap.
  size_t MaxNodeData() const;
  // Whether `node` may take one more element whose unencoded value is `value_length` bytes long.
  bool Allows(const Node* node, size_t value_length) const;
  // Whether neighbours `a` and `b` are small enough to become one node.
  bool MayMerge(const Node* a, const Node* b) const;
  // How free space should be laid out in `node` for an insertion at data offset `at`.
  Slack SlackFor(const Node* node, uint32_t at) const;

  // A new unlinked empty node whose data area holds at least `data_bytes`.
  Node* NewNode(size_t data_bytes, Slack slack);
  void LinkAfter(Node* pos, Node* node);   // pos nullptr: at the head
  void LinkBefore(Node* pos, Node* node);  // pos nullptr: at the tail
  // Unlinks and frees `node`.
  void FreeNode(Node* node);
  // Moves `node`'s elements into a new data area of `capacity` bytes, opening `gap` bytes at data
  // offset `at`. Returns the node.
  Node* Relocate(Node* node, uint32_t at, uint32_t gap, size_t capacity, Slack slack);
  // Opens `len` free bytes at data offset `at` of *node (an element boundary), moving the shorter
  // side or reallocating (*node may change). Returns the offset of the gap.
  uint32_t OpenGap(Node** node, uint32_t at, uint32_t len);
  // Removes the `len` bytes at `at` from `node`, moving the shorter side. Returns the offset where
  // the bytes after the removed ones now start.
  uint32_t CloseGap(Node* node, uint32_t at, uint32_t len);
  // Reallocates `node` smaller when it uses under a quarter of its data area. Returns the node.
  Node* MaybeShrink(Node* node);
  // After elements were removed from `node`: frees it if empty, shrinks it if sparse, and merges
  // it with its neighbour on side `side` if both fit in one.
  void Tidy(Node* node, ListEnd side);
  // Appends the contents of a->next to `a` and frees a->next.
  void MergeWithNext(Node* a);
  // Moves the elements of `node` from data offset `at` (element `index` of the node) on into a
  // new node linked after it. Returns the new node.
  Node* Split(Node* node, uint32_t at, uint32_t index);
  // Inserts `e` at data offset `at` of `node`, where `index` elements of the node precede it,
  // splitting or spilling into a neighbour when the node is full.
  void InsertAt(Node* node, uint32_t at, uint32_t index, const ListpackEntry& e);
  // Removes up to `limit` elements equal to `needle` from `node`, nearest to `from` first.
  size_t RemoveInNode(Node* node, const ListNeedle& needle, ListEnd from, size_t limit);
  // Where element `index` is. REQUIRES: index < size_.
  Position Locate(size_t index) const;

  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  size_t size_ = 0;   // elements
  size_t bytes_ = 0;  // bytes of all node allocations
  int32_t fill_;
};

// Walks a list in either direction. Valid until the list changes.
class ListValue::Iterator {
 public:
  // Whether it points at an element (false once moved past either end).
  bool Valid() const { return node_ != nullptr; }
  // Moves towards the tail. REQUIRES: Valid().
  void Next();
  // Moves towards the head. REQUIRES: Valid().
  void Prev();
  // The element, valid until the iterator moves. REQUIRES: Valid().
  std::string_view value();
  // Whether the element equals `needle`. REQUIRES: Valid().
  bool Matches(const ListNeedle& needle) const;

 private:
  friend class ListValue;
  Iterator(const Node* node, uint32_t offset) : node_(node), offset_(offset) {}

  const Node* node_;
  uint32_t offset_;
  char scratch_[kMaxInt64Chars];  // an integer element spelled out
};

}  // namespace strata::store

#endif  // STRATA_STORE_LIST_VALUE_H_
