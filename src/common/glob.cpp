#include "common/glob.h"

#include <cctype>
#include <cstddef>
#include <utility>

namespace strata {
namespace {

// Redis orders range bounds as (signed) chars, which decides how ranges over bytes >= 0x80 behave,
// and lower-cases only after putting the bounds in order; keep both.
int Ord(char c) { return static_cast<signed char>(c); }
int LowerOrd(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

bool SameByte(char a, char b, bool nocase) {
  if (!nocase) return a == b;
  return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

// Matches the single-byte token starting at pattern[p] (not '*') against `c`.
// Sets *len to the token's length in the pattern. Returns whether it matched.
bool MatchToken(std::string_view pattern, size_t p, char c, bool nocase, size_t* len) {
  const size_t m = pattern.size();
  switch (pattern[p]) {
    case '?':
      *len = 1;
      return true;
    case '\\':
      if (p + 1 < m) {
        *len = 2;
        return SameByte(pattern[p + 1], c, nocase);
      }
      *len = 1;
      return SameByte('\\', c, nocase);
    case '[': {
      size_t i = p + 1;
      const bool negate = i < m && pattern[i] == '^';
      if (negate) ++i;
      bool matched = false;
      while (i < m && pattern[i] != ']') {
        if (pattern[i] == '\\' && i + 1 < m) {
          if (SameByte(pattern[i + 1], c, false)) matched = true;
          i += 2;
        } else if (i + 2 < m && pattern[i + 1] == '-') {
          int lo = Ord(pattern[i]);
          int hi = Ord(pattern[i + 2]);
          int x = Ord(c);
          if (lo > hi) std::swap(lo, hi);
          if (nocase) {
            lo = LowerOrd(lo);
            hi = LowerOrd(hi);
            x = LowerOrd(x);
          }
          if (x >= lo && x <= hi) matched = true;
          i += 3;
        } else {
          if (SameByte(pattern[i], c, nocase)) matched = true;
          ++i;
        }
      }
      // Past the closing ']' (or at the end of an unterminated set).
      *len = (i < m ? i + 1 : m) - p;
      return matched != negate;
    }
    default:
      *len = 1;
      return SameByte(pattern[p], c, nocase);
  }
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  if (text.empty()) return pattern.empty();
  const size_t m = pattern.size();
  const size_t n = text.size();
  size_t p = 0;
  size_t s = 0;
  // Where to resume after the most recent '*': the pattern just past it, and the next text
  // position that star may swallow. Resuming only from the latest star is enough for globs.
  bool have_star = false;
  size_t star_p = 0;
  size_t star_s = 0;
  while (s < n) {
    if (p < m && pattern[p] == '*') {
      while (p < m && pattern[p] == '*') ++p;
      if (p == m) return true;
      have_star = true;
      star_p = p;
      star_s = s;
      continue;
    }
    size_t len = 0;
    if (p < m && MatchToken(pattern, p, text[s], nocase, &len)) {
      p += len;
      ++s;
      continue;
    }
    if (!have_star) return false;
    p = star_p;
    s = ++star_s;
  }
  while (p < m && pattern[p] == '*') ++p;
  return p == m;
}

}  // namespace strata
