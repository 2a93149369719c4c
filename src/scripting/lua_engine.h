// One io-thread's Lua interpreter, sandboxed as Redis's: the libraries Redis loads (base without
// dofile/loadfile/print/setfenv/getfenv/newproxy, string, table, math with Redis's PRNG,
// coroutine, cjson, bit), read-only globals and library tables ("Attempt to modify a readonly
// table", "Script attempted to access nonexistent global variable"), and the `redis` table.
//
// Lua states are not thread-safe: each io-thread builds its own on first use (ForThisThread)
// and compiles the cached scripts into it as they are called. SCRIPT FLUSH moves the cache's
// generation; the next use on each thread builds a fresh state.
#ifndef STRATA_SCRIPTING_LUA_ENGINE_H_
#define STRATA_SCRIPTING_LUA_ENGINE_H_

#include <lua.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>

#include "server/script_cache.h"

namespace strata::scripting {

// What the `redis` table calls back into while a script runs (scripting/script_run.h).
class ScriptCalls {
 public:
  virtual ~ScriptCalls() = default;
  // redis.call / redis.pcall of `args`: pushes the reply's Lua value, or an error table.
  // Returns whether it pushed an error table. May raise a Lua error that no pcall catches
  // (the run is being restarted with more locks: aborting()).
  virtual bool Call(lua_State* L, std::span<const std::string_view> args) = 0;
  // The RESP version redis.call replies are converted from (redis.setresp).
  virtual int resp() const = 0;
  virtual void set_resp(int resp) = 0;
  // Whether the run is being abandoned (to restart it, or stopped): pcall must not catch that
  // error.
  virtual bool aborting() const = 0;
  // Called by the count hook every 100000 instructions: the error the run must stop with (it is
  // raised, and raised again at every later hook), or an empty text to go on.
  virtual std::string_view Interrupt() = 0;
};

class LuaEngine {
 public:
  // This thread's engine, rebuilt if SCRIPT FLUSH moved `generation` since it was built.
  static LuaEngine& ForThisThread(uint64_t generation);

  ~LuaEngine();
  LuaEngine(const LuaEngine&) = delete;
  LuaEngine& operator=(const LuaEngine&) = delete;

  // Compiles `script` into this state unless done already. On a compile error returns false and
  // sets *error to Redis's reply.
  bool Load(const server::CachedScript& script, size_t code_offset, std::string* error);

  // Runs the loaded script `sha` with KEYS and ARGV set, calling back into `calls`; on success
  // leaves its return value on the stack and returns true; otherwise sets *error to Redis's error
  // reply and returns false. REQUIRES: Load(sha) succeeded.
  bool Run(std::string_view sha, std::span<const std::string_view> keys, std::span<const std::string_view> argv,
           ScriptCalls* calls, std::string* error);

  lua_State* state() { return L_; }
  ScriptCalls* calls() { return calls_; }

 private:
  explicit LuaEngine(uint64_t generation);
  void OpenLibraries();
  void RegisterRedisTable();
  void Protect();

  lua_State* L_;
  uint64_t generation_;
  std::unordered_set<std::string> loaded_;
  ScriptCalls* calls_ = nullptr;  // while Run runs
};

}  // namespace strata::scripting

#endif  // STRATA_SCRIPTING_LUA_ENGINE_H_
