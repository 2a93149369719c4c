// Helpers shared by the store tests: a collection stand-in, entry builders, sorted-set range
// specs, commands run under stripe locks as the dispatcher runs them, a recorder of keyspace
// events, and a structural check of a KeyTable.
#ifndef STRATA_TESTS_STORE_STORE_TEST_UTIL_H_
#define STRATA_TESTS_STORE_STORE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <atomic>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/hash.h"
#include "store/entry.h"
#include "store/key_events.h"
#include "store/key_table.h"
#include "store/keyspace.h"
#include "store/lock_set.h"
#include "store/zset_ops.h"

namespace strata::store::testing {

// A collection value that counts its live instances and remembers which thread destroyed the
// last one, so tests can see values copied, freed, and freed on the background thread.
class TestObject final : public ObjectValue {
 public:
  explicit TestObject(std::string payload) : payload_(std::move(payload)) { live_.fetch_add(1); }
  ~TestObject() override {
    live_.fetch_sub(1);
    destroyed_.fetch_add(1);
  }
  ObjectValue* Clone() const override { return new TestObject(payload_); }
  size_t MemoryUsage() const override { return 1000 + payload_.size(); }

  const std::string& payload() const { return payload_; }
  static int live() { return live_.load(); }
  static int destroyed() { return destroyed_.load(); }

 private:
  std::string payload_;
  static inline std::atomic<int> live_{0};
  static inline std::atomic<int> destroyed_{0};
};

inline Entry* NewStringEntry(std::string_view key, std::string_view value, int64_t expire_ms = kNoExpire) {
  return Entry::NewString(key, value, ChooseStringEncoding(value), expire_ms);
}

inline Entry* NewObjectEntry(std::string_view key, ValueType type, std::string payload,
                             int64_t expire_ms = kNoExpire) {
  return Entry::NewObject(key, type, Encoding::kHashtable, new TestObject(std::move(payload)), expire_ms);
}

// What a sorted-set range command selects, from its bounds as the command would parse them.
inline ZRangeSpec ByScore(std::string_view min, std::string_view max) {
  ZRangeSpec spec;
  spec.by = ZRangeSpec::By::kScore;
  EXPECT_TRUE(ParseScoreBound(min, &spec.score_min));
  EXPECT_TRUE(ParseScoreBound(max, &spec.score_max));
  return spec;
}

inline ZRangeSpec ByLex(std::string_view min, std::string_view max) {
  ZRangeSpec spec;
  spec.by = ZRangeSpec::By::kLex;
  EXPECT_TRUE(ParseLexBound(min, &spec.lex_min));
  EXPECT_TRUE(ParseLexBound(max, &spec.lex_max));
  return spec;
}

inline ZRangeSpec ByRank(int64_t start, int64_t stop, bool reverse = false) {
  ZRangeSpec spec;
  spec.start = start;
  spec.stop = stop;
  spec.reverse = reverse;
  return spec;
}

// Every event class (kClassKeyMiss is the highest bit).
inline constexpr uint32_t kEveryEventClass = (uint32_t{kClassKeyMiss} << 1) - 1;

// Records the keyspace events it is handed, in order, as "db:event:key" ("0:lpush:q"); SWAPDB as
// "a:swapdb:b" and FLUSHALL as "-1:flushdb:". Wants every class unless told otherwise.
// Thread-safe, so concurrent commands may deliver to it.
class RecordingObserver : public KeyspaceObserver {
 public:
  RecordingObserver() { set_wanted(kEveryEventClass); }

  void Want(uint32_t classes) { set_wanted(classes); }

  void OnKeyEvent(const KeyEventRecord& event) override {
    std::string text = std::to_string(event.db) + ":" + std::string(EventName(event.event)) + ":";
    if (event.event == KeyEvent::kSwapDb) {
      text += std::to_string(event.other_db);
    } else {
      text += event.key;
    }
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(text));
  }

  // The events recorded since the last Take, which are then forgotten.
  std::vector<std::string> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(events_, {});
  }

 private:
  std::mutex mu_;
  std::vector<std::string> events_;
};

