// MONITOR: every executed command, as one line, sent to every client that asked for the feed.
//
// A monitor is registered with its io-thread. Feeding formats the command's line once and appends
// it to the inbox of each io-thread that has monitors; the append that finds an inbox empty posts
// one task that drains it there, so lines cross threads in batches, as pub/sub messages do
// (pubsub.h), and reach the monitors in the order each thread fed them. With no monitor attached
// the command path pays one relaxed atomic load (active()).
//
// A monitor's pending output is held to client-output-buffer-limit's normal class (Redis counts
// monitors as normal clients). An inbox stops growing once it holds that class's hard limit: the
// drain hands every monitor of the thread that many bytes, which closes it anyway.
//
// Thread-safe unless a method says otherwise. Lock order: an inbox's lock, then an io-thread's task
// queue; no lock is held while a connection is written to.
#ifndef STRATA_SERVER_MONITOR_H_
#define STRATA_SERVER_MONITOR_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace strata::server {

class Client;
class IoThread;
struct Command;

// Appends `arg` to `out` quoted as Redis's sdscatrepr quotes it: in double quotes, with \\ \" \n
// \r \t \a \b escaped and any other unprintable byte as \xhh.
void AppendQuoted(std::string_view arg, std::string* out);

// The MONITOR line (a RESP simple string with its CRLF) of `args` run at `now_us` (Unix
// microseconds) in database `db` by a client `origin` ("127.0.0.1:60866", "unix:/tmp/s.sock").
std::string FormatMonitorLine(int64_t now_us, int db, std::string_view origin, std::span<const std::string_view> args);

// `args` (a call of `cmd`) as MONITOR shows them: the secrets Redis hides replaced by
// "(redacted)" (AUTH's username and password, HELLO's two values after AUTH). Fills *shown.
void RedactArguments(const Command& cmd, std::span<const std::string_view> args, std::vector<std::string_view>* shown);

class MonitorFeed {
 public:
  // `threads` is the number of io-threads (their indexes are 0 .. threads-1).
  explicit MonitorFeed(int threads);
  MonitorFeed(const MonitorFeed&) = delete;
  MonitorFeed& operator=(const MonitorFeed&) = delete;

  // Whether any client monitors. One relaxed load: the only cost of MONITOR when unused.
  bool active() const { return monitors_.load(std::memory_order_relaxed) > 0; }

  // Adds or removes client `id` of `thread` as a monitor. REQUIRES: `thread` is the caller's.
  void Attach(IoThread* thread, uint64_t id);
  void Detach(IoThread* thread, uint64_t id);

  // Sends `line` (FormatMonitorLine's) to every monitor; `hard_bytes` is the normal class's hard
  // output limit (0: none), which bounds each inbox.
  void Feed(std::string_view line, int64_t hard_bytes);

 private:
  struct Inbox {
    std::mutex mu;
    IoThread* thread = nullptr;     // set by the first Attach
    std::vector<uint64_t> clients;  // the monitors of this thread
    std::string lines;              // fed, not yet drained
  };
  // Runs on `inbox`'s thread: hands its lines to each of its monitors.
  static void Drain(Inbox& inbox);

  std::atomic<int> monitors_{0};
  std::vector<std::unique_ptr<Inbox>> inboxes_;  // by io-thread index
};

}  // namespace strata::server

#endif  // STRATA_SERVER_MONITOR_H_
