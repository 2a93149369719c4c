// Server configuration: every directive, its value, and how it is set and shown.
//
// Directives are set from the config file and the command line at start-up (ConfigLoader) and
// with CONFIG SET at run time; CONFIG GET shows them. Values and error texts follow redis.conf.
// Thread-safe: numeric values are atomics read on hot paths; text values sit behind a mutex.
#ifndef STRATA_SERVER_CONFIG_H_
#define STRATA_SERVER_CONFIG_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::server {

struct RedisOnlyDirective;

// One id per directive; the order is that of the directive table in config.cpp.
enum class ConfigId : int {
  kBind,
  kPort,
  kUnixSocket,
  kUnixSocketPerm,
  kTcpBacklog,
  kTcpKeepalive,
  kTimeout,
  kMaxClients,
  kIoThreads,
  kDatabases,
  kHz,
  kLogLevel,
  kLogFile,
  kDaemonize,
  kSupervised,
  kPidFile,
  kRequirePass,
  kAclFile,
  kProtectedMode,
  kEnableProtectedConfigs,
  kProtoMaxBulkLen,
  kClientQueryBufferLimit,
  kDir,
  kSave,
  kDbFilename,
  kRdbCompression,
  kRdbChecksum,
  kStopWritesOnBgsaveError,
  kRdbDelSyncFiles,
  kRdbSaveIncrementalFsync,
  kRdbKeySaveDelay,
  kKeyLoadDelay,
  kEnableDebugCommand,
  kAppendOnly,
  kHashMaxListpackEntries,
  kHashMaxListpackValue,
  kSetMaxIntsetEntries,
  kZsetMaxListpackEntries,
  kZsetMaxListpackValue,
  kListMaxListpackSize,
  kNotifyKeyspaceEvents,
  kClientOutputBufferLimit,
  kMaxMemory,
  kMaxMemoryPolicy,
  kMaxMemorySamples,
  kMaxMemoryEvictionTenacity,
  kLfuLogFactor,
  kLfuDecayTime,
  kMaxMemoryClients,  // bytes, or minus a percentage of maxmemory (as Redis holds it)
  kSlowlogLogSlowerThan,
  kSlowlogMaxLen,
  kLatencyMonitorThreshold,
  kBusyReplyThreshold,  // ms a script runs before other clients are answered -BUSY
  kLatencyTracking,
  kLatencyTrackingInfoPercentiles,
  // Observability beyond Redis: the HTTP metrics endpoint.
  kMetricsPort,
  kMetricsBind,
  kMetricsToken,
  // Beyond Redis: per-prefix statistics (store/prefix_stats.h).
  kStatsPrefixes,
  kCount,
};

// Values of the loglevel directive, in its enum order.
enum class LogLevel : int { kDebug, kVerbose, kNotice, kWarning };

// Values of enable-debug-command and enable-protected-configs, in their enum order: whether a
// dangerous action is allowed, to any client or only to local ones.
enum class ProtectedAction : int { kNo, kYes, kLocal };

// Whether `setting` allows the action to a client that is (or is not) local: connected from
// 127.0.0.1, ::1 or a unix socket (server::IsLocalPeer).
inline bool ProtectedActionAllowed(ProtectedAction setting, bool local_client) {
  return setting == ProtectedAction::kYes || (setting == ProtectedAction::kLocal && local_client);
}

// One save point of the `save` directive: snapshot when at least `changes` writes happened in the
// last `seconds` seconds.
struct SavePoint {
  int64_t seconds;
  int64_t changes;
};

// Parses the words of a `save` directive ("3600 1 300 100"): pairs of non-negative integers.
// No words means no save point. Returns false when the count is odd or a word is not such an
// integer.
bool ParseSavePoints(std::span<const std::string> words, std::vector<SavePoint>* points);

// Parses the words of latency-tracking-info-percentiles ("50 99 99.9"): numbers from 0 to 100.
// Returns false with *error set to Redis's reason otherwise.
bool ParsePercentiles(std::span<const std::string> words, std::vector<double>* percentiles, std::string* error);
// A percentile as Redis shows it in that directive and in INFO latencystats: six decimals with
// the trailing zeros (and a trailing point) removed ("99.9", "50").
std::string FormatPercentile(double percentile);

