#include "server/server.h"

#include <unistd.h>

#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/alloc_counter.h"
#include "server/client_info.h"
#include "server/command_stats.h"
#include "server/io_thread.h"
#include "store/lock_set.h"

namespace strata::server {
namespace {

// How often the per-second rates and the memory peak are sampled (Redis samples every 100 ms).
constexpr uint64_t kMetricsPeriodMs = 100;

// 40 random hex digits (run ids, replication ids).
std::string RandomRunId() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  std::string id;
  for (int i = 0; i < 40; ++i) id += "0123456789abcdef"[rng() & 15];
  return id;
}

}  // namespace

Server::Server(Config* config, const CommandTable* commands, LaunchInfo launch, const Clock* clock)
    : config_(config),
      commands_(commands),
      acl_(commands),
      launch_(std::move(launch)),
      clock_(clock),
      keyspace_(std::make_unique<store::Keyspace>(static_cast<int>(config->Int(ConfigId::kDatabases)), clock)),
      blocking_(&IoThread::DeliverServedReply, &IoThread::UnblockClient),
      pubsub_(static_cast<int>(config->Int(ConfigId::kIoThreads))),
      keyspace_notifier_(&pubsub_),
      monitors_(static_cast<int>(config->Int(ConfigId::kIoThreads))),
      watches_(keyspace_.get()),
      persistence_(std::make_unique<Persistence>(this)),
      acceptor_(this),
      start_time_ms_(clock->NowMs()),
      run_id_(RandomRunId()),
      master_replid_(RandomRunId()),
      stats_(&request_counters_, keyspace_.get(), &error_stats_) {
  keyspace_->AddObserver(&blocking_);
  keyspace_->AddObserver(&keyspace_notifier_);
  keyspace_notifier_.SetFlags(static_cast<uint32_t>(config_->Int(ConfigId::kNotifyKeyspaceEvents)));
  keyspace_->AddObserver(&watches_);
  acl_.SetDefaultPassword(config_->Text(ConfigId::kRequirePass));
  config_->set_on_change([this](ConfigId id) { OnConfigChange(id); });
  ApplyLogLevel();
  ApplyEncodingLimits();
  ApplyOutputLimits();
  ApplyEvictionSettings();
  ApplySlowLog();
  keyspace_->SetStatsPrefixes(config_->StatsPrefixes());
  const int threads = static_cast<int>(config_->Int(ConfigId::kIoThreads));
  for (int i = 0; i < threads; ++i) threads_.push_back(std::make_unique<IoThread>(this, i));

  uv_loop_init(&main_loop_);
  uv_async_init(&main_loop_, &shutdown_async_, [](uv_async_t* h) {
    auto* self = static_cast<Server*>(h->data);
    spdlog::info("User requested shutdown...");
    self->CloseMainLoopHandles();
  });
  shutdown_async_.data = this;
  auto on_signal = [](uv_signal_t* h, int signum) {
    auto* self = static_cast<Server*>(h->data);
    spdlog::warn("Received {} scheduling shutdown...", signum == SIGINT ? "SIGINT" : "SIGTERM");
    self->ShutdownOnSignal();
  };
  uv_signal_init(&main_loop_, &sigterm_);
  sigterm_.data = this;
  uv_signal_start(&sigterm_, on_signal, SIGTERM);
  uv_signal_init(&main_loop_, &sigint_);
  sigint_.data = this;
  uv_signal_start(&sigint_, on_signal, SIGINT);
  uv_timer_init(&main_loop_, &metrics_timer_);
  metrics_timer_.data = this;
  uv_timer_start(
      &metrics_timer_, [](uv_timer_t* t) { static_cast<Server*>(t->data)->SampleMetrics(); }, kMetricsPeriodMs,
      kMetricsPeriodMs);
  used_memory_startup_ = SampleUsedMemory();
}

Server::~Server() {
  threads_.clear();
  persistence_->FinishLoading();
  // A server that never ran still has its handles open; libuv keeps signal handles in a
  // process-wide list, so they must be closed before the loop goes.
  CloseMainLoopHandles();
  uv_run(&main_loop_, UV_RUN_DEFAULT);
  uv_loop_close(&main_loop_);
}

