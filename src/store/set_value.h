// The value of a set key, in the two representations Redis 7.0 reports:
//   "intset"    while every member is an integer (as Redis's string2ll reads it) and there are
//               at most set-max-intset-entries of them: a sorted array of 2/4/8-byte integers;
//   "hashtable" from the first non-integer member, or from the add that takes the count past
//               the limit: a compact open-addressing table (see MemberTable).
// As in Redis the conversion is one way: a hashtable stays one however it shrinks.
//
// Not thread-safe; the owning key's stripe lock guards every call.
#ifndef STRATA_STORE_SET_VALUE_H_
#define STRATA_STORE_SET_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/function_ref.h"
#include "common/numbers.h"
#include "store/intset.h"
#include "store/member_table.h"
#include "store/value_types.h"

namespace strata::store {

// Room to spell an intset member (a 64-bit integer) for the views the set hands out.
struct MemberBuffer {
  char bytes[kMaxInt64Chars];
};

class SetValue final : public ObjectValue {
 public:
  // An empty set, as an intset: the first non-integer member makes it a hashtable. (Redis
  // creates a set for its first member's kind; adding that member here ends the same way.)
  SetValue() = default;
  ~SetValue() override = default;

  Encoding encoding() const { return hashtable_ ? Encoding::kHashtable : Encoding::kIntset; }
  size_t size() const { return hashtable_ ? table_.size() : ints_.size(); }
  bool empty() const { return size() == 0; }

  // The members of an intset-encoded set, for snapshots. REQUIRES: encoding() == kIntset.
  const IntSet& intset() const { return ints_; }

  // Adds `member`; returns false when it was already present. An intset converts to a hashtable
  // when `member` is not an integer, or when the add takes it past `max_intset_entries`
  // (set-max-intset-entries).
  bool Add(std::string_view member, int64_t max_intset_entries);

  // Removes `member`; returns false when it was absent.
  bool Remove(std::string_view member);

  bool Contains(std::string_view member) const;

  // Visits every member: ascending for an intset, table order for a hashtable. Each view is
  // valid during its call only. `visit` must not change the set.
  void ForEach(FunctionRef<void(std::string_view)> visit) const;

  // --- Random access. A position names one member until the set next changes. ---

  // A uniformly random member's position, in O(1) expected time. REQUIRES: !empty().
  size_t RandomPosition() const;
  // Every position lies below PositionLimit(); HasMemberAt tells which of those name a member.
  size_t PositionLimit() const { return hashtable_ ? table_.capacity() : ints_.size(); }
  bool HasMemberAt(size_t position) const { return hashtable_ ? table_.Occupied(position) : position < ints_.size(); }
  // The member at `position`, spelled into `buffer` if the set is an intset. The view is valid
  // until the set changes or `buffer` goes. REQUIRES: HasMemberAt(position).
  std::string_view MemberAt(size_t position, MemberBuffer* buffer) const;
  // Removes the member at `position`. REQUIRES: HasMemberAt(position).
  void RemoveAt(size_t position);
  // Appends the positions of `k` distinct members chosen uniformly at random, in random order.
  // O(k) expected time when k is a small part of the set, O(size) otherwise.
  // REQUIRES: k <= size().
  void RandomDistinctPositions(size_t k, std::vector<size_t>* positions) const;

  // One SSCAN step from `cursor`, visiting about `count` members; returns the next cursor, 0
  // when done. An intset is visited whole in one step (cursor 0), as Redis does; a hashtable
  // visits every member present throughout the scan exactly once, even as it grows or shrinks.
  uint64_t Scan(uint64_t cursor, size_t count, FunctionRef<void(std::string_view)> visit) const;

  ObjectValue* Clone() const override;
  // The value's size, plus its array or table and its long members as the allocator rounds them.
  size_t MemoryUsage() const override;

 private:
  // Moves every intset member into the table.
  void ConvertToHashtable();

  IntSet ints_;        // the members while an intset
  MemberTable table_;  // the members once a hashtable
  bool hashtable_ = false;
};

}  // namespace strata::store

#endif  // STRATA_STORE_SET_VALUE_H_
