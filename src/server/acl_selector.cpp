#include "server/acl_selector.h"

#include <algorithm>

#include "common/error_texts.h"
#include "common/glob.h"
#include "common/numbers.h"
#include "server/command_table.h"

namespace strata::server {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiToLower(c);
  return out;
}

// The category bit named `name` (any case), or -1.
int FindCategory(std::string_view name) {
  std::span<const std::string_view> names = AclCategoryNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (EqualsIgnoreCase(names[i], name)) return static_cast<int>(i);
  }
  return -1;
}

// Calls f for every command and subcommand, in registration order (each container before its
// subcommands), renamed or disabled ones too: ACL rules name commands as registered, as in Redis.
template <typename F>
void ForEachCommand(const CommandTable& table, F&& f) {
  for (size_t id = 0; id < table.size(); ++id) f(table.at(static_cast<int>(id)));
}

// The command an ACL rule names, "cmd" or "container|sub" (any case), by its registered name.
const Command* FindByRegisteredName(const CommandTable& table, std::string_view name) {
  const size_t bar = name.find('|');
  const Command* cmd = table.FindRegistered(Lower(name.substr(0, bar)));
  if (cmd == nullptr || bar == std::string_view::npos) return cmd;
  return CommandTable::FindSubcommand(*cmd, name.substr(bar + 1));
}

// The pub/sub commands whose arguments are channels, and how they name them.
enum class ChannelArgs { kNone, kFirst, kAll, kAllPatterns };

ChannelArgs ChannelArgsOf(const Command& cmd) {
  if (!cmd.has(kCmdPubSub)) return ChannelArgs::kNone;
  if (cmd.name == "publish" || cmd.name == "spublish") return ChannelArgs::kFirst;
  if (cmd.name == "subscribe" || cmd.name == "ssubscribe") return ChannelArgs::kAll;
  if (cmd.name == "psubscribe") return ChannelArgs::kAllPatterns;
  return ChannelArgs::kNone;
}

}  // namespace

AclSelector::AclSelector(const CommandTable* commands)
    : commands_(commands), allowed_((commands->size() + 63) / 64, 0) {}

void AclSelector::SetAllowed(const Command& cmd, bool allow) {
  const auto id = static_cast<size_t>(cmd.id);
  const uint64_t bit = uint64_t{1} << (id % 64);
  if (allow) {
    allowed_[id / 64] |= bit;
  } else {
    allowed_[id / 64] &= ~bit;
  }
}

void AclSelector::SetCategory(int category, bool allow) {
  const uint64_t mask = uint64_t{1} << category;
  ForEachCommand(*commands_, [&](const Command& cmd) {
    if (cmd.acl & mask) SetAllowed(cmd, allow);
  });
}

bool AclSelector::ApplyRule(std::string_view rule, std::string* error) {
  if (rule.empty()) {
    *error = errors::kAclRuleSyntax;
    return false;
  }
  if (EqualsIgnoreCase(rule, "allkeys")) return ApplyKeyRule("~*", error);
  if (EqualsIgnoreCase(rule, "resetkeys")) {
    all_keys_ = false;
    keys_.clear();
    return true;
  }
  if (EqualsIgnoreCase(rule, "allchannels")) return ApplyChannelRule("&*", error);
  if (EqualsIgnoreCase(rule, "resetchannels")) {
    all_channels_ = false;
    channels_.clear();
    return true;
  }
  if (EqualsIgnoreCase(rule, "allcommands")) return ApplyCommandRule("+@all", error);
  if (EqualsIgnoreCase(rule, "nocommands")) return ApplyCommandRule("-@all", error);
  switch (rule[0]) {
    case '~':
    case '%':
      return ApplyKeyRule(rule, error);
    case '&':
      return ApplyChannelRule(rule, error);
    case '+':
    case '-':
      return ApplyCommandRule(rule, error);
    default:
      *error = errors::kAclRuleSyntax;
      return false;
  }
}

bool AclSelector::ApplyCommandRule(std::string_view rule, std::string* error) {
  const bool allow = rule[0] == '+';
  std::string_view name = rule.substr(1);
  if (name.starts_with('@')) {
    name.remove_prefix(1);
    if (EqualsIgnoreCase(name, "all")) {
      std::fill(allowed_.begin(), allowed_.end(), allow ? ~uint64_t{0} : 0);
      all_commands_ = allow;
      return true;
    }
    const int category = FindCategory(name);
    if (category < 0) {
      *error = errors::kAclUnknownCommandOrCategory;
      return false;
    }
    SetCategory(category, allow);
    return true;
  }
  // "cmd" or "container|sub"; Redis's older first-argument form ("select|0") is not supported.
  const Command* cmd = FindByRegisteredName(*commands_, name);
  if (cmd == nullptr) {
    *error = errors::kAclUnknownCommandOrCategory;
    return false;
  }
  SetAllowed(*cmd, allow);
  for (const Command* sub : cmd->subcommands) SetAllowed(*sub, allow);
  return true;
}

bool AclSelector::ApplyKeyRule(std::string_view rule, std::string* error) {
  uint8_t perms = 0;
  size_t tilde = 0;
  if (rule[0] == '%') {
    for (tilde = 1; tilde < rule.size() && rule[tilde] != '~'; ++tilde) {
      const char c = static_cast<char>(AsciiToLower(rule[tilde]));
      if (c == 'r') {
        perms |= kRead;
      } else if (c == 'w') {
        perms |= kWrite;
      } else {
        *error = errors::kAclRuleSyntax;
        return false;
      }
    }
    if (tilde == rule.size() || perms == 0) {
      *error = errors::kAclRuleSyntax;
      return false;
    }
  } else {
    perms = kRead | kWrite;
  }
  if (all_keys_) {
    *error = errors::kAclPatternAfterAllKeys;
    return false;
  }
  const std::string_view pattern = rule.substr(tilde + 1);
  if (pattern == "*" && perms == (kRead | kWrite)) {
    all_keys_ = true;
    keys_.clear();
    return true;
  }
  auto it = std::find_if(keys_.begin(), keys_.end(), [&](const KeyPattern& k) { return k.pattern == pattern; });
  if (it != keys_.end()) {
    it->perms |= perms;
  } else {
    keys_.push_back({perms, std::string(pattern)});
  }
  return true;
}

