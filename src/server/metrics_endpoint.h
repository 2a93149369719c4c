// The HTTP endpoint for Prometheus and orchestrators (metrics-port, metrics-bind, metrics-token):
// GET /metrics (server/prometheus_text.h), GET /healthz and GET /readyz.
//
// It runs on a thread and libuv loop of its own, so a scrape never takes an io-thread's time,
// and a scraper that is slow, never reads, or never finishes its request costs only its own
// connection: one response in flight per connection (reading pauses until it is written),
// at most kMaxConnections connections, and a deadline for each request and each response after
// which the connection is closed. Requests are parsed by http::RequestReader.
#ifndef STRATA_SERVER_METRICS_ENDPOINT_H_
#define STRATA_SERVER_METRICS_ENDPOINT_H_

#include <uv.h>

#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>

#include "http/request_reader.h"

namespace strata::server {

class Server;

// One HTTP response, before it is framed.
struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string extra_headers;  // whole "Name: value\r\n" lines
};

// The answer to `request` (method, path and token checked here). Thread-safe.
// REQUIRES: the calling thread holds no stripe lock.
HttpResponse AnswerMetricsRequest(Server& server, const http::Request& request);

// The response for a request the reader refused (400, 431, 413).
HttpResponse RefusalResponse(http::RequestReader::Status status);

// `response` as HTTP/1.1 bytes: status line, Content-Type, Content-Length, Connection.
std::string FormatHttpResponse(const HttpResponse& response, bool keep_alive);

class MetricsEndpoint {
 public:
  // Connections served at once; more are closed as soon as they are accepted.
  static constexpr size_t kMaxConnections = 64;
  // How long a request may take to arrive whole once it started, and a response to be written.
  static constexpr uint64_t kRequestTimeoutMs = 10'000;
  // How long a kept-alive connection may wait for its next request.
  static constexpr uint64_t kIdleTimeoutMs = 60'000;

  // `server` must outlive the endpoint.
  explicit MetricsEndpoint(Server* server) : server_(server) {}
  // Stops the endpoint if it runs.
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // Listens on host:port and starts serving on a thread of its own. Returns false with *error set
  // when the address is refused (the caller logs it and exits, as for the data port).
  // REQUIRES: not started.
  bool Start(const std::string& host, int port, std::string* error);
  // Closes the listener and every connection and joins the thread. Idempotent.
  void Stop();

 private:
  struct Connection;

  static void OnConnection(uv_stream_t* listener, int status);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWritten(uv_write_t* req, int status);
  static void OnTimeout(uv_timer_t* timer);
  // Answers the requests buffered on `c`, one at a time.
  void Process(Connection* c);
  void Respond(Connection* c, const HttpResponse& response, bool keep_alive);
  void Close(Connection* c);

  Server* server_;
  uv_loop_t loop_{};
  uv_tcp_t listener_{};
  uv_async_t stop_async_{};
  std::thread thread_;
  bool running_ = false;
  std::unordered_set<Connection*> connections_;  // loop thread only
  char read_buffer_[16 * 1024];                   // loop thread only: each read is parsed at once
};

}  // namespace strata::server

#endif  // STRATA_SERVER_METRICS_ENDPOINT_H_
