#include "scripting/script_run.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/clock.h"
#include "common/error_texts.h"
#include "scripting/lua_engine.h"
#include "scripting/lua_values.h"
#include "scripting/script_busy.h"
#include "server/acl_user.h"
#include "server/io_thread.h"
#include "server/server.h"

namespace strata::scripting {
namespace {

constexpr std::string_view kEngine = "#!lua";
// How long a run that wrote keeps trying for a stripe below the ones it holds.
constexpr int64_t kWidenPatienceUs = 2000;

// The state of one run, and what redis.call does in it.
class ScriptRun final : public ScriptCalls {
 public:
  ScriptRun(server::CommandContext& ctx, const ScriptRequest& request, bool read_only, bool oom,
            store::LockSet* locks)
      : ctx_(ctx),
        read_only_(read_only),
        oom_(oom),
        locks_(locks),
        busy_(ctx, request.kind),
        wanted_(&ctx.server.keyspace()),
        declared_(&ctx.server.keyspace()),
        start_db_(ctx.client.db()),
        // Inside EXEC the transaction's locks must stay held: no restart.
        can_restart_(!ctx.client.transaction().running()) {
    for (std::string_view key : request.keys) declared_.Add(start_db_, key);
  }

  bool Call(lua_State* L, std::span<const std::string_view> args) override {
    const server::Command* cmd = Lookup(args);
    if (cmd == nullptr) return Refuse(L, errors::kScriptUnknownCommand);
    if (!cmd->ArityOk(args.size())) return Refuse(L, errors::kScriptWrongArgs);
    if (cmd->has(server::kCmdNoScript)) return Refuse(L, errors::kScriptNoScriptCommand);
    server::Dispatcher& dispatcher = server::IoThread::Current()->dispatcher();
    if (!dispatcher.CheckQueuedPermissions(ctx_.client, *cmd, args).empty()) {
      return Refuse(L, errors::kScriptAclDenied);
    }
    if (read_only_ && cmd->has(static_cast<server::CommandFlag>(server::kCmdWrite | server::kCmdMayReplicate))) {
      return Refuse(L, errors::kScriptReadOnly);
    }
    // Over maxmemory at the script's start, it may not begin growing memory (once it wrote, it
    // must be let finish), as in Redis.
    if (oom_ && !wrote_ && cmd->has(server::kCmdDenyOom)) return Refuse(L, errors::kScriptOom);
    if (!TakeLocks(*cmd, args)) {
      if (aborting_) return Refuse(L, errors::kScriptAbandoned);
      return Refuse(L, errors::kScriptLockConflict);
    }
    if (cmd->has(server::kCmdWrite)) {
      wrote_ = true;
      busy_.set_wrote();
    }
    out_.Clear();
    resp::ReplyBuilder reply(&out_);
    reply.set_protocol(resp_);
    const int64_t start = MonotonicUs();
    dispatcher.Run(*cmd, ctx_.client, reply, args, ctx_.now_ms);
    dispatcher.AccountScriptCall(*cmd, ctx_.client, args, MonotonicUs() - start, reply.errors());
    if (ctx_.client.db() != start_db_) selected_ = true;
    const std::string_view bytes(out_.data(), out_.size());
    PushReply(L, bytes);
    return bytes.starts_with('-');
  }

  std::optional<bool> MayRun(std::span<const std::string_view> args) override {
    const server::Command* cmd = Lookup(args);
    if (cmd == nullptr) return std::nullopt;
    const server::AclUser& user = *ctx_.client.user();
    if (user.permits_everything()) return true;
    // A call of the wrong arity is judged by its command alone: its keys cannot be found (Redis
    // 7.0 reads past such arguments).
    if (!cmd->ArityOk(args.size())) args = args.first(1);
    return user.Check(*cmd, args, &acl_keys_).denial == server::AclDenial::kNone;
  }

  int resp() const override { return resp_; }
  void set_resp(int resp) override { resp_ = resp; }
  bool aborting() const override { return aborting_; }
  std::string_view Interrupt() override {
    if (aborting_) return stop_.empty() ? errors::kScriptAbandoned : stop_;
    stop_ = busy_.Check();
    aborting_ = !stop_.empty();
    return stop_;
  }
  // Whether the run was abandoned to run again with more locks (not stopped).
  bool restarting() const { return aborting_ && stop_.empty(); }
  // Whether the run was stopped because SHUTDOWN NOSAVE is ending the server.
  bool stopped_for_shutdown() const { return stop_ == errors::kScriptShutdown; }

