// Function libraries in a LuaEngine: the load sandbox, redis.register_function, and loading a
// library's callbacks into the state (declared in lua_engine.h).
//
// A library's chunk runs with the globals proxy reading through the library API table instead of
// the real globals: only `redis` (register_function, log, LOG_*, REDIS_VERSION*) exists, so a
// library cannot call commands or read data at load, as in Redis. The callbacks it registers keep
// the proxy as their environment, which reads the real globals again once the load is over.
#include <strings.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

#include "common/clock.h"
#include "common/error_texts.h"
#include "scripting/lua_engine.h"
#include "scripting/lua_internal.h"
#include "scripting/lua_values.h"
#include "scripting/script_run.h"

namespace strata::scripting {
namespace {

constexpr char kPendingKey[] = "strata.pending";  // the callbacks the running load registered
// Redis's limit on a library's load.
constexpr int64_t kLoadTimeoutUs = 500'000;

bool ValidFunctionName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Reads the flags table at the top of the stack into *flags. Returns false on a flag that is not
// a known name (case-insensitive) or not a string.
bool ReadFlags(lua_State* L, uint32_t* flags) {
  for (int i = 1;; ++i) {
    lua_rawgeti(L, -1, i);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      return true;
    }
    const char* name = lua_isstring(L, -1) ? lua_tostring(L, -1) : nullptr;
    const auto* known = std::find_if(std::begin(kScriptFlagNames), std::end(kScriptFlagNames), [&](const auto& f) {
      return name != nullptr && f.name.size() == std::strlen(name) && strcasecmp(f.name.data(), name) == 0;
    });
    lua_pop(L, 1);
    if (known == std::end(kScriptFlagNames)) return false;
    *flags |= known->flag;
  }
}

// redis.register_function{function_name=..., callback=..., flags={...}, description=...}: fills
// *function and leaves the callback on the top of the stack, or returns Redis's error text.
const char* ReadNamedArgs(lua_State* L, server::FunctionInfo* function) {
  if (!lua_istable(L, 1)) return errors::kRegisterNamedNotTable;
  bool have_name = false;
  int callback = 0;  // its stack index
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    if (!lua_isstring(L, -2)) return errors::kRegisterKeyNotString;
    lua_pushvalue(L, -2);  // a copy: lua_tostring would change the key lua_next walks with
    const char* key = lua_tostring(L, -1);
    lua_pop(L, 1);
    if (strcasecmp(key, "function_name") == 0) {
      if (!lua_isstring(L, -1)) return errors::kRegisterNameNotString;
      function->name = lua_tostring(L, -1);
      have_name = true;
    } else if (strcasecmp(key, "description") == 0) {
      if (!lua_isstring(L, -1)) return errors::kRegisterDescNotString;
      function->description = lua_tostring(L, -1);
    } else if (strcasecmp(key, "callback") == 0) {
      if (!lua_isfunction(L, -1)) return errors::kRegisterCallbackNotFunction;
      lua_pushvalue(L, -1);
      lua_insert(L, 2);  // below the iteration's key and value
      callback = 2;
    } else if (strcasecmp(key, "flags") == 0) {
      if (!lua_istable(L, -1)) return errors::kRegisterFlagsNotTable;
      if (!ReadFlags(L, &function->flags)) return errors::kRegisterUnknownFlag;
    } else {
      return errors::kRegisterUnknownArg;
    }
    lua_pop(L, 1);
  }
  if (!have_name) return errors::kRegisterNoName;
  if (callback == 0) return errors::kRegisterNoCallback;
  lua_pushvalue(L, callback);
  return nullptr;
}

// Registers one function in the library being loaded; returns Redis's error text or nullptr.
// Apart from RegisterFunction so that its strings are destroyed before lua_error longjmps.
const char* Register(lua_State* L, server::Library* library) {
  const int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return errors::kRegisterArgCount;
  server::FunctionInfo function;
  if (argc == 1) {
    if (const char* error = ReadNamedArgs(L, &function)) return error;
  } else {
    if (!lua_isstring(L, 1)) return errors::kRegisterFirstNotString;
    if (!lua_isfunction(L, 2)) return errors::kRegisterSecondNotFunction;
    function.name = lua_tostring(L, 1);
    lua_pushvalue(L, 2);
  }
  if (!ValidFunctionName(function.name)) return errors::kLibraryNameChars;
  for (const server::FunctionInfo& known : library->functions) {
    if (known.name == function.name) return errors::kFunctionInLibrary;
  }
  lua_getfield(L, LUA_REGISTRYINDEX, kPendingKey);
  lua_insert(L, -2);
  lua_setfield(L, -2, function.name.c_str());
  lua_pop(L, 1);
  server::FunctionInfo& added = library->functions.emplace_back();
  added.name = std::move(function.name);
  added.description = std::move(function.description);
  added.flags = function.flags;
  return nullptr;
}

