#include "server/supervision.h"

#include <signal.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>

#include <spdlog/spdlog.h>

namespace strata::server {

SupervisedMode ResolveSupervisor(SupervisedMode mode) {
  const bool systemd = std::getenv("NOTIFY_SOCKET") != nullptr;
  const bool upstart = std::getenv("UPSTART_JOB") != nullptr;
  if (mode == SupervisedMode::kAuto) {
    if (systemd) return ResolveSupervisor(SupervisedMode::kSystemd);
    if (upstart) return ResolveSupervisor(SupervisedMode::kUpstart);
    return SupervisedMode::kNo;
  }
  if (mode == SupervisedMode::kSystemd) {
    if (!systemd) {
      spdlog::warn("systemd supervision requested or auto-detected, but NOTIFY_SOCKET not found!");
      return SupervisedMode::kNo;
    }
    spdlog::info("Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and "
                 "TimeoutStopSec in your service unit.");
  }
  if (mode == SupervisedMode::kUpstart) {
    if (!upstart) {
      spdlog::warn("upstart supervision requested, but UPSTART_JOB not found!");
      return SupervisedMode::kNo;
    }
    spdlog::info("Supervised by upstart, will stop to signal readiness.");
  }
  return mode;
}

void NotifyReady(SupervisedMode supervisor) {
  if (supervisor == SupervisedMode::kSystemd) {
    sd_notify(/*unset_environment=*/0, "STATUS=Ready to accept connections\nREADY=1");
  } else if (supervisor == SupervisedMode::kUpstart) {
    // Upstart resumes the process once it has seen it stop; children need not see the variable.
    unsetenv("UPSTART_JOB");
    raise(SIGSTOP);
  }
}

void NotifyStopping(SupervisedMode supervisor) {
  if (supervisor == SupervisedMode::kSystemd) sd_notify(0, "STOPPING=1");
}

}  // namespace strata::server
