#include "scripting/lua_engine.h"

// Debian's module headers declare their openers without C linkage.
extern "C" {
#include <lua5.1/lua-bitop.h>
#include <lua5.1/lua-cjson.h>
}

#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "common/error_texts.h"
#include "scripting/lua_cmsgpack.h"
#include "scripting/lua_internal.h"
#include "scripting/lua_struct.h"
#include "scripting/lua_values.h"

namespace strata::scripting {
namespace {

constexpr char kProxiesKey[] = "strata.proxies";   // weak set of the read-only proxies
constexpr char kScriptsKey[] = "strata.scripts";   // sha -> compiled function

// Lua instructions between two calls of the count hook (Redis's figure).
constexpr int kHookInstructions = 100000;
// A collection step every this many runs, as Redis does, so no run pays for a full cycle.
constexpr int kGcPeriod = 50;

thread_local std::unique_ptr<LuaEngine> t_engine;

// math.random's generator: POSIX rand48 with its initial state, one sequence for the whole
// server (every script and thread draws from it, and math.randomseed reseeds it), as Redis 7.0's,
// so the same calls on a fresh server draw the same numbers on every machine.
class Rand48 {
 public:
  void Seed(int32_t seed) {
    x_.store((static_cast<uint64_t>(static_cast<uint32_t>(seed)) << 16) | 0x330E, std::memory_order_relaxed);
  }
  int32_t Next() {
    uint64_t x = x_.load(std::memory_order_relaxed);
    uint64_t next = 0;
    do {
      next = (0x5DEECE66DULL * x + 0xB) & ((1ULL << 48) - 1);
    } while (!x_.compare_exchange_weak(x, next, std::memory_order_relaxed));
    return static_cast<int32_t>(next >> 17);
  }

