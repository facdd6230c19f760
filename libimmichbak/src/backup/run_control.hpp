#pragma once
// Failure and cancellation for a run with several threads and server sessions: the first
// error wins, everything else stops. Recording an error sets the stop flag and cancels the
// statement running on every registered session, so workers blocked in a COPY (or the
// leader waiting for a lock) return promptly. A watchdog thread turns the caller's cancel
// flag into such a failure even while every thread is waiting on the server.

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace immichbak::pg {
class connection;
}

namespace immichbak::backup_engine {

/// Thrown inside a worker to unwind after another thread failed (never escapes a worker).
struct stopped_signal {};

class run_control {
 public:
  explicit run_control(const std::atomic<bool>* user_cancel);
  ~run_control();
  run_control(const run_control&) = delete;
  run_control& operator=(const run_control&) = delete;

  /// Sessions whose running statement is cancelled on failure. A session must be removed
  /// before it is destroyed.
  void add(pg::connection* c);
  void remove(pg::connection* c);

  /// Records `e` unless an error is already recorded; stops everything either way.
  void fail(std::exception_ptr e);
  bool stopped() const noexcept { return stop_.load(std::memory_order_relaxed); }
  bool user_cancelled() const noexcept { return cancel_ && cancel_->load(std::memory_order_relaxed); }

  /// The per-row check: throws stopped_signal when the run is stopping (recording the
  /// cancellation error first if the caller asked for it).
  void check() {
    if (stopped() || user_cancelled()) stop_now();
  }

  /// The error to report (the first one recorded), or null.
  std::exception_ptr first_error();

  /// Starts/stops the thread that polls the cancel flag (a no-op without one).
  void start_watchdog();
  void stop_watchdog();

 private:
  [[noreturn]] void stop_now();
  void cancel_sessions_locked();
  const std::atomic<bool>* cancel_;
  std::mutex mu_;
  std::vector<pg::connection*> sessions_;
  std::exception_ptr first_;
  std::atomic<bool> stop_{false};
  std::condition_variable cv_;
  bool watchdog_done_ = false;
  std::thread watchdog_;
};

/// The error a cancelled backup throws.
std::exception_ptr cancelled_error();

}  // namespace immichbak::backup_engine
