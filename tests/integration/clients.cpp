#include "clients.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

namespace strata::testing {

RawConnection::RawConnection(RawConnection&& other) noexcept
    : fd_(other.fd_), buf_(std::move(other.buf_)), pos_(other.pos_) {
  other.fd_ = -1;
}

RawConnection::~RawConnection() { Close(); }

void RawConnection::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool RawConnection::Connect(int port) {
  Close();
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    Close();
    return false;
  }
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  buf_.clear();
  pos_ = 0;
  return true;
}

bool RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawConnection::SendByteByByte(std::string_view bytes, std::chrono::microseconds gap) {
  for (char c : bytes) {
    if (!Send(std::string_view(&c, 1))) return false;
    std::this_thread::sleep_for(gap);
  }
  return true;
}

bool RawConnection::Fill(Deadline deadline) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char chunk[64 * 1024];
    const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // closed, or reset
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }
}

bool RawConnection::ReadLine(std::string* line, Deadline deadline) {
  while (true) {
    const size_t crlf = buf_.find("\r\n", pos_);
    if (crlf != std::string::npos) {
      line->assign(buf_, pos_, crlf + 2 - pos_);
      pos_ = crlf + 2;
      return true;
    }
    if (!Fill(deadline)) return false;
  }
}

bool RawConnection::ReadExact(size_t n, std::string* out, Deadline deadline) {
  while (buf_.size() - pos_ < n) {
    if (!Fill(deadline)) return false;
  }
  out->append(buf_, pos_, n);
  pos_ += n;
  return true;
}

bool RawConnection::ReadOne(std::string* out, Deadline deadline) {
  std::string line;
  if (!ReadLine(&line, deadline)) return false;
  out->append(line);
  const char type = line[0];
  const long long n = std::atoll(line.c_str() + 1);
  switch (type) {
    case '$':
    case '=':
    case '!':
      return n < 0 || ReadExact(static_cast<size_t>(n) + 2, out, deadline);
    case '*':
    case '~':
    case '>':
    case '%': {
      const long long elements = type == '%' ? n * 2 : n;
      for (long long i = 0; i < elements; ++i) {
        if (!ReadOne(out, deadline)) return false;
      }
      return true;
    }
    default:
      return true;  // + - : , # ( _ are one line
  }
}

bool RawConnection::ReadReply(std::string* reply, std::chrono::milliseconds timeout) {
  reply->clear();
  // Drop what earlier replies consumed, so reading a long stream keeps the buffer small.
  if (pos_ > 0 && (pos_ == buf_.size() || pos_ > (1 << 20))) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  const size_t start = pos_;
  if (ReadOne(reply, std::chrono::steady_clock::now() + timeout)) return true;
  pos_ = start;  // leave a partial reply for a later read
  return false;
}

bool RawConnection::ReadUntilClosed(std::string* data, std::chrono::milliseconds timeout) {
  const Deadline deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char chunk[64 * 1024];
    const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      data->assign(buf_, pos_);
      buf_.clear();
      pos_ = 0;
      return true;
    }
    buf_.append(chunk, static_cast<size_t>(n));
  }
  data->assign(buf_, pos_);
  return false;
}

RedisContextPtr ConnectRedis(int port) {
  timeval tv{30, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
  if (c == nullptr) return nullptr;
  if (c->err) {
    redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, tv);
  return RedisContextPtr(c);
}

namespace {

void ToArgv(const std::vector<std::string>& args, std::vector<const char*>* argv, std::vector<size_t>* lens) {
  for (const std::string& a : args) {
    argv->push_back(a.data());
    lens->push_back(a.size());
  }
}

}  // namespace

ReplyPtr Command(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  ToArgv(args, &argv, &lens);
  return ReplyPtr(static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

void AppendCommand(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  ToArgv(args, &argv, &lens);
  redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data());
}

ReplyPtr GetReply(redisContext* c) {
  void* reply = nullptr;
  if (redisGetReply(c, &reply) != REDIS_OK) return nullptr;
  return ReplyPtr(static_cast<redisReply*>(reply));
}

std::string Describe(const redisReply* r) {
  if (r == nullptr) return "<no reply>";
  switch (r->type) {
    case REDIS_REPLY_STATUS: return std::string(r->str, r->len);
    case REDIS_REPLY_ERROR: return "(error) " + std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER: return "(integer) " + std::to_string(r->integer);
    case REDIS_REPLY_NIL: return "(nil)";
    case REDIS_REPLY_STRING: return "\"" + std::string(r->str, r->len) + "\"";
    case REDIS_REPLY_ARRAY: {
      std::string out = "[";
      for (size_t i = 0; i < r->elements; ++i) {
        if (i > 0) out += ", ";
        out += Describe(r->element[i]);
      }
      return out + "]";
    }
    default: return "<type " + std::to_string(r->type) + ">";
  }
}

std::string Describe(redisContext* c, const ReplyPtr& r) {
  if (r == nullptr) return std::string("<no reply: ") + (c->err ? c->errstr : "?") + ">";
  return Describe(r.get());
}

std::string InfoField(std::string_view info, std::string_view field) {
  size_t pos = 0;
  while (pos < info.size()) {
    size_t end = info.find("\r\n", pos);
    if (end == std::string_view::npos) end = info.size();
    const std::string_view line = info.substr(pos, end - pos);
    if (line.size() > field.size() && line.substr(0, field.size()) == field && line[field.size()] == ':') {
      return std::string(line.substr(field.size() + 1));
    }
    pos = end + 2;
  }
  return std::string();
}

}  // namespace strata::testing
