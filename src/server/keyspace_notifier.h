// Keyspace notifications: an observer of the keyspace's events that publishes each one, as the
// notify-keyspace-events directive asks, on `__keyspace@<db>__:<key>` (the event's name as the
// message) and `__keyevent@<db>__:<event>` (the key as the message).
#ifndef STRATA_SERVER_KEYSPACE_NOTIFIER_H_
#define STRATA_SERVER_KEYSPACE_NOTIFIER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/key_events.h"

namespace strata::server {

class PubSub;

// notify-keyspace-events flags. The classes of key events use the store's EventClass bits
// (g $ l s h z x e n, and m for key misses); these are the rest.
enum NotifyFlag : uint32_t {
  kNotifyKeyspace = 1u << 16,  // K
  kNotifyKeyevent = 1u << 17,  // E
  kNotifyStream = 1u << 18,    // t (no stream type yet: accepted and shown, never announced)
  kNotifyModule = 1u << 19,    // d (no modules: likewise)
};

// Parses a notify-keyspace-events value ("KEA", "Kx", "") into flags; false on a letter Redis
// does not know.
bool ParseNotifyFlags(std::string_view text, uint32_t* flags);
// The value as Redis shows it: "A" for every class A covers (then no other class letter, n
// included, as Redis 7.0 prints it), else the class letters in Redis's order; then K, E, m.
std::string FormatNotifyFlags(uint32_t flags);

class KeyspaceNotifier final : public store::KeyspaceObserver {
 public:
  // `pubsub` must outlive the notifier.
  explicit KeyspaceNotifier(PubSub* pubsub) : pubsub_(pubsub) {}

  // Applies a new notify-keyspace-events value. Thread-safe.
  void SetFlags(uint32_t flags);

  // Publishes `event` on the channels the flags ask for. After the change's unlock, on its thread.
  void OnKeyEvent(const store::KeyEventRecord& event) override;

 private:
  PubSub* pubsub_;
  std::atomic<uint32_t> flags_{0};
};

}  // namespace strata::server

#endif  // STRATA_SERVER_KEYSPACE_NOTIFIER_H_
