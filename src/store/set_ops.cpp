#include "store/set_ops.h"

#include <algorithm>

#include "common/glob.h"
#include "common/numbers.h"

namespace strata::store {
namespace {

int64_t MaxIntsetEntries(Db& db) { return EncodingLimits::Get(db.keyspace()->limits().set_max_intset_entries); }

SetValue* AsSet(const Entry* entry) { return static_cast<SetValue*>(entry->object()); }

// Looks up every key; *sets gets one pointer per key, nullptr for a missing one. Stops at the
// first key of another type, as Redis does. Store commands read their sources as the others do:
// Redis 7.0 counts their hits and misses and announces "keymiss" for a missing one.
OpStatus LookupSets(Db& db, std::span<const std::string_view> keys, std::vector<const SetValue*>* sets) {
  sets->reserve(keys.size());
  for (std::string_view key : keys) {
    EntryRef ref;
    const OpStatus status = db.FindForReadAs(key, ValueType::kSet, &ref);
    if (status == OpStatus::kWrongType) return status;
    sets->push_back(status == OpStatus::kOk ? AsSet(ref.entry) : nullptr);
  }
  return OpStatus::kOk;
}

// Visits the intersection of `sets` (none missing) in the order of the smallest set, until
// `visit` returns false. Redis sorts the sets by size with glibc's qsort, a stable merge sort.
void Intersect(std::vector<const SetValue*> sets, FunctionRef<bool(std::string_view)> visit) {
  std::stable_sort(sets.begin(), sets.end(),
                   [](const SetValue* a, const SetValue* b) { return a->size() < b->size(); });
  const SetValue* first = sets[0];
  MemberBuffer buffer;
  for (size_t p = 0; p < first->PositionLimit(); ++p) {
    if (!first->HasMemberAt(p)) continue;
    const std::string_view member = first->MemberAt(p, &buffer);
    bool everywhere = true;
    for (size_t j = 1; j < sets.size() && everywhere; ++j) {
      everywhere = sets[j] == first || sets[j]->Contains(member);
    }
    if (everywhere && !visit(member)) return;
  }
}

bool AnyMissing(const std::vector<const SetValue*>& sets) {
  return std::find(sets.begin(), sets.end(), nullptr) != sets.end();
}

// Visits the members of `set` in the order Redis lists a copy of it built member by member
// (SUNION of the one set, which SPOP replies when the count covers the set): a
// copy holding only integers, no more than an intset may, is an intset, listed in ascending
// order; any other copy is a hash table, whose order is arbitrary.
void ForEachAsCopied(const SetValue& set, int64_t max_intset_entries, FunctionRef<void(std::string_view)> visit) {
  if (set.encoding() == Encoding::kHashtable && static_cast<int64_t>(set.size()) <= max_intset_entries) {
    std::vector<int64_t> ints;
    ints.reserve(set.size());
    bool all_integers = true;
    set.ForEach([&](std::string_view member) {
      int64_t v;
      if (all_integers && ParseInt64(member, &v)) {
        ints.push_back(v);
      } else {
        all_integers = false;
      }
    });
    if (all_integers) {
      std::sort(ints.begin(), ints.end());
      MemberBuffer buffer;
      for (int64_t v : ints) visit(std::string_view(buffer.bytes, FormatInt64(v, buffer.bytes)));
      return;
    }
  }
  set.ForEach(visit);
}

std::unique_ptr<SetValue> Union(const std::vector<const SetValue*>& sets, int64_t max_intset_entries) {
  auto result = std::make_unique<SetValue>();
  for (const SetValue* set : sets) {
    if (set == nullptr) continue;
    set->ForEach([&](std::string_view member) { result->Add(member, max_intset_entries); });
  }
  return result;
}

// Redis picks one of two algorithms for SDIFF by their expected work, and the choice shows in
// the result's encoding: adding all of the first set and then removing can pass the intset
// limit where adding only the survivors would not. So pick the same way and build the same way.
std::unique_ptr<SetValue> Diff(std::vector<const SetValue*> sets, int64_t max_intset_entries) {
  auto result = std::make_unique<SetValue>();
  const SetValue* first = sets[0];
  if (first == nullptr) return result;
  uint64_t filter_work = 0;  // checking each member of the first set against every set
  uint64_t remove_work = 0;  // adding the first set, removing every member of the others
  for (const SetValue* set : sets) {
    if (set == nullptr) continue;
    filter_work += first->size();
    remove_work += set->size();
  }
  if (filter_work / 2 <= remove_work) {
    // Check against the largest sets first: they are likelier to hold the member.
    std::stable_sort(sets.begin() + 1, sets.end(), [](const SetValue* a, const SetValue* b) {
      return (a == nullptr ? 0 : a->size()) > (b == nullptr ? 0 : b->size());
    });
    first->ForEach([&](std::string_view member) {
      for (size_t j = 1; j < sets.size(); ++j) {
        if (sets[j] == nullptr) continue;
        if (sets[j] == first || sets[j]->Contains(member)) return;
      }
      result->Add(member, max_intset_entries);
    });
    return result;
  }
  for (size_t j = 0; j < sets.size(); ++j) {
    if (sets[j] == nullptr) continue;
    if (j == 0) {
      first->ForEach([&](std::string_view member) { result->Add(member, max_intset_entries); });
    } else {
      sets[j]->ForEach([&](std::string_view member) { result->Remove(member); });
    }
    if (result->empty()) break;
  }
  return result;
}

// Stores `result` at `destination` in place of whatever it held, announced as `event`; an empty
// result deletes it.
void StoreResult(Db& db, std::string_view destination, std::unique_ptr<SetValue> result, KeyEvent event,
                 int64_t* size) {
  *size = static_cast<int64_t>(result->size());
  const Encoding encoding = result->encoding();
  db.StoreResult(destination,
                 result->empty() ? nullptr
                                 : Entry::NewObject(destination, ValueType::kSet, encoding, result.release(), kNoExpire),
                 event);
}

}  // namespace

OpStatus FindSetForRead(Db& db, std::string_view key, const SetValue** set) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kSet, &ref);
  if (status == OpStatus::kOk) *set = AsSet(ref.entry);
  return status;
}

