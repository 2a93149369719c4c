#include "store/bitmap_ops.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/string_ops.h"
#include "keyspace_fixture.h"

namespace strata::store {
namespace {

using Op = BitfieldOp;

class BitmapOpsTest : public KeyspaceFixture {
 protected:
  bool DoSetBit(std::string_view key, uint64_t offset, bool value) {
    bool old = false;
    EXPECT_EQ(Locked({key}, [&] { return SetBit(db_, key, offset, value, &old); }), OpStatus::kOk);
    return old;
  }

  OpStatus DoBitOp(BitOpKind kind, std::string_view dest, std::vector<std::string_view> sources, size_t* len) {
    LockSet locks(&keyspace_);
    locks.Add(0, dest);
    for (std::string_view s : sources) locks.Add(0, s);
    locks.Lock();
    return BitOp(db_, kind, dest, sources, len);
  }

  // Runs BITFIELD ops; results as text, "nil" for a refused op.
  std::vector<std::string> DoBitfield(std::string_view key, const std::vector<Op>& ops,
                                      OpStatus expected = OpStatus::kOk) {
    std::vector<std::optional<int64_t>> results;
    EXPECT_EQ(Locked({key}, [&] { return Bitfield(db_, key, ops, &results); }), expected);
    std::vector<std::string> text;
    for (const auto& r : results) text.push_back(r ? std::to_string(*r) : "nil");
    return text;
  }

