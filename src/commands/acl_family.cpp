// ACL and its subcommands: SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT, GENPASS, LOG,
// DRYRUN, SAVE, LOAD, HELP. The users live in server::AclRegistry; the dispatcher checks them.
#include <openssl/rand.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "server/server.h"

namespace strata::commands {
namespace {

using server::AclUserPtr;

// ACL DRYRUN's answers (replies, not errors).
constexpr char kFmtDryRunCommand[] = "This user has no permissions to run the '{}' command";
constexpr char kFmtDryRunKey[] = "This user has no permissions to access the '{}' key";
constexpr char kFmtDryRunChannel[] = "This user has no permissions to access the '{}' channel";

constexpr int64_t kGenPassDefaultBits = 256;
constexpr int64_t kGenPassMaxBits = 4096;
constexpr int64_t kLogDefaultCount = 10;

// ACL SETUSER username [rule [rule ...]]
void CmdAclSetUser(CommandContext& ctx) {
  std::string error;
  if (!ctx.server.acl().SetUser(ctx.arg(2), ctx.args.subspan(3), &error)) {
    ctx.reply.Error(error);
    return;
  }
  ctx.reply.Ok();
}

// Writes a selector's commands, keys and channels as GETUSER's map entries.
void ReplySelectorFields(CommandContext& ctx, const server::AclSelector& selector) {
  ctx.reply.Bulk("commands");
  ctx.reply.Bulk(selector.DescribeCommands());
  ctx.reply.Bulk("keys");
  ctx.reply.Bulk(selector.DescribeKeys());
  ctx.reply.Bulk("channels");
  ctx.reply.Bulk(selector.DescribeChannels());
}

// ACL GETUSER username
void CmdAclGetUser(CommandContext& ctx) {
  const AclUserPtr user = ctx.server.acl().Find(ctx.arg(2));
  if (user == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.MapHeader(6);
  ctx.reply.Bulk("flags");
  const std::vector<std::string_view> flags = user->Flags();
  ctx.reply.ArrayHeader(flags.size());
  for (std::string_view flag : flags) ctx.reply.Bulk(flag);
  ctx.reply.Bulk("passwords");
  ctx.reply.ArrayHeader(user->password_hashes().size());
  for (const std::string& hash : user->password_hashes()) ctx.reply.Bulk(hash);
  ReplySelectorFields(ctx, user->root());
  ctx.reply.Bulk("selectors");
  ctx.reply.ArrayHeader(user->selectors().size());
  for (const server::AclSelector& selector : user->selectors()) {
    ctx.reply.MapHeader(3);
    ReplySelectorFields(ctx, selector);
  }
}

// ACL DELUSER username [username ...]
void CmdAclDelUser(CommandContext& ctx) {
  const std::span<const std::string_view> names = ctx.args.subspan(2);
  for (std::string_view name : names) {
    if (name == "default") {
      ctx.reply.Error(errors::kAclDeleteDefault);
      return;
    }
  }
  const int deleted = ctx.server.acl().DeleteUsers(names);
  // As Redis: the clients authenticated as a deleted user are disconnected.
  if (deleted > 0) ctx.server.DisconnectClientsOfRemovedUsers(&ctx.client);
  ctx.reply.Integer(deleted);
}

// ACL LIST
void CmdAclList(CommandContext& ctx) {
  const std::vector<AclUserPtr> users = ctx.server.acl().Users();
  ctx.reply.ArrayHeader(users.size());
  for (const AclUserPtr& user : users) ctx.reply.Bulk(user->Describe());
}

// ACL USERS
void CmdAclUsers(CommandContext& ctx) {
  const std::vector<AclUserPtr> users = ctx.server.acl().Users();
  ctx.reply.ArrayHeader(users.size());
  for (const AclUserPtr& user : users) ctx.reply.Bulk(user->name());
}

// ACL WHOAMI
void CmdAclWhoami(CommandContext& ctx) { ctx.reply.Bulk(ctx.client.username()); }

// ACL CAT [category]
void CmdAclCat(CommandContext& ctx) {
  const std::span<const std::string_view> categories = server::AclCategoryNames();
  if (ctx.argc() == 2) {
    ctx.reply.ArrayHeader(categories.size());
    for (std::string_view name : categories) ctx.reply.Bulk(name);
    return;
  }
  size_t category = 0;
  while (category < categories.size() && !EqualsIgnoreCase(categories[category], ctx.arg(2))) ++category;
  if (category == categories.size()) {
    ctx.reply.Error(fmt::format(errors::kFmtAclUnknownCategory, ctx.arg(2)));
    return;
  }
  const uint64_t mask = uint64_t{1} << category;
  std::vector<std::string_view> names;
  const server::CommandTable& table = ctx.server.commands();
  for (size_t id = 0; id < table.size(); ++id) {
    const server::Command& cmd = table.at(static_cast<int>(id));
    if (cmd.acl & mask) names.push_back(cmd.name);
  }
  ctx.reply.ArrayHeader(names.size());
  for (std::string_view name : names) ctx.reply.Bulk(name);
}

// ACL GENPASS [bits]
void CmdAclGenPass(CommandContext& ctx) {
  int64_t bits = kGenPassDefaultBits;
  if (ctx.argc() == 3) {
    if (!ParseInt64(ctx.arg(2), &bits)) {
      ctx.reply.Error(errors::kNotInteger);
      return;
    }
    if (bits <= 0 || bits > kGenPassMaxBits) {
      ctx.reply.Error(errors::kAclGenpassBits);
      return;
    }
  }
  const auto chars = static_cast<size_t>((bits + 3) / 4);  // one hex digit per 4 bits, rounded up
  std::vector<unsigned char> bytes((chars + 1) / 2);
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    ctx.reply.Error(errors::kAclNoRandomBytes);
    return;
  }
  std::string hex;
  for (unsigned char b : bytes) fmt::format_to(std::back_inserter(hex), "{:02x}", b);
  hex.resize(chars);
  ctx.reply.Bulk(hex);
}

// ACL LOG [count | RESET]
void CmdAclLog(CommandContext& ctx) {
  int64_t count = kLogDefaultCount;
  if (ctx.argc() == 3) {
    if (ArgIs(ctx, 2, "RESET")) {
      ctx.server.acl_log().Reset();
      ctx.reply.Ok();
      return;
    }
    if (!ParseInt64(ctx.arg(2), &count)) {
      ctx.reply.Error(errors::kNotInteger);
      return;
    }
  }
  const std::vector<server::AclLogEntry> entries =
      ctx.server.acl_log().Newest(count > 0 ? static_cast<size_t>(count) : 0);
  ctx.reply.ArrayHeader(entries.size());
  for (const server::AclLogEntry& e : entries) {
    ctx.reply.MapHeader(7);
    ctx.reply.Bulk("count");
    ctx.reply.Integer(e.count);
    ctx.reply.Bulk("reason");
    ctx.reply.Bulk(server::AclLogReasonName(e.reason));
    ctx.reply.Bulk("context");
    ctx.reply.Bulk(e.context);
    ctx.reply.Bulk("object");
    ctx.reply.Bulk(e.object);
    ctx.reply.Bulk("username");
    ctx.reply.Bulk(e.username);
    ctx.reply.Bulk("age-seconds");
    ctx.reply.Double(static_cast<double>(ctx.now_ms - e.updated_ms) / 1000.0);
    ctx.reply.Bulk("client-info");
    ctx.reply.Bulk(e.client_info);
  }
}

// ACL DRYRUN username command [arg [arg ...]]
void CmdAclDryRun(CommandContext& ctx) {
  const AclUserPtr user = ctx.server.acl().Find(ctx.arg(2));
  if (user == nullptr) {
    ctx.reply.Error(fmt::format(errors::kFmtAclUserNotFound, ctx.arg(2)));
    return;
  }
  const std::span<const std::string_view> call = ctx.args.subspan(3);
  const server::Command* cmd = ctx.server.commands().Find(call[0]);
  if (cmd != nullptr && !cmd->subcommands.empty() && call.size() >= 2) {
    cmd = server::CommandTable::FindSubcommand(*cmd, call[1]);
  }
  if (cmd == nullptr) {
    ctx.reply.Error(fmt::format(errors::kFmtAclCommandNotFound, call[0]));
    return;
  }
  if (cmd->is_container() || !cmd->ArityOk(call.size())) {
    ctx.reply.Error(fmt::format(errors::kFmtWrongArgs, cmd->name));
    return;
  }
  std::vector<int> keys;
  const server::AclVerdict verdict = user->Check(*cmd, call, &keys);
  switch (verdict.denial) {
    case server::AclDenial::kNone:
      ctx.reply.Ok();
      return;
    case server::AclDenial::kCommand:
      ctx.reply.Bulk(fmt::format(kFmtDryRunCommand, cmd->name));
      return;
    case server::AclDenial::kKey:
      ctx.reply.Bulk(fmt::format(kFmtDryRunKey, call[static_cast<size_t>(verdict.arg_index)]));
      return;
    case server::AclDenial::kChannel:
      ctx.reply.Bulk(fmt::format(kFmtDryRunChannel, call[static_cast<size_t>(verdict.arg_index)]));
      return;
  }
}

// ACL SAVE
void CmdAclSave(CommandContext& ctx) {
  const std::string path = ctx.server.config().Text(server::ConfigId::kAclFile);
  if (path.empty()) {
    ctx.reply.Error(errors::kAclNoFile);
    return;
  }
  std::string error;
  if (!ctx.server.acl().SaveFile(path, &error)) {
    spdlog::warn("Saving the ACL file: {}", error);
    ctx.reply.Error(errors::kAclSaveFailed);
    return;
  }
  ctx.reply.Ok();
}

// ACL LOAD
void CmdAclLoad(CommandContext& ctx) {
  const std::string path = ctx.server.config().Text(server::ConfigId::kAclFile);
  if (path.empty()) {
    ctx.reply.Error(errors::kAclNoFile);
    return;
  }
  std::string error;
  if (!ctx.server.acl().LoadFile(path, &error)) {
    ctx.reply.Error("ERR " + error);
    return;
  }
  ctx.server.DisconnectClientsOfRemovedUsers(&ctx.client);
  ctx.reply.Ok();
}

// ACL HELP
void CmdAclHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
  };
  ReplyHelp(ctx, "ACL", kLines);
}

}  // namespace

