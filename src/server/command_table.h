// The one table of commands: name, arity, flags, key positions, ACL categories and handler.
//
// Command families register their rows at start-up (RegisterStringFamily(table) ...); the table
// then answers lookups from every io-thread without locks or allocation, and feeds COMMAND,
// COMMAND INFO/DOCS/LIST and the per-command statistics. Containers such as CONFIG hold
// subcommands registered as "config|get"; a command with a handler may hold subcommands too
// (COMMAND runs alone, COMMAND INFO runs its subcommand).
#ifndef STRATA_SERVER_COMMAND_TABLE_H_
#define STRATA_SERVER_COMMAND_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/command_syntax.h"

namespace strata::store {
class LockSet;
}

namespace strata::server {

class CommandContext;

using CommandHandler = void (*)(CommandContext& ctx);

// For commands whose keys are not at fixed positions (ZUNIONSTORE's numkeys, LMPOP ...): appends
// the indexes of the key arguments of `args` (args[0] is the command name) to `keys`. Arguments
// it cannot make sense of are not keys; the handler reports the syntax error.
using KeyFinder = void (*)(std::span<const std::string_view> args, std::vector<int>* keys);

// For commands that need stripes beyond those of the keys their arguments name: adds them to
// `locks` for the call `args` made in database `db`, so the dispatcher takes them with the rest,
// in the one global order. A key in another database (MOVE, COPY ... DB n); every stripe of a
// database for commands that see a whole database at one instant (KEYS, SCAN, DBSIZE, FLUSHDB,
// SWAPDB) or read keys no argument names (SORT's BY and GET patterns).
using ExtraLocks = void (*)(int db, std::span<const std::string_view> args, store::LockSet* locks);

// ExtraLocks for commands that work on the whole of the client's database.
void LockClientDatabase(int db, std::span<const std::string_view> args, store::LockSet* locks);
// ExtraLocks for commands that work on every database (FLUSHALL, SAVE, BGSAVE's fork, SHUTDOWN's
// save, DEBUG RELOAD).
void LockAllDatabases(int db, std::span<const std::string_view> args, store::LockSet* locks);

// Flags, spelled as COMMAND INFO spells them.
enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,
  kCmdReadOnly = 1u << 1,
  kCmdDenyOom = 1u << 2,
  kCmdAdmin = 1u << 3,
  kCmdPubSub = 1u << 4,
  kCmdNoScript = 1u << 5,
  kCmdBlocking = 1u << 6,
  kCmdLoading = 1u << 7,
  kCmdStale = 1u << 8,
  kCmdSkipMonitor = 1u << 9,
  kCmdSkipSlowlog = 1u << 10,
  kCmdFast = 1u << 11,
  kCmdNoAuth = 1u << 12,
  kCmdMayReplicate = 1u << 13,
  // The command may name no key at all (EVAL, FCALL with numkeys 0): COMMAND GETKEYS answers
  // an empty list instead of an error.
  kCmdNoMandatoryKeys = 1u << 14,
  kCmdNoMulti = 1u << 15,
  kCmdAllowBusy = 1u << 16,
};

// One registration row, as a family writes it.
struct CommandSpec {
  std::string_view name;   // lower case; "container|sub" for a subcommand
  int arity;               // Redis's convention: n = exactly n words, -n = at least n
  std::string_view flags;  // space-separated: "write denyoom fast"
  int first_key;           // 0 when the command takes no keys
  int last_key;            // negative counts from the end: -1 is the last word
  int key_step;
  std::string_view acl;  // space-separated: "@write @string @slow"
  CommandHandler handler;  // nullptr for a container
  std::string_view summary;
  std::string_view since;
  // For a command whose keys follow a key count, the count's position (LMPOP: 1, ZUNIONSTORE: 2);
  // the table finds those keys, after the fixed first/last/step ones. 0 for the others.
  int numkeys_index = 0;
  KeyFinder key_finder = nullptr;  // replaces first/last/step when the keys move otherwise (SORT)
  ExtraLocks extra_locks = nullptr;
};

// A registered command.
struct Command {
  std::string name;  // "get", "config|get"
  int id = 0;        // dense, for per-command statistics
  int arity = 0;
  uint32_t flags = 0;
  uint64_t acl = 0;  // bit i set: category kAclCategories[i]
  int first_key = 0;
  int last_key = 0;
  int key_step = 0;
  CommandHandler handler = nullptr;
  KeyFinder key_finder = nullptr;
  ExtraLocks extra_locks = nullptr;
  int numkeys_index = 0;
  std::string_view summary;
  std::string_view since;
  std::string_view group;
  std::string_view syntax;       // "SET key value [NX | XX] ...", from the handler's comment
  std::vector<SyntaxArg> args;   // `syntax` parsed, for COMMAND DOCS
  const Command* container = nullptr;     // set for subcommands
  std::vector<const Command*> subcommands;  // set for containers