// Runs fn() as the dispatcher runs a command: takes `locks` (filled by the caller), runs, then
// releases them and delivers the events the command recorded. Returns what fn returns.
template <typename Fn>
auto RunCommand(Keyspace& ks, LockSet& locks, Fn fn) {
  locks.Lock();
  struct EndCommand {
    Keyspace& ks;
    LockSet& locks;
    ~EndCommand() {
      locks.Unlock();
      ks.DeliverEvents();
    }
  } end{ks, locks};
  return fn();
}

// Runs fn(Db&) as a command on `keys` of database `db`, with a Db at the clock's current time.
template <typename Fn>
auto OnKeys(Keyspace& ks, int db, std::initializer_list<std::string_view> keys, Fn fn) {
  LockSet locks(&ks);
  for (std::string_view key : keys) locks.Add(db, key);
  Db d(&ks, db);
  return RunCommand(ks, locks, [&] { return fn(d); });
}

// Runs fn(Db&) as a whole-database command (SCAN, KEYS, RANDOMKEY ...) on database `db`.
template <typename Fn>
auto OnDatabase(Keyspace& ks, int db, Fn fn) {
  LockSet locks(&ks);
  locks.AddDatabase(db);
  Db d(&ks, db);
  return RunCommand(ks, locks, [&] { return fn(d); });
}

// Runs fn() with every stripe of every database locked (FLUSHALL, SWAPDB).
template <typename Fn>
auto OnAllDatabases(Keyspace& ks, Fn fn) {
  LockSet locks(&ks);
  locks.AddAllDatabases();
  return RunCommand(ks, locks, fn);
}

// Stores `entry` in database `db` as a command would, replacing any current entry.
inline void Put(Keyspace& ks, int db, Entry* entry) {
  OnKeys(ks, db, {entry->key()}, [&](Db& d) { d.Store(entry); });
}

inline void PutString(Keyspace& ks, int db, std::string_view key, std::string_view value,
                      int64_t expire_ms = kNoExpire) {
  Put(ks, db, NewStringEntry(key, value, expire_ms));
}

// The string value of a live `key` in `db` (with lazy expiry), or "<none>".
inline std::string GetString(Keyspace& ks, int db, std::string_view key) {
  return OnKeys(ks, db, {key}, [&](Db& d) -> std::string {
    EntryRef ref = d.Find(key);
    if (!ref) return "<none>";
    return std::string(ref->string_value());
  });
}

// Checks what every lookup and the SCAN walk rely on: each entry sits at or after its home with no
// empty slot in between (so backward-shift deletion left no hole), along a run homes never
// decrease (Robin Hood order: dist(i) <= dist(i-1) + 1), Find finds each key at its slot, and the
// size, volatile count and volatile bits agree with the entries. Returns the largest distance.
inline size_t CheckTableInvariants(const KeyTable& t) {
  const size_t cap = t.capacity();
  size_t count = 0;
  size_t volatile_count = 0;
  size_t max_distance = 0;
  auto distance_at = [&](size_t i) {
    const Entry* e = t.At(i);
    return (i + cap - t.HomeOf(HashKey(e->key()))) % cap;
  };
  for (size_t i = 0; i < cap; ++i) {
    const Entry* e = t.At(i);
    if (e == nullptr) continue;
    ++count;
    EXPECT_EQ(t.IsVolatile(i), e->has_expire()) << "slot " << i;
    if (t.IsVolatile(i)) ++volatile_count;
    const uint64_t hash = HashKey(e->key());
    const size_t home = t.HomeOf(hash);
    const size_t distance = distance_at(i);
    if (distance > max_distance) max_distance = distance;
    for (size_t j = 1; j <= distance; ++j) {
      EXPECT_NE(t.At((home + j - 1) % cap), nullptr) << "hole between home " << home << " and slot " << i;
    }
    if (distance > 0) {
      const size_t prev = (i + cap - 1) % cap;
      if (t.At(prev) == nullptr) continue;  // reported as a hole above
      EXPECT_LE(distance, distance_at(prev) + 1) << "Robin Hood order broken at slot " << i;
    }
    EXPECT_EQ(t.Find(hash, e->key()), i) << "key " << e->key();
  }
  EXPECT_EQ(count, t.size());
  EXPECT_EQ(volatile_count, t.volatile_count());
  return max_distance;
}

}  // namespace strata::store::testing

#endif  // STRATA_TESTS_STORE_STORE_TEST_UTIL_H_
