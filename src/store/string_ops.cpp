#include "store/string_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/numbers.h"

namespace strata::store {

SetOutcome SetString(Db& db, std::string_view key, std::string_view value, const SetParams& params) {
  SetOutcome out;
  // SET ... GET and GETSET read the old value as GET does, which counts a keyspace hit or miss.
  EntryRef ref = params.get_old ? db.FindForRead(key) : db.FindForWrite(key);
  if (params.get_old && ref) {
    if (ref->type() != ValueType::kString) {
      out.status = OpStatus::kWrongType;
      return out;
    }
    out.had_old = true;
    out.old_value.assign(ref->string_value());
  }
  if ((params.condition == SetParams::Condition::kIfAbsent && ref) ||
      (params.condition == SetParams::Condition::kIfPresent && !ref)) {
    out.status = OpStatus::kNotDone;
    return out;
  }
  const int64_t expire = params.keep_ttl && ref ? ref->expire_ms() : params.expire_ms;
  const Encoding encoding = ChooseStringEncoding(value);
  if (ref && ref->type() == ValueType::kString) {
    // Rewrite the existing entry: in place when the value keeps its length and the key keeps or
    // lacks a deadline as before (the common overwrite), with fresh allocations otherwise.
    Entry* fresh = Entry::MoveTo(Entry::SetString(ref.entry, value, encoding), key, expire);
    if (fresh != ref.entry) db.Replace(&ref, fresh);
  } else {
    db.Store(Entry::NewString(key, value, encoding, expire));
  }
  db.Notify(KeyEvent::kSet, key);
  if (!params.keep_ttl && params.expire_ms != kNoExpire) db.Notify(KeyEvent::kExpire, key);
  return out;
}

OpStatus GetString(Db& db, std::string_view key, std::string_view* value) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kString, &ref);
  if (status == OpStatus::kOk) *value = ref->string_value();
  return status;
}

OpStatus GetDel(Db& db, std::string_view key, std::string* value) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kString, &ref);
  if (status != OpStatus::kOk) return status;
  value->assign(ref->string_value());
  db.Erase(&ref);
  db.Notify(KeyEvent::kDel, key);
  return OpStatus::kOk;
}

OpStatus GetEx(Db& db, std::string_view key, const ExpiryChange& change, std::string* value) {
  EntryRef ref;
  const OpStatus status = db.FindForReadAs(key, ValueType::kString, &ref);
  if (status != OpStatus::kOk) return status;
  value->assign(ref->string_value());
  switch (change.kind) {
    case ExpiryChange::Kind::kKeep:
      break;
    case ExpiryChange::Kind::kSet:
      if (change.deadline_ms <= db.NowMs()) {
        db.Erase(&ref);
        db.Notify(KeyEvent::kDel, key);
      } else {
        db.Replace(&ref, Entry::MoveTo(ref.entry, ref->key(), change.deadline_ms));
        db.Notify(KeyEvent::kExpire, key);
      }
      break;
    case ExpiryChange::Kind::kPersist:
      if (ref->has_expire()) {
        db.Replace(&ref, Entry::MoveTo(ref.entry, ref->key(), kNoExpire));
        db.Notify(KeyEvent::kPersist, key);
      }
      break;
  }
  return OpStatus::kOk;
}

void MGet(Db& db, std::span<const std::string_view> keys, FunctionRef<void(std::optional<std::string_view>)> visit) {
  for (std::string_view key : keys) {
    const EntryRef ref = db.FindForRead(key);
    if (ref && ref->type() == ValueType::kString) {
      visit(ref->string_value());
    } else {
      visit(std::nullopt);
    }
  }
}

OpStatus MSet(Db& db, std::span<const std::string_view> pairs, bool only_if_none_exist) {
  if (only_if_none_exist) {
    for (size_t i = 0; i < pairs.size(); i += 2) {
      if (db.FindForWrite(pairs[i])) return OpStatus::kNotDone;
    }
  }
  const SetParams plain;
  for (size_t i = 0; i + 1 < pairs.size(); i += 2) SetString(db, pairs[i], pairs[i + 1], plain);
  return OpStatus::kOk;
}

