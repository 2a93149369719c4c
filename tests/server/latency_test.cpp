#include <gtest/gtest.h>

#include <thread>

#include "server/command_stats.h"
#include "server/latency_histogram.h"
#include "server/latency_monitor.h"

namespace strata::server {
namespace {

TEST(LatencyHistogram, SlotsMatchRedisHdrLayout) {
  // Below 256 ns each value has its slot; above, 128 slots per power of two.
  EXPECT_EQ(HistogramSlot(1), 1u);
  EXPECT_EQ(HistogramSlot(255), 255u);
  EXPECT_EQ(SlotHighestNs(HistogramSlot(1000)), 1003);  // Redis shows 1 us as p50=1.003
  EXPECT_EQ(SlotHighestNs(HistogramSlot(1024)), 1031);
  EXPECT_EQ(SlotHighestNs(HistogramSlot(16384)), 16511);
  EXPECT_EQ(HistogramSlot(0), HistogramSlot(1));                        // clamped up
  EXPECT_EQ(HistogramSlot(5'000'000'000), HistogramSlot(kHistogramMaxNs));  // clamped down
  EXPECT_LT(HistogramSlot(kHistogramMaxNs), kHistogramSlots);
  EXPECT_EQ(SlotHighestNs(kHistogramSlots - 1), (int64_t{1} << 30) - 1);
}

TEST(LatencyHistogram, PercentilesAndBucketsAsRedisReportsThem) {
  LatencyHistogram h;
  for (int i = 0; i < 98; ++i) h.Record(11'000);  // 11 us
  h.Record(141'000);
  h.Record(2'000'000'000);  // beyond 1 s: counted at 1 s
  HistogramTotals t;
  t.Add(h);
  EXPECT_EQ(t.total, 100u);
  EXPECT_DOUBLE_EQ(t.PercentileUs(50), 11.007);
  EXPECT_DOUBLE_EQ(t.PercentileUs(99), 141.311);
  EXPECT_DOUBLE_EQ(t.PercentileUs(99.9), 1002438.655);  // 1 s's slot, 2^22 ns wide
  const std::vector<std::pair<int64_t, uint64_t>> want = {{16, 98}, {264, 99}, {1073741, 100}};
  EXPECT_EQ(t.CumulativeBuckets(), want);
  EXPECT_TRUE(HistogramTotals().CumulativeBuckets().empty());
}

TEST(LatencyHistogram, AResetEpochHidesEarlierCountsUntilTheWriterClearsThem) {
  LazyLatencyHistogram h;
  EXPECT_EQ(h.get(0), nullptr);
  h.Record(11'000, 0);
  h.Record(11'000, 0);
  ASSERT_NE(h.get(0), nullptr);
  EXPECT_EQ(h.get(0)->count(HistogramSlot(11'000)), 2u);
  // CONFIG RESETSTAT moved the epoch on: readers of epoch 1 see nothing, before any write.
  EXPECT_EQ(h.get(1), nullptr);
  h.Record(141'000, 1);
  ASSERT_NE(h.get(1), nullptr);
  EXPECT_EQ(h.get(1)->count(HistogramSlot(11'000)), 0u) << "the writer cleared epoch 0's counts";
  EXPECT_EQ(h.get(1)->count(HistogramSlot(141'000)), 1u);
  EXPECT_EQ(h.get(0), nullptr);
}

TEST(LatencyHistogram, SumsCountOnlyTheCurrentEpochOfEveryThread) {
  PerThreadSet<RequestCounters> counters;
  const auto record = [&](uint64_t epoch, int calls) {
    std::thread t([&] {
      for (int i = 0; i < calls; ++i) counters.Local().per_command[3].latency.Record(5'000, epoch);
    });
    t.join();
  };
  record(0, 4);
  record(0, 6);
  EXPECT_EQ(SumLatencyHistograms(counters, 5, 0)[3].total, 10u);
  EXPECT_EQ(SumLatencyHistograms(counters, 5, 0)[2].total, 0u);
  // After a reset nothing recorded before it counts, though those threads never ran again.
  EXPECT_EQ(SumLatencyHistograms(counters, 5, 1)[3].total, 0u);
  record(1, 3);
  EXPECT_EQ(SumLatencyHistograms(counters, 5, 1)[3].total, 3u);
}

TEST(LatencyMonitor, KeepsTheWorstSamplePerSecondAndOnlyAboveThreshold) {
  LatencyMonitor m;
  m.Add("command", 5, 100);
  m.Add("command", 9, 100);
  m.Add("command", 3, 100);
  m.Add("command", 4, 101);
  m.Add("fork", 20, 101);
  std::vector<LatencyEventSeries> events = m.Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "command");
  ASSERT_EQ(events[0].samples.size(), 2u);
  EXPECT_EQ(events[0].samples[0].ms, 9);
  EXPECT_EQ(events[0].samples[1].ms, 4);
  EXPECT_EQ(events[0].max_ms, 9);
  EXPECT_EQ(m.Reset({"COMMAND"}), 1u);
  EXPECT_EQ(m.Reset({}), 1u);
  EXPECT_TRUE(m.Events().empty());
  for (int64_t s = 1; s <= 200; ++s) m.Add("command", s, s);  // only the last 160 seconds stay
  events = m.Events();
  ASSERT_EQ(events[0].samples.size(), kLatencySamples);
  EXPECT_EQ(events[0].samples.front().unix_seconds, 41);
  EXPECT_EQ(events[0].samples.back().unix_seconds, 200);
}

}  // namespace
}  // namespace strata::server
