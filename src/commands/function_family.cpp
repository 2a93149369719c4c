// Functions (Redis 7): FCALL, FCALL_RO and FUNCTION LOAD/DELETE/FLUSH/LIST/DUMP/RESTORE/STATS/KILL/
// HELP.
//
// The libraries live in the server's FunctionRegistry (server/function_registry.h); their Lua is
// compiled and run in scripting/ through the same run, locking and conversion code as EVAL
// (scripting::RunScript); FUNCTION KILL goes through SCRIPT KILL's (scripting/script_busy.h).
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "common/glob.h"
#include "common/numbers.h"
#include "rdb/rdb_reader.h"
#include "rdb/rdb_writer.h"
#include "common/clock.h"
#include "scripting/script_busy.h"
#include "scripting/script_run.h"
#include "server/config.h"
#include "server/io_thread.h"
#include "server/server.h"

namespace strata::commands {
namespace {

// FCALL's ExtraLocks: what the function's past runs say it needs (as EVAL's).
void FcallLocks(int db, std::span<const std::string_view> args, store::LockSet* locks) {
  server::IoThread* thread = server::IoThread::Current();
  server::FunctionRegistry::Found found;
  if (thread != nullptr) found = thread->server().functions().Find(args[1]);
  scripting::AddScriptLocks(found.function == nullptr ? nullptr : &found.function->profile, db, DeclaredKeys(args),
                            locks);
}

void Fcall(CommandContext& ctx, bool read_only) {
  const server::FunctionRegistry::Found found = ctx.server.functions().Find(ctx.arg(1));
  if (found.library == nullptr) {
    ctx.reply.Error(errors::kFunctionNotFound);
    return;
  }
  int64_t numkeys = 0;
  if (!ParseInt64(ctx.arg(2), &numkeys)) {
    ctx.reply.Error(errors::kNumKeysBad);
    return;
  }
  if (!NumKeysInRange(ctx, numkeys)) return;
  scripting::ScriptRequest request =
      scripting::ScriptRequest::ForCall(ctx.args, static_cast<size_t>(numkeys), read_only);
  request.library = found.library.get();
  request.function = found.function;
  request.functions_generation = found.generation;
  request.kind = server::ScriptKind::kFunction;
  scripting::RunScript(ctx, request);
}

// FCALL function numkeys [key [key ...]] [arg [arg ...]]
void CmdFcall(CommandContext& ctx) { Fcall(ctx, false); }

// FCALL_RO function numkeys [key [key ...]] [arg [arg ...]]
void CmdFcallRo(CommandContext& ctx) { Fcall(ctx, true); }

// FUNCTION LOAD [REPLACE] function-code
void CmdFunctionLoad(CommandContext& ctx) {
  bool replace = false;
  size_t i = 2;
  for (; i + 1 < ctx.argc(); ++i) {
    if (!ArgIs(ctx, i, "replace")) {
      ctx.reply.Error(fmt::format(errors::kFmtFunctionLoadOption, ctx.arg(i)));
      return;
    }
    replace = true;
  }
  std::string name, error;
  if (!ctx.server.functions().Load(ctx.arg(i), replace, &name, &error)) {
    ctx.reply.Error(error);
    return;
  }
  ctx.reply.Bulk(name);
}

// FUNCTION DELETE library-name
void CmdFunctionDelete(CommandContext& ctx) {
  if (!ctx.server.functions().Delete(ctx.arg(2))) {
    ctx.reply.Error(errors::kLibraryNotFound);
    return;
  }
  ctx.reply.Ok();
}

// FUNCTION FLUSH [ASYNC | SYNC]
void CmdFunctionFlush(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(fmt::format(errors::kFmtSubcommandSyntax, ctx.arg(1), "FUNCTION"));
    return;
  }
  if (ctx.argc() == 3 && !ArgIs(ctx, 2, "sync") && !ArgIs(ctx, 2, "async")) {
    ctx.reply.Error(errors::kFunctionFlushArgs);
    return;
  }
  ctx.server.functions().Flush();
  ctx.reply.Ok();
}

void ReplyFunction(CommandContext& ctx, const server::FunctionInfo& function) {
  ctx.reply.MapHeader(3);
  ctx.reply.Bulk("name");
  ctx.reply.Bulk(function.name);
  ctx.reply.Bulk("description");
  if (function.description.has_value()) {
    ctx.reply.Bulk(*function.description);
  } else {
    ctx.reply.Null();
  }
  ctx.reply.Bulk("flags");
  size_t count = 0;
  for (const auto& flag : scripting::kScriptFlagNames) count += (function.flags & flag.flag) != 0 ? 1 : 0;
  ctx.reply.SetHeader(count);
  for (const auto& flag : scripting::kScriptFlagNames) {
    if ((function.flags & flag.flag) != 0) ctx.reply.Simple(flag.name);
  }
}

// FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]
void CmdFunctionList(CommandContext& ctx) {
  bool with_code = false;
  std::optional<std::string_view> pattern;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!with_code && ArgIs(ctx, i, "withcode")) {
      with_code = true;
    } else if (!pattern.has_value() && ArgIs(ctx, i, "libraryname")) {
      if (i + 1 >= ctx.argc()) {
        ctx.reply.Error(errors::kLibraryNameMissing);
        return;
      }
      pattern = ctx.arg(++i);
    } else {
      ctx.reply.Error(fmt::format(errors::kFmtFunctionListArg, ctx.arg(i)));
      return;
    }
  }
  std::vector<std::shared_ptr<const server::Library>> libraries = ctx.server.functions().Libraries();
  if (pattern.has_value()) {
    std::erase_if(libraries, [&](const auto& lib) { return !GlobMatch(*pattern, lib->name, true); });
  }
  ctx.reply.ArrayHeader(libraries.size());
  for (const auto& lib : libraries) {
    ctx.reply.MapHeader(with_code ? 4 : 3);
    ctx.reply.Bulk("library_name");
    ctx.reply.Bulk(lib->name);
    ctx.reply.Bulk("engine");
    ctx.reply.Bulk("LUA");
    ctx.reply.Bulk("functions");
    ctx.reply.ArrayHeader(lib->functions.size());
    for (const server::FunctionInfo& function : lib->functions) ReplyFunction(ctx, function);
    if (with_code) {
      ctx.reply.Bulk("library_code");
      ctx.reply.Bulk(lib->code);
    }
  }
}