// redis.register_function, reachable only from a library's load (the runtime `redis` table has
// none), or from a callback that kept the load's `redis` table.
int RegisterFunction(lua_State* L) {
  server::Library* library = Engine()->loading();
  if (library == nullptr) return RaiseTable(L, errors::kRegisterOutsideLoad);
  if (const char* error = Register(L, library)) return RaiseTable(L, error);
  return 0;
}

}  // namespace

void LuaEngine::RegisterLibraryApi() {
  lua_newtable(L_);  // the globals a load sees
  lua_newtable(L_);  // its `redis`
  SetField(L_, "register_function", RegisterFunction);
  SetCommonRedisFields(L_);
  lua_newtable(L_);  // what the load may not call is a missing name, as in Redis
  lua_pushcfunction(L_, MissingGlobal);
  lua_setfield(L_, -2, "__index");
  lua_setmetatable(L_, -2);
  PushProxyOf(L_);
  lua_setfield(L_, -2, "redis");
  lua_newtable(L_);
  lua_pushcfunction(L_, MissingGlobal);
  lua_setfield(L_, -2, "__index");
  lua_setmetatable(L_, -2);
  lua_setfield(L_, LUA_REGISTRYINDEX, kLibraryApiKey);
}

void LuaEngine::SetGlobalsIndex(const char* key) {
  lua_getmetatable(L_, LUA_GLOBALSINDEX);  // the proxy's (the C API ignores __metatable)
  lua_getfield(L_, LUA_REGISTRYINDEX, key);
  lua_setfield(L_, -2, "__index");
  lua_pop(L_, 1);
}

bool LuaEngine::LoadTimedOut() const {
  return loading_ != nullptr && MonotonicUs() - load_start_us_ > kLoadTimeoutUs;
}

bool LuaEngine::LoadLibrary(server::Library* library, bool install, std::string* error) {
  const std::string_view code = std::string_view(library->code).substr(library->code_offset);
  const int top = lua_gettop(L_);
  if (luaL_loadbuffer(L_, code.data(), code.size(), "@user_function") != 0) {
    *error = fmt::format(errors::kFmtFunctionCompile, lua_tostring(L_, -1));
    lua_pop(L_, 1);
    return false;
  }
  lua_newtable(L_);
  lua_setfield(L_, LUA_REGISTRYINDEX, kPendingKey);
  lua_pushcfunction(L_, ErrorHandler);
  lua_insert(L_, -2);
  SetGlobalsIndex(kLibraryApiKey);
  loading_ = library;
  load_start_us_ = MonotonicUs();
  const int status = lua_pcall(L_, 0, 0, -2);
  loading_ = nullptr;
  SetGlobalsIndex(kGlobalsKey);
  if (status != 0) {
    if (lua_istable(L_, -1)) lua_getfield(L_, -1, "err");
    *error = fmt::format(errors::kFmtFunctionRegister, lua_isstring(L_, -1) ? lua_tostring(L_, -1) : "");
    lua_settop(L_, top);
    return false;
  }
  lua_pop(L_, 1);  // the handler
  if (install) {
    lua_getfield(L_, LUA_REGISTRYINDEX, kFunctionsKey);
    lua_getfield(L_, LUA_REGISTRYINDEX, kPendingKey);
    lua_pushnil(L_);
    while (lua_next(L_, -2) != 0) {
      lua_pushvalue(L_, -2);
      lua_insert(L_, -2);
      lua_settable(L_, -5);
    }
    lua_pop(L_, 2);
  }
  lua_pushnil(L_);
  lua_setfield(L_, LUA_REGISTRYINDEX, kPendingKey);
  return true;
}

bool LuaEngine::EnsureLibrary(const server::Library& library, uint64_t generation, std::string* error) {
  if (generation != functions_generation_) {
    lua_newtable(L_);
    lua_setfield(L_, LUA_REGISTRYINDEX, kFunctionsKey);
    libraries_.clear();
    functions_generation_ = generation;
  }
  if (libraries_.contains(library.name)) return true;
  server::Library scratch;  // what this load registers; the registry's copy stays as it is
  scratch.code = library.code;
  scratch.code_offset = library.code_offset;
  if (!LoadLibrary(&scratch, true, error)) return false;
  libraries_.insert(library.name);
  return true;
}

bool LuaEngine::CompileLibrary(server::Library* library, std::string* error) {
  // A state built here has no script generation: the next EVAL on this thread rebuilds it.
  if (Engine() == nullptr) ForThisThread(UINT64_MAX);
  return Engine()->LoadLibrary(library, false, error);
}

}  // namespace strata::scripting
