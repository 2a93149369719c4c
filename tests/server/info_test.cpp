#include "server/info.h"

#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/error_stats.h"
#include "server/memory_stats.h"
#include "server/stats.h"
#include "store/keyspace.h"

namespace strata::server {
namespace {

TEST(BytesToHuman, RedisUnits) {
  EXPECT_EQ(BytesToHuman(0), "0B");
  EXPECT_EQ(BytesToHuman(1023), "1023B");
  EXPECT_EQ(BytesToHuman(1024), "1.00K");
  EXPECT_EQ(BytesToHuman(916504), "895.02K");
  EXPECT_EQ(BytesToHuman(6569984), "6.27M");
  EXPECT_EQ(BytesToHuman(25276510208ULL), "23.54G");
  EXPECT_EQ(BytesToHuman(1024ULL * 1024 * 1024 * 1024 * 3 / 2), "1.50T");
  EXPECT_EQ(BytesToHuman(1024ULL * 1024 * 1024 * 1024 * 1024), "1.00P");
}

TEST(FormatRatio, TwoDecimalsAndZeroDivisor) {
  EXPECT_EQ(FormatRatio(6569984, 916504), "7.17");
  EXPECT_EQ(FormatRatio(1, 3), "0.33");
  EXPECT_EQ(FormatRatio(2, 3), "0.67");
  EXPECT_EQ(FormatRatio(5, 0), "0.00");
}

TEST(CommandStatLine, RedisFormat) {
  EXPECT_EQ(CommandStatLine("get", 3, 14, 1, 0),
            "cmdstat_get:calls=3,usec=14,usec_per_call=4.67,rejected_calls=1,failed_calls=0");
  EXPECT_EQ(CommandStatLine("config|get", 0, 0, 2, 0),
            "cmdstat_config|get:calls=0,usec=0,usec_per_call=0.00,rejected_calls=2,failed_calls=0");
}

TEST(PrefixStatLine, PrefixAsAValue) {
  EXPECT_EQ(PrefixStatLine(0, "user:", 3, 1, 0, 2), "prefix0:prefix=user:,hits=3,misses=1,expired=0,keys=2");
  EXPECT_EQ(PrefixStatLine(12, "s", 0, 0, 7, 0), "prefix12:prefix=s,hits=0,misses=0,expired=7,keys=0");
}

TEST(SelectInfoSections, DefaultAllAndNames) {
  const auto select = [](std::vector<std::string_view> args) { return SelectInfoSections(args); };
  const uint32_t defaults = select({});
  EXPECT_EQ(select({"default"}), defaults);
  EXPECT_EQ(defaults & kInfoCommandStats, 0u);
  EXPECT_EQ(defaults & kInfoLatencyStats, 0u);  // as Redis 7.0: only with "all" or by name
  EXPECT_NE(defaults & kInfoKeyspace, 0u);
  EXPECT_NE(defaults & kInfoModules, 0u);
  EXPECT_EQ(defaults & kInfoPrefixStats, 0u);  // like commandstats: only by name or with "all"
  const uint32_t all = defaults | kInfoCommandStats | kInfoLatencyStats | kInfoPrefixStats;
  EXPECT_EQ(select({"all"}), all);
  EXPECT_EQ(select({"EVERYTHING"}), all);
  EXPECT_EQ(select({"prefixstats"}), kInfoPrefixStats);
  EXPECT_EQ(select({"Server", "cpu"}), kInfoServer | kInfoCpu);
  EXPECT_EQ(select({"commandstats", "default"}), defaults | kInfoCommandStats);
  EXPECT_EQ(select({"nosuch"}), 0u);
}

TEST(SubtractSnapshot, FieldByFieldNeverNegative) {
  StatsSnapshot a;
  a.requests.per_command.resize(2);
  a.requests.per_command[1] = {10, 100, 2, 3};
  a.requests.commands_processed = 50;
  a.requests.net_input_bytes = 5;
  a.store.keyspace_hits = 7;
  a.store.dirty = 9;
  a.errors = {{"ERR", 4}, {"NOAUTH", 1}, {"WRONGTYPE", 2}};
  StatsSnapshot b;
  b.requests.per_command.resize(2);
  b.requests.per_command[1] = {4, 40, 2, 0};
  b.requests.commands_processed = 60;  // a reading racing its writer may lag the baseline
  b.store.keyspace_hits = 3;
  b.errors = {{"ERR", 4}, {"WRONGTYPE", 1}};

  const StatsSnapshot d = SubtractSnapshot(a, b);
  EXPECT_EQ(d.requests.per_command[1].calls, 6u);
  EXPECT_EQ(d.requests.per_command[1].usec, 60u);
  EXPECT_EQ(d.requests.per_command[1].rejected_calls, 0u);
  EXPECT_EQ(d.requests.per_command[1].failed_calls, 3u);
  EXPECT_EQ(d.requests.commands_processed, 0u);
  EXPECT_EQ(d.requests.net_input_bytes, 5u);
  EXPECT_EQ(d.store.keyspace_hits, 4u);
  EXPECT_EQ(d.store.dirty, 9u);
  // Codes whose count did not grow since the baseline disappear, as after Redis's RESETSTAT.
  EXPECT_EQ(d.errors, (std::vector<std::pair<std::string, uint64_t>>{{"NOAUTH", 1}, {"WRONGTYPE", 1}}));
}

TEST(StatsBaseline, ResetZeroesEverythingButDirty) {
  PerThreadSet<RequestCounters> requests;
  FakeClock clock;
  store::Keyspace keyspace(1, &clock);
  ErrorStats errors;
  StatsBaseline baseline(&requests, &keyspace, &errors);
  requests.Local().commands_processed.Add(5);
  requests.Local().per_command[3].calls.Add(2);
  keyspace.counters().dirty.Add(4);
  keyspace.counters().keyspace_misses.Add(1);
  errors.Count("STATSTEST something failed");
  const StatsSnapshot before = baseline.Read(8);
  EXPECT_EQ(before.requests.commands_processed, 5u);
  EXPECT_EQ(before.requests.per_command[3].calls, 2u);
  EXPECT_EQ(before.store.dirty, 4u);
  EXPECT_EQ(before.store.keyspace_misses, 1u);

  baseline.Reset(8);
  const StatsSnapshot after = baseline.Read(8);
  EXPECT_EQ(after.requests.commands_processed, 0u);
  EXPECT_EQ(after.requests.per_command[3].calls, 0u);
  EXPECT_EQ(after.store.keyspace_misses, 0u);
  EXPECT_EQ(after.store.dirty, 4u);
  EXPECT_TRUE(after.errors.empty());

  // Counters bumped by another thread after the reset show up.
  std::thread([&] {
    requests.Local().commands_processed.Add(2);
    keyspace.counters().keyspace_hits.Add(3);
    errors.Count("STATSTEST again");
  }).join();
  const StatsSnapshot later = baseline.Read(8);
  EXPECT_EQ(later.requests.commands_processed, 2u);
  EXPECT_EQ(later.store.keyspace_hits, 3u);
  EXPECT_EQ(later.errors, (std::vector<std::pair<std::string, uint64_t>>{{"STATSTEST", 1}}));
}

TEST(InstantaneousMetric, AveragesRatesOverTheLastSamples) {
  InstantaneousMetric m;
  EXPECT_EQ(m.PerSecond(), 0.0);
  m.Sample(0, 1000);
  EXPECT_EQ(m.PerSecond(), 0.0);  // one reading is no interval yet
  m.Sample(100, 1100);            // 100 in 100 ms: 1000/s
  EXPECT_DOUBLE_EQ(m.PerSecond(), 1000.0 / InstantaneousMetric::kSamples);
  for (int i = 2; i <= InstantaneousMetric::kSamples + 1; ++i) m.Sample(100 * i, 1000 + 100 * i);
  EXPECT_DOUBLE_EQ(m.PerSecond(), 1000.0);
  // Idle intervals bring the average down as they replace busy ones.
  for (int i = 0; i < InstantaneousMetric::kSamples / 2; ++i) m.Sample(1700, 3000 + 100 * i);
  EXPECT_DOUBLE_EQ(m.PerSecond(), 500.0);
  m.Reset();
  EXPECT_EQ(m.PerSecond(), 0.0);
}

TEST(MemoryPeak, KeepsTheLargest) {
  MemoryPeak peak;
  EXPECT_EQ(peak.Update(10), 10u);
  EXPECT_EQ(peak.Update(5), 10u);
  EXPECT_EQ(peak.Update(12), 12u);
  EXPECT_EQ(peak.peak(), 12u);
}

TEST(MemoryStats, FiguresAreConsistent) {
  const AllocatorFigures f = ReadAllocator();
#if !defined(__SANITIZE_ADDRESS__)
  // (AddressSanitizer replaces glibc's allocator, whose mallinfo2 then reports nothing.)
  EXPECT_GT(f.allocated, 0u);
#endif
  EXPECT_GE(f.active, f.allocated);
  EXPECT_GT(ResidentSetSize(), 0u);
  EXPECT_GT(TotalSystemMemory(), 0u);
  // The tests link without jemalloc, so glibc's figures and name are used.
  EXPECT_EQ(AllocatorName(), "libc");
  EXPECT_EQ(AllocatorReport(), "Stats not supported for the current allocator");
}

}  // namespace
}  // namespace strata::server
