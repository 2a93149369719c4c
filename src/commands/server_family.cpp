// Server commands: INFO, CONFIG, TIME, MEMORY.
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "server/config_rewrite.h"
#include "server/info.h"
#include "server/io_thread.h"
#include "server/memory_stats.h"
#include "server/server.h"

namespace strata::commands {
namespace {

// Below this much data (used memory beyond the start-up baseline) MEMORY DOCTOR has nothing to
// judge, as Redis's doctor refuses to judge an instance under 5 MB.
constexpr size_t kDoctorMinimumBytes = 5 * 1024 * 1024;
// Thresholds of MEMORY DOCTOR's checks (Redis's): peak over 150% of current use, fragmentation
// ratios over 1.4 or 1.1 with over 10 MB wasted, clients averaging over 200 KB of buffers.
constexpr double kDoctorPeakRatio = 1.5;
constexpr double kDoctorFragRatio = 1.4;
constexpr double kDoctorOverheadRatio = 1.1;
constexpr size_t kDoctorWasteBytes = 10 * 1024 * 1024;
constexpr size_t kDoctorClientBytes = 200 * 1024;

// INFO [section [section ...]]
void CmdInfo(CommandContext& ctx) {
  const uint32_t sections = server::SelectInfoSections(ctx.args.subspan(1));
  ctx.reply.Verbatim(server::BuildInfo(ctx.server, sections));
}

// CONFIG GET parameter [parameter ...]
void CmdConfigGet(CommandContext& ctx) {
  const auto pairs = ctx.server.config().Get(ctx.args.subspan(2));
  ctx.reply.MapHeader(pairs.size());
  for (const auto& [name, value] : pairs) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(value);
  }
}

// CONFIG SET parameter value [parameter value ...]
void CmdConfigSet(CommandContext& ctx) {
  if (ctx.argc() % 2 != 0) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) pairs.emplace_back(ctx.arg(i), ctx.arg(i + 1));
  std::string error;
  if (!ctx.server.config().SetMany(pairs, ctx.client.is_local(), &error)) {
    ctx.reply.Error(error);
    return;
  }
  ctx.reply.Ok();
}

// CONFIG RESETSTAT
void CmdConfigResetStat(CommandContext& ctx) {
  ctx.server.ResetStats();
  ctx.reply.Ok();
}

// CONFIG REWRITE
void CmdConfigRewrite(CommandContext& ctx) {
  const std::string& path = ctx.server.launch().config_file;
  if (path.empty()) {
    ctx.reply.Error(errors::kNoConfigFile);
    return;
  }
  std::string error;
  if (!server::RewriteConfigFile(ctx.server.config(), path, &error)) {
    spdlog::warn("CONFIG REWRITE failed: {}", error);
    ctx.reply.Error(fmt::format(errors::kFmtConfigRewriteFailed, error));
    return;
  }
  spdlog::info("CONFIG REWRITE executed with success.");
  ctx.reply.Ok();
}

// CONFIG HELP
void CmdConfigHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
  };
  ReplyHelp(ctx, "CONFIG", kLines);
}

// TIME
void CmdTime(CommandContext& ctx) {
  const int64_t now_us = ctx.server.clock().NowUs();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(now_us / 1'000'000));
  ctx.reply.Bulk(std::to_string(now_us % 1'000'000));
}

