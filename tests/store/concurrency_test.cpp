// Many threads on overlapping keys through LockSet + Db, with SCAN, RANDOMKEY, active expiry and
// a moving clock running alongside, each command locking and delivering its events as the
// dispatcher does; afterwards the contents must agree with what the threads report having done,
// and every expiry must have been announced once. Meant to run under ThreadSanitizer too (see tests/meson.build).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/numbers.h"
#include "store/keyspace.h"
#include "store/keyspace_ops.h"
#include "store/lock_set.h"
#include "store_test_util.h"

namespace strata::store {
namespace {

using testing::NewObjectEntry;
using testing::NewStringEntry;
using testing::OnDatabase;
using testing::RunCommand;
using testing::TestObject;

constexpr int kCounters = 16;  // c0..c15: integers, always present
constexpr int kRing = 16;      // r0..r15: 8 unique tokens moved around by RENAMENX
constexpr int kTokens = 8;
constexpr int kVolatile = 48;  // v0..v47: short-lived keys in db 0 and 1
constexpr int kWorkers = 4;
constexpr int kOpsPerWorker = 40000;

std::string Name(char prefix, int i) { return std::string(1, prefix) + std::to_string(i); }

class Worker {
 public:
  Worker(Keyspace* ks, FakeClock* clock, int seed) : ks_(ks), clock_(clock), locks_(ks), rng_(seed) {}

  // Units this worker added to the counters (transfers add none).
  int64_t added() const { return added_; }

  void Run() {
    for (int op = 0; op < kOpsPerWorker; ++op) {
      switch (rng_() % 10) {
        case 0: Increment({Pick(kCounters)}); break;
        case 1: Increment(DistinctCounters(4)); break;  // MSET-like: four keys at once
        case 2: Transfer(); break;
        case 3: ReadCounter(); break;
        case 4: RenameRing(); break;
        case 5: ExpireRing(); break;
        case 6: WriteVolatile(); break;
        case 7: DeleteOrExpireVolatile(); break;
        case 8: RenameVolatile(); break;
        case 9: MoveVolatile(); break;
      }
    }
  }

 private:
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<unsigned>(n)); }

  std::vector<int> DistinctCounters(int n) {
    std::vector<int> picked;
    while (static_cast<int>(picked.size()) < n) {
      const int c = Pick(kCounters);
      bool dup = false;
      for (int p : picked) dup |= p == c;
      if (!dup) picked.push_back(c);
    }
    return picked;
  }

  int64_t ReadInt(Db& db, const std::string& key) {
    EntryRef ref = db.FindForRead(key);
    EXPECT_TRUE(ref) << key;
    int64_t v = -1;
    EXPECT_TRUE(ParseInt64(ref->string_value(), &v)) << key;
    return v;
  }

  void WriteInt(Db& db, const std::string& key, int64_t v) {
    EntryRef ref = db.FindForWrite(key);
    char buf[kMaxInt64Chars];
    const std::string_view text(buf, FormatInt64(v, buf));
    db.Replace(&ref, Entry::SetString(ref.entry, text, ChooseStringEncoding(text)));
    db.Notify(KeyEvent::kIncrBy, key);
  }

  void Increment(const std::vector<int>& counters) {
    for (int c : counters) locks_.Add(0, Name('c', c));
    RunCommand(*ks_, locks_, [&] {
      Db db(ks_, 0);
      for (int c : counters) WriteInt(db, Name('c', c), ReadInt(db, Name('c', c)) + 1);
    });
    added_ += static_cast<int64_t>(counters.size());
  }

  void Transfer() {
    const std::vector<int> pair = DistinctCounters(2);
    const std::string from = Name('c', pair[0]);
    const std::string to = Name('c', pair[1]);
    locks_.Add(0, to);  // deliberately not in key order: LockSet orders the stripes
    locks_.Add(0, from);
    RunCommand(*ks_, locks_, [&] {
      Db db(ks_, 0);
      const int64_t have = ReadInt(db, from);
      if (have > 0) {
        WriteInt(db, from, have - 1);
        WriteInt(db, to, ReadInt(db, to) + 1);
      }
    });
  }

