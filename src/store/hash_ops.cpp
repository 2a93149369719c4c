#include "store/hash_ops.h"

#include <cmath>

#include "common/glob.h"
#include "common/numbers.h"

namespace strata::store {
namespace {

HashValue* HashOf(const EntryRef& ref) { return static_cast<HashValue*>(ref->object()); }

// Installs what a mutator of `current` returned as ref's value (see HashValue) and returns it.
HashValue* Keep(const EntryRef& ref, HashValue* current, HashValue* kept) {
  if (kept != current) {
    ref->ResetObject(kept);
    ref->set_encoding(kept->encoding());
  }
  return kept;
}

// The hash of `key` for a write, created empty when the key is absent.
OpStatus FindOrCreate(Db& db, std::string_view key, EntryRef* ref) {
  const OpStatus status = db.FindForWriteAs(key, ValueType::kHash, ref);
  if (status != OpStatus::kNoKey) return status;
  *ref = db.Insert(Entry::NewObject(key, ValueType::kHash, Encoding::kListpack, HashValue::NewCompact(), kNoExpire));
  return OpStatus::kOk;
}

// Sets one field of ref's hash under the current limits.
bool SetField(Db& db, const EntryRef& ref, std::string_view field, std::string_view value) {
  const HashLimits limits = HashLimits::From(db.keyspace()->limits());
  HashValue* hash = HashOf(ref);
  bool added;
  Keep(ref, hash, hash->Set(field, value, limits, &added));
  return added;
}

// Redis's string2ld refuses texts that do not fit its 5 KiB buffer.
constexpr size_t kMaxFloatText = 5 * 1024;

}  // namespace

bool ParseHashFloat(std::string_view text, long double* value) {
  return text.size() < kMaxFloatText && ParseLongDouble(text, value);
}

OpStatus HashSet(Db& db, std::string_view key, std::span<const std::string_view> field_values, size_t* added) {
  EntryRef ref;
  const OpStatus status = FindOrCreate(db, key, &ref);
  if (status != OpStatus::kOk) return status;
  const HashLimits limits = HashLimits::From(db.keyspace()->limits());
  HashValue* hash = HashOf(ref);
  *added = 0;
  for (size_t i = 0; i + 1 < field_values.size(); i += 2) {
    bool is_new;
    hash = Keep(ref, hash, hash->Set(field_values[i], field_values[i + 1], limits, &is_new));
    *added += is_new ? 1 : 0;
  }
  db.Notify(KeyEvent::kHSet, key);
  return OpStatus::kOk;
}

OpStatus HashSetIfAbsent(Db& db, std::string_view key, std::string_view field, std::string_view value, bool* set) {
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kHash, &ref);
  if (status == OpStatus::kWrongType) return status;
  std::string_view ignored;
  *set = status == OpStatus::kNoKey || !HashOf(ref)->Get(field, &ignored);
  if (!*set) return OpStatus::kOk;
  if (status == OpStatus::kNoKey) FindOrCreate(db, key, &ref);
  SetField(db, ref, field, value);
  db.Notify(KeyEvent::kHSet, key);
  return OpStatus::kOk;
}

OpStatus HashGet(Db& db, std::string_view key, std::string_view field, std::string_view* value) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kHash, &ref);
  if (status != OpStatus::kOk) return status;
  return HashOf(ref)->Get(field, value) ? OpStatus::kOk : OpStatus::kNoKey;
}

OpStatus HashGetMany(Db& db, std::string_view key, std::span<const std::string_view> fields,
                     std::vector<std::optional<std::string_view>>* values) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kHash, &ref);
  if (status == OpStatus::kWrongType) return status;
  values->assign(fields.size(), std::nullopt);
  if (status == OpStatus::kNoKey) return OpStatus::kOk;
  const HashValue* hash = HashOf(ref);
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string_view v;
    if (hash->Get(fields[i], &v)) (*values)[i] = v;
  }
  return OpStatus::kOk;
}

OpStatus HashGetAll(Db& db, std::string_view key, PairSink* sink) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kHash, &ref);
  if (status != OpStatus::kOk) return status;
  const HashValue* hash = HashOf(ref);
  sink->Begin(hash->size());
  hash->ForEach([sink](std::string_view f, std::string_view v) { sink->Pair(f, v); });
  return OpStatus::kOk;
}

OpStatus HashDelete(Db& db, std::string_view key, std::span<const std::string_view> fields, size_t* deleted) {
  *deleted = 0;
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kHash, &ref);
  if (status == OpStatus::kNoKey) return OpStatus::kOk;
  if (status != OpStatus::kOk) return status;
  HashValue* hash = HashOf(ref);
  bool emptied = false;
  for (std::string_view field : fields) {
    bool removed;
    hash = Keep(ref, hash, hash->Delete(field, &removed));
    if (!removed) continue;
    ++*deleted;
    if (hash->size() == 0) {
      db.Erase(&ref);
      emptied = true;
      break;
    }
  }
  if (*deleted > 0) db.Notify(KeyEvent::kHDel, key);
  if (emptied) db.Notify(KeyEvent::kDel, key);
  return OpStatus::kOk;
}

