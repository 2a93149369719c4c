#include "common/error_stats.h"

#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace strata {
namespace {

uint64_t CountOf(const std::string& code) {
  for (const auto& [c, n] : SumErrorCounts()) {
    if (c == code) return n;
  }
  return 0;
}

TEST(ErrorCode, WordBeforeTheFirstSpaceAsRedisTakesIt) {
  EXPECT_EQ(ErrorCode("ERR syntax error"), "ERR");
  EXPECT_EQ(ErrorCode("WRONGTYPE Operation against a key holding the wrong kind of value"), "WRONGTYPE");
  EXPECT_EQ(ErrorCode("NOAUTH Authentication required."), "NOAUTH");
  // No space among the first 32 bytes: counted as ERR.
  EXPECT_EQ(ErrorCode("NOSPACEATALL"), "ERR");
  EXPECT_EQ(ErrorCode(std::string(40, 'X') + " late space"), "ERR");
  EXPECT_EQ(ErrorCode(std::string(31, 'Y') + " x"), std::string(31, 'Y'));
}

TEST(CountErrorReply, SumsOverThreads) {
  const uint64_t before = CountOf("ESTATSCODE");
  CountErrorReply("ESTATSCODE first");
  std::thread([] {
    CountErrorReply("ESTATSCODE second");
    CountErrorReply("ESTATSCODE third");
  }).join();
  EXPECT_EQ(CountOf("ESTATSCODE"), before + 3);
}

}  // namespace
}  // namespace strata
