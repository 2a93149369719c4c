// Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET.
#include <fmt/format.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "server/io_thread.h"
#include "server/server.h"

namespace strata::commands {
namespace {

constexpr char kHelloNoAuth[] =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> "
    "<pass> option can be used to authenticate the client and select the RESP protocol version at the same time";
constexpr char kHelloBadProtocol[] = "ERR Protocol version is not an integer or out of range";
constexpr char kFmtHelloSyntax[] = "ERR Syntax error in HELLO option '{}'";

// Authenticates the client as `user` with `password`, or replies WRONGPASS, records the failure
// (ACL LOG, INFO, the log) and returns false.
bool Authenticate(CommandContext& ctx, std::string_view user, std::string_view password) {
  server::Server& server = ctx.server;
  if (server.acl().Authenticate(user, password) == nullptr || !server.SetClientUser(ctx.client, user)) {
    server.RecordAclDenial(ctx.client, ctx.command, ctx.args, server::AclLogReason::kAuth, "AUTH", user);
    ctx.reply.Error(errors::kWrongPass);
    return false;
  }
  ctx.client.set_authenticated(true);
  return true;
}

// PING [message]
void CmdPing(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    ctx.reply.Error(fmt::format(errors::kFmtWrongArgs, "ping"));
  } else if (ctx.client.protocol() == 2 && ctx.client.subscriptions().any()) {
    // A RESP2 subscriber tells a PING's reply from a message by its shape, as Redis sends it.
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(ctx.argc() == 2 ? ctx.arg(1) : std::string_view());
  } else if (ctx.argc() == 2) {
    ctx.reply.Bulk(ctx.arg(1));
  } else {
    ctx.reply.Simple("PONG");
  }
}

// ECHO message
void CmdEcho(CommandContext& ctx) { ctx.reply.Bulk(ctx.arg(1)); }

// QUIT
void CmdQuit(CommandContext& ctx) {
  ctx.reply.Ok();
  ctx.client.set_close_after_reply();
}

// SELECT index
void CmdSelect(CommandContext& ctx) {
  int index;
  if (const char* error = ParseDbIndex(ctx.arg(1), ctx.server.keyspace().databases(), &index)) {
    ctx.reply.Error(error);
    return;
  }
  ctx.client.set_db(index);
  ctx.reply.Ok();
}

// AUTH [username] password
void CmdAuth(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (ctx.argc() == 2 && ctx.server.acl().Find("default")->nopass()) {
    ctx.reply.Error(errors::kAuthNotConfigured);
    return;
  }
  const std::string_view user = ctx.argc() == 3 ? ctx.arg(1) : std::string_view("default");
  if (Authenticate(ctx, user, ctx.arg(ctx.argc() - 1))) ctx.reply.Ok();
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void CmdHello(CommandContext& ctx) {
  int64_t protocol = ctx.client.protocol();
  size_t i = 1;
  if (ctx.argc() >= 2) {
    if (!ParseInt64(ctx.arg(1), &protocol)) {
      ctx.reply.Error(kHelloBadProtocol);
      return;
    }
    if (protocol < 2 || protocol > 3) {
      ctx.reply.Error(errors::kNoProto);
      return;
    }
    i = 2;
  }
  std::string_view user;
  std::string_view password;
  std::string_view name;
  bool set_name = false;
  for (; i < ctx.argc(); ++i) {
    const size_t more = ctx.argc() - i - 1;
    if (ArgIs(ctx, i, "AUTH") && more >= 2) {
      user = ctx.arg(i + 1);
      password = ctx.arg(i + 2);
      i += 2;
    } else if (ArgIs(ctx, i, "SETNAME") && more >= 1) {
      name = ctx.arg(i + 1);
      set_name = true;
      i += 1;
    } else {
      ctx.reply.Error(fmt::format(kFmtHelloSyntax, ctx.arg(i)));
      return;
    }
  }
  if (!user.empty() || !password.empty()) {
    if (!Authenticate(ctx, user, password)) return;
  }
  if (!ctx.client.authenticated() && ctx.server.RequiresAuth()) {
    ctx.reply.Error(kHelloNoAuth);
    return;
  }
  if (set_name) {
    if (!ValidClientName(name)) {
      ctx.reply.Error(errors::kClientNameInvalid);
      return;
    }
    ctx.client.set_name(std::string(name));
  }
  ctx.client.set_protocol(static_cast<int>(protocol));
  ctx.reply.set_protocol(static_cast<int>(protocol));
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk("7.0.15");
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(protocol);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id()));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk("standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk("master");
  ctx.reply.Bulk("modules");
  ctx.reply.ArrayHeader(0);
}

// RESET
void CmdReset(CommandContext& ctx) {
  ctx.client.transaction().Discard();
  ctx.server.pubsub().UnsubscribeEverything(ctx.client);
  if (ctx.client.monitor()) {
    ctx.server.monitors().Detach(server::IoThread::Current(), ctx.client.id());
    ctx.client.set_monitor(false);
  }
  ctx.client.set_db(0);
  ctx.client.set_protocol(2);
  ctx.reply.set_protocol(2);
  ctx.client.set_name(std::string());
  ctx.client.set_no_touch(false);
  ctx.client.set_authenticated(!ctx.server.RequiresAuth());
  ctx.server.SetClientUser(ctx.client, "default");
  ctx.reply.Simple("RESET");
}

}  // namespace

void RegisterConnectionFamily(server::CommandTable& table) {
  table.SetGroup("connection");
  table.Add({"ping", -1, "fast", 0, 0, 0, "@connection", CmdPing, "Ping the server", "1.0.0"});
  table.Add({"echo", 2, "loading stale fast", 0, 0, 0, "@connection", CmdEcho, "Echo the given string", "1.0.0"});
  table.Add({"quit", -1, "noscript loading stale fast no_auth allow_busy", 0, 0, 0, "@connection", CmdQuit,
             "Close the connection", "1.0.0"});
  table.Add({"select", 2, "loading stale fast", 0, 0, 0, "@connection", CmdSelect,
             "Change the selected database for the current connection", "1.0.0"});
  table.Add({"auth", -2, "noscript loading stale fast no_auth allow_busy", 0, 0, 0, "@connection",
             CmdAuth, "Authenticate to the server", "1.0.0"});
  table.Add({"hello", -1, "noscript loading stale fast no_auth allow_busy", 0, 0, 0, "@connection",
             CmdHello, "Handshake with Redis", "6.0.0"});
  table.Add({"reset", 1, "noscript loading stale fast no_auth allow_busy", 0, 0, 0, "@connection", CmdReset,
             "Reset the connection", "6.2.0"});
}

}  // namespace strata::commands
