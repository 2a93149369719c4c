// A key and its value in one allocation: the unit the keyspace stores.
//
// Layout (little-endian, packed, no padding beyond the header):
//   [0, 8)   header: type and encoding, flags, eviction class bits, the access field (LRU clock or
//            LFU counter)
//   [8, 16)  the expiry deadline in Unix milliseconds, present only when the key has one
//   varint   key length, then the key bytes
//   value    a short string: varint length, then its bytes (inline)
//            a long string:  a pointer to a HeapString (growable, APPEND and SETRANGE write in place)
//            other types:    a pointer to an ObjectValue
// A key with a 16-byte value and an 11-byte name takes 37 bytes, one 48-byte allocator class:
// there is no per-key object beyond this one allocation.
//
// An Entry is immutable in shape: operations that change the key, the expiry or the size of an
// inline value build a new Entry and free the old one; the keyspace then stores the new pointer.
// Entries are owned by the keyspace table that holds them; all access happens under the lock of
// the entry's stripe.
#ifndef STRATA_STORE_ENTRY_H_
#define STRATA_STORE_ENTRY_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/value_types.h"

namespace strata::store {

// Marks "no expiry" wherever a deadline is passed.
inline constexpr int64_t kNoExpire = -1;

// Strings longer than this live in their own allocation so they can grow in place.
inline constexpr size_t kMaxInlineString = 64;

class Entry {
 public:
  Entry() = delete;
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

  // Builds a string entry. `encoding` is kInt, kEmbStr or kRaw (see ChooseStringEncoding).
  // `expire_ms` is a Unix-ms deadline or kNoExpire. The caller owns the result until it hands it
  // to the keyspace.
  static Entry* NewString(std::string_view key, std::string_view value, Encoding encoding, int64_t expire_ms);

  // Builds an entry holding `object` (ownership passes to the entry).
  static Entry* NewObject(std::string_view key, ValueType type, Encoding encoding, ObjectValue* object,
                          int64_t expire_ms);

  // Frees the entry and its value. Accepts nullptr.
  static void Destroy(Entry* entry);

  // Returns an entry for key `key` with deadline `expire_ms` that has the value and the access
  // field of `source`. When the key stays and only the deadline's value changes, that is `source`
  // itself, updated in place; otherwise it is a new entry and `source` is freed. (RENAME, MOVE,
  // setting or clearing a TTL.)
  static Entry* MoveTo(Entry* source, std::string_view key, int64_t expire_ms);

  // Builds an entry for key `key` with deadline `expire_ms` holding a deep copy of the value of
  // `source`, which is left as it is. (COPY.)
  static Entry* CopyTo(const Entry* source, std::string_view key, int64_t expire_ms);

  // Replaces the string value: returns the entry to store (possibly `entry` itself, possibly a
  // new one, in which case `entry` was freed). The key, expiry and access field are kept. A value
  // of the old value's length, or one that fits a long string's capacity, is written in place.
  // REQUIRES: type() == kString.
  static Entry* SetString(Entry* entry, std::string_view value, Encoding encoding);

  // Resizes the string value to `size` bytes, keeping its first min(old, size) bytes and zeroing
  // any new ones, and sets `encoding`. Returns the entry to store (see SetString) and points *data
  // at the writable bytes, valid until the entry next changes. Long strings grow geometrically,
  // so repeated APPENDs are amortized O(1) per byte.
  // REQUIRES: type() == kString, size <= kMaxStringLen.
  static Entry* ResizeString(Entry* entry, size_t size, Encoding encoding, char** data);

  ValueType type() const { return static_cast<ValueType>(type_encoding_ & 0x0f); }
  Encoding encoding() const { return static_cast<Encoding>(type_encoding_ >> 4); }
  // Changes the reported encoding only (collections converting between representations).
  void set_encoding(Encoding encoding) {
    type_encoding_ = static_cast<uint8_t>((type_encoding_ & 0x0f) | (static_cast<uint8_t>(encoding) << 4));
  }

  bool has_expire() const { return (flags_ & kHasExpire) != 0; }
  // The deadline, or kNoExpire.
  int64_t expire_ms() const;

  std::string_view key() const;

  // The string value. REQUIRES: type() == kString.
  std::string_view string_value() const;

  // The object value. REQUIRES: type() != kString.
  ObjectValue* object() const;
  // Replaces the object value, destroying the old one. REQUIRES: type() != kString.
  void ResetObject(ObjectValue* object);

  // The access field: an LRU clock reading or an LFU counter, as the eviction policy decides.
  uint32_t access() const { return access_; }
  void set_access(uint32_t access) { access_ = access; }
  // The eviction class bits beside it (the LRU policies' small/main class and hit counter,
  // store/access_policy.h); every builder that keeps the access field keeps them too.
  uint16_t meta() const { return meta_; }
  void set_meta(uint16_t meta) { meta_ = meta; }

  // Bytes of memory this key uses, allocations rounded up to the allocator's classes.
  size_t MemoryUsage() const;

 private:
  enum Flags : uint8_t {
    kHasExpire = 1,
    kHeapString = 2,  // a string value held in a HeapString
  };

  static Entry* Allocate(std::string_view key, int64_t expire_ms, size_t value_part, uint8_t type_encoding,
                         uint8_t flags, uint32_t access, unsigned char** value_at);
  // Bytes counted for this entry in StripeEntryBytes (store/stripe_bytes.h): its allocation and
  // its HeapString, if any, as allocated (not rounded to the allocator's classes).
  size_t OwnBytes() const;
  // Adds (sign 1) or takes back (sign -1) OwnBytes() in the count of the key's stripe. Every
  // builder that returns a new entry adds; whatever frees one takes back first.
  void Charge(int sign) const;
  void CopyUsage(const Entry* from) {
    access_ = from->access_;
    meta_ = from->meta_;
  }
  size_t KeyOffset() const { return has_expire() ? 16 : 8; }
  const unsigned char* ValuePart() const;
  unsigned char* ValuePart() { return const_cast<unsigned char*>(static_cast<const Entry*>(this)->ValuePart()); }
  void* StoredPointer() const;

  uint8_t type_encoding_;  // low nibble: ValueType, high nibble: Encoding
  uint8_t flags_;
  uint16_t meta_;  // the eviction class bits (store/access_policy.h), copied along with access_
  uint32_t access_;
};

static_assert(sizeof(Entry) == 8, "the entry header is 8 bytes");

// The encoding Redis gives a string written by SET and friends: "int" when it reads back as the
// same 64-bit integer, "embstr" up to 44 bytes, otherwise "raw".
Encoding ChooseStringEncoding(std::string_view value);

}  // namespace strata::store

#endif  // STRATA_STORE_ENTRY_H_
