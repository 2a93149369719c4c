#include "commands/families.h"

namespace strata::commands {

void RegisterAllFamilies(server::CommandTable& table) {
  RegisterConnectionFamily(table);
  RegisterStringFamily(table);
  RegisterHashFamily(table);
  RegisterBitmapFamily(table);
  RegisterListFamily(table);
  RegisterZSetFamily(table);
  RegisterKeyspaceFamily(table);
  RegisterSetFamily(table);
  RegisterServerFamily(table);
  RegisterClientFamily(table);
  RegisterCommandFamily(table);
  RegisterSortFamily(table);
  RegisterPubSubFamily(table);
  RegisterPersistenceFamily(table);
  RegisterDebugFamily(table);
  RegisterTransactionFamily(table);
  RegisterAclFamily(table);
  RegisterSlowlogFamily(table);
  RegisterLatencyFamily(table);
  RegisterScriptingFamily(table);
  RegisterFunctionFamily(table);
}

}  // namespace strata::commands