  void ReadCounter() {
    const std::string key = Name('c', Pick(kCounters));
    locks_.Add(0, key);
    RunCommand(*ks_, locks_, [&] {
      Db db(ks_, 0);
      EXPECT_GE(ReadInt(db, key), 0);
    });
  }

  void RenameRing() {
    const std::string from = Name('r', Pick(kRing));
    const std::string to = Name('r', Pick(kRing));
    locks_.Add(0, from);
    locks_.Add(0, to);
    RunCommand(*ks_, locks_, [&] {
      Db db(ks_, 0);
      RenameKey(db, from, to, true);
    });
  }

  void ExpireRing() {
    const std::string key = Name('r', Pick(kRing));
    locks_.Add(0, key);
    RunCommand(*ks_, locks_, [&] {
      Db db(ks_, 0);
      // Ten days out: ring keys must never expire during the test.
      if (rng_() % 2) {
        SetExpiry(db, key, clock_->NowMs() + 10LL * 24 * 3600 * 1000, kExpireAlways);
      } else {
        ClearExpiry(db, key);
      }
    });
  }

  void WriteVolatile() {
    const int db_index = Pick(2);
    const std::string key = Name('v', Pick(kVolatile));
    const int64_t deadline = clock_->NowMs() + 1 + Pick(20);
    locks_.Add(db_index, key);
    RunCommand(*ks_, locks_, [&] {
      Db db(ks_, db_index);
      if (rng_() % 4 == 0) {
        db.Store(NewObjectEntry(key, ValueType::kList, "elements", deadline));
      } else {
        db.Store(NewStringEntry(key, "value", deadline));
      }
    });
  }

  void DeleteOrExpireVolatile() {
    const int db_index = Pick(2);
    const std::string key = Name('v', Pick(kVolatile));
    locks_.Add(db_index, key);
    RunCommand(*ks_, locks_, [&] {
      Db db(ks_, db_index);
      switch (rng_() % 3) {
        case 0: DeleteKey(db, key, true); break;
        case 1: SetExpiry(db, key, db.NowMs() - 1, kExpireAlways); break;
        case 2: db.FindForRead(key); break;
      }
    });
  }

  void RenameVolatile() {
    const std::string from = Name('v', Pick(kVolatile));
    const std::string to = Name('v', Pick(kVolatile));
    locks_.Add(0, from);
    locks_.Add(0, to);
    RunCommand(*ks_, locks_, [&] {
      Db db(ks_, 0);
      if (rng_() % 2) {
        RenameKey(db, from, to, false);
      } else if (from != to) {
        CopyKey(db, from, db, to, true);
      }
    });
  }

  void MoveVolatile() {
    const std::string key = Name('v', Pick(kVolatile));
    const int from = Pick(2);
    locks_.Add(0, key);
    locks_.Add(1, key);
    RunCommand(*ks_, locks_, [&] {
      Db src(ks_, from);
      Db dst(ks_, 1 - from);
      MoveKey(src, dst, key);
    });
  }

  Keyspace* ks_;
  FakeClock* clock_;
  LockSet locks_;
  std::mt19937 rng_;
  int64_t added_ = 0;
};

