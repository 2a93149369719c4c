#include "store/list_ops.h"

#include "store/entry.h"

namespace strata::store {
namespace {

ListValue* ListOf(const EntryRef& ref) { return static_cast<ListValue*>(ref->object()); }

KeyEvent PushEvent(ListEnd end) { return end == ListEnd::kHead ? KeyEvent::kLPush : KeyEvent::kRPush; }
KeyEvent PopEvent(ListEnd end) { return end == ListEnd::kHead ? KeyEvent::kLPop : KeyEvent::kRPop; }

// After a removal from the list at `ref` announced as `event`: deletes the key if the list
// emptied, announcing "del" after `event`, as Redis does.
void AnnounceRemoval(Db& db, EntryRef* ref, std::string_view key, KeyEvent event) {
  db.Notify(event, key);
  if (ListOf(*ref)->empty()) {
    db.Erase(ref);
    db.Notify(KeyEvent::kDel, key);
  }
}

// Adds an empty list under `key`, which must be absent. Redis 7.0 reports every list as
// "quicklist", however small.
ListValue* CreateList(Db& db, std::string_view key) {
  auto* list = new ListValue(EncodingLimits::Get(db.keyspace()->limits().list_max_listpack_size));
  db.Insert(Entry::NewObject(key, ValueType::kList, Encoding::kQuicklist, list, kNoExpire));
  return list;
}

// Pops up to `count` elements of the list at `ref`, deleting the key when it empties.
void PopFrom(Db& db, EntryRef* ref, std::string_view key, ListEnd end, size_t count,
             std::vector<std::string>* values) {
  ListValue* list = ListOf(*ref);
  if (count > list->size()) count = list->size();
  values->resize(count);
  for (size_t i = 0; i < count; ++i) list->Pop(end, &(*values)[i]);
  AnnounceRemoval(db, ref, key, PopEvent(end));
}

// Turns LRANGE-style `start` and `stop` into the first index and the element count of the
// range, clamped to a list of `length` elements. The count is 0 for an empty range.
void ClampRange(int64_t start, int64_t stop, size_t length, size_t* first, size_t* count) {
  const auto len = static_cast<int64_t>(length);
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) {
    *first = 0;
    *count = 0;
    return;
  }
  if (stop >= len) stop = len - 1;
  *first = static_cast<size_t>(start);
  *count = static_cast<size_t>(stop - start + 1);
}

// An index with negative values counting from the tail, checked against `length`.
bool ResolveIndex(int64_t index, size_t length, size_t* resolved) {
  const auto len = static_cast<int64_t>(length);
  if (index < 0) index += len;
  if (index < 0 || index >= len) return false;
  *resolved = static_cast<size_t>(index);
  return true;
}

}  // namespace

OpStatus ListPush(Db& db, std::string_view key, ListEnd end, std::span<const std::string_view> values,
                  bool only_if_exists, size_t* length) {
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kList, &ref);
  if (status == OpStatus::kWrongType) return status;
  ListValue* list;
  if (status == OpStatus::kNoKey) {
    if (only_if_exists) return OpStatus::kNoKey;
    list = CreateList(db, key);
  } else {
    list = ListOf(ref);
  }
  for (std::string_view v : values) list->Push(end, v);
  *length = list->size();
  db.Notify(PushEvent(end), key);
  return OpStatus::kOk;
}

OpStatus ListPop(Db& db, std::string_view key, ListEnd end, size_t count, std::vector<std::string>* values) {
  values->clear();
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kList, &ref);
  if (status != OpStatus::kOk || count == 0) return status;
  PopFrom(db, &ref, key, end, count, values);
  return OpStatus::kOk;
}

OpStatus ListPopFirst(Db& db, std::span<const std::string_view> keys, ListEnd end, size_t count,
                      size_t* key_index, std::vector<std::string>* values, bool skip_other_types) {
  values->clear();
  for (size_t i = 0; i < keys.size(); ++i) {
    EntryRef ref;
    const OpStatus status = db.FindForWriteAs(keys[i], ValueType::kList, &ref);
    if (status == OpStatus::kNoKey || (status == OpStatus::kWrongType && skip_other_types)) continue;
    if (status != OpStatus::kOk) return status;
    *key_index = i;
    PopFrom(db, &ref, keys[i], end, count, values);
    return OpStatus::kOk;
  }
  return OpStatus::kNoKey;
}

OpStatus ListMove(Db& db, std::string_view source, std::string_view destination, ListEnd from, ListEnd to,
                  std::string* value) {
  EntryRef src;
  const OpStatus status = db.FindForWriteAs(source, ValueType::kList, &src);
  if (status != OpStatus::kOk) return status;
  ListValue* src_list = ListOf(src);
  if (source == destination) {
    // Pop and push on the same list: it never empties in between, so the key stays.
    src_list->Pop(from, value);
    src_list->Push(to, *value);
    db.Notify(PushEvent(to), destination);
    db.Notify(PopEvent(from), source);
    return OpStatus::kOk;
  }
  // Looking up (or inserting) the destination may expire or move keys in the source's stripe:
  // the source's EntryRef goes stale, its list object does not.
  EntryRef dst;
  const OpStatus dst_status = db.FindForWriteAs(destination, ValueType::kList, &dst);
  if (dst_status == OpStatus::kWrongType) return dst_status;
  src_list->Pop(from, value);
  ListValue* dst_list = dst_status == OpStatus::kOk ? ListOf(dst) : CreateList(db, destination);
  dst_list->Push(to, *value);
  db.Notify(PushEvent(to), destination);
  src = db.Find(source);
  AnnounceRemoval(db, &src, source, PopEvent(from));
  return OpStatus::kOk;
}