// MEMORY USAGE key [SAMPLES count]
void CmdMemoryUsage(CommandContext& ctx) {
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (ArgIs(ctx, i, "SAMPLES") && i + 1 < ctx.argc()) {
      int64_t samples;
      if (!ParseIntArg(ctx, i + 1, &samples)) return;
      if (samples < 0) {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
      ++i;  // sizes are exact, so the sample count has no further effect
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  store::Db db = ctx.db();
  const store::EntryRef ref = db.Find(ctx.arg(2));
  if (!ref) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Integer(static_cast<int64_t>(ref->MemoryUsage()));
}

// MEMORY STATS
void CmdMemoryStats(CommandContext& ctx) {
  const server::MemoryOverview m = server::CollectMemoryOverview(ctx.server);
  const auto ratio = [](size_t a, size_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); };
  const auto diff = [](size_t a, size_t b) { return static_cast<int64_t>(a) - static_cast<int64_t>(b); };
  const size_t net = m.used > m.startup ? m.used - m.startup : 1;
  resp::ReplyBuilder& r = ctx.reply;
  r.MapHeader(27 + m.db_hashtables.size());
  const auto field = [&r](std::string_view name, int64_t value) {
    r.Bulk(name);
    r.Integer(value);
  };
  const auto real = [&r](std::string_view name, double value) {
    r.Bulk(name);
    r.Double(value);
  };
  field("peak.allocated", static_cast<int64_t>(m.peak));
  field("total.allocated", static_cast<int64_t>(m.used));
  field("startup.allocated", static_cast<int64_t>(m.startup));
  field("replication.backlog", 0);
  field("clients.slaves", 0);
  field("clients.normal", static_cast<int64_t>(m.clients_normal));
  field("cluster.links", 0);
  field("aof.buffer", 0);
  field("lua.caches", 0);
  field("functions.caches", 0);
  for (const auto& [db, bytes] : m.db_hashtables) {
    r.Bulk(fmt::format("db.{}", db));
    r.MapHeader(3);
    field("overhead.hashtable.main", static_cast<int64_t>(bytes));
    field("overhead.hashtable.expires", 0);
    field("overhead.hashtable.slot-to-keys", 0);
  }
  field("overhead.total", static_cast<int64_t>(m.overhead));
  field("keys.count", static_cast<int64_t>(m.keys));
  field("keys.bytes-per-key", m.keys == 0 ? 0 : static_cast<int64_t>(net / m.keys));
  field("dataset.bytes", static_cast<int64_t>(m.dataset));
  real("dataset.percentage", static_cast<double>(m.dataset) * 100 / static_cast<double>(net));
  real("peak.percentage", ratio(m.used * 100, m.peak));
  field("allocator.allocated", static_cast<int64_t>(m.allocator.allocated));
  field("allocator.active", static_cast<int64_t>(m.allocator.active));
  field("allocator.resident", static_cast<int64_t>(m.allocator.resident));
  real("allocator-fragmentation.ratio", ratio(m.allocator.active, m.allocator.allocated));
  field("allocator-fragmentation.bytes", diff(m.allocator.active, m.allocator.allocated));
  real("allocator-rss.ratio", ratio(m.allocator.resident, m.allocator.active));
  field("allocator-rss.bytes", diff(m.allocator.resident, m.allocator.active));
  real("rss-overhead.ratio", ratio(m.rss, m.allocator.resident));
  field("rss-overhead.bytes", diff(m.rss, m.allocator.resident));
  real("fragmentation", ratio(m.rss, m.used));
  field("fragmentation.bytes", diff(m.rss, m.used));
}

// The MEMORY DOCTOR report for `m`, with `clients` connected.
std::string DoctorReport(const server::MemoryOverview& m, size_t clients) {
  if (m.used < m.startup + kDoctorMinimumBytes) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these "
           "conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be "
           "back to our programming as soon as I finished rebooting.\n";
  }
  const auto over = [](size_t a, size_t b, double limit) {
    return b != 0 && static_cast<double>(a) / static_cast<double>(b) > limit && a > b + kDoctorWasteBytes;
  };
  std::string issues;
  if (static_cast<double>(m.peak) > static_cast<double>(m.used) * kDoctorPeakRatio) {
    issues +=
        " * Peak memory: in the past this instance used more than 150% of the memory it uses now. The allocator "
        "keeps memory after a peak, so expect a high fragmentation ratio; it is harmless and the memory will be "
        "reused as data grows. MEMORY PURGE may give some of it back to the system.\n\n";
  }
  if (over(m.rss, m.used, kDoctorFragRatio)) {
    issues +=
        " * High total RSS: the process's resident memory is much larger than the memory allocated for data "
        "(see MEMORY STATS, fragmentation). MEMORY PURGE may reclaim part of it.\n\n";
  }
  if (over(m.allocator.active, m.allocator.allocated, kDoctorOverheadRatio)) {
    issues +=
        " * High allocator fragmentation: the allocator holds partly used pages (see MEMORY STATS, "
        "allocator-fragmentation).\n\n";
  }
  if (over(m.allocator.resident, m.allocator.active, kDoctorOverheadRatio)) {
    issues +=
        " * High allocator RSS overhead: the allocator keeps freed pages resident. MEMORY PURGE returns them to the "
        "system.\n\n";
  }
  if (over(m.rss, m.allocator.resident, kDoctorOverheadRatio)) {
    issues +=
        " * High process RSS overhead: memory outside the allocator is large (see MEMORY STATS, rss-overhead).\n\n";
  }
  if (clients > 0 && m.clients_normal / clients > kDoctorClientBytes) {
    issues +=
        " * Big client buffers: clients use more than 200 KB of buffers each on average, from large replies or "
        "pipelines (see CLIENT LIST, omem and qbuf).\n\n";
  }
  if (issues.empty()) {
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
  }
  return "Sam, I detected a few issues in this Strata instance memory implants:\n\n" + issues +
         "I'm here to keep you safe, Sam. I want to help you.\n";
}

