// Clients for integration tests: a raw socket that sends exact bytes and reads exact replies, and
// helpers around hiredis for ordinary commands. Not thread-safe: one thread per connection.
#ifndef STRATA_TESTS_INTEGRATION_CLIENTS_H_
#define STRATA_TESTS_INTEGRATION_CLIENTS_H_

#include <hiredis/hiredis.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace strata::testing {

class RawConnection {
 public:
  RawConnection() = default;
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  RawConnection(RawConnection&& other) noexcept;
  ~RawConnection();

  // Connects to 127.0.0.1:port with TCP_NODELAY, so every Send leaves as its own segment.
  bool Connect(int port);
  // Sends all of `bytes`; false once the peer has closed or reset the connection.
  bool Send(std::string_view bytes);
  // Sends one byte per write, pausing `gap` after each.
  bool SendByteByByte(std::string_view bytes, std::chrono::microseconds gap);
  // Reads one whole RESP2/RESP3 reply, aggregates included, into *reply as raw bytes. False on
  // timeout or when the connection closes first.
  bool ReadReply(std::string* reply, std::chrono::milliseconds timeout);
  // Reads until the peer closes the connection (true) or `timeout` passes (false). What was read,
  // including bytes left from earlier reads, goes to *data.
  bool ReadUntilClosed(std::string* data, std::chrono::milliseconds timeout);
  void Close();
  int fd() const { return fd_; }

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  // Reads more bytes into buf_. False on timeout, close or error.
  bool Fill(Deadline deadline);
  bool ReadLine(std::string* line, Deadline deadline);
  bool ReadExact(size_t n, std::string* out, Deadline deadline);
  bool ReadOne(std::string* out, Deadline deadline);

  int fd_ = -1;
  std::string buf_;
  size_t pos_ = 0;
};

struct RedisContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisContextPtr = std::unique_ptr<redisContext, RedisContextDeleter>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// A hiredis connection to 127.0.0.1:port with a 30 s timeout, or nullptr.
RedisContextPtr ConnectRedis(int port);

// Runs one command; nullptr when the connection failed (c->err says why).
ReplyPtr Command(redisContext* c, const std::vector<std::string>& args);
// Queues one command in hiredis's output buffer (a pipeline); GetReply reads the replies in order.
void AppendCommand(redisContext* c, const std::vector<std::string>& args);
ReplyPtr GetReply(redisContext* c);

// A reply as redis-cli shows it: OK, (integer) 1, "bulk", (nil), (error) ERR ..., and arrays as
// [a, b]. "<no reply: ...>" for nullptr.
std::string Describe(const redisReply* r);
inline std::string Describe(const ReplyPtr& r) { return Describe(r.get()); }
std::string Describe(redisContext* c, const ReplyPtr& r);

// The value of `field` in an INFO reply ("connected_clients" -> "3"), or "" if absent.
std::string InfoField(std::string_view info, std::string_view field);

}  // namespace strata::testing

#endif  // STRATA_TESTS_INTEGRATION_CLIENTS_H_
