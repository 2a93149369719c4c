// A keyspace on a FakeClock for store tests, with helpers that lock stripes as the dispatcher does.
#ifndef STRATA_TESTS_STORE_KEYSPACE_FIXTURE_H_
#define STRATA_TESTS_STORE_KEYSPACE_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "store/keyspace.h"
#include "store/lock_set.h"
#include "store_test_util.h"

namespace strata::store {

// A value of a type other than string, for WRONGTYPE cases.
class FakeObject final : public ObjectValue {
 public:
  ObjectValue* Clone() const override { return new FakeObject; }
  size_t MemoryUsage() const override { return sizeof(*this); }
};

class KeyspaceFixture : public ::testing::Test {
 protected:
  // Runs `fn` with `locks` locked and db_ at the clock's current instant, then unlocks and
  // delivers the events it recorded.
  template <typename Fn>
  auto RunLocked(LockSet* locks, Fn fn) {
    db_ = Db(&keyspace_, 0);
    return testing::RunCommand(keyspace_, *locks, fn);
  }

  // Runs `fn` with the stripes of `keys` locked and db_ at the clock's current instant, the way
  // the dispatcher runs a command, then delivers the events it recorded.
  template <typename Fn>
  auto Locked(std::initializer_list<std::string_view> keys, Fn fn) {
    LockSet locks(&keyspace_);
    for (std::string_view key : keys) locks.Add(0, key);
    return RunLocked(&locks, fn);
  }

  // Locked for whole-database work: every stripe of database 0.
  template <typename Fn>
  auto LockedDatabase(Fn fn) {
    LockSet locks(&keyspace_);
    locks.AddDatabase(0);
    return RunLocked(&locks, fn);
  }

  // The entry of `key` (nullptr when absent), for checking encodings and deadlines. Valid until
  // the key next changes.
  const Entry* Peek(std::string_view key) {
    return Locked({key}, [&] { return static_cast<const Entry*>(db_.Find(key).entry); });
  }

  std::string Value(std::string_view key) {
    const Entry* e = Peek(key);
    EXPECT_NE(e, nullptr) << key;
    return e == nullptr ? std::string() : std::string(e->string_value());
  }

  Encoding EncodingOf(std::string_view key) {
    const Entry* e = Peek(key);
    EXPECT_NE(e, nullptr) << key;
    return e == nullptr ? Encoding::kRaw : e->encoding();
  }

  int64_t DeadlineOf(std::string_view key) {
    const Entry* e = Peek(key);
    EXPECT_NE(e, nullptr) << key;
    return e == nullptr ? kNoExpire : e->expire_ms();
  }

  // Stores a string with an explicit encoding and deadline, bypassing the operations under test.
  void Put(std::string_view key, std::string_view value, Encoding encoding, int64_t expire_ms = kNoExpire) {
    Locked({key}, [&] { db_.Store(Entry::NewString(key, value, encoding, expire_ms)); });
  }

  // Stores a value of another type under `key`.
  void PutObject(std::string_view key) {
    Locked({key}, [&] { db_.Store(Entry::NewObject(key, ValueType::kList, Encoding::kQuicklist, new FakeObject, kNoExpire)); });
  }

  FakeClock clock_;
  Keyspace keyspace_{1, &clock_};
  Db db_{&keyspace_, 0};
};

// For single-threaded tests that call store operations directly: the test's thread holds every
// stripe of every database, as one command that locked the whole keyspace would, so each call
// meets the operations' locking REQUIRES. The "command" ends at NextCommand(), which releases
// the locks, delivers the recorded events to observer_, and starts the next command (locked
// again, db_ and db1_ at the clock's current instant). Keyspace calls that lock stripes
// themselves (ActiveExpireCycle, AvgTtlMs) and threads that lock as the dispatcher does need
// Release() first.
class HeldKeyspaceFixture : public ::testing::Test {
 protected:
  explicit HeldKeyspaceFixture(int databases = 1) : keyspace_(databases, &clock_) {
    keyspace_.AddObserver(&observer_);
    Hold();
  }
  ~HeldKeyspaceFixture() override { Release(); }

  // Ends the current command and starts the next.
  void NextCommand() {
    Release();
    Hold();
  }

  // Moves the clock by `ms` and starts a new command, which sees the new time.
  void Advance(int64_t ms) {
    clock_.AdvanceMs(ms);
    NextCommand();
  }

  // Ends the current command and returns the events it (and any not yet taken) announced.
  std::vector<std::string> Events() {
    NextCommand();
    return observer_.Take();
  }

  // Releases every stripe and delivers the recorded events. NextCommand takes them again.
  void Release() {
    locks_.Unlock();
    keyspace_.DeliverEvents();
  }

  FakeClock clock_;
  testing::RecordingObserver observer_;
  Keyspace keyspace_;
  Db db_{&keyspace_, 0};
  Db db1_{&keyspace_, 1};  // usable when the keyspace has a second database

 private:
  void Hold() {
    db_ = Db(&keyspace_, 0);
    db1_ = Db(&keyspace_, 1);
    locks_.AddAllDatabases();
    locks_.Lock();
  }

  LockSet locks_{&keyspace_};
};

}  // namespace strata::store

#endif  // STRATA_TESTS_STORE_KEYSPACE_FIXTURE_H_