  static Op Get(bool is_signed, int bits, uint64_t offset) {
    Op op;
    op.kind = Op::Kind::kGet;
    op.is_signed = is_signed;
    op.bits = bits;
    op.offset = offset;
    return op;
  }
  static Op Write(Op::Kind kind, bool is_signed, int bits, uint64_t offset, int64_t value,
                  Op::Overflow overflow = Op::Overflow::kWrap) {
    Op op = Get(is_signed, bits, offset);
    op.kind = kind;
    op.value = value;
    op.overflow = overflow;
    return op;
  }
};

using Strings = std::vector<std::string>;

TEST(ParseBitOffsetTest, AcceptsUpToTheLastBitOf512MiB) {
  uint64_t offset = 0;
  EXPECT_TRUE(ParseBitOffset("0", 0, &offset));
  EXPECT_EQ(offset, 0u);
  EXPECT_TRUE(ParseBitOffset("4294967295", 0, &offset));
  EXPECT_EQ(offset, kMaxBitOffset);
  EXPECT_EQ(kMaxBitOffset, 4294967295u);
  for (const char* bad : {"4294967296", "-1", "abc", "", "1.5", "01", "#1", "99999999999999999999"}) {
    EXPECT_FALSE(ParseBitOffset(bad, 0, &offset)) << bad;
  }
}

TEST(ParseBitOffsetTest, HashMultipliesByTheFieldWidth) {
  uint64_t offset = 0;
  EXPECT_TRUE(ParseBitOffset("#3", 8, &offset));
  EXPECT_EQ(offset, 24u);
  EXPECT_TRUE(ParseBitOffset("#536870911", 8, &offset));
  EXPECT_EQ(offset, 4294967288u);
  EXPECT_FALSE(ParseBitOffset("#536870912", 8, &offset));
  EXPECT_FALSE(ParseBitOffset("#", 8, &offset));
  EXPECT_FALSE(ParseBitOffset("#-1", 8, &offset));
  // The product wraps around 64 bits, as Redis computes it: 2^61 * 8 is offset 0.
  EXPECT_TRUE(ParseBitOffset("#2305843009213693952", 8, &offset));
  EXPECT_EQ(offset, 0u);
}

TEST_F(BitmapOpsTest, SetBitAtByteBoundaries) {
  EXPECT_FALSE(DoSetBit("k", 7, true));
  EXPECT_EQ(Value("k"), std::string("\x01", 1));
  EXPECT_FALSE(DoSetBit("k", 8, true));
  EXPECT_EQ(Value("k"), std::string("\x01\x80", 2));
  EXPECT_FALSE(DoSetBit("k", 15, true));
  EXPECT_FALSE(DoSetBit("k", 0, true));
  EXPECT_EQ(Value("k"), std::string("\x81\x81", 2));
  EXPECT_TRUE(DoSetBit("k", 15, false));
  EXPECT_FALSE(DoSetBit("k", 15, false));
  EXPECT_FALSE(DoSetBit("k", 16, true));
  EXPECT_EQ(Value("k"), std::string("\x81\x80\x80", 3));
  EXPECT_EQ(EncodingOf("k"), Encoding::kRaw);

  const std::string v = Value("k");
  EXPECT_TRUE(BitAt(v, 0));
  EXPECT_FALSE(BitAt(v, 1));
  EXPECT_TRUE(BitAt(v, 7));
  EXPECT_TRUE(BitAt(v, 8));
  EXPECT_FALSE(BitAt(v, 15));
  EXPECT_TRUE(BitAt(v, 16));
  EXPECT_FALSE(BitAt(v, 24));
  EXPECT_FALSE(BitAt(v, kMaxBitOffset));
}

TEST_F(BitmapOpsTest, SetBitGrowsZeroPaddedKeepsTtlAndGoesRaw) {
  Put("k", "12", Encoding::kInt, clock_.NowMs() + 100'000);
  EXPECT_FALSE(DoSetBit("k", 100, true));
  const std::string v = Value("k");
  ASSERT_EQ(v.size(), 13u);
  EXPECT_EQ(v.substr(0, 2), "12");
  EXPECT_EQ(v.substr(2, 10), std::string(10, '\0'));
  EXPECT_EQ(v[12], '\x08');
  EXPECT_EQ(EncodingOf("k"), Encoding::kRaw);
  EXPECT_EQ(DeadlineOf("k"), clock_.NowMs() + 100'000);

  PutObject("list");
  bool old;
  EXPECT_EQ(Locked({"list"}, [&] { return SetBit(db_, "list", 0, true, &old); }), OpStatus::kWrongType);
}

TEST(CountBitsTest, ByteRanges) {
  const std::string_view s = "foobar";
  EXPECT_EQ(CountBits(s, BitRange()), 26);
  EXPECT_EQ(CountBits(s, {0, 0, false}), 4);
  EXPECT_EQ(CountBits(s, {1, 1, false}), 6);
  EXPECT_EQ(CountBits(s, {-2, -1, false}), 7);
  EXPECT_EQ(CountBits(s, {2, 1, false}), 0);
  EXPECT_EQ(CountBits(s, {0, 100, false}), 26);
  EXPECT_EQ(CountBits(s, {100, 200, false}), 0);
  EXPECT_EQ(CountBits(s, {INT64_MIN, INT64_MAX, false}), 26);
  // Both ends negative and reversed count nothing, even where clamping would reach byte 0.
  EXPECT_EQ(CountBits(s, {-20, -30, false}), 0);
  EXPECT_EQ(CountBits(s, {-30, -20, false}), 4);
  EXPECT_EQ(CountBits("", BitRange()), 0);
}

TEST(CountBitsTest, BitRanges) {
  const std::string_view s = "foobar";
  EXPECT_EQ(CountBits(s, {5, 30, true}), 17);
  EXPECT_EQ(CountBits(s, {0, 7, true}), 4);
  EXPECT_EQ(CountBits(s, {8, 15, true}), 6);
  EXPECT_EQ(CountBits(s, {1, 1, true}), 1);
  EXPECT_EQ(CountBits(s, {3, 4, true}), 0);
  EXPECT_EQ(CountBits(s, {7, 8, true}), 0);
  EXPECT_EQ(CountBits(s, {-9, -2, true}), 5);
  EXPECT_EQ(CountBits(s, {47, 47, true}), 0);
  EXPECT_EQ(CountBits(s, {48, 100, true}), 0);
  EXPECT_EQ(CountBits(s, {-100, -1, true}), 26);
  EXPECT_EQ(CountBits(s, {10, 5, true}), 0);
  const std::string ones(19, '\xff');
  EXPECT_EQ(CountBits(ones, BitRange()), 152);
  EXPECT_EQ(CountBits(ones, {3, 140, true}), 138);
  EXPECT_EQ(CountBits(ones, {1, 17, false}), 136);
}

TEST(FindBitTest, WholeStringAndByteRanges) {
  const std::string_view s("\xff\xf0\x00", 3);
  EXPECT_EQ(FindBit(s, false, BitRange(), false), 12);
  EXPECT_EQ(FindBit(s, true, BitRange(), false), 0);
  EXPECT_EQ(FindBit(s, true, {2, -1, false}, false), -1);
  EXPECT_EQ(FindBit(s, false, {2, -1, false}, false), 16);
  EXPECT_EQ(FindBit(s, false, {2, -1, false}, true), 16);
  EXPECT_EQ(FindBit(s, true, {-20, -30, false}, true), 0);  // unlike BITCOUNT, no empty special case
  EXPECT_EQ(FindBit(s, false, {100, -1, false}, false), -1);

  const std::string_view ones("\xff\xff\xff", 3);
  // Without an end the string counts as followed by zeros; with one it does not.
  EXPECT_EQ(FindBit(ones, false, BitRange(), false), 24);
  EXPECT_EQ(FindBit(ones, false, {1, -1, false}, false), 24);
  EXPECT_EQ(FindBit(ones, false, {0, -1, false}, true), -1);
  EXPECT_EQ(FindBit(ones, true, BitRange(), false), 0);
  EXPECT_EQ(FindBit("", false, BitRange(), false), -1);
  EXPECT_EQ(FindBit("", true, BitRange(), false), -1);
}

TEST(FindBitTest, BitRanges) {
  const std::string_view s("\xff\xf0\x00", 3);
  EXPECT_EQ(FindBit(s, false, {3, 11, true}, true), -1);
  EXPECT_EQ(FindBit(s, false, {3, 12, true}, true), 12);
  EXPECT_EQ(FindBit(s, true, {9, 10, true}, true), 9);
  EXPECT_EQ(FindBit(s, false, {13, 14, true}, true), 13);
  EXPECT_EQ(FindBit(s, true, {-12, -1, true}, true), -1);
  EXPECT_EQ(FindBit(s, false, {0, 1000, true}, true), 12);
  EXPECT_EQ(FindBit(s, true, {10, 5, true}, true), -1);
  const std::string_view ones("\xff\xff\xff", 3);
  EXPECT_EQ(FindBit(ones, false, {3, 20, true}, true), -1);
}

TEST(FindBitTest, LongRunsAreSkipped) {
  std::string zeros(1000, '\0');
  zeros.back() = '\x01';
  EXPECT_EQ(FindBit(zeros, true, BitRange(), false), 7999);
  EXPECT_EQ(FindBit(zeros, true, {3, 998, false}, true), -1);
  EXPECT_EQ(FindBit(zeros, true, {0, 7998, true}, true), -1);
  EXPECT_EQ(FindBit(zeros, true, {5, 7999, true}, true), 7999);
  std::string ones(1000, '\xff');
  ones[517] = '\xfb';
  EXPECT_EQ(FindBit(ones, false, BitRange(), false), 517 * 8 + 5);
  EXPECT_EQ(FindBit(ones, false, {2, 4140, true}, true), -1);
  EXPECT_EQ(FindBit(ones, false, {2, 4141, true}, true), 4141);
}

TEST_F(BitmapOpsTest, BitOpPadsShorterSourcesWithZeros) {
  Put("short", "\xff", Encoding::kEmbStr);
  Put("long", std::string("\x0f\x0f\x0f", 3), Encoding::kEmbStr);
  size_t len = 0;
  EXPECT_EQ(DoBitOp(BitOpKind::kAnd, "dst", {"short", "long"}, &len), OpStatus::kOk);
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(Value("dst"), std::string("\x0f\x00\x00", 3));
  EXPECT_EQ(DoBitOp(BitOpKind::kAnd, "dst", {"long", "short"}, &len), OpStatus::kOk);
  EXPECT_EQ(Value("dst"), std::string("\x0f\x00\x00", 3));
  EXPECT_EQ(DoBitOp(BitOpKind::kOr, "dst", {"short", "long"}, &len), OpStatus::kOk);
  EXPECT_EQ(Value("dst"), std::string("\xff\x0f\x0f", 3));
  EXPECT_EQ(DoBitOp(BitOpKind::kXor, "dst", {"short", "long", "short"}, &len), OpStatus::kOk);
  EXPECT_EQ(Value("dst"), std::string("\x0f\x0f\x0f", 3));
  EXPECT_EQ(DoBitOp(BitOpKind::kNot, "dst", {"long"}, &len), OpStatus::kOk);
  EXPECT_EQ(Value("dst"), std::string("\xf0\xf0\xf0", 3));
  EXPECT_EQ(DoBitOp(BitOpKind::kAnd, "dst", {"long", "missing"}, &len), OpStatus::kOk);
  EXPECT_EQ(Value("dst"), std::string(3, '\0'));
  EXPECT_EQ(EncodingOf("dst"), Encoding::kRaw);
}

TEST_F(BitmapOpsTest, BitOpWritesADestinationThatIsAlsoASource) {
  Put("a", "foobar", Encoding::kEmbStr, clock_.NowMs() + 100'000);
  Put("b", "abcdef", Encoding::kEmbStr);
  size_t len = 0;
  EXPECT_EQ(DoBitOp(BitOpKind::kXor, "a", {"a", "b", "a"}, &len), OpStatus::kOk);
  EXPECT_EQ(Value("a"), "abcdef");
  EXPECT_EQ(DeadlineOf("a"), kNoExpire);  // the result replaces the key, TTL and all
  EXPECT_EQ(EncodingOf("a"), Encoding::kRaw);
}

TEST_F(BitmapOpsTest, BitOpOfEmptyStringsDeletesTheDestination) {
  PutObject("dst");
  Put("empty", "", Encoding::kEmbStr);
  size_t len = 99;
  EXPECT_EQ(DoBitOp(BitOpKind::kOr, "dst", {"missing", "empty"}, &len), OpStatus::kOk);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(Peek("dst"), nullptr);
}

TEST_F(BitmapOpsTest, BitOpRefusesNonStringSourcesWithoutWriting) {
  PutObject("list");
  Put("dst", "keep", Encoding::kEmbStr);
  Put("s", "abc", Encoding::kEmbStr);
  size_t len = 0;
  EXPECT_EQ(DoBitOp(BitOpKind::kAnd, "dst", {"s", "list"}, &len), OpStatus::kWrongType);
  EXPECT_EQ(Value("dst"), "keep");
  // A non-string destination is simply overwritten.
  EXPECT_EQ(DoBitOp(BitOpKind::kOr, "list", {"s"}, &len), OpStatus::kOk);
  EXPECT_EQ(Value("list"), "abc");
}

TEST(ParseBitfieldTypeTest, SignedUpTo64UnsignedUpTo63) {
  bool is_signed = false;
  int bits = 0;
  EXPECT_TRUE(ParseBitfieldType("i64", &is_signed, &bits));
  EXPECT_TRUE(is_signed);
  EXPECT_EQ(bits, 64);
  EXPECT_TRUE(ParseBitfieldType("u63", &is_signed, &bits));
  EXPECT_FALSE(is_signed);
  EXPECT_EQ(bits, 63);
  EXPECT_TRUE(ParseBitfieldType("u1", &is_signed, &bits));
  // Like Redis, the text ends at its first NUL byte.
  EXPECT_TRUE(ParseBitfieldType(std::string_view("u8\0junk", 7), &is_signed, &bits));
  EXPECT_EQ(bits, 8);
  for (const char* bad : {"u64", "i65", "i0", "u0", "I8", "U8", "x8", "u", "", "u08", "u-1", "u8 "}) {
    EXPECT_FALSE(ParseBitfieldType(bad, &is_signed, &bits)) << bad;
  }
}

TEST_F(BitmapOpsTest, BitfieldGetReadsWithoutCreating) {
  EXPECT_EQ(DoBitfield("k", {Get(false, 8, 0), Get(true, 64, 1000)}), (Strings{"0", "0"}));
  EXPECT_EQ(Peek("k"), nullptr);
  Put("v", std::string("\xff\x0f", 2), Encoding::kEmbStr);
  EXPECT_EQ(DoBitfield("v", {Get(false, 8, 0), Get(true, 8, 0), Get(false, 4, 8), Get(true, 4, 12), Get(false, 12, 4),
                             Get(false, 8, 12)}),
            (Strings{"255", "-1", "0", "-1", "3855", "240"}));
  EXPECT_EQ(EncodingOf("v"), Encoding::kEmbStr);
}

TEST_F(BitmapOpsTest, BitfieldSetAndIncrByReturnOldAndNewValues) {
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kSet, false, 8, 8, 200), Get(false, 16, 0), Get(false, 8, 8)}),
            (Strings{"0", "200", "200"}));
  EXPECT_EQ(Value("k"), std::string("\x00\xc8", 2));
  EXPECT_EQ(EncodingOf("k"), Encoding::kRaw);
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kIncrBy, false, 8, 8, 10), Write(Op::Kind::kIncrBy, true, 8, 8, 10)}),
            (Strings{"210", "-36"}));
  // Unaligned fields spanning bytes.
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kSet, true, 3, 5, 3), Get(true, 3, 5), Write(Op::Kind::kSet, true, 3, 5, 4),
                             Get(true, 3, 5), Get(false, 3, 5)}),
            (Strings{"0", "3", "3", "-4", "4"}));
}

