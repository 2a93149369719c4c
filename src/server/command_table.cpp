#include "server/command_table.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/numbers.h"
#include "server/command_docs.h"
#include "store/lock_set.h"

namespace strata::server {
namespace {

constexpr std::array<std::string_view, 17> kFlagNames = {
    "write", "readonly", "denyoom", "admin", "pubsub", "noscript", "blocking", "loading",
    "stale", "skip_monitor", "skip_slowlog", "fast", "no_auth", "may_replicate", "no_mandatory_keys", "no_multi", "allow_busy"};

constexpr std::array<std::string_view, 21> kAclNames = {
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog", "geo",
    "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting"};

// Capacity of the name index: a power of two well above the number of top-level commands.
constexpr size_t kSlots = 1024;

[[noreturn]] void Die(std::string_view command, std::string_view problem) {
  std::fprintf(stderr, "command table: '%.*s': %.*s\n", static_cast<int>(command.size()), command.data(),
               static_cast<int>(problem.size()), problem.data());
  std::abort();
}

uint64_t CaseFoldedHash(std::string_view name) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : name) {
    h ^= static_cast<unsigned char>(AsciiToLower(c));
    h *= 1099511628211ULL;
  }
  return h;
}

template <size_t N>
uint64_t ParseWords(std::string_view command, std::string_view words, const std::array<std::string_view, N>& names,
                    bool at_sign) {
  uint64_t bits = 0;
  size_t i = 0;
  while (i < words.size()) {
    size_t end = words.find(' ', i);
    if (end == std::string_view::npos) end = words.size();
    std::string_view word = words.substr(i, end - i);
    i = end + 1;
    if (word.empty()) continue;
    if (at_sign) {
      if (word[0] != '@') Die(command, "ACL categories are written @name");
      word.remove_prefix(1);
    }
    size_t k = 0;
    while (k < names.size() && names[k] != word) ++k;
    if (k == names.size()) Die(command, "unknown flag or category");
    bits |= uint64_t{1} << k;
  }
  return bits;
}

uint64_t AclBit(std::string_view name) {
  for (size_t k = 0; k < kAclNames.size(); ++k) {
    if (kAclNames[k] == name) return uint64_t{1} << k;
  }
  return 0;
}

// Categories Redis derives from flags, so rows name only the data-type categories.
uint64_t ImplicitCategories(uint32_t flags) {
  uint64_t acl = 0;
  if (flags & kCmdWrite) acl |= AclBit("write");
  if (flags & kCmdReadOnly) acl |= AclBit("read");
  if (flags & kCmdAdmin) acl |= AclBit("admin") | AclBit("dangerous");
  if (flags & kCmdPubSub) acl |= AclBit("pubsub");
  if (flags & kCmdBlocking) acl |= AclBit("blocking");
  acl |= (flags & kCmdFast) ? AclBit("fast") : AclBit("slow");
  return acl;
}

}  // namespace

void LockClientDatabase(int db, std::span<const std::string_view> /*args*/, store::LockSet* locks) {
  locks->AddDatabase(db);
}

void LockAllDatabases(int /*db*/, std::span<const std::string_view> /*args*/, store::LockSet* locks) {
  locks->AddAllDatabases();
}

std::span<const std::string_view> CommandFlagNames() { return kFlagNames; }
std::span<const std::string_view> AclCategoryNames() { return kAclNames; }

namespace {

// The key count as C's atoi reads `text` (leading spaces, a sign, the digits up to the first
// other byte; out-of-range values wrap as glibc's int conversion of strtol's result does).
// Redis falls back to it when a count does not parse strictly ("01", "2x").
int AtoiCount(std::string_view text) {
  const std::string copy(text);
  return static_cast<int>(std::strtol(copy.c_str(), nullptr, 10));
}

}  // namespace

