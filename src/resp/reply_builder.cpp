#include "resp/reply_builder.h"

#include <cmath>
#include <cstring>

#include "common/error_stats.h"
#include "common/numbers.h"

namespace strata::resp {
namespace {

// Writes "<type><number>\r\n" at `p` and returns the number of bytes written.
size_t WriteHeader(char* p, char type, int64_t number) {
  p[0] = type;
  size_t n = 1 + FormatInt64(number, p + 1);
  p[n++] = '\r';
  p[n++] = '\n';
  return n;
}

constexpr size_t kMaxHeader = 1 + kMaxInt64Chars + 2;

}  // namespace

void ReplyBuilder::Header(char type, size_t count) {
  char* p = out_->PrepareAppend(kMaxHeader);
  out_->CommitAppend(WriteHeader(p, type, static_cast<int64_t>(count)));
}

void ReplyBuilder::Simple(std::string_view text) {
  char* p = out_->PrepareAppend(text.size() + 3);
  p[0] = '+';
  std::memcpy(p + 1, text.data(), text.size());
  p[text.size() + 1] = '\r';
  p[text.size() + 2] = '\n';
  out_->CommitAppend(text.size() + 3);
}

void ReplyBuilder::Error(std::string_view text) {
  ++errors_;
  if (error_stats_ != nullptr) error_stats_->Count(text);
  char* p = out_->PrepareAppend(text.size() + 3);
  p[0] = '-';
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    p[i + 1] = (c == '\r' || c == '\n') ? ' ' : c;
  }
  p[text.size() + 1] = '\r';
  p[text.size() + 2] = '\n';
  out_->CommitAppend(text.size() + 3);
}

void ReplyBuilder::Integer(int64_t value) {
  char* p = out_->PrepareAppend(kMaxHeader);
  out_->CommitAppend(WriteHeader(p, ':', value));
}

void ReplyBuilder::Bulk(std::string_view value) {
  char* p = out_->PrepareAppend(kMaxHeader + value.size() + 2);
  size_t n = WriteHeader(p, '$', static_cast<int64_t>(value.size()));
  if (!value.empty()) std::memcpy(p + n, value.data(), value.size());
  n += value.size();
  p[n++] = '\r';
  p[n++] = '\n';
  out_->CommitAppend(n);
}

void ReplyBuilder::Null() {
  if (resp3()) {
    out_->Append("_\r\n", 3);
  } else {
    out_->Append("$-1\r\n", 5);
  }
}

void ReplyBuilder::NullArray() {
  if (resp3()) {
    out_->Append("_\r\n", 3);
  } else {
    out_->Append("*-1\r\n", 5);
  }
}

void ReplyBuilder::ArrayHeader(size_t count) { Header('*', count); }

void ReplyBuilder::MapHeader(size_t pairs) {
  if (resp3()) {
    Header('%', pairs);
  } else {
    Header('*', pairs * 2);
  }
}

void ReplyBuilder::SetHeader(size_t count) { Header(resp3() ? '~' : '*', count); }

void ReplyBuilder::PushHeader(size_t count) { Header(resp3() ? '>' : '*', count); }

void ReplyBuilder::Double(double value) {
  char digits[kMaxDoubleChars];
  const size_t len = FormatDouble(value, digits);
  if (!resp3()) {
    Bulk(std::string_view(digits, len));
    return;
  }
  char* p = out_->PrepareAppend(len + 3);
  p[0] = ',';
  std::memcpy(p + 1, digits, len);
  p[len + 1] = '\r';
  p[len + 2] = '\n';
  out_->CommitAppend(len + 3);
}

void ReplyBuilder::Bool(bool value) {
  if (resp3()) {
    out_->Append(value ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->Append(value ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyBuilder::BigNumber(std::string_view digits) {
  if (!resp3()) {
    Bulk(digits);
    return;
  }
  out_->Append('(');
  out_->Append(digits);
  out_->Append("\r\n", 2);
}

void ReplyBuilder::Verbatim(std::string_view text, std::string_view format) {
  if (!resp3()) {
    Bulk(text);
    return;
  }
  Header('=', text.size() + format.size() + 1);
  out_->Append(format);
  out_->Append(':');
  out_->Append(text);
  out_->Append("\r\n", 2);
}

void ReplyBuilder::EndDeferredMap(size_t handle, size_t pairs) {
  if (resp3()) {
    InsertHeader(handle, '%', pairs);
  } else {
    InsertHeader(handle, '*', pairs * 2);
  }
}

void ReplyBuilder::InsertHeader(size_t handle, char type, size_t count) {
  char header[kMaxHeader];
  const size_t n = WriteHeader(header, type, static_cast<int64_t>(count));
  const size_t tail = out_->size() - handle;
  out_->PrepareAppend(n);
  char* base = out_->data();
  std::memmove(base + handle + n, base + handle, tail);
  std::memcpy(base + handle, header, n);
  out_->CommitAppend(n);
}

}  // namespace strata::resp
