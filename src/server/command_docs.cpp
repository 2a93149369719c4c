#include "server/command_docs.h"

#include <algorithm>
#include <iterator>

namespace strata::server {
// Transitional: the documentation table is being rebuilt from Strata's own command syntax; until
// then COMMAND DOCS and COMMAND INFO answer from the command table alone.
std::span<const DocHistory> CommandDoc::history() const { return {}; }
std::span<const DocArg> CommandDoc::args() const { return {}; }
std::span<const DocKeySpec> CommandDoc::key_specs() const { return {}; }
std::span<const DocArg> ChildArgs(const DocArg& /*arg*/) { return {}; }
const CommandDoc* FindCommandDoc(std::string_view /*name*/) { return nullptr; }

size_t CountWords(std::string_view words) {
  size_t n = 0;
  ForEachWord(words, [&n](std::string_view) { ++n; });
  return n;
}

}  // namespace strata::server
