// DEBUG DIGEST's signatures: the expected values are redis-server 7.0's replies for the same data.
#include "store/value_digest.h"

#include <gtest/gtest.h>

#include "keyspace_fixture.h"

namespace strata::store {
namespace {

class ValueDigestTest : public HeldKeyspaceFixture {
 protected:
  ValueDigestTest() : HeldKeyspaceFixture(2) {}

  void PutString(Db& db, std::string_view key, std::string_view value, Encoding encoding,
                 int64_t expire_ms = kNoExpire) {
    db.Store(Entry::NewString(key, value, encoding, expire_ms));
  }

  std::string ValueHex(std::string_view key) {
    Digest d{};
    DigestValue(*db_.Peek(key), &d);
    return DigestHex(d);
  }
};

TEST_F(ValueDigestTest, EmptyDatasetIsAllZeros) {
  EXPECT_EQ(DigestHex(DatasetDigest(keyspace_)), std::string(40, '0'));
}

TEST_F(ValueDigestTest, StringsMatchRedis) {
  PutString(db_, "s", "hello", Encoding::kEmbStr);
  PutString(db_, "n", "12345", Encoding::kInt);
  EXPECT_EQ(ValueHex("s"), "36b23a1456b2dce2c3ed252c456761301dba8060");
  EXPECT_EQ(ValueHex("n"), "e1cf90774e995ae03de66e8109dc5cb9d9c2dc83");
}

TEST_F(ValueDigestTest, DeadlineAddsItsMarker) {
  PutString(db_, "s", "hello", Encoding::kEmbStr, clock_.NowMs() + 100000);
  EXPECT_EQ(ValueHex("s"), "d037c4eb8a8b36b602fbced4000daeab0714c1e3");
}

TEST_F(ValueDigestTest, DatasetMatchesRedisWhateverTheInsertionOrder) {
  PutString(db_, "s", "hello", Encoding::kEmbStr);
  EXPECT_EQ(DigestHex(DatasetDigest(keyspace_)), "a500c6b54937da22f2ac1167da1da852479c7339");
  PutString(db_, "n", "12345", Encoding::kInt);
  const std::string both = DigestHex(DatasetDigest(keyspace_));
  EXPECT_EQ(both, "baf18ca1bdca04a150966a2a9aad5f879f003438");
  // The same keys in another database give another digest.
  PutString(db1_, "x", "y", Encoding::kEmbStr);
  EXPECT_NE(DigestHex(DatasetDigest(keyspace_)), both);
}

TEST_F(ValueDigestTest, MixIsOrderedXorIsNot) {
  Digest ab{}, ba{};
  MixDigest(&ab, "a");
  MixDigest(&ab, "b");
  MixDigest(&ba, "b");
  MixDigest(&ba, "a");
  EXPECT_NE(ab, ba);
  Digest xab{}, xba{};
  XorDigest(&xab, "a");
  XorDigest(&xab, "b");
  XorDigest(&xba, "b");
  XorDigest(&xba, "a");
  EXPECT_EQ(xab, xba);
}

}  // namespace
}  // namespace strata::store
