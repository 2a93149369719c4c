// The server: owns the configuration, the keyspace, the command table, the io-threads and the
// listening sockets, and runs until asked to shut down.
//
// Commands reach server-wide state (INFO, CLIENT LIST, CONFIG, SHUTDOWN) through this class; its
// public methods are thread-safe unless they say otherwise.
#ifndef STRATA_SERVER_SERVER_H_
#define STRATA_SERVER_SERVER_H_

#include <uv.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/function_ref.h"
#include "server/acceptor.h"
#include "server/acl_log.h"
#include "server/acl_registry.h"
#include "server/blocking.h"
#include "server/busy_scripts.h"
#include "server/watch_registry.h"
#include "server/client.h"
#include "server/client_pause.h"
#include "server/command_table.h"
#include "server/config.h"
#include "server/keyspace_notifier.h"
#include "server/memory_guard.h"
#include "server/latency_monitor.h"
#include "server/memory_stats.h"
#include "server/monitor.h"
#include "server/metrics_endpoint.h"
#include "server/output_limits.h"
#include "server/persistence.h"
#include "server/pubsub.h"
#include "server/function_registry.h"
#include "server/script_cache.h"
#include "server/slowlog.h"
#include "server/stats.h"
#include "server/supervision.h"
#include "store/keyspace.h"

namespace strata::server {

class IoThread;

// Facts about how the process was started, for INFO server.
struct LaunchInfo {
  std::string executable;
  std::string config_file;
  // The service manager to tell when the server is ready and stopping (ResolveSupervisor's answer).
  SupervisedMode supervisor = SupervisedMode::kNo;
};

class Server {
 public:
  // `config` is loaded, `commands` registered; both must outlive the server.
  Server(Config* config, const CommandTable* commands, LaunchInfo launch, const Clock* clock = SystemClock::Get());
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the listening sockets, starts the io-threads and serves until SIGTERM, SIGINT or
  // SHUTDOWN. Returns the process exit code. Call once, from the main thread.
  int Run();

  // Asks the server to shut down: stop accepting, flush replies, exit. Thread-safe.
  void RequestShutdown();
  // SIGTERM and SIGINT: saves as SHUTDOWN does (when save points exist), then shuts down; a
  // failed save is logged and the server goes on, as Redis does. Main loop.
  void ShutdownOnSignal();
  // Whether RequestShutdown() was called (or a signal asked for it).
  bool shutdown_requested() const { return shutdown_requested_.load(std::memory_order_relaxed); }

  Config& config() { return *config_; }
  const Config& config() const { return *config_; }
  const CommandTable& commands() const { return *commands_; }
  store::Keyspace& keyspace() { return *keyspace_; }
  const Clock& clock() const { return *clock_; }
  const LaunchInfo& launch() const { return launch_; }

  int io_thread_count() const { return static_cast<int>(threads_.size()); }
  IoThread& io_thread(int i) { return *threads_[static_cast<size_t>(i)]; }

  // Unix ms when the server started, and its random 40-hex-digit run id.
  int64_t start_time_ms() const { return start_time_ms_; }
  const std::string& run_id() const { return run_id_; }
  // The TCP port actually listened on.
  int port() const { return static_cast<int>(config_->Int(ConfigId::kPort)); }
  // The replication id INFO replication shows (random, as a master that never replicated has).
  const std::string& master_replid() const { return master_replid_; }

  // --- Statistics ---
  // The calling thread's request counters.
  RequestCounters& request_counters() { return request_counters_.Local(); }
  // Error replies by code; reply builders count into it.
  ErrorStats& error_stats() { return error_stats_; }
  // Counters since start or the last CONFIG RESETSTAT. Thread-safe.
  StatsSnapshot ReadStats() const { return stats_.Read(commands_->size()); }
  // CONFIG RESETSTAT: zeroes the statistics INFO reports and the latency histograms. Thread-safe.
  void ResetStats();
  // Each command's latency histogram (indexed by command id) since start or the last CONFIG
  // RESETSTAT. Thread-safe.
  std::vector<HistogramTotals> ReadLatencyHistograms() const;
  // The latency histograms' reset epoch: what the io-threads record in (LazyLatencyHistogram).
  // Thread-safe.
  uint64_t latency_epoch() const { return latency_epoch_.load(std::memory_order_relaxed); }
  // Sampled rates: commands, input bytes and output bytes per second. Thread-safe.
  double ops_per_sec() const { return ops_per_sec_.PerSecond(); }
  double input_bytes_per_sec() const { return input_per_sec_.PerSecond(); }
  double output_bytes_per_sec() const { return output_per_sec_.PerSecond(); }

