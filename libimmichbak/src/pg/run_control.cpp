#include "pg/run_control.hpp"

#include "pg/connection.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace immichbak::pg {

run_control::run_control(const std::atomic<bool>* user_cancel, std::string cancelled_message)
    : cancel_(user_cancel), cancelled_message_(std::move(cancelled_message)), owner_thread_(std::this_thread::get_id()) {}

run_control::~run_control() { stop_watchdog(); }

std::exception_ptr run_control::cancelled_error() const {
  return std::make_exception_ptr(error(errc::cancelled, cancelled_message_));
}

void run_control::add(pg::connection* c) {
  std::lock_guard lock(mu_);
  sessions_.push_back(c);
  // A session that joins after the failure still has to stop what it is about to start.
  if (stop_) c->cancel_nowait();
  if (gave_up_) c->shut_down();
}

void run_control::remove(pg::connection* c) {
  std::lock_guard lock(mu_);
  sessions_.erase(std::remove(sessions_.begin(), sessions_.end(), c), sessions_.end());
}

void run_control::fail(std::exception_ptr e) {
  std::lock_guard lock(mu_);
  if (!first_) first_ = std::move(e);
  if (!stop_.exchange(true)) cancel_sessions_locked();
}

void run_control::cancel_sessions_locked() {
  // The registry lock keeps each session alive while its cancel request is taken; the
  // request itself goes out without waiting, so a server that does not answer cannot hold
  // this lock (and with it every session's remove()).
  for (auto* c : sessions_) c->cancel_nowait();
}

void run_control::give_up_locked() {
  gave_up_ = true;
  for (auto* c : sessions_) c->shut_down();
  pg::connection::shut_down_related(sessions_, owner_thread_);
  if (first_is_cancel_)
    first_ = std::make_exception_ptr(
        error(errc::cancelled, fmt::format("{} (still running {} s after the cancel request, e.g. waiting on a server "
                                           "that does not answer: its server connections were closed)",
                                           cancelled_message_, give_up_after.count())));
}

void run_control::check() {
  if (user_cancelled() && !stopped()) {
    std::lock_guard lock(mu_);
    if (!first_) {
      first_ = cancelled_error();
      first_is_cancel_ = true;
    }
    if (!stop_.exchange(true)) cancel_sessions_locked();
  }
  if (stopped()) throw stopped_signal{};
}

void run_control::check_cancel() {
  if (user_cancelled()) {
    try {
      check();
    } catch (const stopped_signal&) {
    }
  }
  rethrow_if_failed();
}

void run_control::rethrow_if_failed() {
  if (auto e = first_error()) std::rethrow_exception(e);
}

std::exception_ptr run_control::first_error() {
  std::lock_guard lock(mu_);
  return first_;
}

void run_control::start_watchdog() {
  if (watchdog_.joinable()) return;
  watchdog_ = std::thread([this] {
    std::unique_lock lock(mu_);
    std::optional<std::chrono::steady_clock::time_point> stopping_since;
    while (!watchdog_done_) {
      cv_.wait_for(lock, std::chrono::milliseconds(50));
      if (watchdog_done_) break;
      if (user_cancelled() && !stop_) {
        if (!first_) {
          first_ = cancelled_error();
          first_is_cancel_ = true;
        }
        stop_ = true;
        cancel_sessions_locked();
      }
      if (stop_ && !gave_up_) {
        auto now = std::chrono::steady_clock::now();
        if (!stopping_since) stopping_since = now;
        else if (now - *stopping_since >= give_up_after) give_up_locked();
      }
    }
  });
}

void run_control::stop_watchdog() {
  if (!watchdog_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    watchdog_done_ = true;
  }
  cv_.notify_all();
  watchdog_.join();
}

}  // namespace immichbak::pg
