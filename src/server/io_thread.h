// An io-thread: one libuv loop that owns a share of the connections and runs their requests,
// plus the timers for its share of the background work (active expiry of its stripes, idle
// client timeouts).
#ifndef STRATA_SERVER_IO_THREAD_H_
#define STRATA_SERVER_IO_THREAD_H_

#include <uv.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/byte_buffer.h"
#include "common/function_ref.h"
#include "server/blocking.h"
#include "server/dispatcher.h"
#include "store/lock_set.h"

namespace strata::server {

class Connection;
class Server;

// CPU time one thread has used, in microseconds.
struct ThreadCpuUsage {
  int64_t user_us = 0;
  int64_t sys_us = 0;
};

// Closes each of `handles` that is not closing yet. A loop's handles must all be closed (and the
// loop run until their close callbacks ran) before the loop itself closes.
void CloseUvHandles(std::initializer_list<uv_handle_t*> handles);

class IoThread {
 public:
  IoThread(Server* server, int index);
  ~IoThread();
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  int index() const { return index_; }
  Server& server() { return *server_; }
  // The loop. Handles may be set up on it before Start(); afterwards only from this thread.
  uv_loop_t* loop() { return &loop_; }

  // Runs the loop on a new thread until Shutdown() completes.
  void Start();
  void Join();

  // Runs `task` on this thread soon. Thread-safe.
  void Post(std::function<void()> task);

  // Closes every connection once its pending replies are written (forcing them after a grace
  // period) and ends the loop. Thread-safe.
  void Shutdown();

  // Closes the connections whose Client::kill_requested() is set. Thread-safe (posts the work).
  void SweepKilledClients();

  // BlockingRegistry callbacks: hand blocked client `id` on `thread` the reply it was served, or
  // end its block with `reason`. Thread-safe (they post to `thread`).
  static void DeliverServedReply(IoThread* thread, uint64_t id, std::string reply);
  static void UnblockClient(IoThread* thread, uint64_t id, UnblockReason reason);

  // Calls f(const Client&) for each of this thread's clients, under the client-list lock.
  // Thread-safe.
  void ForEachClient(FunctionRef<void(const Client&)> f) const;
  size_t client_count() const;

  // This thread's CPU time (getrusage RUSAGE_THREAD) as its cron last sampled it, or fresh when
  // called on this thread. Only io-thread 0's cron samples (INFO's main thread): the others
  // read 0 from any other thread. Any thread.
  ThreadCpuUsage cpu_usage();

  // The io-thread the caller runs on, or nullptr on any other thread.
  static IoThread* Current();

  // --- For connections, on this thread only. ---
  // This thread's connection of client `id`, or nullptr.
  Connection* FindConnection(uint64_t id) const;
  // CLIENT PAUSE holds client `id`'s command: it runs again from ResumePaused, called when the
  // pause ends (this thread's timer, re-armed while the pause is extended) or on CLIENT UNPAUSE
  // (a posted task). Nothing polls meanwhile.
  void HoldForPause(uint64_t id);
  // Runs the commands of every connection held for the pause, in the order they were held; a
  // connection a new pause holds again is held anew.
  void ResumePaused();
  // Has client `id`'s pub/sub messages sent once this loop iteration's events are handled, before
  // the loop waits again (as Redis writes before it sleeps): many messages, one write.
  void ScheduleMessageFlush(uint64_t id);
  void AddConnection(Connection* conn);
  void RemoveConnection(Connection* conn);
  ByteBuffer& shared_input() { return shared_input_; }
  // The lock set this thread's next command locks: its own, or a second one while a busy
  // script of this thread holds the first (ServeWhileBusy).
  store::LockSet& locks() { return serving_while_busy_ ? busy_locks_ : locks_; }

  // Called by a script of this thread that is busy (from its Lua count hook; libuv's loop cannot
  // be re-entered): reads what every other client of this thread sent, straight from its
  // socket, runs it (the dispatcher answers -BUSY to all but allow_busy commands) and writes the
  // replies. Client `script_client` (the script's caller) is left alone.
  void ServeWhileBusy(uint64_t script_client);
  // Whether ServeWhileBusy is running commands now.
  bool serving_while_busy() const { return serving_while_busy_; }
  Dispatcher& dispatcher() { return dispatcher_; }

 private:
  static void OnAsync(uv_async_t* handle);
  static void OnCron(uv_timer_t* handle);
  static void OnBeforeWait(uv_prepare_t* handle);
  static void OnPauseTimer(uv_timer_t* handle);
  // Starts the pause timer for just after the pause's current end.
  void ArmPauseTimer();
  void RunTasks();
  void Cron();
  // Reads this thread's CPU time into cpu_user_us_ / cpu_sys_us_. REQUIRES: this thread.
  void SampleCpuUsage();
  void CloseIdleClients(int64_t now_ms);
  void FinishShutdown();
  template <typename F>
  void ForEachConnection(F f);

  Server* server_;
  const int index_;
  uv_loop_t loop_;
  uv_async_t async_;
  uv_timer_t cron_;
  uv_timer_t grace_timer_;
  uv_prepare_t before_wait_;  // runs only while message_flushes_ is not empty
  uv_timer_t pause_timer_;    // runs only while paused_ is not empty
  std::thread thread_;

  std::mutex tasks_mu_;
  std::vector<std::function<void()>> tasks_;
  bool accepting_tasks_ = true;  // guarded by tasks_mu_

  mutable std::mutex clients_mu_;  // guards the list links, for readers on other threads
  Connection* clients_ = nullptr;
  size_t client_count_ = 0;
  std::unordered_map<uint64_t, Connection*> by_id_;  // this thread only
  std::vector<uint64_t> message_flushes_;            // this thread only
  std::vector<uint64_t> paused_;                     // this thread only: held by CLIENT PAUSE

  ByteBuffer shared_input_;
  store::LockSet locks_;
  store::LockSet busy_locks_;
  bool serving_while_busy_ = false;
  Dispatcher dispatcher_;
  uint64_t cron_period_ms_ = 0;
  int64_t last_idle_check_ms_ = 0;
  bool shutting_down_ = false;
  std::atomic<int64_t> cpu_user_us_{0};
  std::atomic<int64_t> cpu_sys_us_{0};
};

}  // namespace strata::server

#endif  // STRATA_SERVER_IO_THREAD_H_
