// HTTP/1.1 requests read from a byte stream, with Debian's libhttp-parser doing the parsing.
//
// The metrics endpoint (server/metrics_endpoint.h) reads its scrapers' requests with this class.
// It knows no sockets: bytes go in, whole requests (or the status that refuses them) come out,
// so it is unit-tested and fuzzed on its own. Only what the endpoint needs is kept: the method,
// the path and the Authorization header; a body is read past and dropped.
#ifndef STRATA_HTTP_REQUEST_READER_H_
#define STRATA_HTTP_REQUEST_READER_H_

#include <http_parser.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace strata::http {

// Bounds on what one request may hold; beyond them it is refused, not buffered.
struct RequestLimits {
  size_t max_url = 2048;            // the request target's bytes
  size_t max_header_bytes = 8192;   // every header name and value, together
  size_t max_body = 64 * 1024;      // a body (GET has none; a POST gets 405 once read)
};

// One parsed request.
struct Request {
  std::string method;         // "GET", as libhttp-parser names it
  std::string path;           // the target up to '?' ("/metrics")
  std::string authorization;  // the Authorization header's value, or empty
  bool keep_alive = false;    // HTTP/1.1 without "Connection: close", or 1.0 with keep-alive
};

class RequestReader {
 public:
  enum class Status {
    kNeedMore,     // every byte given was consumed; no request is complete yet
    kRequest,      // request() holds a whole request; the bytes after it are not consumed yet
    kBadRequest,   // malformed: answer 400 and close
    kTooLarge,     // the URL or the headers are past their limit: answer 431 and close
    kBodyTooLarge  // the body is past its limit: answer 413 and close
  };

  explicit RequestReader(RequestLimits limits = {});
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // Parses `data`, the bytes that follow those consumed so far, up to the end of the next whole
  // request. Sets *consumed to the bytes used; on kRequest the caller keeps the rest and feeds it
  // again once it has answered (requests are answered one at a time, in order). After an error
  // status the reader is spent.
  Status Feed(std::string_view data, size_t* consumed);

  // The request the last kRequest completed. Valid until the next Feed.
  const Request& request() const { return request_; }

 private:
  static int OnMessageBegin(http_parser* p);
  static int OnUrl(http_parser* p, const char* at, size_t length);
  static int OnHeaderField(http_parser* p, const char* at, size_t length);
  static int OnHeaderValue(http_parser* p, const char* at, size_t length);
  static int OnBody(http_parser* p, const char* at, size_t length);
  static int OnMessageComplete(http_parser* p);
  // Adds `length` header or URL bytes to the request's count; false (and the request refused as
  // too large) once past the limit.
  bool CountHeaderBytes(size_t length);

  RequestLimits limits_;
  http_parser parser_;
  http_parser_settings settings_;
  Request request_;
  std::string url_;
  std::string field_;          // the header name being read
  bool in_authorization_ = false;
  bool field_done_ = false;    // a value started since field_ was read
  size_t header_bytes_ = 0;
  size_t body_bytes_ = 0;
  Status refused_ = Status::kNeedMore;  // why a callback stopped the parser
};

}  // namespace strata::http

#endif  // STRATA_HTTP_REQUEST_READER_H_
