#include "server/io_thread.h"

#include <pthread.h>
#include <sys/resource.h>

#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "server/connection.h"
#include "server/server.h"

namespace strata::server {
namespace {

// How long shutdown waits for clients to take their last replies before closing them anyway.
constexpr uint64_t kShutdownGraceMs = 2000;

// Share of each cron period that active expiry may use, as Redis's slow cycle does.
constexpr int64_t kExpireBudgetPercent = 25;

thread_local IoThread* current_thread = nullptr;

uint64_t CronPeriodMs(const Config& config) { return static_cast<uint64_t>(1000 / config.Int(ConfigId::kHz)); }

}  // namespace

IoThread::IoThread(Server* server, int index)
    : server_(server), index_(index), locks_(&server->keyspace()), busy_locks_(&server->keyspace()), dispatcher_(server, this) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &async_, OnAsync);
  async_.data = this;
  uv_timer_init(&loop_, &cron_);
  cron_.data = this;
  uv_timer_init(&loop_, &grace_timer_);
  grace_timer_.data = this;
  uv_prepare_init(&loop_, &before_wait_);
  before_wait_.data = this;
  uv_timer_init(&loop_, &pause_timer_);
  pause_timer_.data = this;
}

void CloseUvHandles(std::initializer_list<uv_handle_t*> handles) {
  for (uv_handle_t* h : handles) {
    if (!uv_is_closing(h)) uv_close(h, nullptr);
  }
}

IoThread::~IoThread() {
  // A thread that never ran (a Server built for tests) still has its handles open.
  CloseUvHandles({reinterpret_cast<uv_handle_t*>(&async_), reinterpret_cast<uv_handle_t*>(&cron_),
                  reinterpret_cast<uv_handle_t*>(&grace_timer_), reinterpret_cast<uv_handle_t*>(&before_wait_),
                  reinterpret_cast<uv_handle_t*>(&pause_timer_)});
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

void IoThread::Start() {
  thread_ = std::thread([this] {
    const std::string name = "strata-io-" + std::to_string(index_);
    pthread_setname_np(pthread_self(), name.c_str());
    current_thread = this;
    cron_period_ms_ = CronPeriodMs(server_->config());
    uv_timer_start(&cron_, OnCron, cron_period_ms_, cron_period_ms_);
    uv_run(&loop_, UV_RUN_DEFAULT);
  });
}

void IoThread::Join() {
  if (thread_.joinable()) thread_.join();
}

void IoThread::Post(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(tasks_mu_);
  if (!accepting_tasks_) return;  // the loop is finishing
  tasks_.push_back(std::move(task));
  uv_async_send(&async_);
}

void IoThread::OnAsync(uv_async_t* handle) { static_cast<IoThread*>(handle->data)->RunTasks(); }

void IoThread::RunTasks() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    batch.swap(tasks_);
  }
  for (auto& task : batch) task();
}

void IoThread::SampleCpuUsage() {
  rusage usage{};
  if (getrusage(RUSAGE_THREAD, &usage) != 0) return;
  const auto micros = [](const timeval& tv) { return int64_t{tv.tv_sec} * 1'000'000 + tv.tv_usec; };
  cpu_user_us_.store(micros(usage.ru_utime), std::memory_order_relaxed);
  cpu_sys_us_.store(micros(usage.ru_stime), std::memory_order_relaxed);
}

ThreadCpuUsage IoThread::cpu_usage() {
  if (Current() == this) SampleCpuUsage();
  return {cpu_user_us_.load(std::memory_order_relaxed), cpu_sys_us_.load(std::memory_order_relaxed)};
}

void IoThread::OnCron(uv_timer_t* handle) { static_cast<IoThread*>(handle->data)->Cron(); }

