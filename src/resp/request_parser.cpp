#include "resp/request_parser.h"

#include <cctype>
#include <cstring>

#include <fmt/format.h>

#include "common/error_texts.h"
#include "common/numbers.h"

namespace strata::resp {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

enum class HeaderLine {
  kComplete,      // "<type><digits>\r\n" is all there
  kAwaitingLf,    // the '\r' is there, its '\n' is not: wait, whatever the line's length
  kUnterminated,  // no '\r' yet: wait, unless the line is already too long
};

// Finds the header line "<type><digits>\r\n" starting at data[pos]; on kComplete sets *number_end
// to the '\r'. Redis searches for the '\r' with strchr on its NUL-terminated buffer, so a NUL
// before the '\r' hides it and the line stays unterminated.
HeaderLine FindHeaderEnd(const char* data, size_t size, size_t pos, size_t* number_end) {
  const char* start = data + pos;
  const void* cr = std::memchr(start, '\r', size - pos);
  const size_t scanned = cr == nullptr ? size - pos : static_cast<size_t>(static_cast<const char*>(cr) - start);
  if (cr == nullptr || std::memchr(start, '\0', scanned) != nullptr) return HeaderLine::kUnterminated;
  const size_t at = pos + scanned;
  if (at + 1 >= size) return HeaderLine::kAwaitingLf;
  *number_end = at;
  return HeaderLine::kComplete;
}

}  // namespace

void RequestParser::Reset() {
  pos_ = 0;
  args_expected_ = -1;
  bulk_len_ = -1;
  offsets_.clear();
  known_size_ = 0;
}

RequestParser::Result RequestParser::Fail(std::string text) {
  Reset();
  error_ = std::move(text);
  return Result::kError;
}

RequestParser::Result RequestParser::Parse(const char* data, size_t size) {
  args_.clear();
  consumed_ = 0;
  if (size == 0) return Result::kNeedMore;
  if (data[0] == '*') return ParseMultibulk(data, size);
  return ParseInline(data, size);
}

RequestParser::Result RequestParser::ParseMultibulk(const char* data, size_t size) {
  if (args_expected_ < 0) {
    size_t number_end;
    const HeaderLine line = FindHeaderEnd(data, size, 0, &number_end);
    if (line != HeaderLine::kComplete) {
      if (line == HeaderLine::kUnterminated && size > limits_.max_inline_len) {
        return Fail(errors::kProtoTooBigMbulkCount);
      }
      return Result::kNeedMore;
    }
    int64_t count;
    if (!ParseInt64(std::string_view(data + 1, number_end - 1), &count) ||
        count > static_cast<int64_t>(limits_.max_multibulk_len)) {
      return Fail(errors::kProtoInvalidMultibulkLen);
    }
    pos_ = number_end + 2;
    if (count <= 0) {  // "*0" and "*-1" are empty requests
      consumed_ = pos_;
      Reset();
      return Result::kRequest;
    }
    args_expected_ = count;
    // Do not trust the count for a reservation: it may come from a client that never sends more.
    offsets_.reserve(static_cast<size_t>(count < 1024 ? count : 1024));
  }

  while (static_cast<int64_t>(offsets_.size()) < args_expected_) {
    if (bulk_len_ < 0) {
      if (pos_ >= size) {
        known_size_ = pos_ + 1;
        return Result::kNeedMore;
      }
      if (data[pos_] != '$') {
        return Fail(fmt::format(errors::kFmtProtoExpectedDollar, data[pos_]));
      }
      size_t number_end;
      const HeaderLine line = FindHeaderEnd(data, size, pos_, &number_end);
      if (line != HeaderLine::kComplete) {
        if (line == HeaderLine::kUnterminated && size - pos_ > limits_.max_inline_len) {
          return Fail(errors::kProtoTooBigBulkCount);
        }
        known_size_ = size + 1;
        return Result::kNeedMore;
      }
      int64_t len;
      if (!ParseInt64(std::string_view(data + pos_ + 1, number_end - pos_ - 1), &len) || len < 0 ||
          static_cast<uint64_t>(len) > limits_.max_bulk_len) {
        return Fail(errors::kProtoInvalidBulkLen);
      }
      bulk_len_ = len;
      pos_ = number_end + 2;
    }
    // The bulk payload and its CRLF. Like Redis, the two bytes after the payload are skipped
    // without being checked.
    const size_t need = pos_ + static_cast<size_t>(bulk_len_) + 2;
    if (size < need) {
      known_size_ = need;
      return Result::kNeedMore;
    }
    offsets_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ = need;
    bulk_len_ = -1;
  }

  args_.reserve(offsets_.size());
  for (const auto& [offset, length] : offsets_) args_.emplace_back(data + offset, length);
  consumed_ = pos_;
  Reset();
  return Result::kRequest;
}

