// The `struct` library of Redis's Lua sandbox: binary packing as Roberto Ierusalimschy's struct
// 1.4 with the fixes Redis 7.0 carries (size overflow, offset checks), same API and error texts.
//
//   struct.pack(fmt, v1, v2, ...)  -> string
//   struct.unpack(fmt, s[, pos])   -> v1, v2, ..., next position (1-based)
//   struct.size(fmt)               -> bytes the format takes
//
// Format options: > big endian, < little endian (native: little), ![n] alignment (default 8),
// x a zero byte, b/B h/H l/L signed/unsigned 1, 2 and 8 bytes, T size_t, i/I[n] n bytes (default
// 4, at most 32), f float, d double, s zero-terminated string, c[n] n bytes (c0: the whole
// string when packing, the previous unpacked number's length when unpacking), spaces ignored.
// Integers travel through Lua's doubles, converted as x86-64 converts (out-of-range values and
// NaN as the hardware truncates them), so the bytes equal Redis's.
#ifndef STRATA_SCRIPTING_LUA_STRUCT_H_
#define STRATA_SCRIPTING_LUA_STRUCT_H_

#include <lua.hpp>

namespace strata::scripting {

// lua_CFunction: pushes a new `struct` library table. Thread-compatible (one state per thread).
int OpenStruct(lua_State* L);

}  // namespace strata::scripting

#endif  // STRATA_SCRIPTING_LUA_STRUCT_H_
