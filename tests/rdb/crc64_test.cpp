#include "rdb/crc64.h"

#include <gtest/gtest.h>

#include <string>

namespace strata::rdb {
namespace {

TEST(Crc64Test, CheckValueOfTheJonesCrc) {
  // The check value Redis's own crc64 test uses.
  EXPECT_EQ(Crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
}

TEST(Crc64Test, EmptyInputLeavesTheCrc) {
  EXPECT_EQ(Crc64(0, "", 0), 0u);
  EXPECT_EQ(Crc64(42, "", 0), 42u);
}

TEST(Crc64Test, IncrementalEqualsWholeAtEverySplit) {
  std::string data;
  for (int i = 0; i < 100; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  const uint64_t whole = Crc64(0, data.data(), data.size());
  for (size_t split = 0; split <= data.size(); ++split) {
    EXPECT_EQ(Crc64(Crc64(0, data.data(), split), data.data() + split, data.size() - split), whole) << split;
  }
}

}  // namespace
}  // namespace strata::rdb
