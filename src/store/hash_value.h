// The value of a hash key: field/value pairs in one of two representations, as Redis keeps them.
//
// The compact form ("listpack" to OBJECT ENCODING) is one allocation: a 16-byte header followed
// by the pairs in insertion order, each field stored as the prefix it shares with the previous
// field plus the rest, lengths packed in nibbles. Ten fields "field0".."field9" with 8-byte values
// take 131 bytes, one 160-byte allocator class (Redis's listpack: 187 bytes, plus its object and
// dict entry). Lookups walk it, which beats hashing for the few short fields the thresholds allow.
//
// The table form ("hashtable") holds each pair in one allocation ([lengths][field][value]),
// behind an open-addressed table of 8-byte slots (linear probing, no tombstones). A slot
// packs the pair's pointer with 16 bits of the field's hash, so probes rarely touch a pair that
// does not match. A field's home slot is the top bits of its hash, a monotone function of the
// hash, so a range of hashes maps to a run of slots: HSCAN walks hash ranges and stays exact
// while the table grows or shrinks between calls.
//
// A hash leaves the compact form when it would hold more than `max_entries` fields or a field or
// value longer than `max_value` bytes (hash-max-listpack-entries / -value); it never goes back.
//
// Not thread-safe: the lock of the owning key's stripe guards every call. A value returned by Get
// stays valid until the next mutation; the views a visitor receives only during its call (the
// compact form rebuilds each field in a scratch buffer).
#ifndef STRATA_STORE_HASH_VALUE_H_
#define STRATA_STORE_HASH_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>

#include "common/function_ref.h"
#include "store/encoding_limits.h"
#include "store/value_types.h"

namespace strata::store {

// The random source for HRANDFIELD. Callers own it (one per thread; tests seed their own).
using HashRng = std::mt19937_64;

// The thresholds for leaving the compact form, read once per operation.
struct HashLimits {
  size_t max_entries = 128;  // hash-max-listpack-entries
  size_t max_value = 64;     // hash-max-listpack-value

  static HashLimits From(const EncodingLimits& limits);
  // Whether a field or value of this length may stay in the compact form.
  bool FitsCompact(std::string_view s) const { return s.size() <= max_value; }
};

class HashValue : public ObjectValue {
 public:
  using PairVisitor = FunctionRef<void(std::string_view field, std::string_view value)>;

  // A new, empty hash in the compact form. The caller owns it.
  static HashValue* NewCompact();

  // kListpack or kHashtable.
  virtual Encoding encoding() const = 0;
  // Number of fields.
  virtual size_t size() const = 0;

  // The value of `field`; false when absent.
  virtual bool Get(std::string_view field, std::string_view* value) const = 0;

  // Mutators return the hash to keep: `this`, or a replacement (a larger or smaller compact
  // hash, or the table form). On a replacement `this` is left as it was; the caller puts the
  // replacement in the entry with Entry::ResetObject (which destroys `this`) and records its
  // encoding().

  // Sets `field` to `value`, adding the field if absent (then *added is true). Converts to the
  // table form first when the field would exceed the limits.
  // REQUIRES: `field` and `value` do not point into this hash.
  [[nodiscard]] virtual HashValue* Set(std::string_view field, std::string_view value, const HashLimits& limits,
                                       bool* added) = 0;
  // Removes `field`; *deleted tells whether it was there. Never changes the form.
  [[nodiscard]] virtual HashValue* Delete(std::string_view field, bool* deleted) = 0;
  // The table form of this hash (`this` if already a table).
  [[nodiscard]] virtual HashValue* ToTable() = 0;

  // Visits every pair: insertion order in the compact form, slot order in the table form.
  virtual void ForEach(PairVisitor visit) const = 0;

  // Visits `count` pairs drawn independently and uniformly (repeats allowed), in drawing order.
  // REQUIRES: size() > 0.
  virtual void SampleWithRepeats(size_t count, HashRng& rng, PairVisitor visit) const = 0;
  // Visits `count` distinct pairs, every subset of that size equally likely.
  // REQUIRES: count <= size().
  virtual void SampleDistinct(size_t count, HashRng& rng, PairVisitor visit) const = 0;

  // One HSCAN step from `cursor`: visits about `count` pairs and returns the cursor to continue
  // from, 0 once the scan is complete. The compact form visits everything and returns 0 (as
  // Redis does for listpacks, whatever the cursor). In the table form a cursor is a position in
  // hash space: a scan started at 0 and continued with each returned cursor visits every field
  // present for its whole duration exactly once, however the table resizes between steps.
  virtual uint64_t Scan(uint64_t cursor, size_t count, PairVisitor visit) const = 0;

 protected:
  HashValue() = default;
};

}  // namespace strata::store

#endif  // STRATA_STORE_HASH_VALUE_H_
