// The RDB reader against files and DUMP payloads that Debian's redis-server 7.0 writes at test
// time: a dataset of every type, in its compact and its large encodings, with expiries, in
// several databases. Each key loaded by Strata must equal what redis-server itself reports for
// it. A redis-server that cannot be started fails the test.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "common/clock.h"
#include "rdb/format.h"
#include "rdb/rdb_parser.h"
#include "rdb/rdb_reader.h"
#include "rdb_test_util.h"
#include "store/value_types.h"

namespace strata::rdb {
namespace {

using Reply = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

// Records which RDB type bytes a file uses.
class TypeCollector final : public RdbVisitor {
 public:
  bool OnSelectDb(uint64_t, std::string*) override { return true; }
  bool OnKey(const ParsedKey& k, std::string*) override {
    types.insert(k.type);
    store::Entry::Destroy(k.entry);
    return true;
  }
  std::set<int> types;
};

// A redis-server child on a port from $STRATA_TEST_PORTS, in its own directory.
class RedisServer {
 public:
  ~RedisServer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (ctx_ != nullptr) redisFree(ctx_);
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
  }

  // Starts redis-server with `options`; false with *error when it does not answer.
  bool Start(const std::vector<std::string>& options, std::string* error) {
    char tmpl[] = "/tmp/strata-rdb-interop-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return Error("mkdtemp failed", error);
    dir_ = tmpl;
    int lo = 7550, hi = 7599;
    if (const char* range = std::getenv("STRATA_TEST_PORTS")) std::sscanf(range, "%d-%d", &lo, &hi);
    for (int attempt = 0; attempt < 10; ++attempt) {
      port_ = lo + static_cast<int>((getpid() + attempt * 7) % (hi - lo + 1));
      std::vector<std::string> args = {"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                       "--dir", dir_, "--save", "", "--appendonly", "no", "--enable-debug-command",
                                       "yes", "--logfile", dir_ + "/redis.log"};
      args.insert(args.end(), options.begin(), options.end());
      pid_ = fork();
      if (pid_ == 0) {
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
      }
      for (int i = 0; i < 100; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) break;  // exited: port taken, or no binary
        timeval tv{10, 0};
        ctx_ = redisConnectWithTimeout("127.0.0.1", port_, tv);
        if (ctx_ != nullptr && ctx_->err == 0 && Run({"PING"})->type == REDIS_REPLY_STATUS) return true;
        if (ctx_ != nullptr) redisFree(ctx_);
        ctx_ = nullptr;
      }
      pid_ = -1;
    }
    return Error("redis-server did not start in " + dir_, error);
  }

  Reply Run(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()));
    return Reply(r, freeReplyObject);
  }

  std::string DumpFile() const {
    std::ifstream f(dir_ + "/dump.rdb", std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
  }

 private:
  static bool Error(const std::string& what, std::string* error) {
    *error = what;
    return false;
  }

  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  redisContext* ctx_ = nullptr;
};

std::vector<std::string> Strings(const Reply& r) {
  std::vector<std::string> out;
  for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; ++i) {
    out.emplace_back(r->element[i]->str, r->element[i]->len);
  }
  return out;
}

std::string Join(std::vector<std::string> parts, bool sort, std::string_view sep = ",") {
  if (sort) std::sort(parts.begin(), parts.end());
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(sep) : "") + parts[i];
  return out;
}

// What redis-server says `key` holds, in the form testing::Describe gives.
std::string RedisDescribe(RedisServer& redis, const std::string& key) {
  const std::string type = redis.Run({"TYPE", key})->str;
  if (type == "string") {
    Reply r = redis.Run({"GET", key});
    return "string:" + std::string(r->str, r->len);
  }
  if (type == "list") return "list:" + Join(Strings(redis.Run({"LRANGE", key, "0", "-1"})), false);
  if (type == "set") return "set:{" + Join(Strings(redis.Run({"SMEMBERS", key})), true) + "}";
  std::vector<std::string> flat = Strings(redis.Run(
      type == "zset" ? std::vector<std::string>{"ZRANGE", key, "0", "-1", "WITHSCORES"} : std::vector<std::string>{"HGETALL", key}));
  std::vector<std::string> pairs;
  for (size_t i = 0; i + 1 < flat.size(); i += 2) pairs.push_back(flat[i] + "=" + flat[i + 1]);
  return type == "zset" ? "zset:" + Join(pairs, false) : "hash:{" + Join(pairs, true) + "}";
}

