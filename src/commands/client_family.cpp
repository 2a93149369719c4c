// CLIENT and its subcommands: ID, SETNAME, GETNAME, INFO, LIST, KILL, NO-EVICT, NO-TOUCH, SETINFO, REPLY,
// UNBLOCK, PAUSE, UNPAUSE, HELP.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "server/client_info.h"
#include "server/server.h"

namespace strata::commands {
namespace {

using server::Client;

// Client types of CLIENT LIST TYPE and CLIENT KILL TYPE. Strata has no replicas or masters yet:
// a client with subscriptions is a pub/sub one, every other a normal one.
enum class ClientType { kNormal, kReplica, kMaster, kPubSub };

bool ParseClientType(std::string_view name, ClientType* type) {
  if (EqualsIgnoreCase(name, "normal")) {
    *type = ClientType::kNormal;
  } else if (EqualsIgnoreCase(name, "slave") || EqualsIgnoreCase(name, "replica")) {
    *type = ClientType::kReplica;
  } else if (EqualsIgnoreCase(name, "pubsub")) {
    *type = ClientType::kPubSub;
  } else if (EqualsIgnoreCase(name, "master")) {
    *type = ClientType::kMaster;
  } else {
    return false;
  }
  return true;
}

ClientType TypeOf(const Client& c) { return c.subscriptions().any() ? ClientType::kPubSub : ClientType::kNormal; }

// The CLIENT LIST line of `c`; the caller's own line shows its current command.
std::string ClientLine(const CommandContext& ctx, const Client& c, int64_t now_ms) {
  const bool self = &c == &ctx.client;
  return server::ClientInfoLine(c, self ? &ctx.command : nullptr, self ? ctx.args : std::span<const std::string_view>(),
                                now_ms);
}

// CLIENT ID
void CmdClientId(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.client.id())); }

// CLIENT SETNAME connection-name
void CmdClientSetName(CommandContext& ctx) {
  if (!ValidClientName(ctx.arg(2))) {
    ctx.reply.Error(errors::kClientNameInvalid);
    return;
  }
  ctx.client.set_name(std::string(ctx.arg(2)));
  ctx.reply.Ok();
}

// CLIENT GETNAME
void CmdClientGetName(CommandContext& ctx) {
  const std::string name = ctx.client.name();
  if (name.empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(name);
  }
}

// CLIENT INFO
void CmdClientInfo(CommandContext& ctx) {
  std::string line = ClientLine(ctx, ctx.client, ctx.server.clock().NowMs());
  line += '\n';
  ctx.reply.Verbatim(line);
}

// CLIENT LIST [TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]
void CmdClientList(CommandContext& ctx) {
  bool by_type = false;
  ClientType type = ClientType::kNormal;
  std::vector<uint64_t> ids;
  if (ctx.argc() == 4 && ArgIs(ctx, 2, "TYPE")) {
    if (!ParseClientType(ctx.arg(3), &type)) {
      ctx.reply.Error(fmt::format(errors::kFmtUnknownClientType, ctx.arg(3)));
      return;
    }
    by_type = true;
  } else if (ctx.argc() > 3 && ArgIs(ctx, 2, "ID")) {
    for (size_t i = 3; i < ctx.argc(); ++i) {
      int64_t id;
      if (!ParseInt64(ctx.arg(i), &id)) {
        ctx.reply.Error(errors::kInvalidClientId);
        return;
      }
      ids.push_back(static_cast<uint64_t>(id));
    }
  } else if (ctx.argc() != 2) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }

  const int64_t now = ctx.server.clock().NowMs();
  std::vector<std::pair<uint64_t, std::string>> lines;
  ctx.server.ForEachClient([&](const Client& c) {
    if (c.kill_requested()) return;  // killed: Redis would have freed it already
    if (by_type && TypeOf(c) != type) return;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), c.id()) == ids.end()) return;
    lines.emplace_back(c.id(), ClientLine(ctx, c, now));
  });
  std::string out;
  if (ids.empty()) {
    // Oldest connection first, as Redis lists them.
    std::sort(lines.begin(), lines.end());
    for (const auto& [id, line] : lines) {
      out += line;
      out += '\n';
    }
  } else {
    // In the order the ids were given, repeats included.
    for (uint64_t id : ids) {
      for (const auto& [client_id, line] : lines) {
        if (client_id == id) {
          out += line;
          out += '\n';
        }
      }
    }
  }
  ctx.reply.Verbatim(out);
}

