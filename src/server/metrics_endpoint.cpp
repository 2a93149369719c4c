#include "server/metrics_endpoint.h"

#include <openssl/crypto.h>
#include <pthread.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "server/prometheus_text.h"
#include "server/server.h"

namespace strata::server {
namespace {

std::string_view Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

HttpResponse Json(int status, std::string_view state) {
  HttpResponse r;
  r.status = status;
  r.body = fmt::format("{{\"status\":\"{}\"}}\n", state);
  return r;
}

// Whether `authorization` is "Bearer <token>", compared in constant time.
bool BearerMatches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() != kScheme.size() + token.size() || !authorization.starts_with(kScheme)) return false;
  return CRYPTO_memcmp(authorization.data() + kScheme.size(), token.data(), token.size()) == 0;
}

}  // namespace

HttpResponse AnswerMetricsRequest(Server& server, const http::Request& request) {
  const bool known = request.path == "/metrics" || request.path == "/healthz" || request.path == "/readyz";
  if (!known) return Json(404, "not found");
  if (request.method != "GET") {
    HttpResponse r = Json(405, "method not allowed");
    r.extra_headers = "Allow: GET\r\n";
    return r;
  }
  if (request.path == "/healthz") return Json(200, "ok");
  if (request.path == "/readyz") {
    if (server.persistence().loading()) return Json(503, "loading");
    if (server.persistence().WritesRefused()) return Json(503, "refusing writes");
    return Json(200, "ready");
  }
  // Probes stay open to orchestrators; the figures need the token when one is set.
  const std::string token = server.config().Text(ConfigId::kMetricsToken);
  if (!token.empty() && !BearerMatches(request.authorization, token)) {
    HttpResponse r = Json(401, "unauthorized");
    r.extra_headers = "WWW-Authenticate: Bearer\r\n";
    return r;
  }
  HttpResponse r;
  r.content_type = kPrometheusContentType;
  r.body = RenderPrometheusMetrics(server);
  return r;
}

HttpResponse RefusalResponse(http::RequestReader::Status status) {
  switch (status) {
    case http::RequestReader::Status::kTooLarge: return Json(431, "request header fields too large");
    case http::RequestReader::Status::kBodyTooLarge: return Json(413, "payload too large");
    default: return Json(400, "bad request");
  }
}

std::string FormatHttpResponse(const HttpResponse& response, bool keep_alive) {
  return fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}Connection: {}\r\n\r\n{}",
                     response.status, Reason(response.status), response.content_type, response.body.size(),
                     response.extra_headers, keep_alive ? "keep-alive" : "close", response.body);
}

// One scraper's connection. Lives on the endpoint's loop; freed once both handles are closed.
struct MetricsEndpoint::Connection {
  explicit Connection(MetricsEndpoint* e) : endpoint(e) {
    tcp.data = this;
    timer.data = this;
    write_req.data = this;
  }

  MetricsEndpoint* endpoint;
  uv_tcp_t tcp{};
  uv_timer_t timer{};
  uv_write_t write_req{};
  http::RequestReader reader;
  std::string input;       // received, not yet parsed: only what follows a request being answered
  std::string output;      // the response being written
  bool writing = false;
  bool close_after_write = false;
  bool request_started = false;  // bytes of a request arrived since the last response
  bool closing = false;
  int open_handles = 2;
};

MetricsEndpoint::~MetricsEndpoint() { Stop(); }

bool MetricsEndpoint::Start(const std::string& host, int port, std::string* error) {
  sockaddr_storage addr{};
  const bool v6 = host.find(':') != std::string::npos;
  int rc = v6 ? uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr))
              : uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  uv_loop_init(&loop_);
  uv_tcp_init(&loop_, &listener_);
  listener_.data = this;
  if (rc == 0) rc = uv_tcp_bind(&listener_, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 128, OnConnection);
  if (rc != 0) {
    *error = fmt::format("Could not create the metrics endpoint's socket on {}:{}: {}", host, port, uv_strerror(rc));
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
    return false;
  }
  uv_async_init(&loop_, &stop_async_, [](uv_async_t* h) {
    auto* self = static_cast<MetricsEndpoint*>(h->data);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->listener_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_async_), nullptr);
    // Close() erases from the set: iterate over a copy.
    const std::unordered_set<Connection*> open = self->connections_;
    for (Connection* c : open) self->Close(c);
  });
  stop_async_.data = this;
  running_ = true;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "strata-metrics");
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  });
  spdlog::info("Metrics endpoint listening on {}:{}", host, port);
  return true;
}

