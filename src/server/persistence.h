// Snapshots of the keyspace on disk: SAVE, BGSAVE (a forked child), the save points, the load at
// start-up, and the state INFO persistence shows.
//
// A background save forks while the caller holds every stripe lock of every database, so the
// child's image has no table mid-change; the locks are released as soon as fork() returns. The
// child only writes the file (rdb::SaveSnapshotFile), reports through a pipe and _exit()s: it
// touches nothing another thread owned at the fork (no libuv, no spdlog, no lock). The parent
// reaps it from the main loop's timer (Cron) with waitpid(WNOHANG).
#ifndef STRATA_SERVER_PERSISTENCE_H_
#define STRATA_SERVER_PERSISTENCE_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include "rdb/rdb_reader.h"
#include "rdb/rdb_writer.h"
#include "server/config.h"

namespace strata::server {

class Server;

// Redis's serverCron rule: whether a save point calls for a background save at `now_s`, given
// `changes` writes since the last successful save at `last_save_s`. After a failed background
// save (`last_failed`) it retries only once kBgsaveRetryDelaySec have passed since `last_try_s`.
bool SavePointDue(std::span<const SavePoint> points, int64_t changes, int64_t now_s, int64_t last_save_s,
                  bool last_failed, int64_t last_try_s);

// Redis's CONFIG_BGSAVE_RETRY_DELAY.
inline constexpr int64_t kBgsaveRetryDelaySec = 5;

// What INFO persistence and INFO stats show; a copy taken under the state's lock.
struct PersistenceInfo {
  bool loading = false;
  int64_t loading_start_s = 0;
  uint64_t loading_total_bytes = 0;
  uint64_t loading_loaded_bytes = 0;
  int64_t changes_since_last_save = 0;
  bool bgsave_in_progress = false;
  int64_t last_save_s = 0;
  bool last_bgsave_ok = true;
  int64_t last_bgsave_time_sec = -1;
  int64_t current_bgsave_time_sec = -1;
  uint64_t saves = 0;
  uint64_t last_cow_bytes = 0;
  uint64_t last_load_keys_loaded = 0;
  uint64_t last_load_keys_expired = 0;
  int64_t latest_fork_usec = 0;
  uint64_t total_forks = 0;
};

class Persistence {
 public:
  // `server` must outlive this object; only its config, keyspace and clock are used.
  explicit Persistence(Server* server);
  // Kills a live child (its temp file is its own to remove; the old dump stays).
  ~Persistence();
  Persistence(const Persistence&) = delete;
  Persistence& operator=(const Persistence&) = delete;

  // --- Start-up ---
  // Starts loading `dir`/`dbfilename` on a thread of its own if the file exists; loading() is
  // true until it is done. A refused file is logged (its message carries the offset) and
  // `on_failure` is called on the loader thread; the keyspace then holds part of the file and
  // loading() stays true, so nothing is served from it. REQUIRES: before any command runs.
  void StartLoading(void (*on_failure)(Server*));
  // Joins the loader thread. Returns false if the load failed. Main thread, at exit.
  bool FinishLoading();
  bool loading() const { return loading_.load(std::memory_order_acquire); }

  // --- Saving ---
  // SAVE: writes the snapshot in the calling thread. Returns false with *error set on failure.
  // Refused (false, *in_progress set) while a background save runs.
  // REQUIRES: the caller holds every stripe lock of every database.
  bool Save(bool* in_progress, std::string* error);

  enum class BgsaveStart { kStarted, kInProgress, kForkFailed };
  // BGSAVE: forks a child that writes the snapshot. REQUIRES: the caller holds every stripe lock
  // of every database (it releases them after this returns: they are held across fork() only).
  BgsaveStart StartBackgroundSave();

  // Every 100 ms on the main loop: reaps a finished child and records its result, then starts a
  // background save if a save point is due (taking every stripe lock across the fork).
  // REQUIRES: the calling thread holds no stripe lock.
  void Cron();

  // FLUSHALL: kills a running child, and when save points exist saves the (now empty) dataset
  // and forgets the changes, as Redis does. REQUIRES: every stripe lock of every database.
  void OnFlushAll();

  // SHUTDOWN and SIGTERM: kills a running child, then saves if `save` (SHUTDOWN SAVE) or save
  // points exist, unless `nosave`. Returns false when the save failed (the caller refuses to exit
  // unless forced). REQUIRES: every stripe lock of every database.
  bool SaveForShutdown(bool save, bool nosave);

  // DEBUG RELOAD: saves (if `save`), empties every database and loads the dump back; *error says
  // what failed (after a failed load the keyspace is left empty). Save, flush and load happen
  // under every stripe lock, taken here, so no client sees the keyspace in between, as in Redis.
  // REQUIRES: the calling thread holds no stripe lock.
  enum class ReloadResult { kOk, kSaveFailed, kLoadFailed };
  ReloadResult Reload(bool save, std::string* error);

  // Whether writes (and PING) are refused with MISCONF: stop-writes-on-bgsave-error is on, save
  // points exist and the last background save failed. Thread-safe.
  bool WritesRefused() const;

  PersistenceInfo Info() const;
  int64_t last_save_s() const { return last_save_s_.load(std::memory_order_relaxed); }

 private:
  // What the child writes to its pipe before it exits.
  struct ChildReport {
    uint8_t ok;
    uint64_t keys;
    uint64_t cow_bytes;
  };

  // The dirty counter of the keyspace (every write since start) and of the function libraries.
  int64_t DirtyTotal() const;
  // Loads the RDB file `path` into the (empty) keyspace and records the load's figures.
  // `caller_holds_locks`: the calling thread holds every stripe lock (DEBUG RELOAD); otherwise it
  // holds none (start-up). See rdb::LoadOptions.
  bool LoadFile(const std::string& path, bool caller_holds_locks, rdb::LoadStats* stats, std::string* error);
  // Writes the snapshot in this process. REQUIRES: every stripe lock, mu_ held.
  bool SaveLocked(std::string* error);
  // Records a finished child (status as waitpid gives it). REQUIRES: mu_ held.
  void OnChildDone(int status);
  // Removes the temp file of child_pid_, if it left one. REQUIRES: mu_ held.
  void RemoveChildTempFile() const;
  // Kills and reaps a running child. REQUIRES: mu_ held.
  void KillChildLocked();
  // The child's whole life: write, report, _exit. Never returns.
  [[noreturn]] void RunChild(int report_fd, const rdb::SaveOptions& options, const std::string& dir,
                             const std::string& filename);

  Server* server_;
  std::atomic<bool> loading_{false};
  std::atomic<bool> load_failed_{false};
  std::atomic<uint64_t> loading_bytes_{0};
  uint64_t loading_total_bytes_ = 0;
  int64_t loading_start_s_ = 0;
  std::thread loader_;

  mutable std::mutex mu_;  // guards what follows; taken after stripe locks, never before
  pid_t child_pid_ = -1;
  int child_report_fd_ = -1;
  int64_t child_start_ms_ = 0;
  int64_t dirty_at_fork_ = 0;
  int64_t dirty_at_last_save_ = 0;
  std::atomic<int64_t> last_save_s_{0};
  std::atomic<bool> last_bgsave_ok_{true};
  int64_t last_bgsave_try_s_ = 0;
  int64_t last_bgsave_time_sec_ = -1;
  uint64_t saves_ = 0;
  uint64_t last_cow_bytes_ = 0;
  uint64_t last_load_keys_loaded_ = 0;
  uint64_t last_load_keys_expired_ = 0;
  int64_t latest_fork_usec_ = 0;
  uint64_t total_forks_ = 0;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_PERSISTENCE_H_
