// Long-running scripts: when a run becomes busy (busy-reply-threshold), what it does while busy
// (serve its own io-thread's other clients, stop when killed or when the server shuts down), and
// SCRIPT KILL / FUNCTION KILL (DEVELOPING.md "Long-running scripts"). Shared by every kind of
// script: the run machinery calls BusyWatch::Check from the Lua count hook.
#ifndef STRATA_SCRIPTING_SCRIPT_BUSY_H_
#define STRATA_SCRIPTING_SCRIPT_BUSY_H_

#include <cstdint>
#include <string_view>

#include "server/busy_scripts.h"
#include "server/dispatcher.h"

namespace strata::scripting {

// Watches one run of a script for `ctx` (its caller's call), from its start. Not thread-safe:
// lives on the run's io-thread, for the run.
class BusyWatch {
 public:
  BusyWatch(server::CommandContext& ctx, server::ScriptKind kind);
  ~BusyWatch();
  BusyWatch(const BusyWatch&) = delete;
  BusyWatch& operator=(const BusyWatch&) = delete;

  // The run called a write command: from now on it cannot be killed.
  void set_wrote() { run_.wrote.store(true, std::memory_order_relaxed); }

  // From the count hook. Past busy-reply-threshold the run becomes busy (other clients get
  // -BUSY) and each check serves this io-thread's other clients. Returns the error the run must
  // stop with (killed by SCRIPT KILL / FUNCTION KILL, or the server shutting down), or an empty
  // text to go on.
  std::string_view Check();

 private:
  server::CommandContext& ctx_;
  server::BusyRun run_;
  const int64_t start_us_;
  bool entered_ = false;
};

// SCRIPT KILL (kEval) and FUNCTION KILL (kFunction): tells the busy runs of `kind` to stop.
server::KillStatus KillBusy(server::Server& server, server::ScriptKind kind);

// Writes Redis's reply to a KILL of `kind` that returned `status`: OK, -NOTBUSY, -UNKILLABLE,
// or the -BUSY text naming the other KILL command for a script of the other kind.
void ReplyKillStatus(resp::ReplyBuilder& reply, server::KillStatus status, server::ScriptKind kind);

}  // namespace strata::scripting

#endif  // STRATA_SCRIPTING_SCRIPT_BUSY_H_
