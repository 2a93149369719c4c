#include "server/acl_registry.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/error_texts.h"

namespace strata::server {
namespace {

// Splits a users-file line at spaces and tabs.
std::vector<std::string_view> SplitLine(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    const size_t start = line.find_first_not_of(" \t", i);
    if (start == std::string_view::npos) break;
    size_t end = line.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = line.size();
    words.push_back(line.substr(start, end - start));
    i = end;
  }
  return words;
}

// Applies `args` to `user` as ACL SETUSER does. Returns false with Redis's reason in *reason and
// the refused rule in *rule, or the whole reply in *reason (unmatched parenthesis, *rule empty).
bool ApplyRules(AclUser* user, std::span<const std::string_view> args, std::string* rule, std::string* reason) {
  std::vector<std::string> rules;
  if (!AclMergeSelectorArgs(args, &rules, reason)) return false;
  for (std::string& r : rules) {
    if (!user->ApplyRule(r, reason)) {
      *rule = std::move(r);
      return false;
    }
  }
  user->Seal();
  return true;
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

AclRegistry::AclRegistry(const CommandTable* commands) : commands_(commands) {
  users_.emplace("default", NewDefaultUser());
}

AclUserPtr AclRegistry::NewDefaultUser() const {
  auto user = std::make_shared<AclUser>("default", commands_);
  for (std::string_view rule : {"on", "nopass", "~*", "&*", "+@all"}) {
    std::string unused;
    user->ApplyRule(rule, &unused);
  }
  user->Seal();
  return user;
}

void AclRegistry::Changed() {
  const AclUser& def = *users_.at("default");
  requires_auth_.store(!def.nopass() || !def.enabled(), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
}

AclUserPtr AclRegistry::Find(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

std::vector<AclUserPtr> AclRegistry::Users() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<AclUserPtr> out;
  out.reserve(users_.size());
  for (const auto& [name, user] : users_) out.push_back(user);
  return out;
}

bool AclRegistry::SetUser(std::string_view name, std::span<const std::string_view> args, std::string* error) {
  if (name.find_first_of(std::string_view(" \0", 2)) != std::string_view::npos) {
    *error = errors::kAclBadUsername;
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = users_.find(name);
  auto user = it == users_.end() ? std::make_shared<AclUser>(std::string(name), commands_)
                                 : std::make_shared<AclUser>(*it->second);
  std::string rule;
  std::string reason;
  if (!ApplyRules(user.get(), args, &rule, &reason)) {
    *error = rule.empty() ? reason : fmt::format(errors::kFmtAclSetUserModifier, rule, reason);
    return false;
  }
  users_.insert_or_assign(std::string(name), std::move(user));
  Changed();
  return true;
}

int AclRegistry::DeleteUsers(std::span<const std::string_view> names) {
  std::lock_guard<std::mutex> lock(mu_);
  int deleted = 0;
  for (std::string_view name : names) {
    auto it = users_.find(name);
    if (it == users_.end() || it->first == "default") continue;
    users_.erase(it);
    ++deleted;
  }
  if (deleted > 0) Changed();
  return deleted;
}

AclUserPtr AclRegistry::Authenticate(std::string_view name, std::string_view password) const {
  AclUserPtr user = Find(name);
  return user != nullptr && user->Authenticates(password) ? user : nullptr;
}

void AclRegistry::SetDefaultPassword(std::string_view password) {
  std::lock_guard<std::mutex> lock(mu_);
  auto user = std::make_shared<AclUser>(*users_.at("default"));
  std::string unused;
  if (password.empty()) {
    user->ApplyRule("nopass", &unused);
  } else {
    user->ApplyRule("resetpass", &unused);
    user->ApplyRule(fmt::format(">{}", password), &unused);
  }
  user->Seal();
  users_.insert_or_assign("default", std::move(user));
  Changed();
}

bool AclRegistry::ParseUsersFile(std::string_view path, std::string_view text, UserMap* users,
                                 std::string* error) const {
  int line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    const std::vector<std::string_view> words = SplitLine(line);
    if (words.empty()) continue;
    if (words.size() < 2 || words[0] != "user") {
      *error = fmt::format(errors::kFmtAclFileNoUserKeyword, path, line_number);
      return false;
    }
    if (users->contains(words[1])) {
      *error = fmt::format(errors::kFmtAclFileDuplicateUser, path, line_number, words[1]);
      return false;
    }
    auto user = std::make_shared<AclUser>(std::string(words[1]), commands_);
    std::string rule;
    std::string reason;
    if (!ApplyRules(user.get(), std::span(words).subspan(2), &rule, &reason)) {
      *error = rule.empty() ? reason : fmt::format(errors::kFmtAclFileBadRule, path, line_number, rule, reason);
      return false;
    }
    users->emplace(std::string(words[1]), std::move(user));
  }
  if (!users->contains("default")) users->emplace("default", NewDefaultUser());
  return true;
}

bool AclRegistry::LoadFile(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = fmt::format(errors::kFmtAclFileOpen, path, std::strerror(errno));
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  UserMap users;
  if (!ParseUsersFile(path, text.str(), &users, error)) {
    *error += errors::kAclFileNoChange;
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  users_ = std::move(users);
  Changed();
  return true;
}

bool AclRegistry::SaveFile(const std::string& path, std::string* error) const {
  std::string text;
  for (const AclUserPtr& user : Users()) {
    text += user->Describe();
    text += '\n';
  }
  const std::string temp = fmt::format("{}.tmp-{}", path, ::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = fmt::format("opening '{}': {}", temp, std::strerror(errno));
    return false;
  }
  const bool written = WriteAll(fd, text) && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
    *error = fmt::format("writing '{}': {}", path, std::strerror(written ? errno : saved_errno));
    ::unlink(temp.c_str());
    return false;
  }
  return true;
}

}  // namespace strata::server