// CLIENT KILL <ip:port | <ID client-id | TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB> |
//   USER username | ADDR ip:port | LADDR ip:port | SKIPME <YES | NO> [ID client-id |
//   TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB> | USER username | ADDR ip:port |
//   LADDR ip:port | SKIPME <YES | NO> ...]>>
// The first form (one address) is the old one: it replies OK and may kill the caller.
void CmdClientKill(CommandContext& ctx) {
  std::string_view addr;
  std::string_view laddr;
  std::string_view user;
  bool by_addr = false;
  bool by_laddr = false;
  bool by_user = false;
  bool by_type = false;
  ClientType type = ClientType::kNormal;
  uint64_t id = 0;
  bool skipme = true;
  const bool old_form = ctx.argc() == 3;
  if (old_form) {
    addr = ctx.arg(2);
    by_addr = true;
    skipme = false;  // the old form may kill the caller itself
  } else {
    for (size_t i = 2; i < ctx.argc(); i += 2) {
      const bool has_value = i + 1 < ctx.argc();
      if (ArgIs(ctx, i, "ID") && has_value) {
        int64_t v;
        if (!ParseInt64(ctx.arg(i + 1), &v) || v < 1) {
          ctx.reply.Error(errors::kClientIdNotPositive);
          return;
        }
        id = static_cast<uint64_t>(v);
      } else if (ArgIs(ctx, i, "TYPE") && has_value) {
        if (!ParseClientType(ctx.arg(i + 1), &type)) {
          ctx.reply.Error(fmt::format(errors::kFmtUnknownClientType, ctx.arg(i + 1)));
          return;
        }
        by_type = true;
      } else if (ArgIs(ctx, i, "ADDR") && has_value) {
        addr = ctx.arg(i + 1);
        by_addr = true;
      } else if (ArgIs(ctx, i, "LADDR") && has_value) {
        laddr = ctx.arg(i + 1);
        by_laddr = true;
      } else if (ArgIs(ctx, i, "USER") && has_value) {
        if (ctx.server.acl().Find(ctx.arg(i + 1)) == nullptr) {
          ctx.reply.Error(fmt::format(errors::kFmtNoSuchUser, ctx.arg(i + 1)));
          return;
        }
        user = ctx.arg(i + 1);
        by_user = true;
      } else if (ArgIs(ctx, i, "SKIPME") && has_value) {
        if (ArgIs(ctx, i + 1, "YES")) {
          skipme = true;
        } else if (ArgIs(ctx, i + 1, "NO")) {
          skipme = false;
        } else {
          ctx.reply.Error(errors::kSyntax);
          return;
        }
      } else {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
    }
  }

  int64_t killed = 0;
  bool kill_self = false;
  ctx.server.ForEachClient([&](const Client& c) {
    if (c.kill_requested()) return;  // already killed, waiting for its thread to close it
    if (by_addr && c.addr() != addr) return;
    if (by_laddr && c.laddr() != laddr) return;
    if (by_type && TypeOf(c) != type) return;
    if (by_user && c.username() != user) return;
    if (id != 0 && c.id() != id) return;
    if (by_user && c.username() != user) return;
    const bool self = &c == &ctx.client;
    if (self && skipme) return;
    if (self) {
      kill_self = true;  // closed once this reply is written
    } else {
      c.request_kill();
    }
    ++killed;
  });
  if (killed > (kill_self ? 1 : 0)) ctx.server.SweepKilledClients();
  if (old_form) {
    if (killed == 0) {
      ctx.reply.Error(errors::kNoSuchClient);
    } else {
      ctx.reply.Ok();
    }
  } else {
    ctx.reply.Integer(killed);
  }
  if (kill_self) ctx.client.set_close_after_reply();
}

// Reads ON or OFF at argument `i` into *on, or replies Redis's syntax error and returns false.
bool ParseOnOff(CommandContext& ctx, size_t i, bool* on) {
  *on = ArgIs(ctx, i, "ON");
  if (*on || ArgIs(ctx, i, "OFF")) return true;
  ctx.reply.Error(errors::kSyntax);
  return false;
}

// CLIENT NO-EVICT <ON | OFF>
void CmdClientNoEvict(CommandContext& ctx) {
  bool on = false;
  if (!ParseOnOff(ctx, 2, &on)) return;
  ctx.client.set_no_evict(on);
  ctx.reply.Ok();
}

// CLIENT NO-TOUCH <ON | OFF>
void CmdClientNoTouch(CommandContext& ctx) {
  bool on = false;
  if (!ParseOnOff(ctx, 2, &on)) return;
  ctx.client.set_no_touch(on);
  ctx.reply.Ok();
}

// CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>
void CmdClientSetInfo(CommandContext& ctx) {
  const bool name = ArgIs(ctx, 2, "LIB-NAME");
  if (!name && !ArgIs(ctx, 2, "LIB-VER")) {
    ctx.reply.Error(fmt::format(errors::kFmtSetInfoOption, ctx.arg(2)));
    return;
  }
  // CLIENT LIST splits on spaces: the value is printable ASCII without spaces, as a name is.
  if (!ValidClientName(ctx.arg(3))) {
    ctx.reply.Error(fmt::format(errors::kFmtSetInfoValue, ctx.arg(2)));
    return;
  }
  if (name) {
    ctx.client.set_lib_name(std::string(ctx.arg(3)));
  } else {
    ctx.client.set_lib_ver(std::string(ctx.arg(3)));
  }
  ctx.reply.Ok();
}

// CLIENT REPLY <ON | OFF | SKIP>
void CmdClientReply(CommandContext& ctx) {
  using Mode = Client::ReplyMode;
  if (ArgIs(ctx, 2, "ON")) {
    ctx.client.set_reply_mode(Mode::kOn);
    ctx.reply.Ok();
  } else if (ArgIs(ctx, 2, "OFF")) {
    ctx.client.set_reply_mode(Mode::kOff);
  } else if (ArgIs(ctx, 2, "SKIP")) {
    // SKIP while OFF changes nothing: every reply is already dropped.
    if (ctx.client.reply_mode() != Mode::kOff) ctx.client.set_reply_mode(Mode::kSkipNext);
  } else {
    ctx.reply.Error(errors::kSyntax);
  }
}

// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
void CmdClientUnblock(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    ctx.reply.Error(fmt::format(errors::kFmtSubcommandSyntax, ctx.arg(1), "CLIENT"));
    return;
  }
  int64_t id;
  if (!ParseIntArg(ctx, 2, &id)) return;
  server::UnblockReason reason = server::UnblockReason::kTimeout;
  if (ctx.argc() == 4) {
    if (ArgIs(ctx, 3, "ERROR")) {
      reason = server::UnblockReason::kError;
    } else if (!ArgIs(ctx, 3, "TIMEOUT")) {
      ctx.reply.Error(errors::kUnblockReason);
      return;
    }
  }
  ctx.reply.Integer(ctx.server.blocking().RequestUnblock(static_cast<uint64_t>(id), reason) ? 1 : 0);
}