// The code of every library, for FUNCTION DUMP.
std::vector<std::string> LibraryCodes(const server::FunctionRegistry& registry) {
  std::vector<std::string> codes;
  for (const auto& lib : registry.Libraries()) codes.push_back(lib->code);
  return codes;
}

// FUNCTION DUMP
void CmdFunctionDump(CommandContext& ctx) {
  const bool compress = ctx.server.config().Int(server::ConfigId::kRdbCompression) != 0;
  ctx.reply.Bulk(rdb::EncodeFunctionsDump(LibraryCodes(ctx.server.functions()), compress));
}

// FUNCTION RESTORE serialized-value [FLUSH | APPEND | REPLACE]
void CmdFunctionRestore(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    ctx.reply.Error(fmt::format(errors::kFmtSubcommandSyntax, ctx.arg(1), "FUNCTION"));
    return;
  }
  auto policy = server::FunctionRegistry::RestorePolicy::kAppend;
  if (ctx.argc() == 4) {
    if (ArgIs(ctx, 3, "flush")) {
      policy = server::FunctionRegistry::RestorePolicy::kFlush;
    } else if (ArgIs(ctx, 3, "replace")) {
      policy = server::FunctionRegistry::RestorePolicy::kReplace;
    } else if (!ArgIs(ctx, 3, "append")) {
      ctx.reply.Error(errors::kRestorePolicy);
      return;
    }
  }
  std::vector<std::string> codes;
  std::string error;
  if (!rdb::DecodeFunctionsDump(ctx.arg(2), &codes, &error) ||
      !ctx.server.functions().Restore(codes, policy, &error)) {
    ctx.reply.Error(error);
    return;
  }
  ctx.reply.Ok();
}

