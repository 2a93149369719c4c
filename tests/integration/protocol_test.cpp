// The wire protocol against the real binary: pipelining, requests split into single bytes, inline
// commands and protocol errors.
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "clients.h"
#include "server_process.h"

namespace strata::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(server_.Start({}, &error)) << error;
  }

  // Sends `request` on a new connection and returns the first reply.
  std::string Exchange(const std::string& request) {
    RawConnection conn;
    EXPECT_TRUE(conn.Connect(server_.port()));
    EXPECT_TRUE(conn.Send(request));
    std::string reply;
    EXPECT_TRUE(conn.ReadReply(&reply, seconds(10))) << "no reply to " << request;
    return reply;
  }

  ServerProcess server_;
};

TEST_F(ProtocolTest, PipelineOfTenThousandCommandsIsAnsweredInOrder) {
  RedisContextPtr c = ConnectRedis(server_.port());
  ASSERT_NE(c, nullptr);
  constexpr int kCommands = 10000;
  for (int i = 0; i < kCommands; ++i) {
    switch (i % 3) {
      case 0: AppendCommand(c.get(), {"SET", "key:" + std::to_string(i), std::to_string(i)}); break;
      case 1: AppendCommand(c.get(), {"GET", "key:" + std::to_string(i - 1)}); break;
      case 2: AppendCommand(c.get(), {"ECHO", "echo:" + std::to_string(i)}); break;
    }
  }
  for (int i = 0; i < kCommands; ++i) {
    ReplyPtr r = GetReply(c.get());
    ASSERT_NE(r, nullptr) << "reply " << i << ": " << c->errstr;
    switch (i % 3) {
      case 0: ASSERT_EQ(Describe(r), "OK") << i; break;
      case 1: ASSERT_EQ(Describe(r), "\"" + std::to_string(i - 1) + "\"") << i; break;
      case 2: ASSERT_EQ(Describe(r), "\"echo:" + std::to_string(i) + "\"") << i; break;
    }
  }
}

TEST_F(ProtocolTest, RequestWrittenOneByteAtATime) {
  RawConnection conn;
  ASSERT_TRUE(conn.Connect(server_.port()));
  std::string reply;
  ASSERT_TRUE(conn.SendByteByByte("*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$5\r\nb\r\nar\r\n", milliseconds(1)));
  ASSERT_TRUE(conn.ReadReply(&reply, seconds(10)));
  EXPECT_EQ(reply, "+OK\r\n");
  ASSERT_TRUE(conn.SendByteByByte("*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n", milliseconds(1)));
  ASSERT_TRUE(conn.ReadReply(&reply, seconds(10)));
  EXPECT_EQ(reply, "$5\r\nb\r\nar\r\n");
  ASSERT_TRUE(conn.SendByteByByte("ECHO \"x y\"\r\n", milliseconds(1)));
  ASSERT_TRUE(conn.ReadReply(&reply, seconds(10)));
  EXPECT_EQ(reply, "$3\r\nx y\r\n");
}

TEST_F(ProtocolTest, InlineCommands) {
  RawConnection conn;
  ASSERT_TRUE(conn.Connect(server_.port()));
  // Several inline requests in one write, LF or CRLF ended, with an empty line in between.
  ASSERT_TRUE(conn.Send("SET ik \"v a\\x41l\"\r\nGET ik\n\r\n  PING  \r\nECHO 'it\\'s'\r\nGET nokey\r\n"));
  const std::vector<std::string> expected = {"+OK\r\n", "$5\r\nv aAl\r\n", "+PONG\r\n", "$4\r\nit's\r\n", "$-1\r\n"};
  for (const std::string& want : expected) {
    std::string reply;
    ASSERT_TRUE(conn.ReadReply(&reply, seconds(10))) << "waiting for " << want;
    EXPECT_EQ(reply, want);
  }
  // Binary through \x escapes, then a multibulk request on the same connection.
  ASSERT_TRUE(conn.Send("ECHO \"a\\x00b\"\r\n*1\r\n$4\r\nPING\r\n"));
  std::string reply;
  ASSERT_TRUE(conn.ReadReply(&reply, seconds(10)));
  EXPECT_EQ(reply, std::string("$3\r\na\0b\r\n", 9));
  ASSERT_TRUE(conn.ReadReply(&reply, seconds(10)));
  EXPECT_EQ(reply, "+PONG\r\n");
}

