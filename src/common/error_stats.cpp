#include "common/error_stats.h"

#include <cstring>

namespace strata {

std::string_view ErrorCode(std::string_view text) {
  const size_t space = text.substr(0, 32).find(' ');
  if (space == std::string_view::npos) return "ERR";
  return text.substr(0, space);
}

size_t ErrorStats::FindCode(size_t n, std::string_view code) const {
  for (size_t i = 0; i < n; ++i) {
    if (lengths_[i] == code.size() && std::memcmp(names_[i], code.data(), code.size()) == 0) return i;
  }
  return n;
}

size_t ErrorStats::CodeIndex(std::string_view code) {
  size_t n = published_.load(std::memory_order_acquire);
  size_t i = FindCode(n, code);
  if (i < n) return i;
  std::lock_guard<std::mutex> lock(mu_);
  n = published_.load(std::memory_order_relaxed);
  i = FindCode(n, code);
  if (i < n || n == kMaxErrorCodes) return i;
  std::memcpy(names_[n], code.data(), code.size());
  lengths_[n] = code.size();
  published_.store(n + 1, std::memory_order_release);
  return n;
}

void ErrorStats::Count(std::string_view text) {
  const size_t i = CodeIndex(ErrorCode(text));
  if (i < kMaxErrorCodes) counters_.Local().by_code[i].Add();
}

std::vector<std::pair<std::string, uint64_t>> ErrorStats::Sum() const {
  const size_t n = published_.load(std::memory_order_acquire);
  std::vector<std::pair<std::string, uint64_t>> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.emplace_back(std::string(names_[i], lengths_[i]), 0);
  counters_.ForEach([&](const Counters& c) {
    for (size_t i = 0; i < n; ++i) out[i].second += c.by_code[i].Get();
  });
  return out;
}

}  // namespace strata