// FUNCTION STATS
void CmdFunctionStats(CommandContext& ctx) {
  // The running script is a busy one (past busy-reply-threshold): a shorter run on another
  // io-thread is not shown, as its call has not ended for anyone to see.
  server::RunningScript running;
  const bool busy = ctx.server.busy_scripts().Running(&running);
  if (busy && running.kind == server::ScriptKind::kEval) {
    ctx.reply.Error(errors::kBusyEval);
    return;
  }
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("running_script");
  if (busy) {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(running.function);
    ctx.reply.Bulk("command");
    ctx.reply.ArrayHeader(running.command.size());
    for (const std::string& arg : running.command) ctx.reply.Bulk(arg);
    ctx.reply.Bulk("duration_ms");
    ctx.reply.Integer((MonotonicUs() - running.start_us) / 1000);
  } else {
    ctx.reply.Null();
  }
  ctx.reply.Bulk("engines");
  ctx.reply.MapHeader(1);
  ctx.reply.Bulk("LUA");
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("libraries_count");
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.functions().library_count()));
  ctx.reply.Bulk("functions_count");
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.functions().function_count()));
}

// FUNCTION KILL
void CmdFunctionKill(CommandContext& ctx) {
  constexpr server::ScriptKind kKind = server::ScriptKind::kFunction;
  scripting::ReplyKillStatus(ctx.reply, scripting::KillBusy(ctx.server, kKind), kKind);
}

// FUNCTION HELP
void CmdFunctionHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE "
      "command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
      "      libraries with the new libraries (notice that even on this option there is a chance of failure",
      "      in case of functions name collision with another library).",
  };
  ReplyHelp(ctx, "FUNCTION", kLines);
}

}  // namespace

void RegisterFunctionFamily(server::CommandTable& table) {
  table.SetGroup("scripting");
  table.Add({"fcall", -3, "noscript stale skip_monitor may_replicate no_mandatory_keys", 0, 0, 0, "@scripting", CmdFcall,
             "Invoke a function", "7.0.0", 2, nullptr, FcallLocks});
  table.Add({"fcall_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys", 0, 0, 0, "@scripting", CmdFcallRo,
             "Invoke a read-only function", "7.0.0", 2, nullptr, FcallLocks});
  table.Add({"function", -2, "", 0, 0, 0, "", nullptr, "A container for function commands", "7.0.0"});
  table.Add({"function|load", -3, "write denyoom noscript", 0, 0, 0, "@write @scripting", CmdFunctionLoad,
             "Create a function with the given arguments (name, code, description)", "7.0.0"});
  table.Add({"function|delete", 3, "write noscript", 0, 0, 0, "@write @scripting", CmdFunctionDelete,
             "Delete a function by name", "7.0.0"});
  table.Add({"function|flush", -2, "write noscript", 0, 0, 0, "@write @scripting", CmdFunctionFlush,
             "Deleting all functions", "7.0.0"});
  table.Add({"function|list", -2, "noscript", 0, 0, 0, "@scripting", CmdFunctionList,
             "List information about all the functions", "7.0.0"});
  table.Add({"function|dump", 2, "noscript", 0, 0, 0, "@scripting", CmdFunctionDump,
             "Dump all functions into a serialized binary payload", "7.0.0"});
  table.Add({"function|restore", -3, "write denyoom noscript", 0, 0, 0, "@write @scripting", CmdFunctionRestore,
             "Restore all the functions on the given payload", "7.0.0"});
  table.Add({"function|stats", 2, "noscript allow_busy", 0, 0, 0, "@scripting", CmdFunctionStats,
             "Return information about the function currently running (name, description, duration)", "7.0.0"});
  table.Add({"function|kill", 2, "noscript allow_busy", 0, 0, 0, "@scripting", CmdFunctionKill,
             "Kill the function currently in execution.", "7.0.0"});
  table.Add({"function|help", 2, "loading stale", 0, 0, 0, "@scripting", CmdFunctionHelp,
             "Show helpful text about the different subcommands", "7.0.0"});
}

}  // namespace strata::commands
