#include "server/info.h"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>

#include <fmt/format.h>

#include "common/hash.h"
#include "common/numbers.h"
#include "server/io_thread.h"
#include "server/server.h"
#include "store/lock_set.h"

namespace strata::server {
namespace {

constexpr uint32_t kDefaultSections = kInfoServer | kInfoClients | kInfoMemory | kInfoPersistence | kInfoStats |
                                      kInfoReplication | kInfoCpu | kInfoModules | kInfoErrorStats | kInfoCluster |
                                      kInfoKeyspace;
constexpr uint32_t kAllSections = kDefaultSections | kInfoCommandStats | kInfoLatencyStats | kInfoPrefixStats;

struct SectionName {
  std::string_view name;
  InfoSection section;
};
constexpr SectionName kSectionNames[] = {
    {"server", kInfoServer},           {"clients", kInfoClients},           {"memory", kInfoMemory},
    {"persistence", kInfoPersistence}, {"stats", kInfoStats},               {"replication", kInfoReplication},
    {"cpu", kInfoCpu},                 {"modules", kInfoModules},           {"commandstats", kInfoCommandStats},
    {"errorstats", kInfoErrorStats},   {"latencystats", kInfoLatencyStats}, {"cluster", kInfoCluster},
    {"keyspace", kInfoKeyspace},       {"prefixstats", kInfoPrefixStats},
};

// How many TTL-bearing keys the avg_ttl estimate looks at, and how many stripes it may visit
// looking for them.
constexpr size_t kTtlSamples = 32;
constexpr size_t kTtlStripeVisits = 16;

// Appends "name:value\r\n".
class Section {
 public:
  Section(std::string* out, std::string_view title) : out_(out) {
    out_->append("# ");
    out_->append(title);
    out_->append("\r\n");
  }
  template <typename T>
  void Field(std::string_view name, const T& value) {
    fmt::format_to(std::back_inserter(*out_), "{}:{}\r\n", name, value);
  }
  void Line(std::string_view line) {
    out_->append(line);
    out_->append("\r\n");
  }