TEST_F(BitmapOpsTest, BitfieldOverflowWrap) {
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kIncrBy, false, 2, 100, 1), Write(Op::Kind::kIncrBy, false, 2, 100, 1),
                             Write(Op::Kind::kIncrBy, false, 2, 100, 1), Write(Op::Kind::kIncrBy, false, 2, 100, 1)}),
            (Strings{"1", "2", "3", "0"}));
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kIncrBy, true, 5, 100, 15), Write(Op::Kind::kIncrBy, true, 5, 100, 1),
                             Write(Op::Kind::kIncrBy, true, 5, 100, -1), Write(Op::Kind::kIncrBy, true, 5, 100, -100)}),
            (Strings{"15", "-16", "15", "11"}));
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kSet, false, 8, 0, -1), Write(Op::Kind::kSet, false, 8, 0, 256),
                             Get(false, 8, 0)}),
            (Strings{"0", "255", "0"}));
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kSet, true, 64, 0, INT64_MIN), Write(Op::Kind::kIncrBy, true, 64, 0, -1)}),
            (Strings{"0", "9223372036854775807"}));
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kSet, false, 63, 0, INT64_MAX), Write(Op::Kind::kIncrBy, false, 63, 0, 1),
                             Write(Op::Kind::kIncrBy, false, 63, 0, INT64_MIN)}),
            (Strings{"4611686018427387903", "0", "0"}));
}

