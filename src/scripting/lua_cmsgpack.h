// The `cmsgpack` library of Redis's Lua sandbox: MessagePack to and from Lua values, with the API,
// encoding choices and error texts of the lua-cmsgpack 0.4.0 that Redis 7.0 embeds (Debian
// packages no Lua 5.1 MessagePack module with that API).
//
//   cmsgpack.pack(v1, v2, ...)            the encodings of every argument, concatenated
//   cmsgpack.unpack(s)                    every value encoded in `s`
//   cmsgpack.unpack_one(s[, offset])      next offset (-1 at the end), then one value
//   cmsgpack.unpack_limit(s, n[, offset]) next offset (-1 at the end), then up to n values
//
// Encoding: integral numbers in the smallest integer form, other numbers as float32 when that is
// exact else float64; strings as str (fixstr, str8, str16, str32); a table whose keys are exactly
// 1..n as an array, any other as a map; booleans; anything else as nil. A table inside 16
// enclosing tables is encoded as nil (so a table holding itself ends). Decoding takes every type but bin, ext and
// 0xc1; uint64 values past 2^63 come back negative, as Redis's.
#ifndef STRATA_SCRIPTING_LUA_CMSGPACK_H_
#define STRATA_SCRIPTING_LUA_CMSGPACK_H_

#include <lua.hpp>

namespace strata::scripting {

// lua_CFunction: pushes a new `cmsgpack` library table. Thread-compatible (one state per thread).
int OpenCmsgpack(lua_State* L);

}  // namespace strata::scripting

#endif  // STRATA_SCRIPTING_LUA_CMSGPACK_H_
