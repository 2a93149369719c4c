#include "common/alloc_counter.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace strata {
namespace {

TEST(AllocCounterTest, ResyncSetsTheFigure) {
  ResyncAllocated(123'456'789);
  const size_t now = AllocatedBytes();
  // Exact up to what this thread allocated since (less than one fold step).
  EXPECT_GE(now + static_cast<size_t>(kFoldStep), 123'456'789u);
  EXPECT_LE(now, 123'456'789u + static_cast<size_t>(kFoldStep));
}

TEST(AllocCounterTest, FollowsThisThreadsAllocationsBetweenResyncs) {
  ResyncAllocated(100'000'000);
  const size_t before = AllocatedBytes();
  constexpr size_t kBlock = 8 << 20;
  auto block = std::make_unique<char[]>(kBlock);
  std::memset(block.get(), 1, kBlock);
  const size_t during = AllocatedBytes();
  block.reset();
  const size_t after = AllocatedBytes();
  if (HaveThreadAllocCounters()) {
    EXPECT_GE(during, before + kBlock);
    EXPECT_LE(after, before + static_cast<size_t>(kFoldStep));
  } else {
    // Without jemalloc the figure moves only at the next Resync (the cron's sample).
    EXPECT_EQ(during, before);
    EXPECT_EQ(after, before);
  }
}

}  // namespace
}  // namespace strata
