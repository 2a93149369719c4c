#include "http/request_reader.h"

#include "common/numbers.h"

namespace strata::http {
namespace {

RequestReader* Self(http_parser* p) { return static_cast<RequestReader*>(p->data); }

}  // namespace

RequestReader::RequestReader(RequestLimits limits) : limits_(limits) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_message_begin = OnMessageBegin;
  settings_.on_url = OnUrl;
  settings_.on_header_field = OnHeaderField;
  settings_.on_header_value = OnHeaderValue;
  settings_.on_body = OnBody;
  settings_.on_message_complete = OnMessageComplete;
}

RequestReader::Status RequestReader::Feed(std::string_view data, size_t* consumed) {
  // A request was handed out last time: the parser paused after it; go on with the next.
  if (HTTP_PARSER_ERRNO(&parser_) == HPE_PAUSED) http_parser_pause(&parser_, 0);
  *consumed = 0;
  if (data.empty()) return Status::kNeedMore;  // libhttp-parser reads an empty buffer as EOF
  *consumed = http_parser_execute(&parser_, &settings_, data.data(), data.size());
  switch (HTTP_PARSER_ERRNO(&parser_)) {
    case HPE_OK: return Status::kNeedMore;
    case HPE_PAUSED: return Status::kRequest;
    case HPE_HEADER_OVERFLOW: return Status::kTooLarge;  // the library's own 80 KB bound
    default: return refused_ != Status::kNeedMore ? refused_ : Status::kBadRequest;
  }
}

bool RequestReader::CountHeaderBytes(size_t length) {
  header_bytes_ += length;
  if (header_bytes_ <= limits_.max_header_bytes) return true;
  refused_ = Status::kTooLarge;
  return false;
}

int RequestReader::OnMessageBegin(http_parser* p) {
  RequestReader* r = Self(p);
  r->request_ = Request();
  r->url_.clear();
  r->field_.clear();
  r->in_authorization_ = false;
  r->field_done_ = false;
  r->header_bytes_ = 0;
  r->body_bytes_ = 0;
  return 0;
}

int RequestReader::OnUrl(http_parser* p, const char* at, size_t length) {
  RequestReader* r = Self(p);
  if (r->url_.size() + length > r->limits_.max_url || !r->CountHeaderBytes(length)) {
    r->refused_ = Status::kTooLarge;
    return 1;
  }
  r->url_.append(at, length);
  return 0;
}

int RequestReader::OnHeaderField(http_parser* p, const char* at, size_t length) {
  RequestReader* r = Self(p);
  if (!r->CountHeaderBytes(length)) return 1;
  // A name may arrive in pieces; a piece after a value starts the next header.
  if (r->field_done_) {
    r->field_.clear();
    r->field_done_ = false;
  }
  r->field_.append(at, length);
  return 0;
}

int RequestReader::OnHeaderValue(http_parser* p, const char* at, size_t length) {
  RequestReader* r = Self(p);
  if (!r->CountHeaderBytes(length)) return 1;
  if (!r->field_done_) {
    r->field_done_ = true;
    r->in_authorization_ = EqualsIgnoreCase(r->field_, "authorization");
    // A repeated Authorization header is ambiguous: the last one is kept, whole.
    if (r->in_authorization_) r->request_.authorization.clear();
  }
  if (r->in_authorization_) r->request_.authorization.append(at, length);
  return 0;
}

int RequestReader::OnBody(http_parser* p, const char*, size_t length) {
  RequestReader* r = Self(p);
  r->body_bytes_ += length;
  if (r->body_bytes_ <= r->limits_.max_body) return 0;
  r->refused_ = Status::kBodyTooLarge;
  return 1;
}

int RequestReader::OnMessageComplete(http_parser* p) {
  RequestReader* r = Self(p);
  r->request_.method = http_method_str(static_cast<http_method>(p->method));
  r->request_.path = r->url_.substr(0, r->url_.find('?'));
  r->request_.keep_alive = http_should_keep_alive(p) != 0;
  // Stop after this request: the caller answers it before the next is parsed.
  http_parser_pause(p, 1);
  return 0;
}

}  // namespace strata::http
