// The dispatcher's stages, each driven without a socket: a Server with every family registered,
// a Client that no connection owns, replies written to a buffer.
#include "server/dispatcher.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "commands/families.h"
#include "common/byte_buffer.h"
#include "common/clock.h"
#include "server/config.h"
#include "server/server.h"
#include "store/lock_set.h"

namespace strata::server {
namespace {

// Records every keyspace event as "db:name:key".
class Recorder final : public store::KeyspaceObserver {
 public:
  Recorder() { set_wanted(~0u); }
  void OnKeyEvent(const store::KeyEventRecord& e) override {
    events.push_back(std::to_string(e.db) + ":" + std::string(store::EventName(e.event)) + ":" + std::string(e.key));
  }
  std::vector<std::string> events;
};

CommandTable* RegisteredTable() {
  static CommandTable* table = [] {
    auto* t = new CommandTable;
    commands::RegisterAllFamilies(*t);
    return t;
  }();
  return table;
}

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() { server_.keyspace().AddObserver(&recorder_); }

  // Runs stages 1 to 6 for `words` at the instant `now_ms`; returns the reply.
  std::string Call(std::vector<std::string_view> words, int64_t now_ms) {
    out_.Clear();
    const Command* cmd = dispatcher_.Resolve(client_, words, reply_);
    if (cmd == nullptr) return Reply();
    store::LockSet locks(&server_.keyspace());
    dispatcher_.CollectLocks(*cmd, client_.db(), words, &locks);
    locks.Lock();
    dispatcher_.Run(*cmd, client_, reply_, words, now_ms);
    locks.Unlock();
    dispatcher_.AfterUnlock(*cmd, client_, words, 0, 0);
    return Reply();
  }
  std::string Reply() const { return std::string(out_.view()); }

  // Runs `words` through Execute (which CLIENT PAUSE may hold); returns the reply.
  std::string Execute(std::vector<std::string_view> words) {
    out_.Clear();
    store::LockSet locks(&server_.keyspace());
    dispatcher_.Execute(client_, reply_, words, &locks);
    return Reply();
  }

  // Whether every stripe of database `db` is held (try_lock fails on a held spin lock).
  bool DatabaseLocked(int db) {
    for (size_t s = 0; s < store::kStripes; ++s) {
      SpinLock& mu = *server_.keyspace().stripe(db, s).mu;
      if (mu.try_lock()) {
        mu.unlock();
        return false;
      }
    }
    return true;
  }

