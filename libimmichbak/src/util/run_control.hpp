#pragma once
// Failure and cancellation for a run with several threads and server sessions (a backup's
// COPY workers, a restore's loading sessions): the first error wins, everything else stops.
// Recording an error sets the stop flag and cancels the statement running on every
// registered session, so workers blocked in a COPY, an index build or a lock wait return
// promptly. A watchdog thread turns the caller's cancel flag into such a failure even
// while every thread is waiting on the server.

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace immichbak::pg {
class connection;
}

namespace immichbak::util {

/// Thrown inside a worker to unwind after another thread failed (never escapes a worker).
struct stopped_signal {};

class run_control {
 public:
  /// `cancelled_message` is the error a cancellation records ("backup cancelled; ...").
  run_control(const std::atomic<bool>* user_cancel, std::string cancelled_message);
  ~run_control();
  run_control(const run_control&) = delete;
  run_control& operator=(const run_control&) = delete;

  /// Sessions whose running statement is cancelled on failure. A session must be removed
  /// before it is destroyed.
  void add(pg::connection* c);
  void remove(pg::connection* c);

  /// Records `e` unless an error is recorded already; stops everything either way.
  void fail(std::exception_ptr e);
  bool stopped() const noexcept { return stop_.load(std::memory_order_relaxed); }
  bool user_cancelled() const noexcept { return cancel_ && cancel_->load(std::memory_order_relaxed); }
  /// The per-row check: throws stopped_signal when the run is stopping (recording the
  /// cancellation first if the caller asked for it).
  void check();
  /// For the leader between steps: records a requested cancellation, then rethrows the
  /// first recorded error, if any.
  void check_cancel();
  void rethrow_if_failed();
  /// The error to report (the first one recorded), or null.
  std::exception_ptr first_error();
  /// The error a cancellation records.
  std::exception_ptr cancelled_error() const;

  /// Starts/stops the thread that polls the cancel flag (a no-op without one).
  void start_watchdog();
  void stop_watchdog();

 private:
  void cancel_sessions_locked();
  const std::atomic<bool>* cancel_;
  std::string cancelled_message_;
  std::mutex mu_;
  std::vector<pg::connection*> sessions_;
  std::exception_ptr first_;
  std::atomic<bool> stop_{false};
  std::condition_variable cv_;
  bool watchdog_done_ = false;
  std::thread watchdog_;
};

}  // namespace immichbak::util
