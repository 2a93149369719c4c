// Per-command and server-wide request statistics, kept per thread (PerThread) and merged when
// INFO asks.
#ifndef STRATA_SERVER_COMMAND_STATS_H_
#define STRATA_SERVER_COMMAND_STATS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/per_thread.h"
#include "server/latency_histogram.h"

namespace strata::server {

// Command ids are below this (the table refuses more).
inline constexpr size_t kMaxCommandIds = 1024;

struct CommandCounters {
  Counter calls;
  Counter usec;
  Counter rejected_calls;  // refused before running: arity, authentication
  Counter failed_calls;    // ran and replied with an error
  LazyLatencyHistogram latency;  // while latency-tracking is on
};

struct RequestCounters {
  CommandCounters per_command[kMaxCommandIds];
  Counter commands_processed;
  Counter error_replies;
  Counter net_input_bytes;
  Counter net_output_bytes;
  Counter reads_processed;   // reads that returned bytes
  Counter writes_processed;  // flushes that had a reply to send
  Counter connections_received;
  Counter rejected_connections;
  Counter evicted_clients;  // closed by maxmemory-clients
  Counter reply_buffer_expands;  // a connection's reply buffers grew (Connection::PublishBufferSizes)
  Counter reply_buffer_shrinks;  // ... or gave memory back
};

// Totals across threads.
struct CommandTotals {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
};
struct RequestTotals {
  std::vector<CommandTotals> per_command;  // indexed by command id
  uint64_t commands_processed = 0;
  uint64_t error_replies = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;
  uint64_t reads_processed = 0;
  uint64_t writes_processed = 0;
  uint64_t connections_received = 0;
  uint64_t rejected_connections = 0;
  uint64_t evicted_clients = 0;
  uint64_t reply_buffer_expands = 0;
  uint64_t reply_buffer_shrinks = 0;
};

// Sums every thread's counters in `counters` for the first `command_count` command ids.
RequestTotals SumRequestCounters(const PerThreadSet<RequestCounters>& counters, size_t command_count);

// Every thread's latency histograms in `counters` summed, for the first `command_count` command
// ids, counting only what was recorded in reset epoch `epoch` (an empty HistogramTotals for a
// command no thread recorded in it).
std::vector<HistogramTotals> SumLatencyHistograms(const PerThreadSet<RequestCounters>& counters,
                                                  size_t command_count, uint64_t epoch);

}  // namespace strata::server

#endif  // STRATA_SERVER_COMMAND_STATS_H_
