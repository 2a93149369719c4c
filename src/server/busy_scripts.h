// Scripts that have run longer than busy-reply-threshold ("busy"), as every thread sees them.
//
// While any script is busy, the dispatcher answers other clients' commands -BUSY unless they are
// allow_busy (Dispatcher::Resolve), and a command waiting for a stripe lock gives up with -BUSY
// (a busy script may hold it for a long time). SCRIPT KILL / FUNCTION KILL ask a busy run to stop
// (Kill); the run itself notices from its Lua count hook (scripting/script_busy.h). Strata may run
// scripts on several io-threads at once, so more than one can be busy.
//
// Entering and leaving happen once per busy run, under a mutex; busy() is one relaxed load, the
// whole cost on every command while no script is busy.
#ifndef STRATA_SERVER_BUSY_SCRIPTS_H_
#define STRATA_SERVER_BUSY_SCRIPTS_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace strata::server {

// What kind of script runs: EVAL's, or a library function's (FCALL). SCRIPT KILL stops only the
// first kind and FUNCTION KILL only the second, and the -BUSY text names the matching command.
enum class ScriptKind { kEval, kFunction };

// One busy run, owned by the running script; other threads read it under BusyScripts' mutex.
struct BusyRun {
  explicit BusyRun(ScriptKind k) : kind(k) {}
  const ScriptKind kind;
  // Set by the run when it calls a write command: such a run cannot be killed.
  std::atomic<bool> wrote{false};
  // Set by Kill; the run stops at its next count hook.
  std::atomic<bool> kill{false};
  // Set before Enter, read by FUNCTION STATS: the caller's command, the function's name (empty for
  // EVAL), and when the run started (MonotonicUs).
  std::vector<std::string> command;
  std::string function;
  int64_t start_us = 0;
};

// What FUNCTION STATS shows of a busy run.
struct RunningScript {
  ScriptKind kind = ScriptKind::kEval;
  std::string function;
  std::vector<std::string> command;
  int64_t start_us = 0;
};

enum class KillStatus {
  kKilled,      // a busy run of the kind was told to stop
  kNotBusy,     // no script is busy
  kUnkillable,  // the busy script already wrote
  kWrongKind,   // the busy script is of the other kind (FUNCTION KILL of an EVAL script ...)
};

class BusyScripts {
 public:
  // Whether some script is busy. Any thread.
  bool busy() const { return busy_.load(std::memory_order_relaxed) > 0; }

  // The error a refused command gets: Redis's text naming SCRIPT KILL while an EVAL script is
  // busy, FUNCTION KILL otherwise. Any thread.
  std::string_view BusyError() const;

  // `run` became busy / ended. REQUIRES: Leave only after Enter; `run` outlives its entry.
  void Enter(BusyRun* run);
  void Leave(BusyRun* run);

  // Tells the busy runs of `kind` that have not written to stop. Redis's checks in its order:
  // none busy, the busy script wrote, the busy script is of the other kind. Any thread.
  KillStatus Kill(ScriptKind kind);

  // A copy of the first busy run (FUNCTION STATS), or false when none is busy. Any thread.
  bool Running(RunningScript* out) const;

 private:
  std::atomic<int> busy_{0};
  std::atomic<int> busy_evals_{0};
  mutable std::mutex mu_;
  std::vector<BusyRun*> runs_;  // guarded by mu_
};

}  // namespace strata::server

#endif  // STRATA_SERVER_BUSY_SCRIPTS_H_
