#pragma once
// Serialises and throttles the caller's log/progress callbacks for a backup or restore:
// workers report from their own threads, the sink sees one call at a time (events.hpp
// promises that) and at most ~10 progress steps a second, plus phase starts, forced
// steps (item boundaries) and the last item of a phase. A step the throttle held back is
// sent before the next phase starts, so the sink always sees a phase's final counts.

#include <immichbak/events.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace immichbak::util {

class reporter {
 public:
  explicit reporter(const event_sink& sink) : sink_(sink) {}

  void log(log_level level, const std::string& message);

  /// A new phase ("data", "indexes", ...); always reported.
  void phase(const std::string& name, std::uint64_t items_total = 0, std::uint64_t bytes_total = 0,
             std::uint64_t rows_total = 0);
  /// Totals for the current phase, when they are known only after it started (estimates).
  void set_totals(std::uint64_t bytes, std::uint64_t rows, std::uint64_t items);

  /// Bytes/rows done since the last call, and whether an item finished. Reported at most
  /// every 100 ms unless `force` or the phase's last item finished. Totals that were
  /// estimates grow to what was done rather than report more done than total.
  void add(const std::string& item, std::uint64_t bytes, std::uint64_t rows, bool item_done, bool force);
  void item_done(const std::string& item, std::uint64_t bytes, std::uint64_t rows, bool force = false) {
    add(item, bytes, rows, true, force);
  }

  double elapsed() const;

 private:
  void emit_locked(const std::string& item);
  const event_sink& sink_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
  progress_event ev_;
  bool pending_ = false;       ///< ev_ has counts the sink has not seen
  std::string pending_item_;
};

}  // namespace immichbak::util
