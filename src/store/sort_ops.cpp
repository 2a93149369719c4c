#include "store/sort_ops.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>

#include "store/entry.h"
#include "store/hash_value.h"
#include "store/list_value.h"
#include "store/set_value.h"
#include "store/string_ops.h"
#include "store/zset_value.h"

namespace strata::store {
namespace {

// The part of `text` a C string function sees: up to its first NUL byte.
std::string_view CStringPart(std::string_view text) { return text.substr(0, text.find('\0')); }

// A BY or GET pattern, taken apart once per call.
class Pattern {
 public:
  explicit Pattern(std::string_view text) {
    // Redis tests spat[0] == '#' && spat[1] == '\0': a NUL right after the '#' also ends it.
    if (!text.empty() && text[0] == '#' && (text.size() == 1 || text[1] == '\0')) {
      kind_ = Kind::kElement;
      return;
    }
    const std::string_view searched = CStringPart(text);
    const size_t star = searched.find('*');
    if (star == std::string_view::npos) {
      kind_ = Kind::kNoKey;
      return;
    }
    prefix_ = text.substr(0, star);
    // A field needs at least one byte after the "->" (before any NUL), else the arrow is part of
    // the key name. The field itself runs to the pattern's real end, NUL bytes included.
    const size_t arrow = searched.find("->", star + 1);
    if (arrow != std::string_view::npos && arrow + 2 < searched.size()) {
      kind_ = Kind::kHashField;
      suffix_ = text.substr(star + 1, arrow - star - 1);
      field_ = text.substr(arrow + 2);
    } else {
      kind_ = Kind::kString;
      suffix_ = text.substr(star + 1);
    }
  }

  // The value the pattern gives for `element`: the element itself for "#", else the value of
  // the string key it names, or of the field of the hash key it names; nothing when it names no
  // key or the key (or field) is missing or of another type. The lookup is a read (a keyspace
  // hit or miss). `key` is scratch space for the key name. The view is valid until the keyspace
  // next changes.
  std::optional<std::string_view> Lookup(Db& db, std::string_view element, std::string* key) const {
    if (kind_ == Kind::kElement) return element;
    if (kind_ == Kind::kNoKey) return std::nullopt;
    key->assign(prefix_);
    key->append(element);
    key->append(suffix_);
    EntryRef ref = db.FindForRead(*key);
    if (!ref) return std::nullopt;
    if (kind_ == Kind::kString) {
      if (ref->type() != ValueType::kString) return std::nullopt;
      return ref->string_value();
    }
    if (ref->type() != ValueType::kHash) return std::nullopt;
    std::string_view value;
    if (!static_cast<const HashValue*>(ref->object())->Get(field_, &value)) return std::nullopt;
    return value;
  }

 private:
  enum class Kind : uint8_t { kElement, kNoKey, kString, kHashField };