char* GrowString(Db& db, std::string_view key, EntryRef* ref, size_t min_size, size_t* size) {
  char* data;
  if (!*ref) {
    Entry* fresh = Entry::NewString(key, std::string_view(), Encoding::kRaw, kNoExpire);
    *ref = db.Insert(Entry::ResizeString(fresh, min_size, Encoding::kRaw, &data));
    *size = min_size;
    return data;
  }
  const size_t old = (*ref)->string_value().size();
  *size = old > min_size ? old : min_size;
  // Resizing to the same length still makes the value "raw", as Redis unshares it.
  db.Replace(ref, Entry::ResizeString(ref->entry, *size, Encoding::kRaw, &data));
  return data;
}

OpStatus Append(Db& db, std::string_view key, std::string_view suffix, size_t* new_len) {
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kString, &ref);
  if (status == OpStatus::kWrongType) return status;
  if (status == OpStatus::kNoKey) {
    db.Insert(Entry::NewString(key, suffix, ChooseStringEncoding(suffix), kNoExpire));
    *new_len = suffix.size();
    db.Notify(KeyEvent::kAppend, key);
    return OpStatus::kOk;
  }
  const size_t old = ref->string_value().size();
  if (old > kMaxStringLen || suffix.size() > kMaxStringLen - old) return OpStatus::kTooLarge;
  char* data = GrowString(db, key, &ref, old + suffix.size(), new_len);
  if (!suffix.empty()) std::memcpy(data + old, suffix.data(), suffix.size());
  db.Notify(KeyEvent::kAppend, key);
  return OpStatus::kOk;
}

OpStatus SetRange(Db& db, std::string_view key, int64_t offset, std::string_view value, size_t* new_len) {
  if (offset < 0) return OpStatus::kOutOfRange;
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kString, &ref);
  if (status == OpStatus::kWrongType) return status;
  if (value.empty()) {
    *new_len = ref ? ref->string_value().size() : 0;
    return OpStatus::kOk;
  }
  // Checked before any allocation: the offset alone may ask for gigabytes.
  const uint64_t start = static_cast<uint64_t>(offset);
  if (value.size() > kMaxStringLen || start > kMaxStringLen - value.size()) return OpStatus::kTooLarge;
  char* data = GrowString(db, key, &ref, static_cast<size_t>(start) + value.size(), new_len);
  std::memcpy(data + start, value.data(), value.size());
  db.Notify(KeyEvent::kSetRange, key);
  return OpStatus::kOk;
}

OpStatus IncrBy(Db& db, std::string_view key, int64_t delta, int64_t* result) {
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kString, &ref);
  if (status == OpStatus::kWrongType) return status;
  int64_t current = 0;
  if (ref && !ParseInt64(ref->string_value(), &current)) return OpStatus::kNotInteger;
  if ((delta < 0 && current < 0 && delta < INT64_MIN - current) ||
      (delta > 0 && current > 0 && delta > INT64_MAX - current)) {
    return OpStatus::kOverflow;
  }
  const int64_t value = current + delta;
  char buf[kMaxInt64Chars];
  const std::string_view text(buf, FormatInt64(value, buf));
  if (ref) {
    db.Replace(&ref, Entry::SetString(ref.entry, text, Encoding::kInt));
  } else {
    db.Insert(Entry::NewString(key, text, Encoding::kInt, kNoExpire));
  }
  *result = value;
  db.Notify(KeyEvent::kIncrBy, key);
  return OpStatus::kOk;
}

