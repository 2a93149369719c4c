#include "server/blocking.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "server/client.h"

namespace strata::server {
namespace {

// Records the registry's callbacks instead of posting to io-threads.
std::vector<std::pair<uint64_t, std::string>> g_delivered;
std::vector<std::pair<uint64_t, UnblockReason>> g_unblocked;

void RecordDeliver(IoThread* /*thread*/, uint64_t id, std::string reply) { g_delivered.emplace_back(id, reply); }
void RecordUnblock(IoThread* /*thread*/, uint64_t id, UnblockReason reason) { g_unblocked.emplace_back(id, reason); }

class BlockingRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_delivered.clear();
    g_unblocked.clear();
  }
  void TearDown() override {
    // Leave no ready key behind for the next test on this thread.
    registry_.ServeReady([](Client&, std::span<const std::string_view>, std::string*) { return false; });
  }

  Client& NewClient(uint64_t id, int db = 0) {
    clients_.push_back(std::make_unique<Client>(id, "127.0.0.1:1", "127.0.0.1:2", -1, 0));
    clients_.back()->set_db(db);
    return *clients_.back();
  }
  // Registers client `id` as blocked by "BLPOP <keys> <deadline>".
  Client& Block(uint64_t id, std::vector<std::string> keys, int64_t deadline = 0, int db = 0) {
    Client& c = NewClient(id, db);
    std::vector<std::string_view> args = {"BLPOP"};
    for (const std::string& k : keys) args.push_back(k);
    args.push_back("0");
    BlockRequest r;
    r.keys = std::move(keys);
    r.deadline_ms = deadline;
    c.SetBlocked(deadline);
    registry_.Block(&c, nullptr, db, args, r);
    return c;
  }
  // Serves ready keys as if each held `*elements` elements: each served client takes one and is
  // answered with its id; a client served with none left asks to block again.
  void ServeWith(int* elements) {
    registry_.ServeReady([elements](Client& c, std::span<const std::string_view> args, std::string* reply) {
      EXPECT_EQ(args[0], "BLPOP");
      if (*elements == 0) return false;
      --*elements;
      *reply = std::to_string(c.id());
      return true;
    });
  }
  // Hands the registry `event` on `key` of database `db`, as the keyspace does after a command.
  void Event(store::KeyEvent event, int db, std::string_view key) {
    registry_.OnKeyEvent(store::KeyEventRecord{event, db, db, key});
  }
  std::vector<uint64_t> DeliveredIds() const {
    std::vector<uint64_t> ids;
    for (const auto& d : g_delivered) ids.push_back(d.first);
    return ids;
  }

  std::vector<std::unique_ptr<Client>> clients_;
  BlockingRegistry registry_{RecordDeliver, RecordUnblock};
};

TEST_F(BlockingRegistryTest, ReadyKeyServesClientsInTheOrderTheyBlocked) {
  Block(1, {"q"});
  Block(2, {"q"});
  Block(3, {"q"});
  Event(store::KeyEvent::kLPush, 0, "q");
  Event(store::KeyEvent::kLPush, 0, "q");  // noted once
  int elements = 2;
  ServeWith(&elements);
  EXPECT_EQ(DeliveredIds(), std::vector<uint64_t>({1, 2}));
  EXPECT_EQ(g_delivered[0].second, "1");
  EXPECT_EQ(registry_.blocked_clients(), 1u);
  EXPECT_EQ(registry_.DeadlineOf(1), -1);
  EXPECT_EQ(registry_.DeadlineOf(3), 0);
}

TEST_F(BlockingRegistryTest, NothingIsServedUntilAKeyIsReady) {
  Block(1, {"q"});
  EXPECT_FALSE(BlockingRegistry::HasReady());
  int elements = 5;
  ServeWith(&elements);
  EXPECT_TRUE(g_delivered.empty());
  Event(store::KeyEvent::kLPush, 0, "other");  // nobody waits on it: not even noted
  EXPECT_FALSE(BlockingRegistry::HasReady());
  Event(store::KeyEvent::kLPush, 0, "q");
  EXPECT_TRUE(BlockingRegistry::HasReady());
  ServeWith(&elements);
  EXPECT_EQ(DeliveredIds(), std::vector<uint64_t>({1}));
  EXPECT_FALSE(BlockingRegistry::HasReady());
}

