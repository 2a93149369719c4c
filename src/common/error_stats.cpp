#include "common/error_stats.h"

#include <atomic>
#include <cstring>
#include <mutex>

#include "common/per_thread.h"

namespace strata {
namespace {

// Redis looks for the space among the first 32 bytes only.
constexpr size_t kCodeScan = 32;

struct ErrorCounters {
  Counter by_code[kMaxErrorCodes];
};

// The registered codes. A slot is written once, before `published` grows past it, so readers
// that load `published` (acquire) may read the slots below it without the lock.
struct Registry {
  std::mutex mu;
  std::atomic<size_t> published{0};
  char names[kMaxErrorCodes][kCodeScan];
  size_t lengths[kMaxErrorCodes];
};

Registry& TheRegistry() {
  static Registry registry;
  return registry;
}

// The index of `code` among the first `n` registered codes, or n when absent.
size_t FindCode(const Registry& r, size_t n, std::string_view code) {
  for (size_t i = 0; i < n; ++i) {
    if (r.lengths[i] == code.size() && std::memcmp(r.names[i], code.data(), code.size()) == 0) return i;
  }
  return n;
}

// The index of `code`, registering it if new; kMaxErrorCodes when the registry is full.
size_t CodeIndex(std::string_view code) {
  Registry& r = TheRegistry();
  size_t n = r.published.load(std::memory_order_acquire);
  size_t i = FindCode(r, n, code);
  if (i < n) return i;
  std::lock_guard<std::mutex> lock(r.mu);
  n = r.published.load(std::memory_order_relaxed);
  i = FindCode(r, n, code);
  if (i < n || n == kMaxErrorCodes) return i;
  std::memcpy(r.names[n], code.data(), code.size());
  r.lengths[n] = code.size();
  r.published.store(n + 1, std::memory_order_release);
  return n;
}

}  // namespace

std::string_view ErrorCode(std::string_view text) {
  const size_t space = text.substr(0, kCodeScan).find(' ');
  if (space == std::string_view::npos) return "ERR";
  return text.substr(0, space);
}

void CountErrorReply(std::string_view text) {
  const size_t i = CodeIndex(ErrorCode(text));
  if (i < kMaxErrorCodes) PerThread<ErrorCounters>::Local().by_code[i].Add();
}

std::vector<std::pair<std::string, uint64_t>> SumErrorCounts() {
  const Registry& r = TheRegistry();
  const size_t n = r.published.load(std::memory_order_acquire);
  std::vector<std::pair<std::string, uint64_t>> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.emplace_back(std::string(r.names[i], r.lengths[i]), 0);
  PerThread<ErrorCounters>::ForEach([&](const ErrorCounters& c) {
    for (size_t i = 0; i < n; ++i) out[i].second += c.by_code[i].Get();
  });
  return out;
}

}  // namespace strata