  FakeClock clock_;
  Config config_;
  Server server_{&config_, RegisteredTable(), LaunchInfo{}, &clock_};
  Dispatcher dispatcher_{&server_, nullptr};
  Client client_{1, "127.0.0.1:1", "127.0.0.1:6379", -1, 0};
  ByteBuffer out_;
  resp::ReplyBuilder reply_{&out_};
  Recorder recorder_;
};

TEST_F(DispatcherTest, ResolveRefusesUnknownCommandsAndBadArity) {
  EXPECT_EQ(dispatcher_.Resolve(client_, std::vector<std::string_view>{"nosuch", "a"}, reply_), nullptr);
  EXPECT_EQ(Reply(), "-ERR unknown command 'nosuch', with args beginning with: 'a' \r\n");
  out_.Clear();
  EXPECT_EQ(dispatcher_.Resolve(client_, std::vector<std::string_view>{"get"}, reply_), nullptr);
  EXPECT_EQ(Reply(), "-ERR wrong number of arguments for 'get' command\r\n");
  out_.Clear();
  const Command* sub = dispatcher_.Resolve(client_, std::vector<std::string_view>{"CONFIG", "get", "port"}, reply_);
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(sub->name, "config|get");
  EXPECT_EQ(Reply(), "");
  const StatsSnapshot stats = server_.ReadStats();
  EXPECT_EQ(stats.requests.error_replies, 2u);
  EXPECT_EQ(stats.requests.per_command[static_cast<size_t>(server_.commands().Find("get")->id)].rejected_calls, 1u);
}

TEST_F(DispatcherTest, CollectLocksTakesKeysAndDeclaredDatabasesWithoutRunning) {
  store::LockSet locks(&server_.keyspace());
  const std::vector<std::string_view> mset = {"mset", "a", "1", "b", "2"};
  dispatcher_.CollectLocks(*server_.commands().Find("mset"), 0, mset, &locks);
  EXPECT_FALSE(locks.empty());
  locks.Unlock();  // forgets them

  const std::vector<std::string_view> dbsize = {"dbsize"};
  dispatcher_.CollectLocks(*server_.commands().Find("dbsize"), 3, dbsize, &locks);
  locks.Lock();
  EXPECT_TRUE(DatabaseLocked(3));
  EXPECT_FALSE(DatabaseLocked(0));
  locks.Unlock();

  const std::vector<std::string_view> swapdb = {"swapdb", "1", "2"};
  dispatcher_.CollectLocks(*server_.commands().Find("swapdb"), 0, swapdb, &locks);
  locks.Lock();
  EXPECT_TRUE(DatabaseLocked(1));
  EXPECT_TRUE(DatabaseLocked(2));
  EXPECT_FALSE(DatabaseLocked(0));
  locks.Unlock();
  EXPECT_EQ(server_.ReadStats().requests.commands_processed, 0u) << "collecting runs nothing";
}

TEST_F(DispatcherTest, EventsAreDeliveredAfterTheUnlockInCommandOrder) {
  const std::vector<std::string_view> words = {"rpush", "q", "x", "y"};
  const Command* cmd = dispatcher_.Resolve(client_, words, reply_);
  ASSERT_NE(cmd, nullptr);
  store::LockSet locks(&server_.keyspace());
  dispatcher_.CollectLocks(*cmd, 0, words, &locks);
  locks.Lock();
  dispatcher_.Run(*cmd, client_, reply_, words, 1000);
  EXPECT_TRUE(recorder_.events.empty()) << "nothing is delivered under the locks";
  locks.Unlock();
  dispatcher_.AfterUnlock(*cmd, client_, words, 5, 0);
  EXPECT_EQ(recorder_.events, (std::vector<std::string>{"0:new:q", "0:rpush:q"}));
  EXPECT_EQ(Call({"rename", "q", "r"}, 1000), "+OK\r\n");
  EXPECT_EQ(recorder_.events, (std::vector<std::string>{"0:new:q", "0:rpush:q", "0:new:r", "0:rename_from:q",
                                                        "0:rename_to:r"}));
  const StatsSnapshot stats = server_.ReadStats();
  EXPECT_EQ(stats.requests.commands_processed, 2u);
  EXPECT_EQ(stats.store.dirty, 3u);  // rpush, rename_from, rename_to
}

TEST_F(DispatcherTest, ACommandSeesOneInstant) {
  // Redis deletes a key once now > deadline: at the deadline itself every key is still there.
  std::vector<std::string> keys;
  for (int i = 0; i < 100; ++i) keys.push_back("k" + std::to_string(i));
  for (const std::string& k : keys) {
    EXPECT_EQ(Call({"set", k, "v", "pxat", "5000"}, 1000), "+OK\r\n");
  }
  std::vector<std::string_view> exists = {"exists"};
  for (const std::string& k : keys) exists.push_back(k);
  EXPECT_EQ(Call(exists, 5000), ":100\r\n");
  EXPECT_EQ(Call(exists, 5001), ":0\r\n");
  const size_t expired = std::count(recorder_.events.begin(), recorder_.events.end(), "0:expired:k7");
  EXPECT_EQ(expired, 1u);
  EXPECT_EQ(server_.ReadStats().store.expired_keys, 100u);
}

TEST_F(DispatcherTest, ClientPauseHoldsCommandsWithoutRunningThem) {
  const int64_t now = clock_.NowMs();
  server_.client_pause().Pause(PauseMode::kWrite, now + 10000, now);
  EXPECT_EQ(Execute({"set", "k", "v"}), "");  // held: no reply, nothing ran
  EXPECT_TRUE(client_.paused());
  client_.set_paused(false);  // what the connection does before running it again
  EXPECT_EQ(Execute({"get", "k"}), "$-1\r\n");
  EXPECT_EQ(Execute({"publish", "c", "m"}), "");  // may_replicate: held under WRITE
  client_.set_paused(false);
  EXPECT_EQ(Execute({"multi"}), "+OK\r\n");
  EXPECT_EQ(Execute({"get", "k"}), "+QUEUED\r\n");
  EXPECT_EQ(Execute({"exec"}), "*1\r\n$-1\r\n");  // a read-only queue runs
  server_.client_pause().Pause(PauseMode::kAll, 0, now);
  EXPECT_EQ(Execute({"ping"}), "");
  client_.set_paused(false);
  // Refusals come first, as in Redis: an unknown command is answered even under ALL.
  EXPECT_EQ(Execute({"nosuchcommand"}), "-ERR unknown command 'nosuchcommand', with args beginning with: \r\n");
  EXPECT_FALSE(client_.paused());
  clock_.AdvanceMs(10001);  // the pause ran out
  EXPECT_EQ(Execute({"set", "k", "v"}), "+OK\r\n");
}

TEST_F(DispatcherTest, ExpiredKeysStayWhilePaused) {
  EXPECT_EQ(Call({"set", "k", "v", "pxat", "5000"}, 1000), "+OK\r\n");
  server_.client_pause().Pause(PauseMode::kWrite, 10000, 1000);
  EXPECT_EQ(Call({"get", "k"}, 6000), "$-1\r\n");  // answers as expired
  EXPECT_EQ(Call({"dbsize"}, 6000), ":1\r\n");     // but stays
  EXPECT_EQ(server_.ReadStats().store.expired_keys, 0u);
  server_.client_pause().Unpause();
  EXPECT_EQ(Call({"get", "k"}, 6000), "$-1\r\n");
  EXPECT_EQ(Call({"dbsize"}, 6000), ":0\r\n");
  EXPECT_EQ(server_.ReadStats().store.expired_keys, 1u);
}

}  // namespace
}  // namespace strata::server
