#include "server/command_stats.h"

namespace strata::server {

RequestTotals SumRequestCounters(const PerThreadSet<RequestCounters>& counters, size_t command_count) {
  RequestTotals t;
  t.per_command.resize(command_count);
  counters.ForEach([&](const RequestCounters& c) {
    for (size_t i = 0; i < command_count; ++i) {
      t.per_command[i].calls += c.per_command[i].calls.Get();
      t.per_command[i].usec += c.per_command[i].usec.Get();
      t.per_command[i].rejected_calls += c.per_command[i].rejected_calls.Get();
      t.per_command[i].failed_calls += c.per_command[i].failed_calls.Get();
    }
    t.commands_processed += c.commands_processed.Get();
    t.error_replies += c.error_replies.Get();
    t.net_input_bytes += c.net_input_bytes.Get();
    t.net_output_bytes += c.net_output_bytes.Get();
    t.reads_processed += c.reads_processed.Get();
    t.writes_processed += c.writes_processed.Get();
    t.connections_received += c.connections_received.Get();
    t.rejected_connections += c.rejected_connections.Get();
    t.evicted_clients += c.evicted_clients.Get();
    t.reply_buffer_expands += c.reply_buffer_expands.Get();
    t.reply_buffer_shrinks += c.reply_buffer_shrinks.Get();
  });
  return t;
}

std::vector<HistogramTotals> SumLatencyHistograms(const PerThreadSet<RequestCounters>& counters,
                                                  size_t command_count, uint64_t epoch) {
  std::vector<HistogramTotals> out(command_count);
  counters.ForEach([&](const RequestCounters& c) {
    for (size_t i = 0; i < command_count; ++i) {
      if (const LatencyHistogram* h = c.per_command[i].latency.get(epoch)) out[i].Add(*h);
    }
  });
  return out;
}

}  // namespace strata::server
