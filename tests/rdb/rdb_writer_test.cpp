// The RDB writer against what Redis 7.0.15 writes: DUMP payloads byte for byte (the expected bytes
// were taken once from a redis-server 7.0.15 with `DUMP`), the per-key opcodes of a file, and the
// crash safety of SaveSnapshotFile. rdb_file_test.cpp checks whole files with Redis's own tools.
#include "rdb/rdb_writer.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "rdb/crc64.h"
#include "rdb_test_values.h"
#include "store/list_value.h"

namespace strata::rdb {
namespace {

using testing::Bytes;
using testing::Hex;
using testing::ReadFile;
using testing::TempDir;

// A DUMP payload as Redis 7.0.15 returns it for the value of `entry` (which is freed).
std::string Dump(store::Entry* entry, bool compress = true) {
  std::string dump = EncodeDump(*entry, compress);
  store::Entry::Destroy(entry);
  return dump;
}

#define EXPECT_DUMP(entry, literal) EXPECT_EQ(Hex(Dump(entry)), Hex(Bytes(literal)))

TEST(EncodeDumpTest, StringsUseRedisIntegerEncodings) {
  EXPECT_DUMP(testing::String("k", "123"), "\x00\xc0\x7b\x0a\x00\x48\xe2\x53\xe1\x00\x7a\x67\xb9");
  EXPECT_DUMP(testing::String("k", "-3000"), "\x00\xc1\x48\xf4\x0a\x00\x6e\xc0\xb4\x23\x14\xcd\x69\xf7");
  EXPECT_DUMP(testing::String("k", "40000"), "\x00\xc2\x40\x9c\x00\x00\x0a\x00\x09\xcd\x63\x1f\xf3\xb9\x8c\xf2");
  // Past 32 bits an integer is written as its digits.
  EXPECT_DUMP(testing::String("k", "12345678901"),
              "\x00\x0b\x31\x32\x33\x34\x35\x36\x37\x38\x39\x30\x31\x0a\x00\x30\x4e\x52\xd7\x27\x17\x65\x10");
}

TEST(EncodeDumpTest, StringsRawAndLzf) {
  EXPECT_DUMP(testing::String("k", "hello"), "\x00\x05\x68\x65\x6c\x6c\x6f\x0a\x00\x63\x72\xdf\x76\x65\x34\x20\x0a");
  EXPECT_DUMP(testing::String("k", std::string(100, 'a')),
              "\x00\xc3\x09\x40\x64\x01\x61\x61\xe0\x57\x00\x01\x61\x61\x0a\x00\xe8\xa3\xb5\x07\xb0\x6d\xf2\x71");
  // Longer than 20 bytes but LZF would not save 4 bytes: written as it is.
  EXPECT_DUMP(testing::String("k", "abcdefghijklmnopqrstuvwxyz0123456789"),
              "\x00\x24\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f\x70\x71\x72\x73\x74\x75\x76\x77"
              "\x78\x79\x7a\x30\x31\x32\x33\x34\x35\x36\x37\x38\x39\x0a\x00\xc3\xd1\x8e\x5a\xec\x8d\x8f\x0d");
}

TEST(EncodeDumpTest, CompressionOff) {
  const std::string value(100, 'a');
  const std::string dump = Dump(testing::String("k", value), false);
  const std::string expected_value = Bytes("\x00\x40\x64") + value;
  ASSERT_EQ(dump.size(), expected_value.size() + 10);
  EXPECT_EQ(Hex(dump.substr(0, expected_value.size())), Hex(expected_value));
  EXPECT_EQ(Hex(dump.substr(dump.size() - 8)), Hex(Bytes("\xaf\xa7\xa1\xbf\x69\x71\x70\x45")));
}

TEST(EncodeDumpTest, ListIsOneQuicklistNode) {
  EXPECT_DUMP(testing::List("l", {"a", "1", "-5000", "hello", "300", "100000", "5000000000", std::string(70, 'x')}),
              "\x12\x01\x02\xc3\x33\x40\x72\x1f\x72\x00\x00\x00\x08\x00\x81\x61\x02\x01\x01\xf1\x78\xec\x03\x85\x68"
              "\x65\x6c\x6c\x6f\x06\xc1\x2c\x02\xf2\xa0\x86\x01\x04\xf4\x00\x03\xf2\x05\x2a\x01\x20\x22\x03\x09\xe0"
              "\x46\x78\xe0\x3c\x00\x01\x48\xff\x0a\x00\x86\x48\x11\xd3\x9f\x2d\x26\x74");
}

TEST(EncodeDumpTest, LongListSplitsIntoNodesAsRedisDoes) {
  std::vector<std::string> values;
  for (int i = 0; i < 1000; ++i) values.push_back("element-" + std::to_string(i));
  const std::string dump = Dump(testing::List("big", values));
  // Redis 7.0.15's DUMP of the same RPUSHes: 5074 bytes (nodes of 637 and 363 elements), ending in
  // the version and this CRC, which covers every byte before it.
  EXPECT_EQ(dump.size(), 5074u);
  EXPECT_EQ(Hex(dump.substr(dump.size() - 10)), Hex(Bytes("\x0a\x00\x45\x93\x14\xb0\xe8\xe1\xf5\xdd")));
}

TEST(EncodeDumpTest, HashListpackAndTable) {
  EXPECT_DUMP(testing::Hash("h", {{"f1", "v1"}, {"f2", "2"}, {"n", "-1"}}),
              "\x10\x1b\x1b\x00\x00\x00\x06\x00\x82\x66\x31\x03\x82\x76\x31\x03\x82\x66\x32\x03\x02\x01\x81\x6e\x02"
              "\xdf\xff\x02\xff\x0a\x00\xfc\x4f\xef\x68\xb7\xb0\x92\x55");
  EXPECT_DUMP(testing::Hash("h", {{"f", std::string(70, 'v')}}),
              "\x04\x01\x01\x66\xc3\x09\x40\x46\x01\x76\x76\xe0\x39\x00\x01\x76\x76\x0a\x00\xf2\x1b\xfa\x0a\x02\xf2"
              "\x74\x9c");
}

TEST(EncodeDumpTest, SetIntsetAndTable) {
  EXPECT_DUMP(testing::Set("s", {"1", "2", "3", "-100000"}),
              "\x0b\x18\x04\x00\x00\x00\x04\x00\x00\x00\x60\x79\xfe\xff\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00"
              "\x00\x0a\x00\x8b\x0f\x78\x02\xaa\x2a\x77\xa0");
  EXPECT_DUMP(testing::Set("s", {"abc"}), "\x02\x01\x03\x61\x62\x63\x0a\x00\xa3\xcb\xec\x4c\x8c\x2f\x31\xf0");
}

TEST(EncodeDumpTest, ZSetListpackAndSkiplist) {
  EXPECT_DUMP(testing::ZSet("z", {{"a", 1}, {"b", 2.5}, {"c", -3}, {"d", 0.1}}),
              "\x11\xc3\x29\x32\x13\x32\x00\x00\x00\x08\x00\x81\x63\x02\xdf\xfd\x02\x81\x64\x02\x93\x30\x2e\x31\x30"
              "\xe0\x05\x00\x0f\x31\x14\x81\x61\x02\x01\x01\x81\x62\x02\x83\x32\x2e\x35\x04\xff\x0a\x00\x23\x82\x43"
              "\xd2\x17\x25\xe8\x90");
  // Highest score first, as Redis walks its skiplist from the tail.
  EXPECT_DUMP(testing::ZSet("z", {{std::string(70, 'm'), 1}, {"b", 2.5}, {"c", -3}}),
              "\x05\x03\x01\x62\x00\x00\x00\x00\x00\x00\x04\x40\xc3\x09\x40\x46\x01\x6d\x6d\xe0\x39\x00\x01\x6d\x6d"
              "\x00\x00\x00\x00\x00\x00\xf0\x3f\x01\x63\x00\x00\x00\x00\x00\x00\x08\xc0\x0a\x00\x40\xe0\xcd\x44\x42"
              "\xe6\xbf\x9d");
}

// --- Files ---

class SnapshotTest : public ::testing::Test {
 protected:
  SnapshotTest() : keyspace_(16, &clock_) { keyspace_.Tick(); }

