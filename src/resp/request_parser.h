// Incremental parser for client requests: RESP multibulk arrays and inline commands.
//
// A request may arrive split at any byte across reads, and one read may hold thousands of
// requests. The parser works on the caller's buffer: the arguments it returns are views into that
// buffer (no copy), except inline arguments, whose quotes and escapes it decodes into its own
// storage. Not thread-safe; one parser per connection.
#ifndef STRATA_RESP_REQUEST_PARSER_H_
#define STRATA_RESP_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace strata::resp {

struct ParserLimits {
  size_t max_bulk_len = 512 * 1024 * 1024;  // proto-max-bulk-len
  // Arguments per request. Redis 7.0 waits for up to INT_MAX; Strata keeps the 1,048,576 of
  // earlier Redis versions, which every real command fits and which bounds what one announced
  // request can make the server hold.
  size_t max_multibulk_len = 1024 * 1024;
  size_t max_inline_len = 64 * 1024;        // an inline line, or a '*' / '$' header line
};

class RequestParser {
 public:
  enum class Result {
    kRequest,   // a whole request: args() and consumed() are set (args() may be empty: skip it)
    kNeedMore,  // the bytes end inside a request; call again with the same start and more bytes
    kError,     // a protocol error: error() is the reply text; the connection must close
  };

  explicit RequestParser(ParserLimits limits = ParserLimits()) : limits_(limits) {}

  // Parses the request that starts at `data`; `size` bytes are available.
  // After kNeedMore the caller passes the same request again, from its first byte, with more
  // bytes after it; the buffer may have moved in between. Work already done is not repeated.
  // After kRequest the caller drops consumed() bytes and calls again for the next request.
  // The views in args() stay valid until the buffer changes or Parse is called again.
  Result Parse(const char* data, size_t size);

  std::span<const std::string_view> args() const { return args_; }
  size_t consumed() const { return consumed_; }
  // The error reply text (without '-' and CRLF) after kError.
  std::string_view error() const { return error_; }
  // After kNeedMore: the total size the current request is known to need so far (at least the
  // end of the bulk being read), so the caller can size its buffer for one big argument at once.
  size_t known_request_size() const { return known_size_; }

 private:
  Result ParseMultibulk(const char* data, size_t size);
  Result ParseInline(const char* data, size_t size);
  Result Fail(std::string text);
  void Reset();

  ParserLimits limits_;
  // State of a multibulk request in progress, relative to the request's first byte.
  size_t pos_ = 0;               // bytes of the request parsed so far
  int64_t args_expected_ = -1;   // -1 until the '*' header is parsed
  int64_t bulk_len_ = -1;        // -1 until the current '$' header is parsed
  std::vector<std::pair<size_t, size_t>> offsets_;  // (offset, length) of each finished argument
  size_t known_size_ = 0;

  std::vector<std::string_view> args_;
  std::string inline_storage_;
  std::vector<std::pair<size_t, size_t>> inline_spans_;
  size_t consumed_ = 0;
  std::string error_;
};

// Splits an inline command line the way Redis does (sdssplitargs): whitespace separates
// arguments; "double quotes" understand \n \r \t \b \a \\ \" and \xHH; 'single quotes' understand
// \'. A closing quote must be followed by whitespace or the end. Decoded bytes are appended to
// `storage` and each argument's (offset, length) in it to `spans`. Returns false on unbalanced
// quotes. Also used for configuration file lines.
bool SplitInlineArgs(std::string_view line, std::string* storage, std::vector<std::pair<size_t, size_t>>* spans);

}  // namespace strata::resp

#endif  // STRATA_RESP_REQUEST_PARSER_H_