TEST_F(BlockingRegistryTest, WantsEventsOnlyWhileAClientIsBlocked) {
  EXPECT_EQ(registry_.wanted(), 0u) << "no waiter: no event is even recorded";
  Block(1, {"q"});
  Block(2, {"r"});
  const uint32_t wanted = registry_.wanted();
  EXPECT_NE(wanted & store::kClassList, 0u);
  EXPECT_NE(wanted & store::kClassZSet, 0u);
  EXPECT_NE(wanted & store::kClassGeneric, 0u) << "RENAME, MOVE, COPY and RESTORE bring values";
  EXPECT_NE(wanted & store::kClassDatabase, 0u) << "SWAPDB";
  EXPECT_EQ(wanted & (store::kClassString | store::kClassHash | store::kClassSet | store::kClassExpired), 0u);
  EXPECT_TRUE(registry_.Unblock(1));
  EXPECT_EQ(registry_.wanted(), wanted);
  EXPECT_TRUE(registry_.Unblock(2));
  EXPECT_EQ(registry_.wanted(), 0u);
}

TEST_F(BlockingRegistryTest, OnlyEventsThatCanBringElementsMakeAKeyReady) {
  using store::KeyEvent;
  Block(1, {"q"});
  for (KeyEvent event : {KeyEvent::kNew, KeyEvent::kLPop, KeyEvent::kRPop, KeyEvent::kLSet, KeyEvent::kLRem,
                         KeyEvent::kLTrim, KeyEvent::kDel, KeyEvent::kZRem, KeyEvent::kZPopMin, KeyEvent::kExpire,
                         KeyEvent::kPersist, KeyEvent::kRenameFrom, KeyEvent::kMoveFrom, KeyEvent::kExpired,
                         KeyEvent::kSet}) {
    Event(event, 0, "q");
    EXPECT_FALSE(BlockingRegistry::HasReady()) << store::EventName(event);
  }
  for (KeyEvent event : {KeyEvent::kLPush, KeyEvent::kRPush, KeyEvent::kLInsert, KeyEvent::kSortStore,
                         KeyEvent::kZAdd, KeyEvent::kZIncr, KeyEvent::kZUnionStore, KeyEvent::kZInterStore,
                         KeyEvent::kZDiffStore, KeyEvent::kZRangeStore, KeyEvent::kRenameTo, KeyEvent::kMoveTo,
                         KeyEvent::kCopyTo, KeyEvent::kRestore}) {
    Event(event, 0, "q");
    EXPECT_TRUE(BlockingRegistry::HasReady()) << store::EventName(event);
    int elements = 0;  // served with nothing: the client blocks on
    ServeWith(&elements);
    EXPECT_FALSE(BlockingRegistry::HasReady());
  }
  EXPECT_TRUE(g_delivered.empty());
  EXPECT_EQ(registry_.blocked_clients(), 1u);
}

TEST_F(BlockingRegistryTest, ClientThatFindsNothingKeepsItsPlaceAndDeadline) {
  Block(1, {"q"}, 5000);
  Block(2, {"q"});
  Event(store::KeyEvent::kLPush, 0, "q");
  int elements = 0;  // emptied before the service: nobody is served, nobody loses its place
  ServeWith(&elements);
  EXPECT_TRUE(g_delivered.empty());
  EXPECT_EQ(registry_.DeadlineOf(1), 5000);
  Event(store::KeyEvent::kLPush, 0, "q");
  elements = 1;
  ServeWith(&elements);
  EXPECT_EQ(DeliveredIds(), std::vector<uint64_t>({1}));
}

TEST_F(BlockingRegistryTest, KeysAreScopedByDatabase) {
  Block(1, {"q"}, 0, /*db=*/3);
  Event(store::KeyEvent::kLPush, 0, "q");
  int elements = 1;
  ServeWith(&elements);
  EXPECT_TRUE(g_delivered.empty());
  Event(store::KeyEvent::kLPush, 3, "q");
  ServeWith(&elements);
  EXPECT_EQ(DeliveredIds(), std::vector<uint64_t>({1}));
}

TEST_F(BlockingRegistryTest, SwappedDatabasesMakeTheirWaitedKeysReady) {
  Block(1, {"q"}, 0, /*db=*/1);
  Block(2, {"r"}, 0, /*db=*/2);
  Block(3, {"q"}, 0, /*db=*/11);  // "11:" must not pass for "1:"
  registry_.OnKeyEvent(store::KeyEventRecord{store::KeyEvent::kSwapDb, 1, 0, {}});
  int elements = 5;
  ServeWith(&elements);
  EXPECT_EQ(DeliveredIds(), std::vector<uint64_t>({1}));
}