// CLIENT PAUSE timeout [WRITE | ALL]
// Replies at once; the commands it pauses (this client's included) wait in the dispatcher.
void CmdClientPause(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    ctx.reply.Error(fmt::format(errors::kFmtSubcommandSyntax, ctx.arg(1), "CLIENT"));
    return;
  }
  // Redis reads the mode before the timeout.
  server::PauseMode mode = server::PauseMode::kAll;
  if (ctx.argc() == 4) {
    if (ArgIs(ctx, 3, "WRITE")) {
      mode = server::PauseMode::kWrite;
    } else if (!ArgIs(ctx, 3, "ALL")) {
      ctx.reply.Error(errors::kClientPauseMode);
      return;
    }
  }
  int64_t timeout;
  if (!ParseInt64(ctx.arg(2), &timeout)) {
    ctx.reply.Error(errors::kTimeoutNotInteger);
    return;
  }
  if (timeout < 0) {
    ctx.reply.Error(errors::kTimeoutNegative);
    return;
  }
  // As Redis 7.0: 0 sets no end (the pause is over at once, though it still strengthens one in
  // effect), and an end past the int64 range wraps negative, so that pause too is over at once.
  const int64_t end =
      timeout > 0 ? static_cast<int64_t>(static_cast<uint64_t>(timeout) + static_cast<uint64_t>(ctx.now_ms)) : 0;
  ctx.server.client_pause().Pause(mode, end, ctx.now_ms);
  ctx.reply.Ok();
}

