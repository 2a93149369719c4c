// The wire syntax of every command, taken from the one comment line above each handler
// ("// SET key value [NX | XX] ...") at build time by scripts/gen_syntax_rows.py, and attached to
// the command table, so the syntax COMMAND DOCS shows is the one the code documents.
#ifndef STRATA_COMMANDS_SYNTAX_TABLE_H_
#define STRATA_COMMANDS_SYNTAX_TABLE_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/command_table.h"

namespace strata::commands {

// One handler comment: the command it names, lower case ("set", "config|get"), and its syntax.
struct SyntaxRow {
  std::string_view name;
  std::string_view syntax;
};

// Every handler comment of src/commands/*_family.cpp, in file order. Generated at build time.
std::span<const SyntaxRow> SyntaxRows();

// Attaches each row's syntax to its command in `table` (CommandTable::SetSyntax). Returns one
// line per disagreement between the rows and the table, empty when none: a row that names no
// registered command or does not parse, and a registered command (other than a container, which
// has no handler) that no row gives a syntax.
std::vector<std::string> AttachSyntax(server::CommandTable& table, std::span<const SyntaxRow> rows);

}  // namespace strata::commands

#endif  // STRATA_COMMANDS_SYNTAX_TABLE_H_