TEST_F(BitmapOpsTest, BitfieldOverflowSat) {
  const auto sat = Op::Overflow::kSat;
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kSet, false, 8, 0, -1, sat), Write(Op::Kind::kSet, true, 8, 0, 200, sat),
                             Write(Op::Kind::kIncrBy, true, 8, 0, -1000, sat)}),
            (Strings{"0", "-1", "-128"}));
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kIncrBy, false, 2, 100, 10, sat), Write(Op::Kind::kIncrBy, false, 2, 100, -10, sat)}),
            (Strings{"3", "0"}));
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kSet, true, 64, 0, INT64_MAX, sat), Write(Op::Kind::kIncrBy, true, 64, 0, 1, sat),
                             Write(Op::Kind::kSet, true, 64, 0, INT64_MIN, sat), Write(Op::Kind::kIncrBy, true, 64, 0, -1, sat)}),
            (Strings{"-9223372036854775808", "9223372036854775807", "9223372036854775807", "-9223372036854775808"}));
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kSet, false, 63, 0, 5, sat), Write(Op::Kind::kIncrBy, false, 63, 0, INT64_MAX, sat),
                             Write(Op::Kind::kIncrBy, false, 63, 0, INT64_MIN, sat)}),
            (Strings{"4611686018427387904", "9223372036854775807", "0"}));
}