void Command::FindKeys(std::span<const std::string_view> args, std::vector<int>* keys) const {
  if (key_finder != nullptr) {
    key_finder(args, keys);
    return;
  }
  const int argc = static_cast<int>(args.size());
  auto fixed_keys = [&] {
    if (first_key <= 0) return;
    const int last = last_key >= 0 ? last_key : argc + last_key;
    for (int i = first_key; i <= last && i < argc; i += key_step) keys->push_back(i);
  };
  if (numkeys_index <= 0) return fixed_keys();
  if (numkeys_index >= argc) return;
  // Redis reads a strict non-negative count first (truncated to an int), with the fixed keys
  // leading; when that gives no keys it retries with atoi and puts the fixed keys last.
  const std::string_view text = args[static_cast<size_t>(numkeys_index)];
  const int room = argc - numkeys_index - 1;
  int64_t strict;
  int count = ParseInt64(text, &strict) && strict >= 0 ? static_cast<int32_t>(strict) : 0;
  const bool fixed_first = count >= 1 && count <= room;
  if (!fixed_first) count = AtoiCount(text);
  if (count < 1 || count > room) return;
  if (fixed_first) fixed_keys();
  for (int i = 1; i <= count; ++i) keys->push_back(numkeys_index + i);
  if (!fixed_first) fixed_keys();
}

CommandTable::CommandTable() : slots_(kSlots) {}
CommandTable::~CommandTable() = default;

size_t CommandTable::SlotFor(std::string_view name) const {
  size_t i = CaseFoldedHash(name) & (kSlots - 1);
  while (slots_[i].cmd != nullptr && !EqualsIgnoreCase(slots_[i].name, name)) i = (i + 1) & (kSlots - 1);
  return i;
}

void CommandTable::Add(const CommandSpec& spec) {
  const std::string_view name = spec.name;
  for (char c : name) {
    if (std::isupper(static_cast<unsigned char>(c))) Die(name, "names are lower case");
  }
  auto cmd = std::make_unique<Command>();
  cmd->name = std::string(name);
  cmd->id = static_cast<int>(all_.size());
  cmd->arity = spec.arity;
  cmd->flags = static_cast<uint32_t>(ParseWords(name, spec.flags, kFlagNames, false));
  cmd->acl = ParseWords(name, spec.acl, kAclNames, true) | ImplicitCategories(cmd->flags);
  cmd->first_key = spec.first_key;
  cmd->last_key = spec.last_key;
  cmd->key_step = spec.key_step;
  cmd->handler = spec.handler;
  cmd->key_finder = spec.key_finder;
  cmd->extra_locks = spec.extra_locks;
  cmd->numkeys_index = spec.numkeys_index;
  cmd->summary = spec.summary;
  cmd->since = spec.since;
  cmd->group = group_;
  if (spec.arity == 0) Die(name, "arity 0 is not a valid arity");
  if (spec.numkeys_index < 0 || (spec.numkeys_index > 0 && spec.key_finder != nullptr)) {
    Die(name, "numkeys_index is for commands without a key_finder");
  }
  if (spec.numkeys_index > 0 && spec.arity > 0) Die(name, "a key count needs a variable arity");
  if (spec.first_key == 0) {
    if (spec.last_key != 0 || spec.key_step != 0) Die(name, "a keyless command has last_key and key_step 0");
  } else {
    if (spec.first_key < 0 || spec.key_step <= 0) Die(name, "bad first_key or key_step");
    if (spec.last_key >= 0 && spec.last_key < spec.first_key) Die(name, "last_key before first_key");
    if (spec.arity > 0 && (spec.first_key >= spec.arity || spec.last_key >= spec.arity)) {
      Die(name, "key positions beyond the arity");
    }
  }

  const size_t bar = name.find('|');
  if (bar != std::string_view::npos) {
    const Command* parent = Find(name.substr(0, bar));
    if (parent == nullptr) Die(name, "subcommand registered before its container");
    auto* container = const_cast<Command*>(parent);
    if (FindSubcommand(*container, name.substr(bar + 1)) != nullptr) Die(name, "registered twice");
    cmd->container = container;
    container->subcommands.push_back(cmd.get());
  } else {
    const size_t slot = SlotFor(name);
    if (slots_[slot].cmd != nullptr) Die(name, "registered twice");
    if (top_level_.size() * 2 >= kSlots) Die(name, "too many commands for the name index");
    slots_[slot] = Slot{cmd->name, cmd.get()};
    top_level_.push_back(cmd.get());
  }
  all_.push_back(std::move(cmd));
}

