#include "server/client_pause.h"

#include <algorithm>

namespace strata::server {

void ClientPause::Pause(PauseMode mode, int64_t end_ms, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  // A pause that already ended is replaced, not strengthened (Redis clears it once past its end).
  const bool in_effect = ActiveAt(now_ms);
  const int64_t old_end = in_effect ? end_ms_.load(std::memory_order_relaxed) : 0;
  const int old_mode = in_effect ? mode_.load(std::memory_order_relaxed) : 0;
  end_ms_.store(std::max(old_end, end_ms), std::memory_order_release);
  mode_.store(std::max(old_mode, static_cast<int>(mode)), std::memory_order_release);
}

void ClientPause::Unpause() {
  std::lock_guard<std::mutex> lock(mu_);
  mode_.store(static_cast<int>(PauseMode::kNone), std::memory_order_release);
  end_ms_.store(0, std::memory_order_release);
}

}  // namespace strata::server
