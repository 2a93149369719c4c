#include "store/entry.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "common/numbers.h"
#include "store/stripe_bytes.h"
#include "store/varint.h"

namespace strata::store {
namespace {

// The deadline, when there is one, follows the 8-byte header.
constexpr size_t kExpireOffset = 8;

// A long string value, in its own allocation so that APPEND and SETRANGE can grow it in place.
struct HeapString {
  size_t size;
  size_t capacity;
  char* bytes() { return reinterpret_cast<char*>(this + 1); }
};

void* CheckedMalloc(size_t n) {
  void* p = std::malloc(n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

HeapString* NewHeapString(size_t capacity) {
  auto* hs = static_cast<HeapString*>(CheckedMalloc(sizeof(HeapString) + capacity));
  hs->size = 0;
  hs->capacity = capacity;
  return hs;
}

// Capacity to reserve for a string growing to `size`: doubling below 1 MiB, then 1 MiB steps,
// so a string built by many small appends costs amortized O(1) copies per byte.
size_t GrowCapacity(size_t size) {
  constexpr size_t kStep = 1024 * 1024;
  return size < kStep ? size * 2 : size + kStep;
}

size_t InlineStringPart(size_t len) { return VarintLength(len) + len; }

}  // namespace

Encoding ChooseStringEncoding(std::string_view value) {
  if (LooksLikeInt64(value)) return Encoding::kInt;
  return value.size() <= kEmbStrMaxLen ? Encoding::kEmbStr : Encoding::kRaw;
}

Entry* Entry::Allocate(std::string_view key, int64_t expire_ms, size_t value_part, uint8_t type_encoding,
                       uint8_t flags, uint32_t access, unsigned char** value_at) {
  const bool expires = expire_ms != kNoExpire;
  const size_t header = expires ? 16 : 8;
  const size_t total = header + VarintLength(key.size()) + key.size() + value_part;
  auto* raw = static_cast<unsigned char*>(CheckedMalloc(total));
  auto* entry = reinterpret_cast<Entry*>(raw);
  entry->type_encoding_ = type_encoding;
  entry->flags_ = static_cast<uint8_t>((flags & ~kHasExpire) | (expires ? kHasExpire : 0));
  entry->meta_ = 0;
  entry->access_ = access;
  if (expires) std::memcpy(raw + kExpireOffset, &expire_ms, sizeof(expire_ms));
  unsigned char* p = PutVarint(raw + header, key.size());
  if (!key.empty()) std::memcpy(p, key.data(), key.size());
  *value_at = p + key.size();
  return entry;
}

Entry* Entry::NewString(std::string_view key, std::string_view value, Encoding encoding, int64_t expire_ms) {
  const uint8_t type_encoding =
      static_cast<uint8_t>(static_cast<uint8_t>(ValueType::kString) | (static_cast<uint8_t>(encoding) << 4));
  unsigned char* at;
  if (value.size() <= kMaxInlineString) {
    Entry* e = Allocate(key, expire_ms, InlineStringPart(value.size()), type_encoding, 0, 0, &at);
    at = PutVarint(at, value.size());
    if (!value.empty()) std::memcpy(at, value.data(), value.size());
    e->Charge(1);
    return e;
  }
  HeapString* hs = NewHeapString(value.size());
  hs->size = value.size();
  std::memcpy(hs->bytes(), value.data(), value.size());
  Entry* e = Allocate(key, expire_ms, sizeof(void*), type_encoding, kHeapString, 0, &at);
  std::memcpy(at, &hs, sizeof(hs));
  e->Charge(1);
  return e;
}

Entry* Entry::NewObject(std::string_view key, ValueType type, Encoding encoding, ObjectValue* object,
                        int64_t expire_ms) {
  const uint8_t type_encoding = static_cast<uint8_t>(static_cast<uint8_t>(type) | (static_cast<uint8_t>(encoding) << 4));
  unsigned char* at;
  Entry* e = Allocate(key, expire_ms, sizeof(void*), type_encoding, 0, 0, &at);
  std::memcpy(at, &object, sizeof(object));
  e->Charge(1);
  return e;
}

void Entry::Destroy(Entry* entry) {
  if (entry == nullptr) return;
  entry->Charge(-1);
  if (entry->type() != ValueType::kString) {
    delete entry->object();
  } else if (entry->flags_ & kHeapString) {
    std::free(entry->StoredPointer());
  }
  std::free(entry);
}

int64_t Entry::expire_ms() const {
  if (!has_expire()) return kNoExpire;
  int64_t v;
  std::memcpy(&v, reinterpret_cast<const unsigned char*>(this) + kExpireOffset, sizeof(v));
  return v;
}

std::string_view Entry::key() const {
  uint64_t len;
  const unsigned char* p = GetVarint(reinterpret_cast<const unsigned char*>(this) + KeyOffset(), &len);
  return std::string_view(reinterpret_cast<const char*>(p), len);
}

const unsigned char* Entry::ValuePart() const {
  uint64_t len;
  const unsigned char* p = GetVarint(reinterpret_cast<const unsigned char*>(this) + KeyOffset(), &len);
  return p + len;
}

void* Entry::StoredPointer() const {
  void* ptr;
  std::memcpy(&ptr, ValuePart(), sizeof(ptr));
  return ptr;
}

std::string_view Entry::string_value() const {
  if (flags_ & kHeapString) {
    auto* hs = static_cast<HeapString*>(StoredPointer());
    return std::string_view(hs->bytes(), hs->size);
  }
  uint64_t len;
  const unsigned char* p = GetVarint(ValuePart(), &len);
  return std::string_view(reinterpret_cast<const char*>(p), len);
}

ObjectValue* Entry::object() const { return static_cast<ObjectValue*>(StoredPointer()); }

void Entry::ResetObject(ObjectValue* object) {
  delete this->object();
  std::memcpy(ValuePart(), &object, sizeof(object));
}

Entry* Entry::MoveTo(Entry* source, std::string_view key, int64_t expire_ms) {
  if (source->has_expire() == (expire_ms != kNoExpire) && source->key() == key) {
    // Same layout: only the deadline's value (if any) changes.
    if (expire_ms != kNoExpire) {
      std::memcpy(reinterpret_cast<unsigned char*>(source) + kExpireOffset, &expire_ms, sizeof(expire_ms));
    }
    return source;
  }
  const bool inline_string = source->type() == ValueType::kString && !(source->flags_ & kHeapString);
  const std::string_view value = inline_string ? source->string_value() : std::string_view();
  const size_t value_part = inline_string ? InlineStringPart(value.size()) : sizeof(void*);
  unsigned char* at;
  Entry* e = Allocate(key, expire_ms, value_part, source->type_encoding_, source->flags_, source->access_, &at);
  e->meta_ = source->meta_;
  // The value part (inline bytes or the pointer) moves verbatim.
  std::memcpy(at, source->ValuePart(), value_part);
  source->Charge(-1);
  e->Charge(1);
  std::free(source);
  return e;
}

Entry* Entry::CopyTo(const Entry* source, std::string_view key, int64_t expire_ms) {
  if (source->type() == ValueType::kString) {
    Entry* e = NewString(key, source->string_value(), source->encoding(), expire_ms);
    e->CopyUsage(source);
    return e;
  }
  Entry* e = NewObject(key, source->type(), source->encoding(), source->object()->Clone(), expire_ms);
  e->CopyUsage(source);
  return e;
}

Entry* Entry::SetString(Entry* entry, std::string_view value, Encoding encoding) {
  if (!(entry->flags_ & kHeapString)) {
    // Overwriting with a value of the same length (fixed-size values, counters) needs no new
    // allocation.
    uint64_t len;
    unsigned char* at = const_cast<unsigned char*>(GetVarint(entry->ValuePart(), &len));
    if (len == value.size()) {
      if (!value.empty()) std::memmove(at, value.data(), value.size());
      entry->set_encoding(encoding);
      return entry;
    }
  } else {
    auto* hs = static_cast<HeapString*>(entry->StoredPointer());
    if (value.size() > kMaxInlineString && value.size() <= hs->capacity) {
      std::memmove(hs->bytes(), value.data(), value.size());
      hs->size = value.size();
      entry->set_encoding(encoding);
      return entry;
    }
  }
  Entry* fresh = NewString(entry->key(), value, encoding, entry->expire_ms());
  fresh->CopyUsage(entry);
  Destroy(entry);
  return fresh;
}

Entry* Entry::ResizeString(Entry* entry, size_t size, Encoding encoding, char** data) {
  const std::string_view old = entry->string_value();
  const size_t keep = old.size() < size ? old.size() : size;
  if (entry->flags_ & kHeapString) {
    auto* hs = static_cast<HeapString*>(entry->StoredPointer());
    if (size > hs->capacity) {
      entry->Charge(-1);
      HeapString* grown = NewHeapString(GrowCapacity(size));
      std::memcpy(grown->bytes(), hs->bytes(), keep);
      std::free(hs);
      hs = grown;
      std::memcpy(entry->ValuePart(), &hs, sizeof(hs));
      entry->Charge(1);
    }
    if (size > keep) std::memset(hs->bytes() + keep, 0, size - keep);
    hs->size = size;
    entry->set_encoding(encoding);
    *data = hs->bytes();
    return entry;
  }
  const uint8_t type_encoding =
      static_cast<uint8_t>(static_cast<uint8_t>(ValueType::kString) | (static_cast<uint8_t>(encoding) << 4));
  unsigned char* at;
  Entry* fresh;
  char* bytes;
  if (size <= kMaxInlineString) {
    fresh = Allocate(entry->key(), entry->expire_ms(), InlineStringPart(size), type_encoding, 0, entry->access_, &at);
    bytes = reinterpret_cast<char*>(PutVarint(at, size));
  } else {
    HeapString* hs = NewHeapString(GrowCapacity(size));
    hs->size = size;
    bytes = hs->bytes();
    fresh = Allocate(entry->key(), entry->expire_ms(), sizeof(void*), type_encoding, kHeapString, entry->access_, &at);
    std::memcpy(at, &hs, sizeof(hs));
  }
  fresh->meta_ = entry->meta_;
  if (keep > 0) std::memcpy(bytes, old.data(), keep);
  if (size > keep) std::memset(bytes + keep, 0, size - keep);
  Destroy(entry);
  fresh->Charge(1);
  *data = bytes;
  return fresh;
}

size_t Entry::OwnBytes() const {
  const std::string_view k = key();
  size_t bytes = static_cast<size_t>(k.data() + k.size() - reinterpret_cast<const char*>(this));
  if (type() == ValueType::kString && !(flags_ & kHeapString)) {
    uint64_t len;
    bytes += static_cast<size_t>(GetVarint(ValuePart(), &len) - ValuePart()) + len;
  } else {
    bytes += sizeof(void*);
    if (flags_ & kHeapString) bytes += sizeof(HeapString) + static_cast<HeapString*>(StoredPointer())->capacity;
  }
  return bytes;
}

void Entry::Charge(int sign) const { ChargeStripeBytes(key(), sign * static_cast<int64_t>(OwnBytes())); }

size_t Entry::MemoryUsage() const {
  size_t bytes = malloc_usable_size(const_cast<Entry*>(this));
  if (type() != ValueType::kString) {
    bytes += object()->MemoryUsage();
  } else if (flags_ & kHeapString) {
    bytes += malloc_usable_size(StoredPointer());
  }
  return bytes;
}

}  // namespace strata::store