RequestParser::Result RequestParser::ParseInline(const char* data, size_t size) {
  // pos_ remembers how far a previous call already searched for the newline. Redis searches with
  // strchr, so a NUL before the newline hides it for good: the search stops at the NUL, and the
  // line can only end by growing too big.
  const char* from = data + pos_;
  const void* nl = std::memchr(from, '\n', size - pos_);
  const size_t scanned = nl == nullptr ? size - pos_ : static_cast<size_t>(static_cast<const char*>(nl) - from);
  const void* nul = std::memchr(from, '\0', scanned);
  if (nl == nullptr || nul != nullptr) {
    if (size > limits_.max_inline_len) return Fail(errors::kProtoTooBigInline);
    pos_ = nul != nullptr ? static_cast<size_t>(static_cast<const char*>(nul) - data) : size;
    return Result::kNeedMore;
  }
  const size_t newline = static_cast<size_t>(static_cast<const char*>(nl) - data);
  size_t line_end = newline;
  if (line_end > 0 && data[line_end - 1] == '\r') --line_end;
  inline_storage_.clear();
  inline_spans_.clear();
  if (!SplitInlineArgs(std::string_view(data, line_end), &inline_storage_, &inline_spans_)) {
    return Fail(errors::kProtoUnbalancedQuotes);
  }
  args_.reserve(inline_spans_.size());
  for (const auto& [offset, length] : inline_spans_) args_.emplace_back(inline_storage_.data() + offset, length);
  consumed_ = newline + 1;
  Reset();
  return Result::kRequest;
}

bool SplitInlineArgs(std::string_view line, std::string* storage, std::vector<std::pair<size_t, size_t>>* spans) {
  // Redis splits a C string: a NUL byte ends the line.
  line = line.substr(0, line.find('\0'));
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i >= n) return true;
    const size_t start = storage->size();
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    while (!done) {
      if (in_double) {
        if (i >= n) return false;  // unterminated quotes
        const char c = line[i];
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && HexDigit(line[i + 2]) >= 0 && HexDigit(line[i + 3]) >= 0) {
          storage->push_back(static_cast<char>(HexDigit(line[i + 2]) * 16 + HexDigit(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          ++i;
          char decoded;
          switch (line[i]) {
            case 'n': decoded = '\n'; break;
            case 'r': decoded = '\r'; break;
            case 't': decoded = '\t'; break;
            case 'b': decoded = '\b'; break;
            case 'a': decoded = '\a'; break;
            default: decoded = line[i]; break;
          }
          storage->push_back(decoded);
        } else if (c == '"') {
          // The closing quote must be followed by a space or the end.
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          done = true;
        } else {
          storage->push_back(c);
        }
      } else if (in_single) {
        if (i >= n) return false;
        const char c = line[i];
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          storage->push_back('\'');
        } else if (c == '\'') {
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          done = true;
        } else {
          storage->push_back(c);
        }
      } else {
        if (i >= n) break;
        const char c = line[i];
        switch (c) {
          case ' ': case '\n': case '\r': case '\t':
            done = true;
            break;
          case '"': in_double = true; break;
          case '\'': in_single = true; break;
          default: storage->push_back(c); break;
        }
      }
      if (i < n) ++i;
    }
    spans->emplace_back(start, storage->size() - start);
  }
}

}  // namespace strata::resp