void RegisterAclFamily(server::CommandTable& table) {
  table.SetGroup("server");
  table.Add({"acl", -2, "", 0, 0, 0, "", nullptr, "A container for Access List Control commands", "6.0.0"});
  constexpr std::string_view kAdmin = "admin noscript loading stale";
  table.Add({"acl|setuser", -3, kAdmin, 0, 0, 0, "", CmdAclSetUser, "Modify or create the rules for a specific ACL user",
             "6.0.0"});
  table.Add({"acl|getuser", 3, kAdmin, 0, 0, 0, "", CmdAclGetUser, "Get the rules for a specific ACL user", "6.0.0"});
  table.Add({"acl|deluser", -3, kAdmin, 0, 0, 0, "", CmdAclDelUser,
             "Remove the specified ACL users and the associated rules", "6.0.0"});
  table.Add({"acl|list", 2, kAdmin, 0, 0, 0, "", CmdAclList,
             "List the current ACL rules in ACL config file format", "6.0.0"});
  table.Add({"acl|users", 2, kAdmin, 0, 0, 0, "", CmdAclUsers, "List the username of all the configured ACL rules",
             "6.0.0"});
  table.Add({"acl|whoami", 2, "noscript loading stale", 0, 0, 0, "", CmdAclWhoami,
             "Return the name of the user associated to the current connection", "6.0.0"});
  table.Add({"acl|cat", -2, "noscript loading stale", 0, 0, 0, "", CmdAclCat,
             "List the ACL categories or the commands inside a category", "6.0.0"});
  table.Add({"acl|genpass", -2, "noscript loading stale", 0, 0, 0, "", CmdAclGenPass,
             "Generate a pseudorandom secure password to use for ACL users", "6.0.0"});
  table.Add({"acl|log", -2, kAdmin, 0, 0, 0, "", CmdAclLog, "List latest events denied because of ACLs in place",
             "6.0.0"});
  table.Add({"acl|dryrun", -4, kAdmin, 0, 0, 0, "", CmdAclDryRun,
             "Returns whether the user can execute the given command without executing the command.", "7.0.0"});
  table.Add({"acl|save", 2, kAdmin, 0, 0, 0, "", CmdAclSave, "Save the current ACL rules in the configured ACL file",
             "6.0.0"});
  table.Add({"acl|load", 2, kAdmin, 0, 0, 0, "", CmdAclLoad, "Reload the ACLs from the configured ACL file",
             "6.0.0"});
  table.Add({"acl|help", 2, "loading stale", 0, 0, 0, "", CmdAclHelp, "Show helpful text about the different subcommands",
             "6.0.0"});
}

}  // namespace strata::commands
