#include "restore/parallel_run.hpp"

#include "pg/connection.hpp"

#include <immichbak/error.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace immichbak::restore_detail {

// ---- reporter -------------------------------------------------------------------------

void reporter::log(log_level level, const std::string& message) {
  if (!sink_.log) return;
  std::lock_guard lock(mu_);
  sink_.log(level, message);
}

double reporter::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void reporter::phase(const std::string& name, std::uint64_t items_total, std::uint64_t bytes_total,
                     std::uint64_t rows_total) {
  std::lock_guard lock(mu_);
  ev_ = progress_event{};
  ev_.phase = name;
  ev_.items_total = items_total;
  ev_.bytes_total = bytes_total;
  ev_.rows_total = rows_total;
  emit_locked({});
}

void reporter::item_done(const std::string& item, std::uint64_t bytes, std::uint64_t rows, bool force) {
  std::lock_guard lock(mu_);
  ev_.bytes_done += bytes;
  ev_.rows_done += rows;
  ++ev_.items_done;
  bool last = ev_.items_total != 0 && ev_.items_done == ev_.items_total;
  if (!force && !last && std::chrono::steady_clock::now() - last_ < std::chrono::milliseconds(100)) return;
  emit_locked(item);
}

void reporter::emit_locked(const std::string& item) {
  last_ = std::chrono::steady_clock::now();
  if (!sink_.progress) return;
  ev_.item = item;
  ev_.elapsed_seconds = std::chrono::duration<double>(last_ - start_).count();
  sink_.progress(ev_);
}

// ---- for_each_parallel ----------------------------------------------------------------

void for_each_parallel(std::size_t count, const std::vector<pg::connection*>& sessions, run_control& state,
                       const std::function<void(pg::connection&, std::size_t)>& work) {
  if (count == 0) return;
  if (sessions.empty()) throw error(errc::internal, "for_each_parallel without sessions");
  std::atomic<std::size_t> next{0};
  auto worker = [&](pg::connection* c) {
    try {
      for (;;) {
        state.check();
        std::size_t i = next.fetch_add(1);
        if (i >= count) return;
        work(*c, i);
      }
    } catch (const stopped_signal&) {
    } catch (...) {
      state.fail(std::current_exception());
    }
  };
  std::size_t n = std::min(sessions.size(), count);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (std::size_t k = 0; k < n; ++k) threads.emplace_back(worker, sessions[k]);
  for (auto& t : threads) t.join();
  state.rethrow_if_failed();
}

}  // namespace immichbak::restore_detail
