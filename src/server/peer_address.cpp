#include "server/peer_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace strata::server {

bool IsLocalPeer(const sockaddr_storage& peer, bool unix_socket) {
  if (unix_socket) return true;
  if (peer.ss_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in&>(peer).sin_addr.s_addr == htonl(INADDR_LOOPBACK);
  }
  if (peer.ss_family == AF_INET6) {
    return IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6&>(peer).sin6_addr);
  }
  return false;
}

}  // namespace strata::server