  // --- Memory ---
  // Reads the allocator's used memory and records it as a peak if it is one. Thread-safe.
  size_t SampleUsedMemory();
  size_t used_memory_peak() const { return memory_peak_.peak(); }
  // Used memory once the server was set up, before any client: the baseline of the dataset.
  size_t used_memory_startup() const { return used_memory_startup_; }
  // How long used memory has been over maxmemory (INFO stats). Thread-safe.
  EvictionExceededTime& eviction_exceeded() { return eviction_exceeded_; }

  // Connected clients per io-thread, by thread index. Thread-safe.
  std::vector<size_t> ClientsPerThread() const;

  // --- Clients ---
  // Takes a client slot if maxclients allows; false when full.
  bool ReserveClientSlot();
  // Gives back the slot of a closed client.
  void OnClientClosed();
  size_t connected_clients() const { return connected_clients_.load(std::memory_order_relaxed); }
  uint64_t NextClientId() { return next_client_id_.fetch_add(1, std::memory_order_relaxed); }
  // Calls f for every connected client, thread by thread, under each thread's client-list lock.
  void ForEachClient(FunctionRef<void(const Client&)> f) const;
  // Asks the owning threads to close the clients whose kill flag was set.
  void SweepKilledClients();
  // maxmemory-clients: while the clients' buffers together pass the limit, closes the biggest
  // clients (not those with CLIENT NO-EVICT) until they would not, counting each in
  // evicted_clients. Runs from the main loop's periodic task. Thread-safe.
  void EvictClients();

  // CLIENT PAUSE's state (which commands wait, until when). Thread-safe.
  ClientPause& client_pause() { return client_pause_; }
  const ClientPause& client_pause() const { return client_pause_; }
  // INFO's blocked_clients: clients waiting on keys, and, as Redis 7.0 counts them, those held by
  // CLIENT PAUSE. Thread-safe.
  size_t blocked_clients() const { return blocking_.blocked_clients() + client_pause_.held(); }
  // CLIENT UNPAUSE: ends the pause and has every io-thread run the commands it held.
  // Thread-safe.
  void UnpauseClients();

  // Clients blocked on keys.
  BlockingRegistry& blocking() { return blocking_; }
  // One class of client-output-buffer-limit. Thread-safe.
  OutputLimit output_limit(OutputClass cls) const {
    const AtomicOutputLimit& l = output_limits_[static_cast<size_t>(cls)];
    return OutputLimit{l.hard_bytes.load(std::memory_order_relaxed), l.soft_bytes.load(std::memory_order_relaxed),
                       l.soft_seconds.load(std::memory_order_relaxed)};
  }
  // MONITOR's feed of executed commands.
  MonitorFeed& monitors() { return monitors_; }
  // Pub/sub subscriptions and message delivery.
  PubSub& pubsub() { return pubsub_; }
  const PubSub& pubsub() const { return pubsub_; }
  // Keys clients WATCH.
  WatchRegistry& watches() { return watches_; }
  // EVAL's scripts by SHA1 (SCRIPT LOAD, EVALSHA).
  ScriptCache& scripts() { return scripts_; }
  // FUNCTION LOAD's libraries (FCALL).
  FunctionRegistry& functions() { return functions_; }
  // The scripts running past busy-reply-threshold (SCRIPT KILL, -BUSY replies).
  BusyScripts& busy_scripts() { return busy_scripts_; }

  // SLOWLOG's entries, kept as slowlog-log-slower-than and slowlog-max-len say.
  SlowLog& slowlog() { return slowlog_; }
  // LATENCY's event samples, kept as latency-monitor-threshold says.
  LatencyMonitor& latency_monitor() { return latency_monitor_; }

  // Snapshots: SAVE, BGSAVE, save points, the start-up load.
  Persistence& persistence() { return *persistence_; }