void Server::CloseMainLoopHandles() {
  CloseUvHandles({reinterpret_cast<uv_handle_t*>(&shutdown_async_), reinterpret_cast<uv_handle_t*>(&sigterm_),
                  reinterpret_cast<uv_handle_t*>(&sigint_), reinterpret_cast<uv_handle_t*>(&metrics_timer_)});
}

int Server::Run() {
  std::string error;
  const std::string aclfile = config_->Text(ConfigId::kAclFile);
  if (!aclfile.empty() && !acl_.LoadFile(aclfile, &error)) {
    spdlog::error("Aborting Strata startup because of ACL errors: {}", error);
    return 1;
  }
  if (!acceptor_.Open(&error)) {
    spdlog::error("{}", error);
    return 1;
  }
  // Before the load, so that /readyz answers 503 while it runs.
  const int metrics_port = static_cast<int>(config_->Int(ConfigId::kMetricsPort));
  if (metrics_port != 0 && !metrics_endpoint_.Start(config_->Text(ConfigId::kMetricsBind), metrics_port, &error)) {
    spdlog::error("{}", error);
    return 1;
  }
  // Clients get -LOADING until the dump is in; a refused dump shuts the server down.
  persistence_->StartLoading([](Server* self) { self->RequestShutdown(); });
  acceptor_.Start(threads_[0]->loop());
  for (auto& t : threads_) t->Start();
  spdlog::info("Ready to accept connections");
  NotifyReady(launch_.supervisor);

  uv_run(&main_loop_, UV_RUN_DEFAULT);

  metrics_endpoint_.Stop();
  for (auto& t : threads_) t->Shutdown();
  for (auto& t : threads_) t->Join();
  const bool loaded = persistence_->FinishLoading();
  const std::string unix_path = config_->Text(ConfigId::kUnixSocket);
  if (!unix_path.empty()) unlink(unix_path.c_str());
  if (!loaded) return 1;
  spdlog::info("Strata is now ready to exit, bye bye...");
  return 0;
}

void Server::ShutdownOnSignal() {
  store::LockSet locks(keyspace_.get());
  locks.AddAllDatabases();
  locks.Lock();
  const bool saved = persistence_->SaveForShutdown(/*save=*/false, /*nosave=*/false);
  locks.Unlock();
  if (!saved) {
    spdlog::warn("Errors trying to shut down the server. Check the logs for more information.");
    return;
  }
  RequestShutdown();
}

void Server::RequestShutdown() {
  NotifyStopping(launch_.supervisor);
  shutdown_requested_.store(true, std::memory_order_relaxed);
  uv_async_send(&shutdown_async_);
}

std::vector<HistogramTotals> Server::ReadLatencyHistograms() const {
  return SumLatencyHistograms(request_counters_, commands_->size(), latency_epoch());
}

void Server::ResetStats() {
  stats_.Reset(commands_->size());
  eviction_exceeded_.Reset();
  keyspace_->ResetExpiredStaleRatio();
  latency_epoch_.fetch_add(1, std::memory_order_relaxed);  // see LazyLatencyHistogram
  acl_log_.ResetCounts();
  ops_per_sec_.Reset();
  input_per_sec_.Reset();
  output_per_sec_.Reset();
}

size_t Server::SampleUsedMemory() {
  ResyncAllocated(UsedMemory());
  const size_t used = AllocatedBytes();
  memory_peak_.Update(used);
  return used;
}

void Server::SampleMetrics() {
  const RequestTotals totals = SumRequestCounters(request_counters_, 0);
  const int64_t now = MonotonicUs() / 1000;
  ops_per_sec_.Sample(totals.commands_processed, now);
  input_per_sec_.Sample(totals.net_input_bytes, now);
  output_per_sec_.Sample(totals.net_output_bytes, now);
  SampleUsedMemory();
  EvictClients();
  persistence_->Cron();
}

