// CLIENT LIST's line for one client, shared by CLIENT LIST/INFO and ACL LOG's client-info.
#ifndef STRATA_SERVER_CLIENT_INFO_H_
#define STRATA_SERVER_CLIENT_INFO_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "server/client.h"

namespace strata::server {

struct Command;

// The CLIENT LIST line of `c` (without the newline) at `now_ms`. `current` and `current_args` are
// the command the calling thread is running for `c` (only the owning thread knows them, and the
// flags only it may read); nullptr and empty for another thread's client.
std::string ClientInfoLine(const Client& c, const Command* current, std::span<const std::string_view> current_args,
                           int64_t now_ms);

}  // namespace strata::server

#endif  // STRATA_SERVER_CLIENT_INFO_H_
