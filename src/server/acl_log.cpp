#include "server/acl_log.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace strata::server {
namespace {

// Redis groups a refusal with a recent like one only among the newest entries, within a minute.
constexpr size_t kGroupWindowEntries = 10;
constexpr int64_t kGroupWindowMs = 60'000;
constexpr int64_t kAuthLogIntervalMs = 1000;

}  // namespace

std::string_view AclLogReasonName(AclLogReason reason) {
  switch (reason) {
    case AclLogReason::kAuth:
      return "auth";
    case AclLogReason::kCommand:
      return "command";
    case AclLogReason::kKey:
      return "key";
    case AclLogReason::kChannel:
      return "channel";
  }
  return "";
}

void AclLog::Add(AclLogEntry entry) {
  denied_[static_cast<int>(entry.reason)].fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  const size_t window = std::min(entries_.size(), kGroupWindowEntries);
  for (size_t i = 0; i < window; ++i) {
    AclLogEntry& e = entries_[i];
    if (e.reason == entry.reason && e.context == entry.context && e.object == entry.object &&
        e.username == entry.username && entry.updated_ms - e.updated_ms < kGroupWindowMs) {
      entry.count = e.count + 1;
      entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
  entries_.push_front(std::move(entry));
  if (entries_.size() > kMaxEntries) entries_.pop_back();
}

std::vector<AclLogEntry> AclLog::Newest(size_t count) const {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t n = std::min(count, entries_.size());
  return std::vector<AclLogEntry>(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n));
}

void AclLog::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

AclDeniedCounts AclLog::denied() const {
  auto read = [&](AclLogReason r) { return denied_[static_cast<int>(r)].load(std::memory_order_relaxed); };
  return {read(AclLogReason::kAuth), read(AclLogReason::kCommand), read(AclLogReason::kKey),
          read(AclLogReason::kChannel)};
}

void AclLog::ResetCounts() {
  for (auto& c : denied_) c.store(0, std::memory_order_relaxed);
}

void AclLog::LogAuthFailure(std::string_view addr, std::string_view username, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(auth_log_mu_);
  if (now_ms - last_auth_log_ms_ < kAuthLogIntervalMs) {
    ++auth_log_suppressed_;
    return;
  }
  if (auth_log_suppressed_ > 0) {
    spdlog::warn("Authentication failed for user '{}' from {} ({} more failures since the last such line)",
                 username, addr, auth_log_suppressed_);
  } else {
    spdlog::warn("Authentication failed for user '{}' from {}", username, addr);
  }
  last_auth_log_ms_ = now_ms;
  auth_log_suppressed_ = 0;
}

}  // namespace strata::server