const Command* CommandTable::Find(std::string_view name) const { return slots_[SlotFor(name)].cmd; }

const Command* CommandTable::FindRegistered(std::string_view name) const {
  for (const auto& cmd : all_) {
    if (cmd->container == nullptr && cmd->name == name) return cmd.get();
  }
  return nullptr;
}

void CommandTable::Reindex(const std::vector<Slot>& entries) {
  slots_.assign(kSlots, Slot{});
  for (const Slot& entry : entries) slots_[SlotFor(entry.name)] = entry;
}

bool CommandTable::Rename(std::string_view name, std::string_view new_name, std::string* error) {
  const Command* cmd = Find(name);
  if (cmd == nullptr) {
    *error = "No such command in rename-command";
    return false;
  }
  // As Redis does: the old name goes first, so renaming a command to its own name in another
  // letter case works.
  std::vector<Slot> entries;
  for (const Slot& slot : slots_) {
    if (slot.cmd != nullptr && slot.cmd != cmd) entries.push_back(slot);
  }
  if (new_name.empty()) {
    std::erase(top_level_, cmd);
  } else {
    for (const Slot& entry : entries) {
      if (EqualsIgnoreCase(entry.name, new_name)) {
        *error = "Target command name already exists";
        return false;
      }
    }
    entries.push_back(Slot{new_names_.emplace_back(new_name), cmd});
  }
  Reindex(entries);
  return true;
}

const Command* CommandTable::FindSubcommand(const Command& container, std::string_view sub) {
  const size_t prefix = container.name.size() + 1;
  for (const Command* c : container.subcommands) {
    if (EqualsIgnoreCase(std::string_view(c->name).substr(prefix), sub)) return c;
  }
  return nullptr;
}

const Command* CommandTable::FindByFullName(std::string_view name) const {
  const size_t bar = name.find('|');
  const Command* cmd = Find(name.substr(0, bar));
  if (cmd == nullptr || bar == std::string_view::npos) return cmd;
  return FindSubcommand(*cmd, name.substr(bar + 1));
}

namespace {

// Points each key argument of `args` at the key spec that finds it: keys after a "numkeys"
// argument at the keynum spec (the last), the others at the first. Counts the keys in `*keys`.
void AssignKeySpecs(std::vector<SyntaxArg>& args, const std::vector<KeySpec>& specs, bool* after_numkeys,
                    int* keys) {
  for (SyntaxArg& arg : args) {
    if (arg.name == "numkeys") *after_numkeys = true;
    if (arg.type == ArgType::kKey) {
      ++*keys;
      const bool keynum = *after_numkeys && !specs.empty() && specs.back().find == KeySpec::Find::kKeynum;
      arg.key_spec_index = keynum ? static_cast<int>(specs.size()) - 1 : 0;
    }
    AssignKeySpecs(arg.children, specs, after_numkeys, keys);
  }
}

}  // namespace

bool CommandTable::SetSyntax(std::string_view name, std::string_view syntax, std::string* error) {
  auto* cmd = const_cast<Command*>(FindByFullName(name));
  if (cmd == nullptr || cmd->name != name) {
    *error = "no such command is registered";
    return false;
  }
  if (!cmd->syntax.empty()) {
    *error = "a second syntax for it";
    return false;
  }
  const SyntaxContext ctx{cmd->name, cmd->group};
  std::vector<SyntaxArg> args;
  const size_t name_words = cmd->container != nullptr ? 2 : 1;
  if (!ParseCommandSyntax(syntax, name_words, ctx, &args, error)) return false;
  const std::vector<KeySpec> specs = KeySpecs(*cmd);
  bool after_numkeys = false;
  int keys = 0;
  AssignKeySpecs(args, specs, &after_numkeys, &keys);
  if ((keys > 0) != !specs.empty()) {
    *error = keys > 0 ? "the syntax names keys, but the table row has no key positions"
                      : "the table row has key positions, but the syntax names no key";
    return false;
  }
  cmd->syntax = syntax;
  cmd->args = std::move(args);
  return true;
}

}  // namespace strata::server
