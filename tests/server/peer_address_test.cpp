#include "server/peer_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

#include <gtest/gtest.h>

namespace strata::server {
namespace {

sockaddr_storage Address(const std::string& text) {
  sockaddr_storage sa{};
  if (text.find(':') != std::string::npos) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&sa);
    in6->sin6_family = AF_INET6;
    EXPECT_EQ(inet_pton(AF_INET6, text.c_str(), &in6->sin6_addr), 1) << text;
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&sa);
    in->sin_family = AF_INET;
    EXPECT_EQ(inet_pton(AF_INET, text.c_str(), &in->sin_addr), 1) << text;
  }
  return sa;
}

TEST(IsLocalPeer, LoopbackAddressesAndUnixSockets) {
  EXPECT_TRUE(IsLocalPeer(Address("127.0.0.1"), false));
  EXPECT_TRUE(IsLocalPeer(Address("::1"), false));
  EXPECT_TRUE(IsLocalPeer(sockaddr_storage{}, /*unix_socket=*/true));
}

TEST(IsLocalPeer, EverythingElseAsRedis70) {
  // Redis 7.0 compares the address text with "127.0.0.1" and "::1" only.
  EXPECT_FALSE(IsLocalPeer(Address("127.0.0.2"), false));
  EXPECT_FALSE(IsLocalPeer(Address("::ffff:127.0.0.1"), false));
  EXPECT_FALSE(IsLocalPeer(Address("10.0.0.1"), false));
  EXPECT_FALSE(IsLocalPeer(Address("fe80::1"), false));
  EXPECT_FALSE(IsLocalPeer(sockaddr_storage{}, false));
}

}  // namespace
}  // namespace strata::server