void IoThread::Cron() {
  Server& server = *server_;
  const uint64_t period = CronPeriodMs(server.config());
  if (period != cron_period_ms_) {
    cron_period_ms_ = period;
    uv_timer_set_repeat(&cron_, period);
  }
  if (index_ == 0) {
    server.keyspace().Tick();
    SampleCpuUsage();
  }
  const int64_t budget_us = static_cast<int64_t>(period) * 1000 * kExpireBudgetPercent / 100;
  // The loader owns the tables until it is done (and drops expired keys itself). A paused
  // dataset stands still: no active expiry (nor eviction, MemoryGuard), as Redis's CLIENT PAUSE.
  const bool paused = server.client_pause().ActiveAt(server.clock().NowMs());
  if (!server.persistence().loading() && server.keyspace().active_expire() && !paused) {
    const store::ExpireCycleReport cycle =
        server.keyspace().ActiveExpireCycle(index_, server.io_thread_count(), budget_us);
    // As Redis samples its whole cycle: here each worker's share of it is a cycle.
    server.latency_monitor().AddIfNeeded("expire-cycle", cycle.elapsed_us / 1000, server.clock());
  }
  // Eviction resumes here when a command's tenacity bound stopped it, or after maxmemory was
  // lowered (Redis's eviction timer); thread 0 alone, so the threads do not race for victims.
  if (index_ == 0 && !server.persistence().loading()) dispatcher_.memory_guard().Cron(budget_us);
  const int64_t now = server.clock().NowMs();
  if (now - last_idle_check_ms_ >= 1000) {
    last_idle_check_ms_ = now;
    CloseIdleClients(now);
  }
}

template <typename F>
void IoThread::ForEachConnection(F f) {
  for (Connection* c = clients_; c != nullptr;) {
    Connection* next = c->next;  // f may close c, which unlinks it only later, in OnClose
    f(c);
    c = next;
  }
}

void IoThread::CloseIdleClients(int64_t now_ms) {
  const int64_t timeout_s = server_->config().Int(ConfigId::kTimeout);
  if (timeout_s <= 0) return;
  ForEachConnection([&](Connection* c) {
    // As Redis, a client waiting for a pause to end is not idle.
    if (c->client().paused()) return;
    if (now_ms - c->client().last_interaction_ms() > timeout_s * 1000) {
      spdlog::debug("Closing idle client id={} addr={}", c->client().id(), c->client().addr());
      c->CloseNow();
    }
  });
}

void IoThread::ServeWhileBusy(uint64_t script_client) {
  serving_while_busy_ = true;
  ForEachConnection([&](Connection* c) {
    if (c->client().id() != script_client) c->ServeWhileBusy();
  });
  serving_while_busy_ = false;
}

void IoThread::SweepKilledClients() {
  Post([this] {
    ForEachConnection([](Connection* c) {
      if (c->client().kill_requested()) c->CloseNow();
    });
  });
}

void IoThread::Shutdown() {
  Post([this] {
    shutting_down_ = true;
    if (index_ == 0) server_->StopAccepting();
    ForEachConnection([](Connection* c) { c->CloseWhenFlushed(); });
    uv_timer_start(
        &grace_timer_,
        [](uv_timer_t* t) {
          auto* self = static_cast<IoThread*>(t->data);
          self->ForEachConnection([](Connection* c) { c->CloseNow(); });
        },
        kShutdownGraceMs, 0);
    if (client_count_ == 0) FinishShutdown();
  });
}

void IoThread::FinishShutdown() {
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    accepting_tasks_ = false;
  }
  RunTasks();
  CloseUvHandles({reinterpret_cast<uv_handle_t*>(&async_), reinterpret_cast<uv_handle_t*>(&cron_),
                  reinterpret_cast<uv_handle_t*>(&grace_timer_), reinterpret_cast<uv_handle_t*>(&before_wait_),
                  reinterpret_cast<uv_handle_t*>(&pause_timer_)});
}

void IoThread::AddConnection(Connection* conn) {
  std::lock_guard<std::mutex> lock(clients_mu_);
  conn->prev = nullptr;
  conn->next = clients_;
  if (clients_ != nullptr) clients_->prev = conn;
  clients_ = conn;
  ++client_count_;
  by_id_[conn->client().id()] = conn;
}