void Server::EvictClients() {
  const int64_t setting = config_->Int(ConfigId::kMaxMemoryClients);
  // A negative setting is a percentage of maxmemory; as in Redis, a percentage with maxmemory 0
  // turns client eviction off.
  int64_t limit_bytes = setting;
  if (setting < 0) limit_bytes = config_->Int(ConfigId::kMaxMemory) / 100 * -setting;
  if (limit_bytes <= 0) return;
  const auto limit = static_cast<size_t>(limit_bytes);
  struct Candidate {
    size_t memory;
    uint64_t id;
  };
  thread_local std::vector<Candidate> candidates;
  candidates.clear();
  size_t total = 0;
  ForEachClient([&](const Client& c) {
    const size_t memory = c.buffer_memory();
    total += memory;
    if (!c.no_evict()) candidates.push_back({memory, c.id()});
  });
  if (total <= limit) return;
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.memory > b.memory; });
  thread_local std::vector<uint64_t> chosen;
  chosen.clear();
  for (const Candidate& c : candidates) {
    if (total <= limit) break;
    chosen.push_back(c.id);
    total -= c.memory;
  }
  const int64_t now_ms = clock_->NowMs();
  ForEachClient([&](const Client& c) {
    if (std::find(chosen.begin(), chosen.end(), c.id()) == chosen.end() || c.kill_requested()) return;
    spdlog::info("Evicting client: {}", ClientInfoLine(c, nullptr, {}, now_ms));
    c.request_kill();
    request_counters().evicted_clients.Add();
  });
  SweepKilledClients();
}

std::vector<size_t> Server::ClientsPerThread() const {
  std::vector<size_t> out;
  for (const auto& t : threads_) out.push_back(t->client_count());
  return out;
}

