#include "server/slowlog.h"

#include <fmt/format.h>

#include "common/numbers.h"
#include "server/command_table.h"

namespace strata::server {
namespace {

constexpr std::string_view kRedacted = "(redacted)";

// Whether Redis 7.0 hides the argument at `i` of a call of `cmd` (its redactClientCommandArgument
// calls): passwords and ACL rules never reach the slowlog.
bool IsRedacted(const Command& cmd, std::span<const std::string_view> args, size_t i) {
  if (cmd.name == "auth") return i >= 1;
  if (cmd.name == "acl|setuser") return i >= 2;
  if (cmd.name == "hello") {
    // HELLO [protover [AUTH username password] [SETNAME name]]: the pair after AUTH.
    for (size_t j = 2; j < i; ++j) {
      if (EqualsIgnoreCase(args[j], "auth") && i <= j + 2) return true;
    }
    return false;
  }
  if (cmd.name == "config|set") {
    // CONFIG SET name value [name value ...]: the values of the secret directives.
    return i >= 3 && (i - 2) % 2 == 1 &&
           (EqualsIgnoreCase(args[i - 1], "requirepass") || EqualsIgnoreCase(args[i - 1], "masterauth"));
  }
  return false;
}

}  // namespace

std::vector<std::string> SlowLogArgs(const Command& cmd, std::span<const std::string_view> args) {
  const size_t kept = std::min(args.size(), kSlowLogMaxArgs);
  std::vector<std::string> out;
  out.reserve(kept);
  for (size_t i = 0; i < kept; ++i) {
    if (kept < args.size() && i == kept - 1) {
      out.push_back(fmt::format("... ({} more arguments)", args.size() - kept + 1));
    } else if (IsRedacted(cmd, args, i)) {
      out.emplace_back(kRedacted);
    } else if (args[i].size() > kSlowLogMaxArgBytes) {
      out.push_back(fmt::format("{}... ({} more bytes)", args[i].substr(0, kSlowLogMaxArgBytes),
                                args[i].size() - kSlowLogMaxArgBytes));
    } else {
      out.emplace_back(args[i]);
    }
  }
  return out;
}

void SlowLog::SetMaxLen(size_t max_len) {
  std::lock_guard<std::mutex> lock(mu_);
  max_len_ = max_len;
  while (entries_.size() > max_len_) entries_.pop_back();
}

void SlowLog::Record(const Command& cmd, std::span<const std::string_view> args, int64_t duration_us,
                     int64_t unix_seconds, std::string client_addr, std::string client_name) {
  // Everything but the id is built before taking the lock: the threads logging at once (a
  // threshold of 0 logs every call) wait only for the push.
  SlowLogEntry entry{0, unix_seconds, duration_us, SlowLogArgs(cmd, args), std::move(client_addr),
                     std::move(client_name)};
  std::lock_guard<std::mutex> lock(mu_);
  entry.id = next_id_++;
  if (max_len_ == 0) return;
  entries_.push_front(std::move(entry));
  if (entries_.size() > max_len_) entries_.pop_back();
}

std::vector<SlowLogEntry> SlowLog::Newest(size_t count) const {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t n = std::min(count, entries_.size());
  return std::vector<SlowLogEntry>(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n));
}

size_t SlowLog::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

void SlowLog::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

}  // namespace strata::server
