#pragma once
// Failure and cancellation for a run with several threads and server sessions (a backup's
// COPY workers, a restore's loading sessions): the first error wins, everything else stops.
// Recording an error sets the stop flag and cancels the statement running on every
// registered session, so workers blocked in a COPY, an index build or a lock wait return
// promptly. A watchdog thread turns the caller's cancel flag into such a failure even
// while every thread is waiting on the server.
//
// A server that does not answer (its processes stopped, the host frozen) answers no cancel
// request either, and a libpq call waiting on it never returns by itself. So the cancel
// requests are sent without waiting for them, and once the run has been stopping for
// give_up_after without ending, the watchdog gives the server up: it shuts down the sockets
// of every registered session, of every session the run's own thread opened and of every
// session sharing an event sink with a registered one (a restore's maintenance session,
// which the cleanup would wait on next; a backup worker still joining the snapshot, not yet
// registered), so the blocked calls return
// with connection errors and the run ends with its first error (for a cancellation: exit
// code 130 in the CLI). A connection attempt still in progress is not reached (libpq opens
// its socket inside the call).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace immichbak::pg {

class connection;

/// Thrown inside a worker to unwind after another thread failed (never escapes a worker).
struct stopped_signal {};

class run_control {
 public:
  /// How long a stopping run waits for the server to answer before giving it up.
  static constexpr std::chrono::seconds give_up_after{5};

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
  /// The server did not answer within give_up_after of the stop: its sessions were shut down.
  bool gave_up() const noexcept { return gave_up_.load(std::memory_order_relaxed); }
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

  /// Starts/stops the thread that polls the cancel flag and gives an unanswering server up.
  void start_watchdog();
  void stop_watchdog();

 private:
  void cancel_sessions_locked();
  void give_up_locked();
  const std::atomic<bool>* cancel_;
  std::string cancelled_message_;
  std::thread::id owner_thread_;
  std::mutex mu_;
  std::vector<pg::connection*> sessions_;
  std::exception_ptr first_;
  bool first_is_cancel_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<bool> gave_up_{false};
  std::condition_variable cv_;
  bool watchdog_done_ = false;
  std::thread watchdog_;
};

}  // namespace immichbak::pg
