#include "server/config.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "server/config_loader.h"
#include "server/config_rewrite.h"

namespace strata::server {
namespace {

const std::string kFatal = std::string("\n*** FATAL CONFIG FILE ERROR (Strata ") + STRATA_VERSION + ") ***\n";

// A scratch directory for config files, removed with its files at the end of the test.
class ConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/strata-config-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const std::string& f : files_) unlink(f.c_str());
    rmdir(dir_.c_str());
  }

  // Writes `text` to the file `name` in the scratch directory and returns its path.
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }

  static std::string Read(const std::string& path) {
    std::stringstream s;
    s << std::ifstream(path).rdbuf();
    return s.str();
  }

  // Loads `text` as a config file; returns the error ("" on success).
  std::string Load(Config* config, const std::string& text, std::vector<std::string> overrides = {}) {
    const std::string path = Write("main.conf", text);
    std::string error;
    if (LoadConfig(config, path, overrides, &error)) return "";
    return error;
  }

  // The error text redis-server prints for `line` of the file `path`.
  static std::string FileError(const std::string& path, int line, const std::string& text, const std::string& reason) {
    return kFatal + "Reading the configuration file " + path + ", at line " + std::to_string(line) + "\n>>> '" + text +
           "'\n" + reason;
  }

  std::string dir_;
  std::vector<std::string> files_;
};

std::string Get(const Config& config, std::string_view name) {
  const std::string_view patterns[] = {name};
  const auto pairs = config.Get(patterns);
  return pairs.size() == 1 ? pairs[0].second : "<" + std::to_string(pairs.size()) + " results>";
}

