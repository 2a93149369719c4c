// DEBUG: the subcommands the persistence tests need (RELOAD), behind enable-debug-command.
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "server/server.h"

namespace strata::commands {
namespace {

// Whether the client connected from this machine (loopback or a unix socket), as
// enable-debug-command's `local` asks.
bool IsLocalClient(const server::Client& client) {
  const std::string& addr = client.addr();
  return addr.rfind("127.", 0) == 0 || addr.rfind("::1:", 0) == 0 || addr.rfind('/', 0) == 0;
}

// DEBUG RELOAD [NOSAVE]: saves, empties every database and loads the dump back.
void DebugReload(CommandContext& ctx) {
  bool save = true;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    // MERGE and NOFLUSH would load over existing keys; the loader fills empty databases only.
    if (!ArgIs(ctx, i, "NOSAVE")) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    save = false;
  }
  server::Persistence& persistence = ctx.server.persistence();
  std::string error;
  bool in_progress = false;
  if (save && !persistence.Save(&in_progress, &error)) {
    ctx.reply.Error(errors::kDebugReloadSaveFailed);
  } else if (!persistence.Reload(&error)) {
    ctx.reply.Error(errors::kDebugReloadLoadFailed);
  } else {
    ctx.reply.Ok();
  }
}

// DEBUG subcommand [argument [argument ...]]
void CmdDebug(CommandContext& ctx) {
  const auto mode = static_cast<server::DebugCommand>(ctx.server.config().Int(server::ConfigId::kEnableDebugCommand));
  if (mode == server::DebugCommand::kNo || (mode == server::DebugCommand::kLocal && !IsLocalClient(ctx.client))) {
    ctx.reply.Error(errors::kDebugNotAllowed);
    return;
  }
  if (ArgIs(ctx, 1, "RELOAD")) {
    DebugReload(ctx);
    return;
  }
  ctx.reply.Error(fmt::format(errors::kFmtUnknownSubcommand, ctx.arg(1).substr(0, 128), "DEBUG"));
}

}  // namespace

void RegisterDebugFamily(server::CommandTable& table) {
  table.SetGroup("server");
  // Every database is locked: RELOAD replaces the whole keyspace.
  table.Add({"debug", -2, "admin noscript loading stale", 0, 0, 0, "", CmdDebug, "A container for debugging commands",
             "1.0.0", 0, nullptr, server::LockAllDatabases});
}

}  // namespace strata::commands
