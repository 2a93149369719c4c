#include "server/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <spdlog/spdlog.h>

#include "common/error_texts.h"
#include "server/client_info.h"
#include "server/command_stats.h"
#include "server/io_thread.h"
#include "server/peer_address.h"
#include "server/server.h"

namespace strata::server {
namespace {

// Bytes a read asks for when nothing bigger is known to be coming.
constexpr size_t kReadChunk = 16 * 1024;
// Pending output past which a connection stops running requests until the socket drains.
constexpr size_t kOutputHighWater = 4 * 1024 * 1024;
// Buffers that grew past this are released once empty, so one large reply does not pin memory.
constexpr size_t kKeepBufferBytes = 64 * 1024;
// How long CLIENT LIST's rbp (the reply buffer's peak use) remembers a peak: Redis's default
// reply-buffer-peak-reset-time.
constexpr int64_t kReplyPeakResetMs = 5000;

// "ip:port" as Redis shows it ("[::1]:6379" for IPv6), or "path:0" for a unix socket.
std::string FormatAddress(const sockaddr_storage& sa, bool unix_socket, const std::string& unix_path) {
  if (unix_socket) return unix_path + ":0";
  char ip[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  if (sa.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&sa);
    inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
    port = ntohs(in->sin_port);
    return std::string(ip) + ":" + std::to_string(port);
  }
  if (sa.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
    port = ntohs(in6->sin6_port);
    return "[" + std::string(ip) + "]:" + std::to_string(port);
  }
  return "?:0";
}

}  // namespace

Connection::Connection(IoThread* thread, uint64_t id, std::string addr, std::string laddr, int fd, int64_t now_ms,
                       size_t max_bulk_len)
    : thread_(thread),
      parser_(resp::ParserLimits{.max_bulk_len = max_bulk_len}),
      reply_(&output_),
      client_(id, std::move(addr), std::move(laddr), fd, now_ms) {}

void Connection::Adopt(IoThread* thread, int fd, bool unix_socket, uint64_t id) {
  Server& server = thread->server();
  sockaddr_storage peer{};
  sockaddr_storage local{};
  socklen_t len = sizeof(peer);
  getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len);
  len = sizeof(local);
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  const std::string unix_path = unix_socket ? server.config().Text(ConfigId::kUnixSocket) : std::string();
  auto* conn = new Connection(thread, id, FormatAddress(peer, unix_socket, unix_path),
                              FormatAddress(local, unix_socket, unix_path), fd, server.clock().NowMs(),
                              static_cast<size_t>(server.config().Int(ConfigId::kProtoMaxBulkLen)));
  conn->client_.set_unix_socket(unix_socket);
  conn->client_.set_local(IsLocalPeer(peer, unix_socket));
  conn->client_.set_authenticated(!server.RequiresAuth());
  server.SetClientUser(conn->client_, "default");
  conn->reply_.set_error_stats(&server.error_stats());
  int rc;
  if (unix_socket) {
    uv_pipe_init(thread->loop(), &conn->handle_.pipe, 0);
    rc = uv_pipe_open(&conn->handle_.pipe, fd);
  } else {
    uv_tcp_init(thread->loop(), &conn->handle_.tcp);
    rc = uv_tcp_open(&conn->handle_.tcp, fd);
    if (rc == 0) {
      uv_tcp_nodelay(&conn->handle_.tcp, 1);
      const int64_t keepalive = server.config().Int(ConfigId::kTcpKeepalive);
      if (keepalive > 0) uv_tcp_keepalive(&conn->handle_.tcp, 1, static_cast<unsigned>(keepalive));
    }
  }
  conn->handle_.tcp.data = conn;
  conn->write_req_.data = conn;
  thread->AddConnection(conn);
  if (rc != 0) {
    spdlog::warn("Error registering fd event for the new client: {}", uv_strerror(rc));
    conn->CloseNow();
    return;
  }
  conn->UpdateReading();
  conn->PublishBufferSizes();
}

