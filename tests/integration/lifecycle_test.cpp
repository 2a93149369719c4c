// Start-up failures and shutdown: bad configuration exits 1 with the reason; SHUTDOWN and SIGTERM
// deliver the replies already produced and exit 0.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "clients.h"
#include "server_process.h"

namespace strata::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string WriteTempFile(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + std::to_string(getpid()) + "_" + name;
  std::ofstream(path) << content;
  return path;
}

TEST(LifecycleTest, BadDirectiveInConfigFileExitsOneWithFileLineAndReason) {
  const std::string path = WriteTempFile("strata_bad_directive.conf", "# a comment\nport 0\nno-such-directive yes\n");
  std::string output;
  EXPECT_EQ(RunServerToExit({path}, seconds(30), &output), 1);
  EXPECT_NE(output.find(path), std::string::npos) << output;
  EXPECT_NE(output.find("line 3"), std::string::npos) << output;
  EXPECT_NE(output.find("no-such-directive yes"), std::string::npos) << output;
  EXPECT_NE(output.find("Bad directive or wrong number of arguments"), std::string::npos) << output;
}

TEST(LifecycleTest, BadValueInConfigFileExitsOneWithReason) {
  const std::string path = WriteTempFile("strata_bad_value.conf", "maxclients lots\n");
  std::string output;
  EXPECT_EQ(RunServerToExit({path}, seconds(30), &output), 1);
  EXPECT_NE(output.find(path), std::string::npos) << output;
  EXPECT_NE(output.find("line 1"), std::string::npos) << output;
  EXPECT_NE(output.find("argument couldn't be parsed into an integer"), std::string::npos) << output;
}

TEST(LifecycleTest, MissingConfigFileExitsOne) {
  std::string output;
  EXPECT_EQ(RunServerToExit({"/nonexistent/strata.conf"}, seconds(30), &output), 1);
  EXPECT_NE(output.find("/nonexistent/strata.conf"), std::string::npos) << output;
}

TEST(LifecycleTest, BadCommandLineOptionsExitOneWithReason) {
  std::string output;
  EXPECT_EQ(RunServerToExit({"--port", "abc"}, seconds(30), &output), 1);
  EXPECT_NE(output.find("port"), std::string::npos) << output;
  EXPECT_NE(output.find("argument couldn't be parsed into an integer"), std::string::npos) << output;

  EXPECT_EQ(RunServerToExit({"--no-such-option", "1"}, seconds(30), &output), 1);
  EXPECT_NE(output.find("no-such-option"), std::string::npos) << output;
  EXPECT_NE(output.find("Bad directive or wrong number of arguments"), std::string::npos) << output;

  EXPECT_EQ(RunServerToExit({"--maxclients", "0"}, seconds(30), &output), 1);
  EXPECT_NE(output.find("argument must be between 1 and 4294967295 inclusive"), std::string::npos) << output;
}

class ShutdownTest : public ::testing::Test {
 protected:
  static constexpr int kRequests = 200;
  static constexpr size_t kValueSize = 10 * 1024;

  void SetUp() override {
    std::string error;
    ASSERT_TRUE(server_.Start({}, &error)) << error;
    RedisContextPtr c = ConnectRedis(server_.port());
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(Describe(Command(c.get(), {"SET", "v", std::string(kValueSize, 'v')})), "OK");
  }

  // Queues 2 MB of replies for a client that has not read yet.
  void QueueReplies(RawConnection* reader) {
    ASSERT_TRUE(reader->Connect(server_.port()));
    std::string requests;
    for (int i = 0; i < kRequests; ++i) requests += "GET v\r\n";
    ASSERT_TRUE(reader->Send(requests));
    std::this_thread::sleep_for(milliseconds(500));
  }

  // Every queued reply arrives whole, then the connection closes.
  void ExpectAllRepliesThenClose(RawConnection* reader) {
    const std::string expected = "$" + std::to_string(kValueSize) + "\r\n" + std::string(kValueSize, 'v') + "\r\n";
    for (int i = 0; i < kRequests; ++i) {
      std::string reply;
      ASSERT_TRUE(reader->ReadReply(&reply, seconds(5))) << "reply " << i << " lost";
      ASSERT_EQ(reply, expected) << "reply " << i;
    }
    std::string rest;
    EXPECT_TRUE(reader->ReadUntilClosed(&rest, seconds(5))) << "connection still open";
    EXPECT_EQ(rest, "");
  }

  ServerProcess server_;
};

TEST_F(ShutdownTest, ShutdownCommandFlushesPendingRepliesAndExitsZero) {
  RawConnection reader;
  QueueReplies(&reader);
  RawConnection admin;
  ASSERT_TRUE(admin.Connect(server_.port()));
  ASSERT_TRUE(admin.Send("*1\r\n$8\r\nSHUTDOWN\r\n"));
  // Like Redis, a successful SHUTDOWN has no reply: the connection just closes.
  std::string admin_got;
  EXPECT_TRUE(admin.ReadUntilClosed(&admin_got, seconds(10)));
  EXPECT_EQ(admin_got, "");
  ExpectAllRepliesThenClose(&reader);
  const std::optional<int> code = server_.WaitExit(seconds(10));
  ASSERT_TRUE(code.has_value()) << "still running after SHUTDOWN";
  EXPECT_EQ(*code, 0) << server_.Log();
}

TEST_F(ShutdownTest, SigtermFlushesPendingRepliesAndExitsZero) {
  RawConnection reader;
  QueueReplies(&reader);
  server_.Signal(SIGTERM);
  ExpectAllRepliesThenClose(&reader);
  const std::optional<int> code = server_.WaitExit(seconds(30));
  ASSERT_TRUE(code.has_value()) << "still running after SIGTERM";
  EXPECT_EQ(*code, 0) << server_.Log();
}

}  // namespace
}  // namespace strata::testing
