#include "server/blocking.h"

#include <algorithm>

namespace strata::server {

std::string BlockingRegistry::SlotName(int db, std::string_view key) {
  std::string slot = std::to_string(db);
  slot += ':';
  slot += key;
  return slot;
}

void BlockingRegistry::Block(uint64_t client_id, IoThread* thread, int db, const BlockRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = waiters_.find(client_id);
  if (it != waiters_.end()) {
    it->second->woken = false;  // re-run found nothing: back to waiting, same place in line
    return;
  }
  auto waiter = std::make_unique<Waiter>(Waiter{client_id, thread, db, request.keys, request.deadline_ms});
  for (const std::string& key : waiter->keys) {
    std::deque<Waiter*>& line = by_key_[SlotName(db, key)];
    if (std::find(line.begin(), line.end(), waiter.get()) == line.end()) line.push_back(waiter.get());
  }
  if (waiter->deadline_ms != 0) timed_.fetch_add(1, std::memory_order_relaxed);
  waiters_.emplace(client_id, std::move(waiter));
  blocked_.fetch_add(1, std::memory_order_relaxed);
}

void BlockingRegistry::Unblock(uint64_t client_id, bool pass_on) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = waiters_.find(client_id);
  if (it == waiters_.end()) return;
  Waiter* waiter = it->second.get();
  pass_on = pass_on || waiter->woken;
  for (const std::string& key : waiter->keys) {
    const std::string slot = SlotName(waiter->db, key);
    auto line = by_key_.find(slot);
    if (line == by_key_.end()) continue;
    line->second.erase(std::remove(line->second.begin(), line->second.end(), waiter), line->second.end());
    if (line->second.empty()) {
      by_key_.erase(line);
    } else if (pass_on) {
      WakeFirst(slot);
    }
  }
  if (waiter->deadline_ms != 0) timed_.fetch_sub(1, std::memory_order_relaxed);
  waiters_.erase(it);
  blocked_.fetch_sub(1, std::memory_order_relaxed);
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

void BlockingRegistry::OnKeyReady(int db, std::string_view key) {
  if (blocked_.load(std::memory_order_relaxed) == 0) return;  // the common case: nobody waits
  std::lock_guard<std::mutex> lock(mu_);
  WakeFirst(SlotName(db, key));
}

void BlockingRegistry::WakeFirst(const std::string& slot) {
  auto line = by_key_.find(slot);
  if (line == by_key_.end() || line->second.empty()) return;
  Waiter* first = line->second.front();
  if (first->woken) return;  // its re-run is on the way and passes the wake-up on when done
  first->woken = true;
  wake_(first->thread, first->client_id);
}

size_t BlockingRegistry::blocking_keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_key_.size();
}

}  // namespace strata::server
