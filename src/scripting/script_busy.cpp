#include "scripting/script_busy.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/error_texts.h"
#include "server/io_thread.h"
#include "server/server.h"

namespace strata::scripting {

BusyWatch::BusyWatch(server::CommandContext& ctx, server::ScriptKind kind)
    : ctx_(ctx), run_(kind), start_us_(MonotonicUs()) {}

BusyWatch::~BusyWatch() {
  if (entered_) ctx_.server.busy_scripts().Leave(&run_);
}

std::string_view BusyWatch::Check() {
  server::Server& server = ctx_.server;
  if (!entered_) {
    const int64_t elapsed_ms = (MonotonicUs() - start_us_) / 1000;
    if (elapsed_ms < server.config().Int(server::ConfigId::kBusyReplyThreshold)) return {};
    spdlog::warn(
        "Slow script detected: still in execution after {} milliseconds. You can try killing the script using "
        "the {} KILL command.",
        elapsed_ms, run_.kind == server::ScriptKind::kEval ? "SCRIPT" : "FUNCTION");
    run_.command.assign(ctx_.args.begin(), ctx_.args.end());
    if (run_.kind == server::ScriptKind::kFunction) run_.function = std::string(ctx_.arg(1));
    run_.start_us = start_us_;
    server.busy_scripts().Enter(&run_);
    entered_ = true;
  }
  server::IoThread::Current()->ServeWhileBusy(ctx_.client.id());
  // SHUTDOWN NOSAVE (the only shutdown a busy script lets through) ends the server: the
  // io-thread must get back to its loop to close.
  if (server.shutdown_requested()) return errors::kScriptShutdown;
  if (run_.kill.load(std::memory_order_relaxed)) {
    spdlog::warn("Lua script killed by user with {} KILL.",
                 run_.kind == server::ScriptKind::kEval ? "SCRIPT" : "FUNCTION");
    return errors::kScriptKilled;
  }
  return {};
}

server::KillStatus KillBusy(server::Server& server, server::ScriptKind kind) {
  return server.busy_scripts().Kill(kind);
}

void ReplyKillStatus(resp::ReplyBuilder& reply, server::KillStatus status, server::ScriptKind kind) {
  switch (status) {
    case server::KillStatus::kKilled:
      reply.Ok();
      return;
    case server::KillStatus::kNotBusy:
      reply.Error(errors::kNotBusy);
      return;
    case server::KillStatus::kUnkillable:
      reply.Error(errors::kUnkillable);
      return;
    case server::KillStatus::kWrongKind:
      // Redis answers with the busy text of the script that runs: the other kind's.
      reply.Error(kind == server::ScriptKind::kEval ? errors::kBusyFunction : errors::kBusyEval);
      return;
  }
}

}  // namespace strata::scripting
