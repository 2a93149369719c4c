#include "server/pubsub.h"

#include <algorithm>
#include <array>

#include "common/glob.h"
#include "server/client.h"
#include "server/command_table.h"
#include "server/connection.h"
#include "server/io_thread.h"
#include "server/server.h"

namespace strata::server {

bool AllowedInSubscribedContext(const Command& cmd) {
  static constexpr std::array<std::string_view, 9> kAllowed = {
      "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe", "quit", "reset"};
  return std::find(kAllowed.begin(), kAllowed.end(), cmd.name) != kAllowed.end();
}

std::string_view MessageKindName(SubscriptionKind kind) {
  switch (kind) {
    case SubscriptionKind::kChannel: return "message";
    case SubscriptionKind::kPattern: return "pmessage";
    case SubscriptionKind::kShard: return "smessage";
  }
  return "message";
}

PubSub::PubSub(int threads) {
  for (int i = 0; i < threads; ++i) inboxes_.push_back(std::make_unique<Inbox>());
}

PubSub::~PubSub() = default;

bool PubSub::Subscribe(Client& client, IoThread* thread, SubscriptionKind kind, std::string_view name) {
  std::string key(name);
  if (!client.subscriptions().Add(kind, key)) return false;
  std::unique_lock lock(mu_);
  registry(kind)[std::move(key)].push_back(Subscriber{thread, client.id()});
  return true;
}

void PubSub::RemoveLocked(SubscriptionKind kind, const std::string& name, uint64_t client_id) {
  Registry& reg = registry(kind);
  auto it = reg.find(name);
  if (it == reg.end()) return;
  std::vector<Subscriber>& subs = it->second;
  for (size_t i = 0; i < subs.size(); ++i) {
    if (subs[i].client_id == client_id) {
      subs[i] = subs.back();
      subs.pop_back();
      break;
    }
  }
  if (subs.empty()) reg.erase(it);
}

bool PubSub::Unsubscribe(Client& client, SubscriptionKind kind, std::string_view name) {
  const std::string key(name);
  if (!client.subscriptions().Remove(kind, key)) return false;
  std::unique_lock lock(mu_);
  RemoveLocked(kind, key, client.id());
  return true;
}

std::vector<std::string> PubSub::UnsubscribeAll(Client& client, SubscriptionKind kind) {
  Subscriptions& subs = client.subscriptions();
  std::vector<std::string> names(subs.names(kind).begin(), subs.names(kind).end());
  if (names.empty()) return names;
  {
    std::unique_lock lock(mu_);
    for (const std::string& name : names) RemoveLocked(kind, name, client.id());
  }
  for (const std::string& name : names) subs.Remove(kind, name);
  return names;
}

void PubSub::UnsubscribeEverything(Client& client) {
  for (SubscriptionKind kind : {SubscriptionKind::kChannel, SubscriptionKind::kPattern, SubscriptionKind::kShard}) {
    UnsubscribeAll(client, kind);
  }
}

int64_t PubSub::Publish(SubscriptionKind kind, std::string_view channel, std::string_view payload) {
  // Reused from one publish to the next: a thread stops allocating once it has seen its largest
  // fan-out.
  thread_local std::vector<Delivery> local;
  thread_local std::vector<std::vector<Delivery>> remote;
  thread_local std::vector<IoThread*> remote_threads;
  if (remote.size() < inboxes_.size()) remote.resize(inboxes_.size());
  IoThread* const self = IoThread::Current();
  std::shared_ptr<const Message> message;
  int64_t receivers = 0;
  auto route = [&](const Subscriber& s, SubscriptionKind as, std::string_view pattern) {
    if (!message) message = std::make_shared<const Message>(Message{std::string(channel), std::string(payload)});
    ++receivers;
    if (s.thread == self) {
      local.push_back(Delivery{s.client_id, as, message, std::string(pattern)});
      return;
    }
    std::vector<Delivery>& out = remote[static_cast<size_t>(s.thread->index())];
    if (out.empty()) remote_threads.push_back(s.thread);
    out.push_back(Delivery{s.client_id, as, message, std::string(pattern)});
  };
  {
    std::shared_lock lock(mu_);
    const Registry& reg = registry(kind);
    if (auto it = reg.find(channel); it != reg.end()) {
      for (const Subscriber& s : it->second) route(s, kind, {});
    }
    if (kind == SubscriptionKind::kChannel) {
      for (const auto& [pattern, subs] : registry(SubscriptionKind::kPattern)) {
        if (!GlobMatch(pattern, channel)) continue;
        for (const Subscriber& s : subs) route(s, SubscriptionKind::kPattern, pattern);
      }
    }
  }
  for (IoThread* thread : remote_threads) {
    std::vector<Delivery>& out = remote[static_cast<size_t>(thread->index())];
    const int64_t hard_bytes = thread->server().output_limit(OutputClass::kPubSub).hard_bytes;
    // One task per batch: the thread drains whatever has accumulated by the time it runs it.
    if (Enqueue(*inboxes_[static_cast<size_t>(thread->index())], out, hard_bytes)) {
      thread->Post([this, thread] { DrainInbox(thread); });
    }
  }
  remote_threads.clear();
  if (!local.empty()) Deliver(self, local);
  return receivers;
}

bool PubSub::Enqueue(Inbox& inbox, std::vector<Delivery>& out, int64_t hard_bytes) {
  std::lock_guard<std::mutex> lock(inbox.mu);
  const bool was_empty = inbox.items.empty();
  for (Delivery& d : out) {
    int64_t& queued = inbox.queued_bytes[d.client_id];
    if (hard_bytes > 0 && queued >= hard_bytes) continue;  // already overflowed: the drain closes it
    // What the message will take in the subscriber's output buffer, give or take its framing.
    queued += static_cast<int64_t>(d.message->channel.size() + d.message->payload.size() + d.pattern.size() + 40);
    if (hard_bytes > 0 && queued >= hard_bytes) inbox.overflowed.push_back(d.client_id);
    inbox.items.push_back(std::move(d));
  }
  out.clear();
  return was_empty;
}

void PubSub::DrainInbox(IoThread* thread) {
  thread_local std::vector<Delivery> batch;
  thread_local std::vector<uint64_t> overflowed;
  {
    Inbox& inbox = *inboxes_[static_cast<size_t>(thread->index())];
    std::lock_guard<std::mutex> lock(inbox.mu);
    batch.swap(inbox.items);
    overflowed.swap(inbox.overflowed);
    inbox.queued_bytes.clear();
  }
  Deliver(thread, batch);
  for (uint64_t client_id : overflowed) {
    if (Connection* conn = thread->FindConnection(client_id)) conn->CloseForOutputLimit();
  }
  overflowed.clear();
}

void PubSub::Deliver(IoThread* thread, std::vector<Delivery>& deliveries) {
  for (const Delivery& d : deliveries) {
    Connection* conn = thread->FindConnection(d.client_id);
    if (conn == nullptr) continue;  // gone since the message was routed
    const std::string* pattern = d.kind == SubscriptionKind::kPattern ? &d.pattern : nullptr;
    // Each connection is written once for all the messages of this loop iteration.
    if (conn->WriteMessage(MessageKindName(d.kind), pattern, d.message->channel, d.message->payload)) {
      thread->ScheduleMessageFlush(d.client_id);
    }
  }
  deliveries.clear();
}

std::vector<std::string> PubSub::Channels(SubscriptionKind kind, const std::string_view* pattern) const {
  std::vector<std::string> out;
  std::shared_lock lock(mu_);
  for (const auto& [name, subs] : registry(kind)) {
    if (pattern == nullptr || GlobMatch(*pattern, name)) out.push_back(name);
  }
  return out;
}

size_t PubSub::SubscriberCount(SubscriptionKind kind, std::string_view channel) const {
  std::shared_lock lock(mu_);
  const Registry& reg = registry(kind);
  auto it = reg.find(channel);
  return it == reg.end() ? 0 : it->second.size();
}

size_t PubSub::NameCount(SubscriptionKind kind) const {
  std::shared_lock lock(mu_);
  return registry(kind).size();
}

}  // namespace strata::server
