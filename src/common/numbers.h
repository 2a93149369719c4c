// Number parsing and formatting with Redis's exact rules.
//
// Redis accepts and prints numbers in specific ways ("-0" is not an integer, doubles print with 17
// significant digits, INCRBYFLOAT prints long doubles without an exponent); clients and the differential
// test see every byte of it, so these functions are the only place numbers cross the wire.
#ifndef STRATA_COMMON_NUMBERS_H_
#define STRATA_COMMON_NUMBERS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata {

// Longest text FormatInt64 writes ("-9223372036854775808").
inline constexpr size_t kMaxInt64Chars = 21;
// Buffer large enough for FormatDouble.
inline constexpr size_t kMaxDoubleChars = 32;

// Parses a signed 64-bit decimal integer as Redis's string2ll does: an optional '-', no '+', no
// spaces, no leading zeros ("0" itself is fine, "-0" and "007" are not), no overflow.
bool ParseInt64(std::string_view text, int64_t* value);

// Parses an unsigned cursor as Redis's SCAN does (strtoull: no leading space, the whole text used,
// an empty text is 0).
bool ParseCursor(std::string_view text, uint64_t* value);

// Parses a double as Redis's getDoubleFromObject: strtod over the whole text, no leading space,
// no overflow to infinity from a finite spelling, NaN rejected. "inf", "+inf", "-inf" are accepted.
bool ParseDouble(std::string_view text, double* value);

// Same rules with long double precision (INCRBYFLOAT), and texts of 5 KiB or more refused.
bool ParseLongDouble(std::string_view text, long double* value);

// True when Redis would store `text` with the "int" encoding: it parses with ParseInt64.
inline bool LooksLikeInt64(std::string_view text) {
  int64_t ignored;
  return text.size() <= 20 && ParseInt64(text, &ignored);
}

// Writes `value` in decimal to `buf` (at least kMaxInt64Chars bytes) and returns the length.
size_t FormatInt64(int64_t value, char* buf);

// Writes `value` as Redis 7.0 replies doubles: "inf", "-inf", otherwise printf's "%.17g".
// `buf` holds at least kMaxDoubleChars bytes. Returns the length.
size_t FormatDouble(double value, char* buf);

// Writes `value` as a listpack-encoded sorted set holds its score, which ZSCAN replies as it is:
// a whole number within +-2^62 in integer form ("1148677881235767424", "0" for -0), anything
// else as FormatDouble does. `buf` holds at least kMaxDoubleChars bytes. Returns the length.
size_t FormatListpackDouble(double value, char* buf);

// Formats a long double as INCRBYFLOAT stores it: "%.17Lf" with trailing zeros and a trailing '.'
// removed, "-0" printed as "0", infinities as "inf"/"-inf".
std::string FormatLongDoubleHuman(long double value);

// Lower-cases ASCII letters of `text` in place and returns it (config names, subcommands).
std::string AsciiLower(std::string_view text);

// ASCII lower case of one byte, without the C library's locale lookup (hot in command lookup).
inline char AsciiToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

// ASCII case-insensitive equality (command names, option tokens such as "EX" or "nx").
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiToLower(a[i]) != AsciiToLower(b[i])) return false;
  }
  return true;
}

}  // namespace strata

#endif  // STRATA_COMMON_NUMBERS_H_
