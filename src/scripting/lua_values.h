// Conversions between Redis replies and Lua values, both ways, as Redis's scripting does them.
//
// A command called from a script writes its reply in RESP (2 or 3, as the script chose with
// redis.setresp); PushReply turns those bytes into Lua values. A script's return value goes the
// other way through WriteLuaValue. Not thread-safe: each Lua state belongs to one thread.
#ifndef STRATA_SCRIPTING_LUA_VALUES_H_
#define STRATA_SCRIPTING_LUA_VALUES_H_

#include <lua.hpp>

#include <string_view>

#include "resp/reply_builder.h"

namespace strata::scripting {

// Pushes onto `L` the Lua value of the one RESP reply at the start of `reply`: integers as
// numbers, bulk strings as strings, a null bulk or null array as false, status as {ok=...},
// error as {err=...}, arrays as tables; RESP3 maps as {map={...}}, sets as {set={k=true}},
// doubles as {double=n}, big numbers as {big_number=s}, verbatim strings as
// {verbatim_string={format=..., string=...}}, booleans as booleans, null as nil. Attributes are
// skipped. REQUIRES: `reply` holds a whole well-formed reply (the server wrote it).
void PushReply(lua_State* L, std::string_view reply);

// Pushes Redis's error table {err="CODE message"} for `error`: "-CODE message" keeps its code,
// a text without the leading '-' gets "ERR"; trailing CR/LF are trimmed.
void PushErrorTable(lua_State* L, std::string_view error);

// Writes the Lua value on the top of `L`'s stack to `reply` and pops it. `script_resp` is the
// protocol the script selected (it decides how booleans are shown).
void WriteLuaValue(lua_State* L, resp::ReplyBuilder& reply, int script_resp);

}  // namespace strata::scripting

#endif  // STRATA_SCRIPTING_LUA_VALUES_H_
