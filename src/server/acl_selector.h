// One ACL selector: which commands, keys and channels it permits (Redis 7's aclSelector).
//
// A user has a root selector and any number of extra `(...)` selectors; a call is permitted when
// one of them permits all of it (server/acl_user.h). Selectors are values: the registry builds a
// changed copy and publishes it, so a selector is never changed while a client reads it.
#ifndef STRATA_SERVER_ACL_SELECTOR_H_
#define STRATA_SERVER_ACL_SELECTOR_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace strata::server {

class CommandTable;
struct Command;

// Why a call is refused, in Redis's order of relevance (a denied channel says most).
enum class AclDenial { kNone = 0, kCommand = 1, kKey = 2, kChannel = 4 };

// The outcome of a permission check: what was refused and, for a key or channel, the index of the
// argument refused.
struct AclVerdict {
  AclDenial denial = AclDenial::kNone;
  int arg_index = 0;
};

class AclSelector {
 public:
  // A selector that permits nothing. `commands` must outlive it.
  explicit AclSelector(const CommandTable* commands);

  // Applies one selector rule (+cmd, -@cat, ~pattern, %R~pattern, &pattern, allkeys, resetkeys,
  // allchannels, resetchannels, allcommands, nocommands). Returns false and sets *error to
  // Redis's text (the part after "modifier '<rule>': ") for a rule it refuses, changing nothing.
  bool ApplyRule(std::string_view rule, std::string* error);

  // Whether it permits the call `args` of `cmd` (args[0] the command name). `keys` is scratch.
  AclVerdict Check(const Command& cmd, std::span<const std::string_view> args, std::vector<int>* keys) const;
  // Whether it permits every command, key and channel (the check can be skipped).
  bool PermitsEverything() const;

  // ACL GETUSER's "commands", "keys" and "channels" texts.
  std::string DescribeCommands() const;
  std::string DescribeKeys() const;
  std::string DescribeChannels() const;
  // ACL LIST's form: keys, "resetchannels" unless all channels, channels, commands.
  std::string Describe() const;

 private:
  // Permission bits of a key pattern.
  enum : uint8_t { kRead = 1, kWrite = 2 };
  struct KeyPattern {
    uint8_t perms;
    std::string pattern;
  };

  bool allowed(int id) const { return (allowed_[static_cast<size_t>(id) / 64] >> (id % 64)) & 1; }
  void SetAllowed(const Command& cmd, bool allow);
  // Sets or clears every command and subcommand of category bit `category`.
  void SetCategory(int category, bool allow);
  bool ApplyCommandRule(std::string_view rule, std::string* error);
  bool ApplyKeyRule(std::string_view rule, std::string* error);
  bool ApplyChannelRule(std::string_view rule, std::string* error);
  bool KeyPermitted(std::string_view key, uint8_t perms) const;
  // Whether a channel (or, for PSUBSCRIBE, a pattern taken literally) is permitted.
  bool ChannelPermitted(std::string_view channel, bool literal) const;

  const CommandTable* commands_;
  std::vector<uint64_t> allowed_;  // bit per command id
  bool all_commands_ = false;      // +@all: commands added later are permitted too
  bool all_keys_ = false;
  std::vector<KeyPattern> keys_;
  bool all_channels_ = false;
  std::vector<std::string> channels_;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_ACL_SELECTOR_H_
