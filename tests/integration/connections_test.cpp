// Many clients, io-threads, client limits and clients that do not read their replies.
#include <atomic>
#include <sstream>
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

// The numbers in a "strata_clients_per_io_thread:" value: "50,51,50,50", "50 51" or
// "0=50,1=51" all give the counts per thread.
std::vector<long> ParseClientsPerThread(const std::string& value) {
  std::vector<long> counts;
  std::string item;
  std::stringstream ss(value);
  while (std::getline(ss, item, ',')) {
    std::stringstream words(item);
    std::string word;
    while (words >> word) {
      const size_t sep = word.find_first_of("=:");
      counts.push_back(std::strtol(word.c_str() + (sep == std::string::npos ? 0 : sep + 1), nullptr, 10));
    }
  }
  return counts;
}

TEST(ConnectionsTest, TwoHundredConnectionsSpreadOverIoThreads) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({"--io-threads", "4"}, &error)) << error;
  constexpr int kClients = 200;
  std::vector<RedisContextPtr> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(ConnectRedis(server.port()));
    ASSERT_NE(clients.back(), nullptr) << "connection " << i;
  }
  // Every client is served: all write first, then all read.
  for (int i = 0; i < kClients; ++i) AppendCommand(clients[i].get(), {"SET", "c:" + std::to_string(i), std::to_string(i)});
  for (int i = 0; i < kClients; ++i) AppendCommand(clients[i].get(), {"GET", "c:" + std::to_string((i + 1) % kClients)});
  for (int i = 0; i < kClients; ++i) ASSERT_EQ(Describe(GetReply(clients[i].get())), "OK") << i;
  for (int i = 0; i < kClients; ++i) {
    const ReplyPtr r = GetReply(clients[i].get());
    ASSERT_NE(r, nullptr);
    // The other client's SET may or may not have run yet: only the values written are possible.
    const std::string got = Describe(r);
    EXPECT_TRUE(got == "\"" + std::to_string((i + 1) % kClients) + "\"" || got == "(nil)") << got;
  }

  RedisContextPtr admin = ConnectRedis(server.port());
  ASSERT_NE(admin, nullptr);
  const ReplyPtr info = Command(admin.get(), {"INFO", "clients"});
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(info->type, REDIS_REPLY_STRING) << Describe(info);
  const std::string text(info->str, info->len);
  EXPECT_EQ(InfoField(text, "connected_clients"), std::to_string(kClients + 1));
  const std::string per_thread = InfoField(text, "strata_clients_per_io_thread");
  ASSERT_FALSE(per_thread.empty()) << text;
  const std::vector<long> counts = ParseClientsPerThread(per_thread);
  ASSERT_EQ(counts.size(), 4u) << per_thread;
  long total = 0;
  for (long n : counts) {
    total += n;
    // Round robin: 201 clients over 4 threads.
    EXPECT_GE(n, 40) << per_thread;
  }
  EXPECT_EQ(total, kClients + 1) << per_thread;
}

// Threads hammer the same server with a mix of reads and writes on their own keys and on shared
// ones; every reply is checked.
TEST(ConnectionsTest, ManyThreadsMixedCommands) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({"--io-threads", "4"}, &error)) << error;
  constexpr int kThreads = 8;
  constexpr int kRounds = 300;
  std::atomic<int> failures{0};
  std::vector<std::string> first_failure(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RedisContextPtr c = ConnectRedis(server.port());
      if (c == nullptr) {
        ++failures;
        first_failure[t] = "cannot connect";
        return;
      }
      const std::string me = "t" + std::to_string(t) + ":";
      auto expect = [&](const std::string& got, const std::string& want, int round) {
        if (got != want && first_failure[t].empty()) {
          first_failure[t] = "round " + std::to_string(round) + ": got " + got + ", want " + want;
        }
        if (got != want) ++failures;
      };
      for (int round = 0; round < kRounds; ++round) {
        const std::string r = std::to_string(round);
        // A batch of 10 pipelined commands.
        AppendCommand(c.get(), {"SET", me + "k" + r, "v" + r});
        AppendCommand(c.get(), {"GET", me + "k" + r});
        AppendCommand(c.get(), {"INCR", me + "counter"});
        AppendCommand(c.get(), {"INCR", "shared:counter"});
        AppendCommand(c.get(), {"APPEND", me + "log", "x"});
        AppendCommand(c.get(), {"EXISTS", me + "k" + r});
        AppendCommand(c.get(), {"DEL", me + "k" + r});
        AppendCommand(c.get(), {"MSET", me + "a", r, "shared:last", me});
        AppendCommand(c.get(), {"MGET", me + "a", me + "k" + r});
        AppendCommand(c.get(), {"STRLEN", me + "log"});
        expect(Describe(GetReply(c.get())), "OK", round);
        expect(Describe(GetReply(c.get())), "\"v" + r + "\"", round);
        expect(Describe(GetReply(c.get())), "(integer) " + std::to_string(round + 1), round);
        const ReplyPtr shared = GetReply(c.get());
        if (shared == nullptr || shared->type != REDIS_REPLY_INTEGER || shared->integer < 1) {
          expect(Describe(shared), "(integer) >= 1", round);
        }
        expect(Describe(GetReply(c.get())), "(integer) " + std::to_string(round + 1), round);
        expect(Describe(GetReply(c.get())), "(integer) 1", round);
        expect(Describe(GetReply(c.get())), "(integer) 1", round);
        expect(Describe(GetReply(c.get())), "OK", round);
        expect(Describe(GetReply(c.get())), "[\"" + r + "\", (nil)]", round);
        expect(Describe(GetReply(c.get())), "(integer) " + std::to_string(round + 1), round);
        if (failures > 0) return;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_TRUE(first_failure[t].empty()) << "thread " << t << ": " << first_failure[t];
  ASSERT_EQ(failures.load(), 0);
  RedisContextPtr c = ConnectRedis(server.port());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Describe(Command(c.get(), {"GET", "shared:counter"})), "\"" + std::to_string(kThreads * kRounds) + "\"");
  // Per thread: counter, log and a; plus shared:counter and shared:last.
  EXPECT_EQ(Describe(Command(c.get(), {"DBSIZE"})), "(integer) " + std::to_string(kThreads * 3 + 2));
}