bool Server::ReserveClientSlot() {
  const auto max = static_cast<size_t>(config_->Int(ConfigId::kMaxClients));
  size_t current = connected_clients_.load(std::memory_order_relaxed);
  do {
    if (current >= max) return false;
  } while (!connected_clients_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  return true;
}

void Server::OnClientClosed() { connected_clients_.fetch_sub(1, std::memory_order_relaxed); }

void Server::ForEachClient(FunctionRef<void(const Client&)> f) const {
  for (const auto& t : threads_) t->ForEachClient(f);
}

void Server::SweepKilledClients() {
  for (auto& t : threads_) t->SweepKilledClients();
}

void Server::UnpauseClients() {
  client_pause_.Unpause();
  // Posted after the pause ended: a thread that held a connection before it saw the end runs
  // this task after that hold, so nothing stays held.
  for (auto& t : threads_) {
    IoThread* thread = t.get();
    thread->Post([thread] { thread->ResumePaused(); });
  }
}

bool Server::SetClientUser(Client& client, std::string_view name) {
  const uint64_t generation = acl_.generation();
  AclUserPtr user = acl_.Find(name);
  if (user == nullptr) return false;
  const std::string& username = user->name();
  client.set_user(std::move(user), username, generation);
  return true;
}

void Server::RecordAclDenial(const Client& client, const Command& current, std::span<const std::string_view> args,
                             AclLogReason reason, std::string_view object, std::string_view username) {
  const int64_t now = clock_->NowMs();
  if (reason == AclLogReason::kAuth) acl_log_.LogAuthFailure(client.addr(), username, now);
  acl_log_.Add({.reason = reason,
                .context = client.transaction().active() ? "multi" : "toplevel",
                .object = std::string(object),
                .username = std::string(username),
                .updated_ms = now,
                .client_info = ClientInfoLine(client, &current, args, now)});
}

void Server::DisconnectClientsOfRemovedUsers(Client* self) {
  bool killed = false;
  ForEachClient([&](const Client& c) {
    if (acl_.Find(c.username()) != nullptr) return;
    if (&c == self) {
      self->set_close_after_reply();
    } else {
      c.request_kill();
      killed = true;
    }
  });
  if (killed) SweepKilledClients();
}

void Server::ApplyOutputLimits() {
  OutputLimits limits{};
  std::string ignored;
  ParseOutputLimits(config_->Text(ConfigId::kClientOutputBufferLimit), &limits, &ignored);
  for (size_t i = 0; i < limits.size(); ++i) {
    output_limits_[i].hard_bytes.store(limits[i].hard_bytes, std::memory_order_relaxed);
    output_limits_[i].soft_bytes.store(limits[i].soft_bytes, std::memory_order_relaxed);
    output_limits_[i].soft_seconds.store(limits[i].soft_seconds, std::memory_order_relaxed);
  }
}

void Server::OnConfigChange(ConfigId id) {
  switch (id) {
    case ConfigId::kRequirePass:
      acl_.SetDefaultPassword(config_->Text(ConfigId::kRequirePass));
      break;
    case ConfigId::kLogLevel:
      ApplyLogLevel();
      break;
    case ConfigId::kClientOutputBufferLimit:
      ApplyOutputLimits();
      break;
    case ConfigId::kSlowlogLogSlowerThan:
    case ConfigId::kSlowlogMaxLen:
    case ConfigId::kLatencyMonitorThreshold:
      ApplySlowLog();
      break;
    case ConfigId::kNotifyKeyspaceEvents:
      keyspace_notifier_.SetFlags(static_cast<uint32_t>(config_->Int(ConfigId::kNotifyKeyspaceEvents)));
      break;
    case ConfigId::kHashMaxListpackEntries:
    case ConfigId::kHashMaxListpackValue:
    case ConfigId::kSetMaxIntsetEntries:
    case ConfigId::kZsetMaxListpackEntries:
    case ConfigId::kZsetMaxListpackValue:
    case ConfigId::kListMaxListpackSize:
      ApplyEncodingLimits();
      break;
    case ConfigId::kMaxMemory:
      WarnIfMaxMemoryBelowUsage();
      break;
    case ConfigId::kMaxMemoryPolicy:
    case ConfigId::kLfuLogFactor:
    case ConfigId::kLfuDecayTime:
      ApplyEvictionSettings();
      break;
    case ConfigId::kStatsPrefixes:
      keyspace_->SetStatsPrefixes(config_->StatsPrefixes());
      break;
    default:
      break;
  }
}

void Server::WarnIfMaxMemoryBelowUsage() const {
  const auto limit = static_cast<uint64_t>(config_->Int(ConfigId::kMaxMemory));
  const size_t used = AllocatedBytes();
  if (limit == 0 || limit >= used) return;
  spdlog::warn(
      "WARNING: the new maxmemory value set via CONFIG SET ({}) is smaller than the current memory usage ({}). This "
      "will result in key eviction and/or the inability to accept new write commands depending on the "
      "maxmemory-policy.",
      limit, used);
}

void Server::ApplyEvictionSettings() {
  keyspace_->set_eviction_policy(static_cast<store::EvictionPolicy>(config_->Int(ConfigId::kMaxMemoryPolicy)));
  keyspace_->set_lfu_log_factor(config_->Int(ConfigId::kLfuLogFactor));
  keyspace_->set_lfu_decay_time(config_->Int(ConfigId::kLfuDecayTime));
}

void Server::ApplyEncodingLimits() {
  store::EncodingLimits& limits = keyspace_->limits();
  const auto copy = [this](std::atomic<int64_t>& to, ConfigId id) { to.store(config_->Int(id), std::memory_order_relaxed); };
  copy(limits.hash_max_listpack_entries, ConfigId::kHashMaxListpackEntries);
  copy(limits.hash_max_listpack_value, ConfigId::kHashMaxListpackValue);
  copy(limits.set_max_intset_entries, ConfigId::kSetMaxIntsetEntries);
  copy(limits.zset_max_listpack_entries, ConfigId::kZsetMaxListpackEntries);
  copy(limits.zset_max_listpack_value, ConfigId::kZsetMaxListpackValue);
  copy(limits.list_max_listpack_size, ConfigId::kListMaxListpackSize);
}

void Server::ApplySlowLog() {
  slowlog_.set_threshold_us(config_->Int(ConfigId::kSlowlogLogSlowerThan));
  slowlog_.SetMaxLen(static_cast<size_t>(config_->Int(ConfigId::kSlowlogMaxLen)));
  latency_monitor_.set_threshold_ms(config_->Int(ConfigId::kLatencyMonitorThreshold));
}

void Server::ApplyLogLevel() {
  switch (static_cast<LogLevel>(config_->Int(ConfigId::kLogLevel))) {
    case LogLevel::kDebug: spdlog::set_level(spdlog::level::trace); break;
    case LogLevel::kVerbose: spdlog::set_level(spdlog::level::debug); break;
    case LogLevel::kNotice: spdlog::set_level(spdlog::level::info); break;
    case LogLevel::kWarning: spdlog::set_level(spdlog::level::warn); break;
  }
}

}  // namespace strata::server