OpStatus SetAdd(Db& db, std::string_view key, std::span<const std::string_view> members, int64_t* added) {
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kSet, &ref);
  if (status == OpStatus::kWrongType) return status;
  if (status == OpStatus::kNoKey) {
    ref = db.Insert(Entry::NewObject(key, ValueType::kSet, Encoding::kIntset, new SetValue(), kNoExpire));
  }
  SetValue* set = AsSet(ref.entry);
  const int64_t max_intset_entries = MaxIntsetEntries(db);
  *added = 0;
  for (std::string_view member : members) {
    if (set->Add(member, max_intset_entries)) ++*added;
  }
  ref->set_encoding(set->encoding());
  if (*added > 0) db.Notify(KeyEvent::kSAdd, key);
  return OpStatus::kOk;
}

OpStatus SetRemove(Db& db, std::string_view key, std::span<const std::string_view> members, int64_t* removed) {
  *removed = 0;
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kSet, &ref);
  if (status == OpStatus::kNoKey) return OpStatus::kOk;
  if (status != OpStatus::kOk) return status;
  SetValue* set = AsSet(ref.entry);
  for (std::string_view member : members) {
    if (!set->Remove(member)) continue;
    ++*removed;
    if (set->empty()) break;
  }
  if (*removed > 0) db.Notify(KeyEvent::kSRem, key);
  if (set->empty()) {
    db.Erase(&ref);
    db.Notify(KeyEvent::kDel, key);
  }
  return OpStatus::kOk;
}

