// The RDB reader on hand-built files and payloads: every type and encoding Redis has written,
// every format version, the opcodes, the refusals, and damage of every kind.
#include "rdb/rdb_reader.h"

#include <gtest/gtest.h>

#include <memory>

#include "common/clock.h"
#include "common/error_texts.h"
#include "rdb/crc64.h"
#include "rdb/format.h"
#include "rdb/rdb_writer.h"
#include "store/lock_set.h"
#include "rdb_test_util.h"

namespace strata::rdb {
namespace {

using testing::Contents;
using testing::DumpPayload;
using testing::Finish;
using testing::Header;
using testing::Intset;
using testing::Listpack;
using testing::RdbBytes;
using testing::Ziplist;
using testing::Zipmap;

constexpr int64_t kNow = 1'700'000'000'000;

class RdbReaderTest : public ::testing::Test {
 protected:
  RdbReaderTest() { Reset(); }

  void Reset() {
    keyspace_ = std::make_unique<store::Keyspace>(16, &clock_);
    keyspace_->Tick();
    store::EncodingLimits& l = keyspace_->limits();
    l.hash_max_listpack_entries = 4;
    l.zset_max_listpack_entries = 4;
    l.set_max_intset_entries = 4;
  }

  // Loads `file` into a fresh keyspace; returns the error ("" on success).
  std::string Load(const std::string& file) {
    Reset();
    LoadOptions options;
    options.now_ms = kNow;
    std::string error;
    stats_ = LoadStats();
    if (LoadSnapshot(file, keyspace_.get(), options, &stats_, &error)) return "";
    EXPECT_FALSE(error.empty());
    return error;
  }

  // A version-10 file holding one key of `type` whose value bytes are `value`.
  static std::string OneKey(uint8_t type, const RdbBytes& value, std::string_view key = "k") {
    RdbBytes b = Header(10);
    b.Byte(type).Str(key).Raw(value.bytes());
    return Finish(b, 10);
  }

  // Loads a one-key file and returns the key's value text, or "error: ..." .
  std::string LoadOne(uint8_t type, const RdbBytes& value) {
    const std::string error = Load(OneKey(type, value));
    if (!error.empty()) return "error: " + error;
    auto c = Contents(*keyspace_);
    if (c.size() != 1) return "keys: " + std::to_string(c.size());
    encoding_ = c.begin()->second.encoding;
    return c.begin()->second.value;
  }

