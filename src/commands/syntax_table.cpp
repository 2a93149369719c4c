#include "commands/syntax_table.h"

#include <set>

namespace strata::commands {

std::vector<std::string> AttachSyntax(server::CommandTable& table, std::span<const SyntaxRow> rows) {
  std::vector<std::string> problems;
  std::set<std::string_view> named;
  for (const SyntaxRow& row : rows) {
    named.insert(row.name);
    std::string error;
    if (!table.SetSyntax(row.name, row.syntax, &error)) {
      problems.push_back(std::string(row.name) + ": " + error + " (" + std::string(row.syntax) + ")");
    }
  }
  for (size_t id = 0; id < table.size(); ++id) {
    const server::Command& cmd = table.at(static_cast<int>(id));
    if (!cmd.is_container() && cmd.syntax.empty() && named.count(cmd.name) == 0) {
      problems.push_back(cmd.name + ": registered, but no handler comment gives its syntax");
    }
  }
  return problems;
}

}  // namespace strata::commands