OpStatus SetMove(Db& db, std::string_view source, std::string_view destination, std::string_view member,
                 bool* moved) {
  *moved = false;
  // The destination is looked up first so that the source's reference stays valid (a lookup may
  // reclaim an expired key, which moves slots). Entries themselves do not move.
  EntryRef dst_ref;
  const OpStatus dst_status = db.FindForWriteAs(destination, ValueType::kSet, &dst_ref);
  Entry* dst_entry = dst_status == OpStatus::kOk ? dst_ref.entry : nullptr;
  EntryRef src_ref;
  const OpStatus src_status = db.FindForWriteAs(source, ValueType::kSet, &src_ref);
  if (src_status == OpStatus::kNoKey) return OpStatus::kOk;
  if (src_status == OpStatus::kWrongType || dst_status == OpStatus::kWrongType) return OpStatus::kWrongType;
  SetValue* src = AsSet(src_ref.entry);
  if (source == destination) {
    *moved = src->Contains(member);
    return OpStatus::kOk;
  }
  if (!src->Remove(member)) return OpStatus::kOk;
  *moved = true;
  db.Notify(KeyEvent::kSRem, source);
  // Removing the source may shift slots; dst_entry is a pointer to the entry and stays valid.
  if (src->empty()) {
    db.Erase(&src_ref);
    db.Notify(KeyEvent::kDel, source);
  }
  const int64_t max_intset_entries = MaxIntsetEntries(db);
  if (dst_entry == nullptr) {
    auto* dst = new SetValue();
    dst->Add(member, max_intset_entries);
    db.Insert(Entry::NewObject(destination, ValueType::kSet, dst->encoding(), dst, kNoExpire));
    db.Notify(KeyEvent::kSAdd, destination);
  } else {
    SetValue* dst = AsSet(dst_entry);
    if (dst->Add(member, max_intset_entries)) db.Notify(KeyEvent::kSAdd, destination);
    dst_entry->set_encoding(dst->encoding());
  }
  return OpStatus::kOk;
}

OpStatus SetPop(Db& db, std::string_view key, uint64_t count, std::vector<std::string>* popped) {
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kSet, &ref);
  if (status != OpStatus::kOk || count == 0) return status;
  SetValue* set = AsSet(ref.entry);
  const int64_t max_intset_entries = MaxIntsetEntries(db);
  const uint64_t size = set->size();
  if (count >= size) {
    popped->reserve(popped->size() + size);
    ForEachAsCopied(*set, max_intset_entries, [&](std::string_view member) { popped->emplace_back(member); });
    db.Erase(&ref);
    db.Notify(KeyEvent::kSPop, key);
    db.Notify(KeyEvent::kDel, key);
    return OpStatus::kOk;
  }
  popped->reserve(popped->size() + count);
  MemberBuffer buffer;
  const uint64_t remaining = size - count;
  if (remaining * 5 > count) {
    for (uint64_t i = 0; i < count; ++i) {
      const size_t p = set->RandomPosition();
      popped->emplace_back(set->MemberAt(p, &buffer));
      set->RemoveAt(p);
    }
  } else {
    // Most of the set goes: move the few members that stay into a new set, as Redis does, and
    // pop the old one whole.
    auto kept = std::make_unique<SetValue>();
    for (uint64_t i = 0; i < remaining; ++i) {
      const size_t p = set->RandomPosition();
      kept->Add(set->MemberAt(p, &buffer), max_intset_entries);
      set->RemoveAt(p);
    }
    set->ForEach([&](std::string_view member) { popped->emplace_back(member); });
    set = kept.get();
    ref->ResetObject(kept.release());
  }
  ref->set_encoding(set->encoding());
  db.Notify(KeyEvent::kSPop, key);
  return OpStatus::kOk;
}

OpStatus SetRandomMembers(Db& db, std::string_view key, int64_t count, FunctionRef<void(std::string_view)> visit,
                          size_t* visited) {
  *visited = 0;
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kSet, &ref);
  if (status != OpStatus::kOk || count == 0) return status;
  const SetValue* set = AsSet(ref.entry);
  MemberBuffer buffer;
  if (count < 0) {
    const uint64_t n = uint64_t{0} - static_cast<uint64_t>(count);
    for (uint64_t i = 0; i < n; ++i) visit(set->MemberAt(set->RandomPosition(), &buffer));
    *visited = n;
    return OpStatus::kOk;
  }
  if (static_cast<uint64_t>(count) >= set->size()) {
    set->ForEach(visit);
    *visited = set->size();
    return OpStatus::kOk;
  }
  std::vector<size_t> positions;
  positions.reserve(static_cast<size_t>(count));
  set->RandomDistinctPositions(static_cast<size_t>(count), &positions);
  for (size_t p : positions) visit(set->MemberAt(p, &buffer));
  *visited = positions.size();
  return OpStatus::kOk;
}

