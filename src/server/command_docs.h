// The key specifications of COMMAND INFO, derived from the command table: where a command's keys
// are and how it accesses them. Strata keeps no documentation text of its own beyond the table's
// summary and the handlers' syntax (server/command_syntax.h).
#ifndef STRATA_SERVER_COMMAND_DOCS_H_
#define STRATA_SERVER_COMMAND_DOCS_H_

#include <span>
#include <string_view>
#include <vector>

#include "server/command_table.h"

namespace strata::server {

// One key specification (COMMAND INFO's 9th field). Its search always begins at an index
// ("index" begin_search) unless the keys are found by code the table cannot describe
// ("unknown" begin_search and find_keys).
struct KeySpec {
  enum class Find {
    kRange,   // keys from begin_index to last_key, every key_step
    kKeynum,  // a key count at begin_index, then that many keys
    kUnknown,
  };
  Find find = Find::kUnknown;
  std::span<const std::string_view> flags;  // "RW", "access", "update" ...
  std::string_view notes;                   // Redis's note on the spec, or empty
  int begin_index = 0;
  int last_key = 0;  // kRange: relative to begin_index; negative counts from the last argument
  int key_step = 0;  // kRange
};

// The key specs of `cmd`, in argument order: a range over first_key/last_key/key_step when the
// table has them, then a keynum spec at numkeys_index when there is one, or an unknown one for a
// key_finder. Their flags are the command's: a write command, or a script that may write, reads and
// updates its keys ("RW access update"), any other reads them ("RO access").
std::vector<KeySpec> KeySpecs(const Command& cmd);

// The flags of every key spec of `cmd` (see KeySpecs).
std::span<const std::string_view> KeyFlags(const Command& cmd);

}  // namespace strata::server

#endif  // STRATA_SERVER_COMMAND_DOCS_H_
