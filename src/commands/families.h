// Every command family's registration function. main() calls each once, at start-up.
#ifndef STRATA_COMMANDS_FAMILIES_H_
#define STRATA_COMMANDS_FAMILIES_H_

#include "server/command_table.h"

namespace strata::commands {

void RegisterConnectionFamily(server::CommandTable& table);
void RegisterStringFamily(server::CommandTable& table);
void RegisterHashFamily(server::CommandTable& table);
void RegisterBitmapFamily(server::CommandTable& table);
void RegisterListFamily(server::CommandTable& table);
void RegisterZSetFamily(server::CommandTable& table);
void RegisterKeyspaceFamily(server::CommandTable& table);
void RegisterSetFamily(server::CommandTable& table);
void RegisterServerFamily(server::CommandTable& table);
void RegisterClientFamily(server::CommandTable& table);
void RegisterCommandFamily(server::CommandTable& table);
void RegisterSortFamily(server::CommandTable& table);
void RegisterPubSubFamily(server::CommandTable& table);
void RegisterPersistenceFamily(server::CommandTable& table);
void RegisterDebugFamily(server::CommandTable& table);
void RegisterTransactionFamily(server::CommandTable& table);
void RegisterAclFamily(server::CommandTable& table);
void RegisterSlowlogFamily(server::CommandTable& table);
void RegisterLatencyFamily(server::CommandTable& table);
void RegisterScriptingFamily(server::CommandTable& table);
void RegisterFunctionFamily(server::CommandTable& table);

// Registers all of the above.
void RegisterAllFamilies(server::CommandTable& table);

}  // namespace strata::commands

#endif  // STRATA_COMMANDS_FAMILIES_H_
