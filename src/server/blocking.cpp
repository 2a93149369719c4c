#include "server/blocking.h"

#include <algorithm>
#include <utility>

#include "server/client.h"

namespace strata::server {
namespace {

// The classes of the events that may bring elements to a key (see OnKeyEvent).
constexpr uint32_t kWantedEvents =
    store::kClassGeneric | store::kClassList | store::kClassZSet | store::kClassDatabase;

// The slots (see SlotName) the calling thread made ready and has not served yet. Per thread, so
// that each pushing command serves its own pushes before its thread moves on.
std::vector<std::string>& ReadySlots() {
  thread_local std::vector<std::string> slots;
  return slots;
}

}  // namespace

std::string BlockingRegistry::SlotName(int db, std::string_view key) {
  std::string slot = std::to_string(db);
  slot += ':';
  slot += key;
  return slot;
}

void BlockingRegistry::Block(Client* client, IoThread* thread, int db, std::span<const std::string_view> args,
                             const BlockRequest& request) {
  auto waiter = std::make_unique<Waiter>(Waiter{client, thread, db, request.keys,
                                                std::vector<std::string>(args.begin(), args.end()), {},
                                                request.deadline_ms});
  waiter->arg_views.assign(waiter->args.begin(), waiter->args.end());
  const uint64_t id = client->id();
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& key : waiter->keys) {
    std::deque<Waiter*>& line = by_key_[SlotName(db, key)];
    if (std::find(line.begin(), line.end(), waiter.get()) == line.end()) line.push_back(waiter.get());
  }
  if (waiter->deadline_ms != 0) timed_.fetch_add(1, std::memory_order_relaxed);
  waiters_.emplace(id, std::move(waiter));
  // Under the keys' stripe locks: every later change of these keys is recorded for us.
  if (blocked_.fetch_add(1, std::memory_order_relaxed) == 0) set_wanted(kWantedEvents);
}

void BlockingRegistry::Remove(Waiter* waiter) {
  for (const std::string& key : waiter->keys) {
    auto line = by_key_.find(SlotName(waiter->db, key));
    if (line == by_key_.end()) continue;
    line->second.erase(std::remove(line->second.begin(), line->second.end(), waiter), line->second.end());
    if (line->second.empty()) by_key_.erase(line);
  }
  if (waiter->deadline_ms != 0) timed_.fetch_sub(1, std::memory_order_relaxed);
  waiters_.erase(waiter->client->id());
  if (blocked_.fetch_sub(1, std::memory_order_relaxed) == 1) set_wanted(0);
}

bool BlockingRegistry::Unblock(uint64_t client_id) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    auto it = waiters_.find(client_id);
    if (it == waiters_.end()) return false;
    if (!it->second->in_service) {
      Remove(it->second.get());
      return true;
    }
    service_done_.wait(lock);  // the service ends quickly: one command's work
  }
}

bool BlockingRegistry::RequestUnblock(uint64_t client_id, UnblockReason reason) {
  IoThread* thread;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = waiters_.find(client_id);
    if (it == waiters_.end()) return false;
    thread = it->second->thread;
  }
  unblock_(thread, client_id, reason);
  return true;
}

int64_t BlockingRegistry::DeadlineOf(uint64_t client_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = waiters_.find(client_id);
  return it == waiters_.end() ? -1 : it->second->deadline_ms;
}

void BlockingRegistry::OnKeyEvent(const store::KeyEventRecord& event) {
  using store::KeyEvent;
  switch (event.event) {
    case KeyEvent::kLPush:
    case KeyEvent::kRPush:
    case KeyEvent::kLInsert:
    case KeyEvent::kSortStore:
    case KeyEvent::kZAdd:
    case KeyEvent::kZIncr:
    case KeyEvent::kZUnionStore:
    case KeyEvent::kZInterStore:
    case KeyEvent::kZDiffStore:
    case KeyEvent::kZRangeStore:
    case KeyEvent::kRenameTo:
    case KeyEvent::kMoveTo:
    case KeyEvent::kCopyTo:
    case KeyEvent::kRestore:
      MarkReady(SlotName(event.db, event.key));
      break;
    case KeyEvent::kSwapDb:
      MarkDatabasesReady(event.db, event.other_db);
      break;
    default:
      break;
  }
}

void BlockingRegistry::MarkReady(std::string slot) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (by_key_.find(slot) == by_key_.end()) return;
  }
  std::vector<std::string>& ready = ReadySlots();
  if (std::find(ready.begin(), ready.end(), slot) == ready.end()) ready.push_back(std::move(slot));
}

void BlockingRegistry::MarkDatabasesReady(int a, int b) {
  const std::string prefix_a = SlotName(a, "");
  const std::string prefix_b = SlotName(b, "");
  std::vector<std::string>& ready = ReadySlots();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [slot, line] : by_key_) {
    if (!slot.starts_with(prefix_a) && !slot.starts_with(prefix_b)) continue;
    if (std::find(ready.begin(), ready.end(), slot) == ready.end()) ready.push_back(slot);
  }
}

bool BlockingRegistry::HasReady() { return !ReadySlots().empty(); }

void BlockingRegistry::ServeReady(ServeFn serve) {
  std::vector<std::string>& ready = ReadySlots();
  // Serving may make more slots ready (BLMOVE pushes to its destination): index, don't iterate.
  for (size_t i = 0; i < ready.size(); ++i) {
    const std::string slot = ready[i];
    for (;;) {
      Waiter* waiter = nullptr;
      {
        std::unique_lock<std::mutex> lock(mu_);
        for (;;) {
          auto line = by_key_.find(slot);
          if (line == by_key_.end()) break;
          waiter = line->second.front();
          if (!waiter->in_service) break;
          // Another thread serves it for another of its keys; wait, to keep the order of the line.
          waiter = nullptr;
          service_done_.wait(lock);
        }
        if (waiter == nullptr) break;
        waiter->in_service = true;  // Unblock now waits: the waiter stays valid without mu_
      }
      std::string reply;
      const bool served = serve(*waiter->client, waiter->arg_views, &reply);
      {
        std::lock_guard<std::mutex> lock(mu_);
        waiter->in_service = false;
        if (served) {
          IoThread* thread = waiter->thread;
          const uint64_t id = waiter->client->id();
          Remove(waiter);
          deliver_(thread, id, std::move(reply));
        }
      }
      service_done_.notify_all();
      if (!served) break;  // the key is empty again: the rest of its line keeps waiting
    }
  }
  ready.clear();
}

size_t BlockingRegistry::blocking_keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_key_.size();
}

}  // namespace strata::server