  // After an abandoned run: releases every stripe, takes the script's whole database (every
  // database once it selected another or was abandoned before) and readies a fresh run, which
  // holding every database cannot be abandoned again.
  void Restart() {
    locks_->Unlock();
    if (selected_ || restarts_ > 0) {
      locks_->AddAllDatabases();
    } else {
      locks_->AddDatabase(start_db_);
    }
    ++restarts_;
    locks_->Lock();
    ctx_.client.set_db(start_db_);
    aborting_ = false;
    resp_ = 2;
  }

  // What this run taught about the script, for the next runs' locks; and the caller's database
  // back (a script's SELECT is its own).
  void Finish(server::ScriptProfile& profile) {
    ctx_.client.set_db(start_db_);
    if (selected_ || restarts_ > 1) profile.beyond_db.store(true, std::memory_order_relaxed);
    if (undeclared_) {
      profile.undeclared.store(true, std::memory_order_relaxed);
    } else if (!selected_) {
      profile.declared_seen.store(true, std::memory_order_relaxed);
    }
  }

 private:
  const server::Command* Lookup(std::span<const std::string_view> args) const {
    const server::Command* cmd = ctx_.server.commands().Find(args[0]);
    if (cmd == nullptr || cmd->subcommands.empty() || args.size() < 2) return cmd;
    const server::Command* sub = server::CommandTable::FindSubcommand(*cmd, args[1]);
    return sub != nullptr ? sub : (cmd->is_container() ? nullptr : cmd);
  }

  bool Refuse(lua_State* L, std::string_view text) {
    PushErrorTable(L, text);
    return true;
  }

  // Makes sure the stripes the call needs are held (see DEVELOPING.md "Scripts and locks").
  // Returns false when one could not be taken without risking a deadlock; sets aborting_ when
  // the run can be restarted with its whole database.
  bool TakeLocks(const server::Command& cmd, std::span<const std::string_view> args) {
    server::Dispatcher& dispatcher = server::IoThread::Current()->dispatcher();
    dispatcher.CollectLocks(cmd, ctx_.client.db(), args, &wanted_);
    if (!declared_.Covers(&wanted_)) undeclared_ = true;
    if (locks_->Widen(&wanted_)) return true;
    undeclared_ = true;
    if (!wrote_ && can_restart_) {
      aborting_ = true;
      return false;
    }
    // Past a write the run cannot start over. The holder is most likely a short command that
    // waits for nothing of ours: try again for a while, never waiting, so a holder that does
    // wait for one of our stripes cannot deadlock with us.
    const int64_t deadline = MonotonicUs() + kWidenPatienceUs;
    while (MonotonicUs() < deadline) {
      std::this_thread::yield();
      dispatcher.CollectLocks(cmd, ctx_.client.db(), args, &wanted_);
      if (locks_->Widen(&wanted_)) return true;
    }
    return false;
  }

