// What the server knows about one client connection, apart from its socket.
//
// The owning io-thread changes these fields; CLIENT LIST and INFO on other threads read them,
// so the ones that change after accept are atomics (or behind the name mutex).
#ifndef STRATA_SERVER_CLIENT_H_
#define STRATA_SERVER_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <memory>
#include <optional>
#include <string>

#include "server/blocking.h"
#include "server/subscriptions.h"
#include "server/transaction.h"

namespace strata::server {

struct Command;
class AclUser;

class Client {
 public:
  Client(uint64_t id, std::string addr, std::string laddr, int fd, int64_t created_ms)
      : id_(id), addr_(std::move(addr)), laddr_(std::move(laddr)), fd_(fd), created_ms_(created_ms) {
    last_interaction_ms_.store(created_ms, std::memory_order_relaxed);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  uint64_t id() const { return id_; }
  // "ip:port" of the peer and of our end ("/path:0" style for unix sockets, as Redis shows).
  const std::string& addr() const { return addr_; }
  const std::string& laddr() const { return laddr_; }
  int fd() const { return fd_; }
  int64_t created_ms() const { return created_ms_; }
  bool is_unix_socket() const { return unix_socket_; }
  void set_unix_socket(bool v) { unix_socket_ = v; }
  // Whether the client is local (server::IsLocalPeer): the `local` settings of
  // enable-protected-configs and enable-debug-command allow it what they refuse others.
  bool is_local() const { return local_; }
  void set_local(bool v) { local_ = v; }

  // The selected database.
  int db() const { return db_.load(std::memory_order_relaxed); }
  void set_db(int db) { db_.store(db, std::memory_order_relaxed); }

  // The RESP version the client speaks (2 or 3).
  int protocol() const { return protocol_.load(std::memory_order_relaxed); }
  void set_protocol(int v) { protocol_.store(v, std::memory_order_relaxed); }

  bool authenticated() const { return authenticated_.load(std::memory_order_relaxed); }
  void set_authenticated(bool v) { authenticated_.store(v, std::memory_order_relaxed); }

  // --- ACL: the user the client runs as (the default user until AUTH). ---
  // The owning thread's snapshot of its user, and the registry generation it was read at
  // (server/acl_registry.h): the dispatcher reads the user again when the generation moves.
  const std::shared_ptr<const AclUser>& user() const { return user_; }
  uint64_t user_generation() const { return user_generation_; }
  // REQUIRES: the owning thread. `username` is `user`'s name.
  void set_user(std::shared_ptr<const AclUser> user, std::string_view username, uint64_t generation) {
    user_ = std::move(user);
    user_generation_ = generation;
    std::lock_guard<std::mutex> lock(name_mu_);
    if (username_ != username) username_ = std::string(username);
  }
  // The user's name, from any thread (CLIENT LIST's user=, CLIENT KILL USER).
  std::string username() const {
    std::lock_guard<std::mutex> lock(name_mu_);
    return username_;
  }

  std::string name() const {
    std::lock_guard<std::mutex> lock(name_mu_);
    return name_;
  }
  void set_name(std::string name) {
    std::lock_guard<std::mutex> lock(name_mu_);
    name_ = std::move(name);
  }

  int64_t last_interaction_ms() const { return last_interaction_ms_.load(std::memory_order_relaxed); }
  void set_last_interaction_ms(int64_t v) { last_interaction_ms_.store(v, std::memory_order_relaxed); }

  // The last command run (CLIENT LIST's cmd=), nullptr before the first.
  const Command* last_command() const { return last_command_.load(std::memory_order_relaxed); }
  void set_last_command(const Command* c) { last_command_.store(c, std::memory_order_relaxed); }

  // Buffer figures for CLIENT LIST and INFO, published by the owning thread whenever it flushes
  // (Connection::PublishBufferSizes), read by any thread.
  struct Buffers {
    std::atomic<size_t> query{0};       // qbuf: buffered input not yet run
    std::atomic<size_t> query_free{0};  // qbuf-free: the input buffer's unused allocation
    // argv-mem of a command held by CLIENT PAUSE (the running command's own is known to its thread).
    std::atomic<size_t> held_args{0};
    std::atomic<size_t> reply{0};           // reply bytes not yet written to the socket
    std::atomic<size_t> in_flight{0};       // of which handed to the socket in a write not done yet
    std::atomic<size_t> in_flight_mem{0};   // that write's buffer allocation (0 with none in flight)
    std::atomic<size_t> reply_capacity{0};  // both reply buffers' allocation
    std::atomic<size_t> reply_peak{0};      // rbp: the most reply bytes a flush found, recently
    std::atomic<bool> reading{false};       // events: reading from the socket
  };
  Buffers& buffers() { return buffers_; }
  const Buffers& buffers() const { return buffers_; }
  // The bytes its buffers hold (query buffer and reply buffers, used or not), as last published:
  // what INFO's mem_clients_normal adds up and maxmemory-clients limits. Any thread.
  size_t buffer_memory() const {
    return buffers_.query.load(std::memory_order_relaxed) + buffers_.query_free.load(std::memory_order_relaxed) +
           buffers_.reply_capacity.load(std::memory_order_relaxed);
  }

  // Set by the owning thread: close the connection once the pending replies are written
  // (QUIT, protocol errors, CLIENT KILL of oneself).
  bool close_after_reply() const { return close_after_reply_; }
  void set_close_after_reply() { close_after_reply_ = true; }

  // MONITOR: receives every executed command (monitor.h); RESET and closing end it. Written by the
  // owning thread; others read it for CLIENT LIST (flag 'O').
  bool monitor() const { return monitor_.load(std::memory_order_relaxed); }
  void set_monitor(bool v) { monitor_.store(v, std::memory_order_relaxed); }

  // CLIENT NO-EVICT: exempt from client eviction (shown as flag 'e' in CLIENT LIST).
  bool no_evict() const { return no_evict_.load(std::memory_order_relaxed); }
  void set_no_evict(bool v) { no_evict_.store(v, std::memory_order_relaxed); }

  // CLIENT NO-TOUCH: the client's commands (but TOUCH) leave the keys' LRU/LFU field alone
  // (flag 'T' in CLIENT LIST).
  bool no_touch() const { return no_touch_.load(std::memory_order_relaxed); }
  void set_no_touch(bool v) { no_touch_.store(v, std::memory_order_relaxed); }

  // CLIENT SETINFO: the client library's name and version (CLIENT LIST's lib-name, lib-ver).
  std::string lib_name() const {
    std::lock_guard<std::mutex> lock(name_mu_);
    return lib_name_;
  }
  std::string lib_ver() const {
    std::lock_guard<std::mutex> lock(name_mu_);
    return lib_ver_;
  }
  void set_lib_name(std::string v) {
    std::lock_guard<std::mutex> lock(name_mu_);
    lib_name_ = std::move(v);
  }
  void set_lib_ver(std::string v) {
    std::lock_guard<std::mutex> lock(name_mu_);
    lib_ver_ = std::move(v);
  }

  // CLIENT REPLY: whether replies are sent. kSkipNext drops the reply of the next command only.
  // Owned by the owning thread: the connection drops the reply of each command run while
  // suppress_reply() holds, then calls AfterCommand().
  enum class ReplyMode { kOn, kOff, kSkipNext, kSkipThis };
  ReplyMode reply_mode() const { return reply_mode_; }
  void set_reply_mode(ReplyMode mode) { reply_mode_ = mode; }
  bool suppress_reply() const { return reply_mode_ == ReplyMode::kOff || reply_mode_ == ReplyMode::kSkipThis; }
  // Advances SKIP: the command after CLIENT REPLY SKIP loses its reply, later ones do not.
  void AfterCommand() {
    if (reply_mode_ == ReplyMode::kSkipThis) {
      reply_mode_ = ReplyMode::kOn;
    } else if (reply_mode_ == ReplyMode::kSkipNext) {
      reply_mode_ = ReplyMode::kSkipThis;
    }
  }

  // --- Blocking commands: the owning thread's, except while another thread serves the blocked
  // client (BlockingRegistry::ServeReady), which then re-runs its command with them. ---
  // Called by a blocking command's handler that found nothing to take; the dispatcher registers
  // the block once the handler returns. Handlers call it only when can_block().
  void RequestBlock(BlockRequest request) { block_request_ = std::move(request); }
  std::optional<BlockRequest> TakeBlockRequest() {
    std::optional<BlockRequest> r = std::move(block_request_);
    block_request_.reset();
    return r;
  }
  // True while the client waits, including while its command re-runs to serve it (handlers use
  // it to treat keys of another type as empty on a re-run, as Redis serves only ready keys).
  // Readable from any thread (CLIENT LIST shows flag 'b').
  bool blocked() const { return blocked_.load(std::memory_order_relaxed); }
  // The block's deadline (Unix ms, 0 = none), kept from the first run.
  int64_t block_deadline_ms() const { return block_deadline_ms_; }
  void SetBlocked(int64_t deadline_ms) {
    block_deadline_ms_ = deadline_ms;
    blocked_.store(true, std::memory_order_relaxed);
  }
  void ClearBlocked() { blocked_.store(false, std::memory_order_relaxed); }
  // Held by CLIENT PAUSE: the command the dispatcher held stays unconsumed in the connection's
  // input and runs again once the pause ends (server/client_pause.h). Set by the dispatcher,
  // cleared by the owning connection; readable from any thread (CLIENT LIST shows flag 'b', as
  // Redis shows its postponed clients).
  bool paused() const { return paused_.load(std::memory_order_relaxed); }
  void set_paused(bool v) { paused_.store(v, std::memory_order_relaxed); }
  // Whether a blocking command may block now (not inside a transaction or script).
  bool can_block() const { return !transaction_.running() && !in_script_; }
  // While a script of this client runs (its blocking calls, BLMPOP and BZMPOP, do not block).
  void set_in_script(bool v) { in_script_ = v; }
  bool in_script() const { return in_script_; }

  // MULTI/EXEC and WATCH state. The owning thread's; other threads read its atomics.
  Transaction& transaction() { return transaction_; }
  const Transaction& transaction() const { return transaction_; }

  // Pub/sub subscriptions (server/pubsub.h changes them).
  Subscriptions& subscriptions() { return subscriptions_; }
  const Subscriptions& subscriptions() const { return subscriptions_; }

  // Set by any thread (CLIENT KILL); the owning thread closes the connection. A request to the
  // owner rather than client state, so it may be made through the const views ForEachClient gives.
  bool kill_requested() const { return kill_requested_.load(std::memory_order_acquire); }
  void request_kill() const { kill_requested_.store(true, std::memory_order_release); }

 private:
  const uint64_t id_;
  const std::string addr_;
  const std::string laddr_;
  const int fd_;
  const int64_t created_ms_;
  bool unix_socket_ = false;
  bool local_ = false;
  std::atomic<int> db_{0};
  std::atomic<int> protocol_{2};
  std::atomic<bool> authenticated_{false};
  mutable std::mutex name_mu_;
  std::string name_;
  std::string username_ = "default";  // under name_mu_; every client starts as the default user
  std::shared_ptr<const AclUser> user_;
  uint64_t user_generation_ = 0;
  std::atomic<int64_t> last_interaction_ms_{0};
  std::atomic<const Command*> last_command_{nullptr};
  Buffers buffers_;
  bool close_after_reply_ = false;
  mutable std::atomic<bool> kill_requested_{false};
  std::atomic<bool> no_evict_{false};
  std::atomic<bool> monitor_{false};
  std::atomic<bool> no_touch_{false};
  std::string lib_name_;  // under name_mu_
  std::string lib_ver_;   // under name_mu_
  ReplyMode reply_mode_ = ReplyMode::kOn;
  std::optional<BlockRequest> block_request_;
  std::atomic<bool> blocked_{false};
  std::atomic<bool> paused_{false};
  int64_t block_deadline_ms_ = 0;
  bool in_script_ = false;
  Subscriptions subscriptions_;
  Transaction transaction_;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_CLIENT_H_