void Connection::OnAlloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) {
  auto* conn = static_cast<Connection*>(handle->data);
  if (conn->pending_input_.empty()) {
    ByteBuffer& shared = conn->thread_->shared_input();
    shared.Clear();
    char* p = shared.PrepareAppend(kReadChunk);
    *buf = uv_buf_init(p, static_cast<unsigned>(shared.tail_room()));
    conn->read_into_shared_ = true;
    return;
  }
  // Part of a request is buffered. Make room for what it is known to need, but grow at most
  // geometrically: a client announcing a huge argument gets memory only as its bytes arrive.
  const size_t have = conn->pending_input_.size();
  size_t want = kReadChunk;
  const size_t known = conn->parser_.known_request_size();
  if (known > have + want) {
    want = known - have;
    if (want > have && want > kReadChunk) want = have > kReadChunk ? have : kReadChunk;
  }
  char* p = conn->pending_input_.PrepareAppend(want);
  *buf = uv_buf_init(p, static_cast<unsigned>(conn->pending_input_.tail_room()));
  conn->read_into_shared_ = false;
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* /*buf*/) {
  auto* conn = static_cast<Connection*>(stream->data);
  if (nread == 0) return;  // EAGAIN
  if (nread < 0) {
    if (nread != UV_EOF) spdlog::debug("Reading from client: {}", uv_strerror(static_cast<int>(nread)));
    conn->CloseNow();
    return;
  }
  const size_t n = static_cast<size_t>(nread);
  RequestCounters& counters = conn->thread_->server().request_counters();
  counters.net_input_bytes.Add(n);
  counters.reads_processed.Add();
  conn->client_.set_last_interaction_ms(conn->thread_->server().clock().NowMs());
  if (conn->read_into_shared_) {
    ByteBuffer& shared = conn->thread_->shared_input();
    shared.CommitAppend(n);
    const size_t used = conn->RunRequests(shared.data(), shared.size());
    // Keep the unparsed tail (a partial request, or requests held back) for later.
    if (used < shared.size() && !conn->closing_) conn->pending_input_.Append(shared.data() + used, shared.size() - used);
    shared.Clear();
  } else {
    conn->pending_input_.CommitAppend(n);
    conn->RunPending();
  }
  if (conn->closing_) return;
  const auto limit = static_cast<size_t>(conn->thread_->server().config().Int(ConfigId::kClientQueryBufferLimit));
  if (conn->pending_input_.size() > limit) {
    spdlog::warn("Closing client that reached max query buffer length: id={} addr={} (qbuf={})", conn->client_.id(),
                 conn->client_.addr(), conn->pending_input_.size());
    conn->CloseNow();
    return;
  }
  conn->Flush();
}

size_t Connection::RunRequests(const char* data, size_t size) {
  size_t used = 0;
  while (used < size && !closing_ && !client_.close_after_reply() && !client_.blocked() && !client_.paused() &&
         !OutputOverHighWater()) {
    const auto result = parser_.Parse(data + used, size - used);
    if (result == resp::RequestParser::Result::kNeedMore) break;
    if (result == resp::RequestParser::Result::kError) {
      reply_.Error(parser_.error());
      thread_->server().request_counters().error_replies.Add();
      spdlog::debug("Protocol error ({}) from client: id={} addr={}", parser_.error(), client_.id(), client_.addr());
      client_.set_close_after_reply();
      return size;  // nothing after a protocol error is read
    }
    if (!parser_.args().empty()) {
      // A client killed from another thread (CLIENT KILL, ACL DELUSER, maxmemory-clients) runs
      // nothing more, though the close is still on its way to this thread.
      if (client_.kill_requested()) {
        CloseNow();
        return size;
      }
      const size_t reply_start = output_.size();
      thread_->dispatcher().Execute(client_, reply_, parser_.args(), &thread_->locks());
      if (client_.paused()) {
        // Held by CLIENT PAUSE: the request stays in the input, unconsumed, and is parsed and
        // run again when the pause ends.
        size_t held_args = 0;
        for (std::string_view a : parser_.args()) held_args += a.size();
        client_.buffers().held_args.store(held_args, std::memory_order_relaxed);
        thread_->server().client_pause().AddHeld(1);
        thread_->HoldForPause(client_.id());
        break;
      }
      if (client_.suppress_reply()) output_.Truncate(reply_start);  // CLIENT REPLY OFF / SKIP
      client_.AfterCommand();
      if (client_.blocked()) EnterBlocked();
    }
    used += parser_.consumed();
  }
  input_held_back_ = used < size && OutputOverHighWater();
  return used;
}

void Connection::RunPending() {
  const size_t used = RunRequests(pending_input_.data(), pending_input_.size());
  if (closing_) return;
  pending_input_.Consume(used);
  if (pending_input_.empty() && pending_input_.capacity() > kKeepBufferBytes) pending_input_.ClearAndShrink(0);
}

void Connection::ServeWhileBusy() {
  if (closing_ || !reading_) return;
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&handle_), &fd) != 0) return;
  RequestCounters& counters = thread_->server().request_counters();
  bool got = false;
  for (;;) {
    char* p = pending_input_.PrepareAppend(kReadChunk);
    const size_t room = pending_input_.tail_room();
    const ssize_t n = recv(fd, p, room, MSG_DONTWAIT);
    if (n <= 0) break;
    pending_input_.CommitAppend(static_cast<size_t>(n));
    counters.net_input_bytes.Add(static_cast<size_t>(n));
    counters.reads_processed.Add();
    got = true;
    if (static_cast<size_t>(n) < room) break;  // drained: the next hook reads again
  }
  if (!got) return;
  client_.set_last_interaction_ms(thread_->server().clock().NowMs());
  RunPending();
  Flush();
}

