#include "store/ghost_table.h"

#include <gtest/gtest.h>

#include <string>

#include "common/hash.h"

namespace strata::store {
namespace {

uint64_t H(int i) { return HashKey("key:" + std::to_string(i)); }

TEST(GhostTableTest, NothingIsRecordedBeforeItIsSized) {
  GhostTable g;
  g.Add(H(1));
  EXPECT_FALSE(g.Take(H(1)));
  EXPECT_EQ(g.slots(), 0u);
  EXPECT_EQ(g.MemoryBytes(), 0u);
}

TEST(GhostTableTest, AGhostIsTakenOnce) {
  GhostTable g;
  g.Reserve(10);
  g.Add(H(1));
  EXPECT_FALSE(g.Take(H(2)));
  EXPECT_TRUE(g.Take(H(1)));
  EXPECT_FALSE(g.Take(H(1)));
}

TEST(GhostTableTest, SizeIsAPowerOfTwoWithinBoundsAndOnlyGrows) {
  GhostTable g;
  g.Reserve(3);
  EXPECT_EQ(g.slots(), GhostTable::kMinSlots);
  g.Reserve(5000);
  EXPECT_EQ(g.slots(), 8192u);
  g.Reserve(100);
  EXPECT_EQ(g.slots(), 8192u) << "never shrinks";
  g.Reserve(size_t{1} << 40);
  EXPECT_EQ(g.slots(), GhostTable::kMaxSlots);
  // Every array made is still held, so a reader never sees one freed: under twice the current.
  EXPECT_EQ(g.MemoryBytes(), (GhostTable::kMinSlots + 8192 + GhostTable::kMaxSlots) * sizeof(uint16_t));
  EXPECT_LT(g.MemoryBytes(), 2 * GhostTable::kMaxSlots * sizeof(uint16_t));
}

TEST(GhostTableTest, OldGhostsAreForgottenAsNewOnesArrive) {
  GhostTable g;
  g.Reserve(GhostTable::kMinSlots);
  for (int i = 0; i < 1000; ++i) g.Add(H(i));
  int recent = 0;
  for (int i = 0; i < 1000; ++i) recent += g.Take(H(i)) ? 1 : 0;
  // Some of the 1000 share a slot in 1024: most, not all, are remembered.
  EXPECT_GT(recent, 500);
  for (int i = 0; i < 1000; ++i) g.Add(H(i));
  for (int i = 1000; i < 1000 + 16 * 1024; ++i) g.Add(H(i));
  int old = 0;
  for (int i = 0; i < 1000; ++i) old += g.Take(H(i)) ? 1 : 0;
  EXPECT_LT(old, 10) << "16 tables' worth of newer ghosts overwrote nearly all";
}

}  // namespace
}  // namespace strata::store
