#include "server/keyspace_notifier.h"

#include <fmt/format.h>

#include "server/pubsub.h"

namespace strata::server {
namespace {

// The class letters, in the order Redis prints them.
struct ClassLetter {
  char letter;
  uint32_t flag;
};
constexpr ClassLetter kClassLetters[] = {
    {'g', store::kClassGeneric}, {'$', store::kClassString}, {'l', store::kClassList},
    {'s', store::kClassSet},     {'h', store::kClassHash},   {'z', store::kClassZSet},
    {'x', store::kClassExpired}, {'e', store::kClassEvicted}, {'t', kNotifyStream},
    {'d', kNotifyModule},        {'n', store::kClassNew},
};

// What 'A' stands for: every class but new-key and key-miss events.
constexpr uint32_t kNotifyAll = store::kClassGeneric | store::kClassString | store::kClassList | store::kClassSet |
                                store::kClassHash | store::kClassZSet | store::kClassExpired |
                                store::kClassEvicted | kNotifyStream | kNotifyModule;

// The store's event classes a notification can be about.
constexpr uint32_t kStoreClasses = kNotifyAll | store::kClassNew | store::kClassKeyMiss;

}  // namespace

bool ParseNotifyFlags(std::string_view text, uint32_t* flags) {
  uint32_t out = 0;
  for (const char c : text) {
    switch (c) {
      case 'A': out |= kNotifyAll; break;
      case 'K': out |= kNotifyKeyspace; break;
      case 'E': out |= kNotifyKeyevent; break;
      case 'm': out |= store::kClassKeyMiss; break;
      default: {
        uint32_t flag = 0;
        for (const ClassLetter& l : kClassLetters) {
          if (l.letter == c) flag = l.flag;
        }
        if (flag == 0) return false;
        out |= flag;
      }
    }
  }
  *flags = out;
  return true;
}

std::string FormatNotifyFlags(uint32_t flags) {
  std::string out;
  if ((flags & kNotifyAll) == kNotifyAll) {
    out += 'A';
  } else {
    for (const ClassLetter& l : kClassLetters) {
      if ((flags & l.flag) != 0) out += l.letter;
    }
  }
  if ((flags & kNotifyKeyspace) != 0) out += 'K';
  if ((flags & kNotifyKeyevent) != 0) out += 'E';
  if ((flags & store::kClassKeyMiss) != 0) out += 'm';
  return out;
}

void KeyspaceNotifier::SetFlags(uint32_t flags) {
  flags_.store(flags, std::memory_order_relaxed);
  // Without K or E nothing is published, so no event needs recording.
  const bool publishes = (flags & (kNotifyKeyspace | kNotifyKeyevent)) != 0;
  set_wanted(publishes ? flags & kStoreClasses : 0);
}

void KeyspaceNotifier::OnKeyEvent(const store::KeyEventRecord& event) {
  const uint32_t flags = flags_.load(std::memory_order_relaxed);
  if ((flags & store::EventClassOf(event.event)) == 0) return;
  const std::string_view name = store::EventName(event.event);
  // Reused across events: a thread stops allocating once it has seen its longest key.
  thread_local std::string channel;
  if ((flags & kNotifyKeyspace) != 0) {
    channel.clear();
    fmt::format_to(std::back_inserter(channel), "__keyspace@{}__:{}", event.db, event.key);
    pubsub_->Publish(SubscriptionKind::kChannel, channel, name);
  }
  if ((flags & kNotifyKeyevent) != 0) {
    channel.clear();
    fmt::format_to(std::back_inserter(channel), "__keyevent@{}__:{}", event.db, name);
    pubsub_->Publish(SubscriptionKind::kChannel, channel, event.key);
  }
}

}  // namespace strata::server
