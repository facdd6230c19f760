#include "util/reporter.hpp"

namespace immichbak::util {

double reporter::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void reporter::log(log_level level, const std::string& message) {
  if (!sink_.log) return;
  std::lock_guard lock(mu_);
  sink_.log(level, message);
}

void reporter::phase(const std::string& name, std::uint64_t items_total, std::uint64_t bytes_total,
                     std::uint64_t rows_total) {
  std::lock_guard lock(mu_);
  // The previous phase's last step may have been held back by the throttle: the sink
  // sees every phase's final counts.
  if (pending_) emit_locked(pending_item_);
  ev_ = progress_event{};
  ev_.phase = name;
  ev_.items_total = items_total;
  ev_.bytes_total = bytes_total;
  ev_.rows_total = rows_total;
  emit_locked({});
}

void reporter::set_totals(std::uint64_t bytes, std::uint64_t rows, std::uint64_t items) {
  std::lock_guard lock(mu_);
  ev_.bytes_total = bytes;
  ev_.rows_total = rows;
  ev_.items_total = items;
}

void reporter::add(const std::string& item, std::uint64_t bytes, std::uint64_t rows, bool item_done, bool force) {
  std::lock_guard lock(mu_);
  ev_.bytes_done += bytes;
  ev_.rows_done += rows;
  if (item_done) ++ev_.items_done;
  if (ev_.bytes_done > ev_.bytes_total) ev_.bytes_total = ev_.bytes_done;
  if (ev_.rows_done > ev_.rows_total) ev_.rows_total = ev_.rows_done;
  const bool last = item_done && ev_.items_total != 0 && ev_.items_done == ev_.items_total;
  if (!force && !last && std::chrono::steady_clock::now() - last_ < std::chrono::milliseconds(100)) {
    pending_ = true;
    pending_item_ = item;
    return;
  }
  emit_locked(item);
}

void reporter::emit_locked(const std::string& item) {
  last_ = std::chrono::steady_clock::now();
  pending_ = false;
  if (!sink_.progress) return;
  ev_.item = item;
  ev_.elapsed_seconds = std::chrono::duration<double>(last_ - start_).count();
  sink_.progress(ev_);
}

}  // namespace immichbak::util
