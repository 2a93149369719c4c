#include "server/config.h"

#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "common/error_texts.h"
#include "common/glob.h"
#include "common/numbers.h"
#include "server/config_redis_defaults.h"
#include "server/keyspace_notifier.h"
#include "server/output_limits.h"
#include "store/prefix_stats.h"

namespace strata::server {
namespace {

// kNotifyFlags: notify-keyspace-events' class letters, held as their flags (keyspace_notifier.h).
// kOutputLimits: client-output-buffer-limit's classes, held as text (output_limits.h).
// kMemoryOrPercent: bytes, or "N%" (0 to 100) held as -N, as Redis holds maxmemory-clients.
enum class Kind { kBool, kInt, kMemory, kMemoryOrPercent, kEnum, kOctal, kText, kList, kNotifyFlags, kOutputLimits };

constexpr std::array<std::string_view, 4> kLogLevels = {"debug", "verbose", "notice", "warning"};
// In ProtectedAction order.
// In SupervisedMode's order.
constexpr std::array<std::string_view, 4> kSupervisedModes = {"no", "upstart", "systemd", "auto"};
constexpr std::array<std::string_view, 3> kProtectedAction = {"no", "yes", "local"};
// In store::EvictionPolicy order.
constexpr std::array<std::string_view, 8> kMaxMemoryPolicies = {"volatile-lru",   "volatile-lfu", "volatile-random",
                                                                 "volatile-ttl",   "allkeys-lru",  "allkeys-lfu",
                                                                 "allkeys-random", "noeviction"};

struct Directive {
  ConfigId id;
  std::string_view name;
  std::string_view alias;  // the pre-7.0 name Redis still accepts, or empty
  Kind kind;
  bool immutable;
  std::string_view default_text;
  int64_t min = 0;
  int64_t max = INT64_MAX;
  std::span<const std::string_view> enum_values = {};
};

constexpr int64_t kIntMax = 2147483647;

// Names, kinds and limits as redis.conf has them. io-threads' default is filled in at run time.
const Directive kDirectives[] = {
    {ConfigId::kBind, "bind", "", Kind::kList, false, "127.0.0.1 -::1"},
    {ConfigId::kPort, "port", "", Kind::kInt, false, "6379", 0, 65535},
    {ConfigId::kUnixSocket, "unixsocket", "", Kind::kText, true, ""},
    {ConfigId::kUnixSocketPerm, "unixsocketperm", "", Kind::kOctal, true, "0", 0, 0777},
    {ConfigId::kTcpBacklog, "tcp-backlog", "", Kind::kInt, true, "511", 0, kIntMax},
    {ConfigId::kTcpKeepalive, "tcp-keepalive", "", Kind::kInt, false, "300", 0, kIntMax},
    {ConfigId::kTimeout, "timeout", "", Kind::kInt, false, "0", 0, kIntMax},
    {ConfigId::kMaxClients, "maxclients", "", Kind::kInt, false, "10000", 1, 4294967295},
    {ConfigId::kIoThreads, "io-threads", "", Kind::kInt, true, "", 1, 128},
    {ConfigId::kDatabases, "databases", "", Kind::kInt, true, "16", 1, kIntMax},
    {ConfigId::kHz, "hz", "", Kind::kInt, false, "10", 0, kIntMax},
    {ConfigId::kLogLevel, "loglevel", "", Kind::kEnum, false, "notice", 0, 0, kLogLevels},
    {ConfigId::kLogFile, "logfile", "", Kind::kText, true, ""},
    {ConfigId::kDaemonize, "daemonize", "", Kind::kBool, true, "no"},
    {ConfigId::kSupervised, "supervised", "", Kind::kEnum, true, "no", 0, 0, kSupervisedModes},
    {ConfigId::kPidFile, "pidfile", "", Kind::kText, true, ""},
    {ConfigId::kRequirePass, "requirepass", "", Kind::kText, false, ""},
    {ConfigId::kAclFile, "aclfile", "", Kind::kText, true, ""},
    {ConfigId::kProtectedMode, "protected-mode", "", Kind::kBool, false, "yes"},
    {ConfigId::kEnableProtectedConfigs, "enable-protected-configs", "", Kind::kEnum, true, "no", 0, 0,
     kProtectedAction},
    {ConfigId::kProtoMaxBulkLen, "proto-max-bulk-len", "", Kind::kMemory, false, "512mb", 1024 * 1024, INT64_MAX},
    {ConfigId::kClientQueryBufferLimit, "client-query-buffer-limit", "", Kind::kMemory, false, "1gb", 1024 * 1024,
     INT64_MAX},
    {ConfigId::kDir, "dir", "", Kind::kText, false, ""},
    {ConfigId::kSave, "save", "", Kind::kList, false, "3600 1 300 100 60 10000"},
    {ConfigId::kDbFilename, "dbfilename", "", Kind::kText, false, "dump.rdb"},
    {ConfigId::kRdbCompression, "rdbcompression", "", Kind::kBool, false, "yes"},
    {ConfigId::kRdbChecksum, "rdbchecksum", "", Kind::kBool, true, "yes"},
    {ConfigId::kStopWritesOnBgsaveError, "stop-writes-on-bgsave-error", "", Kind::kBool, false, "yes"},
    {ConfigId::kRdbDelSyncFiles, "rdb-del-sync-files", "", Kind::kBool, false, "no"},
    // Accepted for redis.conf compatibility; the writer fsyncs once, at the end.
    {ConfigId::kRdbSaveIncrementalFsync, "rdb-save-incremental-fsync", "", Kind::kBool, false, "yes"},
    {ConfigId::kRdbKeySaveDelay, "rdb-key-save-delay", "", Kind::kInt, false, "0", -2147483648LL, kIntMax},
    {ConfigId::kKeyLoadDelay, "key-load-delay", "", Kind::kInt, false, "0", -2147483648LL, kIntMax},
    {ConfigId::kEnableDebugCommand, "enable-debug-command", "", Kind::kEnum, true, "no", 0, 0, kProtectedAction},
    // The append-only file does not exist yet: only the value that turns it off is accepted (see
    // RefuseAppendOnly).
    {ConfigId::kAppendOnly, "appendonly", "", Kind::kBool, false, "no"},
    // 512, not redis.conf's 128: redis-server 7.0's built-in default, what it runs with no config file.
    {ConfigId::kHashMaxListpackEntries, "hash-max-listpack-entries", "hash-max-ziplist-entries", Kind::kInt, false,
     "512", 0, INT64_MAX},
    {ConfigId::kHashMaxListpackValue, "hash-max-listpack-value", "hash-max-ziplist-value", Kind::kMemory, false, "64",
     0, INT64_MAX},
    {ConfigId::kSetMaxIntsetEntries, "set-max-intset-entries", "", Kind::kInt, false, "512", 0, INT64_MAX},
    {ConfigId::kZsetMaxListpackEntries, "zset-max-listpack-entries", "zset-max-ziplist-entries", Kind::kInt, false,
     "128", 0, INT64_MAX},
    {ConfigId::kZsetMaxListpackValue, "zset-max-listpack-value", "zset-max-ziplist-value", Kind::kMemory, false, "64",
     0, INT64_MAX},
    {ConfigId::kListMaxListpackSize, "list-max-listpack-size", "list-max-ziplist-size", Kind::kInt, false, "-2",
     -2147483648LL, 2147483647},
    {ConfigId::kNotifyKeyspaceEvents, "notify-keyspace-events", "", Kind::kNotifyFlags, false, ""},
    {ConfigId::kClientOutputBufferLimit, "client-output-buffer-limit", "", Kind::kOutputLimits, false,
     "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
    {ConfigId::kMaxMemory, "maxmemory", "", Kind::kMemory, false, "0", 0, INT64_MAX},
    {ConfigId::kMaxMemoryPolicy, "maxmemory-policy", "", Kind::kEnum, false, "noeviction", 0, 0, kMaxMemoryPolicies},
    {ConfigId::kMaxMemorySamples, "maxmemory-samples", "", Kind::kInt, false, "5", 1, kIntMax},
    {ConfigId::kMaxMemoryEvictionTenacity, "maxmemory-eviction-tenacity", "", Kind::kInt, false, "10", 0, 100},
    {ConfigId::kLfuLogFactor, "lfu-log-factor", "", Kind::kInt, false, "10", 0, kIntMax},
    {ConfigId::kLfuDecayTime, "lfu-decay-time", "", Kind::kInt, false, "1", 0, kIntMax},
    {ConfigId::kMaxMemoryClients, "maxmemory-clients", "", Kind::kMemoryOrPercent, false, "0", -100, INT64_MAX},
    {ConfigId::kSlowlogLogSlowerThan, "slowlog-log-slower-than", "", Kind::kInt, false, "10000", -1, INT64_MAX},
    {ConfigId::kSlowlogMaxLen, "slowlog-max-len", "", Kind::kInt, false, "128", 0, INT64_MAX},
    {ConfigId::kLatencyMonitorThreshold, "latency-monitor-threshold", "", Kind::kInt, false, "0", 0, INT64_MAX},
    {ConfigId::kBusyReplyThreshold, "busy-reply-threshold", "lua-time-limit", Kind::kInt, false, "5000", 0,
     INT64_MAX},
    {ConfigId::kLatencyTracking, "latency-tracking", "", Kind::kBool, false, "yes"},
    {ConfigId::kLatencyTrackingInfoPercentiles, "latency-tracking-info-percentiles", "", Kind::kList, false,
     "50 99 99.9"},
    // The metrics endpoint listens from start-up to exit (0: no endpoint); its token may change
    // at run time, and is checked on every request.
    {ConfigId::kMetricsPort, "metrics-port", "", Kind::kInt, true, "0", 0, 65535},
    {ConfigId::kMetricsBind, "metrics-bind", "", Kind::kText, true, "127.0.0.1"},
    {ConfigId::kMetricsToken, "metrics-token", "", Kind::kText, false, ""},
    // Key prefixes to keep statistics for, space-separated (empty: none). Changing it rescans
    // every key once to count the keys per prefix.
    {ConfigId::kStatsPrefixes, "stats-prefixes", "", Kind::kList, false, ""},
};
static_assert(std::size(kDirectives) == static_cast<size_t>(ConfigId::kCount), "one row per ConfigId");

// Directives CONFIG SET changes only as enable-protected-configs allows (by default, never):
// pointing the snapshot at another file lets a client write into any file the server may write,
// the "CONFIG SET dir + SAVE" attack. These are the modifiable ones among Redis 7.0's
// PROTECTED_CONFIG directives; the others are immutable here too.
bool IsProtected(const Directive& d) { return d.id == ConfigId::kDir || d.id == ConfigId::kDbFilename; }

// Directives CONFIG GET shows for their exact name only, not for a glob, as Redis hides them:
// they slow snapshots down, for tests.
bool IsHidden(const Directive& d) { return d.id == ConfigId::kRdbKeySaveDelay || d.id == ConfigId::kKeyLoadDelay; }

const Directive* FindDirective(std::string_view name) {
  for (const Directive& d : kDirectives) {
    if (EqualsIgnoreCase(d.name, name) || (!d.alias.empty() && EqualsIgnoreCase(d.alias, name))) return &d;
  }
  return nullptr;
}

// The name CONFIG SET's value errors report for `typed` (a known directive), as Redis reports
// it: the directive's name or its alias, whichever `typed` is, in lower case.
std::string_view RegisteredName(std::string_view typed) {
  std::string_view name;
  std::string_view alias;
  if (const Directive* d = FindDirective(typed)) {
    name = d->name;
    alias = d->alias;
  } else if (const RedisOnlyDirective* r = FindRedisOnlyDirective(typed)) {
    name = r->name;
    alias = r->alias;
  }
  return EqualsIgnoreCase(name, typed) ? name : alias;
}

// The listening sockets are opened once, at start-up; a new port or bind list needs a restart.
// Redis reopens them on CONFIG SET; until Strata does, it refuses the change rather than accept
// a value it would not apply.
constexpr char kListenersAtStartup[] =
    "changing the listening port or addresses at run time is not supported yet; restart with the new value";

// Whether `appendonly` is being given the value that asks for the append-only file, which Strata
// does not have yet; if so, says so in *error. Accepting `no` lets redis-server command lines
// and tools that read the directive (redis-benchmark) work unchanged.
bool RefuseAppendOnly(ConfigId id, bool enables, std::string* error) {
  if (!enables || id != ConfigId::kAppendOnly) return false;
  *error = "the append-only file is not supported yet; only appendonly no is accepted";
  return true;
}

// Splits CONFIG SET's one space-separated argument (or the file's words) into words.
std::vector<std::string> SplitWords(std::span<const std::string> args) {
  std::vector<std::string> words;
  for (const std::string& a : args) {
    size_t i = 0;
    while (i < a.size()) {
      const size_t space = a.find(' ', i);
      const size_t end = space == std::string::npos ? a.size() : space;
      if (end > i) words.emplace_back(a.substr(i, end - i));
      i = end + 1;
    }
  }
  return words;
}

// One io-thread per core this process may run on, less one left to the clients and the kernel's
// network work, at least 1 and at most 8. The cores are those of its affinity mask (taskset, a
// container's cpuset), not of the machine. Threads beyond that only queue for a CPU: on 2 cores,
// two io-threads beside a busy client doubled the p99 at -P 16 (bench/compare.py) while one
// io-thread kept throughput above Redis's.
std::string DefaultIoThreads() {
  cpu_set_t allowed;
  int cores = sched_getaffinity(0, sizeof(allowed), &allowed) == 0
                  ? CPU_COUNT(&allowed)
                  : static_cast<int>(std::thread::hardware_concurrency());
  return std::to_string(std::clamp(cores - 1, 1, 8));
}

std::string Join(std::span<const std::string> parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

// Quotes `text` as Redis's sdscatrepr does, so the config loader reads it back unchanged.
std::string QuoteForFile(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

// A byte count in the largest unit that divides it, as Redis rewrites memory directives.
std::string MemoryForFile(int64_t bytes) {
  constexpr int64_t kKb = 1024;
  constexpr int64_t kMb = 1024 * kKb;
  constexpr int64_t kGb = 1024 * kMb;
  if (bytes != 0 && bytes % kGb == 0) return fmt::format("{}gb", bytes / kGb);
  if (bytes != 0 && bytes % kMb == 0) return fmt::format("{}mb", bytes / kMb);
  if (bytes != 0 && bytes % kKb == 0) return fmt::format("{}kb", bytes / kKb);
  return std::to_string(bytes);
}

// A configuration holding every default, to tell which directives were changed.
const Config& Defaults() {
  static const Config defaults;
  return defaults;
}

}  // namespace

bool ParseSavePoints(std::span<const std::string> words, std::vector<SavePoint>* points) {
  if (words.size() % 2 != 0) return false;
  std::vector<SavePoint> out;
  for (size_t i = 0; i < words.size(); i += 2) {
    SavePoint p;
    if (!ParseInt64(words[i], &p.seconds) || !ParseInt64(words[i + 1], &p.changes) || p.seconds < 0 ||
        p.changes < 0) {
      return false;
    }
    out.push_back(p);
  }
  *points = std::move(out);
  return true;
}

bool ParsePercentiles(std::span<const std::string> words, std::vector<double>* percentiles, std::string* error) {
  std::vector<double> out;
  for (const std::string& w : words) {
    double p = 0;
    if (!ParseDouble(w, &p)) {
      *error = "Invalid latency-tracking-info-percentiles parameters";
      return false;
    }
    if (p < 0 || p > 100) {
      *error = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
      return false;
    }
    out.push_back(p);
  }
  *percentiles = std::move(out);
  return true;
}

std::string FormatPercentile(double percentile) {
  std::string text = fmt::format("{:f}", percentile);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

bool ParseMemory(std::string_view text, int64_t* bytes) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return false;
  const std::string unit = AsciiLower(text.substr(digits));
  int64_t mul;
  if (unit.empty() || unit == "b") {
    mul = 1;
  } else if (unit == "k") {
    mul = 1000;
  } else if (unit == "kb") {
    mul = 1024;
  } else if (unit == "m") {
    mul = 1000 * 1000;
  } else if (unit == "mb") {
    mul = 1024 * 1024;
  } else if (unit == "g") {
    mul = 1000LL * 1000 * 1000;
  } else if (unit == "gb") {
    mul = 1024LL * 1024 * 1024;
  } else {
    return false;
  }
  int64_t n = 0;
  for (size_t i = 0; i < digits; ++i) {
    const int d = text[i] - '0';
    if (n > (INT64_MAX - d) / 10) return false;
    n = n * 10 + d;
  }
  if (n > INT64_MAX / mul) return false;
  *bytes = n * mul;
  return true;
}

Config::Config() {
  for (const Directive& d : kDirectives) {
    assert(&d - kDirectives == static_cast<int>(d.id) && "rows in ConfigId order");
    ints_[static_cast<int>(d.id)].store(0, std::memory_order_relaxed);
    std::string text(d.default_text);
    if (d.id == ConfigId::kIoThreads) text = DefaultIoThreads();
    if (d.id == ConfigId::kDir) continue;  // the working directory itself is the value
    std::string error;
    const std::string args[] = {text};
    const bool ok = Set(d.name, d.kind == Kind::kList && text.empty() ? std::span<const std::string>() : args,
                        /*at_startup=*/true, &error);
    if (!ok) std::abort();  // a default that does not parse is a bug in the table above
  }
  save_read_at_startup_ = false;  // the default is replaced by the first `save` line read
}

bool Config::Known(std::string_view name) { return FindDirective(name) != nullptr; }

std::string Config::Text(ConfigId id) const {
  if (id == ConfigId::kDir) {
    char buf[4096];
    return getcwd(buf, sizeof(buf)) != nullptr ? std::string(buf) : std::string();
  }
  std::lock_guard<std::mutex> lock(text_mu_);
  return texts_[static_cast<int>(id)];
}

std::vector<SavePoint> Config::SavePoints() const {
  const std::string text = Text(ConfigId::kSave);
  const std::string words[] = {text};
  std::vector<SavePoint> points;
  ParseSavePoints(SplitWords(words), &points);  // stored only once validated
  return points;
}

std::vector<double> Config::LatencyPercentiles() const {
  const std::string words[] = {Text(ConfigId::kLatencyTrackingInfoPercentiles)};
  std::vector<double> percentiles;
  std::string ignored;
  ParsePercentiles(SplitWords(words), &percentiles, &ignored);  // stored only once validated
  return percentiles;
}

std::vector<std::string> Config::StatsPrefixes() const {
  const std::string words[] = {Text(ConfigId::kStatsPrefixes)};
  return SplitWords(words);
}

std::vector<std::string> Config::BindAddresses() const {
  std::vector<std::string> out;
  const std::string all = Text(ConfigId::kBind);
  size_t i = 0;
  while (i < all.size()) {
    const size_t space = all.find(' ', i);
    const size_t end = space == std::string::npos ? all.size() : space;
    if (end > i) out.emplace_back(all.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

bool Config::Set(std::string_view name, std::span<const std::string> args, bool at_startup, std::string* error) {
  const Directive* d = FindDirective(name);
  if (d == nullptr) {
    if (const RedisOnlyDirective* r = FindRedisOnlyDirective(name)) return SetRedisOnly(*r, name, args, at_startup, error);
    *error = "unknown";
    return false;
  }
  if (d->immutable && !at_startup) {
    *error = "can't set immutable config";
    return false;
  }
  if (d->kind == Kind::kList) {
    // CONFIG SET passes the list as one space-separated argument; the file passes words.
    std::vector<std::string> words = SplitWords(args);
    if (d->id == ConfigId::kSave) {
      std::vector<SavePoint> points;
      if (!ParseSavePoints(words, &points)) {
        *error = "Invalid save parameters";
        return false;
      }
      // Several `save` lines at start-up add up; `save ""` among them clears what came before.
      if (at_startup && save_read_at_startup_ && !words.empty()) {
        const std::string current = Text(ConfigId::kSave);
        if (!current.empty()) words.insert(words.begin(), current);
      }
      if (at_startup) save_read_at_startup_ = true;
    }
    if (d->id == ConfigId::kStatsPrefixes && words.size() > store::kMaxStatsPrefixes) {
      *error = fmt::format("at most {} prefixes are allowed", store::kMaxStatsPrefixes);
      return false;
    }
    if (d->id == ConfigId::kLatencyTrackingInfoPercentiles) {
      std::vector<double> percentiles;
      if (!ParsePercentiles(words, &percentiles, error)) return false;
      words.clear();  // shown as Redis shows numbers: "99.9", "50"
      for (double p : percentiles) words.push_back(FormatPercentile(p));
    }
    std::string joined = Join(words);
    if (!at_startup && d->id == ConfigId::kBind && joined != Text(ConfigId::kBind)) {
      *error = kListenersAtStartup;
      return false;
    }
    // An empty list is valid: `bind` with no address listens on no TCP socket.
    std::lock_guard<std::mutex> lock(text_mu_);
    texts_[static_cast<int>(d->id)] = std::move(joined);
    return true;
  }
  if (d->kind == Kind::kOutputLimits) {
    // The classes given change; the others keep their limits. The file passes words, CONFIG SET
    // one argument.
    OutputLimits limits{};
    std::string ignored;
    ParseOutputLimits(Text(d->id), &limits, &ignored);  // the text held is always well formed
    if (!ParseOutputLimits(Join(args), &limits, error)) return false;
    std::lock_guard<std::mutex> lock(text_mu_);
    texts_[static_cast<int>(d->id)] = FormatOutputLimits(limits);
    return true;
  }
  if (args.size() != 1) {
    *error = "wrong number of arguments";
    return false;
  }
  const std::string& arg = args[0];
  int64_t value = 0;
  switch (d->kind) {
    case Kind::kBool:
      if (EqualsIgnoreCase(arg, "yes")) {
        value = 1;
      } else if (EqualsIgnoreCase(arg, "no")) {
        value = 0;
      } else {
        *error = "argument must be 'yes' or 'no'";
        return false;
      }
      if (RefuseAppendOnly(d->id, value == 1, error)) return false;
      break;
    case Kind::kInt:
      if (!ParseInt64(arg, &value)) {
        *error = "argument couldn't be parsed into an integer";
        return false;
      }
      break;
    case Kind::kMemory:
      if (!ParseMemory(arg, &value)) {
        *error = "argument must be a memory value";
        return false;
      }
      break;
    case Kind::kMemoryOrPercent:
      if (!arg.empty() && arg.back() == '%') {
        const std::string_view digits = std::string_view(arg).substr(0, arg.size() - 1);
        if (digits.empty() || digits[0] == '-' || !ParseInt64(digits, &value)) {
          *error = "argument must be a memory or percent value";
          return false;
        }
        if (value > 100) {
          *error = "percentage argument must be less or equal to 100";
          return false;
        }
        value = -value;
      } else if (!ParseMemory(arg, &value) || value < 0) {
        *error = "argument must be a memory or percent value";
        return false;
      }
      break;
    case Kind::kOctal: {
      char* end = nullptr;
      value = std::strtoll(arg.c_str(), &end, 8);
      if (arg.empty() || *end != '\0') {
        *error = "argument couldn't be parsed into an integer";
        return false;
      }
      break;
    }
    case Kind::kEnum: {
      size_t i = 0;
      while (i < d->enum_values.size() && !EqualsIgnoreCase(d->enum_values[i], arg)) ++i;
      if (i == d->enum_values.size()) {
        *error = "argument(s) must be one of the following: ";
        for (size_t j = 0; j < d->enum_values.size(); ++j) {
          if (j > 0) *error += ", ";
          *error += d->enum_values[j];
        }
        return false;
      }
      value = static_cast<int64_t>(i);
      break;
    }
    case Kind::kText:
      if (d->id == ConfigId::kDir) {
        // A trial only checks that the directory is there: the working directory is the process's.
        struct stat st {};
        if (trial_ ? stat(arg.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) : chdir(arg.c_str()) != 0) {
          *error = fmt::format("No such file or directory");
          return false;
        }
        return true;
      }
      // Redis keeps the snapshot in `dir`: a path here would put it elsewhere.
      if (d->id == ConfigId::kDbFilename && arg.find('/') != std::string::npos) {
        *error = "dbfilename can't be a path, just a filename";
        return false;
      }
      {
        std::lock_guard<std::mutex> lock(text_mu_);
        texts_[static_cast<int>(d->id)] = arg;
      }
      return true;
    case Kind::kNotifyFlags: {
      uint32_t flags = 0;
      if (!ParseNotifyFlags(arg, &flags)) {
        *error = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        return false;
      }
      value = flags;
      break;
    }
    case Kind::kList:
    case Kind::kOutputLimits:
      break;  // handled above
  }
  if ((d->kind == Kind::kInt || d->kind == Kind::kMemory || d->kind == Kind::kOctal) &&
      (value < d->min || value > d->max)) {
    *error = fmt::format("argument must be between {} and {} inclusive", d->min, d->max);
    return false;
  }
  // Redis accepts any non-negative hz and clamps it to what its timers can do.
  if (d->id == ConfigId::kHz) value = value < 1 ? 1 : (value > 500 ? 500 : value);
  if (!at_startup && d->id == ConfigId::kPort && value != Int(ConfigId::kPort)) {
    *error = kListenersAtStartup;
    return false;
  }
  ints_[static_cast<int>(d->id)].store(value, std::memory_order_relaxed);
  return true;
}

bool Config::SetMany(std::span<const std::pair<std::string, std::string>> pairs, bool local_client,
                     std::string* error) {
  // One CONFIG SET at a time, so a rollback never undoes another client's change.
  std::lock_guard<std::mutex> set_lock(set_mu_);
  for (size_t i = 0; i < pairs.size(); ++i) {
    const Directive* d = FindDirective(pairs[i].first);
    const RedisOnlyDirective* r = d == nullptr ? FindRedisOnlyDirective(pairs[i].first) : nullptr;
    if (d == nullptr && r == nullptr) {
      *error = fmt::format(errors::kFmtUnknownConfig, pairs[i].first);
      return false;
    }
    if (d != nullptr ? d->immutable : r->immutable) {
      *error = fmt::format(errors::kFmtConfigSetFailed, pairs[i].first, "can't set immutable config");
      return false;
    }
    const auto protected_configs = static_cast<ProtectedAction>(Int(ConfigId::kEnableProtectedConfigs));
    if (d != nullptr && IsProtected(*d) && !ProtectedActionAllowed(protected_configs, local_client)) {
      *error = fmt::format(errors::kFmtConfigSetFailed, pairs[i].first, "can't set protected config");
      return false;
    }
    for (size_t j = 0; j < i; ++j) {
      if (EqualsIgnoreCase(pairs[j].first, pairs[i].first)) {
        *error = fmt::format(errors::kFmtConfigSetFailed, pairs[i].first, "duplicate parameter");
        return false;
      }
    }
  }
  // Every value is tried on a copy first: a bad one then changes nothing, not even for the moment
  // until a rollback, when other threads act on the values (an evictor on a maxmemory that is
  // refused a moment later).
  Config trial;
  trial.trial_ = true;
  for (size_t i = 0; i < std::size(kDirectives); ++i) trial.ints_[i].store(ints_[i].load(std::memory_order_relaxed));
  {
    std::lock_guard<std::mutex> lock(text_mu_);
    for (size_t i = 0; i < std::size(kDirectives); ++i) trial.texts_[i] = texts_[i];
  }
  for (const auto& [name, value] : pairs) {
    std::string reason;
    const std::string args[] = {value};
    if (!trial.Set(name, args, /*at_startup=*/false, &reason)) {
      *error = fmt::format(errors::kFmtConfigSetFailed, RegisteredName(name), reason);
      return false;
    }
  }
  // Only a directory removed since the trial can fail now; what was set before it is rolled back.
  std::vector<std::pair<const Directive*, std::string>> previous;
  for (const auto& [name, value] : pairs) {
    // A directive Strata does not implement changes nothing: Set only checks its value.
    const Directive* d = FindDirective(name);
    std::string old = d != nullptr ? Show(static_cast<int>(d->id)) : std::string();
    std::string reason;
    const std::string args[] = {value};
    if (!Set(name, args, /*at_startup=*/false, &reason)) {
      for (auto it = previous.rbegin(); it != previous.rend(); ++it) {
        const std::string restore[] = {it->second};
        std::string ignored;
        Set(it->first->name, restore, false, &ignored);
      }
      *error = fmt::format(errors::kFmtConfigSetFailed, RegisteredName(name), reason);
      return false;
    }
    if (d != nullptr) previous.emplace_back(d, std::move(old));
  }
  if (on_change_) {
    for (const auto& [d, old] : previous) on_change_(d->id);
  }
  return true;
}

std::string Config::Show(int index) const {
  const Directive& d = kDirectives[index];
  const int64_t v = ints_[index].load(std::memory_order_relaxed);
  switch (d.kind) {
    case Kind::kBool: return v ? "yes" : "no";
    case Kind::kInt:
    case Kind::kMemory: return std::to_string(v);
    case Kind::kMemoryOrPercent: return v < 0 ? fmt::format("{}%", -v) : std::to_string(v);
    case Kind::kOctal: return fmt::format("{:o}", v);
    case Kind::kEnum: return std::string(d.enum_values[static_cast<size_t>(v)]);
    case Kind::kText:
    case Kind::kList:
    case Kind::kOutputLimits: return Text(d.id);
    case Kind::kNotifyFlags: return FormatNotifyFlags(static_cast<uint32_t>(v));
  }
  return std::string();
}

std::vector<std::pair<std::string, std::string>> Config::Get(std::span<const std::string_view> patterns) const {
  std::vector<std::pair<std::string, std::string>> out;
  // Names are reported once, whatever their letter case; a directive and its alias are two names.
  const auto seen = [&out](std::string_view name) {
    return std::any_of(out.begin(), out.end(), [name](const auto& pair) { return EqualsIgnoreCase(pair.first, name); });
  };
  const auto show = [this](const Directive& d) { return Show(static_cast<int>(&d - kDirectives)); };
  for (std::string_view pattern : patterns) {
    // A plain name is looked up and reported as the client spelled it, as Redis does.
    if (pattern.find_first_of("[*?") == std::string_view::npos) {
      if (seen(pattern)) continue;
      if (const Directive* d = FindDirective(pattern)) {
        out.emplace_back(std::string(pattern), show(*d));
      } else if (const RedisOnlyDirective* r = FindRedisOnlyDirective(pattern)) {
        out.emplace_back(std::string(pattern), std::string(r->default_value));
      }
      continue;
    }
    const auto matches = [&](std::string_view name) {
      return !name.empty() && GlobMatch(pattern, name, /*nocase=*/true) && !seen(name);
    };
    for (const Directive& d : kDirectives) {
      if (IsHidden(d)) continue;
      for (std::string_view name : {d.name, d.alias}) {
        if (matches(name)) out.emplace_back(std::string(name), show(d));
      }
    }
    for (const RedisOnlyDirective& r : RedisOnlyDirectives()) {
      if (r.hidden) continue;
      for (std::string_view name : {r.name, r.alias}) {
        if (matches(name)) out.emplace_back(std::string(name), std::string(r.default_value));
      }
    }
  }
  return out;
}

bool Config::SetRedisOnly(const RedisOnlyDirective& d, std::string_view name, std::span<const std::string> args,
                          bool at_startup, std::string* error) {
  if (d.immutable && !at_startup) {
    *error = "can't set immutable config";
    return false;
  }
  if (d.kind != RedisValueKind::kWords && args.size() != 1) {
    *error = "wrong number of arguments";
    return false;
  }
  if (IsRedisDefaultValue(d, args)) return true;
  if (!at_startup || d.refuse_other_value) {
    *error = fmt::format(errors::kFmtConfigNotImplemented, d.default_value);
    return false;
  }
  std::lock_guard<std::mutex> lock(text_mu_);
  ignored_.push_back(fmt::format("'{} {}' is ignored: Strata does not implement {} yet and works as Redis does with its "
                                 "default value '{}'",
                                 name, Join(args), name, d.default_value));
  return true;
}

std::vector<std::string> Config::IgnoredDirectives() const {
  std::lock_guard<std::mutex> lock(text_mu_);
  return ignored_;
}

std::string_view Config::CanonicalName(std::string_view name) {
  const Directive* d = FindDirective(name);
  return d == nullptr ? std::string_view() : d->name;
}

std::vector<Config::FileLine> Config::FileLines() const {
  std::vector<FileLine> out;
  const Config& defaults = Defaults();
  for (size_t i = 0; i < std::size(kDirectives); ++i) {
    const Directive& d = kDirectives[i];
    const int index = static_cast<int>(i);
    std::string value;
    switch (d.kind) {
      case Kind::kMemory: value = MemoryForFile(ints_[i].load(std::memory_order_relaxed)); break;
      case Kind::kMemoryOrPercent: {
        const int64_t v = ints_[i].load(std::memory_order_relaxed);
        value = v < 0 ? Show(index) : MemoryForFile(v);
        break;
      }
      case Kind::kText: value = QuoteForFile(Text(d.id)); break;
      default: value = Show(index); break;
    }
    // `save ""` turns snapshots off; a bare `save` line would read back the same, but Redis
    // writes it quoted.
    if (d.id == ConfigId::kSave && value.empty()) value = "\"\"";
    std::string line(d.name);
    if (!value.empty()) line += " " + value;
    // The working directory is always written: a relative default would move with the process.
    const bool is_default = d.id != ConfigId::kDir && Show(index) == defaults.Show(index);
    out.push_back({d.name, std::move(line), is_default});
  }
  return out;
}

}  // namespace strata::server
