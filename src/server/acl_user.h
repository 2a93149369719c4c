// An ACL user (Redis 7's ACL SETUSER model): enabled or not, its passwords as SHA-256 digests,
// a root selector and any extra `(...)` selectors.
//
// Users are values. The registry (server/acl_registry.h) changes a copy and publishes it as an
// immutable snapshot (shared_ptr<const AclUser>) that clients hold, so checking a permission takes
// no lock; a user that permits everything is marked so the check is skipped.
#ifndef STRATA_SERVER_ACL_USER_H_
#define STRATA_SERVER_ACL_USER_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/acl_selector.h"

namespace strata::server {

// The 64 lowercase hex digits of the SHA-256 digest of `password`, as Redis stores passwords.
std::string AclHashPassword(std::string_view password);

class AclUser {
 public:
  // A new user as Redis creates one: off, no password, no command, key or channel. `commands`
  // must outlive it.
  AclUser(std::string name, const CommandTable* commands);

  // Applies one ACL SETUSER rule: on, off, >pass, <pass, #hash, !hash, nopass, resetpass, reset,
  // (sanitize|skip-sanitize)-payload, clearselectors, a `(...)` selector, or a root-selector rule
  // (server/acl_selector.h). Returns false and sets *error to Redis's reason (the text after
  // "modifier '<rule>': ") for a refused rule; the user may then be half changed, so callers apply
  // rules to a copy.
  bool ApplyRule(std::string_view rule, std::string* error);
  // Recomputes permits_everything(). Call after the last rule.
  void Seal();

  const std::string& name() const { return name_; }
  bool enabled() const { return enabled_; }
  bool nopass() const { return nopass_; }
  const std::vector<std::string>& password_hashes() const { return passwords_; }
  // Whether it is on and `password` is accepted (nopass, or one of its passwords; compared in
  // constant time).
  bool Authenticates(std::string_view password) const;

  // Whether the call `args` of `cmd` is permitted; `keys` is scratch. Commands that need no
  // authentication (AUTH, HELLO, QUIT, RESET) are always permitted.
  AclVerdict Check(const Command& cmd, std::span<const std::string_view> args, std::vector<int>* keys) const;
  // Set by Seal(): every command, key and channel permitted by the root selector.
  bool permits_everything() const { return permits_everything_; }

  // ACL GETUSER's flags ("on", "nopass", "sanitize-payload" ...).
  std::vector<std::string_view> Flags() const;
  const AclSelector& root() const { return root_; }
  const std::vector<AclSelector>& selectors() const { return selectors_; }
  // ACL LIST's line and the users file's: "user <name> <rules>".
  std::string Describe() const;

 private:
  enum class Sanitize { kUnset, kSanitize, kSkip };

  bool ApplyPasswordRule(std::string_view rule, std::string* error);
  // Parses "(rule rule ...)" into a new selector.
  bool AddSelector(std::string_view text, std::string* error);

  std::string name_;
  const CommandTable* commands_;
  bool enabled_ = false;
  bool nopass_ = false;
  Sanitize sanitize_ = Sanitize::kUnset;
  std::vector<std::string> passwords_;  // hex SHA-256 digests, in the order added
  AclSelector root_;
  std::vector<AclSelector> selectors_;
  bool permits_everything_ = false;
};

// Joins ACL SETUSER's arguments the way Redis does before applying them: a selector written over
// several arguments ("(~x" "+get)") becomes one rule. Returns false and sets *error (the whole
// error reply) for a selector whose ")" never comes.
bool AclMergeSelectorArgs(std::span<const std::string_view> args, std::vector<std::string>* rules, std::string* error);

}  // namespace strata::server

#endif  // STRATA_SERVER_ACL_USER_H_
