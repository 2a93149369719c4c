#include "server/busy_scripts.h"

#include <algorithm>

#include "common/error_texts.h"

namespace strata::server {

std::string_view BusyScripts::BusyError() const {
  return busy_evals_.load(std::memory_order_relaxed) > 0 ? errors::kBusyEval : errors::kBusyFunction;
}

void BusyScripts::Enter(BusyRun* run) {
  std::lock_guard lock(mu_);
  runs_.push_back(run);
  if (run->kind == ScriptKind::kEval) busy_evals_.fetch_add(1, std::memory_order_relaxed);
  busy_.fetch_add(1, std::memory_order_relaxed);
}

void BusyScripts::Leave(BusyRun* run) {
  std::lock_guard lock(mu_);
  runs_.erase(std::find(runs_.begin(), runs_.end(), run));
  if (run->kind == ScriptKind::kEval) busy_evals_.fetch_sub(1, std::memory_order_relaxed);
  busy_.fetch_sub(1, std::memory_order_relaxed);
}

KillStatus BusyScripts::Kill(ScriptKind kind) {
  std::lock_guard lock(mu_);
  if (runs_.empty()) return KillStatus::kNotBusy;
  bool killed = false;
  bool wrote = false;
  for (BusyRun* run : runs_) {
    if (run->wrote.load(std::memory_order_relaxed)) {
      wrote = true;
    } else if (run->kind == kind) {
      run->kill.store(true, std::memory_order_relaxed);
      killed = true;
    }
  }
  if (killed) return KillStatus::kKilled;
  return wrote ? KillStatus::kUnkillable : KillStatus::kWrongKind;
}

bool BusyScripts::Running(RunningScript* out) const {
  std::lock_guard lock(mu_);
  if (runs_.empty()) return false;
  const BusyRun& run = *runs_.front();
  *out = {run.kind, run.function, run.command, run.start_us};
  return true;
}

}  // namespace strata::server
