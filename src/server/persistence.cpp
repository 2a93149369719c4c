#include "server/persistence.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "rdb/rdb_reader.h"
#include "rdb/rdb_writer.h"
#include "server/memory_stats.h"
#include "server/server.h"
#include "store/lock_set.h"

namespace strata::server {
namespace {

// Private_Dirty of the whole process, in bytes: the pages the child has had copied (its own
// writes and the parent's since the fork). 0 when /proc cannot say. Async-signal-safe enough for
// a forked child: open, read and close only, no allocation.
uint64_t PrivateDirtyBytes() {
  const int fd = open("/proc/self/smaps_rollup", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[4096];
  size_t used = 0;
  ssize_t n;
  while (used < sizeof(buf) - 1 && (n = read(fd, buf + used, sizeof(buf) - 1 - used)) > 0) {
    used += static_cast<size_t>(n);
  }
  close(fd);
  buf[used] = '\0';
  uint64_t total_kb = 0;
  static constexpr char kField[] = "Private_Dirty:";
  for (char* at = std::strstr(buf, kField); at != nullptr; at = std::strstr(at + 1, kField)) {
    const char* p = at + sizeof(kField) - 1;
    while (*p == ' ') ++p;
    uint64_t kb = 0;
    while (*p >= '0' && *p <= '9') kb = kb * 10 + static_cast<uint64_t>(*p++ - '0');
    total_kb += kb;
  }
  return total_kb * 1024;
}

// The child's only way to log: one write(2) to stderr (the parent's spdlog sinks are off limits).
void ChildLog(const std::string& text) {
  const std::string line = "Strata BGSAVE child " + std::to_string(getpid()) + ": " + text + "\n";
  [[maybe_unused]] const ssize_t n = write(STDERR_FILENO, line.data(), line.size());
}

// The snapshot's options from the config at this instant, and the function libraries' codes.
rdb::SaveOptions MakeSaveOptions(Server& server, int64_t now_ms) {
  const Config& config = server.config();
  rdb::SaveOptions options;
  for (const auto& library : server.functions().Libraries()) options.functions.push_back(library->code);
  options.compress = config.Int(ConfigId::kRdbCompression) != 0;
  options.checksum = config.Int(ConfigId::kRdbChecksum) != 0;
  options.now_ms = now_ms;
  options.used_memory = UsedMemory();
  // Redis writes IDLE under an LRU policy and FREQ under an LFU one.
  const auto policy = static_cast<store::EvictionPolicy>(config.Int(ConfigId::kMaxMemoryPolicy));
  if (policy == store::EvictionPolicy::kVolatileLru || policy == store::EvictionPolicy::kAllkeysLru) {
    options.access = rdb::AccessOpcode::kLruIdle;
  } else if (store::IsLfu(policy)) {
    options.access = rdb::AccessOpcode::kLfuFreq;
  }
  options.key_save_delay_us = config.Int(ConfigId::kRdbKeySaveDelay);
  return options;
}

}  // namespace

bool SavePointDue(std::span<const SavePoint> points, int64_t changes, int64_t now_s, int64_t last_save_s,
                  bool last_failed, int64_t last_try_s) {
  if (last_failed && now_s - last_try_s <= kBgsaveRetryDelaySec) return false;
  for (const SavePoint& p : points) {
    if (changes >= p.changes && now_s - last_save_s > p.seconds) return true;
  }
  return false;
}

Persistence::Persistence(Server* server) : server_(server) {
  last_save_s_.store(server->clock().NowMs() / 1000, std::memory_order_relaxed);
}

Persistence::~Persistence() {
  std::lock_guard<std::mutex> lock(mu_);
  KillChildLocked();
}

int64_t Persistence::DirtyTotal() const {
  // Every change of the function libraries counts as one write, as in Redis.
  return static_cast<int64_t>(server_->keyspace().CounterTotals().dirty + server_->functions().generation());
}

bool Persistence::LoadFile(const std::string& path, bool caller_holds_locks, rdb::LoadStats* stats,
                           std::string* error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    *error = std::string("can't open ") + path + ": " + std::strerror(errno);
    if (fd >= 0) close(fd);
    return false;
  }
  const size_t size = static_cast<size_t>(st.st_size);
  void* map = size == 0 ? nullptr : mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) {
    *error = std::string("can't map ") + path + ": " + std::strerror(errno);
    return false;
  }
  rdb::LoadOptions options;
  options.now_ms = server_->clock().NowMs();
  options.bytes_loaded = &loading_bytes_;
  options.key_load_delay_us = server_->config().Int(ConfigId::kKeyLoadDelay);
  options.caller_holds_locks = caller_holds_locks;
  const std::string_view file(static_cast<const char*>(map), size);
  bool ok = rdb::LoadSnapshot(file, &server_->keyspace(), options, stats, error);
  if (map != nullptr) munmap(map, size);
  // The file's libraries replace the current ones (none at start-up; DEBUG RELOAD empties them
  // with the data, as Redis does).
  ok = ok && server_->functions().Restore(stats->functions, FunctionRegistry::RestorePolicy::kFlush, error);
  if (ok) {
    std::lock_guard<std::mutex> lock(mu_);
    last_load_keys_loaded_ = stats->keys;
    last_load_keys_expired_ = stats->expired_skipped;
    dirty_at_last_save_ = DirtyTotal();  // what was loaded is what is on disk
  }
  return ok;
}

