// The listening sockets (TCP per bind address, and the unix socket) and the hand-off of accepted
// connections to io-threads, round robin, so connections spread evenly over the threads.
#ifndef STRATA_SERVER_ACCEPTOR_H_
#define STRATA_SERVER_ACCEPTOR_H_

#include <uv.h>

#include <memory>
#include <string>
#include <vector>

namespace strata::server {

class Server;

class Acceptor {
 public:
  explicit Acceptor(Server* server) : server_(server) {}
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  // Opens the sockets the config asks for: each `bind` address on `port` (an address written
  // "-addr" is skipped when the host does not have it) and `unixsocket`. Returns false and sets
  // *error when a socket cannot be opened.
  bool Open(std::string* error);

  // Starts accepting on `loop`. Called before the loop runs, or on its thread.
  void Start(uv_loop_t* loop);

  // Stops accepting and closes the sockets. On the loop's thread.
  void Stop();

 private:
  struct Listener {
    Acceptor* owner;
    int fd;
    bool unix_socket;
    uv_poll_t poll;
  };
  static void OnReadable(uv_poll_t* handle, int status, int events);
  // Whether protected mode refuses the connection just accepted on `fd`: it is on, the default
  // user has no password (Server::RequiresAuth() is false), and the peer is not local. Redis
  // 7.0 no longer asks, as 6.x did, that no `bind` address be configured.
  bool RefusedByProtectedMode(int fd, bool unix_socket) const;
  void AcceptAll(Listener* listener);

  Server* server_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  size_t next_thread_ = 0;
  bool started_ = false;
};

}  // namespace strata::server

#endif  // STRATA_SERVER_ACCEPTOR_H_
