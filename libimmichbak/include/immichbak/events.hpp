#pragma once
// How the library reports while it works. It never writes to stdout or stderr itself:
// every message and progress step goes through these callbacks, which may be empty.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace immichbak {

/// The severity of a message passed to event_sink::log.
enum class log_level {
  debug,    ///< details for finding a problem (the CLI shows them with -v)
  info,     ///< what the operation is doing and what it did
  warning,  ///< something the user should know; the operation goes on
  error     ///< what failed (the operation also throws, or reports it in its result)
};

/// One progress step. `phase` names the stage ("schema", "data", "post-data", "verify", ...);
/// `item` names the table or object being worked on, when there is one. Totals are
/// estimates (from catalog statistics or the manifest) and may be zero when unknown.
struct progress_event {
  std::string phase;               ///< the stage: "schema", "data", "post-data", "verify", ...
  std::string item;                ///< the table or object being worked on; may be empty
  std::uint64_t bytes_done = 0;    ///< bytes processed so far in this phase
  std::uint64_t bytes_total = 0;   ///< estimated bytes of the phase; 0 when unknown
  std::uint64_t rows_done = 0;     ///< rows processed so far in this phase
  std::uint64_t rows_total = 0;    ///< estimated rows of the phase; 0 when unknown
  std::uint64_t items_done = 0;    ///< items (tables, frames, statements) finished
  std::uint64_t items_total = 0;   ///< items in the phase; 0 when unknown
  double elapsed_seconds = 0;      ///< time since the phase started
};

/// Callbacks shared by every operation. They may be called from worker threads, but
/// never concurrently with each other (the library serialises the calls).
struct event_sink {
  /// Receives every log message with its level. Empty: messages are dropped.
  std::function<void(log_level, const std::string&)> log;
  /// Receives progress steps. Empty: no progress is reported.
  std::function<void(const progress_event&)> progress;
  /// When set and it becomes true, the operation stops at the next safe point,
  /// undoes what it started and throws `error(errc::cancelled)`.
  const std::atomic<bool>* cancel = nullptr;
};

}  // namespace immichbak
