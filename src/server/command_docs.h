// What Redis 7.0 documents about each of its commands beyond what the command table holds: the
// COMMAND DOCS fields (summary, complexity, history, arguments ...), the command tips and the key
// specifications of COMMAND INFO.
//
// The data is generated from redis-server 7.0.15's own replies (scripts/gen_command_docs.py), so
// COMMAND INFO and COMMAND DOCS match Redis's for every command Strata registers under Redis's
// name. Immutable; safe to read from any thread.
#ifndef STRATA_SERVER_COMMAND_DOCS_H_
#define STRATA_SERVER_COMMAND_DOCS_H_

#include <cstdint>
#include <span>
#include <string_view>

namespace strata::server {

// One argument of a command (COMMAND DOCS "arguments"). Its own arguments, for types "oneof" and
// "block", are the `children` rows from `first_child` of the argument table.
struct DocArg {
  std::string_view name;
  std::string_view type;  // "key", "string", "integer", "double", "pattern", "unix-time",
                          // "pure-token", "oneof", "block"
  int key_spec_index;     // -1 when not a key
  std::string_view token;
  std::string_view since;
  std::string_view deprecated_since;
  std::string_view flags;  // space-separated: "optional", "multiple", "multiple_token"
  uint16_t first_child;
  uint16_t children;
};

// One entry of COMMAND DOCS "history".
struct DocHistory {
  std::string_view version;
  std::string_view description;
};

// One key specification (COMMAND INFO's 9th field).
struct DocKeySpec {
  std::string_view notes;
  std::string_view flags;        // space-separated: "RW", "access", "update" ...
  std::string_view begin_type;   // "index", "keyword" or "unknown"
  int begin_index;               // for "index"
  std::string_view keyword;      // for "keyword"
  int startfrom;                 // for "keyword"
  std::string_view find_type;    // "range", "keynum" or "unknown"
  int find[3];                   // range: lastkey, keystep, limit; keynum: keynumidx, firstkey, keystep
};

// Everything documented about one command or subcommand ("config|get").
struct CommandDoc {
  std::string_view name;
  std::string_view summary;
  std::string_view since;
  std::string_view group;
  std::string_view complexity;
  std::string_view doc_flags;  // space-separated: "deprecated", "syscmd"
  std::string_view deprecated_since;
  std::string_view replaced_by;
  uint16_t first_history;
  uint16_t history_count;
  uint16_t first_arg;
  uint16_t arg_count;
  uint16_t first_key_spec;
  uint16_t key_spec_count;
  std::string_view tips;  // space-separated

  std::span<const DocHistory> history() const;
  std::span<const DocArg> args() const;
  std::span<const DocKeySpec> key_specs() const;
};

// The documentation of `name` (lower case, "container|sub" for a subcommand), or nullptr when
// Redis 7.0 has no such command.
const CommandDoc* FindCommandDoc(std::string_view name);

// The arguments of `arg` (for "oneof" and "block" arguments).
std::span<const DocArg> ChildArgs(const DocArg& arg);

// Splits a space-separated list of words, calling f(word) for each.
template <typename F>
void ForEachWord(std::string_view words, F&& f) {
  size_t i = 0;
  while (i < words.size()) {
    size_t end = words.find(' ', i);
    if (end == std::string_view::npos) end = words.size();
    if (end > i) f(words.substr(i, end - i));
    i = end + 1;
  }
}

// How many words ForEachWord would visit.
size_t CountWords(std::string_view words);

}  // namespace strata::server

#endif  // STRATA_SERVER_COMMAND_DOCS_H_
