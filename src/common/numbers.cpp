#include "common/numbers.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace strata {
namespace {

// strtod and friends need a NUL-terminated copy; numbers on the wire are short, so a stack
// buffer covers every realistic case and the heap covers the rest.
class TerminatedCopy {
 public:
  explicit TerminatedCopy(std::string_view text) {
    if (text.size() < sizeof(small_)) {
      std::memcpy(small_, text.data(), text.size());
      small_[text.size()] = '\0';
      ptr_ = small_;
    } else {
      large_.assign(text);
      ptr_ = large_.c_str();
    }
  }
  const char* c_str() const { return ptr_; }

 private:
  char small_[128];
  std::string large_;
  const char* ptr_;
};

}  // namespace

bool ParseInt64(std::string_view text, int64_t* value) {
  const size_t n = text.size();
  if (n == 0 || n > 20) return false;
  if (n == 1 && text[0] == '0') {
    *value = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (text[0] == '-') {
    negative = true;
    i = 1;
    if (n == 1) return false;
  }
  if (text[i] < '1' || text[i] > '9') return false;
  uint64_t v = 0;
  for (; i < n; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *value = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *value = static_cast<int64_t>(v);
  }
  return true;
}

bool ParseCursor(std::string_view text, uint64_t* value) {
  // Like strtoul, an empty text reads as 0.
  if (!text.empty() && std::isspace(static_cast<unsigned char>(text[0]))) return false;
  TerminatedCopy copy(text);
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(copy.c_str(), &end, 10);
  if (errno == ERANGE || static_cast<size_t>(end - copy.c_str()) != text.size()) return false;
  *value = v;
  return true;
}

bool ParseDouble(std::string_view text, double* value) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  TerminatedCopy copy(text);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(copy.c_str(), &end);
  if (static_cast<size_t>(end - copy.c_str()) != text.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) return false;
  if (std::isnan(v)) return false;
  *value = v;
  return true;
}

bool ParseLongDouble(std::string_view text, long double* value) {
  // Redis copies the text into a 5 KiB buffer first and refuses what does not fit.
  constexpr size_t kMaxLongDoubleChars = 5 * 1024;
  if (text.empty() || text.size() >= kMaxLongDoubleChars || std::isspace(static_cast<unsigned char>(text[0]))) {
    return false;
  }
  TerminatedCopy copy(text);
  char* end = nullptr;
  errno = 0;
  const long double v = std::strtold(copy.c_str(), &end);
  if (static_cast<size_t>(end - copy.c_str()) != text.size()) return false;
  if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || std::fpclassify(v) == FP_ZERO)) return false;
  if (std::isnan(v)) return false;
  *value = v;
  return true;
}

size_t FormatInt64(int64_t value, char* buf) {
  char tmp[kMaxInt64Chars];
  size_t len = 0;
  uint64_t v = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  do {
    tmp[len++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  size_t out = 0;
  if (value < 0) buf[out++] = '-';
  while (len > 0) buf[out++] = tmp[--len];
  return out;
}

size_t FormatDouble(double value, char* buf) {
  if (std::isinf(value)) {
    if (value > 0) {
      std::memcpy(buf, "inf", 3);
      return 3;
    }
    std::memcpy(buf, "-inf", 4);
    return 4;
  }
  const int n = std::snprintf(buf, kMaxDoubleChars, "%.17g", value);
  return n < 0 ? 0 : static_cast<size_t>(n);
}

size_t FormatListpackDouble(double value, char* buf) {
  // Redis stores such a score as an integer, where the conversion to a 64-bit integer is exact.
  constexpr double kIntegerLimit = 4611686018427387904.0;  // 2^62
  if (value >= -kIntegerLimit && value <= kIntegerLimit && value == std::trunc(value)) {
    return FormatInt64(static_cast<int64_t>(value), buf);
  }
  return FormatDouble(value, buf);
}

std::string FormatLongDoubleHuman(long double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // A long double has at most 4933 integer digits; 17 decimals and the sign fit in 5 KiB.
  char buf[5 * 1024];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", value);
  if (n < 0 || static_cast<size_t>(n) >= sizeof(buf)) return std::string();
  size_t len = static_cast<size_t>(n);
  if (std::memchr(buf, '.', len) != nullptr) {
    while (buf[len - 1] == '0') --len;
    if (buf[len - 1] == '.') --len;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') return "0";
  return std::string(buf, len);
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = AsciiToLower(c);
  return out;
}

}  // namespace strata
