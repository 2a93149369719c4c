// The sorted set value: members with double scores, ordered by (score, member bytes).
//
// Two representations, as Redis has, reported by OBJECT ENCODING:
//   compact ("listpack"): one buffer of [varint length][member bytes][8-byte score] entries in
//     order. Every operation is a linear walk; used while the set is small (the
//     zset-max-listpack-* limits, which the operations layer applies).
//   large ("skiplist"): one heap record per member {score, hash, length, bytes}, indexed twice:
//     an order-statistic B+-tree whose leaves hold record pointers (and whose inner nodes keep
//     subtree counts), for O(log n) insert, erase, rank and positioning by score/lex/rank; and an
//     open-addressing hash table of record pointers with one tag byte per slot, for O(1)
//     member -> score lookups. About half of what Redis's dict + skiplist spend per member.
//
// Like every ObjectValue, a ZSetValue is owned by its entry and used under the entry's stripe
// lock; it is not thread-safe by itself.
#ifndef STRATA_STORE_ZSET_VALUE_H_
#define STRATA_STORE_ZSET_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/function_ref.h"
#include "store/value_types.h"

namespace strata::store {

// Visits one element; returns false to stop the walk.
using ZSetVisitor = FunctionRef<bool(std::string_view member, double score)>;
// Visits one element of a scan.
using ZSetScanVisitor = FunctionRef<void(std::string_view member, double score)>;

class ZSetValue final : public ObjectValue {
 public:
  // An empty set in the compact form.
  ZSetValue() = default;
  ~ZSetValue() override;
  ZSetValue(const ZSetValue&) = delete;
  ZSetValue& operator=(const ZSetValue&) = delete;

  bool compact() const { return large_ == nullptr; }
  size_t size() const;

  // Sets *score to member's score and returns true, or returns false if it is absent.
  bool Score(std::string_view member, double* score) const;

  // Adds `member` with `score`. REQUIRES: member absent, score not NaN. The compact form stores
  // -0 as 0, as Redis's listpack does; the large form keeps -0.
  void Insert(std::string_view member, double score);

  // Changes the score of `member`. REQUIRES: member present, score not NaN.
  void UpdateScore(std::string_view member, double score);

  // Removes `member`; returns whether it was there.
  bool Erase(std::string_view member);

  // Sets *rank to member's 0-based position in ascending order and returns true, or returns
  // false if it is absent.
  bool Rank(std::string_view member, size_t* rank) const;

  // Number of elements whose score is below `score` (with `inclusive`, at most `score`).
  // REQUIRES: score not NaN.
  size_t CountScoreBelow(double score, bool inclusive) const;

  // Number of elements whose member sorts before `member` (with `inclusive`, at or before it),
  // walking the order as if every score were equal (the ZRANGEBYLEX contract).
  size_t CountLexBelow(std::string_view member, bool inclusive) const;

  // Visits the elements at ranks [start, end) in ascending order, or in descending order (end-1
  // first) with `reverse`, until `visit` returns false. Views are valid during the call only.
  // REQUIRES: start <= end <= size(); `visit` must not change the set.
  void Visit(size_t start, size_t end, bool reverse, ZSetVisitor visit) const;

  // Removes the elements at ranks [start, end). REQUIRES: start <= end <= size().
  void EraseRange(size_t start, size_t end);

  // Switches a compact set to the large form. REQUIRES: compact().
  void ConvertToLarge();

  // One ZSCAN step: visits some elements and returns the cursor to pass next, 0 once every
  // element has been visited. The compact form visits everything at once. The large form walks
  // the 32-bit member-hash space, so an element present for the whole scan is visited exactly
  // once however the table resizes between steps; `count` is a hint.
  uint64_t Scan(uint64_t cursor, size_t count, ZSetScanVisitor visit) const;

  ObjectValue* Clone() const override;
  size_t MemoryUsage() const override;

 private:
  class Large;

  // Compact form: `packed_` holds `packed_count_` entries in `packed_bytes_` bytes (malloc'd).
  unsigned char* packed_ = nullptr;
  size_t packed_bytes_ = 0;
  size_t packed_count_ = 0;
  // Large form, or nullptr while compact.
  Large* large_ = nullptr;
};

}  // namespace strata::store

#endif  // STRATA_STORE_ZSET_VALUE_H_
