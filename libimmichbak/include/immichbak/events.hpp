#pragma once
// How the library reports while it works. It never writes to stdout or stderr itself:
// every message and progress step goes through these callbacks, which may be empty.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace immichbak {

enum class log_level { debug, info, warning, error };

/// One progress step. `phase` names the stage ("schema", "data", "post-data", "verify", ...);
/// `item` names the table or object being worked on, when there is one. Totals are
/// estimates (from catalog statistics or the manifest) and may be zero when unknown.
struct progress_event {
  std::string phase;
  std::string item;
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;
  std::uint64_t rows_done = 0;
  std::uint64_t rows_total = 0;
  std::uint64_t items_done = 0;
  std::uint64_t items_total = 0;
  double elapsed_seconds = 0;
};

/// Callbacks shared by every operation. They may be called from worker threads, but
/// never concurrently with each other (the library serialises the calls).
struct event_sink {
  std::function<void(log_level, const std::string&)> log;
  std::function<void(const progress_event&)> progress;
  /// When set and it becomes true, the operation stops at the next safe point,
  /// undoes what it started and throws `error(errc::cancelled)`.
  const std::atomic<bool>* cancel = nullptr;
};

}  // namespace immichbak
