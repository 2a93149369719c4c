// DEBUG: the subcommands the tests need (RELOAD, SET-ACTIVE-EXPIRE), behind enable-debug-command.
#include <cstdint>
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
  std::string error;
  switch (ctx.server.persistence().Reload(save, &error)) {
    case server::Persistence::ReloadResult::kOk: ctx.reply.Ok(); break;
    case server::Persistence::ReloadResult::kSaveFailed: ctx.reply.Error(errors::kDebugReloadSaveFailed); break;
    case server::Persistence::ReloadResult::kLoadFailed: ctx.reply.Error(errors::kDebugReloadLoadFailed); break;
  }
}

// DEBUG SET-ACTIVE-EXPIRE 0|1: stops or restarts the active expiry cycle (tests of lazy expiry).
void DebugSetActiveExpire(CommandContext& ctx) {
  int64_t on = 0;
  if (!ParseIntArg(ctx, 2, &on)) return;
  ctx.server.keyspace().set_active_expire(on != 0);
  ctx.reply.Ok();
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
  if (ArgIs(ctx, 1, "SET-ACTIVE-EXPIRE") && ctx.argc() == 3) {
    DebugSetActiveExpire(ctx);
    return;
  }
  ctx.reply.Error(fmt::format(errors::kFmtUnknownSubcommand, ctx.arg(1).substr(0, 128), "DEBUG"));
}

}  // namespace

void RegisterDebugFamily(server::CommandTable& table) {
  table.SetGroup("server");
  // No locks declared: RELOAD takes every stripe itself, so DEBUG may not run inside MULTI,
  // where the transaction's locks are held.
  table.Add({"debug", -2, "admin noscript loading stale no_multi", 0, 0, 0, "", CmdDebug,
             "A container for debugging commands", "1.0.0"});
}

}  // namespace strata::commands