  bool is_container() const { return handler == nullptr; }
  bool has(CommandFlag flag) const { return (flags & flag) != 0; }
  // Whether the key positions depend on the arguments (COMMAND INFO's "movablekeys").
  bool movable_keys() const { return key_finder != nullptr || numkeys_index > 0; }
  // Whether `argc` words satisfy the arity.
  bool ArityOk(size_t argc) const {
    return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
  }
  // Appends the indexes of the key arguments in `args` to `keys`. A key count that is not a
  // positive integer with that many arguments after it makes the call name no keys at all (as
  // in Redis); the handler then reports the error.
  void FindKeys(std::span<const std::string_view> args, std::vector<int>* keys) const;
};

// Flag and category names, in bit order.
std::span<const std::string_view> CommandFlagNames();
std::span<const std::string_view> AclCategoryNames();

class CommandTable {
 public:
  CommandTable();
  ~CommandTable();
  CommandTable(const CommandTable&) = delete;
  CommandTable& operator=(const CommandTable&) = delete;

  // The group (COMMAND DOCS "group") of the rows added next: "string", "keyspace" ...
  void SetGroup(std::string_view group) { group_ = group; }

  // Adds a row. A malformed row (unknown flag or category, duplicate name, subcommand without
  // its container, a key range that does not fit the arity) aborts start-up with a message:
  // the table is part of the program, not of its input.
  void Add(const CommandSpec& spec);

  // The top-level command clients call `name` in any letter case (its name as renamed by
  // Rename), or nullptr. Allocation-free; thread-safe once registration is over.
  const Command* Find(std::string_view name) const;
  // The top-level command registered as `name` (lower case), whatever Rename did to it: for the
  // server's own references to commands (EXEC, MULTI ...). nullptr if none. Not for hot paths.
  const Command* FindRegistered(std::string_view name) const;
  // The subcommand `sub` (any case) of `container`, or nullptr.
  static const Command* FindSubcommand(const Command& container, std::string_view sub);
  // The command named `name`: "get", or "container|sub" for a subcommand (any case); nullptr if
  // none.
  const Command* FindByFullName(std::string_view name) const;

  // Attaches `syntax`, the wire syntax of the command `name` (lower case, "config|get"), and its
  // arguments parsed for COMMAND DOCS, their keys pointed at the command's key specs
  // (server/command_docs.h). Returns false and says why in `*error` when no such command is
  // registered, it has a syntax already, the syntax does not parse (server/command_syntax.h), or
  // it names keys where the table has none or the other way round. Call during registration.
  // REQUIRES: `syntax` outlives the table.
  bool SetSyntax(std::string_view name, std::string_view syntax, std::string* error);

  // redis.conf's rename-command: afterwards clients call the top-level command they called `name`
  // (any case) by `new_name` only, or, when `new_name` is empty, not at all (it also leaves
  // top_level()). As in Redis, the command keeps its registered name everywhere it is shown
  // (COMMAND INFO, COMMAND LIST, INFO commandstats). Returns false with *error set to Redis's
  // reason when no command is called `name` or another is called `new_name` already. Call at
  // start-up, after SetSyntax, before any lookup from another thread.
  bool Rename(std::string_view name, std::string_view new_name, std::string* error);

  // Every top-level command clients can call, in registration order.
  const std::vector<const Command*>& top_level() const { return top_level_; }
  // Every command and subcommand; ids index this.
  size_t size() const { return all_.size(); }
  const Command& at(int id) const { return *all_[static_cast<size_t>(id)]; }

 private:
  // One entry of the name index: the name clients call the command by.
  struct Slot {
    std::string_view name;
    const Command* cmd = nullptr;
  };
  size_t SlotFor(std::string_view name) const;
  // Empties the name index and fills it with `entries`.
  void Reindex(const std::vector<Slot>& entries);

  std::vector<std::unique_ptr<Command>> all_;
  std::vector<const Command*> top_level_;
  std::vector<Slot> slots_;            // open-addressed by case-folded name hash
  std::deque<std::string> new_names_;  // the names Rename gave (a deque: Slot views stay valid)
  std::string_view group_;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_COMMAND_TABLE_H_
