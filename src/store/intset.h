// A sorted array of distinct 64-bit integers in one allocation: the "intset" representation of a
// set whose members are all integers.
//
// Elements are stored 2, 4 or 8 bytes wide, the narrowest width that holds every element, so a
// set of small integers costs 2 bytes per member. Adding a value that needs a wider width
// rewrites the array at the new width; removals never narrow it. The array is reallocated to its
// exact size on every change (an intset stays small: set-max-intset-entries), so it carries no
// spare capacity.
//
// Not thread-safe; the owning set's stripe lock guards every call.
#ifndef STRATA_STORE_INTSET_H_
#define STRATA_STORE_INTSET_H_

#include <cstddef>
#include <cstdint>

namespace strata::store {

class IntSet {
 public:
  IntSet() = default;
  ~IntSet();
  IntSet(const IntSet&) = delete;
  IntSet& operator=(const IntSet&) = delete;

  // A deep copy of `other`.
  void CopyFrom(const IntSet& other);
  // Frees the array: the set becomes empty.
  void Clear();

  size_t size() const;

  // Adds `value`. Returns false (and changes nothing) when it is already present.
  // O(size) for the shift; O(log size) to find the place.
  bool Insert(int64_t value);

  // Removes `value`. Returns false when it is absent.
  bool Erase(int64_t value);

  bool Contains(int64_t value) const;

  // The element of rank `index` in ascending order. REQUIRES: index < size().
  int64_t At(size_t index) const;

  // Removes the element of rank `index`. REQUIRES: index < size().
  void EraseAt(size_t index);

  // Bytes allocated for the array (as the allocator rounds them), 0 when empty.
  size_t MemoryUsage() const;

  // Bytes per element: 2, 4 or 8 (2 when empty), the same choice as Redis's intset encoding.
  uint32_t width() const { return blob_ == nullptr ? 2 : header()->width; }
  // The elements, size() * width() bytes in ascending order, each in host byte order (little-
  // endian on every machine Strata runs on, as a Redis intset stores them); nullptr when empty.
  // For snapshots, which copy them as they are. Valid until the set changes.
  const unsigned char* elements() const { return blob_ == nullptr ? nullptr : data(); }

 private:
  struct Header {
    uint32_t size;
    uint32_t width;  // bytes per element: 2, 4 or 8
  };

  Header* header() const { return reinterpret_cast<Header*>(blob_); }
  unsigned char* data() const { return blob_ + sizeof(Header); }
  // Reads or writes element `index` at the current width.
  int64_t Get(size_t index) const;
  void Put(size_t index, int64_t value);
  // Binary search: sets *index to the rank of `value`, or to where it would be inserted.
  bool Search(int64_t value, size_t* index) const;
  // Reallocates the array for `size` elements of `width` bytes, keeping the leading bytes.
  void Resize(uint32_t size, uint32_t width);
  // Rewrites the array at a wider `width` and adds `value`, which is beyond every element.
  void UpgradeAndAdd(int64_t value, uint32_t width);

  unsigned char* blob_ = nullptr;  // Header, then size * width bytes; nullptr when empty
};

}  // namespace strata::store

#endif  // STRATA_STORE_INTSET_H_
