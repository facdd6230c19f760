#pragma once
// Serialises and throttles the caller's log/progress callbacks: workers report from their
// own threads, the sink sees one call at a time and at most ~10 progress steps a second
// (plus every item boundary).

#include <immichbak/events.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace immichbak::backup_engine {

class reporter {
 public:
  explicit reporter(const event_sink& sink);

  void log(log_level level, const std::string& message);
  bool wants_debug() const noexcept { return static_cast<bool>(sink_.log); }

  /// A new phase; always reported.
  void phase(const std::string& name, std::uint64_t items_total = 0);

  /// Data totals (catalog estimates) for the "data" phase.
  void set_totals(std::uint64_t bytes, std::uint64_t rows, std::uint64_t items);

  /// Progress of the data phase: bytes/rows streamed since the last call.
  /// Reported at most every 100 ms unless `force` (item boundaries).
  void add(const std::string& item, std::uint64_t bytes, std::uint64_t rows, bool item_done, bool force);

  double elapsed() const;

 private:
  void emit_locked(const std::string& item);
  const event_sink& sink_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
  progress_event ev_;
};

}  // namespace immichbak::backup_engine