void Persistence::StartLoading(void (*on_failure)(Server*)) {
  const std::string path = server_->config().Text(ConfigId::kDbFilename);
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return;  // nothing saved yet: start empty, as Redis does
  loading_total_bytes_ = static_cast<uint64_t>(st.st_size);
  loading_start_s_ = server_->clock().NowMs() / 1000;
  loading_.store(true, std::memory_order_release);
  loader_ = std::thread([this, path, on_failure] {
    const int64_t start_us = MonotonicUs();
    std::string error;
    rdb::LoadStats stats;
    if (!LoadFile(path, /*caller_holds_locks=*/false, &stats, &error)) {
      spdlog::error("Refusing to start with {}: {}", path, error);
      load_failed_.store(true, std::memory_order_relaxed);
      on_failure(server_);
      return;  // loading() stays true: the partial dataset is never served
    }
    spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", stats.keys, stats.expired_skipped);
    spdlog::info("DB loaded from disk: {:.3f} seconds", static_cast<double>(MonotonicUs() - start_us) / 1e6);
    loading_.store(false, std::memory_order_release);
  });
}

Persistence::ReloadResult Persistence::Reload(bool save, std::string* error) {
  store::Keyspace& keyspace = server_->keyspace();
  store::LockSet locks(&keyspace);
  locks.AddAllDatabases();
  locks.Lock();
  bool in_progress = false;
  if (save && !Save(&in_progress, error)) return ReloadResult::kSaveFailed;
  keyspace.Flush(-1, /*async=*/false);
  // Loaded under the same locks: no client sees the keyspace between the flush and the end of the load.
  rdb::LoadStats stats;
  if (LoadFile(server_->config().Text(ConfigId::kDbFilename), /*caller_holds_locks=*/true, &stats, error)) {
    return ReloadResult::kOk;
  }
  // Never serve part of a file.
  spdlog::warn("DEBUG RELOAD failed: {}", *error);
  keyspace.Flush(-1, /*async=*/false);
  return ReloadResult::kLoadFailed;
}

bool Persistence::FinishLoading() {
  if (loader_.joinable()) loader_.join();
  return !load_failed_.load(std::memory_order_relaxed);
}

bool Persistence::SaveLocked(std::string* error) {
  rdb::SaveStats stats;
  const int64_t now_ms = server_->clock().NowMs();
  const Config& config = server_->config();
  if (!rdb::SaveSnapshotFile(server_->keyspace(), MakeSaveOptions(*server_, now_ms), config.Text(ConfigId::kDir),
                             config.Text(ConfigId::kDbFilename), &stats, error)) {
    spdlog::warn("Failed saving the DB: {}", *error);
    return false;
  }
  spdlog::info("DB saved on disk");
  dirty_at_last_save_ = DirtyTotal();
  last_save_s_.store(now_ms / 1000, std::memory_order_relaxed);
  // As Redis's rdbSave: a good save clears a background save's failure (and MISCONF with it).
  last_bgsave_ok_.store(true, std::memory_order_relaxed);
  return true;
}

