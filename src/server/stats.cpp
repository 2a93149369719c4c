#include "server/stats.h"

#include <algorithm>

#include "common/error_stats.h"

namespace strata::server {
namespace {

uint64_t Minus(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

}  // namespace

StatsSnapshot SubtractSnapshot(const StatsSnapshot& a, const StatsSnapshot& b) {
  StatsSnapshot out = a;
  RequestTotals& r = out.requests;
  const RequestTotals& base = b.requests;
  for (size_t i = 0; i < r.per_command.size() && i < base.per_command.size(); ++i) {
    r.per_command[i].calls = Minus(r.per_command[i].calls, base.per_command[i].calls);
    r.per_command[i].usec = Minus(r.per_command[i].usec, base.per_command[i].usec);
    r.per_command[i].rejected_calls = Minus(r.per_command[i].rejected_calls, base.per_command[i].rejected_calls);
    r.per_command[i].failed_calls = Minus(r.per_command[i].failed_calls, base.per_command[i].failed_calls);
  }
  r.commands_processed = Minus(r.commands_processed, base.commands_processed);
  r.error_replies = Minus(r.error_replies, base.error_replies);
  r.net_input_bytes = Minus(r.net_input_bytes, base.net_input_bytes);
  r.net_output_bytes = Minus(r.net_output_bytes, base.net_output_bytes);
  r.reads_processed = Minus(r.reads_processed, base.reads_processed);
  r.writes_processed = Minus(r.writes_processed, base.writes_processed);
  r.connections_received = Minus(r.connections_received, base.connections_received);
  r.rejected_connections = Minus(r.rejected_connections, base.rejected_connections);
  r.evicted_clients = Minus(r.evicted_clients, base.evicted_clients);
  r.reply_buffer_expands = Minus(r.reply_buffer_expands, base.reply_buffer_expands);
  r.reply_buffer_shrinks = Minus(r.reply_buffer_shrinks, base.reply_buffer_shrinks);

  store::StoreCounterTotals& s = out.store;
  s.keyspace_hits = Minus(s.keyspace_hits, b.store.keyspace_hits);
  s.keyspace_misses = Minus(s.keyspace_misses, b.store.keyspace_misses);
  s.expired_keys = Minus(s.expired_keys, b.store.expired_keys);
  s.evicted_keys = Minus(s.evicted_keys, b.store.evicted_keys);
  s.dirty = Minus(s.dirty, b.store.dirty);
  s.expire_cycle_us = Minus(s.expire_cycle_us, b.store.expire_cycle_us);
  s.expire_time_cap_reached = Minus(s.expire_time_cap_reached, b.store.expire_time_cap_reached);
  s.lazyfreed_objects = Minus(s.lazyfreed_objects, b.store.lazyfreed_objects);

  // Both lists are sorted by code; a code missing from the baseline has a baseline of zero.
  std::vector<std::pair<std::string, uint64_t>> errors;
  auto base_it = b.errors.begin();
  for (const auto& [code, count] : a.errors) {
    while (base_it != b.errors.end() && base_it->first < code) ++base_it;
    const uint64_t base_count = (base_it != b.errors.end() && base_it->first == code) ? base_it->second : 0;
    if (count > base_count) errors.emplace_back(code, count - base_count);
  }
  out.errors = std::move(errors);
  return out;
}

StatsSnapshot StatsBaseline::SumAll(size_t command_count) const {
  StatsSnapshot s;
  s.requests = SumRequestCounters(*requests_, command_count);
  s.store = keyspace_->CounterTotals();
  s.errors = errors_->Sum();
  std::sort(s.errors.begin(), s.errors.end());
  return s;
}

StatsSnapshot StatsBaseline::Read(size_t command_count) const {
  const StatsSnapshot now = SumAll(command_count);
  std::lock_guard<std::mutex> lock(mu_);
  StatsSnapshot out = SubtractSnapshot(now, base_);
  out.store.dirty = now.store.dirty;
  return out;
}

void StatsBaseline::Reset(size_t command_count) {
  StatsSnapshot now = SumAll(command_count);
  std::lock_guard<std::mutex> lock(mu_);
  base_ = std::move(now);
}

void InstantaneousMetric::Sample(uint64_t value, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_) {
    const int64_t elapsed = now_ms - last_ms_;
    const uint64_t delta = value >= last_value_ ? value - last_value_ : 0;
    samples_[next_] = elapsed > 0 ? static_cast<double>(delta) * 1000.0 / static_cast<double>(elapsed) : 0.0;
    next_ = (next_ + 1) % kSamples;
  }
  started_ = true;
  last_value_ = value;
  last_ms_ = now_ms;
}

double InstantaneousMetric::PerSecond() const {
  std::lock_guard<std::mutex> lock(mu_);
  double sum = 0;
  for (double s : samples_) sum += s;
  return sum / kSamples;
}

void InstantaneousMetric::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  started_ = false;
  std::fill(std::begin(samples_), std::end(samples_), 0.0);
  next_ = 0;
}

}  // namespace strata::server
