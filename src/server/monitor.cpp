#include "server/monitor.h"

#include <algorithm>

#include <fmt/format.h>

#include "server/command_table.h"
#include "common/numbers.h"
#include "server/connection.h"
#include "server/io_thread.h"

namespace strata::server {

void AppendQuoted(std::string_view arg, std::string* out) {
  out->push_back('"');
  for (const char c : arg) {
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '"': *out += "\\\""; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\a': *out += "\\a"; break;
      case '\b': *out += "\\b"; break;
      default: {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f) {
          out->push_back(c);
        } else {
          fmt::format_to(std::back_inserter(*out), "\\x{:02x}", u);
        }
      }
    }
  }
  out->push_back('"');
}

std::string FormatMonitorLine(int64_t now_us, int db, std::string_view origin,
                              std::span<const std::string_view> args) {
  std::string out = fmt::format("+{}.{:06} [{} {}]", now_us / 1000000, now_us % 1000000, db, origin);
  for (size_t i = 0; i < args.size(); ++i) {
    out.push_back(' ');
    AppendQuoted(args[i], &out);
  }
  out += "\r\n";
  return out;
}

void RedactArguments(const Command& cmd, std::span<const std::string_view> args, std::vector<std::string_view>* shown) {
  constexpr std::string_view kRedacted = "(redacted)";
  shown->assign(args.begin(), args.end());
  if (cmd.name == "auth") {
    std::fill(shown->begin() + 1, shown->end(), kRedacted);
  } else if (cmd.name == "hello") {
    // HELLO's options as HELLO reads them: AUTH takes two values, SETNAME one.
    for (size_t i = 2; i < args.size(); ++i) {
      const size_t more = args.size() - 1 - i;
      if (EqualsIgnoreCase(args[i], "auth") && more >= 2) {
        (*shown)[i + 1] = kRedacted;
        (*shown)[i + 2] = kRedacted;
        i += 2;
      } else if (EqualsIgnoreCase(args[i], "setname") && more >= 1) {
        ++i;
      } else {
        break;
      }
    }
  }
}

MonitorFeed::MonitorFeed(int threads) {
  for (int i = 0; i < threads; ++i) inboxes_.push_back(std::make_unique<Inbox>());
}

void MonitorFeed::Attach(IoThread* thread, uint64_t id) {
  Inbox& inbox = *inboxes_[static_cast<size_t>(thread->index())];
  std::lock_guard<std::mutex> lock(inbox.mu);
  inbox.thread = thread;
  inbox.clients.push_back(id);
  monitors_.fetch_add(1, std::memory_order_relaxed);
}

void MonitorFeed::Detach(IoThread* thread, uint64_t id) {
  Inbox& inbox = *inboxes_[static_cast<size_t>(thread->index())];
  std::lock_guard<std::mutex> lock(inbox.mu);
  auto it = std::find(inbox.clients.begin(), inbox.clients.end(), id);
  if (it == inbox.clients.end()) return;
  inbox.clients.erase(it);
  monitors_.fetch_sub(1, std::memory_order_relaxed);
}

void MonitorFeed::Feed(std::string_view line, int64_t hard_bytes) {
  for (const auto& box : inboxes_) {
    Inbox& inbox = *box;
    bool post;
    {
      std::lock_guard<std::mutex> lock(inbox.mu);
      if (inbox.clients.empty()) continue;
      if (hard_bytes > 0 && static_cast<int64_t>(inbox.lines.size()) >= hard_bytes) continue;
      post = inbox.lines.empty();
      inbox.lines += line;
    }
    if (post) inbox.thread->Post([&inbox] { Drain(inbox); });
  }
}

void MonitorFeed::Drain(Inbox& inbox) {
  thread_local std::string lines;
  thread_local std::vector<uint64_t> clients;
  {
    std::lock_guard<std::mutex> lock(inbox.mu);
    lines.swap(inbox.lines);
    clients = inbox.clients;
  }
  for (uint64_t id : clients) {
    Connection* conn = inbox.thread->FindConnection(id);
    if (conn != nullptr && conn->WriteMonitorLines(lines)) inbox.thread->ScheduleMessageFlush(id);
  }
  lines.clear();
}

}  // namespace strata::server