// Fills the selected database with every type in its compact and large encodings.
void Populate(RedisServer& redis, const std::string& prefix, int64_t deadline_ms) {
  auto run = [&](std::vector<std::string> args) { ASSERT_NE(redis.Run(args)->type, REDIS_REPLY_ERROR) << args[0]; };
  run({"SET", prefix + "s:small", "hello"});
  run({"SET", prefix + "s:int", "-123456789"});
  run({"SET", prefix + "s:lzf", std::string(500, 'a') + "tail"});
  run({"SET", prefix + "s:big", std::string(100000, 'q')});
  std::string bin;
  for (int i = 0; i < 256; ++i) bin.push_back(static_cast<char>(i));
  run({"SET", prefix + "s:binary", bin});
  run({"RPUSH", prefix + "l:small", "a", "1", "-2", "bcd"});
  std::vector<std::string> big = {"RPUSH", prefix + "l:big"};
  for (int i = 0; i < 1000; ++i) big.push_back(i % 3 ? "e" + std::to_string(i) : std::to_string(i * 1000003));
  run(big);
  run({"SADD", prefix + "set:ints", "1", "2", "-3"});
  run({"SADD", prefix + "set:manyints", "1", "2", "3", "4", "5", "6", "7"});
  run({"SADD", prefix + "set:strs", "a", "b", "c"});
  run({"ZADD", prefix + "z:small", "1", "a", "2.5", "b", "-inf", "c"});
  std::vector<std::string> zbig = {"ZADD", prefix + "z:big"};
  for (int i = 0; i < 200; ++i) {
    zbig.push_back(std::to_string(i * 0.25));
    zbig.push_back("m" + std::to_string(i));
  }
  run(zbig);
  run({"HSET", prefix + "h:small", "f", "v", "n", "42"});
  std::vector<std::string> hbig = {"HSET", prefix + "h:big"};
  for (int i = 0; i < 100; ++i) {
    hbig.push_back("field" + std::to_string(i));
    hbig.push_back("value" + std::to_string(i));
  }
  run(hbig);
  run({"HSET", prefix + "h:longvalue", "f", std::string(200, 'v')});
  for (const char* k : {"s:small", "l:small", "z:big", "h:small"}) {
    run({"PEXPIREAT", prefix + k, std::to_string(deadline_ms)});
  }
}

