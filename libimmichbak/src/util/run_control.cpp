#include "util/run_control.hpp"

#include "pg/connection.hpp"

#include <immichbak/error.hpp>

#include <algorithm>
#include <chrono>

namespace immichbak::util {

run_control::run_control(const std::atomic<bool>* user_cancel, std::string cancelled_message)
    : cancel_(user_cancel), cancelled_message_(std::move(cancelled_message)) {}

run_control::~run_control() { stop_watchdog(); }

std::exception_ptr run_control::cancelled_error() const {
  return std::make_exception_ptr(error(errc::cancelled, cancelled_message_));
}

void run_control::add(pg::connection* c) {
  std::lock_guard lock(mu_);
  sessions_.push_back(c);
  // A session that joins after the failure still has to stop what it is about to start.
  if (stop_) c->cancel();
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
  // PQcancel is safe from another thread; the registry lock keeps each session alive
  // while its cancel request is sent.
  for (auto* c : sessions_) c->cancel();
}

void run_control::check() {
  if (user_cancelled()) fail(cancelled_error());
  if (stopped()) throw stopped_signal{};
}

void run_control::check_cancel() {
  if (user_cancelled()) fail(cancelled_error());
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
  if (!cancel_ || watchdog_.joinable()) return;
  watchdog_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!watchdog_done_) {
      cv_.wait_for(lock, std::chrono::milliseconds(50));
      if (watchdog_done_) break;
      if (cancel_->load(std::memory_order_relaxed) && !stop_) {
        if (!first_) first_ = cancelled_error();
        stop_ = true;
        cancel_sessions_locked();
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

}  // namespace immichbak::util
