#include "store/keyspace_ops.h"

#include <cassert>
#include <climits>

#include "common/glob.h"
#include "common/numbers.h"
#include "store/store_counters.h"

namespace strata::store {
namespace {

// Redis keeps one shared object for each integer below this.
constexpr int64_t kSharedIntegers = 10000;

// A lookup that counts a hit or miss but leaves the access time alone (Redis's LOOKUP_NOTOUCH).
// A miss is announced as "keymiss" unless `announce_miss` is false (LOOKUP_NONOTIFY: OBJECT).
EntryRef FindNoTouch(Db& db, std::string_view key, bool announce_miss = true) {
  EntryRef ref = db.Find(key);
  db.CountLookup(key, static_cast<bool>(ref));
  if (!ref && announce_miss) db.Notify(KeyEvent::kKeyMiss, key);
  return ref;
}

bool IsSharedInteger(const Entry& e) {
  if (e.type() != ValueType::kString || e.encoding() != Encoding::kInt) return false;
  int64_t v;
  return ParseInt64(e.string_value(), &v) && v >= 0 && v < kSharedIntegers;
}

}  // namespace

bool DeleteKey(Db& db, std::string_view key, bool lazy) {
  EntryRef ref = db.Find(key);
  if (!ref) return false;
  Entry* entry = db.Detach(&ref);
  if (lazy && entry->type() != ValueType::kString) {
    db.keyspace()->FreeLater(entry);
  } else {
    Entry::Destroy(entry);
  }
  db.Notify(KeyEvent::kDel, key);
  return true;
}

bool KeyExists(Db& db, std::string_view key) { return static_cast<bool>(FindNoTouch(db, key)); }

bool TouchKey(Db& db, std::string_view key) { return static_cast<bool>(db.FindForRead(key)); }

OpStatus GetKeyType(Db& db, std::string_view key, ValueType* type) {
  EntryRef ref = FindNoTouch(db, key);
  if (!ref) return OpStatus::kNoKey;
  *type = ref->type();
  return OpStatus::kOk;
}

OpStatus RenameKey(Db& db, std::string_view from, std::string_view to, bool only_if_absent) {
  EntryRef src = db.FindForWrite(from);
  if (!src) return OpStatus::kNoKey;
  if (from == to) return only_if_absent ? OpStatus::kNotDone : OpStatus::kOk;
  if (EntryRef dst = db.FindForWrite(to)) {
    if (only_if_absent) return OpStatus::kNotDone;
    // Redis deletes the old `to` and adds the key anew: "new" is announced.
    db.Erase(&dst);
  }
  // Looking `to` up or erasing it may have shifted src's slot; find it again. It can only be
  // gone if its deadline passed in between, as if the command had run a moment later.
  src = db.Find(from);
  if (!src) return OpStatus::kNoKey;
  const int64_t deadline = src->expire_ms();
  db.Insert(Entry::MoveTo(db.Detach(&src), to, deadline), Access::kKeep);
  db.Notify(KeyEvent::kRenameFrom, from);
  db.Notify(KeyEvent::kRenameTo, to);
  return OpStatus::kOk;
}

OpStatus CopyKey(Db& src, std::string_view from, Db& dst, std::string_view to, bool replace) {
  assert(src.index() != dst.index() || from != to);
  EntryRef ref = src.FindForRead(from);
  if (!ref) return OpStatus::kNoKey;
  // The entry itself stays put while the lookup below reclaims or shifts other slots.
  const Entry* source = ref.entry;
  if (EntryRef old = dst.FindForWrite(to)) {
    if (!replace) return OpStatus::kNotDone;
    // Redis deletes the old `to` and adds the copy anew: "new" is announced.
    dst.Erase(&old);
  }
  dst.Insert(Entry::CopyTo(source, to, source->expire_ms()), Access::kKeep);
  dst.Notify(KeyEvent::kCopyTo, to);
  return OpStatus::kOk;
}

OpStatus MoveKey(Db& src, Db& dst, std::string_view key) {
  assert(src.index() != dst.index());
  EntryRef ref = src.FindForWrite(key);
  if (!ref) return OpStatus::kNoKey;
  // Another database is another table: this lookup cannot disturb ref.
  if (dst.FindForWrite(key)) return OpStatus::kNotDone;
  dst.Insert(src.Detach(&ref), Access::kKeep);
  src.Notify(KeyEvent::kMoveFrom, key);
  dst.Notify(KeyEvent::kMoveTo, key);
  return OpStatus::kOk;
}

OpStatus SetExpiry(Db& db, std::string_view key, int64_t deadline_ms, unsigned conditions) {
  EntryRef ref = db.FindForWrite(key);
  if (!ref) return OpStatus::kNoKey;
  const int64_t current = ref->expire_ms();
  const bool has_current = current != kNoExpire;
  if ((conditions & kExpireNx) && has_current) return OpStatus::kNotDone;
  if ((conditions & kExpireXx) && !has_current) return OpStatus::kNotDone;
  // No deadline is an infinite one: nothing is greater, everything is less.
  if ((conditions & kExpireGt) && (!has_current || deadline_ms <= current)) return OpStatus::kNotDone;
  if ((conditions & kExpireLt) && has_current && deadline_ms >= current) return OpStatus::kNotDone;
  if (deadline_ms <= db.NowMs()) {
    db.Erase(&ref);
    db.Notify(KeyEvent::kDel, key);
  } else {
    db.Replace(&ref, Entry::MoveTo(ref.entry, key, deadline_ms));
    db.Notify(KeyEvent::kExpire, key);
  }
  return OpStatus::kOk;
}

OpStatus ClearExpiry(Db& db, std::string_view key) {
  EntryRef ref = db.FindForWrite(key);
  if (!ref) return OpStatus::kNoKey;
  if (!ref->has_expire()) return OpStatus::kNotDone;
  db.Replace(&ref, Entry::MoveTo(ref.entry, key, kNoExpire));
  db.Notify(KeyEvent::kPersist, key);
  return OpStatus::kOk;
}

OpStatus GetExpiry(Db& db, std::string_view key, int64_t* deadline_ms) {
  EntryRef ref = FindNoTouch(db, key);
  if (!ref) return OpStatus::kNoKey;
  *deadline_ms = ref->expire_ms();
  return OpStatus::kOk;
}

ObjectInfo DescribeEntry(const Entry& entry, uint32_t lru_clock) {
  ObjectInfo info;
  info.encoding = entry.encoding();
  info.refcount = IsSharedInteger(entry) ? INT_MAX : 1;
  info.access = entry.access();
  info.idle_seconds = LruIdleSeconds(entry.access(), lru_clock);
  return info;
}

OpStatus InspectKey(Db& db, std::string_view key, ObjectInfo* info) {
  EntryRef ref = FindNoTouch(db, key, /*announce_miss=*/false);
  if (!ref) return OpStatus::kNoKey;
  *info = DescribeEntry(*ref.entry, db.keyspace()->lru_clock());
  return OpStatus::kOk;
}

void MatchKeys(Db& db, std::string_view pattern, FunctionRef<void(std::string_view)> emit) {
  const bool all = pattern == "*";
  db.ForEach([&](const Entry& e) {
    if (all || GlobMatch(pattern, e.key())) emit(e.key());
  });
}

uint64_t ScanKeys(Db& db, uint64_t cursor, size_t count, const ScanFilter& filter,
                  FunctionRef<void(std::string_view)> emit) {
  // Redis looks each candidate up to learn its type, which counts a hit; counting in bulk
  // afterwards keeps the visitor free of thread-local lookups.
  size_t type_checks = 0;
  PrefixStats* prefixes = filter.has_type ? db.keyspace()->prefix_stats() : nullptr;
  const uint64_t next = db.Scan(cursor, count, [&](const Entry& e) {
    if (filter.has_pattern && !GlobMatch(filter.pattern, e.key())) return;
    if (filter.has_type) {
      ++type_checks;
      if (prefixes != nullptr) prefixes->CountLookup(e.key(), /*hit=*/true);
      if (!EqualsIgnoreCase(filter.type_name, TypeName(e.type()))) return;
    }
    emit(e.key());
  });
  if (type_checks > 0) db.counters().keyspace_hits.Add(type_checks);
  return next;
}

}  // namespace strata::store
