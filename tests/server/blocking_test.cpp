#include "server/blocking.h"

#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace strata::server {
namespace {

// Records the registry's callbacks instead of posting to io-threads.
std::vector<uint64_t> g_woken;
std::vector<std::pair<uint64_t, UnblockReason>> g_unblocked;

void RecordWake(IoThread* /*thread*/, uint64_t id) { g_woken.push_back(id); }
void RecordUnblock(IoThread* /*thread*/, uint64_t id, UnblockReason reason) { g_unblocked.emplace_back(id, reason); }

class BlockingRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_woken.clear();
    g_unblocked.clear();
  }
  BlockRequest On(std::vector<std::string> keys, int64_t deadline = 0) {
    BlockRequest r;
    r.keys = std::move(keys);
    r.deadline_ms = deadline;
    return r;
  }
  BlockingRegistry registry_{RecordWake, RecordUnblock};
};

TEST_F(BlockingRegistryTest, ReadyKeyWakesTheFirstBlockedClientOnly) {
  registry_.Block(1, nullptr, 0, On({"q"}));
  registry_.Block(2, nullptr, 0, On({"q"}));
  registry_.OnKeyReady(0, "q");
  registry_.OnKeyReady(0, "q");  // client 1's re-run is pending: no second wake
  EXPECT_EQ(g_woken, std::vector<uint64_t>({1}));
  EXPECT_EQ(registry_.blocked_clients(), 2u);
}

TEST_F(BlockingRegistryTest, ServedClientPassesTheWakeUpOn) {
  registry_.Block(1, nullptr, 0, On({"q"}));
  registry_.Block(2, nullptr, 0, On({"q"}));
  registry_.OnKeyReady(0, "q");
  registry_.Unblock(1, /*pass_on=*/true);
  EXPECT_EQ(g_woken, std::vector<uint64_t>({1, 2}));
  EXPECT_EQ(registry_.blocked_clients(), 1u);
}

TEST_F(BlockingRegistryTest, RerunThatFindsNothingKeepsItsPlaceAndDeadline) {
  registry_.Block(1, nullptr, 0, On({"q"}, 5000));
  registry_.Block(2, nullptr, 0, On({"q"}));
  registry_.OnKeyReady(0, "q");
  registry_.Block(1, nullptr, 0, On({"q"}, 9999));  // the re-run found the key empty again
  EXPECT_EQ(registry_.DeadlineOf(1), 5000);
  registry_.OnKeyReady(0, "q");
  EXPECT_EQ(g_woken, std::vector<uint64_t>({1, 1}));
}

TEST_F(BlockingRegistryTest, WokenClientLeavingForAnotherReasonPassesTheWakeUpOn) {
  registry_.Block(1, nullptr, 0, On({"q"}));
  registry_.Block(2, nullptr, 0, On({"q"}));
  registry_.OnKeyReady(0, "q");
  registry_.Unblock(1, /*pass_on=*/false);  // e.g. it timed out before its re-run
  EXPECT_EQ(g_woken, std::vector<uint64_t>({1, 2}));
}

TEST_F(BlockingRegistryTest, KeysAreScopedByDatabase) {
  registry_.Block(1, nullptr, 3, On({"q"}));
  registry_.OnKeyReady(0, "q");
  EXPECT_TRUE(g_woken.empty());
  registry_.OnKeyReady(3, "q");
  EXPECT_EQ(g_woken, std::vector<uint64_t>({1}));
}

TEST_F(BlockingRegistryTest, ClientOnSeveralKeysIsWokenByAnyAndLeavesAllLines) {
  registry_.Block(1, nullptr, 0, On({"a", "b", "a"}));
  EXPECT_EQ(registry_.blocking_keys(), 2u);
  registry_.OnKeyReady(0, "b");
  EXPECT_EQ(g_woken, std::vector<uint64_t>({1}));
  registry_.Unblock(1, /*pass_on=*/true);
  EXPECT_EQ(registry_.blocking_keys(), 0u);
  EXPECT_EQ(registry_.blocked_clients(), 0u);
  EXPECT_EQ(registry_.DeadlineOf(1), -1);
}

TEST_F(BlockingRegistryTest, UnblockRequestReachesOnlyBlockedClients) {
  registry_.Block(7, nullptr, 0, On({"q"}));
  EXPECT_TRUE(registry_.RequestUnblock(7, UnblockReason::kError));
  EXPECT_FALSE(registry_.RequestUnblock(8, UnblockReason::kTimeout));
  ASSERT_EQ(g_unblocked.size(), 1u);
  EXPECT_EQ(g_unblocked[0].first, 7u);
  EXPECT_EQ(g_unblocked[0].second, UnblockReason::kError);
}

}  // namespace
}  // namespace strata::server
