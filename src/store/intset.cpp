#include "store/intset.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace strata::store {
namespace {

uint32_t WidthFor(int64_t value) {
  if (value >= INT16_MIN && value <= INT16_MAX) return 2;
  if (value >= INT32_MIN && value <= INT32_MAX) return 4;
  return 8;
}

int64_t Load(const unsigned char* p, uint32_t width) {
  switch (width) {
    case 2: {
      int16_t v;
      std::memcpy(&v, p, sizeof(v));
      return v;
    }
    case 4: {
      int32_t v;
      std::memcpy(&v, p, sizeof(v));
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, p, sizeof(v));
      return v;
    }
  }
}

void Store(unsigned char* p, uint32_t width, int64_t value) {
  switch (width) {
    case 2: {
      const auto v = static_cast<int16_t>(value);
      std::memcpy(p, &v, sizeof(v));
      return;
    }
    case 4: {
      const auto v = static_cast<int32_t>(value);
      std::memcpy(p, &v, sizeof(v));
      return;
    }
    default:
      std::memcpy(p, &value, sizeof(value));
      return;
  }
}

}  // namespace

IntSet::~IntSet() { std::free(blob_); }

void IntSet::Clear() {
  std::free(blob_);
  blob_ = nullptr;
}

void IntSet::CopyFrom(const IntSet& other) {
  Clear();
  if (other.blob_ == nullptr) return;
  const size_t bytes = sizeof(Header) + size_t{other.header()->size} * other.header()->width;
  blob_ = static_cast<unsigned char*>(std::malloc(bytes));
  if (blob_ == nullptr) throw std::bad_alloc();
  std::memcpy(blob_, other.blob_, bytes);
}

size_t IntSet::size() const { return blob_ == nullptr ? 0 : header()->size; }

int64_t IntSet::Get(size_t index) const { return Load(data() + index * width(), width()); }

void IntSet::Put(size_t index, int64_t value) { Store(data() + index * width(), width(), value); }

int64_t IntSet::At(size_t index) const { return Get(index); }

bool IntSet::Search(int64_t value, size_t* index) const {
  size_t lo = 0;
  size_t hi = size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const int64_t v = Get(mid);
    if (v == value) {
      *index = mid;
      return true;
    }
    if (v < value) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *index = lo;
  return false;
}

bool IntSet::Contains(int64_t value) const {
  // A value wider than the array's width cannot be in it.
  if (blob_ == nullptr || WidthFor(value) > width()) return false;
  size_t ignored;
  return Search(value, &ignored);
}

void IntSet::Resize(uint32_t size, uint32_t width) {
  const size_t bytes = sizeof(Header) + size_t{size} * width;
  auto* grown = static_cast<unsigned char*>(std::realloc(blob_, bytes));
  if (grown == nullptr) throw std::bad_alloc();
  blob_ = grown;
  header()->size = size;
  header()->width = width;
}

void IntSet::UpgradeAndAdd(int64_t value, uint32_t width) {
  const uint32_t old_width = this->width();
  const uint32_t n = static_cast<uint32_t>(size());
  Resize(n + 1, width);
  // Widen from the back so no element is overwritten before it is read. A value that needs a
  // wider width lies beyond every current element: first if negative, last otherwise.
  const size_t shift = value < 0 ? 1 : 0;
  for (size_t i = n; i-- > 0;) Put(i + shift, Load(data() + i * old_width, old_width));
  Put(value < 0 ? 0 : n, value);
}

bool IntSet::Insert(int64_t value) {
  const uint32_t need = WidthFor(value);
  if (blob_ == nullptr) {
    Resize(1, need);
    Put(0, value);
    return true;
  }
  if (need > width()) {
    UpgradeAndAdd(value, need);
    return true;
  }
  size_t index;
  if (Search(value, &index)) return false;
  const uint32_t n = header()->size;
  Resize(n + 1, width());
  std::memmove(data() + (index + 1) * width(), data() + index * width(), (n - index) * width());
  Put(index, value);
  return true;
}

void IntSet::EraseAt(size_t index) {
  const uint32_t n = header()->size;
  if (n == 1) {
    Clear();
    return;
  }
  std::memmove(data() + index * width(), data() + (index + 1) * width(), (n - index - 1) * width());
  Resize(n - 1, width());
}

bool IntSet::Erase(int64_t value) {
  if (blob_ == nullptr || WidthFor(value) > width()) return false;
  size_t index;
  if (!Search(value, &index)) return false;
  EraseAt(index);
  return true;
}

size_t IntSet::MemoryUsage() const { return blob_ == nullptr ? 0 : malloc_usable_size(blob_); }

}  // namespace strata::store
