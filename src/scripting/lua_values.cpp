#include "scripting/lua_values.h"

#include <charconv>
#include <cstdlib>
#include <string>

namespace strata::scripting {
namespace {

// The reply's first line after its type byte, and where the next element starts.
std::string_view Line(std::string_view reply, size_t* pos) {
  const size_t start = *pos + 1;
  const size_t end = reply.find("\r\n", start);
  *pos = end + 2;
  return reply.substr(start, end - start);
}

int64_t LineInt(std::string_view line) {
  int64_t v = 0;
  std::from_chars(line.data(), line.data() + line.size(), v);
  return v;
}

void PushField(lua_State* L, const char* field, std::string_view value) {
  lua_newtable(L);
  lua_pushstring(L, field);
  lua_pushlstring(L, value.data(), value.size());
  lua_settable(L, -3);
}

// Pushes the element at *pos (or skips it when `push` is false) and moves *pos past it.
void PushAt(lua_State* L, std::string_view reply, size_t* pos, bool push) {
  if (push) luaL_checkstack(L, 4, "reply too deep");
  const char type = reply[*pos];
  const std::string_view line = Line(reply, pos);
  switch (type) {
    case '+':
      if (push) PushField(L, "ok", line);
      return;
    case '-':
      if (push) {
        PushErrorTable(L, std::string("-").append(line));
      }
      return;
    case ':':
      if (push) lua_pushnumber(L, static_cast<lua_Number>(LineInt(line)));
      return;
    case '$':
    case '=': {
      const int64_t len = LineInt(line);
      if (len < 0) {
        if (push) lua_pushboolean(L, 0);
        return;
      }
      const std::string_view body = reply.substr(*pos, static_cast<size_t>(len));
      *pos += static_cast<size_t>(len) + 2;
      if (!push) return;
      if (type == '$') {
        lua_pushlstring(L, body.data(), body.size());
      } else {  // "fmt:text"
        lua_newtable(L);
        lua_pushstring(L, "verbatim_string");
        lua_newtable(L);
        lua_pushstring(L, "string");
        lua_pushlstring(L, body.data() + 4, body.size() - 4);
        lua_settable(L, -3);
        lua_pushstring(L, "format");
        lua_pushlstring(L, body.data(), 3);
        lua_settable(L, -3);
        lua_settable(L, -3);
      }
      return;
    }
    case '*':
    case '>': {
      const int64_t n = LineInt(line);
      if (n < 0) {
        if (push) lua_pushboolean(L, 0);
        return;
      }
      if (push) lua_newtable(L);
      for (int64_t i = 0; i < n; ++i) {
        if (push) lua_pushnumber(L, static_cast<lua_Number>(i + 1));
        PushAt(L, reply, pos, push);
        if (push) lua_settable(L, -3);
      }
      return;
    }
    case '%':
    case '~': {
      const int64_t n = LineInt(line);
      if (push) {
        lua_newtable(L);
        lua_pushstring(L, type == '%' ? "map" : "set");
        lua_newtable(L);
      }
      for (int64_t i = 0; i < n; ++i) {
        PushAt(L, reply, pos, push);
        if (type == '%') {
          PushAt(L, reply, pos, push);
        } else if (push) {
          lua_pushboolean(L, 1);
        }
        if (push) lua_settable(L, -3);
      }
      if (push) lua_settable(L, -3);
      return;
    }
    case '|': {
      const int64_t n = LineInt(line);
      for (int64_t i = 0; i < 2 * n; ++i) PushAt(L, reply, pos, false);
      PushAt(L, reply, pos, push);
      return;
    }
    case '_':
      if (push) lua_pushnil(L);
      return;
    case '#':
      if (push) lua_pushboolean(L, line == "t");
      return;
    case ',':
      if (push) {
        lua_newtable(L);
        lua_pushstring(L, "double");
        lua_pushnumber(L, std::strtod(std::string(line).c_str(), nullptr));
        lua_settable(L, -3);
      }
      return;
    case '(':
      if (push) PushField(L, "big_number", line);
      return;
    default:
      if (push) lua_pushnil(L);
      return;
  }
}

// The string field `field` of the table on the top of the stack, if it is a string.
bool StringField(lua_State* L, const char* field, std::string_view* out) {
  lua_pushstring(L, field);
  lua_rawget(L, -2);
  const bool is_string = lua_type(L, -1) == LUA_TSTRING;
  if (is_string) {
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    *out = std::string_view(s, len);  // the table keeps the string alive
  }
  lua_pop(L, 1);
  return is_string;
}

std::string NoNewlines(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

void WriteTable(lua_State* L, resp::ReplyBuilder& reply, int script_resp) {
  std::string_view text;
  if (StringField(L, "err", &text)) {
    reply.Error(text);
    return;
  }
  if (StringField(L, "ok", &text)) {
    reply.Simple(NoNewlines(text));
    return;
  }
  lua_pushstring(L, "double");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TNUMBER) {
    reply.Double(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (StringField(L, "big_number", &text)) {
    reply.BigNumber(NoNewlines(text));
    return;
  }
  lua_pushstring(L, "verbatim_string");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TTABLE) {
    std::string_view format;
    if (StringField(L, "format", &format) && StringField(L, "string", &text)) {
      reply.Verbatim(text, format);
      lua_pop(L, 1);
      return;
    }
  }
  lua_pop(L, 1);
  lua_pushstring(L, "map");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TTABLE) {
    const size_t handle = reply.BeginDeferredMap();
    size_t pairs = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      lua_pushvalue(L, -2);
      WriteLuaValue(L, reply, script_resp);  // the key
      WriteLuaValue(L, reply, script_resp);  // the value
      ++pairs;
    }
    reply.EndDeferredMap(handle, pairs);
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  lua_pushstring(L, "set");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TTABLE) {
    const size_t handle = reply.BeginDeferredSet();
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      WriteLuaValue(L, reply, script_resp);
      ++count;
    }
    reply.EndDeferredSet(handle, count);
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  // An array: its elements up to the first nil.
  const size_t handle = reply.BeginDeferredArray();
  size_t count = 0;
  for (int i = 1;; ++i) {
    lua_rawgeti(L, -1, i);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    WriteLuaValue(L, reply, script_resp);
    ++count;
  }
  reply.EndDeferredArray(handle, count);
}

}  // namespace