OpStatus ListCheck(Db& db, std::string_view key, bool for_write) {
  EntryRef ref;
  return for_write ? db.FindForWriteAs(key, ValueType::kList, &ref) : db.FindForReadAs(key, ValueType::kList, &ref);
}

OpStatus ListLength(Db& db, std::string_view key, size_t* length) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kList, &ref);
  if (status == OpStatus::kOk) *length = ListOf(ref)->size();
  return status;
}

OpStatus ListIndex(Db& db, std::string_view key, int64_t index, std::string* value) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kList, &ref);
  if (status != OpStatus::kOk) return status;
  const ListValue* list = ListOf(ref);
  size_t i;
  if (!ResolveIndex(index, list->size(), &i)) return OpStatus::kOutOfRange;
  ListValue::Iterator it = list->At(i);
  value->assign(it.value());
  return OpStatus::kOk;
}

OpStatus ListSet(Db& db, std::string_view key, int64_t index, std::string_view value) {
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kList, &ref);
  if (status != OpStatus::kOk) return status;
  ListValue* list = ListOf(ref);
  size_t i;
  if (!ResolveIndex(index, list->size(), &i)) return OpStatus::kOutOfRange;
  list->Set(i, value);
  db.Notify(KeyEvent::kLSet, key);
  return OpStatus::kOk;
}

OpStatus ListRange(Db& db, std::string_view key, int64_t start, int64_t stop, FunctionRef<void(size_t)> count,
                   FunctionRef<void(std::string_view)> element) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kList, &ref);
  if (status != OpStatus::kOk) return status;
  const ListValue* list = ListOf(ref);
  size_t first;
  size_t n;
  ClampRange(start, stop, list->size(), &first, &n);
  count(n);
  if (n == 0) return OpStatus::kOk;
  ListValue::Iterator it = list->At(first);
  for (size_t i = 0; i < n; ++i, it.Next()) element(it.value());
  return OpStatus::kOk;
}

OpStatus ListTrim(Db& db, std::string_view key, int64_t start, int64_t stop) {
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kList, &ref);
  if (status != OpStatus::kOk) return status;
  ListValue* list = ListOf(ref);
  size_t first;
  size_t n;
  ClampRange(start, stop, list->size(), &first, &n);
  const size_t tail = list->size() - first - n;
  list->Erase(ListEnd::kHead, first);
  list->Erase(ListEnd::kTail, tail);
  // Redis announces LTRIM even when it keeps everything.
  AnnounceRemoval(db, &ref, key, KeyEvent::kLTrim);
  return OpStatus::kOk;
}

OpStatus ListRemove(Db& db, std::string_view key, int64_t count, std::string_view value, size_t* removed) {
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kList, &ref);
  if (status != OpStatus::kOk) return status;
  ListValue* list = ListOf(ref);
  // -INT64_MIN does not fit an int64_t; its magnitude does fit a uint64_t.
  const uint64_t limit = count < 0 ? 0 - static_cast<uint64_t>(count) : static_cast<uint64_t>(count);
  *removed = list->Remove(ListNeedle(value), count < 0 ? ListEnd::kTail : ListEnd::kHead, limit);
  if (*removed > 0) AnnounceRemoval(db, &ref, key, KeyEvent::kLRem);
  return OpStatus::kOk;
}

OpStatus ListInsert(Db& db, std::string_view key, bool after, std::string_view pivot, std::string_view value,
                    size_t* length) {
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kList, &ref);
  if (status != OpStatus::kOk) return status;
  ListValue* list = ListOf(ref);
  if (!list->InsertAtPivot(ListNeedle(pivot), after, value)) return OpStatus::kNotDone;
  *length = list->size();
  db.Notify(KeyEvent::kLInsert, key);
  return OpStatus::kOk;
}

OpStatus ListPositions(Db& db, std::string_view key, std::string_view value, const ListPosParams& params,
                       std::vector<int64_t>* positions) {
  positions->clear();
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kList, &ref);
  if (status != OpStatus::kOk) return status;
  const ListValue* list = ListOf(ref);
  const bool from_tail = params.rank < 0;
  // Redis negates the rank and counts with wrapping long arithmetic: a rank of INT64_MIN stays
  // negative, so every match qualifies and a COUNT never ends the search. Reproduce it exactly.
  const uint64_t rank = from_tail ? 0 - static_cast<uint64_t>(params.rank) : static_cast<uint64_t>(params.rank);
  const ListNeedle needle(value);
  const auto length = static_cast<int64_t>(list->size());
  ListValue::Iterator it = list->At(from_tail ? list->size() - 1 : 0);
  uint64_t matches = 0;
  for (int64_t index = 0; it.Valid() && (params.maxlen == 0 || index < params.maxlen); ++index) {
    if (it.Matches(needle)) {
      ++matches;
      if (static_cast<int64_t>(matches) >= static_cast<int64_t>(rank)) {
        positions->push_back(from_tail ? length - index - 1 : index);
        if (params.count != 0 && static_cast<int64_t>(matches - rank + 1) >= params.count) break;
      }
    }
    if (from_tail) {
      it.Prev();
    } else {
      it.Next();
    }
  }
  return OpStatus::kOk;
}

}  // namespace strata::store
