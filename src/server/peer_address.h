// Where a connection comes from, as protected mode and the `local` settings of
// enable-protected-configs and enable-debug-command judge it.
#ifndef STRATA_SERVER_PEER_ADDRESS_H_
#define STRATA_SERVER_PEER_ADDRESS_H_

#include <sys/socket.h>

namespace strata::server {

// Whether a client at `peer` is local: a unix socket, or the address 127.0.0.1 or ::1 exactly.
// Redis 7.0 compares the peer's address text with those two, so another 127.x.y.z address is
// not local here either; `peer` is ignored for a unix socket.
bool IsLocalPeer(const sockaddr_storage& peer, bool unix_socket);

}  // namespace strata::server

#endif  // STRATA_SERVER_PEER_ADDRESS_H_
