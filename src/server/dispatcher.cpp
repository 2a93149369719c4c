#include "server/dispatcher.h"

#include <cctype>

#include <fmt/format.h>

#include "common/clock.h"
#include "common/error_texts.h"
#include "server/command_stats.h"
#include "server/io_thread.h"
#include "server/monitor.h"
#include "server/server.h"

namespace strata::server {
namespace {

// What Redis shows of an argument in an error: its C string, which ends at the first NUL byte.
std::string_view UpToNul(std::string_view arg) { return arg.substr(0, arg.find('\0')); }

// Redis quotes at most 128 bytes of the name and of the arguments in this error.
std::string UnknownCommandText(std::span<const std::string_view> args) {
  std::string shown_args;
  for (size_t i = 1; i < args.size() && shown_args.size() < 128; ++i) {
    const size_t room = 128 - shown_args.size();
    shown_args += fmt::format("'{}' ", UpToNul(args[i]).substr(0, room));
  }
  return fmt::format(errors::kFmtUnknownCommand, UpToNul(args[0]).substr(0, 128), shown_args);
}

// How Redis 7.0 shows its script client: in SLOWLOG, and in MONITOR lines.
constexpr std::string_view kScriptClientAddr = "?:0";
constexpr std::string_view kScriptMonitorOrigin = "lua";

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Dispatcher::Dispatcher(Server* server, IoThread* thread)
    : server_(server),
      thread_(thread),
      transaction_commands_(server->commands()),
      memory_guard_(&server->config(), &server->keyspace(), &server->eviction_exceeded(), &server->client_pause()) {}

bool Dispatcher::RefusedOnOom(const Client& client, const Command& cmd) const {
  if (cmd.has(kCmdDenyOom)) return true;
  const Transaction& tx = client.transaction();
  if (!tx.active()) return false;
  if (&cmd == transaction_commands_.exec) {
    for (size_t i = 0; i < tx.size(); ++i) {
      if (tx.command(i).has(kCmdDenyOom)) return true;
    }
    return false;
  }
  return !transaction_commands_.RunsInsideMulti(cmd);
}

bool Dispatcher::HeldByPause(const Client& client, const Command& cmd) const {
  const ClientPause& pause = server_->client_pause();
  if (!pause.set()) return false;  // the fast path: one load
  const PauseMode mode = pause.ModeAt(server_->clock().NowMs());
  if (mode == PauseMode::kAll) return true;
  if (mode == PauseMode::kNone) return false;
  const auto pausable = [](const Command& c) { return c.has(static_cast<CommandFlag>(kCmdWrite | kCmdMayReplicate)); };
  if (pausable(cmd)) return true;
  const Transaction& tx = client.transaction();
  if (&cmd != transaction_commands_.exec || !tx.active()) return false;
  for (size_t i = 0; i < tx.size(); ++i) {
    if (pausable(tx.command(i))) return true;
  }
  return false;
}

store::Db CommandContext::db() const {
  store::Db db(&server.keyspace(), client.db(), now_ms);
  // As Redis, TOUCH touches whatever the client asked.
  if (client.no_touch() && command.name != "touch") db.set_no_touch();
  // A paused dataset stands still: what a lookup finds expired stays until the pause ends (only
  // commands that write nothing run during a pause).
  if (!command.has(kCmdWrite) && server.client_pause().set() && server.client_pause().ActiveAt(now_ms)) {
    db.set_keep_expired();
  }
  return db;
}

AclDenial Dispatcher::CheckPermissions(Client& client, const Command& cmd, std::span<const std::string_view> args) {
  // The snapshot is read again after any change of any user.
  if (client.user_generation() != server_->acl().generation() && !server_->SetClientUser(client, client.username())) {
    client.set_close_after_reply();  // its user was deleted; ACL DELUSER is closing it
    return AclDenial::kCommand;
  }
  const AclUser& user = *client.user();
  if (user.permits_everything()) return AclDenial::kNone;
  const AclVerdict verdict = user.Check(cmd, args, &key_indexes_scratch_);
  switch (verdict.denial) {
    case AclDenial::kNone:
      break;
    case AclDenial::kCommand:
      server_->RecordAclDenial(client, cmd, args, AclLogReason::kCommand, cmd.name, user.name());
      break;
    case AclDenial::kKey:
      server_->RecordAclDenial(client, cmd, args, AclLogReason::kKey, args[static_cast<size_t>(verdict.arg_index)],
                               user.name());
      break;
    case AclDenial::kChannel:
      server_->RecordAclDenial(client, cmd, args, AclLogReason::kChannel,
                               args[static_cast<size_t>(verdict.arg_index)], user.name());
      break;
  }
  return verdict.denial;
}

std::string Dispatcher::CheckQueuedPermissions(Client& client, const Command& cmd,
                                               std::span<const std::string_view> args) {
  if (client.user_generation() == server_->acl().generation() && client.user()->permits_everything()) return {};
  switch (CheckPermissions(client, cmd, args)) {
    case AclDenial::kNone:
      return {};
    case AclDenial::kCommand:
      return fmt::format(errors::kFmtNoPermAtExec, errors::kNoPermAtExecCommand);
    case AclDenial::kKey:
      return fmt::format(errors::kFmtNoPermAtExec, errors::kNoPermAtExecKey);
    case AclDenial::kChannel:
      return fmt::format(errors::kFmtNoPermAtExec, errors::kNoPermAtExecChannel);
  }
  return {};
}

const Command* Dispatcher::Resolve(Client& client, std::span<const std::string_view> args,
                                   resp::ReplyBuilder& reply) {
  RequestCounters& counters = server_->request_counters();
  const Command* cmd = server_->commands().Find(args[0]);
  // Replies `text`, counts it, and says the request does not run. A refused EXEC ends the
  // transaction (Execute discards it) and says so, as Redis's execCommandAbort.
  auto refuse = [&](std::string_view text) -> const Command* {
    if (cmd != nullptr && cmd == transaction_commands_.exec) {
      reply.Error(fmt::format(errors::kFmtExecAbortBecause, text.substr(text.starts_with("ERR ") ? 4 : 0)));
    } else {
      reply.Error(text);
    }
    counters.error_replies.Add();
    return nullptr;
  };
  if (cmd == nullptr) return refuse(UnknownCommandText(args));
  // A container needs its subcommand; a command that also runs alone (COMMAND) takes one if given.
  if (cmd->is_container() || (!cmd->subcommands.empty() && args.size() >= 2)) {
    if (args.size() < 2) return refuse(fmt::format(errors::kFmtWrongArgs, cmd->name));
    const Command* sub = CommandTable::FindSubcommand(*cmd, args[1]);
    if (sub == nullptr) {
      return refuse(fmt::format(errors::kFmtUnknownSubcommand, UpToNul(args[1]).substr(0, 128), Upper(cmd->name)));
    }
    cmd = sub;
  }
  // A known command refused before running counts as a rejected call of it.
  if (!cmd->ArityOk(args.size())) {
    counters.per_command[cmd->id].rejected_calls.Add();
    return refuse(fmt::format(errors::kFmtWrongArgs, cmd->name));
  }
  if (!client.authenticated() && !cmd->has(kCmdNoAuth) && server_->RequiresAuth()) {
    counters.per_command[cmd->id].rejected_calls.Add();
    return refuse(errors::kNoAuth);
  }
  // While no user changes, a user that may run anything costs one atomic load and one flag here.
  if (client.user_generation() != server_->acl().generation() || !client.user()->permits_everything()) {
    switch (CheckPermissions(client, *cmd, args)) {
      case AclDenial::kNone:
        break;
      case AclDenial::kCommand:
        counters.per_command[cmd->id].rejected_calls.Add();
        return refuse(fmt::format(errors::kFmtNoPermCommand, cmd->name));
      case AclDenial::kKey:
        counters.per_command[cmd->id].rejected_calls.Add();
        return refuse(errors::kNoPermKey);
      case AclDenial::kChannel:
        counters.per_command[cmd->id].rejected_calls.Add();
        return refuse(errors::kNoPermChannel);
    }
  }
  if (client.transaction().active() && cmd->has(kCmdNoMulti)) {
    counters.per_command[cmd->id].rejected_calls.Add();
    return refuse(errors::kNotAllowedInMulti);
  }
  Persistence& persistence = server_->persistence();
  if (persistence.loading() && !cmd->has(kCmdLoading)) {
    counters.per_command[cmd->id].rejected_calls.Add();
    return refuse(errors::kLoading);
  }
  // Over maxmemory, keys are evicted before anything runs, and before any stripe is locked (not
  // while loading: the loader owns the tables). A command that may grow memory is refused when
  // nothing more can go, and so is queuing inside MULTI (the queue itself grows) and an EXEC
  // whose queue holds such a command, as in Redis.
  // Nothing is evicted while a script is busy: it may hold the stripes (and this thread may be
  // its own, serving its other clients), and only allow_busy commands run then.
  over_maxmemory_ = !persistence.loading() && !server_->busy_scripts().busy() && !memory_guard_.BeforeCommand();
  if (over_maxmemory_ && RefusedOnOom(client, *cmd)) {
    counters.per_command[cmd->id].rejected_calls.Add();
    return refuse(errors::kOom);
  }
  // Redis refuses PING too: a monitoring probe then sees the failure.
  if (persistence.WritesRefused() && (cmd->has(kCmdWrite) || cmd->name == "ping")) {
    counters.per_command[cmd->id].rejected_calls.Add();
    return refuse(errors::kMisconf);
  }
  // A RESP2 subscriber's connection carries messages: only the pub/sub commands may run on it.
  if (client.protocol() == 2 && client.subscriptions().any() && !AllowedInSubscribedContext(*cmd)) {
    counters.per_command[cmd->id].rejected_calls.Add();
    return refuse(fmt::format(errors::kFmtSubscribedContext, cmd->name));
  }
  // While a script runs past busy-reply-threshold only allow_busy commands run (DEVELOPING.md
  // "Long-running scripts").
  if (server_->busy_scripts().busy() && !cmd->has(kCmdAllowBusy)) {
    counters.per_command[cmd->id].rejected_calls.Add();
    return refuse(server_->busy_scripts().BusyError());
  }
  return cmd;
}

void Dispatcher::CollectLocks(const Command& cmd, int db, std::span<const std::string_view> args,
                              store::LockSet* locks) {
  key_indexes_scratch_.clear();
  cmd.FindKeys(args, &key_indexes_scratch_);
  for (int i : key_indexes_scratch_) locks->Add(db, args[static_cast<size_t>(i)]);
  if (cmd.extra_locks != nullptr) cmd.extra_locks(db, args, locks);
}

void Dispatcher::Run(const Command& cmd, Client& client, resp::ReplyBuilder& reply,
                     std::span<const std::string_view> args, int64_t now_ms) {
  CommandContext ctx(*server_, client, reply, cmd, args, now_ms);
  cmd.handler(ctx);
  std::optional<BlockRequest> request = client.TakeBlockRequest();
  if (!request) return;
  client.SetBlocked(request->deadline_ms);
  server_->blocking().Block(&client, thread_, client.db(), args, *request);
}

void Dispatcher::LogIfSlow(const Command& cmd, const Client& client, std::span<const std::string_view> args,
                           int64_t elapsed_us) {
  SlowLog& slowlog = server_->slowlog();
  if (!slowlog.IsSlow(elapsed_us) || cmd.has(kCmdSkipSlowlog)) return;
  // A script's call is logged as Redis logs its script client's: no address, no name.
  const bool script = client.in_script();
  slowlog.Record(cmd, args, elapsed_us, server_->clock().NowMs() / 1000,
                 script ? std::string(kScriptClientAddr) : client.addr(), script ? std::string() : client.name());
}

void Dispatcher::RecordLatency(const Command& cmd, CommandCounters& per, int64_t elapsed_us) {
  // Redis records microseconds, as nanoseconds, in its histograms.
  if (server_->config().Int(ConfigId::kLatencyTracking) != 0) {
    per.latency.Record(elapsed_us * 1000, server_->latency_epoch());
  }
  if (cmd.has(kCmdSkipMonitor)) return;
  server_->latency_monitor().AddIfNeeded(cmd.has(kCmdFast) ? "fast-command" : "command", elapsed_us / 1000,
                                         server_->clock());
}

void Dispatcher::AfterUnlock(const Command& cmd, Client& client, std::span<const std::string_view> args,
                             int64_t elapsed_us, size_t new_errors) {
  // A call run while a script of this thread is busy leaves the script's recorded events (and
  // the clients they would serve) for the script's own AfterUnlock.
  // (A dispatcher without an io-thread is a test's.)
  const bool inside_busy_script = thread_ != nullptr && thread_->serving_while_busy();
  if (!inside_busy_script) server_->keyspace().DeliverEvents();
  // Clients waiting on what this command pushed are served before anything else runs here.
  if (BlockingRegistry::HasReady() && !inside_busy_script) {
    server_->blocking().ServeReady(
        [this](Client& blocked, std::span<const std::string_view> blocked_args, std::string* out) {
          return ServeBlocked(blocked, blocked_args, out);
        });
  }
  client.set_last_command(&cmd);
  Account(cmd, client, args, elapsed_us, new_errors);
}

void Dispatcher::AccountScriptCall(const Command& cmd, const Client& client, std::span<const std::string_view> args,
                                   int64_t elapsed_us, size_t new_errors) {
  Account(cmd, client, args, elapsed_us, new_errors);
}

void Dispatcher::FeedMonitorsFirst(const Command& cmd, const Client& client, std::span<const std::string_view> args) {
  if (server_->monitors().active()) FeedMonitors(cmd, client, args);
}

void Dispatcher::Account(const Command& cmd, const Client& client, std::span<const std::string_view> args,
                         int64_t elapsed_us, size_t new_errors) {
  // As in Redis, only commands that ran count as processed (not those refused before running).
  RequestCounters& counters = server_->request_counters();
  counters.commands_processed.Add();
  CommandCounters& per = counters.per_command[cmd.id];
#ifndef STRATA_NO_COMMANDSTATS  // defined only in a build that measures what these cost (meson.build)
  per.calls.Add();
  per.usec.Add(static_cast<uint64_t>(elapsed_us));
#endif
  if (new_errors > 0) {
    per.failed_calls.Add();
    counters.error_replies.Add(new_errors);
  }
  if (!client.blocked()) {
    RecordLatency(cmd, per, elapsed_us);
    LogIfSlow(cmd, client, args, elapsed_us);
  }
  if (server_->monitors().active() && !cmd.has(static_cast<CommandFlag>(kCmdAdmin | kCmdSkipMonitor))) {
    FeedMonitors(cmd, client, args);
  }
}

void Dispatcher::FeedMonitors(const Command& cmd, const Client& client, std::span<const std::string_view> args) {
  thread_local std::vector<std::string_view> shown;
  RedactArguments(cmd, args, &shown);
  // A script's calls show "lua" where Redis 7.0 shows its script client.
  const std::string origin = client.in_script()        ? std::string(kScriptMonitorOrigin)
                             : client.is_unix_socket() ? "unix:" + server_->config().Text(ConfigId::kUnixSocket)
                                                       : client.addr();
  server_->monitors().Feed(FormatMonitorLine(server_->clock().NowUs(), client.db(), origin, shown),
                           server_->output_limit(OutputClass::kNormal).hard_bytes);
}

void Dispatcher::Execute(Client& client, resp::ReplyBuilder& reply, std::span<const std::string_view> args,
                         store::LockSet* locks) {
  const Command* cmd = Resolve(client, args, reply);
  Transaction& tx = client.transaction();
  if (cmd == nullptr) {
    // As Redis, any refusal while queuing aborts the transaction; a refused EXEC discards it.
    if (server_->commands().Find(args[0]) == transaction_commands_.exec) {
      tx.Discard();
    } else {
      tx.Abort();
    }
    return;
  }
  if (HeldByPause(client, *cmd)) {
    client.set_last_command(cmd);  // CLIENT LIST shows the held command, as Redis
    client.set_paused(true);
    return;
  }
  if (tx.active() && !transaction_commands_.RunsInsideMulti(*cmd)) {
    tx.Queue(*cmd, args);
    reply.Simple("QUEUED");
    return;
  }
  if (tx.active() && cmd == transaction_commands_.exec) {
    RunTransaction(*this, *server_, transaction_commands_, client, args, reply, locks);
    return;
  }
  const size_t errors_before = reply.errors();
  CollectLocks(*cmd, client.db(), args, locks);
  const int64_t start = MonotonicUs();
  // A script that became busy may hold the stripes for long: the waiter is answered instead.
  if (!LockUnlessBusy(locks)) {
    server_->request_counters().per_command[cmd->id].rejected_calls.Add();
    server_->request_counters().error_replies.Add();
    reply.Error(server_->busy_scripts().BusyError());
    return;
  }
  Run(*cmd, client, reply, args, server_->clock().NowMs());
  locks->Unlock();
  AfterUnlock(*cmd, client, args, MonotonicUs() - start, reply.errors() - errors_before);
}

bool Dispatcher::LockUnlessBusy(store::LockSet* locks) {
  return locks->Lock([this] { return server_->busy_scripts().busy(); });
}

bool Dispatcher::ServeBlocked(Client& client, std::span<const std::string_view> args, std::string* reply) {
  const Command* cmd = server_->commands().Find(args[0]);  // it ran before: known and well formed
  store::LockSet& locks = thread_->locks();
  CollectLocks(*cmd, client.db(), args, &locks);
  ByteBuffer out;
  resp::ReplyBuilder builder(&out);
  builder.set_protocol(client.protocol());
  builder.set_error_stats(&server_->error_stats());
  const int64_t start = MonotonicUs();
  locks.Lock();
  CommandContext ctx(*server_, client, builder, *cmd, args, server_->clock().NowMs());
  cmd->handler(ctx);
  const bool again = client.TakeBlockRequest().has_value();
  locks.Unlock();
  // What the served command changed (BLMOVE's push) may serve others: ServeReady goes on with it.
  server_->keyspace().DeliverEvents();
  if (again) return false;
  // The call was counted when it blocked: Redis counts a blocking command once, however it ends.
  CommandCounters& per = server_->request_counters().per_command[cmd->id];
  const int64_t elapsed_us = MonotonicUs() - start;
  per.usec.Add(static_cast<uint64_t>(elapsed_us));
  if (builder.errors() > 0) {
    per.failed_calls.Add();
    server_->request_counters().error_replies.Add(builder.errors());
  }
  RecordLatency(*cmd, per, elapsed_us);
  LogIfSlow(*cmd, client, args, elapsed_us);
  reply->assign(out.data(), out.size());
  return true;
}

}  // namespace strata::server
