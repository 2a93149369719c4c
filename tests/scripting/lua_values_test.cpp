#include "scripting/lua_values.h"

#include <gtest/gtest.h>

#include <string>

namespace strata::scripting {
namespace {

class LuaValuesTest : public ::testing::Test {
 protected:
  LuaValuesTest() : L_(luaL_newstate()) { luaL_openlibs(L_); }
  ~LuaValuesTest() override { lua_close(L_); }

  // The reply WriteLuaValue gives for the Lua expression `expr`, for a client speaking
  // `client_resp` from a script that chose `script_resp`.
  std::string Written(const char* expr, int client_resp = 2, int script_resp = 2) {
    const std::string chunk = std::string("return ") + expr;
    EXPECT_EQ(luaL_dostring(L_, chunk.c_str()), 0) << expr;
    ByteBuffer out;
    resp::ReplyBuilder reply(&out);
    reply.set_protocol(client_resp);
    WriteLuaValue(L_, reply, script_resp);
    EXPECT_EQ(lua_gettop(L_), 0) << "the value is popped";
    return std::string(out.data(), out.size());
  }

  // PushReply's value for `reply`, shown by a small Lua serializer.
  std::string Pushed(std::string_view reply) {
    luaL_dostring(L_,
                  "function show(v) if type(v) ~= 'table' then return type(v) .. ':' .. tostring(v) end "
                  "local keys = {} for k in pairs(v) do keys[#keys + 1] = tostring(k) end table.sort(keys) "
                  "local parts = {} for _, k in ipairs(keys) do local val = v[k] if val == nil then val = v[tonumber(k)] end "
                  "parts[#parts + 1] = k .. '=' .. show(val) end return '{' .. table.concat(parts, ',') .. '}' end");
    lua_getglobal(L_, "show");
    PushReply(L_, reply);
    EXPECT_EQ(lua_pcall(L_, 1, 1, 0), 0);
    std::string shown = lua_tostring(L_, -1);
    lua_pop(L_, 1);
    return shown;
  }

  lua_State* L_;
};

TEST_F(LuaValuesTest, LuaToResp2AsRedis) {
  EXPECT_EQ(Written("'s'"), "$1\r\ns\r\n");
  EXPECT_EQ(Written("3.99"), ":3\r\n") << "numbers are truncated to integers";
  EXPECT_EQ(Written("-3.99"), ":-3\r\n");
  EXPECT_EQ(Written("true"), ":1\r\n");
  EXPECT_EQ(Written("false"), "$-1\r\n");
  EXPECT_EQ(Written("nil"), "$-1\r\n");
  EXPECT_EQ(Written("{1, 2, nil, 4}"), "*2\r\n:1\r\n:2\r\n") << "an array stops at its first nil";
  EXPECT_EQ(Written("{ok='fine'}"), "+fine\r\n");
  EXPECT_EQ(Written("{err='ERR bad'}"), "-ERR bad\r\n");
  EXPECT_EQ(Written("{err='x', ok='y'}"), "-x\r\n") << "err wins";
  EXPECT_EQ(Written("{double=1.5}"), "$3\r\n1.5\r\n");
  EXPECT_EQ(Written("{map={a=1}}"), "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Written("{set={a=true}}"), "*1\r\n$1\r\na\r\n");
}

TEST_F(LuaValuesTest, LuaToResp3AsRedis) {
  EXPECT_EQ(Written("true", 3, 2), ":1\r\n") << "a RESP2 script's booleans stay integers";
  EXPECT_EQ(Written("false", 3, 2), "_\r\n");
  EXPECT_EQ(Written("true", 3, 3), "#t\r\n");
  EXPECT_EQ(Written("false", 3, 3), "#f\r\n");
  EXPECT_EQ(Written("{double=1.5}", 3), ",1.5\r\n");
  EXPECT_EQ(Written("{big_number='123'}", 3), "(123\r\n");
  EXPECT_EQ(Written("{map={a=1}}", 3), "%1\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Written("{set={a=true}}", 3), "~1\r\n$1\r\na\r\n");
  EXPECT_EQ(Written("{verbatim_string={format='txt', string='hi'}}", 3), "=6\r\ntxt:hi\r\n");
}

TEST_F(LuaValuesTest, RespToLuaAsRedis) {
  EXPECT_EQ(Pushed(":42\r\n"), "number:42");
  EXPECT_EQ(Pushed("$3\r\nabc\r\n"), "string:abc");
  EXPECT_EQ(Pushed("$-1\r\n"), "boolean:false");
  EXPECT_EQ(Pushed("*-1\r\n"), "boolean:false");
  EXPECT_EQ(Pushed("+OK\r\n"), "{ok=string:OK}");
  EXPECT_EQ(Pushed("-WRONGTYPE no\r\n"), "{err=string:WRONGTYPE no}");
  EXPECT_EQ(Pushed("*2\r\n:1\r\n$1\r\nx\r\n"), "{1=number:1,2=string:x}");
  EXPECT_EQ(Pushed("%1\r\n$1\r\nf\r\n$1\r\nv\r\n"), "{map={f=string:v}}");
  EXPECT_EQ(Pushed("~1\r\n$1\r\nm\r\n"), "{set={m=boolean:true}}");
  EXPECT_EQ(Pushed(",1.5\r\n"), "{double=number:1.5}");
  EXPECT_EQ(Pushed("(12345\r\n"), "{big_number=string:12345}");
  EXPECT_EQ(Pushed("#t\r\n"), "boolean:true");
  EXPECT_EQ(Pushed("_\r\n"), "nil:nil");
  EXPECT_EQ(Pushed("=7\r\ntxt:abc\r\n"), "{verbatim_string={format=string:txt,string=string:abc}}");
  EXPECT_EQ(Pushed("|1\r\n+a\r\n+b\r\n:7\r\n"), "number:7") << "attributes are skipped";
}

TEST_F(LuaValuesTest, ErrorTablesGetACode) {
  PushErrorTable(L_, "-NOSCRIPT gone\r\n");
  lua_getfield(L_, -1, "err");
  EXPECT_STREQ(lua_tostring(L_, -1), "NOSCRIPT gone");
  lua_pop(L_, 2);
  PushErrorTable(L_, "plain message");
  lua_getfield(L_, -1, "err");
  EXPECT_STREQ(lua_tostring(L_, -1), "ERR plain message");
  lua_pop(L_, 2);
}

}  // namespace
}  // namespace strata::scripting