TEST_F(BitmapOpsTest, BitfieldOverflowFailLeavesTheFieldButCreatesTheKey) {
  const auto fail = Op::Overflow::kFail;
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kIncrBy, false, 2, 0, 10, fail)}), (Strings{"nil"}));
  EXPECT_EQ(Value("k"), std::string(1, '\0'));
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kIncrBy, false, 2, 0, 3, fail), Write(Op::Kind::kIncrBy, false, 2, 0, 1, fail),
                             Write(Op::Kind::kIncrBy, false, 2, 0, -4, fail), Write(Op::Kind::kIncrBy, false, 2, 0, -3, fail)}),
            (Strings{"3", "nil", "nil", "0"}));
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kSet, true, 5, 8, 16, fail), Write(Op::Kind::kSet, true, 5, 8, -17, fail),
                             Write(Op::Kind::kSet, true, 5, 8, -16, fail), Get(true, 5, 8)}),
            (Strings{"nil", "nil", "0", "-16"}));
  EXPECT_EQ(DoBitfield("k", {Write(Op::Kind::kSet, false, 8, 0, -5, fail)}), (Strings{"nil"}));
  // Even a failed write leaves the value raw, and the deadline alone.
  Put("int", "1", Encoding::kInt, clock_.NowMs() + 5'000);
  EXPECT_EQ(DoBitfield("int", {Write(Op::Kind::kIncrBy, false, 2, 0, 10, fail)}), (Strings{"nil"}));
  EXPECT_EQ(Value("int"), "1");
  EXPECT_EQ(EncodingOf("int"), Encoding::kRaw);
  EXPECT_EQ(DeadlineOf("int"), clock_.NowMs() + 5'000);
}

TEST_F(BitmapOpsTest, BitfieldOnOtherTypes) {
  PutObject("list");
  EXPECT_TRUE(DoBitfield("list", {Get(false, 8, 0)}, OpStatus::kWrongType).empty());
  EXPECT_TRUE(DoBitfield("list", {Write(Op::Kind::kSet, false, 8, 0, 1)}, OpStatus::kWrongType).empty());
  EXPECT_EQ(Peek("list")->type(), ValueType::kList);
}

}  // namespace
}  // namespace strata::store
