// cmsgpack and struct in a bare Lua state: round trips of many generated values, and the encodings
// at each boundary. Their exact bytes and error texts against Redis's are in
// tests/integration/differential/scripting.redis.
#include <gtest/gtest.h>

#include <string>

#include "scripting/lua_cmsgpack.h"
#include "scripting/lua_struct.h"

namespace strata::scripting {
namespace {

// Lua helpers the checks share: deep equality and a seeded generator of values.
constexpr char kHelpers[] = R"lua(
function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= 'table' then return a == b or (a ~= a and b ~= b) end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local seed = 12345
function rand(n)  -- 0 .. n-1, the same on every machine
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end

local lengths = {0, 1, 31, 32, 255, 256, 65535, 65536}
local numbers = {0, 1, -1, 127, 128, -32, -33, 255, 256, -128, -129, 65535, 65536, -32768, -32769,
                 4294967295, 4294967296, -2147483648, -2147483649, 2^53, -2^53, 2^62, -2^63,
                 0.5, -0.25, 0.1, 1e300, -1e-300, 3.4028234663852886e38, 1/0, -1/0}

function value(depth)
  local kind = rand(depth > 3 and 4 or 6)
  if kind == 0 then return numbers[rand(#numbers) + 1] end
  if kind == 1 then return (rand(2000001) - 1000000) / (rand(3) == 0 and 7 or 1) end
  if kind == 2 then return string.rep(string.char(rand(256)), lengths[rand(#lengths) + 1]) end
  if kind == 3 then return rand(2) == 0 end
  local t = {}
  if kind == 4 then
    for i = 1, rand(20) do t[i] = value(depth + 1) end
  else
    for i = 1, rand(20) do t['k' .. rand(1000)] = value(depth + 1) end
    for i = 1, rand(3) do t[rand(50) + 1] = value(depth + 1) end
  end
  return t
end
)lua";

class LuaLibrariesTest : public ::testing::Test {
 protected:
  LuaLibrariesTest() : L_(luaL_newstate()) {
    luaL_openlibs(L_);
    const luaL_Reg libraries[] = {{"cmsgpack", OpenCmsgpack}, {"struct", OpenStruct}};
    for (const luaL_Reg& library : libraries) {
      lua_pushcfunction(L_, library.func);
      lua_call(L_, 0, 1);
      lua_setglobal(L_, library.name);
    }
    EXPECT_EQ(luaL_dostring(L_, kHelpers), 0) << lua_tostring(L_, -1);
  }
  ~LuaLibrariesTest() override { lua_close(L_); }

  // Runs `chunk`; its first result converted to a string, or the error it raised.
  std::string Run(const std::string& chunk) {
    if (luaL_dostring(L_, chunk.c_str()) != 0) {
      std::string error = std::string("error: ") + lua_tostring(L_, -1);
      lua_settop(L_, 0);
      return error;
    }
    std::string result = lua_isnil(L_, 1) ? "nil" : lua_isboolean(L_, 1) ? (lua_toboolean(L_, 1) ? "true" : "false")
                                                                          : lua_tostring(L_, 1);
    lua_settop(L_, 0);
    return result;
  }

  // The message of the error `chunk` raises, without the chunk's name and line.
  std::string ErrorOf(const std::string& chunk) {
    const std::string result = Run(chunk);
    const size_t at = result.find("]:1: ");
    return result.starts_with("error: ") && at != std::string::npos ? result.substr(at + 5) : "no error: " + result;
  }

  // The hex of the string `expr` gives.
  std::string Hex(const std::string& expr) {
    return Run("local s = " + expr + " return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end))");
  }

  lua_State* L_;
};

TEST_F(LuaLibrariesTest, MsgpackRoundTripsGeneratedValues) {
  // 2,000 values of every kind, nested up to 5 deep: unpack(pack(v)) equals v (float32 and
  // float64 both exact), and packing again gives as many bytes (a map's keys may come in another
  // order: the decoded table was filled in another order).
  EXPECT_EQ(Run(R"lua(
    for i = 1, 2000 do
      local v = value(0)
      local s = cmsgpack.pack(v)
      local back = cmsgpack.unpack(s)
      if not same(v, back) then return 'value ' .. i .. ' differs' end
      if #cmsgpack.pack(back) ~= #s then return 'value ' .. i .. ' packs differently' end
    end
    return 'ok')lua"),
            "ok");
}

TEST_F(LuaLibrariesTest, MsgpackStreamsDecodeOneAtATime) {
  EXPECT_EQ(Run(R"lua(
    local values = {}
    for i = 1, 300 do values[i] = value(2) end
    local s = cmsgpack.pack(unpack(values))
    local all = {cmsgpack.unpack(s)}
    if not same(all, values) then return 'unpack differs' end
    local offset, i = 0, 0
    repeat
      local v
      offset, v = cmsgpack.unpack_one(s, offset)
      i = i + 1
      if not same(v, values[i]) then return 'unpack_one differs at ' .. i end
    until offset == -1
    if i ~= 300 then return 'unpack_one read ' .. i end
    local limited = {cmsgpack.unpack_limit(s, 7, 0)}
    if limited[1] == -1 or #limited ~= 8 or not same(limited[8], values[7]) then return 'unpack_limit' end
    return 'ok')lua"),
            "ok");
}

TEST_F(LuaLibrariesTest, MsgpackIntegersTakeTheSmallestForm) {
  EXPECT_EQ(Hex("cmsgpack.pack(0, 127, 128, 255, 256, 65535, 65536)"), "007fcc80ccffcd0100cdffffce00010000");
  EXPECT_EQ(Hex("cmsgpack.pack(4294967295, 4294967296)"), "ceffffffffcf0000000100000000");
  EXPECT_EQ(Hex("cmsgpack.pack(-1, -32, -33, -128, -129, -32768, -32769)"), "ffe0d0dfd080d1ff7fd18000d2ffff7fff");
  EXPECT_EQ(Hex("cmsgpack.pack(-2147483648, -2147483649)"), "d280000000d3ffffffff7fffffff");
  // Integral past int64: a float; 2^63 is exact in float32.
  EXPECT_EQ(Hex("cmsgpack.pack(2^63, 0.5, 0.1)"), "ca5f000000ca3f000000cb3fb999999999999a");
  // uint64 past 2^63 comes back negative, as Redis's.
  EXPECT_EQ(Run("return tostring(cmsgpack.unpack(string.char(0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0)))"),
            "-9.2233720368548e+18");
}

TEST_F(LuaLibrariesTest, MsgpackTablesAndNesting) {
  EXPECT_EQ(Hex("cmsgpack.pack({}, {1, 2}, {[2] = 2}, {a = true})"), "90920102810202" "81a161c3");
  // A table nested deeper than 16 is nil, so a cycle ends.
  EXPECT_EQ(Run("local t = {} t[1] = t "
                "return cmsgpack.pack(t) == string.rep(string.char(0x91), 16) .. string.char(0xc0)"),
            "true");
  EXPECT_EQ(ErrorOf("return cmsgpack.unpack(string.char(0x92, 1))"), "Missing bytes in input.");
  EXPECT_EQ(ErrorOf("return cmsgpack.unpack(string.char(0xc1))"), "Bad data format in input.");
}

TEST_F(LuaLibrariesTest, StructRoundTripsEveryIntegerFormat) {
  // Random values of each integer option in both byte orders and with alignment: unpack(pack)
  // gives them back, and struct.size equals the packed length.
  EXPECT_EQ(Run(R"lua(
    local formats = {{'b', -128, 127}, {'B', 0, 255}, {'h', -32768, 32767}, {'H', 0, 65535},
                     {'i', -2147483648, 2147483647}, {'I', 0, 4294967295}, {'i3', -8388608, 8388607},
                     {'l', -2^53, 2^53}, {'L', 0, 2^53}, {'T', 0, 2^53}, {'i8', -2^53, 2^53}}
    for i = 1, 3000 do
      local fmt, values = rand(2) == 0 and '<' or '>', {}
      if rand(3) == 0 then fmt = fmt .. '!' .. 2^rand(4) end
      for j = 1, rand(6) + 1 do
        local f = formats[rand(#formats) + 1]
        fmt = fmt .. f[1]
        local span = f[3] - f[2]
        values[j] = f[2] + (span < 2^31 and rand(span + 1) or math.floor(rand(2^31) / 2^31 * span))
      end
      local s = struct.pack(fmt, unpack(values))
      if struct.size(fmt) ~= #s then return fmt .. ': size ' .. struct.size(fmt) .. ' packed ' .. #s end
      local back = {struct.unpack(fmt, s)}
      if back[#back] ~= #s + 1 then return fmt .. ': next position ' .. back[#back] end
      back[#back] = nil
      if not same(back, values) then return fmt .. ': values differ' end
    end
    return 'ok')lua"),
            "ok");
}

TEST_F(LuaLibrariesTest, StructBytesStringsAndFloats) {
  EXPECT_EQ(Hex("struct.pack('>i2<i2>I3', 1, 2, 3)"), "00010200000003");
  EXPECT_EQ(Hex("struct.pack('!4bi', 1, 2)"), "0100000002000000");
  EXPECT_EQ(Hex("struct.pack('sc2c0x', 'ab', 'xyz', 'q')"), "616200" "7879" "71" "00");
  EXPECT_EQ(Hex("struct.pack('>fd', 1.5, -2)"), "3fc00000c000000000000000");
  EXPECT_EQ(Hex("struct.pack('<i16', -1)"), "ffffffffffffffff0000000000000000");
  EXPECT_EQ(Run("local a, b, n = struct.unpack('bc0s', string.char(2) .. 'hiyo' .. string.char(0)) "
                "return a .. b .. n"),
            "hiyo7");
  EXPECT_EQ(Run("return struct.unpack('>d', struct.pack('>d', 0.1)) == 0.1"), "true");
}

TEST_F(LuaLibrariesTest, StructErrors) {
  EXPECT_EQ(ErrorOf("return struct.pack('i33', 1)"), "integral size 33 is larger than limit of 32");
  EXPECT_EQ(ErrorOf("return struct.pack('i99999999999', 1)"), "integral size overflow");
  EXPECT_EQ(ErrorOf("return struct.pack('c2', 'a')"), "bad argument #3 to 'pack' (string too short)");
  EXPECT_EQ(ErrorOf("return struct.unpack('i', 'abc')"), "bad argument #2 to 'unpack' (data string too short)");
  EXPECT_EQ(ErrorOf("return struct.unpack('c0', 'a')"), "format 'c0' needs a previous size");
  EXPECT_EQ(ErrorOf("return struct.size('s')"), "bad argument #1 to 'size' (option 's' has no fixed size)");
  EXPECT_EQ(ErrorOf("return struct.size('!3')"), "alignment 3 is not a power of 2");
}

}  // namespace
}  // namespace strata::scripting
