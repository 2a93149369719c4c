#include "scripting/lua_cmsgpack.h"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <string>

namespace strata::scripting {
namespace {

// A table inside this many enclosing tables encodes as nil.
constexpr int kMaxNesting = 16;

// MessagePack type bytes.
enum : uint8_t {
  kFixMap = 0x80,
  kFixArray = 0x90,
  kFixStr = 0xa0,
  kNil = 0xc0,
  kFalse = 0xc2,
  kTrue = 0xc3,
  kFloat32 = 0xca,
  kFloat64 = 0xcb,
  kUint8 = 0xcc,
  kUint16 = 0xcd,
  kUint32 = 0xce,
  kUint64 = 0xcf,
  kInt8 = 0xd0,
  kInt16 = 0xd1,
  kInt32 = 0xd2,
  kInt64 = 0xd3,
  kStr8 = 0xd9,
  kStr16 = 0xda,
  kStr32 = 0xdb,
  kArray16 = 0xdc,
  kArray32 = 0xdd,
  kMap16 = 0xde,
  kMap32 = 0xdf,
};

// ---- Encoding ----

// Appends `tag` and the low `bytes` bytes of `value`, most significant first.
void PutTagged(std::string* out, uint8_t tag, uint64_t value, int bytes) {
  out->push_back(static_cast<char>(tag));
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void PutInteger(std::string* out, int64_t n) {
  const auto u = static_cast<uint64_t>(n);
  if (n >= 0) {
    if (n <= 0x7f) {
      out->push_back(static_cast<char>(n));
    } else if (n <= 0xff) {
      PutTagged(out, kUint8, u, 1);
    } else if (n <= 0xffff) {
      PutTagged(out, kUint16, u, 2);
    } else if (n <= 0xffffffffLL) {
      PutTagged(out, kUint32, u, 4);
    } else {
      PutTagged(out, kUint64, u, 8);
    }
  } else if (n >= -32) {
    out->push_back(static_cast<char>(u & 0xff));  // negative fixint
  } else if (n >= INT8_MIN) {
    PutTagged(out, kInt8, u, 1);
  } else if (n >= INT16_MIN) {
    PutTagged(out, kInt16, u, 2);
  } else if (n >= INT32_MIN) {
    PutTagged(out, kInt32, u, 4);
  } else {
    PutTagged(out, kInt64, u, 8);
  }
}

// float32 when it holds `d` exactly (infinities included), else float64.
void PutDouble(std::string* out, double d) {
  if (std::isinf(d) || (std::fabs(d) <= FLT_MAX && static_cast<double>(static_cast<float>(d)) == d)) {
    PutTagged(out, kFloat32, std::bit_cast<uint32_t>(static_cast<float>(d)), 4);
  } else {
    PutTagged(out, kFloat64, std::bit_cast<uint64_t>(d), 8);
  }
}

// A number is an integer when it converts to int64 and back unchanged.
void PutNumber(std::string* out, lua_Number n) {
  if (n >= -0x1p63 && n < 0x1p63 && std::trunc(n) == n) {
    PutInteger(out, static_cast<int64_t>(n));
  } else {
    PutDouble(out, n);
  }
}

void PutString(std::string* out, const char* s, size_t len) {
  if (len < 32) {
    out->push_back(static_cast<char>(kFixStr | len));
  } else if (len <= 0xff) {
    PutTagged(out, kStr8, len, 1);
  } else if (len <= 0xffff) {
    PutTagged(out, kStr16, len, 2);
  } else {
    PutTagged(out, kStr32, len, 4);
  }
  out->append(s, len);
}

// Array and map headers: `fix` carries counts up to 15.
void PutCount(std::string* out, uint8_t fix, uint8_t tag16, uint8_t tag32, uint64_t n) {
  if (n <= 15) {
    out->push_back(static_cast<char>(fix | n));
  } else if (n <= 0xffff) {
    PutTagged(out, tag16, n, 2);
  } else {
    PutTagged(out, tag32, n, 4);
  }
}

// Whether the table on the top of the stack has exactly the keys 1..n (n >= 0): numbers only, each
// a positive value of a C int.
bool IsSequence(lua_State* L) {
  int count = 0;
  int max = 0;
  lua_checkstack(L, 2);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    const lua_Number n = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
    if (!(n > 0 && n < 0x1p31 && std::trunc(n) == n)) {
      lua_pop(L, 1);
      return false;
    }
    max = std::max(max, static_cast<int>(n));
    ++count;
  }
  // Keys are distinct: `count` of them, all in 1..max, fill it exactly when max == count.
  return max == count;
}

void PutValue(lua_State* L, std::string* out, int level);

void PutTable(lua_State* L, std::string* out, int level) {
  lua_checkstack(L, 3);
  if (IsSequence(L)) {
    const size_t len = lua_objlen(L, -1);
    PutCount(out, kFixArray, kArray16, kArray32, len);
    for (size_t i = 1; i <= len; ++i) {
      lua_rawgeti(L, -1, static_cast<int>(i));
      PutValue(L, out, level + 1);
    }
    return;
  }
  uint64_t pairs = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    ++pairs;
  }
  PutCount(out, kFixMap, kMap16, kMap32, pairs);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pushvalue(L, -2);
    PutValue(L, out, level + 1);  // the key's copy
    PutValue(L, out, level + 1);  // the value
  }
}

