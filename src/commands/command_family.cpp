// COMMAND and its subcommands: COUNT, INFO, LIST, DOCS, GETKEYS, GETKEYSANDFLAGS, HELP.
//
// Replies are built from Strata's own material, in Redis 7.0's layout: the command table (arity,
// flags, key positions, ACL categories, summary), the key specs derived from it
// (server/command_docs.h) and the arguments parsed from each handler's syntax comment
// (server/command_syntax.h).
#include <algorithm>
#include <string>
#include <vector>

#include "commands/command_util.h"
#include "commands/families.h"
#include "common/error_texts.h"
#include "common/glob.h"
#include "server/command_docs.h"
#include "server/server.h"

namespace strata::commands {
namespace {

using server::Command;
using server::KeySpec;
using server::SyntaxArg;

// Whether COMMAND INFO shows `flag`. Redis hides may_replicate.
bool ShownFlag(std::string_view flag) { return flag != "may_replicate"; }

void ReplyFlags(CommandContext& ctx, const Command& cmd) {
  const auto names = server::CommandFlagNames();
  // Redis lists movablekeys just before allow_busy.
  std::vector<std::string_view> shown;
  for (size_t bit = 0; bit < names.size(); ++bit) {
    if ((cmd.flags & (1u << bit)) == 0 || !ShownFlag(names[bit])) continue;
    if (names[bit] == "allow_busy" && cmd.movable_keys()) shown.push_back("movablekeys");
    shown.push_back(names[bit]);
  }
  if (cmd.movable_keys() && !cmd.has(server::kCmdAllowBusy)) shown.push_back("movablekeys");
  ctx.reply.SetHeader(shown.size());
  for (std::string_view f : shown) ctx.reply.Simple(f);
}

void ReplyCategories(CommandContext& ctx, const Command& cmd) {
  const auto names = server::AclCategoryNames();
  size_t count = 0;
  for (size_t bit = 0; bit < names.size(); ++bit) count += (cmd.acl >> bit) & 1;
  ctx.reply.SetHeader(count);
  for (size_t bit = 0; bit < names.size(); ++bit) {
    if ((cmd.acl >> bit) & 1) ctx.reply.Simple("@" + std::string(names[bit]));
  }
}

// A set of status words ("RW", "access" ...), as Redis writes flags.
void ReplyFlagSet(CommandContext& ctx, std::span<const std::string_view> words) {
  ctx.reply.SetHeader(words.size());
  for (std::string_view w : words) ctx.reply.Simple(w);
}

void ReplyKeySpec(CommandContext& ctx, const KeySpec& spec) {
  resp::ReplyBuilder& r = ctx.reply;
  const bool known = spec.find != KeySpec::Find::kUnknown;
  r.MapHeader(3);
  r.Bulk("flags");
  ReplyFlagSet(ctx, spec.flags);
  r.Bulk("begin_search");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk(known ? "index" : "unknown");
  r.Bulk("spec");
  if (known) {
    r.MapHeader(1);
    r.Bulk("index");
    r.Integer(spec.begin_index);
  } else {
    r.MapHeader(0);
  }
  r.Bulk("find_keys");
  r.MapHeader(2);
  r.Bulk("type");
  switch (spec.find) {
    case KeySpec::Find::kRange:
      r.Bulk("range");
      r.Bulk("spec");
      r.MapHeader(3);
      r.Bulk("lastkey");
      r.Integer(spec.last_key);
      r.Bulk("keystep");
      r.Integer(spec.key_step);
      r.Bulk("limit");
      r.Integer(0);
      break;
    case KeySpec::Find::kKeynum:
      // The count is at the begin index, the keys follow it one by one.
      r.Bulk("keynum");
      r.Bulk("spec");
      r.MapHeader(3);
      r.Bulk("keynumidx");
      r.Integer(0);
      r.Bulk("firstkey");
      r.Integer(1);
      r.Bulk("keystep");
      r.Integer(1);
      break;
    case KeySpec::Find::kUnknown:
      r.Bulk("unknown");
      r.Bulk("spec");
      r.MapHeader(0);
      break;
  }
}

void ReplyCommandInfo(CommandContext& ctx, const Command& cmd) {
  resp::ReplyBuilder& r = ctx.reply;
  r.ArrayHeader(10);
  r.Bulk(cmd.name);
  r.Integer(cmd.arity);
  ReplyFlags(ctx, cmd);
  r.Integer(cmd.first_key);
  r.Integer(cmd.last_key);
  r.Integer(cmd.key_step);
  ReplyCategories(ctx, cmd);
  r.SetHeader(0);  // tips: Strata documents none
  const std::vector<KeySpec> specs = server::KeySpecs(cmd);
  r.SetHeader(specs.size());
  for (const KeySpec& spec : specs) ReplyKeySpec(ctx, spec);
  // Redis writes an empty set for a command without subcommands, an array otherwise.
  if (cmd.subcommands.empty()) {
    r.SetHeader(0);
  } else {
    r.ArrayHeader(cmd.subcommands.size());
    for (const Command* sub : cmd.subcommands) ReplyCommandInfo(ctx, *sub);
  }
}

void ReplyDocArgs(CommandContext& ctx, const std::vector<SyntaxArg>& args) {
  resp::ReplyBuilder& r = ctx.reply;
  r.ArrayHeader(args.size());
  for (const SyntaxArg& a : args) {
    std::vector<std::string_view> flags;
    if (a.optional) flags.push_back("optional");
    if (a.multiple) flags.push_back("multiple");
    if (a.multiple_token) flags.push_back("multiple_token");
    r.MapHeader(2 + (a.key_spec_index >= 0) + !a.token.empty() + !flags.empty() + !a.children.empty());
    r.Bulk("name");
    r.Bulk(a.name);
    r.Bulk("type");
    r.Bulk(server::ArgTypeName(a.type));
    if (a.key_spec_index >= 0) {
      r.Bulk("key_spec_index");
      r.Integer(a.key_spec_index);
    }
    if (!a.token.empty()) {
      r.Bulk("token");
      r.Bulk(a.token);
    }
    if (!flags.empty()) {
      r.Bulk("flags");
      ReplyFlagSet(ctx, flags);
    }
    if (!a.children.empty()) {
      r.Bulk("arguments");
      ReplyDocArgs(ctx, a.children);
    }
  }
}

// Redis's COMMAND DOCS fields for `cmd`, less those Strata has no material for (complexity,
// history, per-argument "since").
void ReplyCommandDocs(CommandContext& ctx, const Command& cmd) {
  resp::ReplyBuilder& r = ctx.reply;
  r.MapHeader(3 + !cmd.args.empty() + !cmd.subcommands.empty());
  r.Bulk("summary");
  r.Bulk(cmd.summary);
  r.Bulk("since");
  r.Bulk(cmd.since);
  r.Bulk("group");
  r.Bulk(cmd.group);
  if (!cmd.args.empty()) {
    r.Bulk("arguments");
    ReplyDocArgs(ctx, cmd.args);
  }
  if (!cmd.subcommands.empty()) {
    r.Bulk("subcommands");
    r.MapHeader(cmd.subcommands.size());
    for (const Command* sub : cmd.subcommands) {
      r.Bulk(sub->name);
      ReplyCommandDocs(ctx, *sub);
    }
  }
}

// COMMAND
void CmdCommand(CommandContext& ctx) {
  const auto& all = ctx.server.commands().top_level();
  ctx.reply.ArrayHeader(all.size());
  for (const Command* cmd : all) ReplyCommandInfo(ctx, *cmd);
}

// COMMAND COUNT
void CmdCommandCount(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.commands().top_level().size()));
}