// Each input ends in a protocol error: the server answers the requests before it, then the error
// (texts as redis-server 7.0.15 sends them), and closes the connection without running anything
// that follows.
TEST_F(ProtocolTest, ProtocolErrorsReplyThenClose) {
  const std::string inline_too_big(64 * 1024 + 1, 'A');
  struct Case {
    std::string input;
    std::string replies;
  };
  const Case cases[] = {
      {"*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
      {"PING\r\n*1\r\n$x\r\nPING\r\n", "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n"},
      {"*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
      {"*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
      {"*1\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"},
      {"*1\rx\n$4\r\nPING\r\n", "-ERR Protocol error: expected '$', got ' '\r\n"},
      {"ECHO \"unbalanced\r\nPING\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
      {"*1\r\n$4\r\nPING\r\nECHO 'a'b\r\n", "+PONG\r\n-ERR Protocol error: unbalanced quotes in request\r\n"},
      {inline_too_big, "-ERR Protocol error: too big inline request\r\n"},
      {"*" + std::string(64 * 1024, '1'), "-ERR Protocol error: too big mbulk count string\r\n"},
  };
  for (const Case& c : cases) {
    RawConnection conn;
    ASSERT_TRUE(conn.Connect(server_.port()));
    ASSERT_TRUE(conn.Send(c.input));
    std::string got;
    EXPECT_TRUE(conn.ReadUntilClosed(&got, seconds(10))) << "connection not closed after " << c.input.substr(0, 40);
    EXPECT_EQ(got, c.replies) << "input: " << c.input.substr(0, 40);
  }
  // The server itself is fine.
  EXPECT_EQ(Exchange("PING\r\n"), "+PONG\r\n");
}

TEST_F(ProtocolTest, EmptyAndNegativeMultibulkAreIgnored) {
  EXPECT_EQ(Exchange("*0\r\n*-1\r\n\r\n*1\r\n$4\r\nPING\r\n"), "+PONG\r\n");
}

TEST_F(ProtocolTest, LargeArgumentArrivingInPieces) {
  const std::string value(3 * 1024 * 1024 + 7, 'v');
  RawConnection conn;
  ASSERT_TRUE(conn.Connect(server_.port()));
  const std::string request = "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  for (size_t i = 0; i < request.size(); i += 100000) ASSERT_TRUE(conn.Send(request.substr(i, 100000)));
  std::string reply;
  ASSERT_TRUE(conn.ReadReply(&reply, seconds(10)));
  EXPECT_EQ(reply, "+OK\r\n");
  ASSERT_TRUE(conn.Send("GET big\r\n"));
  ASSERT_TRUE(conn.ReadReply(&reply, seconds(10)));
  EXPECT_EQ(reply, "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n");
}

// Clients announce 512 MB arguments and send a few bytes of them: the server takes memory only as
// bytes arrive, so even its address space (which counts untouched allocations) barely grows.
TEST_F(ProtocolTest, HugeAnnouncedArgumentsAllocateOnlyWhatArrives) {
  const size_t before = server_.MemoryBytes("VmSize");
  ASSERT_GT(before, 0u);
  std::vector<RawConnection> clients(10);
  for (RawConnection& conn : clients) {
    ASSERT_TRUE(conn.Connect(server_.port()));
    ASSERT_TRUE(conn.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n" + std::string(100000, 'x')));
  }
  std::this_thread::sleep_for(milliseconds(500));
  const size_t after = server_.MemoryBytes("VmSize");
  EXPECT_LT(after, before + 256 * 1024 * 1024) << "address space grew by " << (after - before) / 1024 / 1024
                                               << " MB for 10 announced 512 MB arguments";
  // The server still answers.
  EXPECT_EQ(Exchange("PING\r\n"), "+PONG\r\n");
}

}  // namespace
}  // namespace strata::testing
