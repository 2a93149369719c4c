// ACL LOG's entries, INFO's acl_access_denied_* counters, and the rate-limited log line of failed
// authentications.
#ifndef STRATA_SERVER_ACL_LOG_H_
#define STRATA_SERVER_ACL_LOG_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace strata::server {

// Why an entry was logged: ACL LOG's "reason".
enum class AclLogReason { kAuth, kCommand, kKey, kChannel };

// One ACL LOG entry (Redis 7.0's fields).
struct AclLogEntry {
  int64_t count = 1;
  AclLogReason reason = AclLogReason::kAuth;
  std::string context;   // "toplevel" or "multi"
  std::string object;    // the command, key or channel refused; "AUTH" for a failed login
  std::string username;
  int64_t updated_ms = 0;  // the last time it happened
  std::string client_info;  // CLIENT LIST's line of the client, the last time
};

std::string_view AclLogReasonName(AclLogReason reason);

// Counts of refusals since start or CONFIG RESETSTAT (INFO stats).
struct AclDeniedCounts {
  uint64_t auth = 0;
  uint64_t command = 0;
  uint64_t key = 0;
  uint64_t channel = 0;
};

class AclLog {
 public:
  // Entries kept, as Redis's acllog-max-len default.
  static constexpr size_t kMaxEntries = 128;

  // Records a refusal at `now_ms` and counts it. As Redis, a refusal like one of the ten newest
  // entries (same reason, context, object and user) less than 60 s old updates that entry.
  // Thread-safe.
  void Add(AclLogEntry entry);
  // The newest `count` entries, newest first. Thread-safe.
  std::vector<AclLogEntry> Newest(size_t count) const;
  // ACL LOG RESET. Thread-safe.
  void Reset();

  AclDeniedCounts denied() const;
  // CONFIG RESETSTAT.
  void ResetCounts();

  // Logs a failed authentication from `addr` as `username` at most once a second, with how many
  // were not logged since the last line. Thread-safe.
  void LogAuthFailure(std::string_view addr, std::string_view username, int64_t now_ms);

 private:
  mutable std::mutex mu_;
  std::deque<AclLogEntry> entries_;  // newest first
  std::atomic<uint64_t> denied_[4] = {};
  std::mutex auth_log_mu_;
  int64_t last_auth_log_ms_ = 0;
  uint64_t auth_log_suppressed_ = 0;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_ACL_LOG_H_