  // The bytes after the header and aux fields (from the first SELECTDB on).
  std::string Body(const SaveOptions& options) {
    SaveStats stats;
    std::string error;
    EXPECT_TRUE(SaveSnapshotFile(keyspace_, options, dir_.path(), "dump.rdb", &stats, &error)) << error;
    const std::string file = ReadFile(dir_.path() + "/dump.rdb");
    EXPECT_EQ(stats.bytes, file.size());
    const size_t at = file.find('\xfe');
    return at == std::string::npos ? std::string() : file.substr(at);
  }

  FakeClock clock_;
  store::Keyspace keyspace_;
  TempDir dir_;
};

TEST_F(SnapshotTest, HeaderHasRedisAuxFieldsOnly) {
  testing::Put(keyspace_, 0, testing::String("k", "v"));
  SaveOptions options;
  options.now_ms = 1'700'000'000'123;
  options.used_memory = 1'234'567;
  SaveStats stats;
  std::string error;
  ASSERT_TRUE(SaveSnapshotFile(keyspace_, options, dir_.path(), "dump.rdb", &stats, &error)) << error;
  const std::string file = ReadFile(dir_.path() + "/dump.rdb");
  const std::string expected = Bytes(
      "REDIS0010"
      "\xfa\x09redis-ver\x06" "7.0.15"
      "\xfa\x0aredis-bits\xc0\x40"
      "\xfa\x05" "ctime\xc2\x00\xf1\x53\x65"
      "\xfa\x08used-mem\xc2\x87\xd6\x12\x00"
      "\xfa\x08" "aof-base\xc0\x00"
      "\xfe");
  EXPECT_EQ(Hex(file.substr(0, expected.size())), Hex(expected));
  EXPECT_EQ(stats.keys, 1u);
  // The trailer is the CRC-64 of everything before it.
  const uint64_t crc = Crc64(0, file.data(), file.size() - 8);
  std::string trailer;
  for (int i = 0; i < 8; ++i) trailer.push_back(static_cast<char>(crc >> (8 * i)));
  EXPECT_EQ(Hex(file.substr(file.size() - 8)), Hex(trailer));
}

TEST_F(SnapshotTest, ExpiryAndIdleAsRedisWritesThem) {
  // Redis 7.0.15 under allkeys-lru, after SET k hello, PEXPIREAT k 4102444800000, SET k2 hello and
  // an immediate SAVE, wrote (keys in its own order):
  //   fe 00 fb 02 01 | f8 00 00 02 "k2" 05 "hello" | fc <4102444800000 LE> f8 00 00 01 "k" 05 "hello"
  testing::Put(keyspace_, 0, testing::String("k", "hello", 4'102'444'800'000));
  SaveOptions options;
  options.access = AccessOpcode::kLruIdle;
  std::string body = Body(options);
  EXPECT_EQ(Hex(body.substr(0, body.size() - 8)),
            Hex(Bytes("\xfe\x00\xfb\x01\x01\xfc\x00\xd8\xc3\x2c\xbb\x03\x00\x00\xf8\x00\x00\x01\x6b\x05"
                            "hello\xff")));
  // Idle time is the LRU clock's seconds since the last access.
  clock_.AdvanceMs(300'000);
  keyspace_.Tick();
  body = Body(options);
  EXPECT_EQ(Hex(body.substr(14, 3)), Hex(Bytes("\xf8\x41\x2c")));
}

TEST_F(SnapshotTest, FreqCarriesTheCounter) {
  // Redis 7.0.15 under allkeys-lfu for a fresh key: fe 00 fb 01 00 f9 05 00 01 "k" 05 "hello".
  store::Entry* entry = testing::String("k", "hello");
  testing::Put(keyspace_, 0, entry);
  testing::SetAccess(keyspace_, 0, "k", 5);
  SaveOptions options;
  options.access = AccessOpcode::kLfuFreq;
  const std::string body = Body(options);
  EXPECT_EQ(Hex(body.substr(0, body.size() - 8)),
            Hex(Bytes("\xfe\x00\xfb\x01\x00\xf9\x05\x00\x01\x6b\x05hello\xff")));
}

TEST_F(SnapshotTest, ChecksumOffWritesZeros) {
  testing::Put(keyspace_, 2, testing::String("k", "v"));
  SaveOptions options;
  options.checksum = false;
  const std::string body = Body(options);
  EXPECT_EQ(Hex(body), Hex(Bytes("\xfe\x02\xfb\x01\x00\x00\x01k\x01v\xff\0\0\0\0\0\0\0\0")));
}

TEST_F(SnapshotTest, EmptyKeyspaceIsHeaderAndEof) {
  const std::string body = Body(SaveOptions());
  EXPECT_EQ(body, "");  // no SELECTDB at all
  const std::string file = ReadFile(dir_.path() + "/dump.rdb");
  EXPECT_EQ(static_cast<unsigned char>(file[file.size() - 9]), 0xff);
}

// --- Crash safety ---

TEST_F(SnapshotTest, UnwritableDirectoryKeepsOldFile) {
  testing::Put(keyspace_, 0, testing::String("k", "v"));
  const std::string sub = dir_.path() + "/ro";
  ASSERT_EQ(::mkdir(sub.c_str(), 0755), 0);
  { std::ofstream(sub + "/dump.rdb") << "old"; }
  ASSERT_EQ(::chmod(sub.c_str(), 0555), 0);
  SaveStats stats;
  std::string error;
  const bool saved = SaveSnapshotFile(keyspace_, SaveOptions(), sub, "dump.rdb", &stats, &error);
  ::chmod(sub.c_str(), 0755);
  if (::geteuid() == 0) {
    // root writes anyway; the permission check cannot fail, so check the save instead.
    EXPECT_TRUE(saved) << error;
    return;
  }
  EXPECT_FALSE(saved);
  EXPECT_NE(error.find("open(" + sub + "/temp-"), std::string::npos) << error;
  EXPECT_NE(error.find("Permission denied"), std::string::npos) << error;
  EXPECT_EQ(ReadFile(sub + "/dump.rdb"), "old");
}

TEST_F(SnapshotTest, MissingDirectoryReportsOpen) {
  SaveStats stats;
  std::string error;
  EXPECT_FALSE(SaveSnapshotFile(keyspace_, SaveOptions(), dir_.path() + "/gone", "dump.rdb", &stats, &error));
  EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
}

TEST_F(SnapshotTest, FailedWriteRemovesTempAndKeepsOldFile) {
  // Big enough that the file passes the size limit set below while it is being written.
  for (int i = 0; i < 2000; ++i) {
    testing::Put(keyspace_, 0, testing::String("key:" + std::to_string(i), std::string(1000, 'a' + i % 26)));
  }
  { std::ofstream(dir_.path() + "/dump.rdb") << "old"; }
  // In a child, so the file size limit and the ignored SIGXFSZ stay out of the test process.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{64 * 1024, 64 * 1024};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    SaveOptions options;
    options.compress = false;
    SaveStats stats;
    std::string error;
    const bool saved = SaveSnapshotFile(keyspace_, options, dir_.path(), "dump.rdb", &stats, &error);
    const bool named = error.rfind("write(", 0) == 0 && error.find("File too large") != std::string::npos;
    ::_exit(!saved && named ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the save did not fail with write(...): File too large";
  EXPECT_EQ(ReadFile(dir_.path() + "/dump.rdb"), "old");
  EXPECT_EQ(ReadFile(dir_.path() + "/temp-" + std::to_string(child) + ".rdb"), "<missing>");
}

TEST_F(SnapshotTest, KeySaveDelaySleepsPerKey) {
  for (int i = 0; i < 20; ++i) testing::Put(keyspace_, 0, testing::String("k" + std::to_string(i), "v"));
  SaveOptions options;
  options.key_save_delay_us = 5000;
  const int64_t start = MonotonicUs();
  Body(options);
  EXPECT_GE(MonotonicUs() - start, 20 * 5000);
}

}  // namespace
}  // namespace strata::rdb
