#include "store/key_events.h"

#include <array>

namespace strata::store {
namespace {

struct EventInfo {
  std::string_view name;
  uint32_t event_class;
};

constexpr std::array kEvents = {
#define STRATA_KEY_EVENT_INFO(e, name, cls) EventInfo{name, cls},
    STRATA_KEY_EVENTS(STRATA_KEY_EVENT_INFO)
#undef STRATA_KEY_EVENT_INFO
};

const EventInfo& Info(KeyEvent event) { return kEvents[static_cast<size_t>(event)]; }

}  // namespace

std::string_view EventName(KeyEvent event) { return Info(event).name; }

uint32_t EventClassOf(KeyEvent event) { return Info(event).event_class; }

bool EventCountsAsWrite(KeyEvent event) {
  return (EventClassOf(event) & (kClassExpired | kClassEvicted | kClassNew | kClassDatabase | kClassKeyMiss)) == 0;
}

void EventQueue::Push(KeyEvent event, int db, int other_db, std::string_view key) {
  items_.push_back(Item{event, db, other_db, keys_.size(), key.size()});
  keys_.append(key);
}

KeyEventRecord EventQueue::at(size_t i) const {
  const Item& item = items_[i];
  return KeyEventRecord{item.event, item.db, item.other_db, std::string_view(keys_).substr(item.offset, item.length)};
}

void EventQueue::Clear() {
  items_.clear();
  keys_.clear();
}

EventQueue& LocalEventQueue() {
  thread_local EventQueue queue;
  return queue;
}

}  // namespace strata::store
