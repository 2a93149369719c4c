// Runs the real strata-server binary for integration tests.
//
// The binary's path comes from $STRATA_SERVER (tests/meson.build sets it). Servers listen on
// 127.0.0.1 on a free port: from $STRATA_TEST_PORTS ("7400-7499") when set, so that a shared
// machine can give each developer a range, otherwise one the kernel picks. Each server gets its
// own temporary directory (its `dir` and its log); the directory is kept when the test failed.
// Not thread-safe: one test thread drives a ServerProcess.
#ifndef STRATA_TESTS_INTEGRATION_SERVER_PROCESS_H_
#define STRATA_TESTS_INTEGRATION_SERVER_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::testing {

// $STRATA_SERVER, or "" when unset.
std::string ServerBinary();

// Runs the server binary with `args` to completion (for start-up failures) and returns its exit
// code, or -1 if it had to be killed after `timeout`. Its stdout and stderr go to *output.
int RunServerToExit(const std::vector<std::string>& args, std::chrono::seconds timeout, std::string* output);

class ServerProcess {
 public:
  ServerProcess() = default;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  // Stops the server if it still runs; removes its directory unless the current test failed.
  ~ServerProcess();

  // Starts the server with `options` as they would follow it on its command line (for example
  // {"--io-threads", "4"}) and waits until it answers a PING. On failure returns false and sets
  // *error to the reason and the server's log.
  bool Start(const std::vector<std::string>& options, std::string* error);

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // Path of the file that holds the server's stdout and stderr.
  std::string log_path() const { return dir_ + "/server.log"; }
  std::string dir() const { return dir_; }
  // The log so far.
  std::string Log() const;

  // Sends `signal` to the server. REQUIRES: running().
  void Signal(int signal) const;
  // Waits until the server exits; returns its exit code (128 + the signal if a signal ended it),
  // or nullopt if it still runs after `timeout`.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL if it has not exited after `timeout`. Returns the exit code.
  int Stop(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // A memory figure of the server from /proc/PID/status in bytes ("VmRSS" for resident memory,
  // "VmSize" for address space, which counts allocations not touched yet), or 0 if unknown.
  size_t MemoryBytes(std::string_view field) const;

 private:
  bool Launch(const std::vector<std::string>& options, int port, std::string* error);
  bool WaitReady(std::string* error);

  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

}  // namespace strata::testing

#endif  // STRATA_TESTS_INTEGRATION_SERVER_PROCESS_H_
