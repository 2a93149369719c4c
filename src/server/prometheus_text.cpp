#include "server/prometheus_text.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "server/info.h"
#include "store/stripe_bytes.h"
#include "server/server.h"

namespace strata::server {

void PrometheusWriter::Family(std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(*out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void PrometheusWriter::Sample(std::string_view name, double value) {
  out_->append(name);
  Value(value);
}

void PrometheusWriter::Sample(std::string_view name, std::initializer_list<Label> labels, double value) {
  out_->append(name);
  char separator = '{';
  for (const Label& label : labels) {
    out_->push_back(separator);
    separator = ',';
    out_->append(label.name);
    out_->append("=\"");
    for (const char c : label.value) {
      switch (c) {
        case '\\': out_->append("\\\\"); break;
        case '"': out_->append("\\\""); break;
        case '\n': out_->append("\\n"); break;
        default: out_->push_back(c);
      }
    }
    out_->push_back('"');
  }
  out_->push_back('}');
  Value(value);
}

void PrometheusWriter::Value(double value) {
  // Integers (every counter) print without an exponent or a fraction.
  if (std::fabs(value) < 1e15 && value == std::floor(value)) {
    fmt::format_to(std::back_inserter(*out_), " {}\n", static_cast<int64_t>(value));
  } else {
    fmt::format_to(std::back_inserter(*out_), " {}\n", value);
  }
}

namespace {

void AddServerMetrics(Server& server, const StatsSnapshot& stats, PrometheusWriter& w) {
  const RequestTotals& r = stats.requests;
  const store::StoreCounterTotals& k = stats.store;
  w.Single("redis_up", "gauge", "Whether the server answers.", 1);
  w.Single("redis_uptime_in_seconds", "gauge", "Seconds since the server started.",
           static_cast<double>(UptimeSeconds(server)));
  w.Single("redis_connected_clients", "gauge", "Client connections open.",
           static_cast<double>(server.connected_clients()));
  w.Single("redis_blocked_clients", "gauge", "Clients waiting in a blocking command or held by CLIENT PAUSE.",
           static_cast<double>(server.blocked_clients()));
  const MemoryOverview m = CollectMemoryOverview(server);
  w.Single("redis_memory_used_bytes", "gauge", "Bytes allocated (INFO used_memory).", static_cast<double>(m.used));
  w.Single("redis_memory_used_rss_bytes", "gauge", "Resident set size (INFO used_memory_rss).",
           static_cast<double>(m.rss));
  w.Single("redis_memory_max_bytes", "gauge", "The maxmemory limit (0: none).",
           static_cast<double>(server.config().Int(ConfigId::kMaxMemory)));
  w.Single("redis_keyspace_hits_total", "counter", "Lookups that found their key.",
           static_cast<double>(k.keyspace_hits));
  w.Single("redis_keyspace_misses_total", "counter", "Lookups that did not find their key.",
           static_cast<double>(k.keyspace_misses));
  w.Single("redis_evicted_keys_total", "counter", "Keys evicted for memory.", static_cast<double>(k.evicted_keys));
  w.Single("redis_expired_keys_total", "counter", "Keys removed because their TTL passed.",
           static_cast<double>(k.expired_keys));
  w.Single("redis_commands_processed_total", "counter", "Commands run.", static_cast<double>(r.commands_processed));
  w.Single("redis_connections_received_total", "counter", "Connections accepted.",
           static_cast<double>(r.connections_received));
  w.Single("redis_net_input_bytes_total", "counter", "Bytes read from clients.",
           static_cast<double>(r.net_input_bytes));
  w.Single("redis_net_output_bytes_total", "counter", "Bytes written to clients.",
           static_cast<double>(r.net_output_bytes));
}

void AddCommandMetrics(Server& server, const StatsSnapshot& stats, PrometheusWriter& w) {
  const CommandTable& table = server.commands();
  const size_t count = std::min(table.size(), stats.requests.per_command.size());
  w.Family("redis_commands_total", "counter", "Calls per command (INFO commandstats calls).");
  for (size_t id = 0; id < count; ++id) {
    const CommandTotals& t = stats.requests.per_command[id];
    if (t.calls != 0) w.Sample("redis_commands_total", "cmd", table.at(static_cast<int>(id)).name, static_cast<double>(t.calls));
  }
  w.Family("redis_commands_duration_seconds_total", "counter", "Seconds spent per command (INFO commandstats usec).");
  for (size_t id = 0; id < count; ++id) {
    const CommandTotals& t = stats.requests.per_command[id];
    if (t.calls != 0) {
      w.Sample("redis_commands_duration_seconds_total", "cmd", table.at(static_cast<int>(id)).name,
               static_cast<double>(t.usec) / 1e6);
    }
  }
}

void AddPersistenceMetrics(Server& server, PrometheusWriter& w) {
  const PersistenceInfo p = server.persistence().Info();
  w.Single("redis_rdb_last_bgsave_status", "gauge", "1 if the last background save succeeded.",
           p.last_bgsave_ok ? 1 : 0);
  w.Single("redis_rdb_last_save_timestamp_seconds", "gauge", "Unix time of the last successful save.",
           static_cast<double>(p.last_save_s));
  w.Single("redis_rdb_changes_since_last_save", "gauge", "Writes since the last successful save.",
           static_cast<double>(p.changes_since_last_save));
  w.Single("redis_loading_dump_file", "gauge", "1 while the dump is being loaded at start-up.", p.loading ? 1 : 0);
}

// Per database (as INFO keyspace, non-empty ones only) and per stripe (summed over databases).
void AddKeyspaceMetrics(Server& server, PrometheusWriter& w) {
  store::Keyspace& ks = server.keyspace();
  // The loader fills the tables without their locks: nothing is shown until it is done.
  const int databases = server.persistence().loading() ? 0 : ks.databases();
  w.Family("redis_db_keys", "gauge", "Keys per database.");
  for (int db = 0; db < databases; ++db) {
    const size_t keys = ks.DbSize(db);
    if (keys != 0) w.Sample("redis_db_keys", "db", fmt::format("db{}", db), static_cast<double>(keys));
  }
  w.Family("redis_db_keys_expiring", "gauge", "Keys with a TTL per database.");
  for (int db = 0; db < databases; ++db) {
    if (ks.DbSize(db) != 0) {
      w.Sample("redis_db_keys_expiring", "db", fmt::format("db{}", db), static_cast<double>(ks.VolatileCount(db)));
    }
  }
  std::vector<size_t> per_stripe(store::kStripes, 0);
  for (int db = 0; db < databases; ++db) {
    for (size_t i = 0; i < store::kStripes; ++i) per_stripe[i] += ks.stripe(db, i).table.size();
  }
  w.Family("strata_stripe_keys", "gauge", "Keys per keyspace stripe, over all databases.");
  size_t total = 0;
  size_t most = 0;
  for (size_t i = 0; i < store::kStripes; ++i) {
    w.Sample("strata_stripe_keys", "stripe", fmt::format("{}", i), static_cast<double>(per_stripe[i]));
    total += per_stripe[i];
    most = std::max(most, per_stripe[i]);
  }
  w.Family("strata_stripe_memory_bytes", "gauge",
           "Bytes of the entries per keyspace stripe, over all databases (collection bodies not included).");
  for (size_t i = 0; i < store::kStripes; ++i) {
    w.Sample("strata_stripe_memory_bytes", "stripe", fmt::format("{}", i),
             static_cast<double>(store::StripeEntryBytes(i)));
  }
  // 1 is a perfectly even spread; a hot stripe (one lock every writer of its keys waits on)
  // shows as a large ratio. An empty keyspace counts as even.
  const double mean = static_cast<double>(total) / static_cast<double>(store::kStripes);
  w.Single("strata_stripe_imbalance", "gauge", "Keys in the fullest stripe over the mean per stripe.",
           total == 0 ? 1.0 : static_cast<double>(most) / mean);
}

// Per configured prefix (stats-prefixes; no samples while it is empty): lookups, expiries, and
// keys per database (databases holding none of the prefix's keys left out, as redis_db_keys).
void AddPrefixMetrics(Server& server, PrometheusWriter& w) {
  const std::vector<store::PrefixFigures> figures = server.keyspace().PrefixStatistics();
  w.Family("strata_prefix_hits_total", "counter", "Lookups that found a key of the prefix.");
  for (const store::PrefixFigures& f : figures) {
    w.Sample("strata_prefix_hits_total", "prefix", f.prefix, static_cast<double>(f.hits));
  }
  w.Family("strata_prefix_misses_total", "counter", "Lookups of a key of the prefix that found none.");
  for (const store::PrefixFigures& f : figures) {
    w.Sample("strata_prefix_misses_total", "prefix", f.prefix, static_cast<double>(f.misses));
  }
  w.Family("strata_prefix_expired_keys_total", "counter", "Keys of the prefix removed because they expired.");
  for (const store::PrefixFigures& f : figures) {
    w.Sample("strata_prefix_expired_keys_total", "prefix", f.prefix, static_cast<double>(f.expired));
  }
  w.Family("strata_prefix_keys", "gauge", "Keys of the prefix per database.");
  for (const store::PrefixFigures& f : figures) {
    for (size_t db = 0; db < f.keys.size(); ++db) {
      if (f.keys[db] == 0) continue;
      w.Sample("strata_prefix_keys", {{"db", fmt::format("db{}", db)}, {"prefix", f.prefix}},
               static_cast<double>(f.keys[db]));
    }
  }
}

}  // namespace

std::string RenderPrometheusMetrics(Server& server) {
  std::string out;
  out.reserve(64 * 1024);
  PrometheusWriter w(&out);
  const StatsSnapshot stats = server.ReadStats();
  AddServerMetrics(server, stats, w);
  AddCommandMetrics(server, stats, w);
  AddPersistenceMetrics(server, w);
  AddKeyspaceMetrics(server, w);
  AddPrefixMetrics(server, w);
  return out;
}

}  // namespace strata::server