void IoThread::RemoveConnection(Connection* conn) {
  {
    std::lock_guard<std::mutex> lock(clients_mu_);
    if (conn->prev != nullptr) conn->prev->next = conn->next;
    if (conn->next != nullptr) conn->next->prev = conn->prev;
    if (clients_ == conn) clients_ = conn->next;
    --client_count_;
  }
  by_id_.erase(conn->client().id());
  server_->OnClientClosed();
  if (shutting_down_ && client_count_ == 0) FinishShutdown();
}

void IoThread::DeliverServedReply(IoThread* thread, uint64_t id, std::string reply) {
  thread->Post([thread, id, reply = std::move(reply)] {
    auto it = thread->by_id_.find(id);
    if (it != thread->by_id_.end()) it->second->DeliverServed(reply);
  });
}

void IoThread::UnblockClient(IoThread* thread, uint64_t id, UnblockReason reason) {
  thread->Post([thread, id, reason] {
    auto it = thread->by_id_.find(id);
    if (it != thread->by_id_.end()) it->second->EndBlock(reason);
  });
}

IoThread* IoThread::Current() { return current_thread; }

Connection* IoThread::FindConnection(uint64_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

void IoThread::ScheduleMessageFlush(uint64_t id) {
  if (message_flushes_.empty()) uv_prepare_start(&before_wait_, OnBeforeWait);
  message_flushes_.push_back(id);
}

void IoThread::HoldForPause(uint64_t id) {
  paused_.push_back(id);
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&pause_timer_)) == 0) ArmPauseTimer();
}

void IoThread::ArmPauseTimer() {
  // As for a blocked client's timeout: libuv counts from the loop's cached time, so refresh it,
  // and fire only once the end has passed (the pause holds while now <= end).
  uv_update_time(&loop_);
  const int64_t wait = server_->client_pause().end_ms() - server_->clock().NowMs();
  uv_timer_start(&pause_timer_, OnPauseTimer, wait >= 0 ? static_cast<uint64_t>(wait) + 1 : 0, 0);
}

void IoThread::OnPauseTimer(uv_timer_t* handle) {
  auto* self = static_cast<IoThread*>(handle->data);
  // Extended meanwhile (a longer CLIENT PAUSE): wait for the new end.
  if (self->server_->client_pause().ActiveAt(self->server_->clock().NowMs())) {
    self->ArmPauseTimer();
  } else {
    self->ResumePaused();
  }
}

void IoThread::ResumePaused() {
  uv_timer_stop(&pause_timer_);
  std::vector<uint64_t> ids;
  ids.swap(paused_);
  // By id: a held connection may have closed since. One a new pause holds again lands in paused_.
  for (uint64_t id : ids) {
    if (Connection* conn = FindConnection(id)) conn->ResumeAfterPause();
  }
}

void IoThread::OnBeforeWait(uv_prepare_t* handle) {
  auto* self = static_cast<IoThread*>(handle->data);
  uv_prepare_stop(handle);
  std::vector<uint64_t> ids;
  ids.swap(self->message_flushes_);
  // By id: a connection may have closed since, and be gone.
  for (uint64_t id : ids) {
    if (Connection* conn = self->FindConnection(id)) conn->FlushMessages();
  }
  // Keep the storage for the next iteration unless flushing scheduled more meanwhile.
  if (self->message_flushes_.empty()) {
    ids.clear();
    self->message_flushes_.swap(ids);
  }
}

void IoThread::ForEachClient(FunctionRef<void(const Client&)> f) const {
  std::lock_guard<std::mutex> lock(clients_mu_);
  for (const Connection* c = clients_; c != nullptr; c = c->next) f(c->client());
}

size_t IoThread::client_count() const {
  std::lock_guard<std::mutex> lock(clients_mu_);
  return client_count_;
}

}  // namespace strata::server