// Appends the encoding of the value on the top of the stack and pops it.
void PutValue(lua_State* L, std::string* out, int level) {
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      PutString(out, s, len);
      break;
    }
    case LUA_TBOOLEAN:
      out->push_back(static_cast<char>(lua_toboolean(L, -1) ? kTrue : kFalse));
      break;
    case LUA_TNUMBER:
      PutNumber(out, lua_tonumber(L, -1));
      break;
    case LUA_TTABLE:
      if (level < kMaxNesting) {
        PutTable(L, out, level);
        break;
      }
      [[fallthrough]];
    default:
      out->push_back(static_cast<char>(kNil));
  }
  lua_pop(L, 1);
}

// Appends every argument's encoding. Apart from Pack so that the buffer is destroyed before an
// argument error longjmps past Pack's frame.
bool PackArguments(lua_State* L, int argc) {
  if (!lua_checkstack(L, argc)) return false;
  std::string out;
  for (int i = 1; i <= argc; ++i) {
    lua_pushvalue(L, i);
    PutValue(L, &out, 0);
  }
  lua_pushlstring(L, out.data(), out.size());
  return true;
}

int Pack(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (!PackArguments(L, argc)) return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  return 1;
}

// ---- Decoding ----

// The unread input. Plain data: a Lua error may longjmp past it.
struct Cursor {
  enum Error { kNone, kEof, kBadFormat };
  const uint8_t* p;
  size_t left;
  Error error;

  // Whether `n` more bytes are there; marks kEof when not.
  bool Need(size_t n) {
    if (left >= n) return true;
    error = kEof;
    return false;
  }
  void Skip(size_t n) {
    p += n;
    left -= n;
  }
  // The `n` bytes after the type byte, most significant first.
  uint64_t Field(int n) const {
    uint64_t v = 0;
    for (int i = 1; i <= n; ++i) v = (v << 8) | p[i];
    return v;
  }
};

void DecodeValue(lua_State* L, Cursor* c);

void DecodeArray(lua_State* L, Cursor* c, uint64_t len) {
  lua_newtable(L);
  luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
  for (uint64_t i = 1; i <= len; ++i) {
    lua_pushnumber(L, static_cast<lua_Number>(i));
    DecodeValue(L, c);
    if (c->error != Cursor::kNone) return;
    lua_settable(L, -3);
  }
}

void DecodeMap(lua_State* L, Cursor* c, uint64_t len) {
  lua_newtable(L);
  for (uint64_t i = 0; i < len; ++i) {
    DecodeValue(L, c);  // the key
    if (c->error != Cursor::kNone) return;
    DecodeValue(L, c);
    if (c->error != Cursor::kNone) return;
    lua_settable(L, -3);
  }
}

// A string of `len` bytes after a header of `header` bytes.
void DecodeString(lua_State* L, Cursor* c, size_t header, size_t len) {
  if (!c->Need(header + len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c->p + header), len);
  c->Skip(header + len);
}

// A number in the `bytes` bytes after the type byte, read as `T` (its sign kept).
template <typename T>
void DecodeNumber(lua_State* L, Cursor* c, int bytes) {
  if (!c->Need(1 + static_cast<size_t>(bytes))) return;
  lua_pushnumber(L, static_cast<lua_Number>(static_cast<T>(c->Field(bytes))));
  c->Skip(1 + static_cast<size_t>(bytes));
}

// A container whose count is in the `bytes` bytes after the type byte.
void DecodeContainer(lua_State* L, Cursor* c, int bytes, bool map) {
  if (!c->Need(1 + static_cast<size_t>(bytes))) return;
  const uint64_t len = c->Field(bytes);
  c->Skip(1 + static_cast<size_t>(bytes));
  map ? DecodeMap(L, c, len) : DecodeArray(L, c, len);
}

