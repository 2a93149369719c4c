#include "server/command_docs.h"

#include <algorithm>
#include <iterator>

namespace strata::server {
namespace {

#include "server/command_docs_data.inc"

}  // namespace

std::span<const DocHistory> CommandDoc::history() const {
  return std::span<const DocHistory>(kDocHistory).subspan(first_history, history_count);
}

std::span<const DocArg> CommandDoc::args() const {
  return std::span<const DocArg>(kDocArgs).subspan(first_arg, arg_count);
}

std::span<const DocKeySpec> CommandDoc::key_specs() const {
  return std::span<const DocKeySpec>(kDocKeySpecs).subspan(first_key_spec, key_spec_count);
}

std::span<const DocArg> ChildArgs(const DocArg& arg) {
  return std::span<const DocArg>(kDocArgs).subspan(arg.first_child, arg.children);
}

const CommandDoc* FindCommandDoc(std::string_view name) {
  const auto it = std::lower_bound(std::begin(kCommandDocs), std::end(kCommandDocs), name,
                                   [](const CommandDoc& doc, std::string_view n) { return doc.name < n; });
  return it != std::end(kCommandDocs) && it->name == name ? &*it : nullptr;
}

size_t CountWords(std::string_view words) {
  size_t n = 0;
  ForEachWord(words, [&n](std::string_view) { ++n; });
  return n;
}

}  // namespace strata::server
