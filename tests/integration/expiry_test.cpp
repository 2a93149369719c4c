// Keys with a time to live leave the keyspace on their own (active expiry), not only when touched.
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "clients.h"
#include "server_process.h"

namespace strata::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

long long DbSize(redisContext* c) {
  const ReplyPtr r = Command(c, {"DBSIZE"});
  return r != nullptr && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
}

// Polls DBSIZE until it equals `want` or `timeout` passes; returns the last value.
long long WaitForDbSize(redisContext* c, long long want, Clock::duration timeout) {
  const auto deadline = Clock::now() + timeout;
  long long n = DbSize(c);
  while (n != want && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(100));
    n = DbSize(c);
  }
  return n;
}

TEST(ExpiryTest, KeysWithPxLeaveDbsizeUntouched) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({}, &error)) << error;
  RedisContextPtr c = ConnectRedis(server.port());
  ASSERT_NE(c, nullptr);
  for (int i = 0; i < 100; ++i) AppendCommand(c.get(), {"SET", "px:" + std::to_string(i), "v", "PX", "1000"});
  for (int i = 0; i < 10; ++i) AppendCommand(c.get(), {"SET", "keep:" + std::to_string(i), "v"});
  for (int i = 0; i < 110; ++i) ASSERT_EQ(Describe(GetReply(c.get())), "OK");
  EXPECT_EQ(DbSize(c.get()), 110);
  EXPECT_EQ(WaitForDbSize(c.get(), 10, seconds(6)), 10);
  EXPECT_EQ(Describe(Command(c.get(), {"GET", "px:7"})), "(nil)");
  EXPECT_EQ(Describe(Command(c.get(), {"GET", "keep:7"})), "\"v\"");
}

TEST(ExpiryTest, TwoHundredThousandKeysWithEx1AreGoneWithinSeconds) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({}, &error)) << error;
  RedisContextPtr c = ConnectRedis(server.port());
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(Describe(Command(c.get(), {"SET", "persistent", "v"})), "OK");
  constexpr int kKeys = 200000;
  constexpr int kBatch = 10000;
  for (int start = 0; start < kKeys; start += kBatch) {
    for (int i = start; i < start + kBatch; ++i) AppendCommand(c.get(), {"SET", "ex:" + std::to_string(i), "value", "EX", "1"});
    for (int i = start; i < start + kBatch; ++i) ASSERT_EQ(Describe(GetReply(c.get())), "OK") << i;
  }
  const auto loaded = Clock::now();
  EXPECT_GT(DbSize(c.get()), 1);
  // One second to live, then a few seconds for active expiry to find them all.
  ASSERT_EQ(WaitForDbSize(c.get(), 1, seconds(8)), 1);
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - loaded).count();
  std::printf("200000 keys gone %lld ms after the last SET\n", static_cast<long long>(took));
  EXPECT_EQ(Describe(Command(c.get(), {"GET", "persistent"})), "\"v\"");
}

}  // namespace
}  // namespace strata::testing
