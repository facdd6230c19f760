#pragma once
// Running a restore's work over several sessions at once: the reporter that serialises and
// throttles the caller's callbacks, and for_each_parallel(), which runs a list of items
// over a set of sessions with util::run_control's failure and cancellation (the first
// error wins and stops everything).

#include <immichbak/events.hpp>

#include "util/run_control.hpp"

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

using util::run_control;
using util::stopped_signal;

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

/// Registers a session with a run_control for its lifetime.
class session_guard {
 public:
  session_guard(run_control& s, pg::connection& c) : s_(s), c_(c) { s_.add(&c_); }
  ~session_guard() { s_.remove(&c_); }
  session_guard(const session_guard&) = delete;
  session_guard& operator=(const session_guard&) = delete;

 private:
  run_control& s_;
  pg::connection& c_;
};

/// Runs work(session, i) for every i in [0, count), taking items in order, one thread per
/// session (sessions.size() threads; with one session the work still runs on a thread so
/// the caller's cancel flag is watched). Sessions must be registered with `state` by the
/// caller. The first failure stops the others; it is rethrown after every thread ended.
void for_each_parallel(std::size_t count, const std::vector<pg::connection*>& sessions, run_control& state,
                       const std::function<void(pg::connection&, std::size_t)>& work);

}  // namespace immichbak::restore_detail