TEST(ConnectionsTest, MaxClientsRejectsWithRedisError) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({"--maxclients", "3"}, &error)) << error;
  std::vector<RawConnection> admitted(3);
  for (RawConnection& conn : admitted) {
    ASSERT_TRUE(conn.Connect(server.port()));
    ASSERT_TRUE(conn.Send("PING\r\n"));
    std::string reply;
    ASSERT_TRUE(conn.ReadReply(&reply, seconds(10)));
    ASSERT_EQ(reply, "+PONG\r\n");
  }
  RawConnection extra;
  ASSERT_TRUE(extra.Connect(server.port()));
  std::string got;
  EXPECT_TRUE(extra.ReadUntilClosed(&got, seconds(10)));
  EXPECT_EQ(got, "-ERR max number of clients reached\r\n");
  // A freed slot can be taken again.
  admitted[0].Close();
  bool served = false;
  for (int attempt = 0; attempt < 100 && !served; ++attempt) {
    RawConnection again;
    ASSERT_TRUE(again.Connect(server.port()));
    std::string reply;
    served = again.Send("PING\r\n") && again.ReadReply(&reply, seconds(5)) && reply == "+PONG\r\n";
    if (!served) std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(served);
}

TEST(ConnectionsTest, QueryBufferLimitClosesTheClient) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({"--client-query-buffer-limit", "1mb"}, &error)) << error;
  RawConnection conn;
  ASSERT_TRUE(conn.Connect(server.port()));
  // A 10 MB argument announced, 3 MB of it sent: past the 1 MB limit the server hangs up.
  ASSERT_TRUE(conn.Send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10000000\r\n"));
  const std::string chunk(64 * 1024, 'x');
  bool send_failed = false;
  for (int i = 0; i < 48 && !send_failed; ++i) send_failed = !conn.Send(chunk);
  std::string got;
  EXPECT_TRUE(send_failed || conn.ReadUntilClosed(&got, seconds(10))) << "connection still open";
  EXPECT_EQ(got, "");
  EXPECT_NE(server.Log().find("max query buffer"), std::string::npos) << server.Log();
  // Other clients are unaffected.
  RedisContextPtr c = ConnectRedis(server.port());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Describe(Command(c.get(), {"PING"})), "PONG");
}

// A client pipelines requests whose replies total 100 MB and reads nothing for a while: the server
// stops running its requests while the replies wait, so its memory stays far below 100 MB, and
// once the client reads it gets every reply, complete and in order.
TEST(ConnectionsTest, ClientThatDoesNotReadKeepsMemoryBoundedAndLosesNoReply) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start({}, &error)) << error;
  constexpr size_t kValueSize = 100 * 1024;
  constexpr int kRequests = 1000;
  std::string value(kValueSize, 'x');
  for (size_t i = 0; i < value.size(); i += 1000) value[i] = static_cast<char>('a' + (i / 1000) % 26);
  {
    RedisContextPtr c = ConnectRedis(server.port());
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(Describe(Command(c.get(), {"SET", "big", value})), "OK");
  }
  std::this_thread::sleep_for(milliseconds(200));
  const size_t rss_before = server.MemoryBytes("VmRSS");
  ASSERT_GT(rss_before, 0u);

  RawConnection slow;
  ASSERT_TRUE(slow.Connect(server.port()));
  std::string requests;
  for (int i = 0; i < kRequests; ++i) requests += "GET big\r\n";
  ASSERT_TRUE(slow.Send(requests));
  size_t rss_peak = 0;
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    rss_peak = std::max(rss_peak, server.MemoryBytes("VmRSS"));
  }
  std::printf("server memory grew by %zu KB while %d MB of replies waited\n",
              (rss_peak > rss_before ? rss_peak - rss_before : 0) / 1024, static_cast<int>(kRequests * kValueSize >> 20));
  EXPECT_LT(rss_peak, rss_before + 40 * 1024 * 1024)
      << "the server buffered " << (rss_peak - rss_before) / 1024 / 1024 << " MB for a client that does not read";

  // Meanwhile other clients are served.
  RedisContextPtr other = ConnectRedis(server.port());
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(Describe(Command(other.get(), {"PING"})), "PONG");

  const std::string expected = "$" + std::to_string(kValueSize) + "\r\n" + value + "\r\n";
  for (int i = 0; i < kRequests; ++i) {
    std::string reply;
    ASSERT_TRUE(slow.ReadReply(&reply, seconds(30))) << "reply " << i << " missing";
    ASSERT_TRUE(reply == expected) << "reply " << i << " differs (" << reply.size() << " bytes)";
  }
  ASSERT_TRUE(slow.Send("PING\r\n"));
  std::string pong;
  ASSERT_TRUE(slow.ReadReply(&pong, seconds(10)));
  EXPECT_EQ(pong, "+PONG\r\n");
}

}  // namespace
}  // namespace strata::testing
