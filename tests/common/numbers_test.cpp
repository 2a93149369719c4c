#include "common/numbers.h"

#include <cmath>

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(ParseInt64, AcceptsWhatRedisAccepts) {
  int64_t v = -1;
  EXPECT_TRUE(ParseInt64("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParseInt64("-42", &v));
  EXPECT_EQ(v, -42);
  EXPECT_TRUE(ParseInt64("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
}

TEST(ParseInt64, RejectsWhatRedisRejects) {
  int64_t v;
  for (const char* bad : {"", "-", "-0", "007", "+1", " 1", "1 ", "1.0", "9223372036854775808",
                          "-9223372036854775809", "12a", "0x10"}) {
    EXPECT_FALSE(ParseInt64(bad, &v)) << bad;
  }
}

TEST(ParseDouble, AcceptsInfinitiesRejectsNan) {
  double d;
  EXPECT_TRUE(ParseDouble("inf", &d));
  EXPECT_TRUE(std::isinf(d));
  EXPECT_TRUE(ParseDouble("-inf", &d));
  EXPECT_TRUE(ParseDouble("+inf", &d));
  EXPECT_TRUE(ParseDouble("1.5e3", &d));
  EXPECT_EQ(d, 1500.0);
  EXPECT_FALSE(ParseDouble("nan", &d));
  EXPECT_FALSE(ParseDouble(" 1", &d));
  EXPECT_FALSE(ParseDouble("1x", &d));
  EXPECT_FALSE(ParseDouble("", &d));
  EXPECT_FALSE(ParseDouble("1e400", &d));
}

TEST(ParseCursor, EmptyIsZeroSpacesAreNot) {
  uint64_t v = 7;
  EXPECT_TRUE(ParseCursor("", &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(ParseCursor("18446744073709551615", &v));
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_FALSE(ParseCursor(" 1", &v));
  EXPECT_FALSE(ParseCursor("1a", &v));
  EXPECT_FALSE(ParseCursor("18446744073709551616", &v));
}

TEST(FormatListpackDouble, WholeNumbersUpTo2To62AsIntegers) {
  char buf[kMaxDoubleChars];
  auto format = [&](double v) { return std::string(buf, FormatListpackDouble(v, buf)); };
  EXPECT_EQ(format(1148677881235767424.0), "1148677881235767424");
  EXPECT_EQ(format(4611686018427387904.0), "4611686018427387904");
  EXPECT_EQ(format(-4611686018427387904.0), "-4611686018427387904");
  EXPECT_EQ(format(4611686018427388928.0), "4.6116860184273889e+18");
  EXPECT_EQ(format(-0.0), "0");
  EXPECT_EQ(format(0.1), "0.10000000000000001");
  EXPECT_EQ(format(1e300), "1.0000000000000001e+300");
  EXPECT_EQ(format(INFINITY), "inf");
  EXPECT_EQ(format(-INFINITY), "-inf");
}

TEST(FormatDouble, SeventeenSignificantDigits) {
  char buf[kMaxDoubleChars];
  EXPECT_EQ(std::string(buf, FormatDouble(1.1, buf)), "1.1000000000000001");
  EXPECT_EQ(std::string(buf, FormatDouble(3, buf)), "3");
  EXPECT_EQ(std::string(buf, FormatDouble(-INFINITY, buf)), "-inf");
}

TEST(FormatLongDoubleHuman, TrimsZerosAndMinusZero) {
  EXPECT_EQ(FormatLongDoubleHuman(1.5L), "1.5");
  EXPECT_EQ(FormatLongDoubleHuman(10.0L), "10");
  EXPECT_EQ(FormatLongDoubleHuman(-0.0L), "0");
  EXPECT_EQ(FormatLongDoubleHuman(0.1L + 1.5L), "1.6");
}

TEST(FormatInt64, Extremes) {
  char buf[kMaxInt64Chars];
  EXPECT_EQ(std::string(buf, FormatInt64(INT64_MIN, buf)), "-9223372036854775808");
  EXPECT_EQ(std::string(buf, FormatInt64(0, buf)), "0");
}

}  // namespace
}  // namespace strata