TEST_F(BlockingRegistryTest, ClientOnSeveralKeysIsServedByAnyAndLeavesAllLines) {
  Block(1, {"a", "b", "a"});
  Block(2, {"a"});
  EXPECT_EQ(registry_.blocking_keys(), 2u);
  Event(store::KeyEvent::kLPush, 0, "b");
  int elements = 1;
  ServeWith(&elements);
  EXPECT_EQ(DeliveredIds(), std::vector<uint64_t>({1}));
  EXPECT_EQ(registry_.blocking_keys(), 1u);  // client 2 still waits on "a"
  EXPECT_EQ(registry_.blocked_clients(), 1u);
}

TEST_F(BlockingRegistryTest, KeysMadeReadyWhileServingAreServedToo) {
  // Client 1 waits on "src" as BLMOVE src dst would; client 2 waits on "dst".
  Block(1, {"src"});
  Block(2, {"dst"});
  Event(store::KeyEvent::kLPush, 0, "src");
  registry_.ServeReady([this](Client& c, std::span<const std::string_view>, std::string* reply) {
    if (c.id() == 1) Event(store::KeyEvent::kLPush, 0, "dst");  // the move pushed to dst
    *reply = "moved";
    return true;
  });
  EXPECT_EQ(DeliveredIds(), std::vector<uint64_t>({1, 2}));
  EXPECT_EQ(registry_.blocked_clients(), 0u);
}

TEST_F(BlockingRegistryTest, UnblockRemovesOnlyWaitingClients) {
  Block(1, {"q"});
  EXPECT_TRUE(registry_.Unblock(1));
  EXPECT_FALSE(registry_.Unblock(1));
  EXPECT_FALSE(registry_.Unblock(42));
  EXPECT_EQ(registry_.blocked_clients(), 0u);
  EXPECT_EQ(registry_.blocking_keys(), 0u);
  Event(store::KeyEvent::kLPush, 0, "q");
  EXPECT_FALSE(BlockingRegistry::HasReady());
}

TEST_F(BlockingRegistryTest, UnblockWaitsForAServiceInProgress) {
  Block(1, {"q"});
  Event(store::KeyEvent::kLPush, 0, "q");
  std::atomic<bool> in_service{false};
  std::atomic<bool> release{false};
  std::atomic<int> unblock_result{-1};
  std::thread timeout_thread([&] {
    while (!in_service.load()) std::this_thread::yield();
    unblock_result = registry_.Unblock(1) ? 1 : 0;  // e.g. the client's timeout fired
  });
  registry_.ServeReady([&](Client&, std::span<const std::string_view>, std::string* reply) {
    in_service = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(unblock_result.load(), -1);  // still waiting for this service
    release = true;
    *reply = "x";
    return true;
  });
  timeout_thread.join();
  EXPECT_TRUE(release.load());
  EXPECT_EQ(unblock_result.load(), 0);  // served: its reply, not a timeout, goes out
  EXPECT_EQ(DeliveredIds(), std::vector<uint64_t>({1}));
}

TEST_F(BlockingRegistryTest, UnblockAfterAnUnsuccessfulServiceRemovesTheClient) {
  Block(1, {"q"});
  Event(store::KeyEvent::kLPush, 0, "q");
  std::atomic<bool> in_service{false};
  std::atomic<int> unblock_result{-1};
  std::thread timeout_thread([&] {
    while (!in_service.load()) std::this_thread::yield();
    unblock_result = registry_.Unblock(1) ? 1 : 0;
  });
  registry_.ServeReady([&](Client&, std::span<const std::string_view>, std::string*) {
    in_service = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return false;
  });
  timeout_thread.join();
  EXPECT_EQ(unblock_result.load(), 1);
  EXPECT_EQ(registry_.blocked_clients(), 0u);
}

TEST_F(BlockingRegistryTest, UnblockRequestReachesOnlyBlockedClients) {
  Block(7, {"q"});
  EXPECT_TRUE(registry_.RequestUnblock(7, UnblockReason::kError));
  EXPECT_FALSE(registry_.RequestUnblock(8, UnblockReason::kTimeout));
  ASSERT_EQ(g_unblocked.size(), 1u);
  EXPECT_EQ(g_unblocked[0].first, 7u);
  EXPECT_EQ(g_unblocked[0].second, UnblockReason::kError);
}

}  // namespace
}  // namespace strata::server