 private:
  std::atomic<uint64_t> x_{0x1234ABCD330EULL};
};
Rand48 g_rand;
constexpr int32_t kRandMax = 0x7fffffff;

int RaisePlain(lua_State* L, std::string_view text) {
  lua_pushlstring(L, text.data(), text.size());
  return lua_error(L);
}

bool IsProxy(lua_State* L, int index) {
  if (!lua_istable(L, index)) return false;
  lua_pushvalue(L, index);
  lua_getfield(L, LUA_REGISTRYINDEX, kProxiesKey);
  lua_insert(L, -2);
  lua_rawget(L, -2);
  const bool proxy = lua_toboolean(L, -1) != 0;
  lua_pop(L, 2);
  return proxy;
}

// __newindex of every read-only proxy: the error names the script's line, as Redis's does.
int ReadonlyNewIndex(lua_State* L) { return luaL_error(L, "%s", errors::kScriptReadonlyTable); }


// rawset and setmetatable refuse the proxies (Redis's patched VM raises this without a line).
int GuardedRawset(lua_State* L) {
  if (IsProxy(L, 1)) return RaisePlain(L, errors::kScriptReadonlyTable);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

int GuardedSetmetatable(lua_State* L) {
  if (IsProxy(L, 1)) return RaisePlain(L, errors::kScriptReadonlyTable);
  lua_pushvalue(L, lua_upvalueindex(1));  // the original setmetatable
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// Pushes luaL_error's message for a read of the missing global `name`. Apart from MissingGlobal so
// that the formatted string is destroyed before lua_error longjmps (a longjmp runs no destructors).
void PushMissingGlobalMessage(lua_State* L, const char* name) {
  luaL_where(L, 1);
  const std::string text = fmt::format(errors::kFmtScriptNoGlobal, name == nullptr ? "?" : name);
  lua_pushlstring(L, text.data(), text.size());
  lua_concat(L, 2);
}

}  // namespace

LuaEngine* Engine() { return t_engine.get(); }

int RaiseTable(lua_State* L, std::string_view text) {
  PushErrorTable(L, text);
  return lua_error(L);
}

int MissingGlobal(lua_State* L) {
  PushMissingGlobalMessage(L, lua_tostring(L, 2));
  return lua_error(L);
}

// Turns what a failing run raised into Redis's error table {err, source, line}: a plain message
// gets "ERR "; the place is the function that raised, or its caller if that was C (error(),
// redis.call).
int ErrorHandler(lua_State* L) {
  lua_Debug ar;
  bool placed = lua_getstack(L, 1, &ar) != 0 && lua_getinfo(L, "nSl", &ar) != 0;
  if (placed && std::strcmp(ar.what, "C") == 0) placed = lua_getstack(L, 2, &ar) != 0 && lua_getinfo(L, "nSl", &ar) != 0;
  if (!lua_istable(L, 1)) {
    std::string msg = "ERR ";
    if (lua_isstring(L, 1)) {
      msg += lua_tostring(L, 1);
    } else if (lua_isnil(L, 1)) {
      msg += "nil";
    } else if (lua_isboolean(L, 1)) {
      msg += lua_toboolean(L, 1) ? "true" : "false";
    } else {
      msg += fmt::format("{}: {}", luaL_typename(L, 1), lua_topointer(L, 1));
    }
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushlstring(L, msg.data(), msg.size());
    lua_settable(L, -3);
    lua_replace(L, 1);
  }
  lua_settop(L, 1);
  if (placed) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, 1, "source");
    lua_pushnumber(L, ar.currentline);
    lua_setfield(L, 1, "line");
  }
  return 1;
}

void SetField(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
}

void SetNumber(lua_State* L, const char* name, lua_Number value) {
  lua_pushnumber(L, value);
  lua_setfield(L, -2, name);
}

// Replaces the table at the top of the stack by a read-only proxy of it.
void PushProxyOf(lua_State* L) {
  lua_newtable(L);                // proxy
  lua_newtable(L);                // its metatable
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_getfield(L, LUA_REGISTRYINDEX, kProxiesKey);
  lua_pushvalue(L, -2);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_replace(L, -2);  // the proxy replaces the table
}

namespace {

bool Aborting() { return Engine() != nullptr && Engine()->calls() != nullptr && Engine()->calls()->aborting(); }

// pcall as Redis's: an error table caught is returned as its message. The error that abandons a
// run to restart it is never caught.
int Pcall(lua_State* L) {
  luaL_checkany(L, 1);
  const int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
  if (status != 0) {
    if (Aborting()) return lua_error(L);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
  }
  lua_pushboolean(L, status == 0);
  lua_insert(L, 1);
  return lua_gettop(L);
}

int Xpcall(lua_State* L) {
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  lua_insert(L, 1);  // handler, function
  const int status = lua_pcall(L, 0, LUA_MULTRET, 1);
  if (status != 0 && Aborting()) return lua_error(L);
  lua_pushboolean(L, status == 0);
  lua_replace(L, 1);
  return lua_gettop(L);
}

int MathRandom(lua_State* L) {
  const lua_Number r = static_cast<lua_Number>(g_rand.Next() % kRandMax) / static_cast<lua_Number>(kRandMax);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      const int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      const int l = luaL_checkint(L, 1);
      const int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomseed(lua_State* L) {
  g_rand.Seed(luaL_checkint(L, 1));
  return 0;
}

// Every kHookInstructions instructions: a run being abandoned or killed stops here even inside
// a loop that catches errors; a busy run serves other clients from here (scripting/script_busy.h).
// A library's load that runs too long (it can only loop: it calls nothing) is stopped too.
void CountHook(lua_State* L, lua_Debug*) {
  if (Engine() == nullptr) return;
  if (Engine()->LoadTimedOut()) RaiseTable(L, errors::kFunctionLoadTimeout);
  if (Engine()->calls() == nullptr) return;
  const std::string_view stop = Engine()->calls()->Interrupt();
  if (!stop.empty()) RaiseTable(L, stop);
}

void PushArray(lua_State* L, std::span<const std::string_view> items) {
  lua_createtable(L, static_cast<int>(items.size()), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    lua_pushlstring(L, items[i].data(), items[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

}  // namespace

LuaEngine& LuaEngine::ForThisThread(uint64_t generation) {
  if (t_engine == nullptr || t_engine->generation_ != generation) {
    t_engine.reset();
    t_engine.reset(new LuaEngine(generation));
  }
  return *t_engine;
}

LuaEngine::LuaEngine(uint64_t generation) : L_(luaL_newstate()), generation_(generation) {
  lua_newtable(L_);
  lua_newtable(L_);
  lua_pushstring(L_, "k");
  lua_setfield(L_, -2, "__mode");
  lua_setmetatable(L_, -2);
  lua_setfield(L_, LUA_REGISTRYINDEX, kProxiesKey);
  lua_newtable(L_);
  lua_setfield(L_, LUA_REGISTRYINDEX, kScriptsKey);
  lua_newtable(L_);
  lua_setfield(L_, LUA_REGISTRYINDEX, kFunctionsKey);
  OpenLibraries();
  RegisterRedisTable();
  RegisterLibraryApi();
  Protect();
  lua_sethook(L_, CountHook, LUA_MASKCOUNT, kHookInstructions);
}

LuaEngine::~LuaEngine() { lua_close(L_); }

void LuaEngine::OpenLibraries() {
  const struct {
    const char* name;
    lua_CFunction open;
  } libs[] = {{"", luaopen_base},         {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
              {LUA_MATHLIBNAME, luaopen_math}, {"cjson", luaopen_cjson},     {"bit", luaopen_bit},
              {"struct", OpenStruct},         {"cmsgpack", OpenCmsgpack}};
  for (const auto& lib : libs) {
    lua_pushcfunction(L_, lib.open);
    lua_pushstring(L_, lib.name);
    lua_call(L_, 1, 1);
    if (lib.name[0] != '\0') {
      lua_setglobal(L_, lib.name);
    } else {
      lua_pop(L_, 1);
    }
  }
  // What Redis's sandbox leaves out: files, the environment functions, newproxy.
  for (const char* name : {"dofile", "loadfile", "print", "setfenv", "getfenv", "newproxy"}) {
    lua_pushnil(L_);
    lua_setglobal(L_, name);
  }
  lua_pushcfunction(L_, Pcall);
  lua_setglobal(L_, "pcall");
  lua_pushcfunction(L_, Xpcall);
  lua_setglobal(L_, "xpcall");
  lua_pushcfunction(L_, GuardedRawset);
  lua_setglobal(L_, "rawset");
  lua_getglobal(L_, "setmetatable");
  lua_pushcclosure(L_, GuardedSetmetatable, 1);
  lua_setglobal(L_, "setmetatable");
  lua_getglobal(L_, "math");
  SetField(L_, "random", MathRandom);
  SetField(L_, "randomseed", MathRandomseed);
  lua_pop(L_, 1);
}

// Scripts see the globals through an empty proxy: reading falls through to the real table (whose
// own __index refuses missing names), writing always reaches __newindex. The library tables are
// proxied the same way. The real table stays reachable only from the registry (KEYS, ARGV).
void LuaEngine::Protect() {
  for (const char* name : {"string", "table", "math", "coroutine", "cjson", "bit", "struct", "cmsgpack", "redis"}) {
    lua_getglobal(L_, name);
    PushProxyOf(L_);
    lua_setglobal(L_, name);
  }
  lua_pushvalue(L_, LUA_GLOBALSINDEX);
  lua_pushvalue(L_, -1);
  lua_setfield(L_, LUA_REGISTRYINDEX, kGlobalsKey);
  lua_newtable(L_);
  lua_pushcfunction(L_, MissingGlobal);
  lua_setfield(L_, -2, "__index");
  lua_setmetatable(L_, -2);
  lua_pushvalue(L_, -1);
  PushProxyOf(L_);  // globals, proxy
  lua_pushvalue(L_, -1);
  lua_setfield(L_, -3, "_G");
  lua_replace(L_, LUA_GLOBALSINDEX);
  lua_pop(L_, 1);
}

bool LuaEngine::Load(const server::CachedScript& script, size_t code_offset, std::string* error) {
  if (loaded_.contains(script.sha)) return true;
  const std::string_view code = std::string_view(script.body).substr(code_offset);
  if (luaL_loadbuffer(L_, code.data(), code.size(), "@user_script") != 0) {
    *error = fmt::format(errors::kFmtScriptCompile, lua_tostring(L_, -1));
    lua_pop(L_, 1);
    return false;
  }
  lua_getfield(L_, LUA_REGISTRYINDEX, kScriptsKey);
  lua_insert(L_, -2);
  lua_setfield(L_, -2, script.sha.c_str());
  lua_pop(L_, 1);
  loaded_.insert(script.sha);
  return true;
}

bool LuaEngine::Run(Chunk chunk, std::string_view name, std::span<const std::string_view> keys,
                    std::span<const std::string_view> argv, ScriptCalls* calls, std::string* error) {
  static thread_local int runs = 0;
  calls_ = calls;
  const bool script = chunk == Chunk::kScript;
  // A function gets its keys and arguments as parameters; KEYS and ARGV do not exist for it, as
  // in Redis, whose functions have a Lua state of their own.
  lua_getfield(L_, LUA_REGISTRYINDEX, kGlobalsKey);
  for (const auto& [field, items] : {std::pair{"KEYS", keys}, std::pair{"ARGV", argv}}) {
    if (script) {
      PushArray(L_, items);
    } else {
      lua_pushnil(L_);
    }
    lua_setfield(L_, -2, field);
  }
  lua_pop(L_, 1);
  lua_pushcfunction(L_, ErrorHandler);
  lua_getfield(L_, LUA_REGISTRYINDEX, script ? kScriptsKey : kFunctionsKey);
  lua_getfield(L_, -1, std::string(name).c_str());
  lua_remove(L_, -2);
  if (!script) {
    PushArray(L_, keys);
    PushArray(L_, argv);
  }
  const int status = lua_pcall(L_, script ? 0 : 2, 1, -(script ? 2 : 4));
  if (++runs == kGcPeriod) {
    lua_gc(L_, LUA_GCSTEP, kGcPeriod);
    runs = 0;
  }
  calls_ = nullptr;
  if (status == 0) {
    lua_remove(L_, -2);  // the handler
    return true;
  }
  if (!lua_istable(L_, -1)) {
    const char* msg = lua_isstring(L_, -1) ? lua_tostring(L_, -1) : "execution failure";
    *error = fmt::format(errors::kFmtScriptRunError, name, msg);
  } else {
    lua_getfield(L_, -1, "err");
    *error = lua_isstring(L_, -1) ? lua_tostring(L_, -1) : "";
    lua_getfield(L_, -2, "source");
    lua_getfield(L_, -3, "line");
    if (lua_isstring(L_, -1) && lua_isstring(L_, -2)) {
      *error += fmt::format(" script: {}, on {}:{}.", name, lua_tostring(L_, -2), lua_tostring(L_, -1));
    }
    lua_pop(L_, 3);
  }
  lua_pop(L_, 2);  // the error and the handler
  return false;
}

}  // namespace strata::scripting
