#include "scripting/lua_struct.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <climits>
#include <cstdint>
#include <cstring>

namespace strata::scripting {
namespace {

// The largest i/I size, and the default alignment of '!' (a double's, on x86-64 and arm64).
constexpr int kMaxIntSize = 32;
constexpr int kMaxAlign = 8;
constexpr bool kNativeBig = std::endian::native == std::endian::big;

// Where packing or unpacking stands in the format: byte order and maximum alignment. Plain data:
// a Lua error may longjmp past it.
struct Header {
  bool big = kNativeBig;
  int align = 1;
};

bool IsInteger(int opt) { return opt != '\0' && std::strchr("bBhHlLTiI", opt) != nullptr; }

bool IsPowerOf2(int x) { return x > 0 && (x & (x - 1)) == 0; }

// The decimal number at *fmt (advanced past it), or `fallback` when there is none.
int ReadNumber(lua_State* L, const char** fmt, int fallback) {
  if (!std::isdigit(static_cast<unsigned char>(**fmt))) return fallback;
  int a = 0;
  do {
    const int digit = *(*fmt)++ - '0';
    if (a > INT_MAX / 10 || a * 10 > INT_MAX - digit) luaL_error(L, "integral size overflow");
    a = a * 10 + digit;
  } while (std::isdigit(static_cast<unsigned char>(**fmt)));
  return a;
}

// The bytes option `opt` takes (0 for s, c0 and the control options), reading its count.
size_t OptionSize(lua_State* L, int opt, const char** fmt) {
  switch (opt) {
    case 'B':
    case 'b':
    case 'x':
      return 1;
    case 'H':
    case 'h':
      return 2;
    case 'L':
    case 'l':
    case 'T':
    case 'd':
      return 8;
    case 'f':
      return 4;
    case 'c':
      return static_cast<size_t>(ReadNumber(L, fmt, 1));
    case 'i':
    case 'I': {
      const int size = ReadNumber(L, fmt, 4);
      if (size > kMaxIntSize) luaL_error(L, "integral size %d is larger than limit of %d", size, kMaxIntSize);
      return static_cast<size_t>(size);
    }
    default:
      return 0;
  }
}

// Zero bytes before an item of `size` bytes at offset `len`: it aligns to min(size, align).
// Strings never align; the formula is the library's, also for sizes that are no power of 2.
size_t Padding(size_t len, const Header& h, int opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  size = std::min(size, static_cast<size_t>(h.align));
  return (size - (len & (size - 1))) & (size - 1);
}

// The options that set byte order and alignment; any other is an error.
void Control(lua_State* L, int opt, const char** fmt, Header* h) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      h->big = true;
      return;
    case '<':
      h->big = false;
      return;
    case '!': {
      const int align = ReadNumber(L, fmt, kMaxAlign);
      if (!IsPowerOf2(align)) luaL_error(L, "alignment %d is not a power of 2", align);
      h->align = align;
      return;
    }
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

// C's double-to-integer conversions as x86-64 performs them (Redis's values come from there):
// out of range and NaN give INT64_MIN; an unsigned conversion subtracts 2^63 above it.
int64_t TruncateToInt64(double n) {
  if (!(n >= -0x1p63 && n < 0x1p63)) return INT64_MIN;
  return static_cast<int64_t>(n);
}

uint64_t TruncateToUint64(double n) {
  if (!(n >= 0x1p63)) return static_cast<uint64_t>(TruncateToInt64(n));
  return static_cast<uint64_t>(TruncateToInt64(n - 0x1p63)) ^ (1ULL << 63);
}

// Appends `bytes` (native order) in the header's order.
void AddOrdered(luaL_Buffer* b, char* bytes, size_t size, const Header& h) {
  if (h.big != kNativeBig) std::reverse(bytes, bytes + size);
  luaL_addlstring(b, bytes, size);
}

void PackInteger(lua_State* L, luaL_Buffer* b, int arg, const Header& h, size_t size) {
  const lua_Number n = luaL_checknumber(L, arg);
  uint64_t value = n < 0 ? static_cast<uint64_t>(TruncateToInt64(n)) : TruncateToUint64(n);
  // Sizes past 8 bytes are padded with zeros, whatever the sign.
  char bytes[kMaxIntSize];
  for (size_t i = 0; i < size; ++i) {
    bytes[h.big ? size - 1 - i : i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  luaL_addlstring(b, bytes, size);
}

int Pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  int arg = 2;
  size_t total = 0;
  lua_pushnil(L);  // keeps the buffer's stack slots above the arguments (a missing one reads nil)
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    const int opt = static_cast<unsigned char>(*fmt++);
    size_t size = OptionSize(L, opt, &fmt);
    const size_t padding = Padding(total, h, opt, size);
    total += padding;
    for (size_t i = 0; i < padding; ++i) luaL_addchar(&b, '\0');
    switch (IsInteger(opt) ? 'i' : opt) {
      case 'i':  // every integer option
        PackInteger(L, &b, arg++, h, size);
        break;
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f': {
        auto f = static_cast<float>(luaL_checknumber(L, arg++));
        AddOrdered(&b, reinterpret_cast<char*>(&f), sizeof(f), h);
        break;
      }
      case 'd': {
        double d = luaL_checknumber(L, arg++);
        AddOrdered(&b, reinterpret_cast<char*>(&d), sizeof(d), h);
        break;
      }
      case 'c':
      case 's': {
        size_t len = 0;
        const char* s = luaL_checklstring(L, arg++, &len);
        if (size == 0) size = len;
        // The library names the argument after the string (arg is already past it).
        luaL_argcheck(L, len >= size, arg, "string too short");
        luaL_addlstring(&b, s, size);
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          ++size;
        }
        break;
      }
      default:
        Control(L, opt, &fmt, &h);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

// Only the last 8 bytes read count; the sign mask's shift is taken modulo 64 as x86 shifts.
lua_Number UnpackInteger(const char* bytes, const Header& h, bool is_signed, size_t size) {
  uint64_t l = 0;
  for (size_t i = 0; i < size; ++i) l = (l << 8) | static_cast<unsigned char>(bytes[h.big ? i : size - 1 - i]);
  if (!is_signed) return static_cast<lua_Number>(l);
  const uint64_t mask = ~0ULL << ((static_cast<int>(size) * 8 - 1) & 63);
  if ((l & mask) != 0) l |= mask;
  return static_cast<lua_Number>(static_cast<int64_t>(l));
}

template <typename T>
lua_Number UnpackFloat(const char* data, const Header& h) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, data, sizeof(T));
  if (h.big != kNativeBig) std::reverse(bytes, bytes + sizeof(T));
  return std::bit_cast<T>(bytes);
}

bool Fits(size_t pos, size_t size, size_t len) { return size <= len && pos <= len - size; }

int Unpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  size_t len = 0;
  const char* data = luaL_checklstring(L, 2, &len);
  // A negative offset wraps around as the library's size_t does (and fails the length check).
  size_t pos = static_cast<size_t>(luaL_optinteger(L, 3, 1));
  luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
  --pos;
  Header h;
  int results = 0;
  while (*fmt != '\0') {
    const int opt = static_cast<unsigned char>(*fmt++);
    size_t size = OptionSize(L, opt, &fmt);
    pos += Padding(pos, h, opt, size);
    luaL_argcheck(L, Fits(pos, size, len), 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (IsInteger(opt) ? 'i' : opt) {
      case 'i':  // every integer option
        lua_pushnumber(L, UnpackInteger(data + pos, h, std::islower(opt) != 0, size));
        ++results;
        break;
      case 'x':
        break;
      case 'f':
        lua_pushnumber(L, UnpackFloat<float>(data + pos, h));
        ++results;
        break;
      case 'd':
        lua_pushnumber(L, UnpackFloat<double>(data + pos, h));
        ++results;
        break;
      case 'c':
        if (size == 0) {
          if (results == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = TruncateToUint64(lua_tonumber(L, -1));
          lua_pop(L, 1);
          --results;
          luaL_argcheck(L, Fits(pos, size, len), 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        ++results;
        break;
      case 's': {
        const void* end = std::memchr(data + pos, '\0', len - pos);
        if (end == nullptr) luaL_error(L, "unfinished string in data");
        size = static_cast<size_t>(static_cast<const char*>(end) - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        ++results;
        break;
      }
      default:
        Control(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return results + 1;
}

int Size(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  size_t pos = 0;
  while (*fmt != '\0') {
    const int opt = static_cast<unsigned char>(*fmt++);
    const size_t size = OptionSize(L, opt, &fmt);
    pos += Padding(pos, h, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    // Unknown letters pass here unnoticed, as in the library.
    if (!std::isalnum(opt)) Control(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

}  // namespace

int OpenStruct(lua_State* L) {
  static constexpr luaL_Reg kFunctions[] = {{"pack", Pack}, {"unpack", Unpack}, {"size", Size}, {nullptr, nullptr}};
  lua_newtable(L);
  luaL_register(L, nullptr, kFunctions);
  return 1;
}

}  // namespace strata::scripting
