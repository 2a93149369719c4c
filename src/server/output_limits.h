// client-output-buffer-limit: per class of client, how much pending output it may have before it
// is disconnected (hard), or for how long past a lower mark (soft).
//
// Every class is enforced as Redis enforces it (connection.h checks it wherever output is added):
// a subscriber that does not read is cut (pubsub class), and so is a MONITOR client (normal class,
// as Redis classes monitors). A normal client's own replies are also paused at a high-water mark
// (connection.h), so with the normal class's default (no limit) it only stops being read. Strata
// has no replicas: the replica class is kept and shown, for replication to come.
#ifndef STRATA_SERVER_OUTPUT_LIMITS_H_
#define STRATA_SERVER_OUTPUT_LIMITS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::server {

enum class OutputClass : int { kNormal, kReplica, kPubSub };

struct OutputLimit {
  int64_t hard_bytes = 0;    // 0: none
  int64_t soft_bytes = 0;    // 0: none
  int64_t soft_seconds = 0;  // how long output may stay past soft_bytes
};

using OutputLimits = std::array<OutputLimit, 3>;  // by OutputClass

// Applies "class hard soft seconds [class hard soft seconds ...]" to `limits` (classes normal,
// slave or replica, pubsub; sizes as redis.conf writes memory). An empty text changes nothing.
// On a malformed text returns false, leaves `limits` alone and sets *error to Redis's reason.
bool ParseOutputLimits(std::string_view text, OutputLimits* limits, std::string* error);

// "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", as CONFIG GET shows it.
std::string FormatOutputLimits(const OutputLimits& limits);

}  // namespace strata::server

#endif  // STRATA_SERVER_OUTPUT_LIMITS_H_