void PushReply(lua_State* L, std::string_view reply) {
  size_t pos = 0;
  PushAt(L, reply, &pos, true);
}

void PushErrorTable(lua_State* L, std::string_view error) {
  std::string code = "ERR";
  std::string_view msg = error;
  if (!error.empty() && error[0] == '-') {
    const size_t space = error.find(' ');
    if (space == std::string_view::npos) {
      msg = error.substr(1);
    } else {
      code = std::string(error.substr(1, space - 1));
      msg = error.substr(space + 1);
    }
  }
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.remove_suffix(1);
  while (!msg.empty() && (msg.front() == '\r' || msg.front() == '\n')) msg.remove_prefix(1);
  lua_newtable(L);
  lua_pushstring(L, "err");
  const std::string full = code + " " + std::string(msg);
  lua_pushlstring(L, full.data(), full.size());
  lua_settable(L, -3);
}

void WriteLuaValue(lua_State* L, resp::ReplyBuilder& reply, int script_resp) {
  if (!lua_checkstack(L, 4)) {
    reply.Error("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      reply.Bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) {
          reply.Integer(1);
        } else {
          reply.Null();
        }
      } else {
        reply.Bool(lua_toboolean(L, -1) != 0);
      }
      break;
    case LUA_TNUMBER:
      reply.Integer(static_cast<int64_t>(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE:
      WriteTable(L, reply, script_resp);
      break;
    default:
      reply.Null();
      break;
  }
  lua_pop(L, 1);
}

}  // namespace strata::scripting