void MetricsEndpoint::Stop() {
  if (!running_) return;
  running_ = false;
  uv_async_send(&stop_async_);
  thread_.join();
}

void MetricsEndpoint::OnConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<MetricsEndpoint*>(listener->data);
  if (status < 0) return;
  auto* c = new Connection(self);
  uv_tcp_init(&self->loop_, &c->tcp);
  uv_timer_init(&self->loop_, &c->timer);
  self->connections_.insert(c);
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0 ||
      self->connections_.size() > kMaxConnections) {
    self->Close(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_timer_start(&c->timer, OnTimeout, kIdleTimeoutMs, 0);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), OnAlloc, OnRead);
}

void MetricsEndpoint::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  MetricsEndpoint* self = static_cast<Connection*>(handle->data)->endpoint;
  *buf = uv_buf_init(self->read_buffer_, sizeof(self->read_buffer_));
}

void MetricsEndpoint::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(stream->data);
  if (nread < 0) {
    c->endpoint->Close(c);
    return;
  }
  if (nread == 0) return;
  if (!c->request_started) {
    // The request that begins now must arrive whole in time, however slowly it trickles.
    c->request_started = true;
    uv_timer_start(&c->timer, OnTimeout, kRequestTimeoutMs, 0);
  }
  c->input.append(buf->base, static_cast<size_t>(nread));
  c->endpoint->Process(c);
}

void MetricsEndpoint::Process(Connection* c) {
  if (c->writing || c->closing) return;
  size_t consumed = 0;
  const http::RequestReader::Status status = c->reader.Feed(c->input, &consumed);
  c->input.erase(0, consumed);
  switch (status) {
    case http::RequestReader::Status::kNeedMore:
      return;
    case http::RequestReader::Status::kRequest:
      Respond(c, AnswerMetricsRequest(*server_, c->reader.request()), c->reader.request().keep_alive);
      return;
    default:
      Respond(c, RefusalResponse(status), /*keep_alive=*/false);
      return;
  }
}

void MetricsEndpoint::Respond(Connection* c, const HttpResponse& response, bool keep_alive) {
  c->output = FormatHttpResponse(response, keep_alive);
  c->close_after_write = !keep_alive;
  c->writing = true;
  // Nothing more is read until this response is out: a pipelining scraper that never reads
  // holds one response, not a growing queue of them.
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
  uv_timer_start(&c->timer, OnTimeout, kRequestTimeoutMs, 0);
  uv_buf_t buf = uv_buf_init(c->output.data(), static_cast<unsigned>(c->output.size()));
  if (uv_write(&c->write_req, reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1, OnWritten) != 0) Close(c);
}

void MetricsEndpoint::OnWritten(uv_write_t* req, int status) {
  auto* c = static_cast<Connection*>(req->data);
  c->writing = false;
  if (c->closing) return;
  if (status < 0 || c->close_after_write) {
    c->endpoint->Close(c);
    return;
  }
  c->output.clear();
  c->request_started = !c->input.empty();
  uv_timer_start(&c->timer, OnTimeout, c->request_started ? kRequestTimeoutMs : kIdleTimeoutMs, 0);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), OnAlloc, OnRead);
  c->endpoint->Process(c);  // a pipelined request may be buffered already
}

void MetricsEndpoint::OnTimeout(uv_timer_t* timer) {
  auto* c = static_cast<Connection*>(timer->data);
  c->endpoint->Close(c);
}

void MetricsEndpoint::Close(Connection* c) {
  if (c->closing) return;
  c->closing = true;
  connections_.erase(c);
  const auto on_closed = [](uv_handle_t* h) {
    auto* conn = static_cast<Connection*>(h->data);
    if (--conn->open_handles == 0) delete conn;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), on_closed);
}

}  // namespace strata::server