  Kind kind_;
  std::string_view prefix_;
  std::string_view suffix_;
  std::string_view field_;
};

// One element being sorted and what it sorts by. Values are copied: a later lookup may expire
// and free the key an earlier one read.
struct SortItem {
  std::string element;
  double score = 0;           // numeric sorts (0 when the BY key is missing, as in Redis)
  bool has_by_value = false;  // ALPHA BY: whether the BY key gave a value
  std::string by_value;
};

// The elements of one SORT in their final order, and the window of them that is the result.
struct Sorted {
  std::vector<SortItem> items;
  size_t first = 0;
  size_t count = 0;
};

// Redis's LIMIT arithmetic: the inclusive range [*start, *end] of a value of `size` elements
// that LIMIT offset count selects, empty when *end < *start.
void LimitRange(int64_t size, int64_t offset, int64_t count, int64_t* start, int64_t* end) {
  *start = std::min(std::max(offset, int64_t{0}), size);
  count = std::min(std::max(count, int64_t{-1}), size);
  *end = count < 0 ? size - 1 : *start + count - 1;
  if (*start >= size) {
    *start = size - 1;
    *end = size - 2;
  }
  if (*end >= size) *end = size - 1;
}

size_t ValueSize(const EntryRef& ref) {
  if (!ref) return 0;
  switch (ref->type()) {
    case ValueType::kList: return static_cast<const ListValue*>(ref->object())->size();
    case ValueType::kSet: return static_cast<const SetValue*>(ref->object())->size();
    default: return static_cast<const ZSetValue*>(ref->object())->size();
  }
}

void Append(std::vector<SortItem>* items, std::string_view element) {
  items->emplace_back();
  items->back().element.assign(element);
}

// Loads every element: a list head to tail, a set in its iteration order, a sorted set by rank.
void LoadAll(const EntryRef& ref, std::vector<SortItem>* items) {
  const size_t size = ValueSize(ref);
  if (size == 0) return;
  items->reserve(size);
  switch (ref->type()) {
    case ValueType::kList: {
      ListValue::Iterator it = static_cast<const ListValue*>(ref->object())->At(0);
      for (; it.Valid(); it.Next()) Append(items, it.value());
      break;
    }
    case ValueType::kSet:
      static_cast<const SetValue*>(ref->object())->ForEach([&](std::string_view m) { Append(items, m); });
      break;
    default:
      static_cast<const ZSetValue*>(ref->object())->Visit(0, size, false, [&](std::string_view m, double) {
        Append(items, m);
        return true;
      });
      break;
  }
}

// Loads `count` elements of a list or sorted set in their own order from position `start`, or,
// with `desc`, in reverse order from the `start`-th last. REQUIRES: start + count <= size.
void LoadRange(const EntryRef& ref, size_t start, size_t count, bool desc, std::vector<SortItem>* items) {
  const size_t size = ValueSize(ref);
  items->reserve(count);
  if (ref->type() == ValueType::kList) {
    ListValue::Iterator it = static_cast<const ListValue*>(ref->object())->At(desc ? size - 1 - start : start);
    for (size_t i = 0; i < count; ++i) {
      Append(items, it.value());
      if (desc) {
        it.Prev();
      } else {
        it.Next();
      }
    }
    return;
  }
  const size_t low = desc ? size - start - count : start;
  static_cast<const ZSetValue*>(ref->object())->Visit(low, low + count, desc, [&](std::string_view m, double) {
    Append(items, m);
    return true;
  });
}

// -1, 0 or 1 as `a` sorts before, with or after `b` byte by byte (memcmp, then length).
int CompareBytes(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return (c > 0) - (c < 0);
}

// -1, 0 or 1 as strcoll orders `a` and `b` in the collation locale (as C strings: up to a NUL).
int Collate(const std::string& a, const std::string& b) {
  const int c = std::strcoll(a.c_str(), b.c_str());
  return (c > 0) - (c < 0);
}

// Sets each item's sort value: its score, or for ALPHA BY the BY key's value. Returns false when
// a numeric sort met a value that is not a number (every item is still visited, as in Redis).
bool LoadSortValues(Db& db, const std::optional<Pattern>& by, bool alpha, std::vector<SortItem>* items) {
  bool numbers = true;
  std::string key;
  for (SortItem& item : *items) {
    std::optional<std::string_view> value = item.element;
    if (by) {
      value = by->Lookup(db, item.element, &key);
      if (!value) continue;
    }
    if (alpha) {
      if (by) {
        item.has_by_value = true;
        item.by_value.assign(*value);
      }
    } else if (!ParseSortScore(*value, &item.score)) {
      numbers = false;
    }
  }
  return numbers;
}

// Orders `items` as Redis's sortCompare does. Numbers tie-break on the element's bytes; ALPHA
// compares with strcoll, except for STORE, which compares bytes (so that what is stored does not
// depend on the locale); ALPHA BY puts elements whose BY key is missing first and leaves ties in
// load order. The sort is stable: glibc's qsort, which Redis uses here, is a merge sort.
void SortItems(bool alpha, bool by, bool desc, bool storing, std::vector<SortItem>* items) {
  auto compare = [&](const SortItem& a, const SortItem& b) {
    int c;
    if (!alpha) {
      c = a.score > b.score ? 1 : a.score < b.score ? -1 : CompareBytes(a.element, b.element);
    } else if (by) {
      if (!a.has_by_value || !b.has_by_value) {
        c = a.has_by_value == b.has_by_value ? 0 : (a.has_by_value ? 1 : -1);
      } else {
        c = storing ? CompareBytes(a.by_value, b.by_value) : Collate(a.by_value, b.by_value);
      }
    } else {
      c = storing ? CompareBytes(a.element, b.element) : Collate(a.element, b.element);
    }
    return (desc ? -c : c) < 0;
  };
  std::stable_sort(items->begin(), items->end(), compare);
}

// Reads, orders and windows the elements of `key` for SORT (`storing`: SORT ... STORE).
OpStatus SortInto(Db& db, std::string_view key, const SortOptions& options, bool storing, Sorted* out) {
  EntryRef ref = db.FindForRead(key);
  const ValueType type = ref ? ref->type() : ValueType::kList;  // a missing key is an empty list
  if (type != ValueType::kList && type != ValueType::kSet && type != ValueType::kZSet) return OpStatus::kWrongType;

  bool dont_sort = options.dont_sort;
  bool alpha = options.alpha;
  std::optional<Pattern> by;
  if (options.by && !dont_sort) by.emplace(*options.by);
  if (dont_sort && type == ValueType::kSet && storing) {
    dont_sort = false;
    alpha = true;
    by.reset();
  }
  if (type == ValueType::kZSet) {
    auto* zs = static_cast<ZSetValue*>(ref->object());
    if (zs->compact()) {
      zs->ConvertToLarge();
      ref->set_encoding(Encoding::kSkiplist);
    }
  }

  int64_t start;
  int64_t end;
  LimitRange(static_cast<int64_t>(ValueSize(ref)), options.limit_offset, options.limit_count, &start, &end);
  const auto count = static_cast<size_t>(end - start + 1);
  if (dont_sort && type != ValueType::kSet) {
    // The value's own order: only the window is read, walked backwards for DESC.
    if (count > 0) LoadRange(ref, static_cast<size_t>(start), count, options.desc, &out->items);
    out->first = 0;
  } else {
    LoadAll(ref, &out->items);
    out->first = count > 0 ? static_cast<size_t>(start) : 0;
  }
  out->count = count;
  if (dont_sort) return OpStatus::kOk;
  if (!LoadSortValues(db, by, alpha, &out->items)) return OpStatus::kNotFloat;
  SortItems(alpha, by.has_value(), options.desc, storing, &out->items);
  return OpStatus::kOk;
}

// Calls `emit` with the values of the result, in order: each element of the window, or per
// element the value of each GET pattern.
void EmitResult(Db& db, const Sorted& sorted, std::span<const std::string_view> get_patterns,
                FunctionRef<void(std::optional<std::string_view>)> emit) {
  std::vector<Pattern> gets(get_patterns.begin(), get_patterns.end());
  std::string key;
  for (size_t i = sorted.first; i < sorted.first + sorted.count; ++i) {
    const std::string& element = sorted.items[i].element;
    if (gets.empty()) emit(element);
    for (const Pattern& get : gets) emit(get.Lookup(db, element, &key));
  }
}

size_t ResultSize(const Sorted& sorted, const SortOptions& options) {
  return sorted.count * std::max<size_t>(options.get.size(), 1);
}

}  // namespace

bool SortPatternNamesKeys(std::string_view pattern) {
  return CStringPart(pattern).find('*') != std::string_view::npos;
}

bool SortReadsPatternKeys(const SortOptions& options) {
  if (!options.dont_sort && options.by && SortPatternNamesKeys(*options.by)) return true;
  return std::any_of(options.get.begin(), options.get.end(), SortPatternNamesKeys);
}

bool ParseSortScore(std::string_view text, double* score) {
  // strtod needs a terminated string; its end pointer then stops at the first NUL, embedded or not.
  char small[64];
  std::string large;
  const char* cstr;
  if (text.size() < sizeof(small)) {
    std::memcpy(small, text.data(), text.size());
    small[text.size()] = '\0';
    cstr = small;
  } else {
    large.assign(text);
    cstr = large.c_str();
  }
  char* end;
  errno = 0;
  *score = std::strtod(cstr, &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*score);
}

OpStatus Sort(Db& db, std::string_view key, const SortOptions& options, FunctionRef<void(size_t)> begin,
              FunctionRef<void(std::optional<std::string_view>)> emit) {
  Sorted sorted;
  const OpStatus status = SortInto(db, key, options, false, &sorted);
  if (status != OpStatus::kOk) return status;
  begin(ResultSize(sorted, options));
  EmitResult(db, sorted, options.get, emit);
  return OpStatus::kOk;
}

OpStatus SortStore(Db& db, std::string_view key, const SortOptions& options, std::string_view destination,
                   size_t* stored) {
  Sorted sorted;
  const OpStatus status = SortInto(db, key, options, true, &sorted);
  if (status != OpStatus::kOk) return status;
  *stored = ResultSize(sorted, options);
  // Built in full before `destination` is touched: a GET pattern may read it.
  auto list = std::make_unique<ListValue>(EncodingLimits::Get(db.keyspace()->limits().list_max_listpack_size));
  EmitResult(db, sorted, options.get,
             [&](std::optional<std::string_view> value) { list->Push(ListEnd::kTail, value.value_or("")); });
  // Redis 7.0 reports every list as "quicklist".
  db.StoreResult(destination,
                 list->empty() ? nullptr
                               : Entry::NewObject(destination, ValueType::kList, Encoding::kQuicklist, list.release(),
                                                  kNoExpire),
                 KeyEvent::kSortStore);
  return OpStatus::kOk;
}

}  // namespace strata::store