// MEMORY DOCTOR
void CmdMemoryDoctor(CommandContext& ctx) {
  ctx.reply.Verbatim(DoctorReport(server::CollectMemoryOverview(ctx.server), ctx.server.connected_clients()));
}

// MEMORY MALLOC-STATS
void CmdMemoryMallocStats(CommandContext& ctx) {
  // Redis sends jemalloc's report as verbatim text, and its apology for other allocators as a
  // plain string.
  if (server::AllocatorName() == "libc") {
    ctx.reply.Bulk(server::AllocatorReport());
  } else {
    ctx.reply.Verbatim(server::AllocatorReport());
  }
}

// MEMORY PURGE
void CmdMemoryPurge(CommandContext& ctx) {
  server::PurgeAllocator();
  ctx.reply.Ok();
}

// MEMORY HELP
void CmdMemoryHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
  };
  ReplyHelp(ctx, "MEMORY", kLines);
}

// MONITOR
void CmdMonitor(CommandContext& ctx) {
  // As Redis: a client that expects one reply per command (inside EXEC) may not turn into a feed.
  if (!ctx.client.can_block()) {
    ctx.reply.Error(errors::kMonitorDenyBlocking);
    return;
  }
  if (ctx.client.monitor()) return;  // already monitoring: Redis says nothing
  ctx.client.set_monitor(true);
  ctx.server.monitors().Attach(server::IoThread::Current(), ctx.client.id());
  ctx.reply.Ok();
}

}  // namespace

void RegisterServerFamily(server::CommandTable& table) {
  table.SetGroup("server");
  table.Add({"info", -1, "loading stale", 0, 0, 0, "@dangerous", CmdInfo,
             "Get information and statistics about the server", "1.0.0"});
  table.Add({"config", -2, "", 0, 0, 0, "", nullptr, "A container for server configuration commands", "2.0.0"});
  table.Add({"config|get", -3, "admin noscript loading stale", 0, 0, 0, "", CmdConfigGet,
             "Get the values of configuration parameters", "2.0.0"});
  table.Add({"config|set", -4, "admin noscript loading stale", 0, 0, 0, "", CmdConfigSet,
             "Set configuration parameters to the given values", "2.0.0"});
  table.Add({"config|resetstat", 2, "admin noscript loading stale", 0, 0, 0, "", CmdConfigResetStat,
             "Reset the stats returned by INFO", "2.0.0"});
  table.Add({"config|rewrite", 2, "admin noscript loading stale", 0, 0, 0, "", CmdConfigRewrite,
             "Rewrite the configuration file with the in memory configuration", "2.8.0"});
  table.Add({"config|help", 2, "loading stale", 0, 0, 0, "", CmdConfigHelp,
             "Show helpful text about the different subcommands", "5.0.0"});
  table.Add({"monitor", 1, "admin noscript loading stale", 0, 0, 0, "", CmdMonitor,
             "Listen for all requests received by the server in real time", "1.0.0"});
  table.Add({"time", 1, "loading stale fast", 0, 0, 0, "", CmdTime, "Return the current server time", "2.6.0"});
  table.Add({"memory", -2, "", 0, 0, 0, "", nullptr, "A container for memory diagnostics commands", "4.0.0"});
  table.Add({"memory|usage", -3, "readonly", 2, 2, 1, "", CmdMemoryUsage, "Estimate the memory usage of a key",
             "4.0.0"});
  table.Add({"memory|stats", 2, "", 0, 0, 0, "", CmdMemoryStats, "Show memory usage details", "4.0.0"});
  table.Add({"memory|doctor", 2, "", 0, 0, 0, "", CmdMemoryDoctor, "Outputs memory problems report", "4.0.0"});
  table.Add({"memory|malloc-stats", 2, "", 0, 0, 0, "", CmdMemoryMallocStats, "Show allocator internal stats",
             "4.0.0"});
  table.Add({"memory|purge", 2, "", 0, 0, 0, "", CmdMemoryPurge, "Ask the allocator to release memory", "4.0.0"});
  table.Add({"memory|help", 2, "loading stale", 0, 0, 0, "", CmdMemoryHelp,
             "Show helpful text about the different subcommands", "4.0.0"});
}

}  // namespace strata::commands
