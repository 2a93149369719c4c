// Pub/sub: the server-wide registry of subscriptions and the delivery of published messages to
// subscribers on every io-thread.
//
// A subscription is registered with the subscriber's io-thread. PUBLISH looks the subscribers up
// under a shared lock and routes one delivery per subscriber: those on the publishing thread are
// written to their connections right after the lookup; those on other threads are appended to
// that thread's inbox, and the first append to an empty inbox posts one task that drains the
// whole inbox there. Deliveries of many messages therefore travel to a thread in one batch, and
// since one publisher appends its messages in order, each subscriber sees them in that order.
// A subscriber's messages are sent once per loop iteration of its thread, whatever their number.
//
// An inbox counts the bytes it holds for each subscriber. A thread that lags behind its
// publishers (a busy loop, a slow build) would otherwise let the inbox grow without bound: once a
// subscriber's queued bytes reach the pubsub class's hard output limit, its further messages are
// dropped and the drain closes it, as Redis closes a subscriber whose output buffer gets there.
//
// Thread-safe unless a method says otherwise. Lock order: the registry's lock, then an inbox's
// lock, then an io-thread's task queue; none is held while a connection is written to, so a
// subscriber closed during a delivery may unsubscribe at once.
#ifndef STRATA_SERVER_PUBSUB_H_
#define STRATA_SERVER_PUBSUB_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/subscriptions.h"

namespace strata::server {

class Client;
class IoThread;
struct Command;

// Whether a RESP2 client with subscriptions may run `cmd`: only (P|S)SUBSCRIBE,
// (P|S)UNSUBSCRIBE, PING, QUIT and RESET, as in Redis.
bool AllowedInSubscribedContext(const Command& cmd);

// The message kind's name as the subscriber sees it: "message", "pmessage", "smessage".
std::string_view MessageKindName(SubscriptionKind kind);

class PubSub {
 public:
  // `threads` is the number of io-threads (their indexes are 0 .. threads-1).
  explicit PubSub(int threads);
  ~PubSub();
  PubSub(const PubSub&) = delete;
  PubSub& operator=(const PubSub&) = delete;

  // Subscribes `client`, owned by `thread`, to `name`; false if it already was.
  // REQUIRES: the client's own io-thread.
  bool Subscribe(Client& client, IoThread* thread, SubscriptionKind kind, std::string_view name);
  // Unsubscribes `client` from `name`; false if it was not subscribed.
  // REQUIRES: the client's own io-thread.
  bool Unsubscribe(Client& client, SubscriptionKind kind, std::string_view name);
  // Unsubscribes `client` from everything of `kind` and returns the names it left.
  // REQUIRES: the client's own io-thread.
  std::vector<std::string> UnsubscribeAll(Client& client, SubscriptionKind kind);
  // Everything of every kind (a closing connection, RESET).
  void UnsubscribeEverything(Client& client);

  // Publishes `payload` on `channel` (kind kChannel: to its subscribers and to the matching
  // patterns'; kShard: to the shard channel's subscribers) and returns how many subscriptions
  // receive it. On an io-thread, its own subscribers receive it before this returns.
  int64_t Publish(SubscriptionKind kind, std::string_view channel, std::string_view payload);

  // For PUBSUB and INFO: channels with a subscriber (matching the glob `pattern` if given), and
  // the subscribers of one channel; distinct patterns with a subscriber.
  std::vector<std::string> Channels(SubscriptionKind kind, const std::string_view* pattern) const;
  size_t SubscriberCount(SubscriptionKind kind, std::string_view channel) const;
  size_t NameCount(SubscriptionKind kind) const;

 private:
  struct Subscriber {
    IoThread* thread;
    uint64_t client_id;
  };
  struct Message {
    std::string channel;
    std::string payload;
  };
  struct Delivery {
    uint64_t client_id;
    SubscriptionKind kind;
    std::shared_ptr<const Message> message;
    std::string pattern;  // the matching pattern of a pmessage
  };
  struct Inbox {
    std::mutex mu;
    std::vector<Delivery> items;
    std::unordered_map<uint64_t, int64_t> queued_bytes;  // by client id, for `items`
    std::vector<uint64_t> overflowed;                     // clients that reached the hard limit
  };
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Registry = std::unordered_map<std::string, std::vector<Subscriber>, NameHash, std::equal_to<>>;

  Registry& registry(SubscriptionKind kind) { return registries_[static_cast<size_t>(kind)]; }
  const Registry& registry(SubscriptionKind kind) const { return registries_[static_cast<size_t>(kind)]; }
  // Takes `name` of `kind` off the registry for `client_id`. REQUIRES: mu_ held exclusively.
  void RemoveLocked(SubscriptionKind kind, const std::string& name, uint64_t client_id);
  // Writes `deliveries` to their connections on `thread` (the calling thread); the thread sends
  // them before its loop next waits.
  static void Deliver(IoThread* thread, std::vector<Delivery>& deliveries);
  // Appends `out` to `inbox` (emptying `out`), dropping the deliveries of subscribers whose queued
  // bytes reached `hard_bytes` (0: no limit). Returns whether the inbox was empty before.
  static bool Enqueue(Inbox& inbox, std::vector<Delivery>& out, int64_t hard_bytes);
  // Runs on `thread`: delivers everything in its inbox and closes the subscribers that overflowed.
  void DrainInbox(IoThread* thread);

  mutable std::shared_mutex mu_;
  Registry registries_[kSubscriptionKinds];
  std::vector<std::unique_ptr<Inbox>> inboxes_;  // by io-thread index
};

}  // namespace strata::server

#endif  // STRATA_SERVER_PUBSUB_H_