// COMMAND INFO [command-name [command-name ...]]
void CmdCommandInfo(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    CmdCommand(ctx);
    return;
  }
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const Command* cmd = ctx.server.commands().FindByFullName(ctx.arg(i));
    if (cmd == nullptr) {
      ctx.reply.Null();
    } else {
      ReplyCommandInfo(ctx, *cmd);
    }
  }
}

// COMMAND DOCS [command-name [command-name ...]]
void CmdCommandDocs(CommandContext& ctx) {
  std::vector<const Command*> found;
  if (ctx.argc() == 2) {
    found = ctx.server.commands().top_level();
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      const Command* cmd = ctx.server.commands().FindByFullName(ctx.arg(i));
      if (cmd != nullptr) found.push_back(cmd);
    }
  }
  ctx.reply.MapHeader(found.size());
  for (const Command* cmd : found) {
    ctx.reply.Bulk(cmd->name);
    ReplyCommandDocs(ctx, *cmd);
  }
}

// Appends `cmd` and its subcommands to `names` if they pass `keep`.
template <typename F>
void ListCommand(const Command& cmd, F&& keep, std::vector<std::string_view>* names) {
  if (keep(cmd)) names->push_back(cmd.name);
  for (const Command* sub : cmd.subcommands) ListCommand(*sub, keep, names);
}

