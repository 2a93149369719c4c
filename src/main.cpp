// strata-server: starts like redis-server.
//
//   strata-server [/path/to/strata.conf] [--option value ...]
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <clocale>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "commands/families.h"
#include "commands/syntax_table.h"
#include "common/hash.h"
#include "scripting/lua_engine.h"
#include "server/command_table.h"
#include "server/config.h"
#include "server/config_loader.h"
#include "server/logging.h"
#include "server/server.h"

#ifdef STRATA_JEMALLOC
// jemalloc reads this at start-up. A background thread returns freed pages to the kernel (as
// redis-server's jemalloc-bg-thread does) after one second instead of ten: the memory a growing
// key table frees is handed back promptly, so RSS tracks what the data really uses.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
}
#endif

namespace {

// Detaches from the terminal as redis-server's `daemonize yes` does.
void Daemonize() {
  if (fork() != 0) std::exit(0);
  setsid();
  const int fd = open("/dev/null", O_RDWR);
  if (fd >= 0) {
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO) close(fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using strata::server::ConfigId;

  // As redis-server does: SORT ... ALPHA collates with strcoll in the environment's LC_COLLATE.
  // Set before any thread starts; nothing else depends on the collation locale.
  std::setlocale(LC_COLLATE, "");

  CLI::App app{"Strata: a Redis-compatible cache server"};
  app.set_version_flag("-v,--version", std::string("Strata server v=") + STRATA_VERSION + " (redis_version 7.0.15)");
  app.allow_extras();
  app.footer(
      "Usage: strata-server [/path/to/strata.conf] [--option value ...]\n"
      "Options are the directives of strata.conf (see conf/strata.conf), e.g.\n"
      "  strata-server --port 7777\n"
      "  strata-server /etc/strata/strata.conf --loglevel verbose --io-threads 4");
  CLI11_PARSE(app, argc, argv);
  std::vector<std::string> rest = app.remaining();

  std::string config_path;
  if (!rest.empty() && rest[0].rfind("--", 0) != 0) {
    config_path = rest[0];
    rest.erase(rest.begin());
  }

  // The config file's absolute path, as Redis keeps it: CONFIG REWRITE must find it after `dir`
  // changes the working directory (which loading the file itself may do).
  std::string config_file = config_path;
  char cwd[4096];
  if (!config_file.empty() && config_file[0] != '/' && getcwd(cwd, sizeof(cwd)) != nullptr) {
    config_file = std::string(cwd) + "/" + config_file;
  }

  // The command table is complete before the config file is read: its rename-command lines
  // rename commands as they are read. Syntax is attached under the registered names, first.
  strata::server::CommandTable commands;
  strata::commands::RegisterAllFamilies(commands);
  const std::vector<std::string> syntax_problems =
      strata::commands::AttachSyntax(commands, strata::commands::SyntaxRows());

  strata::server::Config config;
  std::string error;
  if (!strata::server::LoadConfig(&config, config_path, rest, &error, &commands)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }

  // As redis-server: a supervised server stays in the foreground, whatever daemonize says. The
  // supervisor is resolved first for that, with logging to stderr until the log file is set.
  const auto supervisor = strata::server::ResolveSupervisor(
      static_cast<strata::server::SupervisedMode>(config.Int(ConfigId::kSupervised)));
  if (config.Int(ConfigId::kDaemonize) && supervisor == strata::server::SupervisedMode::kNo) Daemonize();
  if (!strata::server::SetUpLogging(config.Text(ConfigId::kLogFile), &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  // A file-size limit (RLIMIT_FSIZE) then fails a snapshot's write with EFBIG instead of killing the
  // process: the save reports the error, as on a full disk.
  signal(SIGXFSZ, SIG_IGN);
  strata::SetHashSeed((static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}());

  const std::string pidfile = config.Text(ConfigId::kPidFile);
  if (!pidfile.empty()) std::ofstream(pidfile) << getpid() << "\n";

  for (const std::string& ignored : config.IgnoredDirectives()) spdlog::warn("{}", ignored);
  if (config_path.empty()) {
    spdlog::warn("Warning: no config file specified, using the default config. In order to specify a config file "
                 "use strata-server /path/to/strata.conf");
  }
  spdlog::info("Strata {} (redis_version 7.0.15) starting: port={} pid={} io-threads={}", STRATA_VERSION,
               config.Int(ConfigId::kPort), getpid(), config.Int(ConfigId::kIoThreads));
  // A disagreement fails tests/commands/syntax_table_test.cpp; the server still runs, with the
  // commands concerned documented without arguments.
  for (const std::string& problem : syntax_problems) spdlog::warn("Command syntax: {}", problem);

  char exe[4096] = {0};
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  strata::server::LaunchInfo launch{n > 0 ? std::string(exe, static_cast<size_t>(n)) : std::string(argv[0]),
                                    config_file, supervisor};
  int code;
  {
    strata::server::Server server(&config, &commands, launch);
    server.functions().set_compiler(strata::scripting::LuaEngine::CompileLibrary);
    code = server.Run();
  }
  if (!pidfile.empty()) unlink(pidfile.c_str());
  return code;
}