TEST(RedisInteropTest, RedisDumpLoadsKeyForKey) {
  RedisServer redis;
  std::string error;
  // Small thresholds, so both encodings of each type appear; a small plain-node threshold, so
  // quicklist 2 writes plain nodes too.
  ASSERT_TRUE(redis.Start({"--list-max-listpack-size", "4", "--hash-max-listpack-entries", "8",
                           "--hash-max-listpack-value", "32", "--zset-max-listpack-entries", "8",
                           "--set-max-intset-entries", "4"},
                          &error))
      << error;
  ASSERT_EQ(redis.Run({"DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100"})->type, REDIS_REPLY_STATUS);
  const int64_t deadline = SystemClock().NowMs() + 3'600'000;
  for (int db : {0, 5, 15}) {
    redis.Run({"SELECT", std::to_string(db)});
    Populate(redis, "db" + std::to_string(db) + ":", deadline);
  }
  redis.Run({"SELECT", "0"});
  // Incompressible elements past the plain-node threshold (100 bytes).
  std::string noise;
  for (uint32_t x = 1; noise.size() < 300;) {
    x = x * 1103515245 + 12345;
    noise.push_back(static_cast<char>('a' + (x >> 16) % 26));
  }
  redis.Run({"RPUSH", "l:plain", noise, "small", noise.substr(0, 200)});
  ASSERT_EQ(redis.Run({"SAVE"})->type, REDIS_REPLY_STATUS);
  const std::string file = redis.DumpFile();
  ASSERT_GT(file.size(), 1000u);
  // The file holds every encoding Redis 7.0 writes for these types.
  TypeCollector collector;
  ASSERT_TRUE(ParseRdb(file, store::EncodingLimits(), &collector, &error)) << error;
  EXPECT_EQ(collector.types, (std::set<int>{kTypeString, kTypeSet, kTypeHash, kTypeZSet2, kTypeSetIntset,
                                            kTypeHashListpack, kTypeZSetListpack, kTypeListQuicklist2}));
  // ... and quicklist 2 plain nodes: the node container byte 1 right before the 300-byte element.
  EXPECT_NE(file.find(std::string("\x01\x41\x2c") + noise), std::string::npos);

  FakeClock clock(SystemClock().NowMs());
  store::Keyspace keyspace(16, &clock);
  keyspace.limits().hash_max_listpack_entries = 8;
  keyspace.limits().hash_max_listpack_value = 32;
  keyspace.limits().zset_max_listpack_entries = 8;
  keyspace.limits().set_max_intset_entries = 4;
  LoadOptions options;
  options.now_ms = clock.NowMs();
  LoadStats stats;
  ASSERT_TRUE(LoadSnapshot(file, &keyspace, options, &stats, &error)) << error;
  const auto loaded = testing::Contents(keyspace);
  size_t compared = 0;
  for (int db = 0; db < 16; ++db) {
    redis.Run({"SELECT", std::to_string(db)});
    for (const std::string& key : Strings(redis.Run({"KEYS", "*"}))) {
      SCOPED_TRACE(key);
      auto it = loaded.find(std::to_string(db) + ":" + key);
      ASSERT_NE(it, loaded.end());
      EXPECT_EQ(it->second.value, RedisDescribe(redis, key));
      EXPECT_EQ(it->second.expire_ms, redis.Run({"PEXPIRETIME", key})->integer == -1
                                          ? store::kNoExpire
                                          : redis.Run({"PEXPIRETIME", key})->integer);
      const std::string encoding = redis.Run({"OBJECT", "ENCODING", key})->str;
      if (key.find("s:") == std::string::npos) {
        EXPECT_EQ(store::EncodingName(it->second.encoding), encoding);
      }
      // DUMP from redis-server, decoded by DecodeDump.
      Reply dump = redis.Run({"DUMP", key});
      store::Entry* e = DecodeDump(std::string_view(dump->str, dump->len), key, store::kNoExpire, keyspace.limits(), &error);
      ASSERT_NE(e, nullptr) << error;
      EXPECT_EQ(testing::Describe(*e), it->second.value);
      store::Entry::Destroy(e);
      ++compared;
    }
  }
  EXPECT_EQ(compared, loaded.size());
  EXPECT_EQ(stats.keys, loaded.size());
  EXPECT_EQ(compared, 3u * 15 + 1);

  // Damage to a real file: truncation at many offsets, and a bad checksum.
  for (size_t n = 0; n < file.size(); n += 1 + n / 50) {
    store::Keyspace scratch(16, &clock);
    ASSERT_FALSE(LoadSnapshot(file.substr(0, n), &scratch, options, &stats, &error)) << n;
    EXPECT_NE(error.find("at offset"), std::string::npos) << n << ": " << error;
  }
  std::string flipped = file;
  flipped[file.size() / 2] ^= 0x10;
  store::Keyspace scratch(16, &clock);
  EXPECT_FALSE(LoadSnapshot(flipped, &scratch, options, &stats, &error));
}

}  // namespace
}  // namespace strata::rdb
