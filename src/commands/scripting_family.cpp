// Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD/EXISTS/FLUSH/HELP.
//
// The scripts themselves run in scripting/ (script_run.h): this file parses the calls, finds or
// compiles the script and hands it over. EVAL's stripes are its declared keys or its whole
// database, as the script's past runs decide (ScriptLocks).
#include <memory>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "common/numbers.h"
#include "scripting/script_busy.h"
#include "scripting/script_run.h"
#include "server/io_thread.h"
#include "server/server.h"

namespace strata::commands {
namespace {

// The script EVAL's lock collection found by its body on this thread, handed to the handler that
// follows so a call hashes its body once. The handler takes it only if the bodies match (an EXEC
// collects the locks of all its calls first). A SCRIPT FLUSH in between leaves that run's script
// out of the cache, as if the flush had come just after the call.
thread_local std::shared_ptr<server::CachedScript> t_found_by_body;

// ExtraLocks of EVAL (`by_sha`: EVALSHA): what the script's past runs say it needs.
void ScriptLocks(int db, std::span<const std::string_view> args, store::LockSet* locks, bool by_sha) {
  server::IoThread* thread = server::IoThread::Current();
  std::shared_ptr<server::CachedScript> script;
  if (thread != nullptr) {
    server::ScriptCache& cache = thread->server().scripts();
    if (by_sha) {
      script = cache.Find(args[1]);
    } else {
      script = cache.Find(server::Sha1Hex(args[1]));
      t_found_by_body = script;
    }
  }
  scripting::AddScriptLocks(script == nullptr ? nullptr : &script->profile, db, DeclaredKeys(args), locks);
}

void EvalLocks(int db, std::span<const std::string_view> args, store::LockSet* locks) {
  ScriptLocks(db, args, locks, false);
}

void EvalShaLocks(int db, std::span<const std::string_view> args, store::LockSet* locks) {
  ScriptLocks(db, args, locks, true);
}

// EVAL and friends: `by_sha` names the script by its SHA1, `read_only` refuses its writes.
void Eval(CommandContext& ctx, bool by_sha, bool read_only) {
  server::IoThread::Current()->dispatcher().FeedMonitorsFirst(ctx.command, ctx.client, ctx.args);
  // Redis answers a malformed SHA1 before looking at numkeys.
  if (by_sha && ctx.arg(1).size() != 40) {
    ctx.reply.Error(errors::kNoScript);
    return;
  }
  int64_t numkeys = 0;
  if (!ParseIntArg(ctx, 2, &numkeys)) return;
  if (!NumKeysInRange(ctx, numkeys)) return;
  std::shared_ptr<server::CachedScript> script;
  if (by_sha) {
    script = ctx.server.scripts().Find(ctx.arg(1));
    if (script == nullptr) {
      ctx.reply.Error(errors::kNoScript);
      return;
    }
  } else if (t_found_by_body != nullptr && t_found_by_body->body == ctx.arg(1)) {
    script = std::move(t_found_by_body);
  } else {
    std::string error;
    script = scripting::LoadScript(ctx.server, server::Sha1Hex(ctx.arg(1)), ctx.arg(1), &error);
    if (script == nullptr) {
      ctx.reply.Error(error);
      return;
    }
  }
  scripting::ScriptRequest request =
      scripting::ScriptRequest::ForCall(ctx.args, static_cast<size_t>(numkeys), read_only);
  request.script = script.get();
  scripting::RunScript(ctx, request);
}

// EVAL script numkeys [key [key ...]] [arg [arg ...]]
void CmdEval(CommandContext& ctx) { Eval(ctx, false, false); }

// EVALSHA sha1 numkeys [key [key ...]] [arg [arg ...]]
void CmdEvalSha(CommandContext& ctx) { Eval(ctx, true, false); }

// EVAL_RO script numkeys [key [key ...]] [arg [arg ...]]
void CmdEvalRo(CommandContext& ctx) { Eval(ctx, false, true); }

// EVALSHA_RO sha1 numkeys [key [key ...]] [arg [arg ...]]
void CmdEvalShaRo(CommandContext& ctx) { Eval(ctx, true, true); }

// SCRIPT LOAD script
void CmdScriptLoad(CommandContext& ctx) {
  std::string error;
  const std::string sha = server::Sha1Hex(ctx.arg(2));
  if (scripting::LoadScript(ctx.server, sha, ctx.arg(2), &error) == nullptr) {
    ctx.reply.Error(error);
    return;
  }
  ctx.reply.Bulk(sha);
}

// SCRIPT EXISTS sha1 [sha1 ...]
void CmdScriptExists(CommandContext& ctx) {
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) ctx.reply.Integer(ctx.server.scripts().Find(ctx.arg(i)) != nullptr ? 1 : 0);
}

// SCRIPT FLUSH [ASYNC | SYNC]
void CmdScriptFlush(CommandContext& ctx) {
  // Both modes flush at once: the cache holds only the scripts' text; each thread's Lua state is
  // rebuilt on its next use.
  if (ctx.argc() > 3 || (ctx.argc() == 3 && !ArgIs(ctx, 2, "sync") && !ArgIs(ctx, 2, "async"))) {
    ctx.reply.Error(errors::kScriptFlushArgs);
    return;
  }
  ctx.server.scripts().Flush();
  ctx.reply.Ok();
}

// SCRIPT KILL
void CmdScriptKill(CommandContext& ctx) {
  constexpr server::ScriptKind kKind = server::ScriptKind::kEval;
  scripting::ReplyKillStatus(ctx.reply, scripting::KillBusy(ctx.server, kKind), kKind);
}

// SCRIPT HELP
void CmdScriptHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
  };
  ReplyHelp(ctx, "SCRIPT", kLines);
}

}  // namespace