bool Connection::OutputOverHighWater() const { return output_.size() + writing_.size() > kOutputHighWater; }

void Connection::UpdateReading() {
  const bool want = !closing_ && !client_.close_after_reply() && !OutputOverHighWater();
  if (want && !reading_) {
    uv_read_start(stream(), OnAlloc, OnRead);
    reading_ = true;
  } else if (!want && reading_) {
    uv_read_stop(stream());
    reading_ = false;
  }
}

void Connection::Flush() {
  if (closing_) return;
  if (!output_.empty() && OverOutputLimit()) {
    CloseForOutputLimit();
    return;
  }
  // rbp: the most the reply buffer held at a flush, forgotten after a while as Redis does.
  const int64_t now = client_.last_interaction_ms();
  if (now - reply_peak_since_ms_ >= kReplyPeakResetMs) {
    reply_peak_ = output_.size();
    reply_peak_since_ms_ = now;
  } else {
    reply_peak_ = std::max(reply_peak_, output_.size());
  }
  if (!write_in_flight_ && !output_.empty()) {
    RequestCounters& counters = thread_->server().request_counters();
    counters.net_output_bytes.Add(output_.size());
    counters.writes_processed.Add();
    uv_buf_t buf = uv_buf_init(output_.data(), static_cast<unsigned>(output_.size()));
    // Held-back requests run from OnWrite, so they need a uv_write even when the socket could
    // take everything now: with uv_try_write alone nothing would ever run them.
    const int written = input_held_back_ ? 0 : uv_try_write(stream(), &buf, 1);
    if (written < 0 && written != UV_EAGAIN) {
      CloseNow();
      return;
    }
    if (written > 0) output_.Consume(static_cast<size_t>(written));
    if (output_.empty()) {
      if (output_.capacity() > kKeepBufferBytes) output_.ClearAndShrink(0);
    } else {
      writing_.Swap(output_);
      uv_buf_t rest = uv_buf_init(writing_.data(), static_cast<unsigned>(writing_.size()));
      uv_write(&write_req_, stream(), &rest, 1, OnWrite);
      write_in_flight_ = true;
    }
  }
  if (client_.close_after_reply() && !write_in_flight_ && output_.empty()) {
    PublishBufferSizes();
    CloseNow();
    return;
  }
  UpdateReading();
  PublishBufferSizes();
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* conn = static_cast<Connection*>(req->data);
  conn->write_in_flight_ = false;
  if (conn->writing_.capacity() > kKeepBufferBytes) {
    conn->writing_.ClearAndShrink(0);
  } else {
    conn->writing_.Clear();
  }
  if (conn->closing_) return;
  if (status < 0) {
    conn->CloseNow();
    return;
  }
  // Requests held back while output was over the high-water mark can run now.
  if (!conn->pending_input_.empty() && !conn->OutputOverHighWater()) conn->RunPending();
  conn->Flush();
}

bool Connection::WriteMessage(std::string_view kind, const std::string* pattern, std::string_view channel,
                              std::string_view payload) {
  if (closing_) return false;
  reply_.PushHeader(pattern != nullptr ? 4 : 3);
  reply_.Bulk(kind);
  if (pattern != nullptr) reply_.Bulk(*pattern);
  reply_.Bulk(channel);
  reply_.Bulk(payload);
  return AfterUnaskedOutput();
}

bool Connection::WriteMonitorLines(std::string_view lines) {
  if (closing_) return false;
  reply_.Raw(lines);
  return AfterUnaskedOutput();
}

bool Connection::AfterUnaskedOutput() {
  if (OverOutputLimit()) {
    CloseForOutputLimit();
    return false;
  }
  if (messages_pending_) return false;
  messages_pending_ = true;
  return true;
}

void Connection::CloseForOutputLimit() {
  // Redis's words, with the client's CLIENT LIST line.
  spdlog::warn("Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
               ClientInfoLine(client_, nullptr, {}, thread_->server().clock().NowMs()));
  CloseNow();
}

void Connection::FlushMessages() {
  messages_pending_ = false;
  Flush();
}

bool Connection::OverOutputLimit() {
  const OutputLimit limit = thread_->server().output_limit(client_.subscriptions().any() ? OutputClass::kPubSub
                                                                                          : OutputClass::kNormal);
  const auto used = static_cast<int64_t>(output_.size() + writing_.size());
  if (limit.hard_bytes > 0 && used >= limit.hard_bytes) return true;
  if (limit.soft_bytes == 0 || used < limit.soft_bytes) {
    soft_limit_since_ms_ = 0;
    return false;
  }
  const int64_t now = thread_->server().clock().NowMs();
  if (soft_limit_since_ms_ == 0) soft_limit_since_ms_ = now;
  return now - soft_limit_since_ms_ > limit.soft_seconds * 1000;
}