// COMMAND LIST [FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]
void CmdCommandList(CommandContext& ctx) {
  enum class Filter { kNone, kModule, kAclCat, kPattern } filter = Filter::kNone;
  std::string_view arg;
  for (size_t i = 2; i < ctx.argc(); i += 3) {
    if (!ArgIs(ctx, i, "FILTERBY") || ctx.argc() - 1 - i != 2) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    if (ArgIs(ctx, i + 1, "MODULE")) {
      filter = Filter::kModule;
    } else if (ArgIs(ctx, i + 1, "ACLCAT")) {
      filter = Filter::kAclCat;
    } else if (ArgIs(ctx, i + 1, "PATTERN")) {
      filter = Filter::kPattern;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    arg = ctx.arg(i + 2);
  }
  uint64_t category = 0;
  if (filter == Filter::kAclCat) {
    const auto names = server::AclCategoryNames();
    for (size_t bit = 0; bit < names.size(); ++bit) {
      if (EqualsIgnoreCase(names[bit], arg)) category = uint64_t{1} << bit;
    }
  }
  const auto keep = [&](const Command& cmd) {
    switch (filter) {
      case Filter::kNone: return true;
      case Filter::kModule: return false;  // no modules
      case Filter::kAclCat: return (cmd.acl & category) != 0;
      case Filter::kPattern: return GlobMatch(arg, cmd.name, /*nocase=*/true);
    }
    return false;
  };
  std::vector<std::string_view> names;
  for (const Command* cmd : ctx.server.commands().top_level()) ListCommand(*cmd, keep, &names);
  ctx.reply.ArrayHeader(names.size());
  for (std::string_view name : names) ctx.reply.Bulk(name);
}

// The command whose keys GETKEYS asks about (args from index 2), replying the error and returning
// nullptr when there is none or it takes no keys or the wrong number of arguments.
const Command* CommandForGetKeys(CommandContext& ctx) {
  const std::span<const std::string_view> full = ctx.args.subspan(2);
  const Command* cmd = ctx.server.commands().Find(full[0]);
  if (cmd != nullptr && !cmd->subcommands.empty() && full.size() >= 2) {
    cmd = server::CommandTable::FindSubcommand(*cmd, full[1]);
  }
  if (cmd == nullptr) {
    ctx.reply.Error(errors::kInvalidCommandSpecified);
    return nullptr;
  }
  if (cmd->first_key <= 0 && !cmd->movable_keys()) {
    ctx.reply.Error(errors::kCommandHasNoKeys);
    return nullptr;
  }
  if (!cmd->ArityOk(full.size())) {
    ctx.reply.Error(errors::kInvalidCommandArgCount);
    return nullptr;
  }
  return cmd;
}

// For the commands whose key flags depend on the arguments, the flags these arguments give, as
// Redis's SET and BITFIELD report them; empty for other commands.
std::span<const std::string_view> VariableKeyFlags(const Command& cmd, std::span<const std::string_view> args) {
  static constexpr std::string_view kReadWrite[] = {"RW", "access", "update"};
  static constexpr std::string_view kOverwrite[] = {"OW", "update"};
  static constexpr std::string_view kReadOnly[] = {"RO", "access"};
  if (cmd.name == "set") {
    // SET ... GET reads the old value.
    for (size_t i = 3; i < args.size(); ++i) {
      if (EqualsIgnoreCase(args[i], "GET")) return kReadWrite;
    }
    return kOverwrite;
  }
  if (cmd.name == "bitfield") {
    // Read-only while every operation is a complete GET (or OVERFLOW); anything else may write.
    for (size_t i = 2; i < args.size(); ++i) {
      const size_t more = args.size() - i - 1;
      if (EqualsIgnoreCase(args[i], "GET") && more >= 2) {
        i += 2;
      } else if (EqualsIgnoreCase(args[i], "OVERFLOW") && more >= 1) {
        i += 1;
      } else {
        return kReadWrite;
      }
    }
    return kReadOnly;
  }
  return {};
}

// COMMAND GETKEYS and GETKEYSANDFLAGS: the keys of the command in the arguments, and, `with_flags`,
// how it accesses them.
void GetKeys(CommandContext& ctx, bool with_flags) {
  const Command* cmd = CommandForGetKeys(ctx);
  if (cmd == nullptr) return;
  const std::span<const std::string_view> full = ctx.args.subspan(2);
  std::vector<int> keys;
  cmd->FindKeys(full, &keys);
  if (keys.empty() && !cmd->has(server::kCmdNoMandatoryKeys)) {
    ctx.reply.Error(errors::kInvalidCommandArgs);
    return;
  }
  ctx.reply.ArrayHeader(keys.size());
  if (!with_flags) {
    for (int i : keys) ctx.reply.Bulk(full[static_cast<size_t>(i)]);
    return;
  }
  // Every key spec of a command has the command's flags (server::KeySpecs).
  std::span<const std::string_view> flags = VariableKeyFlags(*cmd, full);
  if (flags.empty()) flags = server::KeyFlags(*cmd);
  for (int i : keys) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(full[static_cast<size_t>(i)]);
    ReplyFlagSet(ctx, flags);
  }
}