bool Persistence::Save(bool* in_progress, std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  *in_progress = child_pid_ > 0;
  if (*in_progress) return false;
  if (!SaveLocked(error)) return false;
  ++saves_;
  return true;
}

Persistence::BgsaveStart Persistence::StartBackgroundSave() {
  std::lock_guard<std::mutex> lock(mu_);
  if (child_pid_ > 0) return BgsaveStart::kInProgress;
  const Config& config = server_->config();
  // Everything the child needs is read here: it must not take the config's mutex.
  const std::string dir = config.Text(ConfigId::kDir);
  const std::string filename = config.Text(ConfigId::kDbFilename);
  const int64_t now_ms = server_->clock().NowMs();
  const rdb::SaveOptions options = MakeSaveOptions(*server_, now_ms);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    spdlog::warn("Can't save in background: pipe: {}", std::strerror(errno));
    last_bgsave_ok_.store(false, std::memory_order_relaxed);
    return BgsaveStart::kForkFailed;
  }
  last_bgsave_try_s_ = now_ms / 1000;
  const int64_t fork_start = MonotonicUs();
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    RunChild(fds[1], options, dir, filename);
  }
  const int64_t fork_usec = MonotonicUs() - fork_start;
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    spdlog::warn("Can't save in background: fork: {}", std::strerror(errno));
    last_bgsave_ok_.store(false, std::memory_order_relaxed);
    return BgsaveStart::kForkFailed;
  }
  // As Redis: a fork that happened is timed (latest_fork_usec) and sampled as "fork".
  latest_fork_usec_ = fork_usec;
  server_->latency_monitor().AddIfNeeded("fork", fork_usec / 1000, server_->clock());
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  ++total_forks_;
  child_pid_ = pid;
  child_report_fd_ = fds[0];
  child_start_ms_ = now_ms;
  dirty_at_fork_ = DirtyTotal();
  server_->keyspace().set_snapshot_child(true);
  spdlog::info("Background saving started by pid {}", pid);
  return BgsaveStart::kStarted;
}

void Persistence::RunChild(int report_fd, const rdb::SaveOptions& options, const std::string& dir,
                           const std::string& filename) {
  // The parent's handlers would run libuv code; the default actions are what a child wants.
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  rdb::SaveStats stats;
  std::string error;
  const bool ok = rdb::SaveSnapshotFile(server_->keyspace(), options, dir, filename, &stats, &error);
  if (!ok) ChildLog(error);
  const ChildReport report{static_cast<uint8_t>(ok ? 1 : 0), stats.keys, PrivateDirtyBytes()};
  [[maybe_unused]] const ssize_t n = write(report_fd, &report, sizeof(report));
  _exit(ok ? 0 : 1);
}

void Persistence::RemoveChildTempFile() const {
  // rdb::SaveSnapshotFile's temp file: a killed child had no chance to remove it.
  const std::string path = server_->config().Text(ConfigId::kDir) + "/temp-" + std::to_string(child_pid_) + ".rdb";
  unlink(path.c_str());
}

void Persistence::OnChildDone(int status) {
  ChildReport report{0, 0, 0};
  const bool reported = read(child_report_fd_, &report, sizeof(report)) == static_cast<ssize_t>(sizeof(report));
  close(child_report_fd_);
  child_report_fd_ = -1;
  RemoveChildTempFile();
  child_pid_ = -1;
  server_->keyspace().set_snapshot_child(false);
  const int64_t now_ms = server_->clock().NowMs();
  last_bgsave_time_sec_ = (now_ms - child_start_ms_) / 1000;
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && reported && report.ok != 0;
  last_bgsave_ok_.store(ok, std::memory_order_relaxed);
  if (reported) last_cow_bytes_ = report.cow_bytes;
  if (ok) {
    dirty_at_last_save_ = dirty_at_fork_;
    last_save_s_.store(now_ms / 1000, std::memory_order_relaxed);
    ++saves_;
    spdlog::info("Background saving terminated with success");
  } else if (WIFSIGNALED(status)) {
    spdlog::warn("Background saving terminated by signal {}", WTERMSIG(status));
  } else {
    spdlog::warn("Background saving error");
  }
}

