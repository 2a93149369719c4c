// DEBUG: the subcommands the tests need (RELOAD, SLEEP, SET-ACTIVE-EXPIRE), behind
// enable-debug-command.
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <string_view>

#include <fmt/format.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "server/server.h"

namespace strata::commands {
namespace {

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

// DEBUG SLEEP seconds: stalls the io-thread running it for `seconds` (fractions allowed; text that
// is not a number counts as 0, as in Redis). Redis stalls its whole server; tests use this to hold
// up one io-thread while the others go on.
void DebugSleep(CommandContext& ctx) {
  if (ctx.argc() != 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  const std::string seconds(ctx.arg(2));
  std::this_thread::sleep_for(std::chrono::duration<double>(std::strtod(seconds.c_str(), nullptr)));
  ctx.reply.Ok();
}

// DEBUG SET-ACTIVE-EXPIRE 0|1: stops or restarts the active expiry cycle, so that only a lookup
// removes an expired key (tests of lazy expiry). Text that is not a number counts as 0, as in Redis.
void DebugSetActiveExpire(CommandContext& ctx) {
  if (ctx.argc() != 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  const std::string on(ctx.arg(2));
  ctx.server.keyspace().set_active_expire(std::strtol(on.c_str(), nullptr, 10) != 0);
  ctx.reply.Ok();
}

// DEBUG subcommand [argument [argument ...]]
void CmdDebug(CommandContext& ctx) {
  const auto mode = static_cast<server::ProtectedAction>(ctx.server.config().Int(server::ConfigId::kEnableDebugCommand));
  if (!server::ProtectedActionAllowed(mode, ctx.client.is_local())) {
    ctx.reply.Error(errors::kDebugNotAllowed);
    return;
  }
  if (ArgIs(ctx, 1, "RELOAD")) {
    DebugReload(ctx);
    return;
  }
  if (ArgIs(ctx, 1, "SLEEP")) {
    DebugSleep(ctx);
    return;
  }
  if (ArgIs(ctx, 1, "SET-ACTIVE-EXPIRE")) {
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