TEST(ConcurrencyTest, MixedOperationsKeepInvariants) {
  const int objects_before = TestObject::live();
  FakeClock clock;
  // Told of expiries and deletions, from every thread that makes them.
  testing::RecordingObserver observer;
  observer.Want(kClassExpired | kClassGeneric);
  Keyspace ks(2, &clock);
  ks.AddObserver(&observer);
  for (int i = 0; i < kCounters; ++i) testing::PutString(ks, 0, Name('c', i), "100");
  for (int i = 0; i < kTokens; ++i) testing::PutString(ks, 0, Name('r', i), "token" + std::to_string(i));

  std::atomic<bool> stop{false};
  std::atomic<int> full_scans{0};
  std::vector<std::thread> background;
  // A scanner: every full scan must return each counter key exactly once and no key twice.
  background.emplace_back([&] {
    std::mt19937 rng(99);
    while (!stop.load()) {
      std::map<std::string, int> seen;
      uint64_t cursor = 0;
      do {
        const size_t count = 1 + rng() % 20;
        cursor = OnDatabase(ks, 0, [&](Db& db) {
          return db.Scan(cursor, count, [&](const Entry& e) { ++seen[std::string(e.key())]; });
        });
      } while (cursor != 0);
      for (int i = 0; i < kCounters; ++i) EXPECT_EQ(seen[Name('c', i)], 1) << Name('c', i);
      for (const auto& [key, times] : seen) EXPECT_EQ(times, 1) << key;
      EXPECT_TRUE(OnDatabase(ks, 0, [](Db& db) { return db.RandomKey(); }).has_value())
          << "the counters are always there";
      size_t matched = 0;
      OnDatabase(ks, 0, [&](Db& db) { MatchKeys(db, "c*", [&](std::string_view) { ++matched; }); });
      EXPECT_EQ(matched, size_t{kCounters});
      full_scans.fetch_add(1);
    }
  });
  // Active expiry, as an io-thread's cron would run it.
  background.emplace_back([&] {
    while (!stop.load()) {
      ks.ActiveExpireCycle(0, 1, 2000);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  // Time moves: keys expire lazily and actively while the workers run.
  background.emplace_back([&] {
    while (!stop.load()) {
      clock.AdvanceMs(1);
      ks.Tick();
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  });

  std::vector<std::unique_ptr<Worker>> workers;
  for (int w = 0; w < kWorkers; ++w) workers.push_back(std::make_unique<Worker>(&ks, &clock, w + 1));
  std::vector<std::thread> threads;
  for (auto& worker : workers) threads.emplace_back([w = worker.get()] { w->Run(); });
  for (auto& t : threads) t.join();
  // Let the scanner finish at least one full scan alongside the churn's aftermath.
  while (full_scans.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop.store(true);
  for (auto& t : background) t.join();

  // Counters: transfers move units, increments add them; nothing is lost or duplicated.
  int64_t added = 0;
  for (const auto& worker : workers) added += worker->added();
  int64_t sum = 0;
  for (int i = 0; i < kCounters; ++i) {
    const std::string value = testing::GetString(ks, 0, Name('c', i));
    int64_t v;
    ASSERT_TRUE(ParseInt64(value, &v)) << value;
    EXPECT_GE(v, 0);
    sum += v;
  }
  EXPECT_EQ(sum, 100 * kCounters + added);

  // Ring: RENAMENX only moves tokens, so each is in exactly one ring key.
  std::map<std::string, int> tokens;
  int ring_volatile = 0;
  for (int i = 0; i < kRing; ++i) {
    testing::OnKeys(ks, 0, {Name('r', i)}, [&](Db& db) {
      EntryRef ref = db.Find(Name('r', i));
      if (!ref) return;
      ++tokens[std::string(ref->string_value())];
      if (ref->has_expire()) ++ring_volatile;
    });
  }
  ASSERT_EQ(tokens.size(), size_t{kTokens});
  for (const auto& [token, count] : tokens) EXPECT_EQ(count, 1) << token;

  // Past every short deadline, active expiry leaves only the counters and the ring.
  clock.AdvanceMs(60'000);
  while (ks.ActiveExpireCycle(0, 1, 1'000'000).deleted > 0) {
  }
  EXPECT_EQ(ks.DbSize(0), size_t{kCounters + kTokens});
  EXPECT_EQ(ks.DbSize(1), 0u);
  EXPECT_EQ(ks.VolatileCount(0), static_cast<size_t>(ring_volatile));
  for (int db = 0; db < 2; ++db) {
    for (size_t s = 0; s < kStripes; ++s) testing::CheckTableInvariants(ks.stripe(db, s).table);
  }

  // Every key that expired, lazily or actively, on any thread, was announced once.
  size_t expired_events = 0;
  for (const std::string& event : observer.Take()) expired_events += event.find(":expired:") != std::string::npos;
  EXPECT_EQ(expired_events, ks.CounterTotals().expired_keys);
  EXPECT_GT(expired_events, 0u);

  // Every collection value created, replaced, copied, expired or unlinked was destroyed once.
  testing::OnAllDatabases(ks, [&] { ks.Flush(-1, false); });
  for (int i = 0; i < 500 && ks.PendingLazyFree() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(TestObject::live(), objects_before);
}

}  // namespace
}  // namespace strata::store