OpStatus HashLength(Db& db, std::string_view key, size_t* length) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kHash, &ref);
  *length = status == OpStatus::kOk ? HashOf(ref)->size() : 0;
  return status == OpStatus::kNoKey ? OpStatus::kOk : status;
}

OpStatus HashValueLength(Db& db, std::string_view key, std::string_view field, size_t* length) {
  std::string_view value;
  const OpStatus status = HashGet(db, key, field, &value);
  *length = status == OpStatus::kOk ? value.size() : 0;
  return status == OpStatus::kNoKey ? OpStatus::kOk : status;
}

OpStatus HashExists(Db& db, std::string_view key, std::string_view field, bool* exists) {
  std::string_view value;
  const OpStatus status = HashGet(db, key, field, &value);
  *exists = status == OpStatus::kOk;
  return status == OpStatus::kNoKey ? OpStatus::kOk : status;
}

OpStatus HashIncrBy(Db& db, std::string_view key, std::string_view field, int64_t increment, int64_t* result) {
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kHash, &ref);
  if (status == OpStatus::kWrongType) return status;
  int64_t current = 0;
  std::string_view text;
  if (status == OpStatus::kOk && HashOf(ref)->Get(field, &text) && !ParseInt64(text, &current)) {
    return OpStatus::kNotInteger;
  }
  if ((increment < 0 && current < 0 && increment < INT64_MIN - current) ||
      (increment > 0 && current > 0 && increment > INT64_MAX - current)) {
    return OpStatus::kOverflow;
  }
  *result = current + increment;
  char digits[kMaxInt64Chars];
  const std::string_view sum(digits, FormatInt64(*result, digits));
  if (status == OpStatus::kNoKey) FindOrCreate(db, key, &ref);
  SetField(db, ref, field, sum);
  db.Notify(KeyEvent::kHIncrBy, key);
  return OpStatus::kOk;
}

OpStatus HashIncrByFloat(Db& db, std::string_view key, std::string_view field, long double increment,
                         std::string* result) {
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kHash, &ref);
  if (status == OpStatus::kWrongType) return status;
  long double current = 0;
  std::string_view text;
  if (status == OpStatus::kOk && HashOf(ref)->Get(field, &text) && !ParseHashFloat(text, &current)) {
    return OpStatus::kNotFloat;
  }
  const long double sum = current + increment;
  if (std::isnan(sum) || std::isinf(sum)) return OpStatus::kNanOrInfinity;
  *result = FormatLongDoubleHuman(sum);
  if (status == OpStatus::kNoKey) FindOrCreate(db, key, &ref);
  SetField(db, ref, field, *result);
  db.Notify(KeyEvent::kHIncrByFloat, key);
  return OpStatus::kOk;
}

OpStatus HashRandomField(Db& db, std::string_view key, HashRng& rng, std::string* field) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kHash, &ref);
  if (status != OpStatus::kOk) return status;
  HashOf(ref)->SampleWithRepeats(1, rng, [field](std::string_view f, std::string_view) { field->assign(f); });
  return OpStatus::kOk;
}

OpStatus HashRandomFields(Db& db, std::string_view key, int64_t count, HashRng& rng, PairSink* sink) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kHash, &ref);
  if (status == OpStatus::kWrongType) return status;
  if (status == OpStatus::kNoKey || count == 0) {
    sink->Begin(0);
    return OpStatus::kOk;
  }
  const HashValue* hash = HashOf(ref);
  auto pair = [sink](std::string_view f, std::string_view v) { sink->Pair(f, v); };
  if (count < 0) {
    const size_t draws = static_cast<size_t>(0 - static_cast<uint64_t>(count));
    sink->Begin(draws);
    hash->SampleWithRepeats(draws, rng, pair);
  } else if (static_cast<size_t>(count) >= hash->size()) {
    sink->Begin(hash->size());
    hash->ForEach(pair);
  } else {
    sink->Begin(static_cast<size_t>(count));
    hash->SampleDistinct(static_cast<size_t>(count), rng, pair);
  }
  return OpStatus::kOk;
}

OpStatus HashFindForRead(Db& db, std::string_view key, const HashValue** hash) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kHash, &ref);
  if (status == OpStatus::kOk) *hash = HashOf(ref);
  return status;
}

uint64_t HashScan(const HashValue& hash, uint64_t cursor, size_t count, std::optional<std::string_view> pattern,
                  std::vector<std::pair<std::string, std::string>>* pairs) {
  pairs->clear();
  return hash.Scan(cursor, count, [&](std::string_view f, std::string_view v) {
    if (!pattern || GlobMatch(*pattern, f)) pairs->emplace_back(f, v);
  });
}

}  // namespace strata::store