void Connection::PublishBufferSizes() {
  Client::Buffers& b = client_.buffers();
  b.query.store(pending_input_.size(), std::memory_order_relaxed);
  b.query_free.store(pending_input_.capacity() - pending_input_.size(), std::memory_order_relaxed);
  const size_t in_flight = write_in_flight_ ? writing_.size() : 0;
  b.reply.store(output_.size() + in_flight, std::memory_order_relaxed);
  b.in_flight.store(in_flight, std::memory_order_relaxed);
  b.in_flight_mem.store(write_in_flight_ ? writing_.capacity() : 0, std::memory_order_relaxed);
  b.reply_peak.store(reply_peak_, std::memory_order_relaxed);
  b.reading.store(reading_, std::memory_order_relaxed);
  // INFO's reply_buffer_expands / reply_buffer_shrinks: Redis counts its reply buffer's resizes;
  // Strata's reply buffers grow as replies need (ByteBuffer doubles) and give a big allocation
  // back once drained (kKeepBufferBytes), so a change of their allocation between two flushes
  // counts one, in this thread's counters.
  const size_t capacity = output_.capacity() + writing_.capacity();
  if (capacity != published_reply_capacity_) {
    RequestCounters& counters = thread_->server().request_counters();
    if (capacity > published_reply_capacity_) {
      counters.reply_buffer_expands.Add();
    } else {
      counters.reply_buffer_shrinks.Add();
    }
    published_reply_capacity_ = capacity;
  }
  b.reply_capacity.store(capacity, std::memory_order_relaxed);
}

void Connection::EnterBlocked() {
  const int64_t deadline = client_.block_deadline_ms();
  if (deadline == 0) return;
  if (block_timer_ == nullptr) {
    block_timer_ = new uv_timer_t;
    uv_timer_init(thread_->loop(), block_timer_);
    block_timer_->data = this;
  }
  // Never time out early: libuv counts from the loop's cached time, which lags by however long
  // this loop iteration has run, and both clocks count whole ms; Redis replies only once the
  // deadline has passed.
  uv_update_time(thread_->loop());
  const int64_t wait = deadline - thread_->server().clock().NowMs();
  uv_timer_start(
      block_timer_, [](uv_timer_t* t) { static_cast<Connection*>(t->data)->EndBlock(UnblockReason::kTimeout); },
      wait > 0 ? static_cast<uint64_t>(wait) + 1 : 0, 0);
}

void Connection::DeliverServed(std::string_view reply) {
  if (closing_ || !client_.blocked()) return;
  client_.ClearBlocked();
  reply_.Raw(reply);
  LeaveBlocked();
}

void Connection::EndBlock(UnblockReason reason) {
  if (closing_ || !client_.blocked()) return;
  // Served meanwhile by a pushing thread: its reply is on the way (DeliverServed).
  if (!thread_->server().blocking().Unblock(client_.id())) return;
  client_.ClearBlocked();
  // Redis 7.0 answers every blocking command's timeout with a null array.
  if (reason == UnblockReason::kError) {
    reply_.Error(errors::kUnblocked);
  } else {
    reply_.NullArray();
  }
  LeaveBlocked();
}

void Connection::LeaveBlocked() {
  if (block_timer_ != nullptr) uv_timer_stop(block_timer_);
  if (!pending_input_.empty()) RunPending();
  Flush();
}

void Connection::ResumeAfterPause() {
  if (closing_ || !client_.paused()) return;
  client_.set_paused(false);
  client_.buffers().held_args.store(0, std::memory_order_relaxed);
  thread_->server().client_pause().AddHeld(-1);
  RunPending();
  Flush();
}

void Connection::CloseWhenFlushed() {
  if (closing_) return;
  client_.set_close_after_reply();
  Flush();
}

void Connection::CloseNow() {
  if (closing_) return;
  closing_ = true;
  if (client_.blocked()) thread_->server().blocking().Unblock(client_.id());
  if (client_.paused()) {
    client_.set_paused(false);
    thread_->server().client_pause().AddHeld(-1);
  }
  if (client_.subscriptions().any()) thread_->server().pubsub().UnsubscribeEverything(client_);
  if (client_.monitor()) thread_->server().monitors().Detach(thread_, client_.id());
  if (block_timer_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(block_timer_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    block_timer_ = nullptr;
  }
  if (reading_) {
    uv_read_stop(stream());
    reading_ = false;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), OnClose);
}

void Connection::OnClose(uv_handle_t* handle) {
  auto* conn = static_cast<Connection*>(handle->data);
  conn->thread_->RemoveConnection(conn);
  delete conn;
}

}  // namespace strata::server
