// SLOWLOG: the calls that ran longer than slowlog-log-slower-than (server/slowlog.h).
#include <fmt/format.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "common/numbers.h"
#include "server/server.h"

namespace strata::commands {
namespace {

// SLOWLOG GET [count]
void CmdSlowlogGet(CommandContext& ctx) {
  // Redis checks the word count in the handler, with its own message.
  if (ctx.args.size() > 3) {
    ctx.reply.Error(fmt::format(errors::kFmtSubcommandSyntax, ctx.arg(1), "SLOWLOG"));
    return;
  }
  server::SlowLog& slowlog = ctx.server.slowlog();
  int64_t count = 10;
  if (ctx.args.size() == 3) {
    if (!ParseInt64(ctx.arg(2), &count) || count < -1) {
      ctx.reply.Error(errors::kSlowlogCount);
      return;
    }
  }
  const std::vector<server::SlowLogEntry> entries =
      slowlog.Newest(count == -1 ? SIZE_MAX : static_cast<size_t>(count));
  ctx.reply.ArrayHeader(entries.size());
  for (const server::SlowLogEntry& e : entries) {
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer(static_cast<int64_t>(e.id));
    ctx.reply.Integer(e.unix_seconds);
    ctx.reply.Integer(e.duration_us);
    ctx.reply.ArrayHeader(e.args.size());
    for (const std::string& a : e.args) ctx.reply.Bulk(a);
    ctx.reply.Bulk(e.client_addr);
    ctx.reply.Bulk(e.client_name);
  }
}

// SLOWLOG LEN
void CmdSlowlogLen(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.server.slowlog().size())); }

// SLOWLOG RESET
void CmdSlowlogReset(CommandContext& ctx) {
  ctx.server.slowlog().Reset();
  ctx.reply.Simple("OK");
}

// SLOWLOG HELP
void CmdSlowlogHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
  };
  ReplyHelp(ctx, "SLOWLOG", kLines);
}

}  // namespace

void RegisterSlowlogFamily(server::CommandTable& table) {
  table.SetGroup("server");
  table.Add({"slowlog", -2, "", 0, 0, 0, "", nullptr, "A container for slow log commands", "2.2.12"});
  table.Add({"slowlog|get", -2, "admin loading stale", 0, 0, 0, "", CmdSlowlogGet, "Get the slow log's entries",
             "2.2.12"});
  table.Add({"slowlog|len", 2, "admin loading stale", 0, 0, 0, "", CmdSlowlogLen, "Get the slow log's length",
             "2.2.12"});
  table.Add({"slowlog|reset", 2, "admin loading stale", 0, 0, 0, "", CmdSlowlogReset, "Clear all entries from the slow log",
             "2.2.12"});
  table.Add({"slowlog|help", 2, "loading stale", 0, 0, 0, "", CmdSlowlogHelp,
             "Show helpful text about the different subcommands", "6.2.0"});
}

}  // namespace strata::commands
