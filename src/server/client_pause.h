// CLIENT PAUSE's state: which commands wait, and until when.
//
// As in Redis 7.0, a pause holds commands (they wait; nothing is refused): under kAll every
// command, under kWrite the write commands, the may_replicate ones (PUBLISH, SPUBLISH) and an EXEC
// whose queue holds either. A second pause keeps the stronger mode and the later end; CLIENT
// UNPAUSE ends it at once. While a pause is in effect (either mode) the dataset stands still:
// active expiry and eviction skip their work, and a lookup that finds an expired key answers as
// if it were gone but leaves it in place.
//
// The state is two atomics read on every command (one relaxed load while no pause was ever
// set); changes take a mutex so mode and end move together. Holding and resuming connections is
// the io-threads' work (IoThread::HoldForPause); this class only decides.
#ifndef STRATA_SERVER_CLIENT_PAUSE_H_
#define STRATA_SERVER_CLIENT_PAUSE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace strata::server {

enum class PauseMode : int { kNone = 0, kWrite = 1, kAll = 2 };

class ClientPause {
 public:
  // Starts a pause of `mode` lasting while the time is at most `end_ms` (Unix ms), or
  // strengthens the one in effect at `now_ms`: the stronger mode and the later end win.
  // Thread-safe.
  void Pause(PauseMode mode, int64_t end_ms, int64_t now_ms);
  // Ends the pause. The caller wakes the io-threads that hold connections. Thread-safe.
  void Unpause();

  // Whether a pause was started and not ended by Unpause (it may have run out): the one load a
  // command costs while no pause is set. Thread-safe.
  bool set() const { return mode_.load(std::memory_order_relaxed) != static_cast<int>(PauseMode::kNone); }
  // The mode in effect at `now_ms`: kNone once the end has passed. Thread-safe.
  PauseMode ModeAt(int64_t now_ms) const {
    const auto mode = static_cast<PauseMode>(mode_.load(std::memory_order_acquire));
    if (mode == PauseMode::kNone) return mode;
    return now_ms <= end_ms_.load(std::memory_order_acquire) ? mode : PauseMode::kNone;
  }
  bool ActiveAt(int64_t now_ms) const { return ModeAt(now_ms) != PauseMode::kNone; }
  // When the pause ends (Unix ms); meaningful while ActiveAt.
  int64_t end_ms() const { return end_ms_.load(std::memory_order_acquire); }

  // Connections whose command waits for the pause to end (INFO's blocked_clients counts them,
  // as Redis counts its postponed clients). Changed by their io-threads.
  void AddHeld(int delta) { held_.fetch_add(delta, std::memory_order_relaxed); }
  size_t held() const { return static_cast<size_t>(held_.load(std::memory_order_relaxed)); }

 private:
  std::mutex mu_;  // serializes changes of mode_ and end_ms_
  std::atomic<int> mode_{static_cast<int>(PauseMode::kNone)};
  std::atomic<int64_t> end_ms_{0};
  std::atomic<int64_t> held_{0};
};

}  // namespace strata::server

#endif  // STRATA_SERVER_CLIENT_PAUSE_H_
