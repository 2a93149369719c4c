#include "commands/families.h"

namespace strata::commands {

void RegisterAllFamilies(server::CommandTable& table) {
  RegisterConnectionFamily(table);
  RegisterStringFamily(table);
  RegisterSetFamily(table);
}

}  // namespace strata::commands