uint64_t SetScan(const SetValue& set, uint64_t cursor, size_t count, std::optional<std::string_view> pattern,
                 std::vector<std::string>* members) {
  // A lone "*" matches everything, the empty member included.
  const bool match_all = !pattern.has_value() || *pattern == "*";
  return set.Scan(cursor, count, [&](std::string_view member) {
    if (match_all || GlobMatch(*pattern, member)) members->emplace_back(member);
  });
}

OpStatus SetInter(Db& db, std::span<const std::string_view> keys, FunctionRef<void(std::string_view)> visit,
                  size_t* count) {
  *count = 0;
  std::vector<const SetValue*> sets;
  const OpStatus status = LookupSets(db, keys, &sets);
  if (status != OpStatus::kOk || AnyMissing(sets)) return status;
  Intersect(sets, [&](std::string_view member) {
    visit(member);
    ++*count;
    return true;
  });
  return OpStatus::kOk;
}

OpStatus SetInterCard(Db& db, std::span<const std::string_view> keys, uint64_t limit, int64_t* cardinality) {
  *cardinality = 0;
  std::vector<const SetValue*> sets;
  const OpStatus status = LookupSets(db, keys, &sets);
  if (status != OpStatus::kOk || AnyMissing(sets)) return status;
  Intersect(sets, [&](std::string_view) {
    ++*cardinality;
    return limit == 0 || static_cast<uint64_t>(*cardinality) < limit;
  });
  return OpStatus::kOk;
}

OpStatus SetInterStore(Db& db, std::string_view destination, std::span<const std::string_view> keys, int64_t* size) {
  std::vector<const SetValue*> sets;
  const OpStatus status = LookupSets(db, keys, &sets);
  if (status != OpStatus::kOk) return status;
  auto result = std::make_unique<SetValue>();
  if (!AnyMissing(sets)) {
    const int64_t max_intset_entries = MaxIntsetEntries(db);
    Intersect(sets, [&](std::string_view member) {
      result->Add(member, max_intset_entries);
      return true;
    });
  }
  StoreResult(db, destination, std::move(result), KeyEvent::kSInterStore, size);
  return OpStatus::kOk;
}

OpStatus SetUnionDiff(Db& db, SetAlgebra op, std::span<const std::string_view> keys,
                      std::unique_ptr<SetValue>* result) {
  std::vector<const SetValue*> sets;
  const OpStatus status = LookupSets(db, keys, &sets);
  if (status != OpStatus::kOk) return status;
  const int64_t max_intset_entries = MaxIntsetEntries(db);
  *result = op == SetAlgebra::kUnion ? Union(sets, max_intset_entries) : Diff(std::move(sets), max_intset_entries);
  return OpStatus::kOk;
}

OpStatus SetUnionDiffStore(Db& db, SetAlgebra op, std::string_view destination,
                           std::span<const std::string_view> keys, int64_t* size) {
  std::vector<const SetValue*> sets;
  const OpStatus status = LookupSets(db, keys, &sets);
  if (status != OpStatus::kOk) return status;
  const int64_t max_intset_entries = MaxIntsetEntries(db);
  StoreResult(db, destination,
              op == SetAlgebra::kUnion ? Union(sets, max_intset_entries) : Diff(std::move(sets), max_intset_entries),
              op == SetAlgebra::kUnion ? KeyEvent::kSUnionStore : KeyEvent::kSDiffStore, size);
  return OpStatus::kOk;
}

}  // namespace strata::store
