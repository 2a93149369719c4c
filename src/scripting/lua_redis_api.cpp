// The `redis` table a script sees (redis.call, pcall, log, setresp ...; declared in
// lua_engine.h and lua_internal.h). The library load's own `redis` is in lua_library.cpp.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "common/error_texts.h"
#include "scripting/lua_engine.h"
#include "scripting/lua_internal.h"
#include "scripting/lua_values.h"

namespace strata::scripting {
namespace {

// Redis's version, as INFO shows it, and its number (0x00MMmmpp).
constexpr char kRedisVersion[] = "7.0.15";
constexpr int kRedisVersionNum = (7 << 16) | (0 << 8) | 15;
// redis.set_repl's flags.
constexpr int kReplAof = 1;
constexpr int kReplReplica = 2;

// redis.log(level, message ...).
int RedisLog(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) return RaiseTable(L, errors::kScriptLogArgs);
  if (!lua_isnumber(L, 1)) return RaiseTable(L, errors::kScriptLogLevelNotNumber);
  const int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return RaiseTable(L, errors::kScriptLogLevel);
  std::string line;
  for (int i = 2; i <= argc; ++i) {
    size_t len = 0;
    const char* s = lua_tolstring(L, i, &len);
    if (s == nullptr) continue;
    if (i != 2) line += ' ';
    line.append(s, len);
  }
  static constexpr spdlog::level::level_enum kLevels[] = {spdlog::level::trace, spdlog::level::debug,
                                                          spdlog::level::info, spdlog::level::warn};
  spdlog::log(kLevels[level], "{}", line);
  return 0;
}

// The arguments on the Lua stack as command arguments (numbers formatted into `numbers`), as
// redis.call takes them. On one that is neither string nor number pushes the error table and
// returns false.
bool StackArgs(lua_State* L, int argc, std::vector<std::string>* numbers, std::vector<std::string_view>* args) {
  numbers->reserve(static_cast<size_t>(argc));
  args->resize(static_cast<size_t>(argc));
  for (int i = 1; i <= argc; ++i) {
    if (lua_type(L, i) == LUA_TNUMBER) {
      // Not lua_tolstring: Lua's "%.14g" loses precision.
      char buf[64];
      const int n = std::snprintf(buf, sizeof(buf), "%.17g", static_cast<double>(lua_tonumber(L, i)));
      numbers->emplace_back(buf, static_cast<size_t>(n));
      (*args)[static_cast<size_t>(i - 1)] = numbers->back();
    } else if (lua_type(L, i) == LUA_TSTRING) {
      size_t len = 0;
      const char* s = lua_tolstring(L, i, &len);
      (*args)[static_cast<size_t>(i - 1)] = std::string_view(s, len);
    } else {
      PushErrorTable(L, errors::kScriptBadArgType);
      return false;
    }
  }
  return true;
}

// Runs one redis.call/pcall with the arguments on the Lua stack, leaving its reply or error table
// there; returns whether that error must be raised. Apart from GenericCall so that its vectors are
// destroyed before lua_error longjmps past this frame (a longjmp runs no destructors).
bool RunCall(lua_State* L, ScriptCalls* calls, int argc, bool raise) {
  std::vector<std::string> numbers;
  std::vector<std::string_view> args;
  if (!StackArgs(L, argc, &numbers, &args)) return raise;
  const bool failed = calls->Call(L, args);
  return failed && (raise || calls->aborting());
}

// redis.acl_check_cmd with the arguments on the stack: pushes whether the script's user may run
// that call, or the error table to raise (returns true then). Apart for the same reason as RunCall.
bool RunAclCheck(lua_State* L, ScriptCalls* calls, int argc) {
  std::vector<std::string> numbers;
  std::vector<std::string_view> args;
  if (!StackArgs(L, argc, &numbers, &args)) return true;
  const std::optional<bool> permitted = calls->MayRun(args);
  if (!permitted.has_value()) {
    PushErrorTable(L, errors::kScriptAclCheckUnknown);
    return true;
  }
  lua_pushboolean(L, *permitted);
  return false;
}

// redis.call (raise = true) and redis.pcall.
int GenericCall(lua_State* L, bool raise) {
  // Lua code runs only inside LuaEngine::Run, which sets the calls.
  ScriptCalls* calls = Engine()->calls();
  const int argc = lua_gettop(L);
  if (argc == 0) {
    PushErrorTable(L, errors::kScriptNoArgs);
    return raise ? lua_error(L) : 1;
  }
  return RunCall(L, calls, argc, raise) ? lua_error(L) : 1;
}

int RedisCall(lua_State* L) { return GenericCall(L, true); }
int RedisPcall(lua_State* L) { return GenericCall(L, false); }

int RedisAclCheckCmd(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc == 0) return RaiseTable(L, errors::kScriptNoArgs);
  return RunAclCheck(L, Engine()->calls(), argc) ? lua_error(L) : 1;
}

