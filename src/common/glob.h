// Redis's glob-style pattern matching (KEYS, SCAN MATCH, CONFIG GET, CLIENT KILL ...).
#ifndef STRATA_COMMON_GLOB_H_
#define STRATA_COMMON_GLOB_H_

#include <string_view>

namespace strata {

// True when `text` matches `pattern`: `*` any run, `?` any byte, `[abc]`, `[^abc]`, `[a-z]`
// (reversed ranges allowed), `\x` a literal x. An unterminated `[` set ends with the pattern.
// As in Redis, an empty text matches only an empty pattern (callers special-case a lone "*").
// Runs in O(len(pattern) * len(text)) time at worst, without recursion.
bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace strata

#endif  // STRATA_COMMON_GLOB_H_
