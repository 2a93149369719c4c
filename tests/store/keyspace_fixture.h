// A keyspace on a FakeClock for store tests, with helpers that lock stripes as the dispatcher does.
#ifndef STRATA_TESTS_STORE_KEYSPACE_FIXTURE_H_
#define STRATA_TESTS_STORE_KEYSPACE_FIXTURE_H_

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "store/keyspace.h"
#include "store/lock_set.h"

namespace strata::store {

// A value of a type other than string, for WRONGTYPE cases.
class FakeObject final : public ObjectValue {
 public:
  ObjectValue* Clone() const override { return new FakeObject; }
  size_t MemoryUsage() const override { return sizeof(*this); }
};

class KeyspaceFixture : public ::testing::Test {
 protected:
  // Runs `fn` with the stripes of `keys` locked, the way the dispatcher runs a command.
  template <typename Fn>
  auto Locked(std::initializer_list<std::string_view> keys, Fn fn) {
    LockSet locks(&keyspace_);
    for (std::string_view key : keys) locks.Add(0, key);
    locks.Lock();
    return fn();
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
    Locked({key}, [&] { db_.Upsert(Entry::NewString(key, value, encoding, expire_ms)); });
  }

  // Stores a value of another type under `key`.
  void PutObject(std::string_view key) {
    Locked({key}, [&] { db_.Upsert(Entry::NewObject(key, ValueType::kList, Encoding::kQuicklist, new FakeObject, kNoExpire)); });
  }

  FakeClock clock_;
  Keyspace keyspace_{1, &clock_};
  Db db_{&keyspace_, 0};
};

}  // namespace strata::store

#endif  // STRATA_TESTS_STORE_KEYSPACE_FIXTURE_H_