void RegisterScriptingFamily(server::CommandTable& table) {
  table.SetGroup("scripting");
  table.Add({"eval", -3, "noscript stale skip_monitor may_replicate no_mandatory_keys", 0, 0, 0, "@scripting", CmdEval,
             "Execute a Lua script server side", "2.6.0", 2, nullptr, EvalLocks});
  table.Add({"evalsha", -3, "noscript stale skip_monitor may_replicate no_mandatory_keys", 0, 0, 0, "@scripting", CmdEvalSha,
             "Execute a Lua script server side", "2.6.0", 2, nullptr, EvalShaLocks});
  table.Add({"eval_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys", 0, 0, 0, "@scripting", CmdEvalRo,
             "Execute a read-only Lua script server side", "7.0.0", 2, nullptr, EvalLocks});
  table.Add({"evalsha_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys", 0, 0, 0, "@scripting", CmdEvalShaRo,
             "Execute a read-only Lua script server side", "7.0.0", 2, nullptr, EvalShaLocks});
  table.Add({"script", -2, "", 0, 0, 0, "", nullptr, "A container for Lua scripts management commands", "2.6.0"});
  table.Add({"script|load", 3, "noscript stale", 0, 0, 0, "@scripting", CmdScriptLoad,
             "Load a Lua script into the script cache", "2.6.0"});
  table.Add({"script|exists", -3, "noscript", 0, 0, 0, "@scripting", CmdScriptExists,
             "Check existence of scripts in the script cache", "2.6.0"});
  table.Add({"script|flush", -2, "noscript", 0, 0, 0, "@scripting", CmdScriptFlush,
             "Remove all the scripts from the script cache", "2.6.0"});
  table.Add({"script|kill", 2, "noscript allow_busy", 0, 0, 0, "@scripting", CmdScriptKill,
             "Terminate the script in execution", "2.6.0"});
  table.Add({"script|help", 2, "loading stale", 0, 0, 0, "@scripting", CmdScriptHelp,
             "Show helpful text about the different subcommands", "5.0.0"});
}

}  // namespace strata::commands
