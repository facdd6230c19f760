#pragma once
// Running a restore's work over several sessions at once: for_each_parallel() runs a list
// of items over a set of sessions with pg::run_control's failure and cancellation (the
// first error wins and stops everything); util::reporter carries the progress.

#include "pg/run_control.hpp"
#include "util/reporter.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

namespace immichbak::pg {
class connection;
}

namespace immichbak::load {

using util::reporter;
using pg::run_control;
using pg::stopped_signal;

/// Runs work(session, i) for every i in [0, count), taking items in order, one worker per
/// session (util::run_workers: the first on the calling thread). Sessions must be registered
/// with `state` by the caller, whose watchdog turns the caller's cancel flag into a stop.
/// The first failure stops the others; it is rethrown after every worker ended.
void for_each_parallel(std::size_t count, const std::vector<pg::connection*>& sessions, run_control& state,
                       const std::function<void(pg::connection&, std::size_t)>& work);

/// The same, with the items handed out by `take(k)`: called on session k's thread when
/// that session is free, it returns the next item for it, or nullopt when it should stop
/// (load/frame_queue.hpp decides which data frame a session loads next).
void for_each_parallel(const std::vector<pg::connection*>& sessions, run_control& state,
                       const std::function<std::optional<std::size_t>(std::size_t)>& take,
                       const std::function<void(pg::connection&, std::size_t)>& work);

}  // namespace immichbak::load