  // --- Access control (ACL users; requirepass is the default user's password) ---
  // Whether a new connection must authenticate: the default user has a password or is off.
  bool RequiresAuth() const { return acl_.RequiresAuth(); }
  AclRegistry& acl() { return acl_; }
  AclLog& acl_log() { return acl_log_; }
  // Makes `client` run as the user `name` as it is now. Returns false if no such user exists.
  // REQUIRES: the client's own io-thread.
  bool SetClientUser(Client& client, std::string_view name);
  // Records a refusal in ACL LOG and INFO's counters: `reason` refused `object` (the command's
  // full name, the key, the channel, or "AUTH") for `username`, while `client` ran `current` with
  // `args`. A failed authentication is also logged, at a bounded rate. REQUIRES: the client's own
  // io-thread.
  void RecordAclDenial(const Client& client, const Command& current, std::span<const std::string_view> args,
                       AclLogReason reason, std::string_view object, std::string_view username);
  // Closes the clients whose user no longer exists (ACL DELUSER, ACL LOAD); `self`, the caller,
  // once its reply is written. Thread-safe.
  void DisconnectClientsOfRemovedUsers(Client* self);

  // Stops the acceptor. Called on io-thread 0 during shutdown.
  void StopAccepting() { acceptor_.Stop(); }

 private:
  // Closes the main loop's handles that are not closing yet (shutdown, destruction).
  void CloseMainLoopHandles();
  void OnConfigChange(ConfigId id);
  void ApplyLogLevel();
  // Reads client-output-buffer-limit's classes from the config.
  void ApplyOutputLimits();
  // Copies slowlog-log-slower-than and slowlog-max-len into the slowlog, and
  // latency-monitor-threshold into the latency monitor.
  void ApplySlowLog();
  // Copies the collection encoding thresholds from the config into the keyspace.
  void ApplyEncodingLimits();
  // Hands maxmemory-policy, lfu-log-factor and lfu-decay-time to the keyspace.
  void ApplyEvictionSettings();
  // Logs Redis's warning when CONFIG SET maxmemory puts the limit under the memory in use (the
  // eviction itself is the io-threads' work, server/memory_guard.h).
  void WarnIfMaxMemoryBelowUsage() const;
  // Every 100 ms on the main loop: samples the per-second rates and the memory peak, and lets
  // persistence reap its child and check the save points.
  void SampleMetrics();

  Config* config_;
  const CommandTable* commands_;
  AclRegistry acl_;
  AclLog acl_log_;
  LaunchInfo launch_;
  const Clock* clock_;
  std::unique_ptr<store::Keyspace> keyspace_;
  BlockingRegistry blocking_;
  ClientPause client_pause_;
  PubSub pubsub_;
  KeyspaceNotifier keyspace_notifier_;
  struct AtomicOutputLimit {
    std::atomic<int64_t> hard_bytes{0};
    std::atomic<int64_t> soft_bytes{0};
    std::atomic<int64_t> soft_seconds{0};
  };
  std::array<AtomicOutputLimit, 3> output_limits_;  // by OutputClass
  MonitorFeed monitors_;
  SlowLog slowlog_;
  LatencyMonitor latency_monitor_;
  std::atomic<uint64_t> latency_epoch_{0};  // CONFIG RESETSTATs so far (LazyLatencyHistogram)
  WatchRegistry watches_;  // before threads_: their clients' watches leave it as they go
  ScriptCache scripts_;
  FunctionRegistry functions_;
  BusyScripts busy_scripts_;
  std::unique_ptr<Persistence> persistence_;
  MetricsEndpoint metrics_endpoint_{this};  // serves only between Run's start and its end
  std::vector<std::unique_ptr<IoThread>> threads_;
  Acceptor acceptor_;
  int64_t start_time_ms_;
  std::string run_id_;
  std::atomic<size_t> connected_clients_{0};
  std::atomic<uint64_t> next_client_id_{1};
  std::atomic<bool> shutdown_requested_{false};
  std::string master_replid_;
  PerThreadSet<RequestCounters> request_counters_;
  ErrorStats error_stats_;
  StatsBaseline stats_;
  InstantaneousMetric ops_per_sec_;
  InstantaneousMetric input_per_sec_;
  InstantaneousMetric output_per_sec_;
  MemoryPeak memory_peak_;
  EvictionExceededTime eviction_exceeded_;
  size_t used_memory_startup_ = 0;

  uv_loop_t main_loop_;
  uv_async_t shutdown_async_;
  uv_signal_t sigterm_;
  uv_signal_t sigint_;
  uv_timer_t metrics_timer_;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_SERVER_H_
