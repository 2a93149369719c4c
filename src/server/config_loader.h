// Reads start-up configuration the way redis-server does: an optional redis.conf-style file
// (directive and arguments per line, quotes, comments, `include`), then `--name value ...`
// overrides from the command line.
#ifndef STRATA_SERVER_CONFIG_LOADER_H_
#define STRATA_SERVER_CONFIG_LOADER_H_

#include <span>
#include <string>

#include "server/command_table.h"
#include "server/config.h"

namespace strata::server {

// Applies the file at `path` (if not empty) and then `overrides` (the command-line words after
// the file, e.g. {"--port", "7000", "--bind", "0.0.0.0"}). On the first bad line returns false
// and sets *error to a message naming the file and line (or the option), the line itself and the
// reason, as redis-server prints it. `rename-command` lines rename commands in `commands`
// (CommandTable::Rename); with `commands` null they are refused as unknown directives.
bool LoadConfig(Config* config, const std::string& path, std::span<const std::string> overrides, std::string* error,
                CommandTable* commands = nullptr);

}  // namespace strata::server

#endif  // STRATA_SERVER_CONFIG_LOADER_H_
