#include "server/acl_user.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

#include <fmt/format.h>

#include "common/error_texts.h"
#include "common/numbers.h"
#include "server/command_table.h"

namespace strata::server {
namespace {

constexpr size_t kHashHexLength = 64;

bool ValidHashHex(std::string_view hex) {
  return hex.size() == kHashHexLength &&
         std::all_of(hex.begin(), hex.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Splits `text` at spaces, skipping empty words.
std::vector<std::string_view> SplitWords(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    if (end > i) words.push_back(text.substr(i, end - i));
    i = end + 1;
  }
  return words;
}

}  // namespace

std::string AclHashPassword(std::string_view password) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(password.data(), password.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) fmt::format_to(std::back_inserter(hex), "{:02x}", digest[i]);
  return hex;
}

AclUser::AclUser(std::string name, const CommandTable* commands)
    : name_(std::move(name)), commands_(commands), root_(commands) {}

bool AclUser::ApplyRule(std::string_view rule, std::string* error) {
  if (EqualsIgnoreCase(rule, "on")) {
    enabled_ = true;
  } else if (EqualsIgnoreCase(rule, "off")) {
    enabled_ = false;
  } else if (EqualsIgnoreCase(rule, "sanitize-payload")) {
    sanitize_ = Sanitize::kSanitize;
  } else if (EqualsIgnoreCase(rule, "skip-sanitize-payload")) {
    sanitize_ = Sanitize::kSkip;
  } else if (EqualsIgnoreCase(rule, "clearselectors")) {
    selectors_.clear();
  } else if (EqualsIgnoreCase(rule, "reset")) {
    passwords_.clear();
    nopass_ = false;
    enabled_ = false;
    sanitize_ = Sanitize::kSanitize;
    selectors_.clear();
    root_ = AclSelector(commands_);
  } else if (EqualsIgnoreCase(rule, "nopass") || EqualsIgnoreCase(rule, "resetpass") ||
             (!rule.empty() && (rule[0] == '>' || rule[0] == '<' || rule[0] == '#' || rule[0] == '!'))) {
    return ApplyPasswordRule(rule, error);
  } else if (rule.size() >= 2 && rule.front() == '(' && rule.back() == ')') {
    return AddSelector(rule.substr(1, rule.size() - 2), error);
  } else {
    return root_.ApplyRule(rule, error);
  }
  return true;
}

bool AclUser::ApplyPasswordRule(std::string_view rule, std::string* error) {
  if (EqualsIgnoreCase(rule, "nopass")) {
    nopass_ = true;
    passwords_.clear();
    return true;
  }
  if (EqualsIgnoreCase(rule, "resetpass")) {
    nopass_ = false;
    passwords_.clear();
    return true;
  }
  const char op = rule[0];
  std::string hash;
  if (op == '>' || op == '<') {
    hash = AclHashPassword(rule.substr(1));
  } else {
    hash = std::string(rule.substr(1));
    if (!ValidHashHex(hash)) {
      *error = errors::kAclBadPasswordHash;
      return false;
    }
  }
  auto it = std::find(passwords_.begin(), passwords_.end(), hash);
  if (op == '>' || op == '#') {
    if (it == passwords_.end()) passwords_.push_back(std::move(hash));
    nopass_ = false;
    return true;
  }
  if (it == passwords_.end()) {
    *error = errors::kAclNoSuchPassword;
    return false;
  }
  passwords_.erase(it);
  return true;
}

bool AclUser::AddSelector(std::string_view text, std::string* error) {
  AclSelector selector(commands_);
  for (std::string_view rule : SplitWords(text)) {
    if (!selector.ApplyRule(rule, error)) return false;
  }
  selectors_.push_back(std::move(selector));
  return true;
}

void AclUser::Seal() { permits_everything_ = root_.PermitsEverything(); }

bool AclUser::Authenticates(std::string_view password) const {
  if (!enabled_) return false;
  if (nopass_) return true;
  const std::string hash = AclHashPassword(password);
  bool match = false;
  // Every stored hash is compared, in constant time each, so timing tells nothing of which.
  for (const std::string& stored : passwords_) {
    match |= CRYPTO_memcmp(stored.data(), hash.data(), kHashHexLength) == 0;
  }
  return match;
}

AclVerdict AclUser::Check(const Command& cmd, std::span<const std::string_view> args, std::vector<int>* keys) const {
  if (permits_everything_ || cmd.has(kCmdNoAuth)) return {};
  AclVerdict verdict = root_.Check(cmd, args, keys);
  if (verdict.denial == AclDenial::kNone) return verdict;
  // As Redis: any selector may permit the call; refused by all, the reply names the most telling
  // refusal (a channel over a key over the command; the later argument among equals).
  for (const AclSelector& selector : selectors_) {
    const AclVerdict v = selector.Check(cmd, args, keys);
    if (v.denial == AclDenial::kNone) return v;
    if (v.denial > verdict.denial || (v.denial == verdict.denial && v.arg_index > verdict.arg_index)) verdict = v;
  }
  return verdict;
}

std::vector<std::string_view> AclUser::Flags() const {
  std::vector<std::string_view> flags = {enabled_ ? "on" : "off"};
  if (nopass_) flags.push_back("nopass");
  if (sanitize_ == Sanitize::kSkip) flags.push_back("skip-sanitize-payload");
  if (sanitize_ == Sanitize::kSanitize) flags.push_back("sanitize-payload");
  return flags;
}

std::string AclUser::Describe() const {
  std::string out = "user " + name_;
  for (std::string_view flag : Flags()) fmt::format_to(std::back_inserter(out), " {}", flag);
  for (const std::string& hash : passwords_) fmt::format_to(std::back_inserter(out), " #{}", hash);
  fmt::format_to(std::back_inserter(out), " {}", root_.Describe());
  for (const AclSelector& selector : selectors_) fmt::format_to(std::back_inserter(out), " ({})", selector.Describe());
  return out;
}

bool AclMergeSelectorArgs(std::span<const std::string_view> args, std::vector<std::string>* rules,
                          std::string* error) {
  std::string open;  // the selector being gathered
  std::string_view open_start;
  for (std::string_view arg : args) {
    if (open_start.empty() && arg.starts_with('(') && !arg.ends_with(')')) {
      open = std::string(arg);
      open_start = arg;
    } else if (!open_start.empty()) {
      open += ' ';
      open += arg;
      if (arg.ends_with(')')) {
        rules->push_back(std::move(open));
        open_start = {};
      }
    } else {
      rules->emplace_back(arg);
    }
  }
  if (open_start.empty()) return true;
  *error = fmt::format(errors::kFmtAclUnmatchedParenthesis, open_start);
  return false;
}

}  // namespace strata::server
