#include "server/config_redis_defaults.h"

#include <cstdint>
#include <vector>

#include "common/numbers.h"
#include "server/config.h"

namespace strata::server {
namespace {

constexpr auto kBool = RedisValueKind::kBool;
constexpr auto kInt = RedisValueKind::kInt;
constexpr auto kMemory = RedisValueKind::kMemory;
constexpr auto kEnum = RedisValueKind::kEnum;
constexpr auto kText = RedisValueKind::kText;
constexpr auto kWords = RedisValueKind::kWords;
constexpr bool kImmutable = true;
constexpr bool kModifiable = false;
constexpr bool kHidden = true;
constexpr bool kShown = false;
constexpr bool kRefuseOtherValue = true;

// Names, immutability and defaults as redis-server 7.0.15 (Debian's, built with TLS) has them.
// Values that move with the environment are all in config.cpp's table (dir, port, bind ...).
constexpr RedisOnlyDirective kRedisOnly[] = {
    {"acl-pubsub-default", "", kEnum, "resetchannels"},
    {"acllog-max-len", "", kInt, "128"},
    {"active-defrag-cycle-max", "", kInt, "25"},
    {"active-defrag-cycle-min", "", kInt, "1"},
    {"active-defrag-ignore-bytes", "", kMemory, "104857600"},
    {"active-defrag-max-scan-fields", "", kInt, "1000"},
    {"active-defrag-threshold-lower", "", kInt, "10"},
    {"active-defrag-threshold-upper", "", kInt, "100"},
    {"active-expire-effort", "", kInt, "1"},
    {"activedefrag", "", kBool, "no"},
    {"activerehashing", "", kBool, "yes"},
    {"always-show-logo", "", kBool, "no", kImmutable},
    {"aof-disable-auto-gc", "", kBool, "no"},
    {"aof-load-truncated", "", kBool, "yes"},
    {"aof-rewrite-incremental-fsync", "", kBool, "yes"},
    {"aof-timestamp-enabled", "", kBool, "no"},
    {"aof-use-rdb-preamble", "", kBool, "yes"},
    {"aof_rewrite_cpulist", "", kText, "", kImmutable},
    {"appenddirname", "", kText, "appendonlydir", kImmutable},
    {"appendfilename", "", kText, "appendonly.aof", kImmutable},
    {"appendfsync", "", kEnum, "everysec"},
    {"auto-aof-rewrite-min-size", "", kMemory, "67108864"},
    {"auto-aof-rewrite-percentage", "", kInt, "100"},
    {"bgsave_cpulist", "", kText, "", kImmutable},
    {"bind-source-addr", "", kText, ""},
    {"bio_cpulist", "", kText, "", kImmutable},
    {"cluster-allow-pubsubshard-when-down", "", kBool, "yes"},
    {"cluster-allow-reads-when-down", "", kBool, "no"},
    {"cluster-allow-replica-migration", "", kBool, "yes"},
    {"cluster-announce-bus-port", "", kInt, "0"},
    {"cluster-announce-hostname", "", kText, ""},
    {"cluster-announce-ip", "", kText, ""},
    {"cluster-announce-port", "", kInt, "0"},
    {"cluster-announce-tls-port", "", kInt, "0"},
    {"cluster-config-file", "", kText, "nodes.conf", kImmutable},
    {"cluster-enabled", "", kBool, "no", kImmutable, kShown, kRefuseOtherValue},
    {"cluster-link-sendbuf-limit", "", kMemory, "0"},
    {"cluster-migration-barrier", "", kInt, "1"},
    {"cluster-node-timeout", "", kInt, "15000"},
    {"cluster-port", "", kInt, "0", kImmutable},
    {"cluster-preferred-endpoint-type", "", kEnum, "ip"},
    {"cluster-replica-no-failover", "cluster-slave-no-failover", kBool, "no"},
    {"cluster-replica-validity-factor", "cluster-slave-validity-factor", kInt, "10"},
    {"cluster-require-full-coverage", "", kBool, "yes"},
    {"crash-log-enabled", "", kBool, "yes"},
    {"crash-memcheck-enabled", "", kBool, "yes"},
    {"disable-thp", "", kBool, "yes", kImmutable},
    {"dynamic-hz", "", kBool, "yes"},
    {"enable-module-command", "", kEnum, "no", kImmutable},
    {"hll-sparse-max-bytes", "", kMemory, "3000"},
    {"ignore-warnings", "", kText, ""},
    {"io-threads-do-reads", "", kBool, "no", kImmutable},
    {"jemalloc-bg-thread", "", kBool, "yes"},
    {"lazyfree-lazy-eviction", "", kBool, "no"},
    {"lazyfree-lazy-expire", "", kBool, "no"},
    {"lazyfree-lazy-server-del", "", kBool, "no"},
    {"lazyfree-lazy-user-del", "", kBool, "no"},
    {"lazyfree-lazy-user-flush", "", kBool, "no"},
    {"list-compress-depth", "", kInt, "0"},
    {"loading-process-events-interval-bytes", "", kInt, "2097152", kModifiable, kHidden},
    {"masterauth", "", kText, ""},
    {"masteruser", "", kText, ""},
    {"min-replicas-max-lag", "min-slaves-max-lag", kInt, "10"},
    {"min-replicas-to-write", "min-slaves-to-write", kInt, "0"},
    {"no-appendfsync-on-rewrite", "", kBool, "no"},
    {"oom-score-adj", "", kEnum, "no"},
    {"oom-score-adj-values", "", kWords, "0 200 800"},
    {"proc-title-template", "", kText, "{title} {listen-addr} {server-mode}"},
    {"propagation-error-behavior", "", kEnum, "ignore"},
    {"repl-backlog-size", "", kMemory, "1048576"},
    {"repl-backlog-ttl", "", kInt, "3600"},
    {"repl-disable-tcp-nodelay", "", kBool, "no"},
    {"repl-diskless-load", "", kEnum, "disabled"},
    {"repl-diskless-sync", "", kBool, "yes"},
    {"repl-diskless-sync-delay", "", kInt, "5"},
    {"repl-diskless-sync-max-replicas", "", kInt, "0"},
    {"repl-ping-replica-period", "repl-ping-slave-period", kInt, "10"},
    {"repl-timeout", "", kInt, "60"},
    {"replica-announce-ip", "slave-announce-ip", kText, ""},
    {"replica-announce-port", "slave-announce-port", kInt, "0"},
    {"replica-announced", "", kBool, "yes"},
    {"replica-ignore-disk-write-errors", "", kBool, "no"},
    {"replica-ignore-maxmemory", "slave-ignore-maxmemory", kBool, "yes"},
    {"replica-lazy-flush", "slave-lazy-flush", kBool, "no"},
    {"replica-priority", "slave-priority", kInt, "100"},
    {"replica-read-only", "slave-read-only", kBool, "yes"},
    {"replica-serve-stale-data", "slave-serve-stale-data", kBool, "yes"},
    {"replicaof", "slaveof", kWords, "", kImmutable, kShown, kRefuseOtherValue},
    {"sanitize-dump-payload", "", kEnum, "no"},
    {"server_cpulist", "", kText, "", kImmutable},
    {"set-proc-title", "", kBool, "yes", kImmutable},
    {"shutdown-on-sigint", "", kWords, "default"},
    {"shutdown-on-sigterm", "", kWords, "default"},
    {"shutdown-timeout", "", kInt, "10"},
    {"socket-mark-id", "", kInt, "0", kImmutable},
    {"stream-node-max-bytes", "", kMemory, "4096"},
    {"stream-node-max-entries", "", kInt, "100"},
    {"syslog-enabled", "", kBool, "no", kImmutable},
    {"syslog-facility", "", kEnum, "local0", kImmutable},
    {"syslog-ident", "", kText, "redis", kImmutable},
    {"tls-auth-clients", "", kEnum, "yes"},
    {"tls-ca-cert-dir", "", kText, ""},
    {"tls-ca-cert-file", "", kText, ""},
    {"tls-cert-file", "", kText, ""},
    {"tls-ciphers", "", kText, ""},
    {"tls-ciphersuites", "", kText, ""},
    {"tls-client-cert-file", "", kText, ""},
    {"tls-client-key-file", "", kText, ""},
    {"tls-client-key-file-pass", "", kText, ""},
    {"tls-cluster", "", kBool, "no"},
    {"tls-dh-params-file", "", kText, ""},
    {"tls-key-file", "", kText, ""},
    {"tls-key-file-pass", "", kText, ""},
    {"tls-port", "", kInt, "0", kModifiable, kShown, kRefuseOtherValue},
    {"tls-prefer-server-ciphers", "", kBool, "no"},
    {"tls-protocols", "", kText, ""},
    {"tls-replication", "", kBool, "no"},
    {"tls-session-cache-size", "", kInt, "20480"},
    {"tls-session-cache-timeout", "", kInt, "300"},
    {"tls-session-caching", "", kBool, "yes"},
    {"tracking-table-max-keys", "", kInt, "1000000"},
    {"use-exit-on-panic", "", kBool, "no", kModifiable, kHidden},
    {"watchdog-period", "", kInt, "0", kModifiable, kHidden},
};

// The words of `args`, split at spaces (CONFIG SET gives a list as one argument).
std::vector<std::string_view> Words(std::span<const std::string> args) {
  std::vector<std::string_view> out;
  for (const std::string& a : args) {
    std::string_view rest(a);
    while (!rest.empty()) {
      const size_t space = rest.find(' ');
      if (space != 0) out.push_back(rest.substr(0, space));
      if (space == std::string_view::npos) break;
      rest.remove_prefix(space + 1);
    }
  }
  return out;
}

}  // namespace

std::span<const RedisOnlyDirective> RedisOnlyDirectives() { return kRedisOnly; }

const RedisOnlyDirective* FindRedisOnlyDirective(std::string_view name) {
  for (const RedisOnlyDirective& d : kRedisOnly) {
    if (EqualsIgnoreCase(d.name, name) || (!d.alias.empty() && EqualsIgnoreCase(d.alias, name))) return &d;
  }
  return nullptr;
}

bool IsRedisDefaultValue(const RedisOnlyDirective& d, std::span<const std::string> args) {
  if (d.kind == RedisValueKind::kWords) {
    const std::string defaults[] = {std::string(d.default_value)};
    return Words(args) == Words(defaults);
  }
  if (args.size() != 1) return false;
  const std::string& value = args[0];
  int64_t given = 0;
  int64_t wanted = 0;
  switch (d.kind) {
    case RedisValueKind::kBool:
    case RedisValueKind::kEnum: return EqualsIgnoreCase(value, d.default_value);
    case RedisValueKind::kInt:
      return ParseInt64(value, &given) && ParseInt64(d.default_value, &wanted) && given == wanted;
    case RedisValueKind::kMemory:
      return ParseMemory(value, &given) && ParseMemory(d.default_value, &wanted) && given == wanted;
    case RedisValueKind::kText: return value == d.default_value;
    case RedisValueKind::kWords: break;  // handled above
  }
  return false;
}

bool IsIgnoredRedisDirective(std::string_view name) {
  return EqualsIgnoreCase(name, "list-max-ziplist-entries") || EqualsIgnoreCase(name, "list-max-ziplist-value") ||
         EqualsIgnoreCase(name, "lua-replicate-commands");
}

}  // namespace strata::server
