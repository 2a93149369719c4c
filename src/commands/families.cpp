#include "commands/families.h"

namespace strata::commands {

void RegisterAllFamilies(server::CommandTable& table) {
  RegisterConnectionFamily(table);
  RegisterStringFamily(table);
  RegisterServerFamily(table);
  RegisterClientFamily(table);
  RegisterCommandFamily(table);
}

}  // namespace strata::commands
