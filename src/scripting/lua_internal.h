// Helpers the Lua state's parts share (lua_engine.cpp builds the state and runs scripts,
// lua_library.cpp loads function libraries). Internal to scripting/; each works on the calling
// thread's state.
#ifndef STRATA_SCRIPTING_LUA_INTERNAL_H_
#define STRATA_SCRIPTING_LUA_INTERNAL_H_

#include <lua.hpp>

#include <string_view>

namespace strata::scripting {

class LuaEngine;

// Registry keys.
inline constexpr char kGlobalsKey[] = "strata.globals";        // the real globals behind the proxy
inline constexpr char kFunctionsKey[] = "strata.functions";    // function name -> callback
inline constexpr char kLibraryApiKey[] = "strata.library_api";  // the globals a library's load sees

// This thread's engine, or nullptr before its first use.
LuaEngine* Engine();

// Raises Redis's error table for `text` (a message without code gets "ERR").
int RaiseTable(lua_State* L, std::string_view text);
// __index of the globals: a missing global is an error, not nil.
int MissingGlobal(lua_State* L);
// Turns what a failing run raised into Redis's error table {err, source, line}: a plain message
// gets "ERR "; the place is the function that raised, or its caller if that was C (error(),
// redis.call).
int ErrorHandler(lua_State* L);
// Sets field `name` of the table on the top of the stack.
void SetField(lua_State* L, const char* name, lua_CFunction fn);
void SetNumber(lua_State* L, const char* name, lua_Number value);
// Replaces the table at the top of the stack by a read-only proxy of it.
void PushProxyOf(lua_State* L);
// Sets what both `redis` tables (a script's and a library load's) hold in the table on the top
// of the stack: log, LOG_DEBUG .. LOG_WARNING, REDIS_VERSION and REDIS_VERSION_NUM.
void SetCommonRedisFields(lua_State* L);

}  // namespace strata::scripting

#endif  // STRATA_SCRIPTING_LUA_INTERNAL_H_