void Persistence::KillChildLocked() {
  if (child_pid_ <= 0) return;
  kill(child_pid_, SIGKILL);
  int status;
  while (waitpid(child_pid_, &status, 0) < 0 && errno == EINTR) {
  }
  // Killed on purpose: Redis counts neither a failure nor a save.
  close(child_report_fd_);
  child_report_fd_ = -1;
  RemoveChildTempFile();
  child_pid_ = -1;
  server_->keyspace().set_snapshot_child(false);
}

void Persistence::Cron() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (child_pid_ > 0) {
      int status;
      if (waitpid(child_pid_, &status, WNOHANG) == child_pid_) OnChildDone(status);
      return;
    }
    if (loading()) return;
    const std::vector<SavePoint> points = server_->config().SavePoints();
    const int64_t now_s = server_->clock().NowMs() / 1000;
    if (!SavePointDue(points, DirtyTotal() - dirty_at_last_save_, now_s, last_save_s(),
                      !last_bgsave_ok_.load(std::memory_order_relaxed), last_bgsave_try_s_)) {
      return;
    }
  }
  // Stripe locks come before mu_: release it, lock every stripe, and fork under them.
  store::LockSet locks(&server_->keyspace());
  locks.AddAllDatabases();
  locks.Lock();
  StartBackgroundSave();
  locks.Unlock();
}

void Persistence::OnFlushAll() {
  std::lock_guard<std::mutex> lock(mu_);
  KillChildLocked();
  if (server_->config().SavePoints().empty()) return;
  std::string error;
  SaveLocked(&error);
}

bool Persistence::SaveForShutdown(bool save, bool nosave) {
  std::lock_guard<std::mutex> lock(mu_);
  KillChildLocked();
  if (nosave || loading() || (!save && server_->config().SavePoints().empty())) return true;
  spdlog::info("Saving the final RDB snapshot before exiting.");
  std::string error;
  if (!SaveLocked(&error)) {
    spdlog::warn("Error trying to save the DB, can't exit.");
    return false;
  }
  ++saves_;
  return true;
}

bool Persistence::WritesRefused() const {
  return !last_bgsave_ok_.load(std::memory_order_relaxed) &&
         server_->config().Int(ConfigId::kStopWritesOnBgsaveError) != 0 && !server_->config().SavePoints().empty();
}

PersistenceInfo Persistence::Info() const {
  PersistenceInfo info;
  info.loading = loading();
  info.loading_start_s = loading_start_s_;
  info.loading_total_bytes = loading_total_bytes_;
  info.loading_loaded_bytes = loading_bytes_.load(std::memory_order_relaxed);
  const int64_t dirty = DirtyTotal();
  std::lock_guard<std::mutex> lock(mu_);
  info.changes_since_last_save = dirty - dirty_at_last_save_;
  info.bgsave_in_progress = child_pid_ > 0;
  info.last_save_s = last_save_s();
  info.last_bgsave_ok = last_bgsave_ok_.load(std::memory_order_relaxed);
  info.last_bgsave_time_sec = last_bgsave_time_sec_;
  info.current_bgsave_time_sec = child_pid_ > 0 ? (server_->clock().NowMs() - child_start_ms_) / 1000 : -1;
  info.saves = saves_;
  info.last_cow_bytes = last_cow_bytes_;
  info.last_load_keys_loaded = last_load_keys_loaded_;
  info.last_load_keys_expired = last_load_keys_expired_;
  info.latest_fork_usec = latest_fork_usec_;
  info.total_forks = total_forks_;
  return info;
}

}  // namespace strata::server
