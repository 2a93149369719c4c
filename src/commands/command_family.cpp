// COMMAND and its subcommands: COUNT, INFO, LIST, DOCS, GETKEYS, GETKEYSANDFLAGS, HELP.
//
// Replies are built from the command table (what Strata runs: arity, flags, key positions, ACL
// categories) and from Redis's documentation of the command (server/command_docs.h: summary,
// arguments, tips, key specifications), in Redis 7.0's layout.
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
using server::CommandDoc;
using server::DocArg;
using server::DocKeySpec;

// The command named `name`: "get", or "config|get" for a subcommand (any case); nullptr if none.
const Command* FindByFullName(const server::CommandTable& table, std::string_view name) {
  const size_t bar = name.find('|');
  const Command* cmd = table.Find(name.substr(0, bar));
  if (cmd == nullptr || bar == std::string_view::npos) return cmd;
  return server::CommandTable::FindSubcommand(*cmd, name.substr(bar + 1));
}

// Whether COMMAND INFO shows `flag`. Redis hides may_replicate.
bool ShownFlag(std::string_view flag) { return flag != "may_replicate"; }

void ReplyFlags(CommandContext& ctx, const Command& cmd) {
  const auto names = server::CommandFlagNames();
  // Redis lists movablekeys just before allow_busy.
  std::vector<std::string_view> shown;
  for (size_t bit = 0; bit < names.size(); ++bit) {
    if ((cmd.flags & (1u << bit)) == 0 || !ShownFlag(names[bit])) continue;
    if (names[bit] == "allow_busy" && cmd.key_finder != nullptr) shown.push_back("movablekeys");
    shown.push_back(names[bit]);
  }
  if (cmd.key_finder != nullptr && !cmd.has(server::kCmdAllowBusy)) shown.push_back("movablekeys");
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

void ReplyWordSet(CommandContext& ctx, std::string_view words, bool as_status) {
  ctx.reply.SetHeader(server::CountWords(words));
  server::ForEachWord(words, [&](std::string_view w) {
    if (as_status) {
      ctx.reply.Simple(w);
    } else {
      ctx.reply.Bulk(w);
    }
  });
}

void ReplyKeySpec(CommandContext& ctx, const DocKeySpec& spec) {
  resp::ReplyBuilder& r = ctx.reply;
  r.MapHeader(spec.notes.empty() ? 3 : 4);
  if (!spec.notes.empty()) {
    r.Bulk("notes");
    r.Bulk(spec.notes);
  }
  r.Bulk("flags");
  ReplyWordSet(ctx, spec.flags, /*as_status=*/true);
  r.Bulk("begin_search");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk(spec.begin_type);
  r.Bulk("spec");
  if (spec.begin_type == "index") {
    r.MapHeader(1);
    r.Bulk("index");
    r.Integer(spec.begin_index);
  } else if (spec.begin_type == "keyword") {
    r.MapHeader(2);
    r.Bulk("keyword");
    r.Bulk(spec.keyword);
    r.Bulk("startfrom");
    r.Integer(spec.startfrom);
  } else {
    r.MapHeader(0);
  }
  r.Bulk("find_keys");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk(spec.find_type);
  r.Bulk("spec");
  static constexpr std::string_view kRange[] = {"lastkey", "keystep", "limit"};
  static constexpr std::string_view kKeynum[] = {"keynumidx", "firstkey", "keystep"};
  const std::string_view* names = spec.find_type == "range" ? kRange : spec.find_type == "keynum" ? kKeynum : nullptr;
  r.MapHeader(names == nullptr ? 0 : 3);
  for (int i = 0; names != nullptr && i < 3; ++i) {
    r.Bulk(names[i]);
    r.Integer(spec.find[i]);
  }
}

// The key spec of a command Redis does not document: one range over the table's key positions,
// read-only or read-write as the command's flags say.
DocKeySpec DerivedKeySpec(const Command& cmd) {
  DocKeySpec spec{};
  spec.flags = cmd.has(server::kCmdWrite) ? "RW update" : "RO access";
  spec.begin_type = "index";
  spec.begin_index = cmd.first_key;
  spec.find_type = "range";
  spec.find[0] = cmd.last_key >= 0 ? cmd.last_key - cmd.first_key : cmd.last_key;
  spec.find[1] = cmd.key_step;
  spec.find[2] = 0;
  return spec;
}

void ReplyCommandInfo(CommandContext& ctx, const Command& cmd) {
  const CommandDoc* doc = server::FindCommandDoc(cmd.name);
  resp::ReplyBuilder& r = ctx.reply;
  r.ArrayHeader(10);
  r.Bulk(cmd.name);
  r.Integer(cmd.arity);
  ReplyFlags(ctx, cmd);
  r.Integer(cmd.first_key);
  r.Integer(cmd.last_key);
  r.Integer(cmd.key_step);
  ReplyCategories(ctx, cmd);
  ReplyWordSet(ctx, doc != nullptr ? doc->tips : std::string_view(), /*as_status=*/false);
  if (doc != nullptr) {
    r.SetHeader(doc->key_specs().size());
    for (const DocKeySpec& spec : doc->key_specs()) ReplyKeySpec(ctx, spec);
  } else if (cmd.first_key > 0) {
    r.SetHeader(1);
    ReplyKeySpec(ctx, DerivedKeySpec(cmd));
  } else {
    r.SetHeader(0);
  }
  // Redis writes an empty set for a command without subcommands, an array otherwise.
  if (cmd.subcommands.empty()) {
    r.SetHeader(0);
  } else {
    r.ArrayHeader(cmd.subcommands.size());
    for (const Command* sub : cmd.subcommands) ReplyCommandInfo(ctx, *sub);
  }
}

void ReplyDocArgs(CommandContext& ctx, std::span<const DocArg> args) {
  resp::ReplyBuilder& r = ctx.reply;
  r.ArrayHeader(args.size());
  for (const DocArg& a : args) {
    const size_t pairs = 2 + (a.key_spec_index >= 0) + !a.token.empty() + !a.since.empty() +
                         !a.deprecated_since.empty() + !a.flags.empty() + (a.children > 0);
    r.MapHeader(pairs);
    r.Bulk("name");
    r.Bulk(a.name);
    r.Bulk("type");
    r.Bulk(a.type);
    if (a.key_spec_index >= 0) {
      r.Bulk("key_spec_index");
      r.Integer(a.key_spec_index);
    }
    if (!a.token.empty()) {
      r.Bulk("token");
      r.Bulk(a.token);
    }
    if (!a.since.empty()) {
      r.Bulk("since");
      r.Bulk(a.since);
    }
    if (!a.deprecated_since.empty()) {
      r.Bulk("deprecated_since");
      r.Bulk(a.deprecated_since);
    }
    if (!a.flags.empty()) {
      r.Bulk("flags");
      ReplyWordSet(ctx, a.flags, /*as_status=*/true);
    }
    if (a.children > 0) {
      r.Bulk("arguments");
      ReplyDocArgs(ctx, server::ChildArgs(a));
    }
  }
}

void ReplyCommandDocs(CommandContext& ctx, const Command& cmd) {
  const CommandDoc* doc = server::FindCommandDoc(cmd.name);
  resp::ReplyBuilder& r = ctx.reply;
  if (doc == nullptr) {
    r.MapHeader(3 + !cmd.subcommands.empty());
    r.Bulk("summary");
    r.Bulk(cmd.summary);
    r.Bulk("since");
    r.Bulk(cmd.since);
    r.Bulk("group");
    r.Bulk(cmd.group);
  } else {
    const size_t pairs = 3 + !doc->complexity.empty() + !doc->doc_flags.empty() + !doc->deprecated_since.empty() +
                         !doc->replaced_by.empty() + (doc->history_count > 0) + (doc->arg_count > 0) +
                         !cmd.subcommands.empty();
    r.MapHeader(pairs);
    r.Bulk("summary");
    r.Bulk(doc->summary);
    r.Bulk("since");
    r.Bulk(doc->since);
    r.Bulk("group");
    r.Bulk(doc->group);
    if (!doc->complexity.empty()) {
      r.Bulk("complexity");
      r.Bulk(doc->complexity);
    }
    if (!doc->doc_flags.empty()) {
      r.Bulk("doc_flags");
      ReplyWordSet(ctx, doc->doc_flags, /*as_status=*/true);
    }
    if (!doc->deprecated_since.empty()) {
      r.Bulk("deprecated_since");
      r.Bulk(doc->deprecated_since);
    }
    if (!doc->replaced_by.empty()) {
      r.Bulk("replaced_by");
      r.Bulk(doc->replaced_by);
    }
    if (doc->history_count > 0) {
      r.Bulk("history");
      r.SetHeader(doc->history().size());  // a set in RESP3, as Redis writes it
      for (const server::DocHistory& h : doc->history()) {
        r.ArrayHeader(2);
        r.Bulk(h.version);
        r.Bulk(h.description);
      }
    }
    if (doc->arg_count > 0) {
      r.Bulk("arguments");
      ReplyDocArgs(ctx, doc->args());
    }
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
    const Command* cmd = FindByFullName(ctx.server.commands(), ctx.arg(i));
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
      const Command* cmd = FindByFullName(ctx.server.commands(), ctx.arg(i));
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

// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
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
  if (cmd->first_key <= 0 && cmd->key_finder == nullptr) {
    ctx.reply.Error(errors::kCommandHasNoKeys);
    return nullptr;
  }
  if (!cmd->ArityOk(full.size())) {
    ctx.reply.Error(errors::kInvalidCommandArgCount);
    return nullptr;
  }
  return cmd;
}

// The positions the key spec `spec` finds in `args`, with Redis's rules; none when the spec does
// not apply (a keyword not present, a key count that is not a number).
std::vector<int> SpecPositions(const DocKeySpec& spec, std::span<const std::string_view> args) {
  const int argc = static_cast<int>(args.size());
  int first = 0;
  if (spec.begin_type == "index") {
    first = spec.begin_index;
  } else if (spec.begin_type == "keyword") {
    const bool backwards = spec.startfrom < 0;
    const int start = backwards ? argc + spec.startfrom : spec.startfrom;
    const int end = backwards ? 0 : argc - 1;
    const int step = backwards ? -1 : 1;
    first = -1;
    for (int i = start; backwards ? i >= end : i <= end; i += step) {
      if (i >= 0 && i < argc && EqualsIgnoreCase(args[static_cast<size_t>(i)], spec.keyword)) {
        first = i + 1;
        break;
      }
    }
    if (first < 0) return {};
  } else {
    return {};
  }
  int last;
  int step;
  if (spec.find_type == "range") {
    step = spec.find[1];
    if (spec.find[0] >= 0) {
      last = first + spec.find[0];
    } else if (spec.find[2] == 0) {
      last = argc + spec.find[0];
    } else {
      last = first + ((argc - first) / spec.find[2] + spec.find[0]);
    }
  } else if (spec.find_type == "keynum") {
    step = spec.find[2];
    const int at = first + spec.find[0];
    int64_t numkeys;
    if (at >= argc || !ParseInt64(args[static_cast<size_t>(at)], &numkeys) || numkeys < 0) return {};
    first += spec.find[1];
    last = first + static_cast<int>(numkeys) - 1;
  } else {
    return {};
  }
  std::vector<int> out;
  for (int i = first; i <= last && step > 0; i += step) {
    if (i >= 0 && i < argc) out.push_back(i);
  }
  return out;
}

// For the key specs whose flags depend on the arguments ("variable_flags"), the flags these
// arguments give, as Redis's SET and BITFIELD report them; empty for other commands.
std::string_view VariableKeyFlags(const Command& cmd, std::span<const std::string_view> args) {
  if (cmd.name == "set") {
    // SET ... GET reads the old value.
    for (size_t i = 3; i < args.size(); ++i) {
      if (EqualsIgnoreCase(args[i], "GET")) return "RW access update";
    }
    return "OW update";
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
        return "RW access update";
      }
    }
    return "RO access";
  }
  return {};
}

