#pragma once
// Failure, cancellation and progress for a restore that runs on several sessions at once.
//
// The first error wins and stops everything: recording it cancels the statement running on
// every registered session, so workers blocked in a COPY or an index build return at once.
// A watchdog turns the caller's cancel flag into such a failure even while every thread is
// waiting on the server. for_each_parallel() runs a list of items over a set of sessions on
// top of this.
//
// (The backup engine has the same shape in backup/run_control.hpp; the restore keeps its
// own so the two can evolve separately -- e.g. the restore retries deadlocks.)

#include <immichbak/events.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace immichbak::pg {
class connection;
}

namespace immichbak::restore_detail {

/// Serialises and throttles the caller's callbacks (events.hpp promises one call at a time).
class reporter {
 public:
  explicit reporter(const event_sink& sink) : sink_(sink) {}
  void log(log_level level, const std::string& message);
  /// Starts a phase ("pre-data", "data", "indexes", ...); always reported.
  void phase(const std::string& name, std::uint64_t items_total = 0, std::uint64_t bytes_total = 0,
             std::uint64_t rows_total = 0);
  /// One item (frame, unit, table) done; reported at most every 100 ms unless `force`.
  void item_done(const std::string& item, std::uint64_t bytes, std::uint64_t rows, bool force = false);
  double elapsed() const;

 private:
  void emit_locked(const std::string& item);
  const event_sink& sink_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
  progress_event ev_;
};

/// Thrown inside a worker to unwind after another thread failed; never escapes.
struct stopped_signal {};

class run_state {
 public:
  /// `what` names the operation in the cancellation error ("restore", "restore test").
  run_state(const std::atomic<bool>* user_cancel, std::string what);
  ~run_state();
  run_state(const run_state&) = delete;
  run_state& operator=(const run_state&) = delete;

  void add(pg::connection* c);
  void remove(pg::connection* c);

  /// Records `e` unless an error is recorded already; stops everything either way.
  void fail(std::exception_ptr e);
  bool stopped() const noexcept { return stop_.load(std::memory_order_relaxed); }
  /// Throws stopped_signal when stopping (recording the cancellation first if asked).
  void check();
  /// Rethrows the first recorded error, if any.
  void rethrow_if_failed();
  /// For the leader between steps: throws error(cancelled) when the caller asked to stop,
  /// else rethrows a recorded error.
  void check_cancel();
  std::exception_ptr first_error();

  void start_watchdog();
  void stop_watchdog();

 private:
  std::exception_ptr cancelled() const;
  const std::atomic<bool>* cancel_;
  std::string what_;
  std::mutex mu_;
  std::vector<pg::connection*> sessions_;
  std::exception_ptr first_;
  std::atomic<bool> stop_{false};
  std::condition_variable cv_;
  bool watchdog_done_ = false;
  std::thread watchdog_;
};

/// Registers a session with a run_state for its lifetime.
class session_guard {
 public:
  session_guard(run_state& s, pg::connection& c) : s_(s), c_(c) { s_.add(&c_); }
  ~session_guard() { s_.remove(&c_); }
  session_guard(const session_guard&) = delete;
  session_guard& operator=(const session_guard&) = delete;

 private:
  run_state& s_;
  pg::connection& c_;
};

/// Runs work(session, i) for every i in [0, count), taking items in order, one thread per
/// session (sessions.size() threads; with one session the work still runs on a thread so
/// the caller's cancel flag is watched). Sessions must be registered with `state` by the
/// caller. The first failure stops the others; it is rethrown after every thread ended.
void for_each_parallel(std::size_t count, const std::vector<pg::connection*>& sessions, run_state& state,
                       const std::function<void(pg::connection&, std::size_t)>& work);

}  // namespace immichbak::restore_detail