class Config {
 public:
  Config();
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  // The value of a bool, integer, memory or enum directive (enums: the index of the value).
  int64_t Int(ConfigId id) const { return ints_[static_cast<int>(id)].load(std::memory_order_relaxed); }
  // The value of a text directive (for bind: the addresses joined by spaces).
  std::string Text(ConfigId id) const;
  // The addresses of `bind`, as given.
  std::vector<std::string> BindAddresses() const;
  // The save points of `save`, in the order given (empty: no automatic snapshots).
  std::vector<SavePoint> SavePoints() const;
  // The percentiles of latency-tracking-info-percentiles, in the order given.
  std::vector<double> LatencyPercentiles() const;
  // The prefixes of stats-prefixes, in the order given (empty: no per-prefix statistics).
  std::vector<std::string> StatsPrefixes() const;

  // Sets directive `name` from its arguments. Immutable directives may be set only when
  // `at_startup`. On failure returns false and sets *error to the reason ("argument couldn't be
  // parsed into an integer"); an unknown name gives the reason "unknown".
  // A directive of redis-server that Strata does not implement (config_redis_defaults.h) keeps
  // Redis's default: that value is accepted and changes nothing; another is refused, except at
  // start-up where it is ignored and listed in IgnoredDirectives() (so a redis.conf loads), unless
  // the directive refuses other values (replicaof ...).
  bool Set(std::string_view name, std::span<const std::string> args, bool at_startup, std::string* error);

  // CONFIG SET: applies all pairs or none. The values are tried on a copy first, so other threads
  // never see a value of a refused CONFIG SET (a rollback covers a directory removed meanwhile).
  // The protected directives (dir, dbfilename) change only as enable-protected-configs allows for
  // a client that is or is not `local_client`. Errors name the first bad pair, as Redis does.
  // Returns false with *error set to the whole error reply text.
  bool SetMany(std::span<const std::pair<std::string, std::string>> pairs, bool local_client, std::string* error);

  // CONFIG GET: every (name, value) whose name (or old alias, such as hash-max-ziplist-entries)
  // matches one of the glob `patterns`, each once; directives Strata does not implement answer
  // Redis's default. A pattern without glob characters is looked up as a name and reported as
  // spelled in the pattern ("PORT"), as Redis does; only such a pattern finds the directives Redis
  // hides from globs (rdb-key-save-delay ...).
  std::vector<std::pair<std::string, std::string>> Get(std::span<const std::string_view> patterns) const;

  // The config file's and command line's lines that gave a directive Strata does not implement a
  // value other than Redis's default, as messages for the log, in the order read.
  std::vector<std::string> IgnoredDirectives() const;

  // Called after a directive changes at run time (CONFIG SET). Set once at start-up.
  void set_on_change(std::function<void(ConfigId)> callback) { on_change_ = std::move(callback); }

  // True when `name` (any case) is a directive.
  static bool Known(std::string_view name);
  // The directive's name for `name` (any case, or a pre-7.0 alias), or empty when unknown.
  static std::string_view CanonicalName(std::string_view name);

  // One directive as CONFIG REWRITE writes it into the config file.
  struct FileLine {
    std::string_view name;  // the directive's name
    std::string line;       // "maxclients 100", "logfile \"/var/log/strata.log\""
    bool is_default;        // the value is the built-in default (dir never is)
  };
  // Every directive in table order, with its current value.
  std::vector<FileLine> FileLines() const;

 private:
  std::string Show(int index) const;
  // Set() for a directive of redis-server that Strata does not implement, given as `name`.
  bool SetRedisOnly(const RedisOnlyDirective& d, std::string_view name, std::span<const std::string> args,
                    bool at_startup, std::string* error);

  std::atomic<int64_t> ints_[static_cast<int>(ConfigId::kCount)];
  mutable std::mutex text_mu_;
  std::string texts_[static_cast<int>(ConfigId::kCount)];
  std::vector<std::string> ignored_;  // IgnoredDirectives(), under text_mu_
  // A copy SetMany tries the values on: it leaves the process's working directory alone.
  bool trial_ = false;
  std::function<void(ConfigId)> on_change_;
  std::mutex set_mu_;  // serializes SetMany
  // Whether a `save` line was read at start-up: the first one replaces the default, later ones
  // add to it, as redis.conf's several `save` lines do.
  bool save_read_at_startup_ = false;
};

// Parses a memory amount as redis.conf writes it: "100", "1k" (1000), "1kb" (1024), "5mb", "2gb",
// case-insensitive. Returns false on anything else.
bool ParseMemory(std::string_view text, int64_t* bytes);

}  // namespace strata::server

#endif  // STRATA_SERVER_CONFIG_H_
