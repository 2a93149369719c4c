// The ACL users, by name: ACL SETUSER/DELUSER/LIST, AUTH's lookup, requirepass, the users file.
//
// Each user is published as an immutable snapshot. A change builds a new snapshot, swaps it in
// under the registry's mutex and bumps generation(); a client keeps its user's snapshot and the
// generation it read it at, and looks its user up again only when the generation moved, so the
// permission check of every command costs one atomic load while no user changes.
#ifndef STRATA_SERVER_ACL_REGISTRY_H_
#define STRATA_SERVER_ACL_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/acl_user.h"

namespace strata::server {

using AclUserPtr = std::shared_ptr<const AclUser>;

class AclRegistry {
 public:
  // Holds the `default` user only: on, nopass, every command, key and channel. `commands` must
  // outlive the registry.
  explicit AclRegistry(const CommandTable* commands);
  AclRegistry(const AclRegistry&) = delete;
  AclRegistry& operator=(const AclRegistry&) = delete;

  // Changes whenever any user changes, appears or goes. Thread-safe.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // The user named `name` as it is now, or nullptr. Thread-safe.
  AclUserPtr Find(std::string_view name) const;
  // Every user, sorted by name. Thread-safe.
  std::vector<AclUserPtr> Users() const;

  // ACL SETUSER: creates `name` if needed and applies `args` (joined as Redis joins selectors) to
  // it, all or nothing. Returns false with the whole error reply in *error. Thread-safe.
  bool SetUser(std::string_view name, std::span<const std::string_view> args, std::string* error);
  // ACL DELUSER: removes the named users that exist (never `default`: callers refuse it first)
  // and returns how many. Thread-safe.
  int DeleteUsers(std::span<const std::string_view> names);

  // The user `name` if it is on and accepts `password`, or nullptr. Thread-safe.
  AclUserPtr Authenticate(std::string_view name, std::string_view password) const;
  // requirepass: sets the default user's only password, or nopass when `password` is empty.
  void SetDefaultPassword(std::string_view password);
  // Whether a new connection must authenticate: the default user has a password or is off.
  bool RequiresAuth() const { return requires_auth_.load(std::memory_order_relaxed); }

  // Replaces every user with those of the users file `path` ("user <name> <rules...>" lines); a
  // file without `default` gets a fresh default user. On any error changes nothing and returns
  // false with Redis's message (without "ERR ") in *error. Thread-safe.
  bool LoadFile(const std::string& path, std::string* error);
  // Writes every user to `path` in that format: a temporary file, fsync, rename. Returns false
  // with the reason in *error. Thread-safe.
  bool SaveFile(const std::string& path, std::string* error) const;

 private:
  using UserMap = std::map<std::string, AclUserPtr, std::less<>>;

  // Parses the users file's `text` (named `path` in errors) into `users`.
  bool ParseUsersFile(std::string_view path, std::string_view text, UserMap* users, std::string* error) const;
  AclUserPtr NewDefaultUser() const;
  // Publishes a change made under mu_.
  void Changed();

  const CommandTable* commands_;
  mutable std::mutex mu_;
  UserMap users_;
  std::atomic<uint64_t> generation_{1};
  std::atomic<bool> requires_auth_{false};
};

}  // namespace strata::server

#endif  // STRATA_SERVER_ACL_REGISTRY_H_