TEST(ParseMemory, UnitsAsRedisConfWritesThem) {
  int64_t v = 0;
  EXPECT_TRUE(ParseMemory("100", &v));
  EXPECT_EQ(v, 100);
  EXPECT_TRUE(ParseMemory("1k", &v));
  EXPECT_EQ(v, 1000);
  EXPECT_TRUE(ParseMemory("1kb", &v));
  EXPECT_EQ(v, 1024);
  EXPECT_TRUE(ParseMemory("1m", &v));
  EXPECT_EQ(v, 1000 * 1000);
  EXPECT_TRUE(ParseMemory("5MB", &v));
  EXPECT_EQ(v, 5 * 1024 * 1024);
  EXPECT_TRUE(ParseMemory("2g", &v));
  EXPECT_EQ(v, 2'000'000'000);
  EXPECT_TRUE(ParseMemory("1gb", &v));
  EXPECT_EQ(v, 1024LL * 1024 * 1024);
  EXPECT_TRUE(ParseMemory("3Gb", &v));
  EXPECT_EQ(v, 3LL * 1024 * 1024 * 1024);
  EXPECT_TRUE(ParseMemory("7b", &v));
  EXPECT_EQ(v, 7);
}

TEST(ParseMemory, RejectsOtherSpellings) {
  int64_t v;
  for (const char* bad : {"", "k", "-1", "1x", "1 kb", "1kbb", "1.5mb", "99999999999999999999", "9000000000gb"}) {
    EXPECT_FALSE(ParseMemory(bad, &v)) << bad;
  }
}

TEST(Config, DefaultsAreRedisDefaults) {
  Config config;
  EXPECT_EQ(Get(config, "port"), "6379");
  EXPECT_EQ(Get(config, "maxclients"), "10000");
  EXPECT_EQ(Get(config, "proto-max-bulk-len"), "536870912");
  EXPECT_EQ(Get(config, "client-query-buffer-limit"), "1073741824");
  EXPECT_EQ(Get(config, "hash-max-listpack-entries"), "512");
  EXPECT_EQ(Get(config, "list-max-listpack-size"), "-2");
  EXPECT_EQ(Get(config, "loglevel"), "notice");
  EXPECT_EQ(Get(config, "daemonize"), "no");
  EXPECT_EQ(Get(config, "unixsocketperm"), "0");
  EXPECT_EQ(Get(config, "requirepass"), "");
}

// notify-keyspace-events shows its letters as Redis 7.0 does: A for all it covers (then no other
// class letter, n included), then K, E, m.
TEST(Config, NotifyKeyspaceEventsLetters) {
  Config config;
  std::string error;
  EXPECT_EQ(Get(config, "notify-keyspace-events"), "");
  const std::pair<const char*, const char*> cases[] = {
      {"KEA", "AKE"},          {"Kgn", "gnK"},   {"E$lshzxetd", "$lshzxetdE"}, {"Eg$lshzxetd", "AE"},
      {"AnmKE", "AKEm"},       {"Ex", "xE"},     {"", ""}};
  for (const auto& [given, shown] : cases) {
    const std::string args[] = {given};
    EXPECT_TRUE(config.Set("notify-keyspace-events", args, false, &error)) << given;
    EXPECT_EQ(Get(config, "notify-keyspace-events"), shown) << given;
  }
  const std::string bad[] = {"KEQ"};
  EXPECT_FALSE(config.Set("notify-keyspace-events", bad, false, &error));
  EXPECT_EQ(error, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
}

// client-output-buffer-limit: the file gives words, CONFIG SET one argument; classes not named
// keep their limits.
TEST(Config, ClientOutputBufferLimitClasses) {
  Config config;
  std::string error;
  EXPECT_EQ(Get(config, "client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  const std::string words[] = {"pubsub", "64mb", "16mb", "30"};
  ASSERT_TRUE(config.Set("client-output-buffer-limit", words, true, &error)) << error;
  const std::string one[] = {"replica 1kb 0 0"};
  ASSERT_TRUE(config.Set("client-output-buffer-limit", one, false, &error)) << error;
  EXPECT_EQ(Get(config, "client-output-buffer-limit"), "normal 0 0 0 slave 1024 0 0 pubsub 67108864 16777216 30");
  for (const char* bad : {"pubsub 1", "foo 1 2 3", "pubsub x 2 3", "pubsub 1mb 2 -1"}) {
    const std::string args[] = {bad};
    EXPECT_FALSE(config.Set("client-output-buffer-limit", args, false, &error)) << bad;
  }
  EXPECT_EQ(Get(config, "client-output-buffer-limit"), "normal 0 0 0 slave 1024 0 0 pubsub 67108864 16777216 30");
}

// The default io-threads counts the cores the process may run on, not the machine's, and leaves
// one of them to the clients: started under `taskset -c 0`, two io-threads would share one core.
TEST(Config, DefaultIoThreadsFollowTheAffinityMask) {
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &saved)) {
      CPU_SET(cpu, &one);
      break;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  const std::string on_one_core = Get(Config(), "io-threads");
  ASSERT_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);
  EXPECT_EQ(on_one_core, "1");
  EXPECT_EQ(Get(Config(), "io-threads"), std::to_string(std::clamp(CPU_COUNT(&saved) - 1, 1, 8)));
}

TEST_F(ConfigFiles, QuotesCommentsAndBlankLines) {
  Config config;
  ASSERT_EQ(Load(&config,
                 "# a comment\n"
                 "\n"
                 "   # an indented comment\n"
                 "  port 7001  \n"
                 "requirepass \"a b\\\"c\\x41\"\n"
                 "logfile 'it\\'s here'\n"
                 "LOGLEVEL Warning\r\n"
                 "\tmaxclients\t123\n"),
            "");
  EXPECT_EQ(config.Int(ConfigId::kPort), 7001);
  EXPECT_EQ(config.Text(ConfigId::kRequirePass), "a b\"cA");
  EXPECT_EQ(config.Text(ConfigId::kLogFile), "it's here");
  EXPECT_EQ(config.Int(ConfigId::kLogLevel), static_cast<int64_t>(LogLevel::kWarning));
  EXPECT_EQ(config.Int(ConfigId::kMaxClients), 123);
}

TEST_F(ConfigFiles, UnitsAliasesAndLists) {
  Config config;
  ASSERT_EQ(Load(&config,
                 "proto-max-bulk-len 2mb\n"
                 "client-query-buffer-limit 1gb\n"
                 "hash-max-ziplist-entries 100\n"
                 "list-max-ziplist-size -3\n"
                 "bind 127.0.0.1 ::1\n"
                 "unixsocketperm 700\n"
                 "daemonize no\n"),
            "");
  EXPECT_EQ(config.Int(ConfigId::kProtoMaxBulkLen), 2 * 1024 * 1024);
  EXPECT_EQ(config.Int(ConfigId::kClientQueryBufferLimit), 1024LL * 1024 * 1024);
  EXPECT_EQ(config.Int(ConfigId::kHashMaxListpackEntries), 100);
  EXPECT_EQ(config.Int(ConfigId::kListMaxListpackSize), -3);
  EXPECT_EQ(config.BindAddresses(), (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(config.Int(ConfigId::kUnixSocketPerm), 0700);
  EXPECT_EQ(Get(config, "unixsocketperm"), "700");
}

TEST_F(ConfigFiles, LaterLinesAndIncludesOverride) {
  Config config;
  const std::string inc = Write("inc.conf", "maxclients 200\ntimeout 9\n");
  ASSERT_EQ(Load(&config, "maxclients 100\ninclude " + inc + "\ntimeout 7\n"), "");
  EXPECT_EQ(config.Int(ConfigId::kMaxClients), 200);
  EXPECT_EQ(config.Int(ConfigId::kTimeout), 7);
}

TEST_F(ConfigFiles, IncludeLoopsAreRefused) {
  Config config;
  const std::string a = dir_ + "/a.conf";
  const std::string b = Write("b.conf", "port 7002\ninclude " + a + "\n");
  Write("a.conf", "include " + b + "\n");
  std::string error;
  EXPECT_FALSE(LoadConfig(&config, a, {}, &error));
  EXPECT_EQ(error, FileError(b, 2, "include " + a, "Include loop: '" + a + "' is already being read"));

  const std::string self = Write("self.conf", "# me again\ninclude " + dir_ + "/self.conf\n");
  EXPECT_FALSE(LoadConfig(&config, self, {}, &error));
  EXPECT_EQ(error, FileError(self, 2, "include " + self, "Include loop: '" + self + "' is already being read"));
}

TEST_F(ConfigFiles, IncludingAFileTwiceIsNotALoop) {
  Config config;
  const std::string inc = Write("twice.conf", "timeout 3\n");
  EXPECT_EQ(Load(&config, "include " + inc + "\ninclude " + inc + "\n"), "");
  EXPECT_EQ(config.Int(ConfigId::kTimeout), 3);
}

TEST_F(ConfigFiles, ErrorsNameFileLineAndReason) {
  const std::string main = dir_ + "/main.conf";
  const struct {
    std::string line;
    std::string reason;
  } cases[] = {
      {"nosuchdirective 1", "Bad directive or wrong number of arguments"},
      {"port", "wrong number of arguments"},
      {"port 1 2", "wrong number of arguments"},
      {"port abc", "argument couldn't be parsed into an integer"},
      {"port 70000", "argument must be between 0 and 65535 inclusive"},
      {"maxclients 0", "argument must be between 1 and 4294967295 inclusive"},
      {"hz -1", "argument must be between 0 and 2147483647 inclusive"},
      {"loglevel loud", "argument(s) must be one of the following: debug, verbose, notice, warning"},
      {"daemonize maybe", "argument must be 'yes' or 'no'"},
      {"proto-max-bulk-len 1x", "argument must be a memory value"},
      {"proto-max-bulk-len 1", "argument must be between 1048576 and 9223372036854775807 inclusive"},
      {"requirepass \"unbalanced", "Unbalanced quotes in configuration line"},
      {"include", "Bad directive or wrong number of arguments"},
  };
  for (const auto& c : cases) {
    Config config;
    EXPECT_EQ(Load(&config, "# first\n\n" + c.line + "\nport 1\n"), FileError(main, 3, c.line, c.reason)) << c.line;
  }
}

TEST_F(ConfigFiles, ErrorsInIncludedFilesNameThatFile) {
  Config config;
  const std::string inc = Write("bad.conf", "timeout 1\ntimeout x\n");
  EXPECT_EQ(Load(&config, "include " + inc + "\n"),
            FileError(inc, 2, "timeout x", "argument couldn't be parsed into an integer"));
}

TEST_F(ConfigFiles, MissingFiles) {
  Config config;
  std::string error;
  EXPECT_FALSE(LoadConfig(&config, dir_ + "/absent.conf", {}, &error));
  EXPECT_EQ(error, "Fatal error, can't open config file '" + dir_ + "/absent.conf': No such file or directory");
  EXPECT_EQ(Load(&config, "include " + dir_ + "/absent.conf\n"),
            "Fatal error, can't open config file '" + dir_ + "/absent.conf': No such file or directory");
}

TEST_F(ConfigFiles, CommandLineOverridesTheFile) {
  Config config;
  ASSERT_EQ(Load(&config, "port 7001\ntimeout 5\n", {"--port", "7002", "--bind", "127.0.0.1", "::1", "--loglevel",
                                                     "verbose"}),
            "");
  EXPECT_EQ(config.Int(ConfigId::kPort), 7002);
  EXPECT_EQ(config.Int(ConfigId::kTimeout), 5);
  EXPECT_EQ(config.Text(ConfigId::kBind), "127.0.0.1 ::1");
  EXPECT_EQ(config.Int(ConfigId::kLogLevel), static_cast<int64_t>(LogLevel::kVerbose));
}

TEST(ConfigLoader, CommandLineErrors) {
  Config config;
  std::string error;
  const std::vector<std::string> bad_value = {"--port", "abc"};
  EXPECT_FALSE(LoadConfig(&config, "", bad_value, &error));
  EXPECT_EQ(error, kFatal + "Reading the command line, at option --port\n>>> 'port abc'\n"
                            "argument couldn't be parsed into an integer");
  const std::vector<std::string> unknown = {"--nosuch", "1"};
  EXPECT_FALSE(LoadConfig(&config, "", unknown, &error));
  EXPECT_EQ(error, kFatal + "Reading the command line, at option --nosuch\n>>> 'nosuch 1'\n"
                            "Bad directive or wrong number of arguments");
  const std::vector<std::string> not_an_option = {"port", "1"};
  EXPECT_FALSE(LoadConfig(&config, "", not_an_option, &error));
  EXPECT_EQ(error, kFatal + "Reading the command line, at 'port'\nExpected an option such as --port 7000");
}

TEST(ConfigSet, AppliesAllPairsAndNotifies) {
  Config config;
  std::vector<ConfigId> changed;
  config.set_on_change([&](ConfigId id) { changed.push_back(id); });
  const std::pair<std::string, std::string> pairs[] = {{"timeout", "10"}, {"MAXCLIENTS", "50"}};
  std::string error;
  ASSERT_TRUE(config.SetMany(pairs, /*local_client=*/true, &error)) << error;
  EXPECT_EQ(config.Int(ConfigId::kTimeout), 10);
  EXPECT_EQ(config.Int(ConfigId::kMaxClients), 50);
  EXPECT_EQ(changed, (std::vector<ConfigId>{ConfigId::kTimeout, ConfigId::kMaxClients}));
}

TEST(ConfigSet, RollsBackEverythingOnFailure) {
  Config config;
  int notified = 0;
  config.set_on_change([&](ConfigId) { ++notified; });
  const std::pair<std::string, std::string> pairs[] = {
      {"timeout", "10"}, {"proto-max-bulk-len", "2mb"}, {"loglevel", "debug"}, {"port", "abc"}};
  std::string error;
  EXPECT_FALSE(config.SetMany(pairs, /*local_client=*/true, &error));
  EXPECT_EQ(error, "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an "
                   "integer");
  EXPECT_EQ(config.Int(ConfigId::kTimeout), 0);
  EXPECT_EQ(config.Int(ConfigId::kProtoMaxBulkLen), 512 * 1024 * 1024);
  EXPECT_EQ(config.Int(ConfigId::kLogLevel), static_cast<int64_t>(LogLevel::kNotice));
  EXPECT_EQ(notified, 0);
}

TEST(ConfigSet, RefusesBeforeChangingAnything) {
  Config config;
  std::string error;
  const auto set = [&](std::vector<std::pair<std::string, std::string>> pairs) {
    error.clear();
    return config.SetMany(pairs, /*local_client=*/true, &error);
  };
  EXPECT_FALSE(set({{"timeout", "10"}, {"nosuch", "1"}}));
  EXPECT_EQ(error, "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
  EXPECT_FALSE(set({{"timeout", "10"}, {"daemonize", "yes"}}));
  EXPECT_EQ(error, "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config");
  EXPECT_FALSE(set({{"dir", "/tmp"}}));
  EXPECT_EQ(error, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
  EXPECT_FALSE(set({{"hz", "11"}, {"HZ", "12"}}));
  EXPECT_EQ(error, "ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter");
  EXPECT_EQ(config.Int(ConfigId::kTimeout), 0);
  EXPECT_EQ(config.Int(ConfigId::kHz), 10);
  // A directive and its old alias are two names: the later one wins, as in Redis.
  EXPECT_TRUE(set({{"hash-max-ziplist-entries", "5"}, {"hash-max-listpack-entries", "6"}}));
  EXPECT_EQ(config.Int(ConfigId::kHashMaxListpackEntries), 6);
}

TEST_F(ConfigFiles, SaveLinesAddUpAndEmptyClears) {
  Config config;
  const std::string_view patterns[] = {"save"};
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(config.Get(patterns), (Pairs{{"save", "3600 1 300 100 60 10000"}}));
  ASSERT_EQ(Load(&config, "save 900 1\nsave 300 10\n", {"--save", "60 10000"}), "");
  EXPECT_EQ(config.Get(patterns), (Pairs{{"save", "900 1 300 10 60 10000"}}));
  const std::vector<SavePoint> points = config.SavePoints();
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[1].seconds, 300);
  EXPECT_EQ(points[1].changes, 10);
  Config off;
  ASSERT_EQ(Load(&off, "save 900 1\nappendonly no\n", {"--save", "", "--appendonly", "no"}), "");
  EXPECT_EQ(off.Get(patterns), (Pairs{{"save", ""}}));
  EXPECT_TRUE(off.SavePoints().empty());
  // The rewritten file must turn snapshots off again, not fall back to the default.
  bool found = false;
  for (const Config::FileLine& line : off.FileLines()) {
    if (line.name == "save") {
      EXPECT_EQ(line.line, "save \"\"");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(ConfigFiles, PersistenceDirectives) {
  Config config;
  std::string error;
  const auto set = [&](const std::string& name, const std::string& value) {
    const std::pair<std::string, std::string> pair[] = {{name, value}};
    return config.SetMany(pair, /*local_client=*/true, &error);
  };
  EXPECT_TRUE(set("save", "100 1 10 5"));
  EXPECT_EQ(config.SavePoints().size(), 2u);
  EXPECT_FALSE(set("save", "100 1 10"));
  EXPECT_EQ(error, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters");
  EXPECT_FALSE(set("save", "abc 1"));
  EXPECT_FALSE(set("dbfilename", "x.rdb"));
  EXPECT_EQ(error, "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config");
  EXPECT_FALSE(set("rdbchecksum", "no"));
  EXPECT_EQ(error, "ERR CONFIG SET failed (possibly related to argument 'rdbchecksum') - can't set immutable config");
  EXPECT_TRUE(set("rdbcompression", "no"));
  EXPECT_EQ(config.Int(ConfigId::kRdbCompression), 0);
  EXPECT_TRUE(set("rdb-key-save-delay", "1000"));
  EXPECT_EQ(config.Int(ConfigId::kRdbKeySaveDelay), 1000);
  EXPECT_EQ(Load(&config, "dbfilename a/b.rdb\n", {}).find("dbfilename can't be a path, just a filename") !=
                std::string::npos,
            true);
  const std::pair<std::string, std::string> aof[] = {{"appendonly", "yes"}};
  EXPECT_FALSE(config.SetMany(aof, /*local_client=*/true, &error));
  EXPECT_EQ(error,
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - the append-only file is not "
            "supported yet; only appendonly no is accepted");
}

TEST(ConfigSet, ValueErrors) {
  Config config;
  std::string error;
  const auto set = [&](const std::string& name, const std::string& value) {
    const std::pair<std::string, std::string> pairs[] = {{name, value}};
    error.clear();
    config.SetMany(pairs, /*local_client=*/true, &error);
    return error;
  };
  EXPECT_EQ(set("maxclients", "0"),
            "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and "
            "4294967295 inclusive");
  EXPECT_EQ(set("loglevel", "x"),
            "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the "
            "following: debug, verbose, notice, warning");
  EXPECT_EQ(set("client-query-buffer-limit", "lots"),
            "ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument must be a "
            "memory value");
  // The listeners are opened at start-up only: a new port or bind list is refused, the same accepted.
  EXPECT_EQ(set("port", "6379"), "");
  EXPECT_EQ(set("port", "7000"),
            "ERR CONFIG SET failed (possibly related to argument 'port') - changing the listening port or addresses "
            "at run time is not supported yet; restart with the new value");
  EXPECT_EQ(set("bind", "127.0.0.1 -::1"), "");
  EXPECT_NE(set("bind", "0.0.0.0"), "");
  // hz is clamped to what the timers can do, as Redis clamps it.
  EXPECT_EQ(set("hz", "1000"), "");
  EXPECT_EQ(config.Int(ConfigId::kHz), 500);
  EXPECT_EQ(set("hz", "0"), "");
  EXPECT_EQ(config.Int(ConfigId::kHz), 1);
}

TEST(ConfigGet, PatternsAliasesAndSpelling) {
  Config config;
  const auto get = [&](std::vector<std::string_view> patterns) { return config.Get(patterns); };
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(get({"port"}), (Pairs{{"port", "6379"}}));
  // A plain name comes back as the client spelled it; each name once.
  EXPECT_EQ(get({"PORT", "port"}), (Pairs{{"PORT", "6379"}}));
  EXPECT_EQ(get({"hash-max-ziplist-entries"}), (Pairs{{"hash-max-ziplist-entries", "512"}}));
  EXPECT_EQ(get({"hash-max-*"}), (Pairs{{"hash-max-listpack-entries", "512"},
                                        {"hash-max-ziplist-entries", "512"},
                                        {"hash-max-listpack-value", "64"},
                                        {"hash-max-ziplist-value", "64"}}));
  EXPECT_EQ(get({"ZSET-*-VALUE", "zset-max-listpack-value"}),
            (Pairs{{"zset-max-listpack-value", "64"}, {"zset-max-ziplist-value", "64"}}));
  EXPECT_EQ(get({"nosuch", "no*such"}), Pairs{});
  EXPECT_EQ(get({"tcp-[bk]*"}), (Pairs{{"tcp-backlog", "511"}, {"tcp-keepalive", "300"}}));
  // Every directive, and 5 aliases.
  EXPECT_EQ(config.Get(std::vector<std::string_view>{"*"}).size(), static_cast<size_t>(ConfigId::kCount) + 5);
}

TEST(ConfigRewrite, KeepsTheFileAndUpdatesValues) {
  Config config;
  const std::pair<std::string, std::string> pairs[] = {
      {"maxclients", "100"}, {"proto-max-bulk-len", "2mb"}, {"requirepass", "a b\"c"},
      {"hash-max-listpack-entries", "100"}, {"client-query-buffer-limit", "5000000"}};
  std::string error;
  const std::string port[] = {"7001"};  // as the command line sets it: the port is fixed at start-up
  ASSERT_TRUE(config.Set("port", port, /*at_startup=*/true, &error)) << error;
  ASSERT_TRUE(config.SetMany(pairs, /*local_client=*/true, &error)) << error;
  const std::string old_text =
      "# my comment\n"
      "port 6379\n"
      "   # indented comment\n"
      "PORT 6380\n"
      "hash-max-ziplist-entries 512\n"
      "\n"
      "include /etc/strata/extra.conf\n"
      "timeout 0\n"
      "proto-max-bulk-len \"unbalanced\n";
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  EXPECT_EQ(RewriteConfigText(old_text, config.FileLines()),
            "# my comment\n"
            "port 7001\n"
            "# indented comment\n"
            "\n"
            "hash-max-listpack-entries 100\n"
            "\n"
            "include /etc/strata/extra.conf\n"
            "timeout 0\n"
            "# ??? proto-max-bulk-len \"unbalanced\n"
            "\n"
            "# Generated by CONFIG REWRITE\n"
            "maxclients 100\n"
            "requirepass \"a b\\\"c\"\n"
            "proto-max-bulk-len 2mb\n"
            "client-query-buffer-limit 5000000\n"
            "dir \"" +
                std::string(cwd) + "\"\n");
}

TEST(ConfigRewrite, SecondRewriteIsStable) {
  Config config;
  const std::pair<std::string, std::string> pairs[] = {{"timeout", "5"}};
  std::string error;
  ASSERT_TRUE(config.SetMany(pairs, /*local_client=*/true, &error));
  const std::string once = RewriteConfigText("port 6379\n", config.FileLines());
  EXPECT_EQ(RewriteConfigText(once, config.FileLines()), once);
  // A value set back to its default stays in the file where it is, now with the default.
  const std::pair<std::string, std::string> back[] = {{"timeout", "0"}};
  ASSERT_TRUE(config.SetMany(back, /*local_client=*/true, &error));
  const std::string twice = RewriteConfigText(once, config.FileLines());
  EXPECT_NE(twice.find("\ntimeout 0\n"), std::string::npos) << twice;
}

TEST(ConfigRewrite, MemoryUnitsAndQuoting) {
  Config config;
  const std::pair<std::string, std::string> pairs[] = {
      {"proto-max-bulk-len", "1gb"}, {"client-query-buffer-limit", "1025kb"}, {"requirepass", "x\ny\x01"}};
  std::string error;
  ASSERT_TRUE(config.SetMany(pairs, /*local_client=*/true, &error));
  const std::string text = RewriteConfigText("", config.FileLines());
  EXPECT_NE(text.find("\nproto-max-bulk-len 1gb\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nclient-query-buffer-limit 1025kb\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nrequirepass \"x\\ny\\x01\"\n"), std::string::npos) << text;
  EXPECT_EQ(text.rfind("# Generated by CONFIG REWRITE\n", 0), 0u) << text;
}

TEST_F(ConfigFiles, RewrittenFileLoadsBackToTheSameValues) {
  Config config;
  const std::pair<std::string, std::string> pairs[] = {
      {"requirepass", "sp ace\"'\\"}, {"maxclients", "77"}, {"proto-max-bulk-len", "3mb"}, {"loglevel", "debug"}};
  std::string error;
  ASSERT_TRUE(config.SetMany(pairs, /*local_client=*/true, &error));
  const std::string path = Write("rewrite.conf", "# keep me\nport 7005\n");
  ASSERT_TRUE(RewriteConfigFile(config, path, &error)) << error;
  const std::string text = Read(path);
  EXPECT_EQ(text.rfind("# keep me\nport 6379\n", 0), 0u) << text;

  Config loaded;
  ASSERT_TRUE(LoadConfig(&loaded, path, {}, &error)) << error;
  for (ConfigId id : {ConfigId::kMaxClients, ConfigId::kProtoMaxBulkLen, ConfigId::kLogLevel, ConfigId::kPort}) {
    EXPECT_EQ(loaded.Int(id), config.Int(id));
  }
  EXPECT_EQ(loaded.Text(ConfigId::kRequirePass), "sp ace\"'\\");
}

TEST_F(ConfigFiles, RewriteFailsWhereTheFileCannotBeWritten) {
  Config config;
  std::string error;
  EXPECT_FALSE(RewriteConfigFile(config, dir_ + "/no/such/dir/x.conf", &error));
  EXPECT_EQ(error, "No such file or directory");
}

// enable-protected-configs decides who may CONFIG SET dir and dbfilename.
TEST(ConfigSet, ProtectedConfigsAsEnableProtectedConfigsAllows) {
  const std::string refused = "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config";
  const std::pair<std::string, std::string> dir[] = {{"dir", "/"}};
  const std::pair<std::string, std::string> file[] = {{"dbfilename", "other.rdb"}};
  for (const char* setting : {"no", "yes", "local"}) {
    for (const bool local : {true, false}) {
      Config config;
      std::string error;
      const std::string args[] = {setting};
      ASSERT_TRUE(config.Set("enable-protected-configs", args, /*at_startup=*/true, &error)) << error;
      const bool allowed = std::string(setting) == "yes" || (std::string(setting) == "local" && local);
      char cwd[4096];
      ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
      error.clear();
      EXPECT_EQ(config.SetMany(dir, local, &error), allowed) << setting << " local=" << local;
      EXPECT_EQ(error, allowed ? "" : refused) << setting << " local=" << local;
      ASSERT_EQ(chdir(cwd), 0);
      EXPECT_EQ(config.SetMany(file, local, &error), allowed) << setting << " local=" << local;
      EXPECT_EQ(config.Text(ConfigId::kDbFilename), allowed ? "other.rdb" : "dump.rdb");
    }
  }
  // Chosen at start-up only, as in Redis.
  Config config;
  std::string error;
  const std::pair<std::string, std::string> enable[] = {{"enable-protected-configs", "yes"}};
  EXPECT_FALSE(config.SetMany(enable, /*local_client=*/true, &error));
  EXPECT_EQ(error,
            "ERR CONFIG SET failed (possibly related to argument 'enable-protected-configs') - can't set immutable "
            "config");
}

TEST(ConfigSet, ProtectedModeDefaultsOnAndChangesAtRunTime) {
  Config config;
  EXPECT_EQ(config.Int(ConfigId::kProtectedMode), 1);
  const std::pair<std::string, std::string> off[] = {{"protected-mode", "no"}};
  std::string error;
  ASSERT_TRUE(config.SetMany(off, /*local_client=*/false, &error)) << error;
  EXPECT_EQ(config.Int(ConfigId::kProtectedMode), 0);
  const std::string_view names[] = {"protected-mode", "enable-protected-configs"};
  const auto shown = config.Get(names);
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_EQ(shown[0].second, "no");
  EXPECT_EQ(shown[1].second, "no");
}

void NoOp(CommandContext& /*ctx*/) {}

TEST_F(ConfigFiles, RenameCommandRenamesAsTheFileIsRead) {
  CommandTable commands;
  commands.Add({"get", 2, "readonly fast", 1, 1, 1, "@string", NoOp, "", ""});
  commands.Add({"flushall", -1, "write", 0, 0, 0, "@keyspace", NoOp, "", ""});
  Config config;
  const std::string path = Write("rename.conf", "rename-command get fetch\nrename-command flushall \"\"\n");
  std::string error;
  const std::vector<std::string> overrides = {"--rename-command", "fetch", "fetch2"};
  ASSERT_TRUE(LoadConfig(&config, path, overrides, &error, &commands)) << error;
  EXPECT_EQ(commands.Find("get"), nullptr);
  EXPECT_EQ(commands.Find("fetch"), nullptr);
  EXPECT_EQ(commands.Find("fetch2"), commands.FindRegistered("get"));
  EXPECT_EQ(commands.Find("flushall"), nullptr);

  // The reasons redis-server gives, with the line.
  const std::string bad = Write("bad.conf", "port 7000\nrename-command nosuch x\n");
  EXPECT_FALSE(LoadConfig(&config, bad, {}, &error, &commands));
  EXPECT_EQ(error, FileError(bad, 2, "rename-command nosuch x", "No such command in rename-command"));
  const std::string one_word = Write("one.conf", "rename-command fetch2\n");
  EXPECT_FALSE(LoadConfig(&config, one_word, {}, &error, &commands));
  EXPECT_EQ(error, FileError(one_word, 1, "rename-command fetch2", "Bad directive or wrong number of arguments"));
  // A rewrite keeps the lines.
  ASSERT_TRUE(RewriteConfigFile(config, path, &error)) << error;
  EXPECT_EQ(Read(path).rfind("rename-command get fetch\nrename-command flushall \"\"\n", 0), 0u) << Read(path);
}

}  // namespace
}  // namespace strata::server
