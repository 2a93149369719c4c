#include "common/error_stats.h"

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace strata {
namespace {

uint64_t CountOf(const ErrorStats& stats, const std::string& code) {
  for (const auto& [c, n] : stats.Sum()) {
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

TEST(ErrorStats, SumsOverThreadsFromZero) {
  ErrorStats stats;
  EXPECT_TRUE(stats.Sum().empty());
  stats.Count("ESTATSCODE first");
  std::thread([&stats] {
    stats.Count("ESTATSCODE second");
    stats.Count("ERR third");
  }).join();
  EXPECT_EQ(stats.Sum(), (std::vector<std::pair<std::string, uint64_t>>{{"ESTATSCODE", 2}, {"ERR", 1}}));
  EXPECT_EQ(CountOf(stats, "ESTATSCODE"), 2u);
  ErrorStats other;
  EXPECT_TRUE(other.Sum().empty()) << "each instance counts on its own";
}

}  // namespace
}  // namespace strata
