// `supervised`: telling a service manager (systemd, upstart) when the server is ready and when it
// stops, as redis-server does, so that `Type=notify` units and upstart's `expect stop` work.
#ifndef STRATA_SERVER_SUPERVISION_H_
#define STRATA_SERVER_SUPERVISION_H_

namespace strata::server {

// The values of `supervised`, in the order of its directive's choices.
enum class SupervisedMode : int { kNo = 0, kUpstart = 1, kSystemd = 2, kAuto = 3 };

// Which supervisor to talk to: `mode` resolved against the environment (auto picks systemd when
// NOTIFY_SOCKET is set, upstart when UPSTART_JOB is), kNo when the one asked for is not there
// (logged, with Redis's warning). Call once at start-up, after logging is set up, before
// daemonizing: a supervised server never daemonizes. Not thread-safe (reads the environment).
SupervisedMode ResolveSupervisor(SupervisedMode mode);

// Tells the supervisor the server accepts connections: READY=1 to systemd, SIGSTOP for upstart
// (its "expect stop"). A no-op for kNo. Call from the main thread once the listeners are open.
void NotifyReady(SupervisedMode supervisor);

// Tells systemd the server is stopping (STOPPING=1), so `systemctl status` says so while a final
// save runs. A no-op for other supervisors. Any thread.
void NotifyStopping(SupervisedMode supervisor);

}  // namespace strata::server

#endif  // STRATA_SERVER_SUPERVISION_H_