OpStatus IncrByFloat(Db& db, std::string_view key, std::string_view increment, std::string* result) {
  EntryRef ref;
  const OpStatus status = db.FindForWriteAs(key, ValueType::kString, &ref);
  if (status == OpStatus::kWrongType) return status;
  long double current = 0;
  if (ref && !ParseLongDouble(ref->string_value(), &current)) return OpStatus::kNotFloat;
  long double delta;
  if (!ParseLongDouble(increment, &delta)) return OpStatus::kNotFloat;
  const long double value = current + delta;
  if (std::isnan(value) || std::isinf(value)) return OpStatus::kNanOrInfinity;
  *result = FormatLongDoubleHuman(value);
  // Redis builds the result as a plain string object: embstr or raw by length, never int.
  const Encoding encoding = result->size() <= kEmbStrMaxLen ? Encoding::kEmbStr : Encoding::kRaw;
  if (ref) {
    db.Replace(&ref, Entry::SetString(ref.entry, *result, encoding));
  } else {
    db.Insert(Entry::NewString(key, *result, encoding, kNoExpire));
  }
  db.Notify(KeyEvent::kIncrByFloat, key);
  return OpStatus::kOk;
}

bool ResolveRange(int64_t len, int64_t* start, int64_t* end) {
  if (*start < 0) *start += len;
  if (*end < 0) *end += len;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= len) *end = len - 1;
  return *start <= *end;
}

std::string_view Substring(std::string_view value, int64_t start, int64_t end) {
  if (start < 0 && end < 0 && start > end) return std::string_view();
  if (!ResolveRange(static_cast<int64_t>(value.size()), &start, &end)) return std::string_view();
  return value.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1));
}

bool LcsTableFits(size_t a_len, size_t b_len) {
  const unsigned __int128 cells = static_cast<unsigned __int128>(a_len + 1) * (b_len + 1);
  return cells * sizeof(uint32_t) <= kMaxStringLen;
}

LcsResult ComputeLcs(std::string_view a, std::string_view b, bool want_text, bool want_matches,
                     int64_t min_match_len) {
  const auto a_len = static_cast<uint32_t>(a.size());
  const auto b_len = static_cast<uint32_t>(b.size());
  const size_t width = size_t{b_len} + 1;
  // table[i * width + j]: the LCS length of a[0, i) and b[0, j). Row and column 0 stay 0.
  std::vector<uint32_t> table((size_t{a_len} + 1) * width, 0);
  auto cell = [&](uint32_t i, uint32_t j) -> uint32_t& { return table[i * width + j]; };
  for (uint32_t i = 1; i <= a_len; ++i) {
    for (uint32_t j = 1; j <= b_len; ++j) {
      if (a[i - 1] == b[j - 1]) {
        cell(i, j) = cell(i - 1, j - 1) + 1;
      } else {
        cell(i, j) = std::max(cell(i - 1, j), cell(i, j - 1));
      }
    }
  }
  LcsResult result;
  result.length = cell(a_len, b_len);
  if (!want_text && !want_matches) return result;
  if (want_text) result.text.assign(result.length, '\0');

  // Walk back from the end; on a tie prefer dropping a byte of b, as Redis does, so the same
  // subsequence (and the same runs) come out.
  uint32_t remaining = result.length;
  uint32_t i = a_len;
  uint32_t j = b_len;
  bool in_run = false;
  LcsMatch run;
  while (i > 0 && j > 0) {
    bool run_ends = false;
    if (a[i - 1] == b[j - 1]) {
      if (want_text) result.text[remaining - 1] = a[i - 1];
      if (in_run) {
        run.a_start = i - 1;
        run.b_start = j - 1;
      } else {
        run = LcsMatch{i - 1, i - 1, j - 1, j - 1};
        in_run = true;
      }
      run_ends = run.a_start == 0 || run.b_start == 0;
      --remaining;
      --i;
      --j;
    } else {
      if (cell(i - 1, j) > cell(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      run_ends = in_run;
    }
    if (run_ends) {
      if (want_matches && run.length() >= min_match_len) result.matches.push_back(run);
      in_run = false;
    }
  }
  return result;
}

}  // namespace strata::store