// Pushes the value at the cursor, or sets c->error.
void DecodeValue(lua_State* L, Cursor* c) {
  if (!c->Need(1)) return;
  luaL_checkstack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
  const uint8_t type = c->p[0];
  switch (type) {
    case kUint8:
      return DecodeNumber<uint8_t>(L, c, 1);
    case kInt8:
      return DecodeNumber<int8_t>(L, c, 1);
    case kUint16:
      return DecodeNumber<uint16_t>(L, c, 2);
    case kInt16:
      return DecodeNumber<int16_t>(L, c, 2);
    case kUint32:
      return DecodeNumber<uint32_t>(L, c, 4);
    case kInt32:
      return DecodeNumber<int32_t>(L, c, 4);
    case kUint64:  // Redis pushes it as a signed lua_Integer: past 2^63 it turns negative
    case kInt64:
      return DecodeNumber<int64_t>(L, c, 8);
    case kNil:
      lua_pushnil(L);
      return c->Skip(1);
    case kTrue:
    case kFalse:
      lua_pushboolean(L, type == kTrue);
      return c->Skip(1);
    case kFloat32:
      if (!c->Need(5)) return;
      lua_pushnumber(L, std::bit_cast<float>(static_cast<uint32_t>(c->Field(4))));
      return c->Skip(5);
    case kFloat64:
      if (!c->Need(9)) return;
      lua_pushnumber(L, std::bit_cast<double>(c->Field(8)));
      return c->Skip(9);
    case kStr8:
      if (!c->Need(2)) return;
      return DecodeString(L, c, 2, c->Field(1));
    case kStr16:
      if (!c->Need(3)) return;
      return DecodeString(L, c, 3, c->Field(2));
    case kStr32:
      if (!c->Need(5)) return;
      return DecodeString(L, c, 5, c->Field(4));
    case kArray16:
      return DecodeContainer(L, c, 2, false);
    case kArray32:
      return DecodeContainer(L, c, 4, false);
    case kMap16:
      return DecodeContainer(L, c, 2, true);
    case kMap32:
      return DecodeContainer(L, c, 4, true);
    default:
      break;
  }
  if (type < 0x80 || type >= 0xe0) {  // positive and negative fixint
    lua_pushnumber(L, static_cast<int8_t>(type));
    c->Skip(1);
  } else if ((type & 0xe0) == kFixStr) {
    DecodeString(L, c, 1, type & 0x1f);
  } else if ((type & 0xf0) == kFixArray) {
    c->Skip(1);
    DecodeArray(L, c, type & 0x0f);
  } else if ((type & 0xf0) == kFixMap) {
    c->Skip(1);
    DecodeMap(L, c, type & 0x0f);
  } else {
    c->error = Cursor::kBadFormat;  // 0xc1, bin, ext
  }
}

// Decodes from byte `offset` of argument 1 up to `limit` values (0 with offset 0: all of them, and
// no offset returned); otherwise returns the next offset (-1 at the end) before the values.
int Unpack(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  if (offset < 0 || limit < 0) {
    // Redis's text shows the input's length as the limit.
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  const bool all = limit == 0 && offset == 0;
  if (all) limit = INT_MAX;
  Cursor c{reinterpret_cast<const uint8_t*>(s) + offset, len - static_cast<size_t>(offset), Cursor::kNone};
  int count = 0;
  for (; c.left > 0 && count < limit; ++count) {
    DecodeValue(L, &c);
    if (c.error == Cursor::kEof) return luaL_error(L, "Missing bytes in input.");
    if (c.error == Cursor::kBadFormat) return luaL_error(L, "Bad data format in input.");
  }
  if (all) return count;
  luaL_checkstack(L, 1, "in function mp_unpack_full");
  lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(len - c.left));
  lua_insert(L, 2);
  return count + 1;
}

// Leaves the string argument alone on the stack (none when there was none: the error then says
// "no value").
void DropOptions(lua_State* L) {
  if (lua_gettop(L) > 1) lua_settop(L, 1);
}

int UnpackAll(lua_State* L) { return Unpack(L, 0, 0); }

int UnpackOne(lua_State* L) {
  const lua_Integer offset = luaL_optinteger(L, 2, 0);
  DropOptions(L);
  return Unpack(L, 1, offset);
}

int UnpackLimit(lua_State* L) {
  const lua_Integer limit = luaL_checkinteger(L, 2);
  const lua_Integer offset = luaL_optinteger(L, 3, 0);
  DropOptions(L);
  return Unpack(L, limit, offset);
}

}  // namespace

int OpenCmsgpack(lua_State* L) {
  static constexpr luaL_Reg kFunctions[] = {{"pack", Pack},
                                            {"unpack", UnpackAll},
                                            {"unpack_one", UnpackOne},
                                            {"unpack_limit", UnpackLimit},
                                            {nullptr, nullptr}};
  lua_newtable(L);
  luaL_register(L, nullptr, kFunctions);
  // The metadata Redis's module carries (its copyright line aside).
  lua_pushliteral(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushliteral(L, "MessagePack C implementation for Lua");
  lua_setfield(L, -2, "_DESCRIPTION");
  return 1;
}

}  // namespace strata::scripting