// COMMAND GETKEYS command [arg [arg ...]]
void CmdCommandGetKeys(CommandContext& ctx) { GetKeys(ctx, /*with_flags=*/false); }

// COMMAND GETKEYSANDFLAGS command [arg [arg ...]]
void CmdCommandGetKeysAndFlags(CommandContext& ctx) { GetKeys(ctx, /*with_flags=*/true); }

// COMMAND HELP
void CmdCommandHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
  };
  ReplyHelp(ctx, "COMMAND", kLines);
}

}  // namespace

void RegisterCommandFamily(server::CommandTable& table) {
  table.SetGroup("server");
  table.Add({"command", -1, "loading stale", 0, 0, 0, "@connection", CmdCommand, "Get array of Redis command details",
             "2.8.13"});
  table.Add({"command|count", 2, "loading stale", 0, 0, 0, "@connection", CmdCommandCount,
             "Get total number of Redis commands", "2.8.13"});
  table.Add({"command|info", -2, "loading stale", 0, 0, 0, "@connection", CmdCommandInfo,
             "Get array of specific Redis command details, or all when no argument is given.", "2.8.13"});
  table.Add({"command|list", -2, "loading stale", 0, 0, 0, "@connection", CmdCommandList,
             "Get an array of Redis command names", "7.0.0"});
  table.Add({"command|docs", -2, "loading stale", 0, 0, 0, "@connection", CmdCommandDocs,
             "Get array of specific Redis command documentation", "7.0.0"});
  table.Add({"command|getkeys", -4, "loading stale", 0, 0, 0, "@connection", CmdCommandGetKeys,
             "Extract keys given a full Redis command", "2.8.13"});
  table.Add({"command|getkeysandflags", -4, "loading stale", 0, 0, 0, "@connection", CmdCommandGetKeysAndFlags,
             "Extract keys and access flags given a full Redis command", "7.0.0"});
  table.Add({"command|help", 2, "loading stale", 0, 0, 0, "@connection", CmdCommandHelp,
             "Show helpful text about the different subcommands", "5.0.0"});
}

}  // namespace strata::commands