bool AclSelector::ApplyChannelRule(std::string_view rule, std::string* error) {
  if (all_channels_) {
    *error = errors::kAclPatternAfterAllChannels;
    return false;
  }
  const std::string_view pattern = rule.substr(1);
  if (pattern == "*") {
    all_channels_ = true;
    channels_.clear();
  } else if (std::find(channels_.begin(), channels_.end(), pattern) == channels_.end()) {
    channels_.emplace_back(pattern);
  }
  return true;
}

bool AclSelector::KeyPermitted(std::string_view key, uint8_t perms) const {
  if (all_keys_) return true;
  for (const KeyPattern& k : keys_) {
    if ((k.perms & perms) == perms && GlobMatch(k.pattern, key)) return true;
  }
  return false;
}

bool AclSelector::ChannelPermitted(std::string_view channel, bool literal) const {
  if (all_channels_) return true;
  for (const std::string& pattern : channels_) {
    if (literal ? pattern == channel : GlobMatch(pattern, channel)) return true;
  }
  return false;
}

AclVerdict AclSelector::Check(const Command& cmd, std::span<const std::string_view> args,
                              std::vector<int>* keys) const {
  if (!allowed(cmd.id)) return {AclDenial::kCommand, 0};
  if (!all_keys_) {
    // Key specs are not per key yet: a write command needs write access to each of its keys, any
    // other command read access.
    const uint8_t perms = cmd.has(kCmdWrite) ? kWrite : kRead;
    keys->clear();
    cmd.FindKeys(args, keys);
    for (int i : *keys) {
      if (!KeyPermitted(args[static_cast<size_t>(i)], perms)) return {AclDenial::kKey, i};
    }
  }
  const ChannelArgs channel_args = ChannelArgsOf(cmd);
  if (!all_channels_ && channel_args != ChannelArgs::kNone) {
    // A call may lack its channel (redis.acl_check_cmd asks about calls that do not run).
    const size_t last = channel_args == ChannelArgs::kFirst ? std::min<size_t>(2, args.size()) : args.size();
    for (size_t i = 1; i < last; ++i) {
      if (!ChannelPermitted(args[i], channel_args == ChannelArgs::kAllPatterns)) {
        return {AclDenial::kChannel, static_cast<int>(i)};
      }
    }
  }
  return {};
}

bool AclSelector::PermitsEverything() const {
  if (!all_keys_ || !all_channels_) return false;
  bool all = true;
  ForEachCommand(*commands_, [&](const Command& cmd) { all = all && allowed(cmd.id); });
  return all;
}

std::string AclSelector::DescribeCommands() const {
  // Start from +@all or -@all, then, greedily, the category that brings the most commands to
  // their state here (net of those it would take away), while one helps; then name the commands
  // that still differ. Redis 7.0 describes a user by its bitmap in this spirit.
  AclSelector fit(commands_);
  std::string out = all_commands_ ? "+@all" : "-@all";
  if (all_commands_) fit.ApplyCommandRule("+@all", nullptr);
  const bool target = !all_commands_;
  std::span<const std::string_view> names = AclCategoryNames();
  while (true) {
    int best = -1;
    int best_score = 0;
    for (size_t c = 0; c < names.size(); ++c) {
      int score = 0;
      const uint64_t mask = uint64_t{1} << c;
      ForEachCommand(*commands_, [&](const Command& cmd) {
        if ((cmd.acl & mask) == 0 || fit.allowed(cmd.id) == target) return;
        score += allowed(cmd.id) == target ? 1 : -1;
      });
      if (score > best_score) {
        best = static_cast<int>(c);
        best_score = score;
      }
    }
    if (best < 0) break;
    fit.SetCategory(best, target);
    out += target ? " +@" : " -@";
    out += names[static_cast<size_t>(best)];
  }
  ForEachCommand(*commands_, [&](const Command& cmd) {
    if (allowed(cmd.id) == fit.allowed(cmd.id)) return;
    out += allowed(cmd.id) ? " +" : " -";
    out += Lower(cmd.name);
    // As the rule itself does: a container's rule covers its subcommands, visited next.
    fit.SetAllowed(cmd, allowed(cmd.id));
    for (const Command* sub : cmd.subcommands) fit.SetAllowed(*sub, allowed(cmd.id));
  });
  return out;
}

std::string AclSelector::DescribeKeys() const {
  if (all_keys_) return "~*";
  std::string out;
  for (const KeyPattern& k : keys_) {
    if (!out.empty()) out += ' ';
    if (k.perms == kRead) out += "%R";
    if (k.perms == kWrite) out += "%W";
    out += '~';
    out += k.pattern;
  }
  return out;
}

std::string AclSelector::DescribeChannels() const {
  if (all_channels_) return "&*";
  std::string out;
  for (const std::string& pattern : channels_) {
    if (!out.empty()) out += ' ';
    out += '&';
    out += pattern;
  }
  return out;
}

std::string AclSelector::Describe() const {
  std::string out = DescribeKeys();
  if (!out.empty()) out += ' ';
  if (!all_channels_) out += "resetchannels ";
  const std::string channels = DescribeChannels();
  if (!channels.empty()) out += channels + ' ';
  out += DescribeCommands();
  return out;
}

}  // namespace strata::server
