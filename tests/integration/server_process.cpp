#include "server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "clients.h"

namespace strata::testing {
namespace {

using Clock = std::chrono::steady_clock;

// The next port to try from $STRATA_TEST_PORTS, cycling through the range.
int NextCandidatePort() {
  static int lo = -1;
  static int hi = -1;
  static int next = -1;
  if (lo < 0) {
    lo = hi = 0;
    if (const char* range = std::getenv("STRATA_TEST_PORTS")) {
      if (std::sscanf(range, "%d-%d", &lo, &hi) != 2 || lo <= 0 || hi < lo) lo = hi = 0;
    }
    next = lo;
  }
  if (lo == 0) return 0;
  const int port = next;
  next = next >= hi ? lo : next + 1;
  return port;
}

// Whether something listens on or holds 127.0.0.1:port.
bool PortFree(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  close(fd);
  return ok;
}

// A port the kernel considers free right now.
int KernelPickedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(sa);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    port = ntohs(sa.sin_port);
  }
  close(fd);
  return port;
}

int PickPort() {
  for (int attempt = 0; attempt < 200; ++attempt) {
    int port = NextCandidatePort();
    if (port == 0) port = KernelPickedPort();
    if (port > 0 && PortFree(port)) return port;
  }
  return 0;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base != nullptr && *base ? base : "/tmp") + "/strata-it-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) return std::string();
  return templ;
}

// Forks and execs `argv` with stdout and stderr to `log_fd`. Returns the child's pid, or -1.
pid_t Spawn(const std::vector<std::string>& argv, int log_fd) {
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec: the test process has threads.
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  return pid;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string ServerBinary() {
  const char* path = std::getenv("STRATA_SERVER");
  return path != nullptr ? path : "";
}

int RunServerToExit(const std::vector<std::string>& args, std::chrono::seconds timeout, std::string* output) {
  const std::string dir = MakeTempDir();
  const std::string log = dir + "/run.log";
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  std::vector<std::string> argv{ServerBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = Spawn(argv, fd);
  close(fd);
  int code = -1;
  const auto deadline = Clock::now() + timeout;
  while (pid > 0) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      code = DecodeStatus(status);
      break;
    }
    if (Clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  *output = ReadFile(log);
  std::filesystem::remove_all(dir);
  return code;
}

ServerProcess::~ServerProcess() {
  if (running()) Stop(std::chrono::seconds(10));
  if (dir_.empty()) return;
  // In sanitizer builds the server reports what it found in its log, and the test fails with it.
  const std::string log = Log();
  for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "WARNING: ThreadSanitizer",
                             "runtime error:"}) {
    const size_t at = log.find(marker);
    if (at != std::string::npos) ADD_FAILURE() << "strata-server: " << log.substr(at, 4000);
  }
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "strata-server log kept in %s\n", log_path().c_str());
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

bool ServerProcess::Start(const std::vector<std::string>& options, std::string* error) {
  if (ServerBinary().empty()) {
    *error = "STRATA_SERVER is not set (run the tests through meson, which sets it)";
    return false;
  }
  dir_ = MakeTempDir();
  if (dir_.empty()) {
    *error = std::string("mkdtemp: ") + std::strerror(errno);
    return false;
  }
  // A port found free may be taken before the server binds it: try a few.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int port = PickPort();
    if (port == 0) {
      *error = "no free port";
      return false;
    }
    if (!Launch(options, port, error)) return false;
    if (WaitReady(error)) return true;
    if (running() || Log().find("Address already in use") == std::string::npos) return false;
  }
  return false;
}

bool ServerProcess::Launch(const std::vector<std::string>& options, int port, std::string* error) {
  const int fd = open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot open " + log_path();
    return false;
  }
  std::vector<std::string> argv{ServerBinary(), "--port", std::to_string(port), "--bind", "127.0.0.1", "--dir", dir_};
  argv.insert(argv.end(), options.begin(), options.end());
  pid_ = Spawn(argv, fd);
  close(fd);
  port_ = port;
  if (pid_ < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  return true;
}

bool ServerProcess::WaitReady(std::string* error) {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    if (WaitExit(std::chrono::milliseconds(0)).has_value()) {
      *error = "strata-server exited during start-up; log:\n" + Log();
      return false;
    }
    RawConnection conn;
    if (conn.Connect(port_)) {
      std::string reply;
      // Any reply will do: with requirepass the answer is -NOAUTH.
      if (conn.Send("PING\r\n") && conn.ReadReply(&reply, std::chrono::seconds(5))) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *error = "strata-server did not answer within 30 s; log:\n" + Log();
  Stop();
  return false;
}

std::string ServerProcess::Log() const { return ReadFile(log_path()); }

void ServerProcess::Signal(int signal) const { kill(pid_, signal); }

std::optional<int> ServerProcess::WaitExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return DecodeStatus(status);
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int ServerProcess::Stop(std::chrono::milliseconds timeout) {
  if (!running()) return -1;
  Signal(SIGTERM);
  if (auto code = WaitExit(timeout)) return *code;
  Signal(SIGKILL);
  return WaitExit(std::chrono::seconds(10)).value_or(-1);
}

size_t ServerProcess::MemoryBytes(std::string_view field) const {
  if (!running()) return 0;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  const std::string prefix = std::string(field) + ":";
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) {
      return static_cast<size_t>(std::strtoull(line.c_str() + prefix.size(), nullptr, 10)) * 1024;  // kB
    }
  }
  return 0;
}

}  // namespace strata::testing