  FakeClock clock_{kNow};
  std::unique_ptr<store::Keyspace> keyspace_;
  LoadStats stats_;
  store::Encoding encoding_ = store::Encoding::kRaw;
};

TEST_F(RdbReaderTest, StringEncodings) {
  EXPECT_EQ(LoadOne(kTypeString, RdbBytes().Str("hello")), "string:hello");
  EXPECT_EQ(LoadOne(kTypeString, RdbBytes().IntStr(-7, 8)), "string:-7");
  EXPECT_EQ(encoding_, store::Encoding::kInt);
  EXPECT_EQ(LoadOne(kTypeString, RdbBytes().IntStr(-30000, 16)), "string:-30000");
  EXPECT_EQ(LoadOne(kTypeString, RdbBytes().IntStr(2000000000, 32)), "string:2000000000");
  const std::string long_text(300, 'x');
  EXPECT_EQ(LoadOne(kTypeString, RdbBytes().LzfStr(long_text)), "string:" + long_text);
  EXPECT_EQ(encoding_, store::Encoding::kRaw);
  const std::string big(20000, 'y');
  EXPECT_EQ(LoadOne(kTypeString, RdbBytes().Str(big)), "string:" + big);
}

TEST_F(RdbReaderTest, ListEncodings) {
  const std::vector<std::string> elems = {"a", "1", "-200", "70000", "9000000000", std::string(100, 'z'), "12"};
  std::string expect = "list:";
  for (size_t i = 0; i < elems.size(); ++i) expect += (i ? "," : "") + elems[i];
  RdbBytes plain;
  plain.Len(elems.size());
  for (const auto& e : elems) plain.Str(e);
  EXPECT_EQ(LoadOne(kTypeList, plain), expect);
  EXPECT_EQ(LoadOne(kTypeListZiplist, RdbBytes().Str(Ziplist(elems))), expect);
  // Quicklist 1: ziplist nodes.
  RdbBytes ql;
  ql.Len(2).Str(Ziplist({elems.begin(), elems.begin() + 3})).Str(Ziplist({elems.begin() + 3, elems.end()}));
  EXPECT_EQ(LoadOne(kTypeListQuicklist, ql), expect);
  // Quicklist 2: a packed node, a plain node, a packed node.
  RdbBytes ql2;
  ql2.Len(3).Len(kQuicklistNodePacked).Str(Listpack({elems.begin(), elems.begin() + 5}));
  ql2.Len(kQuicklistNodePlain).Str(elems[5]).Len(kQuicklistNodePacked).Str(Listpack({elems[6]}));
  EXPECT_EQ(LoadOne(kTypeListQuicklist2, ql2), expect);
  EXPECT_EQ(encoding_, store::Encoding::kQuicklist);
  // Bodies of 16382 and 16383 bytes: Redis's back-length takes 3 bytes from 16383 on.
  for (size_t len : {16377, 16378}) {
    const std::string big(len, 'b');
    EXPECT_EQ(LoadOne(kTypeListQuicklist2, RdbBytes().Len(1).Len(2).Str(Listpack({big}))), "list:" + big);
  }
}

TEST_F(RdbReaderTest, SetEncodings) {
  EXPECT_EQ(LoadOne(kTypeSet, RdbBytes().Len(3).Str("3").Str("1").Str("2")), "set:{1,2,3}");
  EXPECT_EQ(encoding_, store::Encoding::kIntset);
  EXPECT_EQ(LoadOne(kTypeSet, RdbBytes().Len(2).Str("a").Str("1")), "set:{1,a}");
  EXPECT_EQ(encoding_, store::Encoding::kHashtable);
  for (int width : {2, 4, 8}) {
    const int64_t big = width == 2 ? 300 : width == 4 ? 100000 : 5000000000;
    EXPECT_EQ(LoadOne(kTypeSetIntset, RdbBytes().Str(Intset({-5, big, 7}, width))),
              "set:{-5," + std::to_string(big) + ",7}");
    EXPECT_EQ(encoding_, store::Encoding::kIntset);
  }
  // Past set-max-intset-entries (4): a hashtable, as Redis converts on load.
  EXPECT_EQ(LoadOne(kTypeSetIntset, RdbBytes().Str(Intset({1, 2, 3, 4, 5}, 2))), "set:{1,2,3,4,5}");
  EXPECT_EQ(encoding_, store::Encoding::kHashtable);
  EXPECT_EQ(LoadOne(kTypeSetListpack, RdbBytes().Str(Listpack({"x", "10", "y"}))), "set:{10,x,y}");
}

TEST_F(RdbReaderTest, ZSetEncodings) {
  RdbBytes ascii;
  ascii.Len(3).Str("a").AsciiDouble("1.5").Str("b").AsciiDouble("inf").Str("c").AsciiDouble("-inf");
  EXPECT_EQ(LoadOne(kTypeZSet, ascii), "zset:c=-inf,a=1.5,b=inf");
  EXPECT_EQ(encoding_, store::Encoding::kListpack);
  RdbBytes binary;
  binary.Len(2).Str("a").BinaryDouble(2.25).Str("b").BinaryDouble(-1);
  EXPECT_EQ(LoadOne(kTypeZSet2, binary), "zset:b=-1,a=2.25");
  EXPECT_EQ(LoadOne(kTypeZSetZiplist, RdbBytes().Str(Ziplist({"a", "1", "b", "2.5"}))), "zset:a=1,b=2.5");
  EXPECT_EQ(LoadOne(kTypeZSetListpack, RdbBytes().Str(Listpack({"a", "1", "b", "2.5"}))), "zset:a=1,b=2.5");
  EXPECT_EQ(encoding_, store::Encoding::kListpack);
  RdbBytes many;
  many.Len(6);
  for (int i = 0; i < 6; ++i) many.Str("m" + std::to_string(i)).BinaryDouble(i);
  EXPECT_EQ(LoadOne(kTypeZSet2, many), "zset:m0=0,m1=1,m2=2,m3=3,m4=4,m5=5");
  EXPECT_EQ(encoding_, store::Encoding::kSkiplist);
  EXPECT_EQ(LoadOne(kTypeZSetListpack, RdbBytes().Str(Listpack({"a", "1", "b", "2", "c", "3", "d", "4", "e", "5"}))),
            "zset:a=1,b=2,c=3,d=4,e=5");
  EXPECT_EQ(encoding_, store::Encoding::kSkiplist);
}

TEST_F(RdbReaderTest, HashEncodings) {
  EXPECT_EQ(LoadOne(kTypeHash, RdbBytes().Len(2).Str("f").Str("v").Str("g").IntStr(5, 8)), "hash:{f=v,g=5}");
  EXPECT_EQ(encoding_, store::Encoding::kListpack);
  EXPECT_EQ(LoadOne(kTypeHashZipmap, RdbBytes().Str(Zipmap({"f", "v", "g", std::string(300, 'w')}))),
            "hash:{f=v,g=" + std::string(300, 'w') + "}");
  EXPECT_EQ(encoding_, store::Encoding::kHashtable);  // a value past hash-max-listpack-value
  EXPECT_EQ(LoadOne(kTypeHashZiplist, RdbBytes().Str(Ziplist({"f", "1", "g", "two"}))), "hash:{f=1,g=two}");
  EXPECT_EQ(LoadOne(kTypeHashListpack, RdbBytes().Str(Listpack({"f", "1", "g", "two"}))), "hash:{f=1,g=two}");
  EXPECT_EQ(encoding_, store::Encoding::kListpack);
  EXPECT_EQ(LoadOne(kTypeHashListpack, RdbBytes().Str(Listpack({"a", "1", "b", "2", "c", "3", "d", "4", "e", "5"}))),
            "hash:{a=1,b=2,c=3,d=4,e=5}");
  EXPECT_EQ(encoding_, store::Encoding::kHashtable);
}

TEST_F(RdbReaderTest, DuplicatesAreCorruption) {
  EXPECT_NE(LoadOne(kTypeSet, RdbBytes().Len(2).Str("a").Str("a")).find("duplicate"), std::string::npos);
  EXPECT_NE(LoadOne(kTypeSetListpack, RdbBytes().Str(Listpack({"a", "a"}))).find("duplicate"), std::string::npos);
  EXPECT_NE(LoadOne(kTypeHashListpack, RdbBytes().Str(Listpack({"f", "1", "f", "2"}))).find("offset"),
            std::string::npos);
  EXPECT_NE(LoadOne(kTypeZSet2, RdbBytes().Len(2).Str("m").BinaryDouble(1).Str("m").BinaryDouble(2)).find("duplicate"),
            std::string::npos);
  RdbBytes b = Header(10);
  b.Byte(kTypeString).Str("k").Str("1").Byte(kTypeString).Str("k").Str("2");
  EXPECT_NE(Load(Finish(b, 10)).find("duplicate key 'k'"), std::string::npos);
}

TEST_F(RdbReaderTest, EveryVersionWithExpiries) {
  for (int version = 1; version <= kMaxReadVersion; ++version) {
    SCOPED_TRACE(version);
    RdbBytes b = Header(version);
    b.Byte(kOpSelectDb).Len(2);
    // Seconds-resolution deadlines (the only kind before version 3), then milliseconds.
    b.Byte(kOpExpireTime).Le(static_cast<uint64_t>(kNow / 1000 + 100), 4).Byte(kTypeString).Str("sec").Str("v");
    if (version >= 3) b.Byte(kOpExpireTimeMs).Le(kNow + 5000, 8).Byte(kTypeString).Str("ms").Str("w");
    b.Byte(kTypeList).Str("list").Len(2).Str("x").Str("y");
    ASSERT_EQ(Load(Finish(b, version)), "");
    auto c = Contents(*keyspace_);
    EXPECT_EQ(c["2:sec"].expire_ms, (kNow / 1000 + 100) * 1000);
    EXPECT_EQ(c["2:list"].value, "list:x,y");
    if (version >= 3) {
      EXPECT_EQ(c["2:ms"].expire_ms, kNow + 5000);
    }
  }
}

TEST_F(RdbReaderTest, ChecksumZeroIsNotChecked) {
  RdbBytes b = Header(10);
  b.Byte(kTypeString).Str("k").Str("v");
  EXPECT_EQ(Load(Finish(b, 10, /*checksum=*/false)), "");
  std::string bad = Finish(b, 10);
  bad[bad.size() - 3] ^= 1;
  EXPECT_EQ(Load(bad), "bad checksum at offset " + std::to_string(bad.size() - 8));
}

TEST_F(RdbReaderTest, OpcodesAndExpiredKeys) {
  RdbBytes b = Header(11);
  b.Byte(kOpAux).Str("redis-ver").Str("7.2.0").Byte(kOpAux).Str("aof-base").IntStr(0, 8);
  b.Byte(kOpSelectDb).Len(0).Byte(kOpResizeDb).Len(3).Len(1).Byte(kOpSlotInfo).Len(5).Len(2).Len(0);
  b.Byte(kOpIdle).Len(50).Byte(kTypeString).Str("idle").Str("v");
  b.Byte(kOpFreq).Byte(200).Byte(kTypeString).Str("freq").Str("v");
  b.Byte(kOpExpireTimeMs).Le(kNow - 1, 8).Byte(kTypeString).Str("gone").Str("v");
  b.Byte(kOpExpireTimeMs).Le(kNow, 8).Byte(kTypeString).Str("gone-at-now").Str("v");
  ASSERT_EQ(Load(Finish(b, 11)), "");
  auto c = Contents(*keyspace_);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(stats_.keys, 2u);
  EXPECT_EQ(stats_.expired_skipped, 2u);
  EXPECT_EQ(c["0:idle"].access, keyspace_->lru_clock() - 50);
  EXPECT_EQ(c["0:freq"].access, keyspace_->lru_clock());
  EXPECT_EQ(keyspace_->CounterTotals().dirty, 0u);  // a loaded dataset has no unsaved changes
}

TEST_F(RdbReaderTest, ManyBatchesAndALateDuplicate) {
  // More keys than one hand-over batch, in two databases, with RESIZEDB hints.
  RdbBytes b = Header(10);
  for (int db : {0, 7}) {
    b.Byte(kOpSelectDb).Len(db).Byte(kOpResizeDb).Len(5000).Len(0);
    for (int i = 0; i < 5000; ++i) b.Byte(kTypeString).Str("key" + std::to_string(i)).Str(std::to_string(i * 3));
  }
  ASSERT_EQ(Load(Finish(b, 10)), "");
  EXPECT_EQ(stats_.keys, 10000u);
  auto c = Contents(*keyspace_);
  EXPECT_EQ(c.size(), 10000u);
  EXPECT_EQ(c["7:key4999"].value, "string:14997");
  b.Byte(kTypeString).Str("key17").Str("again");
  EXPECT_NE(Load(Finish(b, 10)).find("duplicate key 'key17' at offset"), std::string::npos);
}

TEST_F(RdbReaderTest, LoadsUnderTheCallersLocks) {
  // DEBUG RELOAD holds every stripe lock: the load then inserts on the calling thread.
  RdbBytes b = Header(10);
  b.Byte(kOpSelectDb).Len(3).Byte(kOpResizeDb).Len(3000).Len(0);
  for (int i = 0; i < 3000; ++i) b.Byte(kTypeString).Str("key" + std::to_string(i)).Str("v");
  store::LockSet locks(keyspace_.get());
  locks.AddAllDatabases();
  locks.Lock();
  LoadOptions options;
  options.now_ms = kNow;
  options.caller_holds_locks = true;
  std::string error;
  const bool ok = LoadSnapshot(Finish(b, 10), keyspace_.get(), options, &stats_, &error);
  locks.Unlock();
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(stats_.keys, 3000u);
  EXPECT_EQ(Contents(*keyspace_).count("3:key2999"), 1u);
}

TEST_F(RdbReaderTest, EmptyCollectionsAreSkipped) {
  RdbBytes b = Header(10);
  b.Byte(kTypeSet).Str("s").Len(0).Byte(kTypeHashListpack).Str("h").Str(Listpack({}));
  ASSERT_EQ(Load(Finish(b, 10)), "");
  EXPECT_TRUE(Contents(*keyspace_).empty());
}

TEST_F(RdbReaderTest, RefusalsNameWhatCannotBeRepresented) {
  EXPECT_EQ(Load(Header(13).bytes() + "\xff"), "RDB format version 13 is not one Strata reads (1 to 12)");
  RdbBytes db = Header(10);
  db.Byte(kOpSelectDb).Len(16);
  EXPECT_NE(Load(Finish(db, 10)).find("selects database 16 but the server has 16"), std::string::npos);
  for (uint8_t type : {15, 19, 21}) {
    EXPECT_NE(LoadOne(type, RdbBytes().Len(0)).find("key 'k' holds a stream (RDB type " + std::to_string(type)),
              std::string::npos);
  }
  for (uint8_t type : {22, 23, 24, 25}) {
    EXPECT_NE(LoadOne(type, RdbBytes().Len(0)).find("key 'k' holds a hash with field expiries"), std::string::npos);
  }
  // Module id of "ReJSON-RL" version 3: nine 6-bit characters, then 10 bits of version.
  const std::string name = "ReJSON-RL";
  const std::string charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint64_t id = 0;
  for (char ch : name) id = (id << 6) | charset.find(ch);
  id = (id << 10) | 3;
  EXPECT_NE(LoadOne(kTypeModule2, RdbBytes().Len(id)).find("key 'k' holds a value of module type 'ReJSON-RL'"),
            std::string::npos);
  RdbBytes aux = Header(10);
  aux.Byte(kOpModuleAux).Len(id);
  EXPECT_NE(Load(Finish(aux, 10)).find("module 'ReJSON-RL' (MODULE_AUX)"), std::string::npos);
  RdbBytes pre_ga = Header(10);
  pre_ga.Byte(kOpFunctionPreGa).Str("mylib");
  EXPECT_NE(Load(Finish(pre_ga, 10)).find("pre-GA format"), std::string::npos);
}

TEST_F(RdbReaderTest, FunctionLibrariesAreHandedToTheCaller) {
  const std::string code = "#!lua name=mylib\nredis.register_function('f', function() return 1 end)";
  RdbBytes fn = Header(10);
  fn.Byte(kOpFunction2).Str(code);
  fn.Byte(kOpFunction2).Str("#!lua name=other\n");
  EXPECT_EQ(Load(Finish(fn, 10)), "");
  ASSERT_EQ(stats_.functions.size(), 2u);
  EXPECT_EQ(stats_.functions[0], code);
  EXPECT_EQ(stats_.functions[1], "#!lua name=other\n");
}

TEST_F(RdbReaderTest, FunctionsDumpRoundTrips) {
  const std::vector<std::string> codes = {"#!lua name=a\n" + std::string(100, 'x'), "#!lua name=b\n"};
  for (bool compress : {false, true}) {
    std::vector<std::string> back;
    std::string error;
    ASSERT_TRUE(DecodeFunctionsDump(EncodeFunctionsDump(codes, compress), &back, &error)) << error;
    EXPECT_EQ(back, codes);
  }
  std::vector<std::string> back;
  std::string error;
  std::string payload = EncodeFunctionsDump(codes, false);
  payload[3] ^= 1;
  EXPECT_FALSE(DecodeFunctionsDump(payload, &back, &error));
  EXPECT_EQ(error, errors::kDumpPayloadBad);
  // A valid trailer over a record that is not a function.
  std::string string_dump = std::string("\x00\x01v\x0a\x00", 5);
  const uint64_t crc = Crc64(0, string_dump.data(), string_dump.size());
  for (int i = 0; i < 8; ++i) string_dump.push_back(static_cast<char>(crc >> (8 * i)));
  EXPECT_FALSE(DecodeFunctionsDump(string_dump, &back, &error));
  EXPECT_EQ(error, errors::kRestoreNotFunction);
}

TEST_F(RdbReaderTest, DamageIsReportedWithAnOffset) {
  EXPECT_EQ(LoadOne(66, RdbBytes().Str("x")), "error: unknown value type 66 at offset 9");
  EXPECT_EQ(Load("NOTAFILE0010"), "not an RDB file: no REDIS signature at offset 0");
  EXPECT_EQ(LoadOne(kTypeString, RdbBytes().Byte(0xc3).Len(3).Len(10).Raw("\x01" "ab")),
            "error: bad LZF data at offset 15");
  EXPECT_EQ(LoadOne(kTypeString, RdbBytes().Byte(0xc3).Len(3).Len(100000).Raw("\x01" "ab")),
            "error: bad LZF lengths at offset 12");
  EXPECT_EQ(LoadOne(kTypeString, RdbBytes().Byte(0xc7).Raw("x")), "error: unknown string encoding at offset 12");
  EXPECT_EQ(LoadOne(kTypeString, RdbBytes().Byte(0x82).Raw("x")), "error: bad length encoding at offset 12");
  EXPECT_EQ(LoadOne(kTypeListQuicklist2, RdbBytes().Len(1).Len(3).Str("x")),
            "error: bad quicklist node container at offset 13");
  // A ziplist whose tail offset is wrong, whose count is wrong, whose prevlen is wrong.
  std::string zl = Ziplist({"a", "bb", "ccc"});
  std::string bad_tail = zl;
  bad_tail[4] ^= 1;
  std::string bad_count = zl;
  bad_count[8] = 7;
  std::string bad_prev = zl;
  bad_prev[10 + 3] = 9;  // the second entry's prevlen
  for (const std::string& blob : {bad_tail, bad_count, bad_prev}) {
    EXPECT_EQ(LoadOne(kTypeListZiplist, RdbBytes().Str(blob)), "error: bad ziplist at offset 12");
  }
  std::string lp = Listpack({"a", "bb", "ccc"});
  lp[6 + 2] ^= 0x40;  // the first entry's back-length
  EXPECT_EQ(LoadOne(kTypeListQuicklist2, RdbBytes().Len(1).Len(2).Str(lp)), "error: bad listpack at offset 14");
  EXPECT_EQ(LoadOne(kTypeSetIntset, RdbBytes().Str(Intset({1, 2}, 2).substr(0, 11))), "error: bad intset at offset 12");
  std::string unsorted = Intset({1, 2}, 2);
  std::swap(unsorted[8], unsorted[10]);
  EXPECT_EQ(LoadOne(kTypeSetIntset, RdbBytes().Str(unsorted)), "error: bad intset at offset 12");
}

// A file with every type and encoding, for the truncation and flip sweeps.
std::string EveryEncodingFile(bool checksum) {
  RdbBytes b = Header(10);
  b.Byte(kOpAux).Str("redis-ver").Str("7.0.0").Byte(kOpSelectDb).Len(1).Byte(kOpResizeDb).Len(9).Len(1);
  b.Byte(kOpExpireTimeMs).Le(kNow + 1000, 8).Byte(kTypeString).Str("s").LzfStr(std::string(100, 'a'));
  b.Byte(kTypeString).Str("i").IntStr(1234, 16);
  b.Byte(kTypeListQuicklist).Str("ql").Len(1).Str(Ziplist({"a", "17", "-5000"}));
  b.Byte(kTypeListQuicklist2).Str("ql2").Len(2).Len(2).Str(Listpack({"x", "70000"})).Len(1).Str("plain");
  b.Byte(kTypeSetIntset).Str("is").Str(Intset({3, 1}, 4));
  b.Byte(kTypeSetListpack).Str("ls").Str(Listpack({"p", "q"}));
  b.Byte(kTypeZSet).Str("za").Len(1).Str("m").AsciiDouble("2.5");
  b.Byte(kTypeZSetListpack).Str("zl").Str(Listpack({"m", "1", "n", "2"}));
  b.Byte(kTypeHashZipmap).Str("hz").Str(Zipmap({"f", "v"}));
  b.Byte(kTypeHashZiplist).Str("hzl").Str(Ziplist({"f", "v", "g", "w"}));
  b.Byte(kTypeHashListpack).Str("hl").Str(Listpack({"f", "v"}));
  return Finish(b, 10, checksum);
}

TEST_F(RdbReaderTest, TruncationAtEveryOffset) {
  const std::string file = EveryEncodingFile(true);
  ASSERT_EQ(Load(file), "");
  EXPECT_EQ(Contents(*keyspace_).size(), 11u);
  for (size_t n = 0; n < file.size(); ++n) {
    const std::string error = Load(file.substr(0, n));
    EXPECT_NE(error.find("at offset"), std::string::npos) << n << ": " << error;
  }
}

TEST_F(RdbReaderTest, FlippedBytesNeverCrash) {
  // With the checksum, every flip is caught. Without it the parser meets the damage itself:
  // each flip either still reads as a valid file or fails with a message; never a crash.
  const std::string checked = EveryEncodingFile(true);
  const std::string unchecked = EveryEncodingFile(false);
  size_t refused = 0;
  for (size_t i = 0; i + 8 < checked.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      std::string a = checked;
      a[i] = static_cast<char>(a[i] ^ mask);
      EXPECT_NE(Load(a), "") << i;
      std::string b = unchecked;
      b[i] = static_cast<char>(b[i] ^ mask);
      if (!Load(b).empty()) ++refused;
    }
  }
  EXPECT_GT(refused, checked.size());  // most flips are detected even without the checksum
}

TEST(DecodeDumpTest, VersionsChecksumsAndBadData) {
  store::EncodingLimits limits;
  std::string error;
  const std::string value = RdbBytes().Byte(kTypeSetListpack).Str(Listpack({"a", "b"})).bytes();
  for (int version : {1, 10, 11, 12}) {
    store::Entry* e = DecodeDump(DumpPayload(value, version), "key", 1234, limits, &error);
    ASSERT_NE(e, nullptr) << version << error;
    EXPECT_EQ(testing::Describe(*e), "set:{a,b}");
    EXPECT_EQ(e->key(), "key");
    EXPECT_EQ(e->expire_ms(), 1234);
    store::Entry::Destroy(e);
  }
  EXPECT_EQ(DecodeDump(DumpPayload(value, 13), "key", store::kNoExpire, limits, &error), nullptr);
  EXPECT_EQ(error, errors::kDumpPayloadBad);
  std::string bad_crc = DumpPayload(value, 10);
  bad_crc.back() ^= 1;
  EXPECT_EQ(DecodeDump(bad_crc, "key", store::kNoExpire, limits, &error), nullptr);
  EXPECT_EQ(error, errors::kDumpPayloadBad);
  EXPECT_EQ(DecodeDump("short", "key", store::kNoExpire, limits, &error), nullptr);
  EXPECT_EQ(error, errors::kDumpPayloadBad);
  const std::string damaged = RdbBytes().Byte(kTypeSetListpack).Str(Listpack({"a", "a"})).bytes();
  EXPECT_EQ(DecodeDump(DumpPayload(damaged, 10), "key", store::kNoExpire, limits, &error), nullptr);
  EXPECT_EQ(error, errors::kBadDataFormat);
  EXPECT_EQ(DecodeDump(DumpPayload("\x0f\x00", 10), "key", store::kNoExpire, limits, &error), nullptr);
  EXPECT_EQ(error, errors::kBadDataFormat);
}

}  // namespace
}  // namespace strata::rdb
