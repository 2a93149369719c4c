// One client's pub/sub subscriptions: its channels, patterns and shard channels.
//
// The client's own io-thread changes them (through PubSub, which keeps the server-wide registry
// in step); the counts are atomics so CLIENT LIST and INFO on other threads can read them.
#ifndef STRATA_SERVER_SUBSCRIPTIONS_H_
#define STRATA_SERVER_SUBSCRIPTIONS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>

namespace strata::server {

// What a subscription is to: its message kind is "message", "pmessage" or "smessage".
enum class SubscriptionKind : uint8_t { kChannel, kPattern, kShard };
inline constexpr int kSubscriptionKinds = 3;

class Subscriptions {
 public:
  // Subscriptions of `kind` (CLIENT LIST's sub=, psub=, ssub=). Any thread.
  size_t count(SubscriptionKind kind) const { return counts_[Index(kind)].load(std::memory_order_relaxed); }
  // Whether the client has any subscription at all: a RESP2 client then accepts only the pub/sub
  // commands, PING, QUIT and RESET. Any thread.
  bool any() const {
    return count(SubscriptionKind::kChannel) + count(SubscriptionKind::kPattern) + count(SubscriptionKind::kShard) > 0;
  }
  // The count SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE report: channels plus patterns.
  // SSUBSCRIBE and SUNSUBSCRIBE report shard channels alone.
  int64_t ReplyCount(SubscriptionKind kind) const {
    if (kind == SubscriptionKind::kShard) return static_cast<int64_t>(count(kind));
    return static_cast<int64_t>(count(SubscriptionKind::kChannel) + count(SubscriptionKind::kPattern));
  }

  // --- The owning thread only (PubSub calls these). ---
  const std::unordered_set<std::string>& names(SubscriptionKind kind) const { return names_[Index(kind)]; }
  // Adds `name`; false if it was there already.
  bool Add(SubscriptionKind kind, const std::string& name) {
    if (!names_[Index(kind)].insert(name).second) return false;
    counts_[Index(kind)].fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  // Removes `name`; false if it was not there.
  bool Remove(SubscriptionKind kind, const std::string& name) {
    if (names_[Index(kind)].erase(name) == 0) return false;
    counts_[Index(kind)].fetch_sub(1, std::memory_order_relaxed);
    return true;
  }

 private:
  static size_t Index(SubscriptionKind kind) { return static_cast<size_t>(kind); }

  std::unordered_set<std::string> names_[kSubscriptionKinds];
  std::atomic<size_t> counts_[kSubscriptionKinds] = {};
};

}  // namespace strata::server

#endif  // STRATA_SERVER_SUBSCRIPTIONS_H_
