// LATENCY: the latency monitor's events (server/latency_monitor.h) and the per-command latency
// histograms (server/latency_histogram.h).
#include <fmt/format.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "server/server.h"

namespace strata::commands {
namespace {

int64_t NowUnix(const CommandContext& ctx) { return ctx.server.clock().NowMs() / 1000; }

// The event `name` (exact case, as Redis looks events up), or nullptr.
const server::LatencyEventSeries* FindEvent(const std::vector<server::LatencyEventSeries>& events,
                                            std::string_view name) {
  for (const server::LatencyEventSeries& e : events) {
    if (e.event == name) return &e;
  }
  return nullptr;
}

// LATENCY LATEST
void CmdLatencyLatest(CommandContext& ctx) {
  const std::vector<server::LatencyEventSeries> events = ctx.server.latency_monitor().Events();
  ctx.reply.ArrayHeader(events.size());
  for (const server::LatencyEventSeries& e : events) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Bulk(e.event);
    ctx.reply.Integer(e.samples.back().unix_seconds);
    ctx.reply.Integer(e.samples.back().ms);
    ctx.reply.Integer(e.max_ms);
  }
}

// LATENCY HISTORY event
void CmdLatencyHistory(CommandContext& ctx) {
  const std::vector<server::LatencyEventSeries> events = ctx.server.latency_monitor().Events();
  const server::LatencyEventSeries* e = FindEvent(events, ctx.arg(2));
  if (e == nullptr) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  ctx.reply.ArrayHeader(e->samples.size());
  for (const server::LatencySample& s : e->samples) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(s.unix_seconds);
    ctx.reply.Integer(s.ms);
  }
}

// LATENCY GRAPH event
void CmdLatencyGraph(CommandContext& ctx) {
  const std::vector<server::LatencyEventSeries> events = ctx.server.latency_monitor().Events();
  const server::LatencyEventSeries* e = FindEvent(events, ctx.arg(2));
  if (e == nullptr) {
    ctx.reply.Error(fmt::format(errors::kFmtLatencyNoSamples, ctx.arg(2)));
    return;
  }
  ctx.reply.Verbatim(server::LatencyGraph(*e, NowUnix(ctx)));
}

// LATENCY RESET [event [event ...]]
void CmdLatencyReset(CommandContext& ctx) {
  const std::vector<std::string_view> names(ctx.args.begin() + 2, ctx.args.end());
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.latency_monitor().Reset(names)));
}

// LATENCY DOCTOR
void CmdLatencyDoctor(CommandContext& ctx) {
  server::Server& s = ctx.server;
  server::LatencyDoctorInputs in;
  in.threshold_ms = s.latency_monitor().threshold_ms();
  in.slowlog_slower_than_us = s.config().Int(server::ConfigId::kSlowlogLogSlowerThan);
  in.hz = s.config().Int(server::ConfigId::kHz);
  // As Redis's stat_fork_rate: the memory in use copied per second of the last fork, in GB.
  const int64_t fork_usec = s.persistence().Info().latest_fork_usec;
  if (fork_usec > 0) {
    in.fork_rate_gb_per_sec = static_cast<double>(s.SampleUsedMemory()) * 1e6 / static_cast<double>(fork_usec) /
                              (1024.0 * 1024 * 1024);
  }
  in.anon_huge_pages = server::ProcessHasAnonHugePages();
  ctx.reply.Verbatim(server::LatencyDoctorReport(s.latency_monitor().Events(), in, NowUnix(ctx)));
}

// One command's entry of LATENCY HISTOGRAM: its full name, then {calls, histogram_usec}.
void ReplyHistogram(CommandContext& ctx, const server::Command& cmd, const server::HistogramTotals& h) {
  ctx.reply.Bulk(cmd.name);
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("calls");
  ctx.reply.Integer(static_cast<int64_t>(h.total));
  ctx.reply.Bulk("histogram_usec");
  const std::vector<std::pair<int64_t, uint64_t>> buckets = h.CumulativeBuckets();
  ctx.reply.MapHeader(buckets.size());
  for (const auto& [usec, count] : buckets) {
    ctx.reply.Integer(usec);
    ctx.reply.Integer(static_cast<int64_t>(count));
  }
}

// LATENCY HISTOGRAM [command [command ...]]
void CmdLatencyHistogram(CommandContext& ctx) {
  const server::CommandTable& table = ctx.server.commands();
  const std::vector<server::HistogramTotals> histograms = ctx.server.ReadLatencyHistograms();
  // A command, then its subcommands, each if it has calls.
  std::vector<const server::Command*> shown;
  const auto add = [&](const server::Command& cmd) {
    if (histograms[static_cast<size_t>(cmd.id)].total > 0) shown.push_back(&cmd);
    for (const server::Command* sub : cmd.subcommands) {
      if (histograms[static_cast<size_t>(sub->id)].total > 0) shown.push_back(sub);
    }
  };
  if (ctx.args.size() == 2) {
    for (const server::Command* cmd : table.top_level()) add(*cmd);
  } else {
    // Each name given, as often as given; unknown names are left out.
    for (size_t i = 2; i < ctx.args.size(); ++i) {
      if (const server::Command* cmd = table.FindByFullName(ctx.arg(i))) add(*cmd);
    }
  }
  ctx.reply.MapHeader(shown.size());
  for (const server::Command* cmd : shown) ReplyHistogram(ctx, *cmd, histograms[static_cast<size_t>(cmd->id)]);
}

// LATENCY HELP
void CmdLatencyHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "DOCTOR",
      "    Return a human readable latency analysis report.",
      "GRAPH <event>",
      "    Return an ASCII latency graph for the <event> class.",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HISTOGRAM [COMMAND ...]",
      "    Return a cumulative distribution of latencies in the format of a histogram for the specified command "
      "names.",
      "    If no commands are specified then all histograms are replied.",
  };
  ReplyHelp(ctx, "LATENCY", kLines);
}

}  // namespace

void RegisterLatencyFamily(server::CommandTable& table) {
  table.SetGroup("server");
  table.Add({"latency", -2, "", 0, 0, 0, "", nullptr, "A container for latency diagnostics commands", "2.8.13"});
  table.Add({"latency|doctor", 2, "admin noscript loading stale", 0, 0, 0, "", CmdLatencyDoctor,
             "Return a human readable latency analysis report.", "2.8.13"});
  table.Add({"latency|graph", 3, "admin noscript loading stale", 0, 0, 0, "", CmdLatencyGraph,
             "Return a latency graph for the event.", "2.8.13"});
  table.Add({"latency|help", 2, "loading stale", 0, 0, 0, "", CmdLatencyHelp,
             "Show helpful text about the different subcommands.", "2.8.13"});
  table.Add({"latency|histogram", -2, "admin noscript loading stale", 0, 0, 0, "", CmdLatencyHistogram,
             "Return the cumulative distribution of latencies of a subset of commands or all.", "7.0.0"});
  table.Add({"latency|history", 3, "admin noscript loading stale", 0, 0, 0, "", CmdLatencyHistory,
             "Return timestamp-latency samples for the event.", "2.8.13"});
  table.Add({"latency|latest", 2, "admin noscript loading stale", 0, 0, 0, "", CmdLatencyLatest,
             "Return the latest latency samples for all events.", "2.8.13"});
  table.Add({"latency|reset", -2, "admin noscript loading stale", 0, 0, 0, "", CmdLatencyReset,
             "Reset latency data for one or more events.", "2.8.13"});
}

}  // namespace strata::commands