  server::CommandContext& ctx_;
  const bool read_only_;
  const bool oom_;
  store::LockSet* locks_;
  BusyWatch busy_;
  std::string_view stop_;    // why the run was stopped (killed, shutdown), if it was
  store::LockSet wanted_;    // the stripes of the call at hand (never locked)
  store::LockSet declared_;  // the declared keys' stripes (never locked)
  const int start_db_;
  const bool can_restart_;
  ByteBuffer out_;
  std::vector<int> acl_keys_;  // MayRun's scratch
  int resp_ = 2;
  bool wrote_ = false;
  bool aborting_ = false;
  bool undeclared_ = false;
  bool selected_ = false;
  int restarts_ = 0;
};

}  // namespace

std::string ParseShebang(std::string_view body, uint32_t* flags, size_t* code_offset) {
  *flags = 0;
  *code_offset = 0;
  if (!body.starts_with("#!")) return {};
  const size_t eol = body.find('\n');
  if (eol == std::string_view::npos) return errors::kShebangInvalid;
  const std::string_view line = body.substr(0, eol);
  *code_offset = eol;
  *flags = kScriptShebang;
  size_t pos = 0;
  bool first = true;
  while (pos < line.size()) {
    const size_t space = line.find(' ', pos);
    const std::string_view part = line.substr(pos, space == std::string_view::npos ? std::string_view::npos : space - pos);
    pos = space == std::string_view::npos ? line.size() : space + 1;
    if (first) {
      if (part != kEngine) return fmt::format(errors::kFmtShebangEngine, part);
      first = false;
      continue;
    }
    if (part.empty()) continue;
    if (!part.starts_with("flags=")) return fmt::format(errors::kFmtShebangOption, part);
    std::string_view list = part.substr(6);
    while (!list.empty()) {
      const size_t comma = list.find(',');
      const std::string_view flag = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      const auto* known = std::find_if(std::begin(kScriptFlagNames), std::end(kScriptFlagNames),
                                       [&](const ScriptFlagName& f) { return f.name == flag; });
      if (known == std::end(kScriptFlagNames)) return fmt::format(errors::kFmtShebangFlag, flag);
      *flags |= known->flag;
    }
  }
  return {};
}

void AddScriptLocks(const server::ScriptProfile* profile, int db, std::span<const std::string_view> keys,
                    store::LockSet* locks) {
  if (profile != nullptr && profile->beyond_db.load(std::memory_order_relaxed)) {
    locks->AddAllDatabases();
  } else if (profile != nullptr && profile->DeclaredOnly()) {
    for (std::string_view key : keys) locks->Add(db, key);
  } else {
    locks->AddDatabase(db);
  }
}

std::shared_ptr<server::CachedScript> LoadScript(server::Server& server, std::string_view sha, std::string_view body,
                                                 std::string* error) {
  if (std::shared_ptr<server::CachedScript> known = server.scripts().Find(sha)) return known;
  uint32_t flags = 0;
  size_t code_offset = 0;
  *error = ParseShebang(body, &flags, &code_offset);
  if (!error->empty()) return nullptr;
  // Compiled before it is cached: a body that does not compile is not remembered.
  server::CachedScript candidate;
  candidate.sha = std::string(sha);
  candidate.body = std::string(body);
  if (!LuaEngine::ForThisThread(server.scripts().generation()).Load(candidate, code_offset, error)) return nullptr;
  return server.scripts().Add(sha, body);
}

void RunScript(server::CommandContext& ctx, const ScriptRequest& request) {
  uint32_t flags = 0;
  size_t code_offset = 0;
  if (request.script != nullptr) {
    if (std::string error = ParseShebang(request.script->body, &flags, &code_offset); !error.empty()) {
      ctx.reply.Error(error);
      return;
    }
  } else {
    flags = request.function->flags | kScriptShebang;
  }
  const bool shebang = (flags & kScriptShebang) != 0;
  if (request.read_only && shebang && (flags & kScriptNoWrites) == 0) {
    ctx.reply.Error(errors::kWriteFlagWithRo);
    return;
  }
  server::IoThread* thread = server::IoThread::Current();
  const bool over_memory = thread->dispatcher().over_maxmemory();
  // A script that declares it may write is refused at once over maxmemory, as a denyoom command.
  if (over_memory && shebang && (flags & (kScriptNoWrites | kScriptAllowOom)) == 0) {
    ctx.reply.Error(errors::kOom);
    return;
  }
  LuaEngine& engine = LuaEngine::ForThisThread(ctx.server.scripts().generation());
  std::string error;
  const bool loaded = request.script != nullptr
                          ? engine.Load(*request.script, code_offset, &error)
                          : engine.EnsureLibrary(*request.library, request.functions_generation, &error);
  if (!loaded) {
    ctx.reply.Error(error);
    return;
  }
  const Chunk chunk = request.script != nullptr ? Chunk::kScript : Chunk::kFunction;
  const std::string_view name = request.script != nullptr ? request.script->sha : request.function->name;
  server::ScriptProfile& profile = request.script != nullptr ? request.script->profile : request.function->profile;
  ctx.client.set_in_script(true);
  ScriptRun run(ctx, request, request.read_only || (flags & kScriptNoWrites) != 0,
                over_memory && (flags & kScriptAllowOom) == 0, &thread->locks());
  bool ok = engine.Run(chunk, name, request.keys, request.argv, &run, &error);
  // At most twice: the second restart holds every database.
  while (run.restarting()) {
    run.Restart();
    ok = engine.Run(chunk, name, request.keys, request.argv, &run, &error);
  }
  if (run.stopped_for_shutdown()) {
    // As Redis, which exits from inside the script: the caller's connection closes unanswered.
    ctx.client.set_close_after_reply();
  } else if (ok) {
    WriteLuaValue(engine.state(), ctx.reply, run.resp());
  } else {
    ctx.reply.Error(error);
  }
  run.Finish(profile);
  ctx.client.set_in_script(false);
}

}  // namespace strata::scripting