// CLIENT UNPAUSE
void CmdClientUnpause(CommandContext& ctx) {
  ctx.server.UnpauseClients();
  ctx.reply.Ok();
}

// CLIENT HELP
void CmdClientHelp(CommandContext& ctx) {
  // Redis's text, less the subcommands Strata does not have (CACHING, GETREDIR, TRACKING,
  // TRACKINGINFO).
  static constexpr std::string_view kLines[] = {
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend all, or just write, clients for <timeout> milliseconds.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
  };
  ReplyHelp(ctx, "CLIENT", kLines);
}

}  // namespace

void RegisterClientFamily(server::CommandTable& table) {
  table.SetGroup("connection");
  table.Add({"client", -2, "", 0, 0, 0, "", nullptr, "A container for client connection commands", "2.4.0"});
  table.Add({"client|id", 2, "noscript loading stale", 0, 0, 0, "@connection", CmdClientId,
             "Returns the client ID for the current connection", "5.0.0"});
  table.Add({"client|setname", 3, "noscript loading stale", 0, 0, 0, "@connection", CmdClientSetName,
             "Set the current connection name", "2.6.9"});
  table.Add({"client|getname", 2, "noscript loading stale", 0, 0, 0, "@connection", CmdClientGetName,
             "Get the current connection name", "2.6.9"});
  table.Add({"client|info", 2, "noscript loading stale", 0, 0, 0, "@connection", CmdClientInfo,
             "Returns information about the current client connection.", "6.2.0"});
  table.Add({"client|list", -2, "admin noscript loading stale", 0, 0, 0, "@connection", CmdClientList,
             "Get the list of client connections", "2.4.0"});
  table.Add({"client|kill", -3, "admin noscript loading stale", 0, 0, 0, "@connection", CmdClientKill,
             "Kill the connection of a client", "2.4.0"});
  table.Add({"client|no-evict", 3, "admin noscript loading stale", 0, 0, 0, "@connection", CmdClientNoEvict,
             "Set client eviction mode for the current connection", "7.0.0"});
  table.Add({"client|no-touch", 3, "noscript loading stale", 0, 0, 0, "@connection", CmdClientNoTouch,
             "Controls whether commands sent by the client will alter the LRU/LFU of the keys they access.",
             "7.2.0"});
  table.Add({"client|setinfo", 4, "noscript loading stale", 0, 0, 0, "@connection", CmdClientSetInfo,
             "Set client or connection specific info", "7.2.0"});
  table.Add({"client|reply", 3, "noscript loading stale", 0, 0, 0, "@connection", CmdClientReply,
             "Instruct the server whether to reply to commands", "3.2.0"});
  table.Add({"client|unblock", -3, "admin noscript loading stale", 0, 0, 0, "@connection", CmdClientUnblock,
             "Unblock a client blocked in a blocking command from a different connection", "5.0.0"});
  table.Add({"client|pause", -3, "admin noscript loading stale", 0, 0, 0, "@connection", CmdClientPause,
             "Stop processing commands from clients for some time", "2.9.50"});
  table.Add({"client|unpause", 2, "admin noscript loading stale", 0, 0, 0, "@connection", CmdClientUnpause,
             "Resume processing of clients that were paused", "6.2.0"});
  table.Add({"client|help", 2, "loading stale", 0, 0, 0, "@connection", CmdClientHelp,
             "Show helpful text about the different subcommands", "5.0.0"});
}

}  // namespace strata::commands