int RedisSha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseTable(L, errors::kScriptSha1Args);
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  const std::string hex = server::Sha1Hex(s == nullptr ? std::string_view() : std::string_view(s, len));
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}

int RedisErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, errors::kScriptReplyArgs);
    return 1;
  }
  const std::string_view text = lua_tostring(L, -1);
  PushErrorTable(L, text.starts_with('-') ? std::string(text) : "-" + std::string(text));
  return 1;
}

int RedisStatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, errors::kScriptReplyArgs);
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, -3);
  lua_settable(L, -3);
  return 1;
}

int RedisSetResp(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseTable(L, errors::kScriptSetRespArgs);
  const int resp = static_cast<int>(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) return RaiseTable(L, errors::kScriptSetRespVersion);
  Engine()->calls()->set_resp(resp);
  return 0;
}

// Accepted for compatibility: Strata has no replicas or AOF to propagate to.
int RedisSetRepl(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseTable(L, errors::kScriptSetReplArgs);
  const int flags = static_cast<int>(lua_tonumber(L, -1));
  if ((flags & ~(kReplAof | kReplReplica)) != 0) return RaiseTable(L, errors::kScriptSetReplFlags);
  return 0;
}

int RedisReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

// The debugger (SCRIPT DEBUG) does not exist: breakpoints are never hit.
int RedisBreakpoint(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}

int RedisDebug(lua_State*) { return 0; }

}  // namespace

void SetCommonRedisFields(lua_State* L) {
  SetField(L, "log", RedisLog);
  SetNumber(L, "LOG_DEBUG", 0);
  SetNumber(L, "LOG_VERBOSE", 1);
  SetNumber(L, "LOG_NOTICE", 2);
  SetNumber(L, "LOG_WARNING", 3);
  lua_pushstring(L, kRedisVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
  SetNumber(L, "REDIS_VERSION_NUM", kRedisVersionNum);
}

void LuaEngine::RegisterRedisTable() {
  lua_newtable(L_);
  SetField(L_, "call", RedisCall);
  SetField(L_, "pcall", RedisPcall);
  SetField(L_, "acl_check_cmd", RedisAclCheckCmd);
  SetField(L_, "sha1hex", RedisSha1hex);
  SetField(L_, "error_reply", RedisErrorReply);
  SetField(L_, "status_reply", RedisStatusReply);
  SetCommonRedisFields(L_);
  SetField(L_, "setresp", RedisSetResp);
  SetField(L_, "set_repl", RedisSetRepl);
  SetField(L_, "replicate_commands", RedisReplicateCommands);
  SetNumber(L_, "REPL_NONE", 0);
  SetNumber(L_, "REPL_AOF", kReplAof);
  SetNumber(L_, "REPL_SLAVE", kReplReplica);
  SetNumber(L_, "REPL_REPLICA", kReplReplica);
  SetNumber(L_, "REPL_ALL", kReplAof | kReplReplica);
  SetField(L_, "breakpoint", RedisBreakpoint);
  SetField(L_, "debug", RedisDebug);
  lua_setglobal(L_, "redis");
}

}  // namespace strata::scripting
