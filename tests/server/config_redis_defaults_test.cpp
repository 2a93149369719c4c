// The directives of redis-server that Strata does not implement: CONFIG GET answers Redis's
// defaults, CONFIG SET and config files accept those only, and CONFIG REWRITE keeps their lines.
#include "server/config_redis_defaults.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/numbers.h"
#include "server/config.h"
#include "server/config_loader.h"
#include "server/config_rewrite.h"

namespace strata::server {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs Get(const Config& config, std::vector<std::string_view> patterns) { return config.Get(patterns); }

// CONFIG SET's error for `pairs` ("" when they are applied).
std::string Set(Config* config, const Pairs& pairs) {
  std::string error;
  config->SetMany(pairs, /*local_client=*/true, &error);
  return error;
}

// Loads `text` as a config file; returns the error ("" on success).
std::string Load(Config* config, const std::string& text) {
  char path[] = "/tmp/strata-redis-defaults-test-XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << text;
  std::string error;
  const bool ok = LoadConfig(config, path, {}, &error);
  unlink(path);
  return ok ? "" : error;
}

TEST(RedisOnlyDirectives, NoNameIsInBothTables) {
  std::set<std::string> names;
  for (const RedisOnlyDirective& d : RedisOnlyDirectives()) {
    for (std::string_view name : {d.name, d.alias}) {
      if (name.empty()) continue;
      // Implemented now: delete its row from config_redis_defaults.cpp.
      EXPECT_EQ(Config::CanonicalName(name), "") << name << " is implemented and still in the Redis-only table";
      EXPECT_TRUE(names.insert(AsciiLower(name)).second) << name << " is twice in the Redis-only table";
      EXPECT_EQ(name, AsciiLower(name)) << name;
    }
    const std::string value[] = {std::string(d.default_value)};
    EXPECT_TRUE(IsRedisDefaultValue(d, value)) << d.name;
  }
}

TEST(RedisOnlyDirectives, GetAnswersRedisDefaults) {
  Config config;
  EXPECT_EQ(Get(config, {"repl-backlog-size"}), (Pairs{{"repl-backlog-size", "1048576"}}));
  EXPECT_EQ(Get(config, {"SLAVEOF", "replicaof"}), (Pairs{{"SLAVEOF", ""}, {"replicaof", ""}}));
  EXPECT_EQ(Get(config, {"repl-ping-*"}), (Pairs{{"repl-ping-replica-period", "10"}, {"repl-ping-slave-period", "10"}}));
  EXPECT_EQ(Get(config, {"appendf*"}), (Pairs{{"appendfilename", "appendonly.aof"}, {"appendfsync", "everysec"}}));
  // A name implemented and one that is not, in one glob.
  EXPECT_EQ(Get(config, {"lazyfree-lazy-user-*", "maxmemory-c*"}),
            (Pairs{{"lazyfree-lazy-user-del", "no"}, {"lazyfree-lazy-user-flush", "no"}, {"maxmemory-clients", "0"}}));
  // Hidden from globs, as in Redis, whichever table they are in.
  EXPECT_EQ(Get(config, {"watchdog-period"}), (Pairs{{"watchdog-period", "0"}}));
  EXPECT_EQ(Get(config, {"rdb-key-save-delay"}), (Pairs{{"rdb-key-save-delay", "0"}}));
  EXPECT_EQ(Get(config, {"watchdog-*", "rdb-key-*", "key-load-*"}), Pairs{});
  // Each name once.
  const Pairs all = Get(config, {"*", "*"});
  std::set<std::string> names;
  for (const auto& [name, value] : all) EXPECT_TRUE(names.insert(name).second) << name;
  for (const char* name : {"port", "maxmemory", "slaveof", "tls-port", "lua-time-limit", "save"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
}

TEST(RedisOnlyDirectives, SetAcceptsTheDefaultOnly) {
  Config config;
  EXPECT_EQ(Set(&config, {{"repl-backlog-size", "1mb"}, {"activerehashing", "YES"}, {"oom-score-adj-values", "0 200 800"},
                          {"masterauth", ""}, {"appendfsync", "EverySec"}}),
            "");
  EXPECT_EQ(Set(&config, {{"repl-backlog-size", "2mb"}}),
            "ERR CONFIG SET failed (possibly related to argument 'repl-backlog-size') - not implemented by Strata yet; "
            "only its default value '1048576' is accepted");
  // An alias is reported as Redis reports it, under the name given, lower case.
  EXPECT_EQ(Set(&config, {{"SLAVE-PRIORITY", "5"}}),
            "ERR CONFIG SET failed (possibly related to argument 'slave-priority') - not implemented by Strata yet; "
            "only its default value '100' is accepted");
  // Immutable ones are refused whatever the value, as in Redis.
  EXPECT_EQ(Set(&config, {{"cluster-enabled", "no"}}),
            "ERR CONFIG SET failed (possibly related to argument 'cluster-enabled') - can't set immutable config");
  EXPECT_EQ(Set(&config, {{"slaveof", ""}}),
            "ERR CONFIG SET failed (possibly related to argument 'slaveof') - can't set immutable config");
  EXPECT_EQ(Get(config, {"repl-backlog-size"}), (Pairs{{"repl-backlog-size", "1048576"}}));
}

TEST(RedisOnlyDirectives, SetOfSeveralIsAllOrNothing) {
  Config config;
  EXPECT_EQ(Set(&config, {{"timeout", "5"}, {"appendfsync", "always"}, {"maxclients", "7"}}),
            "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - not implemented by Strata yet; "
            "only its default value 'everysec' is accepted");
  EXPECT_EQ(config.Int(ConfigId::kTimeout), 0);
  EXPECT_EQ(config.Int(ConfigId::kMaxClients), 10000);
  // The first bad value in order is the one reported, and value errors name the directive as
  // Redis registers it.
  EXPECT_EQ(Set(&config, {{"MAXMEMORY", "abc"}, {"activerehashing", "no"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value");
  EXPECT_EQ(Set(&config, {{"hash-max-ziplist-entries", "x"}}),
            "ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - argument couldn't be "
            "parsed into an integer");
}

// Another thread never sees a value of a CONFIG SET that fails, not even until the rollback. The
// good values come first, with many between the watched one and the bad one; the reader watches
// for 300 ms (this can only catch a window, not prove there is none).
TEST(RedisOnlyDirectives, RefusedSetIsNeverVisible) {
  Config config;
  const Pairs pairs = {{"maxmemory", "1000"},
                       {"timeout", "0"},
                       {"tcp-keepalive", "300"},
                       {"maxclients", "10000"},
                       {"loglevel", "notice"},
                       {"proto-max-bulk-len", "512mb"},
                       {"client-query-buffer-limit", "1gb"},
                       {"hash-max-listpack-entries", "512"},
                       {"zset-max-listpack-entries", "128"},
                       {"maxmemory-policy", "noeviction"},
                       {"maxmemory-samples", "5"},
                       {"lfu-log-factor", "10"},
                       {"notify-keyspace-events", ""},
                       {"client-output-buffer-limit", "normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60"},
                       {"repl-timeout", "1"}};
  std::atomic<bool> done{false};
  std::atomic<int64_t> seen{0};
  std::thread reader([&] {
    while (!done.load()) {
      const int64_t v = config.Int(ConfigId::kMaxMemory);
      if (v != 0) seen.store(v);
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  int refused = 0;
  while (std::chrono::steady_clock::now() < deadline && seen.load() == 0) {
    ASSERT_NE(Set(&config, pairs), "");
    ++refused;
  }
  done.store(true);
  reader.join();
  EXPECT_EQ(seen.load(), 0) << "seen after " << refused << " refused CONFIG SETs";
  EXPECT_EQ(config.Int(ConfigId::kMaxMemory), 0);
}

TEST(RedisOnlyDirectives, ConfigFileAcceptsDefaultsAndWarnsOfOtherValues) {
  Config config;
  EXPECT_EQ(Load(&config,
                 "repl-backlog-size 1mb\n"
                 "activerehashing no\n"
                 "list-max-ziplist-entries 512\n"
                 "oom-score-adj-values 0 200 800\n"
                 "slave-read-only yes\n"
                 "replicaof \"\"\n"
                 "syslog-ident strata\n"),
            "");
  EXPECT_EQ(config.IgnoredDirectives(),
            (std::vector<std::string>{"'activerehashing no' is ignored: Strata does not implement activerehashing yet "
                                      "and works as Redis does with its default value 'yes'",
                                      "'syslog-ident strata' is ignored: Strata does not implement syslog-ident yet "
                                      "and works as Redis does with its default value 'redis'"}));
  EXPECT_EQ(Get(config, {"activerehashing"}), (Pairs{{"activerehashing", "yes"}}));
  // Ignoring these would make another server than the one asked for: start-up stops.
  Config replica;
  const std::string error = Load(&replica, "port 7000\nslaveof 10.0.0.1 6379\n");
  EXPECT_NE(error.find(">>> 'slaveof 10.0.0.1 6379'\nnot implemented by Strata yet; only its default value '' is "
                       "accepted"),
            std::string::npos)
      << error;
  Config cluster;
  EXPECT_NE(Load(&cluster, "cluster-enabled yes\n"), "");
  Config two_words;
  EXPECT_NE(Load(&two_words, "repl-timeout 1 2\n").find("wrong number of arguments"), std::string::npos);
}

TEST(RedisOnlyDirectives, RewriteKeepsTheirLines) {
  Config config;
  std::string error;
  ASSERT_TRUE(config.SetMany(Pairs{{"timeout", "9"}}, /*local_client=*/true, &error)) << error;
  const std::string old_text =
      "# from redis.conf\n"
      "repl-backlog-size 10mb\n"
      "slave-read-only yes\n"
      "timeout 0\n"
      "list-max-ziplist-entries 512\n"
      "activerehashing no\n"
      "no-such-directive 1\n";
  const std::string text = RewriteConfigText(old_text, config.FileLines());
  EXPECT_EQ(text.substr(0, text.find("\n# Generated by CONFIG REWRITE")),
            "# from redis.conf\n"
            "repl-backlog-size 10mb\n"
            "slave-read-only yes\n"
            "timeout 9\n"
            "list-max-ziplist-entries 512\n"
            "activerehashing no\n"
            "# ??? no-such-directive 1\n");
}

}  // namespace
}  // namespace strata::server
