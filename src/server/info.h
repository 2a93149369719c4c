// The INFO reply: its sections, in Redis 7.0's order, field names and number formats.
//
// Fields Redis shows for features Strata does not have (replication, persistence, pub/sub,
// scripting, forks) carry the values of a server where those features are idle, so clients that
// parse them keep working. Strata adds `strata_`-prefixed fields of its own.
#ifndef STRATA_SERVER_INFO_H_
#define STRATA_SERVER_INFO_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/memory_stats.h"

namespace strata::server {

class Server;

// INFO's sections, in the order they are printed.
enum InfoSection : uint32_t {
  kInfoServer = 1u << 0,
  kInfoClients = 1u << 1,
  kInfoMemory = 1u << 2,
  kInfoPersistence = 1u << 3,
  kInfoStats = 1u << 4,
  kInfoReplication = 1u << 5,
  kInfoCpu = 1u << 6,
  kInfoModules = 1u << 7,
  kInfoCommandStats = 1u << 8,
  kInfoErrorStats = 1u << 9,
  kInfoCluster = 1u << 10,
  kInfoKeyspace = 1u << 11,
  kInfoLatencyStats = 1u << 12,  // printed between errorstats and cluster
  // Beyond Redis: per-prefix statistics (stats-prefixes), printed last. Like commandstats, only
  // when named or with "all" / "everything", never by a plain INFO.
  kInfoPrefixStats = 1u << 13,
};

// The sections INFO's arguments select (the words after INFO, any case): none or "default" for
// the default set, "all" and "everything" for every section, otherwise the named ones. Unknown
// names select nothing.
uint32_t SelectInfoSections(std::span<const std::string_view> args);

// The INFO text for `sections`: each section's "# Title" line and "field:value" lines, ended by
// CRLF, sections separated by an empty line. Thread-safe.
std::string BuildInfo(Server& server, uint32_t sections);

// Whole seconds since the server started (uptime_in_seconds). Thread-safe.
int64_t UptimeSeconds(const Server& server);

// Bytes in Redis's human form: "512B", "895.02K", "6.27M", "23.54G" ...
std::string BytesToHuman(uint64_t bytes);

// Redis's "%.2f" of a ratio, or "0.00" when the divisor is zero.
std::string FormatRatio(double numerator, double denominator);

// One line of INFO prefixstats, without the CRLF, for the prefix configured at `index`:
// "prefix0:prefix=user:,hits=3,misses=1,expired=0,keys=2", keys summed over the databases.
// The prefix is a value, not part of the name, as it usually holds a colon.
std::string PrefixStatLine(size_t index, std::string_view prefix, uint64_t hits, uint64_t misses,
                           uint64_t expired, int64_t keys);

// One line of INFO commandstats, without the CRLF:
// "cmdstat_get:calls=3,usec=12,usec_per_call=4.00,rejected_calls=0,failed_calls=0".
std::string CommandStatLine(std::string_view name, uint64_t calls, uint64_t usec, uint64_t rejected,
                            uint64_t failed);

// Everything known about memory use, for INFO memory, MEMORY STATS and MEMORY DOCTOR.
struct MemoryOverview {
  size_t used = 0;       // allocated by the program (used_memory)
  size_t peak = 0;       // largest `used` seen
  size_t startup = 0;    // `used` once the server was set up
  size_t rss = 0;        // resident set size
  size_t clients_normal = 0;  // client buffers
  size_t hashtables = 0;      // the keyspace's slot arrays
  size_t overhead = 0;        // startup + clients + hashtables
  size_t dataset = 0;         // used - overhead
  size_t keys = 0;            // keys in all databases
  size_t total_system = 0;
  AllocatorFigures allocator;
  // The hashtable bytes of each non-empty database, as (db, bytes).
  std::vector<std::pair<int, size_t>> db_hashtables;
};

// Reads the current memory figures (and updates the peak). Thread-safe.
MemoryOverview CollectMemoryOverview(Server& server);

}  // namespace strata::server

#endif  // STRATA_SERVER_INFO_H_
