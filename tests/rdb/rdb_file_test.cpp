// Whole snapshot files checked by Redis itself: redis-check-rdb 7.0 must accept a file holding
// every type and encoding in several databases, and redis-server 7.0 must load it and serve the
// same values. Both tools are required: a missing tool fails the test.
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "rdb/rdb_writer.h"
#include "rdb_test_values.h"

namespace strata::rdb {
namespace {

using testing::Put;

constexpr char kCheckRdb[] = "/usr/bin/redis-check-rdb";
constexpr char kRedisServer[] = "/usr/bin/redis-server";
constexpr char kRedisCli[] = "/usr/bin/redis-cli";
// A deadline far in the future (2100-01-01) and one long past.
constexpr int64_t kFuture = 4'102'444'800'000;
constexpr int64_t kPast = 1'000'000'000'000;

// Runs `command` through the shell; returns its output and sets *status to its exit status.
std::string RunShell(const std::string& command, int* status) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) {
    *status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int raw = ::pclose(p);
  *status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

// The port for the throw-away redis-server: the top of STRATA_TEST_PORTS ("lo-hi"), or one the
// kernel picks.
int ServerPort() {
  if (const char* range = std::getenv("STRATA_TEST_PORTS")) {
    const std::string r(range);
    const size_t dash = r.find('-');
    if (dash != std::string::npos) return std::atoi(r.c_str() + dash + 1);
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class RdbFileTest : public ::testing::Test {
 protected:
  RdbFileTest() : keyspace_(16, &clock_) { keyspace_.Tick(); }

  void Fill() {
    std::vector<std::string> big_list;
    std::vector<std::pair<std::string, std::string>> big_hash;
    std::vector<std::string> big_set;
    std::vector<std::pair<std::string, double>> big_zset;
    for (int i = 0; i < 1000; ++i) {
      big_list.push_back("element-" + std::to_string(i));
      big_hash.emplace_back("field-" + std::to_string(i), std::to_string(i * 7));
      big_set.push_back("member-" + std::to_string(i));
      big_zset.emplace_back("m" + std::to_string(i), i * 0.5);
    }
    Put(keyspace_, 0, testing::String("str", "hello"));
    Put(keyspace_, 0, testing::String("int", "12345"));
    Put(keyspace_, 0, testing::String("neg", "-7"));
    Put(keyspace_, 0, testing::String("big-int", "9223372036854775807"));
    Put(keyspace_, 0, testing::String("lzf", std::string(1000, 'z')));
    Put(keyspace_, 0, testing::String("ttl", "soon", kFuture));
    Put(keyspace_, 0, testing::String("expired", "gone", kPast));
    Put(keyspace_, 0, testing::List("list", {"a", "1", "-5000", std::string(5000, 'x'), "5000000000"}));
    Put(keyspace_, 0, testing::List("big-list", big_list));
    Put(keyspace_, 3, testing::Hash("hash", {{"f1", "v1"}, {"f2", "2"}}));
    Put(keyspace_, 3, testing::Hash("big-hash", big_hash));
    Put(keyspace_, 3, testing::Set("intset", {"5", "-3", "100000"}));
    Put(keyspace_, 3, testing::Set("big-set", big_set));
    Put(keyspace_, 15, testing::ZSet("zset", {{"a", 1}, {"b", 2.5}, {"c", -0.1}}));
    Put(keyspace_, 15, testing::ZSet("big-zset", big_zset));
  }

  bool Save(const SaveOptions& options) {
    SaveStats stats;
    std::string error;
    const bool saved = SaveSnapshotFile(keyspace_, options, dir_.path(), "dump.rdb", &stats, &error);
    EXPECT_TRUE(saved) << error;
    EXPECT_EQ(stats.keys, 15u);
    return saved;
  }

  // `redis-cli -p port -n db args`, its output without the final newline.
  std::string Cli(int db, const std::string& args) {
    int status;
    std::string out = RunShell(std::string(kRedisCli) + " -p " + std::to_string(port_) + " -n " + std::to_string(db) +
                              " " + args,
                          &status);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  FakeClock clock_;
  store::Keyspace keyspace_;
  testing::TempDir dir_;
  int port_ = 0;
};

TEST_F(RdbFileTest, RedisCheckRdbAcceptsEveryTypeAndEncoding) {
  ASSERT_EQ(::access(kCheckRdb, X_OK), 0) << kCheckRdb << " is required";
  Fill();
  for (const bool compress : {true, false}) {
    for (const bool checksum : {true, false}) {
      SaveOptions options;
      options.compress = compress;
      options.checksum = checksum;
      options.access = compress ? AccessOpcode::kLruIdle : AccessOpcode::kLfuFreq;
      ASSERT_TRUE(Save(options));
      int status;
      const std::string out = RunShell(std::string(kCheckRdb) + " " + dir_.path() + "/dump.rdb", &status);
      EXPECT_EQ(status, 0) << out;
      EXPECT_NE(out.find("RDB looks OK!"), std::string::npos) << out;
      EXPECT_NE(out.find("[info] 15 keys read"), std::string::npos) << out;
      EXPECT_NE(out.find("[info] 2 expires"), std::string::npos) << out;
      EXPECT_NE(out.find("[info] 1 already expired"), std::string::npos) << out;
    }
  }
}

TEST_F(RdbFileTest, RedisServerLoadsTheFile) {
  ASSERT_EQ(::access(kRedisServer, X_OK), 0) << kRedisServer << " is required";
  ASSERT_EQ(::access(kRedisCli, X_OK), 0) << kRedisCli << " is required";
  Fill();
  ASSERT_TRUE(Save(SaveOptions()));
  port_ = ServerPort();
  const std::string port = std::to_string(port_);
  const std::string log = dir_.path() + "/redis.log";
  const pid_t server = ::fork();
  ASSERT_GE(server, 0);
  if (server == 0) {
    ::execl(kRedisServer, kRedisServer, "--dir", dir_.path().c_str(), "--dbfilename", "dump.rdb", "--port",
            port.c_str(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--logfile", log.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Up to 10 s for it to load and answer.
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    up = Cli(0, "PING") == "PONG";
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(up) << testing::ReadFile(log);
  if (up) {
    EXPECT_EQ(Cli(0, "DBSIZE"), "8");  // the expired key is dropped on load
    EXPECT_EQ(Cli(0, "GET str"), "hello");
    EXPECT_EQ(Cli(0, "GET big-int"), "9223372036854775807");
    EXPECT_EQ(Cli(0, "STRLEN lzf"), "1000");
    EXPECT_EQ(Cli(0, "PEXPIRETIME ttl"), std::to_string(kFuture));
    EXPECT_EQ(Cli(0, "EXISTS expired"), "0");
    EXPECT_EQ(Cli(0, "LRANGE list 0 2"), "a\n1\n-5000");
    EXPECT_EQ(Cli(0, "LINDEX list 4"), "5000000000");
    EXPECT_EQ(Cli(0, "LLEN big-list"), "1000");
    EXPECT_EQ(Cli(0, "LINDEX big-list 637"), "element-637");
    EXPECT_EQ(Cli(3, "HGETALL hash"), "f1\nv1\nf2\n2");
    EXPECT_EQ(Cli(3, "OBJECT ENCODING big-hash"), "hashtable");
    EXPECT_EQ(Cli(3, "HGET big-hash field-999"), "6993");
    EXPECT_EQ(Cli(3, "SMEMBERS intset"), "-3\n5\n100000");
    EXPECT_EQ(Cli(3, "SCARD big-set"), "1000");
    EXPECT_EQ(Cli(15, "ZRANGE zset 0 -1 WITHSCORES"), "c\n-0.10000000000000001\na\n1\nb\n2.5");
    EXPECT_EQ(Cli(15, "OBJECT ENCODING big-zset"), "skiplist");
    EXPECT_EQ(Cli(15, "ZRANGE big-zset 998 999 WITHSCORES"), "m998\n499\nm999\n499.5");
  }
  ::kill(server, SIGTERM);
  int status;
  ::waitpid(server, &status, 0);
}

}  // namespace
}  // namespace strata::rdb
