#include "store/set_value.h"

#include <random>
#include <unordered_set>
#include <utility>

namespace strata::store {
namespace {

// Per-thread generator for random members: sets are only touched under their stripe lock, by
// whichever io-thread holds it.
std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

// Whether Redis would keep `member` in an intset: string2ll's rules (see ParseInt64).
bool AsInteger(std::string_view member, int64_t* value) {
  return member.size() <= kMaxInt64Chars && ParseInt64(member, value);
}

}  // namespace

void SetValue::ConvertToHashtable() {
  table_.Reserve(ints_.size());
  MemberBuffer buffer;
  for (size_t i = 0; i < ints_.size(); ++i) {
    table_.Insert(std::string_view(buffer.bytes, FormatInt64(ints_.At(i), buffer.bytes)));
  }
  ints_.Clear();
  hashtable_ = true;
}

bool SetValue::Add(std::string_view member, int64_t max_intset_entries) {
  if (!hashtable_) {
    int64_t value;
    if (AsInteger(member, &value)) {
      if (!ints_.Insert(value)) return false;
      // The intset's length is 32 bits; far below that, max_intset_entries converts it.
      if (static_cast<int64_t>(ints_.size()) > max_intset_entries || ints_.size() == UINT32_MAX) {
        ConvertToHashtable();
      }
      return true;
    }
    ConvertToHashtable();
  }
  return table_.Insert(member);
}

bool SetValue::Remove(std::string_view member) {
  if (hashtable_) return table_.Erase(member);
  int64_t value;
  return AsInteger(member, &value) && ints_.Erase(value);
}

bool SetValue::Contains(std::string_view member) const {
  if (hashtable_) return table_.Contains(member);
  int64_t value;
  return AsInteger(member, &value) && ints_.Contains(value);
}

void SetValue::ForEach(FunctionRef<void(std::string_view)> visit) const {
  if (hashtable_) {
    for (size_t i = 0; i < table_.capacity(); ++i) {
      if (table_.Occupied(i)) visit(table_.At(i));
    }
    return;
  }
  MemberBuffer buffer;
  for (size_t i = 0; i < ints_.size(); ++i) {
    visit(std::string_view(buffer.bytes, FormatInt64(ints_.At(i), buffer.bytes)));
  }
}

size_t SetValue::RandomPosition() const {
  if (hashtable_) return table_.RandomSlot(Rng());
  std::uniform_int_distribution<size_t> pick(0, ints_.size() - 1);
  return pick(Rng());
}

std::string_view SetValue::MemberAt(size_t position, MemberBuffer* buffer) const {
  if (hashtable_) return table_.At(position);
  return std::string_view(buffer->bytes, FormatInt64(ints_.At(position), buffer->bytes));
}

void SetValue::RemoveAt(size_t position) {
  if (hashtable_) {
    table_.EraseAt(position);
  } else {
    ints_.EraseAt(position);
  }
}

void SetValue::RandomDistinctPositions(size_t k, std::vector<size_t>* positions) const {
  const size_t n = size();
  if (k * 3 > n) {
    // A large share of the set: shuffle the first k of all positions (partial Fisher-Yates).
    std::vector<size_t> all;
    all.reserve(n);
    for (size_t p = 0; p < PositionLimit(); ++p) {
      if (HasMemberAt(p)) all.push_back(p);
    }
    for (size_t i = 0; i < k; ++i) {
      std::uniform_int_distribution<size_t> pick(i, n - 1);
      std::swap(all[i], all[pick(Rng())]);
      positions->push_back(all[i]);
    }
    return;
  }
  // A small share: draw until k distinct ones came up; each draw is new with probability > 2/3.
  std::unordered_set<size_t> seen;
  seen.reserve(k);
  while (seen.size() < k) {
    const size_t p = RandomPosition();
    if (seen.insert(p).second) positions->push_back(p);
  }
}

uint64_t SetValue::Scan(uint64_t cursor, size_t count, FunctionRef<void(std::string_view)> visit) const {
  if (hashtable_) return table_.Scan(cursor, count, visit);
  ForEach(visit);
  return 0;
}

ObjectValue* SetValue::Clone() const {
  auto* copy = new SetValue();
  copy->hashtable_ = hashtable_;
  copy->ints_.CopyFrom(ints_);
  copy->table_.CopyFrom(table_);
  return copy;
}

size_t SetValue::MemoryUsage() const {
  // The value object itself by its size: it need not be on the heap (tests keep it on the stack).
  return sizeof(*this) + ints_.MemoryUsage() + table_.MemoryUsage();
}

}  // namespace strata::store