 private:
  std::string* out_;
};

std::string OsName() {
  utsname u{};
  if (uname(&u) != 0) return "Linux";
  return fmt::format("{} {} {}", u.sysname, u.release, u.machine);
}

std::string CompilerVersion() {
#if defined(__GNUC__)
  return fmt::format("{}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  return "0.0.0";
#endif
}

// A stable id for this build, as Redis's redis_build_id identifies its build.
std::string BuildId() {
  return fmt::format("{:016x}", HashStable(std::string("strata-") + STRATA_VERSION + "-" + CompilerVersion()));
}

// "seconds.micros", as Redis prints CPU times.
std::string MicrosAsSeconds(int64_t us) { return fmt::format("{}.{:06}", us / 1'000'000, us % 1'000'000); }

std::string TimevalSeconds(const timeval& tv) { return MicrosAsSeconds(int64_t{tv.tv_sec} * 1'000'000 + tv.tv_usec); }

void AddServer(Server& server, std::string* out) {
  Section s(out, "Server");
  const int64_t now_us = server.clock().NowUs();
  const int64_t uptime_s = UptimeSeconds(server);
  s.Field("redis_version", "7.0.15");
  s.Field("strata_version", STRATA_VERSION);
  s.Field("redis_git_sha1", "00000000");
  s.Field("redis_git_dirty", 0);
  s.Field("redis_build_id", BuildId());
  s.Field("redis_mode", "standalone");
  s.Field("os", OsName());
  s.Field("arch_bits", sizeof(void*) * 8);
  s.Field("monotonic_clock", "POSIX clock_gettime");
  s.Field("multiplexing_api", "epoll");
  s.Field("atomicvar_api", "c11-builtin");
  s.Field("gcc_version", CompilerVersion());
  s.Field("process_id", getpid());
  s.Field("process_supervised", "no");
  s.Field("run_id", server.run_id());
  s.Field("tcp_port", server.port());
  s.Field("server_time_usec", now_us);
  s.Field("uptime_in_seconds", uptime_s);
  s.Field("uptime_in_days", uptime_s / 86400);
  s.Field("hz", server.config().Int(ConfigId::kHz));
  s.Field("configured_hz", server.config().Int(ConfigId::kHz));
  // Redis's LRU clock is 24 bits of seconds.
  s.Field("lru_clock", server.keyspace().lru_clock() & 0xFFFFFF);
  s.Field("executable", server.launch().executable);
  s.Field("config_file", server.launch().config_file);
  s.Field("io_threads_active", server.io_thread_count() > 1 ? 1 : 0);
  s.Field("strata_io_threads", server.io_thread_count());
}

void AddClients(Server& server, std::string* out) {
  size_t max_input = 0;
  size_t max_output = 0;
  server.ForEachClient([&](const Client& c) {
    max_input = std::max(max_input, c.buffers().query.load(std::memory_order_relaxed));
    max_output = std::max(max_output, c.buffers().reply.load(std::memory_order_relaxed));
  });
  std::string per_thread;
  for (size_t n : server.ClientsPerThread()) {
    if (!per_thread.empty()) per_thread += ',';
    per_thread += std::to_string(n);
  }
  Section s(out, "Clients");
  s.Field("connected_clients", server.connected_clients());
  s.Field("cluster_connections", 0);
  s.Field("maxclients", server.config().Int(ConfigId::kMaxClients));
  s.Field("client_recent_max_input_buffer", max_input);
  s.Field("client_recent_max_output_buffer", max_output);
  s.Field("blocked_clients", server.blocked_clients());
  s.Field("tracking_clients", 0);
  s.Field("clients_in_timeout_table", server.blocking().timed_clients());
  s.Field("strata_clients_per_io_thread", per_thread);
}

void AddMemory(Server& server, const StatsSnapshot& stats, std::string* out) {
  const MemoryOverview m = CollectMemoryOverview(server);
  const auto ratio = [](size_t a, size_t b) { return FormatRatio(static_cast<double>(a), static_cast<double>(b)); };
  const auto diff = [](size_t a, size_t b) { return static_cast<int64_t>(a) - static_cast<int64_t>(b); };
  const size_t net = m.used > m.startup ? m.used - m.startup : 1;
  Section s(out, "Memory");
  s.Field("used_memory", m.used);
  s.Field("used_memory_human", BytesToHuman(m.used));
  s.Field("used_memory_rss", m.rss);
  s.Field("used_memory_rss_human", BytesToHuman(m.rss));
  s.Field("used_memory_peak", m.peak);
  s.Field("used_memory_peak_human", BytesToHuman(m.peak));
  s.Field("used_memory_peak_perc", ratio(m.used * 100, m.peak) + "%");
  s.Field("used_memory_overhead", m.overhead);
  s.Field("used_memory_startup", m.startup);
  s.Field("used_memory_dataset", m.dataset);
  s.Field("used_memory_dataset_perc", ratio(m.dataset * 100, net) + "%");
  s.Field("allocator_allocated", m.allocator.allocated);
  s.Field("allocator_active", m.allocator.active);
  s.Field("allocator_resident", m.allocator.resident);
  s.Field("total_system_memory", m.total_system);
  s.Field("total_system_memory_human", BytesToHuman(m.total_system));
  // The Lua states are per io-thread and not measured (0); the cached scripts and the function
  // libraries are counted as their text.
  const size_t eval_bytes = server.scripts().body_bytes();
  const size_t function_bytes = server.functions().code_bytes();
  const size_t scripts_bytes = eval_bytes + function_bytes;
  s.Field("used_memory_lua", 0);
  s.Field("used_memory_vm_eval", 0);
  s.Field("used_memory_lua_human", BytesToHuman(0));
  s.Field("used_memory_scripts_eval", eval_bytes);
  s.Field("number_of_cached_scripts", server.scripts().size());
  s.Field("number_of_functions", server.functions().function_count());
  s.Field("number_of_libraries", server.functions().library_count());
  s.Field("used_memory_vm_functions", 0);
  s.Field("used_memory_vm_total", 0);
  s.Field("used_memory_vm_total_human", BytesToHuman(0));
  s.Field("used_memory_functions", function_bytes);
  s.Field("used_memory_scripts", scripts_bytes);
  s.Field("used_memory_scripts_human", BytesToHuman(scripts_bytes));
  const auto maxmemory = static_cast<uint64_t>(server.config().Int(ConfigId::kMaxMemory));
  s.Field("maxmemory", maxmemory);
  s.Field("maxmemory_human", BytesToHuman(maxmemory));
  const std::string_view policy_name[] = {"maxmemory-policy"};
  s.Field("maxmemory_policy", server.config().Get(policy_name).at(0).second);
  s.Field("allocator_frag_ratio", ratio(m.allocator.active, m.allocator.allocated));
  s.Field("allocator_frag_bytes", diff(m.allocator.active, m.allocator.allocated));
  s.Field("allocator_rss_ratio", ratio(m.allocator.resident, m.allocator.active));
  s.Field("allocator_rss_bytes", diff(m.allocator.resident, m.allocator.active));
  s.Field("rss_overhead_ratio", ratio(m.rss, m.allocator.resident));
  s.Field("rss_overhead_bytes", diff(m.rss, m.allocator.resident));
  s.Field("mem_fragmentation_ratio", ratio(m.rss, m.used));
  s.Field("mem_fragmentation_bytes", diff(m.rss, m.used));
  s.Field("mem_not_counted_for_evict", 0);
  s.Field("mem_replication_backlog", 0);
  s.Field("mem_total_replication_buffers", 0);
  s.Field("mem_clients_slaves", 0);
  s.Field("mem_clients_normal", m.clients_normal);
  s.Field("mem_cluster_links", 0);
  s.Field("mem_aof_buffer", 0);
  s.Field("mem_allocator", AllocatorName());
  s.Field("active_defrag_running", 0);
  s.Field("lazyfree_pending_objects", server.keyspace().PendingLazyFree());
  s.Field("lazyfreed_objects", stats.store.lazyfreed_objects);
}

void AddPersistence(Server& server, std::string* out) {
  const PersistenceInfo p = server.persistence().Info();
  Section s(out, "Persistence");
  s.Field("loading", p.loading ? 1 : 0);
  s.Field("async_loading", 0);
  // The child's copy-on-write is known only once it ends (rdb_last_cow_size).
  s.Field("current_cow_peak", 0);
  s.Field("current_cow_size", 0);
  s.Field("current_cow_size_age", 0);
  s.Field("current_fork_perc", "0.00");
  s.Field("current_save_keys_processed", 0);
  s.Field("current_save_keys_total", 0);
  if (p.loading) {
    const int64_t now_s = server.clock().NowMs() / 1000;
    const double perc = p.loading_total_bytes == 0
                            ? 0.0
                            : 100.0 * static_cast<double>(p.loading_loaded_bytes) /
                                  static_cast<double>(p.loading_total_bytes);
    s.Field("loading_start_time", p.loading_start_s);
    s.Field("loading_total_bytes", p.loading_total_bytes);
    s.Field("loading_rdb_used_mem", 0);
    s.Field("loading_loaded_bytes", p.loading_loaded_bytes);
    s.Field("loading_loaded_perc", fmt::format("{:.2f}", perc));
    s.Field("loading_eta_seconds", perc > 0 ? static_cast<int64_t>(static_cast<double>(now_s - p.loading_start_s) *
                                                                  (100.0 - perc) / perc)
                                            : 1);
  }
  s.Field("rdb_changes_since_last_save", p.changes_since_last_save);
  s.Field("rdb_bgsave_in_progress", p.bgsave_in_progress ? 1 : 0);
  s.Field("rdb_last_save_time", p.last_save_s);
  s.Field("rdb_last_bgsave_status", p.last_bgsave_ok ? "ok" : "err");
  s.Field("rdb_last_bgsave_time_sec", p.last_bgsave_time_sec);
  s.Field("rdb_current_bgsave_time_sec", p.current_bgsave_time_sec);
  s.Field("rdb_saves", p.saves);
  s.Field("rdb_last_cow_size", p.last_cow_bytes);
  s.Field("rdb_last_load_keys_expired", p.last_load_keys_expired);
  s.Field("rdb_last_load_keys_loaded", p.last_load_keys_loaded);
  s.Field("aof_enabled", 0);
  s.Field("aof_rewrite_in_progress", 0);
  s.Field("aof_rewrite_scheduled", 0);
  s.Field("aof_last_rewrite_time_sec", -1);
  s.Field("aof_current_rewrite_time_sec", -1);
  s.Field("aof_last_bgrewrite_status", "ok");
  s.Field("aof_rewrites", 0);
  s.Field("aof_rewrites_consecutive_failures", 0);
  s.Field("aof_last_write_status", "ok");
  s.Field("aof_last_cow_size", 0);
  s.Field("module_fork_in_progress", 0);
  s.Field("module_fork_last_cow_size", 0);
}

void AddStats(Server& server, const StatsSnapshot& stats, std::string* out) {
  const RequestTotals& r = stats.requests;
  const store::StoreCounterTotals& k = stats.store;
  const auto kbps = [](double bytes_per_sec) { return fmt::format("{:.2f}", bytes_per_sec / 1024); };
  Section s(out, "Stats");
  s.Field("total_connections_received", r.connections_received);
  s.Field("total_commands_processed", r.commands_processed);
  s.Field("instantaneous_ops_per_sec", static_cast<int64_t>(server.ops_per_sec()));
  s.Field("total_net_input_bytes", r.net_input_bytes);
  s.Field("total_net_output_bytes", r.net_output_bytes);
  s.Field("total_net_repl_input_bytes", 0);
  s.Field("total_net_repl_output_bytes", 0);
  s.Field("instantaneous_input_kbps", kbps(server.input_bytes_per_sec()));
  s.Field("instantaneous_output_kbps", kbps(server.output_bytes_per_sec()));
  s.Field("instantaneous_input_repl_kbps", "0.00");
  s.Field("instantaneous_output_repl_kbps", "0.00");
  s.Field("rejected_connections", r.rejected_connections);
  s.Field("sync_full", 0);
  s.Field("sync_partial_ok", 0);
  s.Field("sync_partial_err", 0);
  s.Field("expired_keys", k.expired_keys);
  s.Field("expired_stale_perc", fmt::format("{:.2f}", server.keyspace().ExpiredStaleRatio() * 100));
  s.Field("expired_time_cap_reached_count", k.expire_time_cap_reached);
  s.Field("expire_cycle_cpu_milliseconds", k.expire_cycle_us / 1000);
  s.Field("evicted_keys", k.evicted_keys);
  s.Field("evicted_clients", r.evicted_clients);
  const int64_t now_us = MonotonicUs();
  s.Field("total_eviction_exceeded_time", server.eviction_exceeded().total_ms(now_us));
  s.Field("current_eviction_exceeded_time", server.eviction_exceeded().current_ms(now_us));
  s.Field("keyspace_hits", k.keyspace_hits);
  s.Field("keyspace_misses", k.keyspace_misses);
  s.Field("pubsub_channels", server.pubsub().NameCount(SubscriptionKind::kChannel));
  s.Field("pubsub_patterns", server.pubsub().NameCount(SubscriptionKind::kPattern));
  s.Field("pubsubshard_channels", server.pubsub().NameCount(SubscriptionKind::kShard));
  const PersistenceInfo p = server.persistence().Info();
  s.Field("latest_fork_usec", p.latest_fork_usec);
  s.Field("total_forks", p.total_forks);
  s.Field("migrate_cached_sockets", 0);
  s.Field("slave_expires_tracked_keys", 0);
  s.Field("active_defrag_hits", 0);
  s.Field("active_defrag_misses", 0);
  s.Field("active_defrag_key_hits", 0);
  s.Field("active_defrag_key_misses", 0);
  s.Field("total_active_defrag_time", 0);
  s.Field("current_active_defrag_time", 0);
  s.Field("tracking_total_keys", 0);
  s.Field("tracking_total_items", 0);
  s.Field("tracking_total_prefixes", 0);
  s.Field("unexpected_error_replies", 0);
  s.Field("total_error_replies", r.error_replies);
  s.Field("dump_payload_sanitizations", 0);
  s.Field("total_reads_processed", r.reads_processed);
  s.Field("total_writes_processed", r.writes_processed);
  // Redis counts here what its io-threads did beside the main thread; with more than one
  // io-thread every Strata read and write is such work, with one it is the main thread's own.
  const bool threaded = server.io_thread_count() > 1;
  s.Field("io_threaded_reads_processed", threaded ? r.reads_processed : 0);
  s.Field("io_threaded_writes_processed", threaded ? r.writes_processed : 0);
  // Where Redis 7.0 lists them; Connection::PublishBufferSizes says what Strata counts.
  s.Field("reply_buffer_shrinks", r.reply_buffer_shrinks);
  s.Field("reply_buffer_expands", r.reply_buffer_expands);
  // Redis 7.2's refusal counters (7.0 has none).
  const AclDeniedCounts denied = server.acl_log().denied();
  s.Field("acl_access_denied_auth", denied.auth);
  s.Field("acl_access_denied_cmd", denied.command);
  s.Field("acl_access_denied_key", denied.key);
  s.Field("acl_access_denied_channel", denied.channel);
}

void AddReplication(Server& server, std::string* out) {
  Section s(out, "Replication");
  s.Field("role", "master");
  s.Field("connected_slaves", 0);
  s.Field("master_failover_state", "no-failover");
  s.Field("master_replid", server.master_replid());
  s.Field("master_replid2", std::string(40, '0'));
  s.Field("master_repl_offset", 0);
  s.Field("second_repl_offset", -1);
  s.Field("repl_backlog_active", 0);
  s.Field("repl_backlog_size", 1048576);
  s.Field("repl_backlog_first_byte_offset", 0);
  s.Field("repl_backlog_histlen", 0);
}

void AddCpu(Server& server, std::string* out) {
  rusage self{};
  rusage children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  Section s(out, "CPU");
  s.Field("used_cpu_sys", TimevalSeconds(self.ru_stime));
  s.Field("used_cpu_user", TimevalSeconds(self.ru_utime));
  s.Field("used_cpu_sys_children", TimevalSeconds(children.ru_stime));
  s.Field("used_cpu_user_children", TimevalSeconds(children.ru_utime));
  // Redis's main thread runs the event loop, the commands and the cron. Strata's nearest is
  // io-thread 0: it accepts connections, serves its share of them and runs the keyspace's cron
  // (the LRU clock, its share of active expiry, eviction). Its getrusage(RUSAGE_THREAD), read by
  // its own cron (fresh when this INFO runs on it).
  const ThreadCpuUsage main = server.io_thread(0).cpu_usage();
  s.Field("used_cpu_sys_main_thread", MicrosAsSeconds(main.sys_us));
  s.Field("used_cpu_user_main_thread", MicrosAsSeconds(main.user_us));
}

void AddCommandStats(Server& server, const StatsSnapshot& stats, std::string* out) {
  Section s(out, "Commandstats");
  const CommandTable& table = server.commands();
  for (size_t id = 0; id < table.size() && id < stats.requests.per_command.size(); ++id) {
    const CommandTotals& t = stats.requests.per_command[id];
    if (t.calls == 0 && t.failed_calls == 0 && t.rejected_calls == 0) continue;
    s.Line(CommandStatLine(table.at(static_cast<int>(id)).name, t.calls, t.usec, t.rejected_calls, t.failed_calls));
  }
}

void AddErrorStats(const StatsSnapshot& stats, std::string* out) {
  Section s(out, "Errorstats");
  for (const auto& [code, count] : stats.errors) s.Line(fmt::format("errorstat_{}:count={}", code, count));
}

// Each command's latency percentiles, in microseconds, while latency-tracking is on.
void AddLatencyStats(Server& server, std::string* out) {
  Section s(out, "Latencystats");
  if (server.config().Int(ConfigId::kLatencyTracking) == 0) return;
  const std::vector<double> percentiles = server.config().LatencyPercentiles();
  const std::vector<HistogramTotals> histograms = server.ReadLatencyHistograms();
  const CommandTable& table = server.commands();
  for (size_t id = 0; id < histograms.size(); ++id) {
    const HistogramTotals& h = histograms[id];
    if (h.total == 0) continue;
    std::string line = fmt::format("latency_percentiles_usec_{}:", table.at(static_cast<int>(id)).name);
    for (size_t i = 0; i < percentiles.size(); ++i) {
      if (i > 0) line += ',';
      fmt::format_to(std::back_inserter(line), "p{}={:.3f}", FormatPercentile(percentiles[i]),
                     h.PercentileUs(percentiles[i]));
    }
    s.Line(line);
  }
}

void AddKeyspace(Server& server, std::string* out) {
  Section s(out, "Keyspace");
  store::Keyspace& ks = server.keyspace();
  // The loader fills the tables without their locks: nothing is shown until it is done.
  const int databases = server.persistence().loading() ? 0 : ks.databases();
  for (int db = 0; db < databases; ++db) {
    const size_t keys = ks.DbSize(db);
    if (keys == 0) continue;
    s.Line(fmt::format("db{}:keys={},expires={},avg_ttl={}", db, keys, ks.VolatileCount(db),
                       server.keyspace().AvgTtlMs(db)));
  }
}

void AddPrefixStats(Server& server, std::string* out) {
  Section s(out, "Prefixstats");
  const std::vector<store::PrefixFigures> figures = server.keyspace().PrefixStatistics();
  for (size_t i = 0; i < figures.size(); ++i) {
    const store::PrefixFigures& f = figures[i];
    int64_t keys = 0;
    for (int64_t n : f.keys) keys += n;
    s.Line(PrefixStatLine(i, f.prefix, f.hits, f.misses, f.expired, keys));
  }
}

}  // namespace

uint32_t SelectInfoSections(std::span<const std::string_view> args) {
  if (args.empty()) return kDefaultSections;
  uint32_t sections = 0;
  for (std::string_view arg : args) {
    if (EqualsIgnoreCase(arg, "default")) {
      sections |= kDefaultSections;
    } else if (EqualsIgnoreCase(arg, "all") || EqualsIgnoreCase(arg, "everything")) {
      sections |= kAllSections;
    } else {
      for (const SectionName& s : kSectionNames) {
        if (EqualsIgnoreCase(arg, s.name)) sections |= s.section;
      }
    }
  }
  return sections;
}

std::string BuildInfo(Server& server, uint32_t sections) {
  std::string out;
  const bool need_stats =
      (sections & (kInfoMemory | kInfoPersistence | kInfoStats | kInfoCommandStats | kInfoErrorStats)) != 0;
  const StatsSnapshot stats = need_stats ? server.ReadStats() : StatsSnapshot();
  for (const SectionName& name : kSectionNames) {
    if ((sections & name.section) == 0) continue;
    if (!out.empty()) out += "\r\n";
    switch (name.section) {
      case kInfoServer: AddServer(server, &out); break;
      case kInfoClients: AddClients(server, &out); break;
      case kInfoMemory: AddMemory(server, stats, &out); break;
      case kInfoPersistence: AddPersistence(server, &out); break;
      case kInfoStats: AddStats(server, stats, &out); break;
      case kInfoReplication: AddReplication(server, &out); break;
      case kInfoCpu: AddCpu(server, &out); break;
      case kInfoModules: Section(&out, "Modules"); break;
      case kInfoCommandStats: AddCommandStats(server, stats, &out); break;
      case kInfoErrorStats: AddErrorStats(stats, &out); break;
      case kInfoCluster: Section(&out, "Cluster").Field("cluster_enabled", 0); break;
      case kInfoKeyspace: AddKeyspace(server, &out); break;
      case kInfoLatencyStats: AddLatencyStats(server, &out); break;
      case kInfoPrefixStats: AddPrefixStats(server, &out); break;
    }
  }
  return out;
}

int64_t UptimeSeconds(const Server& server) { return (server.clock().NowMs() - server.start_time_ms()) / 1000; }

std::string BytesToHuman(uint64_t bytes) {
  const double n = static_cast<double>(bytes);
  constexpr double kK = 1024.0;
  if (bytes < 1024) return fmt::format("{}B", bytes);
  if (n < kK * kK) return fmt::format("{:.2f}K", n / kK);
  if (n < kK * kK * kK) return fmt::format("{:.2f}M", n / (kK * kK));
  if (n < kK * kK * kK * kK) return fmt::format("{:.2f}G", n / (kK * kK * kK));
  if (n < kK * kK * kK * kK * kK) return fmt::format("{:.2f}T", n / (kK * kK * kK * kK));
  if (n < kK * kK * kK * kK * kK * kK) return fmt::format("{:.2f}P", n / (kK * kK * kK * kK * kK));
  return fmt::format("{}B", bytes);
}

std::string FormatRatio(double numerator, double denominator) {
  if (denominator == 0) return "0.00";
  return fmt::format("{:.2f}", numerator / denominator);
}

std::string PrefixStatLine(size_t index, std::string_view prefix, uint64_t hits, uint64_t misses,
                           uint64_t expired, int64_t keys) {
  return fmt::format("prefix{}:prefix={},hits={},misses={},expired={},keys={}", index, prefix, hits, misses, expired,
                     keys);
}

std::string CommandStatLine(std::string_view name, uint64_t calls, uint64_t usec, uint64_t rejected,
                            uint64_t failed) {
  const double per_call = calls == 0 ? 0.0 : static_cast<double>(usec) / static_cast<double>(calls);
  return fmt::format("cmdstat_{}:calls={},usec={},usec_per_call={:.2f},rejected_calls={},failed_calls={}", name, calls,
                     usec, per_call, rejected, failed);
}

MemoryOverview CollectMemoryOverview(Server& server) {
  MemoryOverview m;
  m.allocator = ReadAllocator();
  m.used = m.allocator.allocated;
  server.SampleUsedMemory();
  m.peak = std::max(server.used_memory_peak(), m.used);
  m.startup = server.used_memory_startup();
  m.rss = ResidentSetSize();
  m.total_system = TotalSystemMemory();
  server.ForEachClient([&](const Client& c) { m.clients_normal += c.buffer_memory(); });
  store::Keyspace& ks = server.keyspace();
  // The loader fills the tables without their locks: they are not walked until it is done.
  const int databases = server.persistence().loading() ? 0 : ks.databases();
  for (int db = 0; db < databases; ++db) {
    const size_t keys = ks.DbSize(db);
    if (keys == 0) continue;
    m.keys += keys;
    size_t bytes = 0;
    for (size_t i = 0; i < store::kStripes; ++i) {
      store::StripeReadLock lock(ks, db, i);  // a transaction's INFO holds some already
      bytes += ks.stripe(db, i).table.SlotBytes();
    }
    m.db_hashtables.emplace_back(db, bytes);
    m.hashtables += bytes;
  }
  m.overhead = m.startup + m.clients_normal + m.hashtables;
  m.dataset = m.used > m.overhead ? m.used - m.overhead : 0;
  return m;
}

}  // namespace strata::server
