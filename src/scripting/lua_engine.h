// One io-thread's Lua interpreter, sandboxed as Redis's: the libraries Redis loads (base without
// dofile/loadfile/print/setfenv/getfenv/newproxy, string, table, math with Redis's PRNG,
// coroutine, cjson, bit, struct, cmsgpack), read-only globals and library tables ("Attempt to
// modify a readonly table", "Script attempted to access nonexistent global variable"), and the
// `redis` table.
//
// Lua states are not thread-safe: each io-thread builds its own on first use (ForThisThread)
// and compiles the cached scripts into it as they are called. SCRIPT FLUSH moves the cache's
// generation; the next use on each thread builds a fresh state. Function libraries (FCALL) are
// loaded into the same state on first use, each library's chunk run under the load sandbox (only
// `redis.register_function`, `redis.log` and the version fields exist); a change of the
// FunctionRegistry's generation drops them.
#ifndef STRATA_SCRIPTING_LUA_ENGINE_H_
#define STRATA_SCRIPTING_LUA_ENGINE_H_

#include <lua.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>

#include "server/function_registry.h"
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
  // redis.acl_check_cmd of `args`: whether the script's user may make that call (its command and
  // keys), or nullopt when `args` names no command. Records nothing in ACL LOG.
  virtual std::optional<bool> MayRun(std::span<const std::string_view> args) = 0;
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

// What a run calls: an EVAL script (by SHA1, with KEYS and ARGV as globals) or a library's
// function (by name, with the keys and arguments as its two parameters).
enum class Chunk { kScript, kFunction };

class LuaEngine {
 public:
  // This thread's engine, rebuilt if SCRIPT FLUSH moved `generation` since it was built.
  static LuaEngine& ForThisThread(uint64_t generation);

  // FUNCTION LOAD's LibraryCompiler: runs `library`'s code in this thread's state (built if
  // there is none yet) to learn the functions it registers, and keeps none of them.
  static bool CompileLibrary(server::Library* library, std::string* error);

  ~LuaEngine();
  LuaEngine(const LuaEngine&) = delete;
  LuaEngine& operator=(const LuaEngine&) = delete;

  // Compiles `script` into this state unless done already. On a compile error returns false and
  // sets *error to Redis's reply.
  bool Load(const server::CachedScript& script, size_t code_offset, std::string* error);

  // Loads `library`'s functions into this state unless done already at `generation` (the
  // registry's when `library` was found; another drops every library loaded before). On an
  // error (a library that loaded elsewhere fails here) sets *error and returns false.
  bool EnsureLibrary(const server::Library& library, uint64_t generation, std::string* error);

  // Runs the loaded script or function `name` with `keys` and `argv`, calling back into `calls`;
  // on success leaves its return value on the stack and returns true; otherwise sets *error to
  // Redis's error reply and returns false. REQUIRES: Load or EnsureLibrary made `name` known.
  bool Run(Chunk chunk, std::string_view name, std::span<const std::string_view> keys,
           std::span<const std::string_view> argv, ScriptCalls* calls, std::string* error);

  lua_State* state() { return L_; }
  ScriptCalls* calls() { return calls_; }
  // The library whose chunk is running (redis.register_function adds to it), or nullptr.
  server::Library* loading() { return loading_; }
  // Whether a library's chunk has run past Redis's load time limit.
  bool LoadTimedOut() const;

 private:
  explicit LuaEngine(uint64_t generation);
  void OpenLibraries();
  void RegisterRedisTable();
  void Protect();
  void RegisterLibraryApi();
  // Runs `library`'s chunk under the load sandbox, filling library->functions; with `install`,
  // its callbacks become this state's functions.
  bool LoadLibrary(server::Library* library, bool install, std::string* error);
  // Makes the globals read through the table at registry key `key`.
  void SetGlobalsIndex(const char* key);

  lua_State* L_;
  uint64_t generation_;
  std::unordered_set<std::string> loaded_;
  ScriptCalls* calls_ = nullptr;  // while Run runs
  server::Library* loading_ = nullptr;  // while LoadLibrary runs a chunk
  int64_t load_start_us_ = 0;
  uint64_t functions_generation_ = 0;
  std::unordered_set<std::string> libraries_;  // loaded at functions_generation_
};

}  // namespace strata::scripting

#endif  // STRATA_SCRIPTING_LUA_ENGINE_H_