// COMMAND GETKEYS command [arg [arg ...]]
// COMMAND GETKEYSANDFLAGS command [arg [arg ...]]
void GetKeys(CommandContext& ctx, bool with_flags) {
  const Command* cmd = CommandForGetKeys(ctx);
  if (cmd == nullptr) return;
  const std::span<const std::string_view> full = ctx.args.subspan(2);
  std::vector<int> keys;
  cmd->FindKeys(full, &keys);
  if (keys.empty()) {
    ctx.reply.Error(errors::kInvalidCommandArgs);
    return;
  }
  ctx.reply.ArrayHeader(keys.size());
  if (!with_flags) {
    for (int i : keys) ctx.reply.Bulk(full[static_cast<size_t>(i)]);
    return;
  }
  // A key's flags are those of the key spec that finds it.
  const CommandDoc* doc = server::FindCommandDoc(cmd->name);
  const DocKeySpec derived = DerivedKeySpec(*cmd);
  const std::string_view variable = VariableKeyFlags(*cmd, full);
  for (int i : keys) {
    std::string_view flags = variable.empty() ? derived.flags : variable;
    if (doc != nullptr && variable.empty()) {
      for (const DocKeySpec& spec : doc->key_specs()) {
        const std::vector<int> found = SpecPositions(spec, full);
        if (std::find(found.begin(), found.end(), i) != found.end()) {
          flags = spec.flags;
          break;
        }
      }
    }
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(full[static_cast<size_t>(i)]);
    ReplyWordSet(ctx, flags, /*as_status=*/true);
  }
}

void CmdCommandGetKeys(CommandContext& ctx) { GetKeys(ctx, /*with_flags=*/false); }
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
