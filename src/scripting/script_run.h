// Runs EVAL's scripts: the shebang flags, the lock scope a run starts with, redis.call through
// the dispatcher, and the retry with more locks (DEVELOPING.md "Scripts and locks").
//
// A script runs inside its EVAL call, under the stripe locks the dispatcher took for it
// (AddScriptLocks, as EVAL's ExtraLocks). The commands it calls run through
// Dispatcher::Resolve's checks that apply to scripts and Dispatcher::Run, under those same locks,
// at the EVAL's instant; their events are delivered after EVAL unlocks, so no other client sees
// a script half done.
#ifndef STRATA_SCRIPTING_SCRIPT_RUN_H_
#define STRATA_SCRIPTING_SCRIPT_RUN_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "server/busy_scripts.h"
#include "server/dispatcher.h"
#include "server/function_registry.h"
#include "server/script_cache.h"
#include "store/lock_set.h"

namespace strata::scripting {

// Shebang flags (`#!lua flags=no-writes,allow-oom`).
enum ScriptFlag : uint32_t {
  kScriptShebang = 1u << 0,  // the script has a shebang: it is judged by its flags
  kScriptNoWrites = 1u << 1,
  kScriptAllowOom = 1u << 2,
  kScriptAllowStale = 1u << 3,
  kScriptNoCluster = 1u << 4,
  kScriptAllowCrossSlot = 1u << 5,
};

// The flags' names, in the order Redis lists them (FUNCTION LIST), for shebangs and
// redis.register_function's `flags`.
struct ScriptFlagName {
  ScriptFlag flag;
  std::string_view name;
};
inline constexpr ScriptFlagName kScriptFlagNames[] = {{kScriptNoWrites, "no-writes"},
                                                      {kScriptAllowOom, "allow-oom"},
                                                      {kScriptAllowStale, "allow-stale"},
                                                      {kScriptNoCluster, "no-cluster"},
                                                      {kScriptAllowCrossSlot, "allow-cross-slot-keys"}};

// Reads the shebang line of `body`, if any: sets *flags and *code_offset (where the Lua code
// starts; the shebang's newline is kept so line numbers stay the file's). Returns Redis's error
// text for a bad shebang, or an empty string.
std::string ParseShebang(std::string_view body, uint32_t* flags, size_t* code_offset);

// EVAL's and FCALL's ExtraLocks: the stripes a run of the script or function whose runs taught
// `profile` (nullptr: not known yet) with the declared `keys` starts with in database `db`. Its
// declared keys only, once past runs showed it touches nothing else; else its whole database;
// every database once it selected another.
void AddScriptLocks(const server::ScriptProfile* profile, int db, std::span<const std::string_view> keys,
                    store::LockSet* locks);

// EVAL of a new body and SCRIPT LOAD: checks the shebang, compiles `body` in this thread's Lua
// state and caches it under `sha` (its Sha1Hex). Returns nullptr with Redis's error in *error.
std::shared_ptr<server::CachedScript> LoadScript(server::Server& server, std::string_view sha, std::string_view body,
                                                 std::string* error);

// One EVAL/EVALSHA call (`script` set) or FCALL (`library` and `function` set).
struct ScriptRequest {
  const server::CachedScript* script = nullptr;
  const server::Library* library = nullptr;
  const server::FunctionInfo* function = nullptr;
  uint64_t functions_generation = 0;  // the registry's when `library` was found
  std::span<const std::string_view> keys;
  std::span<const std::string_view> argv;
  bool read_only = false;  // EVAL_RO, EVALSHA_RO, FCALL_RO
  // Which KILL command stops it once busy, and the -BUSY text others get.
  server::ScriptKind kind = server::ScriptKind::kEval;

  // The keys and arguments of the call `args` (name script-or-function numkeys key ... arg ...).
  // REQUIRES: numkeys <= args.size() - 3.
  static ScriptRequest ForCall(std::span<const std::string_view> args, size_t numkeys, bool read_only) {
    ScriptRequest request;
    request.keys = args.subspan(3, numkeys);
    request.argv = args.subspan(3 + numkeys);
    request.read_only = read_only;
    return request;
  }
};

// Runs `request` for the call `ctx`, writing its reply. A function is judged by its flags as a
// script by its shebang's. REQUIRES: the dispatcher runs it holding the stripes AddScriptLocks
// added (in the calling thread's lock set).
void RunScript(server::CommandContext& ctx, const ScriptRequest& request);

}  // namespace strata::scripting

#endif  // STRATA_SCRIPTING_SCRIPT_RUN_H_
