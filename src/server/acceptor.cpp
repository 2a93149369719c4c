#include "server/acceptor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/error_texts.h"
#include "server/command_stats.h"
#include "server/connection.h"
#include "server/io_thread.h"
#include "server/peer_address.h"
#include "server/server.h"

namespace strata::server {
namespace {

// Opens a listening TCP socket on host:port. Returns the fd, or -1 with errno set and *step
// naming the call that failed.
int OpenTcp(const std::string& host, int port, int backlog, const char** step) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0) {
    *step = "getaddrinfo";
    errno = EADDRNOTAVAIL;
    return -1;
  }
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      *step = "socket";
      continue;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      *step = "bind";
    } else if (listen(fd, backlog) != 0) {
      *step = "listen";
    } else {
      break;
    }
    const int saved = errno;
    close(fd);
    errno = saved;
    fd = -1;
  }
  freeaddrinfo(found);
  return fd;
}

int OpenUnix(const std::string& path, int perm, int backlog, const char** step) {
  sockaddr_un sa{};
  if (path.size() >= sizeof(sa.sun_path)) {
    *step = "path";
    errno = ENAMETOOLONG;
    return -1;
  }
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *step = "socket";
    return -1;
  }
  unlink(path.c_str());
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    *step = "bind";
  } else if (listen(fd, backlog) != 0) {
    *step = "listen";
  } else {
    if (perm != 0) chmod(path.c_str(), static_cast<mode_t>(perm));
    return fd;
  }
  const int saved = errno;
  close(fd);
  errno = saved;
  return -1;
}

// Tells the client at `fd` why it is refused (`reason`, an error text without its "-" and CRLF)
// and closes it, as Redis does.
void Refuse(int fd, std::string_view reason) {
  const std::string reply = fmt::format("-{}\r\n", reason);
  [[maybe_unused]] const ssize_t ignored = write(fd, reply.data(), reply.size());
  close(fd);
}

}  // namespace

Acceptor::~Acceptor() {
  for (auto& l : listeners_) {
    if (l->fd >= 0) close(l->fd);
  }
}

bool Acceptor::Open(std::string* error) {
  const Config& config = server_->config();
  const int port = static_cast<int>(config.Int(ConfigId::kPort));
  const int backlog = static_cast<int>(config.Int(ConfigId::kTcpBacklog));
  if (port != 0) {
    for (std::string address : config.BindAddresses()) {
      const bool optional = !address.empty() && address[0] == '-';
      if (optional) address.erase(0, 1);
      if (address == "*") address = "0.0.0.0";
      if (address == "::*") address = "::";
      const char* step = "";
      const int fd = OpenTcp(address, port, backlog, &step);
      if (fd >= 0) {
        listeners_.push_back(std::make_unique<Listener>(Listener{this, fd, false, {}}));
        continue;
      }
      const int err = errno;
      const std::string shown = address.find(':') != std::string::npos ? "[" + address + "]" : address;
      if (optional && (err == EADDRNOTAVAIL || err == EAFNOSUPPORT || err == EPROTONOSUPPORT)) {
        spdlog::warn("Could not create server TCP listening socket {}:{}: {}: {}", shown, port, step,
                     std::strerror(err));
        continue;
      }
      *error = fmt::format("Could not create server TCP listening socket {}:{}: {}: {}", shown, port, step,
                           std::strerror(err));
      return false;
    }
  }
  const std::string unix_path = config.Text(ConfigId::kUnixSocket);
  if (!unix_path.empty()) {
    const char* step = "";
    const int fd = OpenUnix(unix_path, static_cast<int>(config.Int(ConfigId::kUnixSocketPerm)), backlog, &step);
    if (fd < 0) {
      *error = fmt::format("Failed opening Unix socket {}: {}: {}", unix_path, step, std::strerror(errno));
      return false;
    }
    listeners_.push_back(std::make_unique<Listener>(Listener{this, fd, true, {}}));
  }
  if (listeners_.empty()) {
    *error = "Configured to not listen anywhere, exiting.";
    return false;
  }
  return true;
}

void Acceptor::Start(uv_loop_t* loop) {
  for (auto& l : listeners_) {
    uv_poll_init(loop, &l->poll, l->fd);
    l->poll.data = l.get();
    uv_poll_start(&l->poll, UV_READABLE, OnReadable);
  }
  started_ = true;
}

void Acceptor::Stop() {
  if (!started_) return;
  started_ = false;
  for (auto& l : listeners_) {
    uv_poll_stop(&l->poll);
    uv_close(reinterpret_cast<uv_handle_t*>(&l->poll), [](uv_handle_t* h) {
      auto* listener = static_cast<Listener*>(h->data);
      close(listener->fd);
      listener->fd = -1;
    });
  }
}

void Acceptor::OnReadable(uv_poll_t* handle, int status, int /*events*/) {
  if (status < 0) return;
  auto* listener = static_cast<Listener*>(handle->data);
  listener->owner->AcceptAll(listener);
}

bool Acceptor::RefusedByProtectedMode(int fd, bool unix_socket) const {
  if (unix_socket || !server_->config().Int(ConfigId::kProtectedMode) || server_->RequiresAuth()) return false;
  sockaddr_storage peer{};
  socklen_t len = sizeof(peer);
  // A peer that cannot be named (it already hung up) is not known to be local.
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return true;
  return !IsLocalPeer(peer, /*unix_socket=*/false);
}

void Acceptor::AcceptAll(Listener* listener) {
  RequestCounters& counters = server_->request_counters();
  while (true) {
    const int fd = accept4(listener->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) spdlog::warn("Accepting client connection: {}", std::strerror(errno));
      return;
    }
    // Like Redis: maxclients first, then protected mode; both tell the client why and hang up,
    // and count as rejected, not received.
    if (!server_->ReserveClientSlot()) {
      Refuse(fd, errors::kMaxClients);
      counters.rejected_connections.Add();
      continue;
    }
    if (RefusedByProtectedMode(fd, listener->unix_socket)) {
      Refuse(fd, errors::kProtectedMode);
      server_->OnClientClosed();
      counters.rejected_connections.Add();
      continue;
    }
    counters.connections_received.Add();
    IoThread& thread = server_->io_thread(static_cast<int>(next_thread_++ % server_->io_thread_count()));
    const uint64_t id = server_->NextClientId();
    const bool unix_socket = listener->unix_socket;
    thread.Post([&thread, fd, unix_socket, id] { Connection::Adopt(&thread, fd, unix_socket, id); });
  }
}

}  // namespace strata::server
